"""Files: atomic NetCDF writes, provenance, and the per-chunk sweep store.

Every file is written to a temporary name in the target directory and then
moved into place with :func:`os.replace`, so a reader (or a resumed sweep)
never sees a half-written file, even after ``kill -9``.

Why per-chunk NetCDF rather than Zarr: one self-describing file per finished
chunk makes "done" a single atomic rename, needs no extra dependency beyond
the NetCDF backend we already use for results, and a crashed writer can only
leave a stray temporary file, never a corrupt store. Zarr would let many
writers fill one array in place, but its chunk writes are not atomic per sweep
chunk (a kill -9 can leave a half-written block that looks present), and the
number of files is the same. A chunk file holds a few hundred to a few thousand
points, so the per-file overhead (a few ms) stays far below the compute time.

Directory layout of a sweep run (``qsynchro sweep FILE --out DIR``)::

    DIR/sweep.json            canonical declaration + chunk size (written first)
    DIR/chunks/chunk-000007.nc one file per finished chunk (atomic rename)
    DIR/result.nc             the assembled Dataset, once every chunk is done
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

from qsynchro.sweeps.grid import Sweep
from qsynchro.sweeps.kernel import ChunkResult

__all__ = [
    "SweepStore",
    "atomic_path",
    "atomic_write_bytes",
    "check_writable",
    "open_partial",
    "read_dataset",
    "write_dataset",
]

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


def _difference(old: Sweep, new: Sweep) -> str:
    """Short description of what differs between two declarations (first 3 items)."""
    a, b = old.to_dict(), new.to_dict()
    diffs: list[str] = []
    for key in ("kernel", "measures"):
        if a[key] != b[key]:
            diffs.append(f"{key}: {a[key]} -> {b[key]}")
    axes_a = {x["name"]: x["values"] for x in a["axes"]}
    axes_b = {x["name"]: x["values"] for x in b["axes"]}
    if list(axes_a) != list(axes_b):
        diffs.append(f"axes: {list(axes_a)} -> {list(axes_b)}")
    else:
        for name, vals in axes_a.items():
            if vals != axes_b[name]:
                diffs.append(
                    f"axis {name}: {len(vals)} values in [{min(vals):g}, {max(vals):g}] -> "
                    f"{len(axes_b[name])} values in [{min(axes_b[name]):g}, "
                    f"{max(axes_b[name]):g}]"
                )
    for key in ("fixed", "settings"):
        da, db = a[key] or {}, b[key] or {}
        for k in sorted(set(da) | set(db)):
            if da.get(k) != db.get(k):
                diffs.append(f"{key}.{k}: {da.get(k)!r} -> {db.get(k)!r}")
    if not diffs:
        return "fingerprints differ"
    more = f", and {len(diffs) - 3} more" if len(diffs) > 3 else ""
    return "; ".join(diffs[:3]) + more


class SweepStore:
    """Per-chunk NetCDF store for a sweep in directory ``root`` (a :class:`ChunkSink`).

    Layout: ``root/sweep.json`` (the declaration and the chunk size),
    ``root/chunks/chunk-000007.nc`` (one per finished chunk) and, once complete,
    ``root/result.nc``. Opening a store whose ``sweep.json`` holds a different
    declaration (by :meth:`Sweep.fingerprint`) is refused with a ``ValueError``.
    Pass the canonical sweep (:func:`qsynchro.sweeps.run.prepare_sweep`).
    """

    META = "sweep.json"

    def __init__(self, root: str | Path, sweep: Sweep) -> None:
        self.root = Path(root)
        self.sweep = sweep
        self.chunk_dir = self.root / "chunks"
        self._chunk_size: int | None = None
        meta = self.root / self.META
        if meta.exists():
            old = self.read_meta(self.root)
            previous = Sweep.from_dict(old["sweep"])
            if previous.fingerprint() != sweep.fingerprint():
                raise ValueError(
                    f"Output directory {str(self.root)!r} holds a different sweep declaration "
                    f"({_difference(previous, sweep)}); use a new directory, or delete it to "
                    "start over."
                )
            self._chunk_size = old.get("chunk_size")
        self.chunk_dir.mkdir(parents=True, exist_ok=True)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold an exclusive lock on the directory while a run writes to it.

        A second run into the same directory is refused (``ValueError``) instead of
        mixing its chunks in. The lock is an ``flock`` on ``root/.lock``: the kernel
        releases it when the process dies, even after ``kill -9``.
        """
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock
            yield
            return
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                other = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                raise ValueError(
                    f"Output directory {str(self.root)!r} is in use by another running sweep "
                    f"(pid {other}); wait for it to finish or use another directory."
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            try:
                yield
            finally:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    @staticmethod
    def read_meta(root: str | Path) -> dict[str, Any]:
        """The parsed ``sweep.json`` of a store (``{"sweep": ..., "chunk_size": ...}``)."""
        path = Path(root) / SweepStore.META
        try:
            meta = json.loads(path.read_text())
        except FileNotFoundError:
            raise ValueError(
                f"{str(root)!r} is not a sweep directory (no {SweepStore.META})."
            ) from None
        except json.JSONDecodeError as exc:
            raise ValueError(f"{str(path)!r} is not valid JSON ({exc}).") from None
        if "sweep" not in meta:  # written by the first skeleton: the bare declaration
            meta = {"sweep": meta, "chunk_size": meta.get("chunk_size")}
        return meta

    # -- ChunkSink ---------------------------------------------------------------------
    def plan(self, chunk_size: int) -> int:
        """Start (or resume) a run: the stored chunk size wins over ``chunk_size``."""
        for tmp in self.chunk_dir.glob(".chunk-*.tmp"):  # left behind by a killed writer
            tmp.unlink(missing_ok=True)
        if self._chunk_size is None:
            meta = {
                "format": "qsynchro-sweep-store/1",
                "chunk_size": int(chunk_size),
                "fingerprint": self.sweep.fingerprint(),
                "sweep": self.sweep.to_dict(),
            }
            atomic_write_bytes(
                self.root / self.META, json.dumps(meta, indent=1, default=str).encode()
            )
            self._chunk_size = int(chunk_size)
        return int(self._chunk_size)

    def _path(self, index: int) -> Path:
        return self.chunk_dir / f"chunk-{index:06d}.nc"

    def done(self) -> set[int]:
        return {int(p.stem.split("-")[1]) for p in self.chunk_dir.glob("chunk-*.nc")}

    def save(self, index: int, start: int, stop: int, result: ChunkResult) -> None:
        data: dict[str, Any] = {}

        def put(name: str, v: Any, dims: tuple[str, ...]) -> None:
            v = np.asarray(v)
            data[name] = (dims, v, {"qsynchro_dtype": v.dtype.str})

        for k, v in result.values.items():
            nd = np.ndim(v)
            put(f"value__{k}", v, ("point", *[f"{k}_d{i}" for i in range(nd - 1)]))
        for k, v in result.diagnostics.items():
            nd = np.ndim(v)
            put(f"diag__{k}", v, ("point", *[f"{k}_g{i}" for i in range(nd - 1)]))
        data["status"] = ("point", np.asarray(result.status, dtype=np.int8))
        data["reason"] = ("point", np.asarray(result.reason, dtype=str))
        ds = xr.Dataset(
            data, attrs={"start": start, "stop": stop, "fingerprint": self.sweep.fingerprint()}
        )
        try:  # NetCDF3 is ~10x faster for small files; 64-bit integers need NetCDF4
            write_dataset(ds, self._path(index), classic=True)
        except (ValueError, TypeError, OverflowError):
            write_dataset(ds, self._path(index))

    def load(self, index: int) -> ChunkResult:
        ds = read_dataset(self._path(index))
        if ds.attrs.get("fingerprint", self.sweep.fingerprint()) != self.sweep.fingerprint():
            raise ValueError(f"Chunk file {self._path(index)} belongs to another sweep.")

        def get(name: str) -> np.ndarray:
            v = ds[name].values
            dtype = ds[name].attrs.get("qsynchro_dtype")
            if dtype is None and f"{name}_real" in ds:  # pragma: no cover - complex re-joined
                dtype = ds[f"{name}_real"].attrs.get("qsynchro_dtype")
            return v.astype(np.dtype(dtype)) if dtype and v.dtype.kind != "c" else v

        values = {k[len("value__") :]: get(k) for k in ds.data_vars if k.startswith("value__")}
        diags = {k[len("diag__") :]: get(k) for k in ds.data_vars if k.startswith("diag__")}
        return ChunkResult(
            values=values,
            status=ds["status"].values.astype(np.int8),
            reason=ds["reason"].values.astype(str),
            diagnostics=diags,
        )


def open_partial(root: str | Path) -> xr.Dataset:
    """The Dataset of a sweep directory: ``result.nc`` if complete, else the finished
    chunks assembled with status ``pending`` (and NaN values) for the rest."""
    from qsynchro.sweeps.run import assemble, prepare_sweep

    root = Path(root)
    if (root / "result.nc").exists():
        return read_dataset(root / "result.nc")
    meta = SweepStore.read_meta(root)
    sweep, kernel, settings = prepare_sweep(Sweep.from_dict(meta["sweep"]))
    store = SweepStore(root, sweep)
    size = int(meta.get("chunk_size") or 0)
    parts = {}
    if size:
        plan = sweep.chunks(size)
        for i in sorted(store.done()):
            if i < len(plan):
                parts[i] = (*plan[i], store.load(i))
    return assemble(sweep, kernel, settings, parts, partial=True)
