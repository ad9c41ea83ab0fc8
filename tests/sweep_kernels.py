"""A cheap, analytic test kernel for the sweep engine (imported by tests and by workers).

Kernel ``"toy"`` with parameters ``a`` (default 0), ``b`` (default 1), ``c`` (default 0):

* ``f = a * b + c`` (scalar, computed with JAX, so it checks float64 on workers);
* ``wave[k] = sin(a * k) + b`` for ``k = 0, 1, 2`` (trailing dimension ``k``);
* ``z = exp(i * a) * b`` (complex, exercises the NetCDF complex split).

Settings steer failures so the engine's rules can be tested:
``fail_above`` marks points with ``a > fail_above`` failed (NaN values),
``nan_above`` returns NaN with status ok for ``a > nan_above``,
``slow_above`` returns "not converged" (values kept) for ``a > slow_above``,
``raise_above`` raises for a whole chunk that contains ``a > raise_above``,
``crash_above`` SIGKILLs the process computing such a chunk (Dask worker tests only).

Kernel ``"cheap"`` (parameters ``x``, ``y``): ``g = sin(x) * y + 1``, one float per
point in NumPy (no JAX, no per-point Python), for memory tests and benchmarks of the
engine and the store, where the kernel must cost almost nothing.

Environment (not part of the declaration, so it does not change fingerprints):
``QSYNCHRO_TOY_SLEEP`` seconds to sleep per chunk, ``QSYNCHRO_TOY_LOG`` a file to
which each call appends ``"<first a> <first b> <batch>"``.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from qsynchro.sweeps.kernel import (
    STATUS_FAILED,
    STATUS_NOT_CONVERGED,
    STATUS_OK,
    ChunkResult,
    register_kernel,
)

INF = math.inf


@dataclass(frozen=True)
class ToySettings:
    fail_above: float = INF
    nan_above: float = INF
    slow_above: float = INF
    raise_above: float = INF
    crash_above: float = INF  # kills the *process* (only for Dask worker tests)


class ToyKernel:
    name = "toy"
    defaults: ClassVar[dict[str, float]] = {"a": 0.0, "b": 1.0, "c": 0.0}
    settings_type = ToySettings
    measures: ClassVar[dict[str, tuple[str, ...]]] = {"f": (), "wave": ("k",), "z": ()}
    calls = 0

    def coords(self, measures, settings):
        return {"k": np.arange(3.0)} if "wave" in measures else {}

    def bytes_per_point(self, measures, settings):
        return 64

    def validate(self, params, measures, settings):
        if np.any(params["b"] < 0):
            raise ValueError(f"Argument `b` must be non-negative, but got {params['b'].min()}.")

    def __call__(self, params, measures, settings):
        import jax.numpy as jnp

        ToyKernel.calls += 1
        sleep = float(os.environ.get("QSYNCHRO_TOY_SLEEP", "0") or 0)
        if sleep:
            time.sleep(sleep)
        log = os.environ.get("QSYNCHRO_TOY_LOG")
        a, b, c = params["a"], params["b"], params["c"]
        if log:
            with open(log, "a") as fh:
                fh.write(f"{float(a[0])!r} {float(b[0])!r} {a.size}\n")
        if np.any(a > settings.crash_above):
            os.kill(os.getpid(), 9)
        if np.any(a > settings.raise_above):
            raise RuntimeError("toy kernel exploded")
        f = jnp.asarray(a) * jnp.asarray(b) + jnp.asarray(c)
        assert f.dtype == jnp.float64, f.dtype  # the engine must run kernels in x64
        values = {
            "f": np.array(f),
            "wave": np.sin(a[:, None] * np.arange(3.0)) + b[:, None],
            "z": np.exp(1j * a) * b,
        }
        values = {m: values[m] for m in measures}
        status = np.full(a.shape, STATUS_OK, np.int8)
        reason = np.full(a.shape, "", dtype=object)
        slow = a > settings.slow_above
        status[slow], reason[slow] = STATUS_NOT_CONVERGED, "residual 1e-3 > tol"
        bad = a > settings.fail_above
        status[bad], reason[bad] = STATUS_FAILED, "toy failure"
        for v in values.values():
            v[bad] = np.nan
            v[a > settings.nan_above] = np.nan
        return ChunkResult(
            values=values,
            status=status,
            reason=reason.astype(str),
            diagnostics={"residual": np.abs(a) * 1e-12},
        )


register_kernel("toy", ToyKernel)


@dataclass(frozen=True)
class CheapSettings:
    pass


class CheapKernel:
    name = "cheap"
    defaults: ClassVar[dict[str, float]] = {"x": 0.0, "y": 1.0}
    settings_type = CheapSettings
    measures: ClassVar[dict[str, tuple[str, ...]]] = {"g": ()}
    calls = 0

    def coords(self, measures, settings):
        return {}

    def bytes_per_point(self, measures, settings):
        return 64

    def validate(self, params, measures, settings):
        pass

    def __call__(self, params, measures, settings):
        CheapKernel.calls += 1
        x, y = params["x"], params["y"]
        return ChunkResult(
            values={"g": np.sin(x) * y + 1.0},
            status=np.zeros(x.shape, np.int8),
            reason=np.full(x.shape, "", dtype=str),
        )


register_kernel("cheap", CheapKernel)


def cheap_sweep(nx: int, ny: int, chunk_size: int | None = None):
    from qsynchro.sweeps.grid import Axis, Sweep

    axes = (Axis.linspace("x", 0.0, 3.0, nx), Axis.linspace("y", -1.0, 1.0, ny))
    return Sweep("cheap", axes, ("g",), chunk_size=chunk_size)


def toy_sweep(na: int = 7, nb: int = 5, chunk_size: int | None = 4, **settings):
    from qsynchro.sweeps.grid import Axis, Sweep

    return Sweep(
        "toy",
        axes=(Axis.linspace("a", -1.0, 2.0, na), Axis("b", np.arange(nb) * 0.5)),
        measures=("f", "wave", "z"),
        fixed={"c": 0.25},
        settings=settings or None,
        chunk_size=chunk_size,
    )


def oracle(a: np.ndarray, b: np.ndarray, c: float = 0.25) -> dict[str, np.ndarray]:
    """Literal NumPy values of the toy measures on the (a, b) grid (ij indexing)."""
    A, B = np.meshgrid(a, b, indexing="ij")
    return {
        "f": A * B + c,
        "wave": np.sin(A[..., None] * np.arange(3.0)) + B[..., None],
        "z": np.exp(1j * A) * B,
    }
