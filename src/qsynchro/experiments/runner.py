"""User-facing sweep runner: the engine wired to the on-disk store."""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from qsynchro.outputs.store import SweepStore, write_dataset
from qsynchro.sweeps.grid import Sweep
from qsynchro.sweeps.run import run_sweep as _run, validate_sweep

__all__ = ["run_sweep"]


def run_sweep(sweep: Sweep, out: str | Path | None = None, *, progress: bool = True,
              description: str | None = None) -> xr.Dataset:
    """Run ``sweep``; with ``out``, chunks are stored in ``out`` and the sweep resumes.

    Writes ``out/result.nc`` when every chunk is done.
    """
    validate_sweep(sweep)
    sink = SweepStore(out, sweep) if out is not None else None
    ds = _run(sweep, sink=sink, progress=progress, description=description)
    if out is not None:
        write_dataset(ds, Path(out) / "result.nc")
    return ds
