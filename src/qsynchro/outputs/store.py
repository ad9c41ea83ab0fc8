"""Files: atomic writes, NetCDF with provenance.

Every file is written to a temporary name in the target directory and then
moved into place with :func:`os.replace`, so a reader (or a resumed sweep)
never sees a half-written file, even after ``kill -9``.

The Zarr store of a sweep lives in :mod:`qsynchro.outputs.sweep_store`;
``SweepStore``, ``open_partial`` and ``stored_chunks`` are re-exported here.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

__all__ = ["atomic_path", "atomic_write_bytes", "check_writable", "read_dataset", "write_dataset"]

_SWEEP_STORE = ("SweepStore", "open_partial", "stored_chunks")


def __getattr__(name: str) -> Any:
    # re-exports from sweep_store, resolved lazily (sweep_store imports this module)
    if name in _SWEEP_STORE:
        from qsynchro.outputs import sweep_store

        return getattr(sweep_store, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_ENGINE = "h5netcdf"


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success move it into place.

    The temporary file gets the permissions a plain ``open`` would give (``0o666``
    minus the umask; ``mkstemp`` alone creates ``0o600``), is flushed to disk, and
    replaces ``path`` with :func:`os.replace`, which is atomic on POSIX. On any
    exception (including ``KeyboardInterrupt``) the temporary file is removed and
    ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_path`)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
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


def write_dataset(ds: xr.Dataset, path: str | Path, *, classic: bool = False) -> Path:
    """Write ``ds`` to NetCDF4 at ``path`` atomically. Complex variables are split
    into ``<name>_real`` / ``<name>_imag`` (NetCDF has no complex type).

    ``classic=True`` writes NetCDF3 (64-bit offset) with SciPy instead: about 10x
    faster for small files (used for sweep chunks), but without 64-bit integers.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    ds = ds.drop_encoding()  # e.g. Zarr compressors of a Dataset read from a store
    for name in list(ds.data_vars):
        if np.iscomplexobj(ds[name].values):
            v = ds[name]
            ds[f"{name}_real"] = v.real.assign_attrs(v.attrs)
            ds[f"{name}_imag"] = v.imag.assign_attrs(v.attrs)
            ds = ds.drop_vars(name)
    ds.attrs = _clean_attrs(ds.attrs)
    for name in ds.variables:
        ds[name].attrs = _clean_attrs(ds[name].attrs)
        if ds[name].dtype.kind in "UT":  # fixed-width or NumPy 2 strings: variable-length
            ds[name] = ds[name].astype(object)
    with atomic_path(path) as tmp:
        if classic:
            ds.to_netcdf(tmp, engine="scipy", format="NETCDF3_64BIT")
        else:
            ds.to_netcdf(tmp, engine=_ENGINE)
    return path


def read_dataset(path: str | Path) -> xr.Dataset:
    """Load a file written by :func:`write_dataset` fully into memory (re-joins complex)."""
    with open(path, "rb") as fh:
        engine = "scipy" if fh.read(3) == b"CDF" else _ENGINE  # NetCDF3 magic vs HDF5
    with xr.open_dataset(path, engine=engine) as ds:
        ds = ds.load()
    for name in list(ds.data_vars):
        if name.endswith("_real") and f"{name[:-5]}_imag" in ds:
            base = name[:-5]
            re_, im_ = ds[name], ds[f"{base}_imag"]
            data = np.empty(re_.shape, dtype=np.result_type(re_.dtype, np.complex64))
            data.real, data.imag = re_.values, im_.values  # exact, also for NaN/inf parts
            ds[base] = re_.copy(data=data)
            ds = ds.drop_vars([name, f"{base}_imag"])
    return ds


def check_writable(root: str | Path) -> Path:
    """Create ``root`` if needed and prove it is writable (one-line ``ValueError`` if not)."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise ValueError(f"Output directory {str(root)!r} exists and is not a directory.")
    try:
        root.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".write-test.", dir=root)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ValueError(
            f"Output directory {str(root)!r} cannot be written ({exc.strerror or exc})."
        ) from None
    return root
