"""Run a :class:`~qsynchro.sweeps.grid.Sweep`: chunks -> batched kernel calls -> Dataset.

The engine knows no physics and writes no files itself: persistence is
delegated to a *sink* (see :class:`ChunkSink`; the NetCDF directory store in
:mod:`qsynchro.outputs.store` implements it), which keeps the rooms in line.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping
from typing import Any, Protocol

import numpy as np
import xarray as xr

from qsynchro.sweeps.grid import Sweep
from qsynchro.sweeps.kernel import STATUS_NAMES, ChunkResult, Kernel, get_kernel

__all__ = ["ChunkSink", "assemble", "resolve_settings", "run_sweep", "validate_sweep"]


class ChunkSink(Protocol):
    """Where finished chunks go (and come back from, on resume)."""

    def done(self) -> set[int]: ...

    def load(self, index: int) -> ChunkResult: ...

    def save(self, index: int, start: int, stop: int, result: ChunkResult) -> None: ...


def _version() -> str:
    try:
        return importlib.metadata.version("qsynchro")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def resolve_settings(kernel: Kernel, settings: Any) -> Any:
    """Turn ``None`` / a mapping / an instance into the kernel's settings dataclass."""
    if settings is None:
        return kernel.settings_type()
    if isinstance(settings, kernel.settings_type):
        return settings
    if isinstance(settings, Mapping):
        import dataclasses

        valid = {f.name for f in dataclasses.fields(kernel.settings_type)}
        unknown = sorted(set(settings) - valid)
        if unknown:
            raise ValueError(
                f"Unknown setting(s) {unknown} for kernel `{kernel.name}`; "
                f"valid settings are {sorted(valid)}."
            )
        return kernel.settings_type(**settings)
    raise TypeError(
        f"Argument `settings` must be None, a mapping or a {kernel.settings_type.__name__}, "
        f"but got {type(settings).__name__}."
    )


def validate_sweep(sweep: Sweep) -> tuple[Kernel, Any]:
    """Check names, measures and parameter values of every point, before computing."""
    kernel = get_kernel(sweep.kernel)
    valid = sorted(kernel.defaults)
    for name in [*sweep.dims, *sweep.fixed]:
        if name not in kernel.defaults:
            raise ValueError(
                f"Unknown parameter {name!r} for kernel `{kernel.name}`; valid parameters are "
                f"{valid}."
            )
    for m in sweep.measures:
        if m not in kernel.measures:
            raise ValueError(
                f"Unknown measure {m!r} for kernel `{kernel.name}`; valid measures are "
                f"{sorted(kernel.measures)}."
            )
    settings = resolve_settings(kernel, sweep.settings)
    kernel.validate(sweep.param_grid(kernel.defaults), sweep.measures, settings)
    return kernel, settings


def assemble(sweep: Sweep, kernel: Kernel, settings: Any,
             parts: Mapping[int, tuple[int, int, ChunkResult]]) -> xr.Dataset:
    """Stitch chunk results into a Dataset with the axes as dimensions."""
    coords: dict[str, Any] = {a.name: a.values for a in sweep.axes}
    coords.update(kernel.coords(sweep.measures, settings))
    shape = sweep.shape
    data_vars: dict[str, Any] = {}
    order = sorted(parts)
    for m in sweep.measures:
        trailing = kernel.measures[m]
        flat = np.concatenate([np.asarray(parts[i][2].values[m]) for i in order], axis=0)
        data_vars[m] = ((*sweep.dims, *trailing), flat.reshape(shape + flat.shape[1:]))
    status = np.concatenate([np.asarray(parts[i][2].status) for i in order]).astype(np.int8)
    reason = np.concatenate([np.asarray(parts[i][2].reason, dtype=str) for i in order])
    data_vars["status"] = (sweep.dims, status.reshape(shape), {
        "flag_values": list(STATUS_NAMES), "flag_meanings": " ".join(
            v.replace(" ", "_") for v in STATUS_NAMES.values())})
    data_vars["status_reason"] = (sweep.dims, reason.reshape(shape))
    diag_names = sorted(set().union(*(parts[i][2].diagnostics.keys() for i in order)))
    for d in diag_names:
        flat = np.concatenate([np.asarray(parts[i][2].diagnostics[d]) for i in order], axis=0)
        data_vars[d] = (sweep.dims, flat.reshape(shape + flat.shape[1:])[...])
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs.update({
        "qsynchro_version": _version(),
        "kernel": sweep.kernel,
        "sweep": sweep.to_json(),
        "sweep_fingerprint": sweep.fingerprint(),
        "fixed_parameters": str(dict(sweep.fixed)),
        "n_ok": int(np.sum(status == 0)),
        "n_not_converged": int(np.sum(status == 1)),
        "n_failed": int(np.sum(status == 2)),
    })
    return ds


def default_chunk_size(sweep: Sweep) -> int:
    return sweep.chunk_size or min(sweep.size, 4096)


def run_sweep(sweep: Sweep, *, sink: ChunkSink | None = None, progress: bool = True,
              description: str | None = None) -> xr.Dataset:
    """Compute every point of ``sweep`` in process and return the Dataset.

    Chunks already present in ``sink`` are loaded, not recomputed.
    """
    kernel, settings = validate_sweep(sweep)
    chunk = default_chunk_size(sweep)
    plan = sweep.chunks(chunk)
    done = sink.done() if sink is not None else set()
    parts: dict[int, tuple[int, int, ChunkResult]] = {}
    from tqdm.auto import tqdm

    bar = tqdm(total=sweep.size, disable=not progress, unit="pt",
               desc=description or f"sweep[{sweep.kernel}]", leave=False)
    try:
        for i, (start, stop) in enumerate(plan):
            if i in done:
                parts[i] = (start, stop, sink.load(i))  # type: ignore[union-attr]
            else:
                params = sweep.param_grid(kernel.defaults, start, stop)
                res = kernel(params, sweep.measures, settings)
                if sink is not None:
                    sink.save(i, start, stop, res)
                parts[i] = (start, stop, res)
            bar.update(stop - start)
    finally:
        bar.close()
    return assemble(sweep, kernel, settings, parts)
