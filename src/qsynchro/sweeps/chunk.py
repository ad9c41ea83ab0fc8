"""Computing one chunk: the same function in process and on every Dask worker.

:func:`compute_chunk` is a plain module-level function of the sweep declaration (a
dict) and the chunk bounds. The in-process engine (:mod:`qsynchro.sweeps.run`)
calls it in a loop; on Dask (:mod:`qsynchro.sweeps.dask`) every worker runs the
very same function and looks the kernel up by name. This module imports neither
of them, so both can import it (no import cycle).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from qsynchro.sweeps.grid import Sweep
from qsynchro.sweeps.kernel import (
    STATUS_FAILED,
    STATUS_NAMES,
    STATUS_NOT_CONVERGED,
    STATUS_OK,
    ChunkResult,
    Kernel,
    get_kernel,
)

__all__ = ["compute_chunk", "device_info", "failed_chunk", "resolve_settings", "text_full"]


# ---------------------------------------------------------------------------------------
# settings
# ---------------------------------------------------------------------------------------
def _coerce(field: dataclasses.Field, value: Any) -> Any:
    """TOML writes ``2000`` for a float setting: make it ``2000.0`` (stable fingerprint);
    arrays become tuples (hashable, as jitted kernels need for static settings)."""
    kind = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "")
    if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, list):  # JSON/TOML arrays: frozen settings hold (hashable) tuples
        return tuple(value)
    return value


def resolve_settings(kernel: Kernel, settings: Any) -> Any:
    """Turn ``None`` / a mapping / an instance into the kernel's settings dataclass."""
    if settings is None:
        return kernel.settings_type()
    if isinstance(settings, kernel.settings_type):
        return settings
    if isinstance(settings, Mapping):
        fields = {f.name: f for f in dataclasses.fields(kernel.settings_type)}
        unknown = sorted(set(settings) - set(fields))
        if unknown:
            raise ValueError(
                f"Unknown setting(s) {unknown} for kernel `{kernel.name}`; "
                f"valid settings are {sorted(fields)}."
            )
        kwargs = {k: _coerce(fields[k], v) for k, v in settings.items()}
        return kernel.settings_type(**kwargs)
    raise TypeError(
        f"Argument `settings` must be None, a mapping or a {kernel.settings_type.__name__}, "
        f"but got {type(settings).__name__}."
    )


