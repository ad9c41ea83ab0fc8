"""Files: atomic NetCDF writes, provenance, and the per-chunk sweep store.

Every file is written to a temporary name in the target directory and then
moved into place with :func:`os.replace`, so a reader (or a resumed sweep)
never sees a half-written file, even after ``kill -9``.

Why per-chunk NetCDF rather than Zarr: one self-describing file per finished
chunk makes "done" a single atomic rename, needs no extra dependency beyond
the NetCDF backend we already use for results, and a crashed writer can only
leave a stray temporary file, never a corrupt store.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from qsynchro.sweeps.grid import Sweep
from qsynchro.sweeps.kernel import ChunkResult

__all__ = ["SweepStore", "atomic_write_bytes", "write_dataset"]

_ENGINE = "h5netcdf"


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _clean_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """NetCDF attributes must be str / numbers / 1-D numeric arrays."""
    out: dict[str, Any] = {}
    for k, v in attrs.items():
        if isinstance(v, bool):
            out[k] = int(v)
        elif isinstance(v, (str, int, float, np.integer, np.floating)):
            out[k] = v
        elif isinstance(v, (list, tuple, np.ndarray)) and np.asarray(v).dtype.kind in "iuf":
            out[k] = np.asarray(v)
        else:
            out[k] = json.dumps(v, default=str) if not isinstance(v, str) else v
    return out


def write_dataset(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` to NetCDF4 at ``path`` atomically. Complex variables are split
    into ``<name>_real`` / ``<name>_imag`` (NetCDF has no complex type)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ds = ds.copy()
    for name in list(ds.data_vars):
        if np.iscomplexobj(ds[name].values):
            v = ds[name]
            ds[f"{name}_real"] = v.real.assign_attrs(v.attrs)
            ds[f"{name}_imag"] = v.imag.assign_attrs(v.attrs)
            ds = ds.drop_vars(name)
    ds.attrs = _clean_attrs(ds.attrs)
    for name in ds.variables:
        ds[name].attrs = _clean_attrs(ds[name].attrs)
        if ds[name].dtype.kind == "U":
            ds[name] = ds[name].astype(object)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        ds.to_netcdf(tmp, engine=_ENGINE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_dataset(path: str | Path) -> xr.Dataset:
    """Load a file written by :func:`write_dataset` fully into memory (re-joins complex)."""
    with xr.open_dataset(path, engine=_ENGINE) as ds:
        ds = ds.load()
    for name in list(ds.data_vars):
        if name.endswith("_real") and f"{name[:-5]}_imag" in ds:
            base = name[:-5]
            ds[base] = ds[name] + 1j * ds[f"{base}_imag"]
            ds = ds.drop_vars([name, f"{base}_imag"])
    return ds


class SweepStore:
    """Per-chunk NetCDF store for a sweep in directory ``root``.

    Layout: ``root/sweep.json`` (the declaration), ``root/chunks/chunk-000007.nc``
    (one per finished chunk) and, once complete, ``root/result.nc``.
    Opening a store whose ``sweep.json`` differs from ``sweep`` is refused.
    """

    def __init__(self, root: str | Path, sweep: Sweep) -> None:
        self.root = Path(root)
        self.sweep = sweep
        self.chunk_dir = self.root / "chunks"
        decl = self.root / "sweep.json"
        if decl.exists():
            old = json.loads(decl.read_text())
            if Sweep.from_dict(old).fingerprint() != sweep.fingerprint():
                raise ValueError(
                    f"Output directory {str(self.root)!r} holds a different sweep declaration; "
                    "use a new directory or delete it to start over."
                )
        else:
            atomic_write_bytes(decl, json.dumps(sweep.to_dict(), indent=2).encode())
        self.chunk_dir.mkdir(parents=True, exist_ok=True)

    def _path(self, index: int) -> Path:
        return self.chunk_dir / f"chunk-{index:06d}.nc"

    def done(self) -> set[int]:
        return {int(p.stem.split("-")[1]) for p in self.chunk_dir.glob("chunk-*.nc")}

    def save(self, index: int, start: int, stop: int, result: ChunkResult) -> None:
        data: dict[str, Any] = {}
        for k, v in result.values.items():
            v = np.asarray(v)
            data[f"value__{k}"] = (("point", *[f"{k}_d{i}" for i in range(v.ndim - 1)]), v)
        for k, v in result.diagnostics.items():
            v = np.asarray(v)
            data[f"diag__{k}"] = (("point", *[f"{k}_g{i}" for i in range(v.ndim - 1)]), v)
        data["status"] = ("point", np.asarray(result.status, dtype=np.int8))
        data["reason"] = ("point", np.asarray(result.reason, dtype=str))
        ds = xr.Dataset(data, attrs={"start": start, "stop": stop})
        write_dataset(ds, self._path(index))

    def load(self, index: int) -> ChunkResult:
        ds = read_dataset(self._path(index))
        values = {k[len("value__"):]: ds[k].values for k in ds.data_vars if k.startswith("value__")}
        diags = {k[len("diag__"):]: ds[k].values for k in ds.data_vars if k.startswith("diag__")}
        return ChunkResult(values=values, status=ds["status"].values.astype(np.int8),
                           reason=ds["reason"].values.astype(str), diagnostics=diags)