# ---------------------------------------------------------------------------------------
# devices
# ---------------------------------------------------------------------------------------
def host_memory() -> int:
    """Available host memory in bytes."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:  # pragma: no cover - psutil is optional
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def device_info() -> dict[str, Any]:
    """Platform (``"cpu"``, ``"gpu"``, ...) and free memory in bytes of JAX's first device.

    On an accelerator the free memory is ``bytes_limit - bytes_in_use`` from the
    device's allocator statistics; on CPU it is the host's available memory.
    """
    import jax

    dev = jax.devices()[0]
    memory = None
    if dev.platform != "cpu":
        try:
            stats = dev.memory_stats() or {}
            memory = int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0))
        except (KeyError, TypeError, AttributeError, RuntimeError):  # pragma: no cover
            memory = None
    if memory is None:
        memory = host_memory()
    return {"platform": dev.platform, "memory": int(memory)}


# ---------------------------------------------------------------------------------------
# one chunk
# ---------------------------------------------------------------------------------------
_PREPARED: dict[str, tuple[Sweep, Kernel, Any]] = {}


def _prepared(decl: Mapping[str, Any], module: str | None) -> tuple[Sweep, Kernel, Any]:
    key = json.dumps(decl, sort_keys=True, default=str)
    if key not in _PREPARED:
        sweep = Sweep.from_dict(decl)
        kernel = get_kernel(sweep.kernel, module=module)
        settings = resolve_settings(kernel, sweep.settings)
        if len(_PREPARED) > 16:
            _PREPARED.clear()
        _PREPARED[key] = (sweep, kernel, settings)
    return _PREPARED[key]


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ").strip()
    return text if len(text) <= 300 else text[:297] + "..."


def text_full(shape: int | tuple[int, ...], text: str) -> np.ndarray:
    """Object array with every entry the *same* ``str`` object (8 bytes per entry).

    ``np.full(n, text, dtype=object)`` would create ``n`` copies of the string
    (about 60 bytes each).
    """
    out = np.empty(shape, dtype=object)
    out.fill(text)
    return out


def _reasons(values: Any) -> np.ndarray:
    """Object array of ``str``, equal strings sharing one object (8 bytes per point)."""
    arr = np.asarray(values).reshape(-1)
    if arr.size == 0 or (arr == "").all():  # the common case: no reason anywhere
        return text_full(arr.size, "")
    if arr.dtype.kind != "U":
        arr = np.array(["" if r is None else str(r) for r in arr], dtype=str)
    uniq, inverse = np.unique(arr, return_inverse=True)
    return np.array([str(u) for u in uniq], dtype=object)[inverse]


def failed_chunk(n: int, reason: str) -> ChunkResult:
    """Every point of an ``n``-point chunk failed with ``reason``.

    It holds no values: a store leaves NaN in the chunk's points (the measures'
    trailing shapes need not be known when a whole chunk fails).
    """
    return ChunkResult(
        values={},
        status=np.full(n, STATUS_FAILED, np.int8),
        reason=text_full(n, reason),
    )


def _sanitize(
    res: Any, n: int, batch: int, measures: tuple[str, ...], shapes: Mapping[str, Any], name: str
) -> ChunkResult:
    """Check a kernel's output, drop padding, and apply the status rules (kernel.py)."""
    if not isinstance(res, ChunkResult):
        return failed_chunk(n, f"kernel `{name}` returned {type(res).__name__}, not a ChunkResult")
    status = np.asarray(res.status)
    if status.shape != (batch,):
        return failed_chunk(
            n, f"kernel `{name}` returned status of shape {status.shape}, expected {(batch,)}"
        )
    status = status[:n].astype(np.int8)
    reason = np.asarray(res.reason)
    if reason.reshape(-1).shape != (batch,):
        return failed_chunk(
            n, f"kernel `{name}` returned reason of shape {reason.shape}, expected {(batch,)}"
        )
    reason = _reasons(reason.reshape(-1)[:n])
    values: dict[str, np.ndarray] = {}
    for m in measures:
        if m not in res.values:
            return failed_chunk(n, f"kernel `{name}` did not return measure {m!r}")
        v = np.asarray(res.values[m])
        want = shapes[m]
        if v.shape[:1] != (batch,) or (want is not None and v.shape[1:] != want):
            exp = (batch, *want) if want is not None else (batch, "...")
            return failed_chunk(
                n, f"kernel `{name}` returned {m!r} of shape {v.shape}, expected {exp}"
            )
        values[m] = np.array(v[:n])
    bad_status = (status < STATUS_OK) | (status > STATUS_FAILED)
    reason[bad_status] = [f"invalid status code {int(s)}" for s in status[bad_status]]
    status[bad_status] = STATUS_FAILED
    for m in measures:
        v = values[m]
        if v.dtype.kind in "fc":
            nan = np.isnan(v).reshape(n, -1).any(axis=1) if v.size else np.zeros(n, bool)
            flip = nan & (status == STATUS_OK)
            status[flip] = STATUS_FAILED
            reason[flip] = f"NaN result ({m})"
    for code in (STATUS_NOT_CONVERGED, STATUS_FAILED):
        empty = (status == code) & (reason == "")
        reason[empty] = STATUS_NAMES[code]
    failed = status == STATUS_FAILED
    if failed.any():
        for m in measures:
            if values[m].dtype.kind in "iub":
                values[m] = values[m].astype(np.float64)
            if values[m].dtype.kind in "fc":
                values[m][failed] = np.nan
    diags: dict[str, np.ndarray] = {}
    for k, v in dict(res.diagnostics or {}).items():
        v = np.asarray(v)
        if v.shape == (batch,):  # one number per point (anything else is dropped)
            diags[str(k)] = np.array(v[:n])
    return ChunkResult(values=values, status=status, reason=reason, diagnostics=diags)


def trailing_shapes(
    kernel: Kernel, measures: tuple[str, ...], settings: Any
) -> dict[str, tuple[int, ...] | None]:
    """Trailing shape of each measure from the kernel's coordinates (``None``: unknown)."""
    coords = kernel.coords(measures, settings)
    out: dict[str, tuple[int, ...] | None] = {}
    for m in measures:
        dims = kernel.measures[m]
        out[m] = tuple(len(coords[d]) for d in dims) if all(d in coords for d in dims) else None
    return out


def compute_chunk(
    decl: Mapping[str, Any], module: str | None, start: int, stop: int, batch: int | None = None
) -> ChunkResult:
    """Compute points ``start .. stop-1`` of the sweep declared by ``decl``.

    This is the one chunk function of every executor. ``decl`` is
    :meth:`Sweep.to_dict` of a canonical sweep (see
    :func:`qsynchro.sweeps.run.prepare_sweep`); ``module`` is imported if the
    kernel is not registered in this process; ``batch`` (>= ``stop - start``)
    pads the call to a fixed batch size. The kernel runs in float64
    (:func:`qsynchro._jax.x64`). It never raises for a failing point or a failing
    chunk: see the module docstring of :mod:`qsynchro.sweeps.kernel` for the rules.
    """
    from qsynchro._jax import x64

    sweep, kernel, settings = _prepared(decl, module)
    n = stop - start
    batch = max(n, batch or n)
    params = sweep.param_grid(kernel.defaults, start, stop)
    if batch > n:
        idx = np.minimum(np.arange(batch), n - 1)
        params = {k: v[idx] for k, v in params.items()}
    shapes = trailing_shapes(kernel, sweep.measures, settings)
    try:
        with x64():
            res = kernel(params, sweep.measures, settings)
    except Exception as exc:  # a kernel bug or a whole-chunk failure: record, never abort
        return failed_chunk(n, _one_line(exc))
    return _sanitize(res, n, batch, sweep.measures, shapes, kernel.name)
