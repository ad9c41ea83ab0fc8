"""The Zarr store of a sweep: finished chunks stream to disk, the result is the store.

:class:`SweepStore` is a :class:`~qsynchro.sweeps.run.ChunkSink`: the engine
hands it every finished chunk, and it writes the chunk into one Zarr group that
*is* the sweep's Dataset (dimensions = the axes, same variables and attributes
as a sweep kept in memory, see :mod:`qsynchro.sweeps.assemble`). The client
therefore holds about one chunk at a time, whatever the size of the sweep::

    DIR/sweep.json     canonical declaration + chunk size (written first, atomically)
    DIR/result.zarr/   Zarr v3 group, filled chunk by chunk; open it with
                       xarray.open_zarr("DIR/result.zarr"), finished or not
    DIR/result.nc      the same Dataset as NetCDF, written at the end when it fits
                       in memory (qsynchro.experiments.runner.run_sweep decides)
    DIR/.lock          flock held by the running sweep

(``sweep.json`` and ``.lock``: :mod:`qsynchro.outputs.sweep_dir`.)

A sweep chunk (a contiguous range of the C-order numbering) is written as at
most ``2 * ndim - 1`` rectangular boxes (:func:`~qsynchro.sweeps.grid.flat_boxes`);
storage blocks are C-contiguous blocks of about one chunk
(:func:`~qsynchro.sweeps.grid.block_shape`, at most 64 MiB), so a chunk touches a
few blocks and peak memory stays a few chunks.

Why it is safe to interrupt: a chunk's values, diagnostics and reasons are
written first and its ``status`` last, and ``status`` reads 3 (pending) wherever
nothing was written, so "chunk c is done" is *defined* as "no point of chunk c is
pending". Zarr's local store writes every block to a temporary file and renames
it into place, so a block is old or new, never torn, also when two sweep chunks
share it. A run killed at any instant (Ctrl-C, SIGTERM, ``kill -9``, out of
memory) thus leaves every chunk either completely stored or not done, and the
next run recomputes exactly the chunks that are not done, overwriting whatever
part of them was written. (Blocks are not ``fsync``-ed: after a power failure
the rule holds for every chunk whose status blocks reached the disk.)
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from qsynchro.outputs.store import atomic_write_bytes, read_dataset
from qsynchro.outputs.sweep_dir import META, describe_difference, directory_lock, read_meta
from qsynchro.sweeps.assemble import STATUS_ATTRS, Layout, check_dtype, status_counts
from qsynchro.sweeps.grid import Sweep, block_shape, flat_boxes
from qsynchro.sweeps.kernel import STATUS_NAMES, STATUS_PENDING, ChunkResult

__all__ = ["SweepStore", "dataset_nbytes", "open_partial", "stored_chunks"]


_BLOCK_BYTES = 64 << 20  # storage blocks of at most 64 MiB
_SCAN_POINTS = 1 << 18  # status is read back in ranges of about this many points


def _write_range(arr: Any, shape: tuple[int, ...], start: int, stop: int, values: Any) -> None:
    """Write the flat range ``start .. stop-1`` of the grid into a Zarr array."""
    trailing = tuple(values.shape[1:])
    for off, index in flat_boxes(shape, start, stop):
        box = tuple(s.stop - s.start for s in index)
        n = math.prod(box)
        arr[index + (slice(None),) * len(trailing)] = values[off : off + n].reshape(box + trailing)


def _read_range(arr: Any, shape: tuple[int, ...], start: int, stop: int) -> np.ndarray:
    """Read the flat range ``start .. stop-1`` of the grid from a Zarr array (no trailing dims)."""
    out = np.empty(stop - start, dtype=arr.dtype)
    for off, index in flat_boxes(shape, start, stop):
        block = np.asarray(arr[index]).reshape(-1)
        out[off : off + block.size] = block
    return out


def _string_dtype(dtype: np.dtype) -> bool:
    return dtype.kind in "OUT"


def dataset_nbytes(ds: xr.Dataset) -> int:
    """Bytes of ``ds`` loaded into memory, text counted as 16 bytes per value."""
    return int(
        sum(
            v.size * (16 if _string_dtype(v.dtype) else v.dtype.itemsize)
            for v in ds.variables.values()
        )
    )


class SweepStore:
    """Zarr store of a sweep in directory ``root`` (a :class:`~qsynchro.sweeps.run.ChunkSink`).

    Layout and interruption safety: see the module docstring. Opening a store whose
    ``sweep.json`` holds a different declaration (by :meth:`Sweep.fingerprint`) is
    refused with a ``ValueError``. Pass the canonical sweep
    (:func:`qsynchro.sweeps.run.prepare_sweep`).
    """

    META = META
    DATA = "result.zarr"
    FORMAT = "qsynchro-sweep-store/2"

    def __init__(self, root: str | Path, sweep: Sweep) -> None:
        self.root = Path(root)
        self.sweep = sweep
        self.path = self.root / self.DATA
        self._chunk_size: int | None = None
        self._layout: Layout | None = None
        self._group: Any = None
        self._arrays: dict[str, Any] = {}
        self._legacy = False
        meta = self.root / self.META
        if meta.exists():
            old = self.read_meta(self.root)
            previous = Sweep.from_dict(old["sweep"])
            if previous.fingerprint() != sweep.fingerprint():
                raise ValueError(
                    f"Output directory {str(self.root)!r} holds a different sweep declaration "
                    f"({describe_difference(previous, sweep)}); use a new directory, or delete "
                    "it to start over."
                )
            self._chunk_size = old.get("chunk_size")
            self._legacy = old.get("format") != self.FORMAT and not self.path.exists()
            if self._legacy:
                self._chunk_size = None  # nothing stored in this format yet: plan afresh

    def _refuse_legacy(self) -> None:
        if self._legacy and any((self.root / "chunks").glob("chunk-*.nc")):
            raise ValueError(
                f"Output directory {str(self.root)!r} holds an unfinished sweep in the "
                "per-chunk NetCDF format of qsynchro 0.1 (chunks/); finish it with that "
                "version, or delete its chunks/ and sweep.json to recompute it here."
            )

    @classmethod
    def open(cls, root: str | Path) -> SweepStore:
        """The store in ``root`` with the declaration it holds (for reading)."""
        return cls(root, Sweep.from_dict(cls.read_meta(root)["sweep"]))

    def lock(self) -> contextlib.AbstractContextManager[None]:
        """Hold an exclusive lock on the directory while a run writes to it.

        A second run into the same directory is refused (``ValueError``); see
        :func:`qsynchro.outputs.sweep_dir.directory_lock`.
        """
        return directory_lock(self.root)

    read_meta = staticmethod(read_meta)

    # -- ChunkSink ---------------------------------------------------------------------
    @property
    def chunk_size(self) -> int | None:
        return self._chunk_size

    def plan(self, chunk_size: int) -> int:
        """Start (or resume) a run: the stored chunk size wins over ``chunk_size``."""
        import zarr

        self._refuse_legacy()
        if self._chunk_size is None:
            meta = {
                "format": self.FORMAT,
                "chunk_size": int(chunk_size),
                "fingerprint": self.sweep.fingerprint(),
                "sweep": self.sweep.to_dict(),
            }
            atomic_write_bytes(
                self.root / self.META, json.dumps(meta, indent=1, default=str).encode()
            )
            self._chunk_size = int(chunk_size)
        size = int(self._chunk_size)
        sweep = dataclasses.replace(self.sweep, chunk_size=size)
        self._layout = layout = Layout.of(sweep)
        for tmp in self.path.rglob("*.partial") if self.path.exists() else ():
            tmp.unlink(missing_ok=True)  # left behind by a writer killed mid-block
        if (self.path / "zarr.json").exists():
            self._group = zarr.open_group(self.path, mode="r+")
            coords = set(layout.coords())
            self._arrays = {n: a for n, a in self._group.arrays() if n not in coords}
        else:
            group = zarr.open_group(self.path, mode="w", zarr_format=3)
            group.attrs.update(layout.attrs())
            for name, values in layout.coords().items():
                values = np.asarray(values)
                arr = group.create_array(
                    name, shape=values.shape, dtype=values.dtype, dimension_names=(name,)
                )
                arr[...] = values
            self._group, self._arrays = group, {}
        return size

    def _array(self, name: str, dims: tuple[str, ...], dtype: np.dtype, trailing: tuple, fill: Any):
        arr = self._arrays.get(name)
        if arr is None:
            layout = self._layout
            assert layout is not None and self._chunk_size is not None
            itemsize = 16 if _string_dtype(dtype) else dtype.itemsize
            target = min(self._chunk_size, _BLOCK_BYTES // (itemsize * math.prod(trailing)))
            arr = self._group.create_array(
                name,
                shape=layout.shape + trailing,
                chunks=block_shape(layout.shape, target) + trailing,
                dtype=str if _string_dtype(dtype) else dtype,
                fill_value=fill,
                dimension_names=dims,
                attributes=STATUS_ATTRS if name == "status" else {},
            )
            self._arrays[name] = arr
        return arr

    def _open_for_reading(self) -> None:
        # Open the status array by its path: listing the group while a writer renames a
        # block into place could see its temporary file.
        if self._group is None and (self.path / "status" / "zarr.json").exists():
            import zarr

            self._arrays = {"status": zarr.open_array(self.path / "status", mode="r")}

    def _scan(self) -> tuple[np.ndarray, dict[int, int]]:
        """Pending points per chunk of the plan, and points per status code."""
        size = self.sweep.size
        chunk = int(self._chunk_size or size)
        n_chunks = -(-size // chunk)
        pending = np.full(n_chunks, -1, dtype=np.int64)  # -1: no status array yet
        counts = {code: 0 for code in STATUS_NAMES}
        counts[STATUS_PENDING] = size
        status = self._arrays.get("status")
        if status is None:
            return pending, counts
        counts = {code: 0 for code in STATUS_NAMES}
        per = max(1, _SCAN_POINTS // chunk)  # whole chunks per read
        for first in range(0, n_chunks, per):
            last = min(first + per, n_chunks)
            a, b = first * chunk, min(last * chunk, size)
            flat = _read_range(status, self.sweep.shape, a, b)
            offsets = np.arange(0, b - a, chunk)
            pending[first:last] = np.add.reduceat(flat == STATUS_PENDING, offsets)
            for code, n in status_counts(flat).items():
                counts[code] += n
        return pending, counts

    def complete(self) -> bool:
        """Whether every chunk is stored (nothing left to compute)."""
        if self._chunk_size is None or not (self.path / "zarr.json").exists():
            return False
        self._open_for_reading()
        pending, _ = self._scan()
        return bool((pending == 0).all())

    def done(self) -> set[int]:
        """Chunks none of whose points is pending (their status was written last)."""
        pending, _ = self._scan()
        return {int(i) for i in np.flatnonzero(pending == 0)}

    def save(self, index: int, start: int, stop: int, result: ChunkResult) -> None:
        """Write chunk ``index``: values and diagnostics, then status_reason, then status."""
        assert self._layout is not None, "call plan() first"
        shape = self._layout.shape
        fields = self._layout.fields(result)
        given = {f.name for f in fields}
        for name, arr in self._arrays.items():  # e.g. a whole-chunk failure: NaN, not stale data
            if name not in given:
                _write_range(
                    arr,
                    shape,
                    start,
                    stop,
                    np.full((stop - start, *arr.shape[len(shape) :]), np.nan, arr.dtype),
                )
        for f in fields:
            arr = self._array(f.name, f.dims, f.values.dtype, f.trailing, f.fill)
            check_dtype(f.name, arr.dtype, f.values.dtype)
            _write_range(arr, shape, start, stop, f.values)

    def finish(self) -> xr.Dataset:
        """Check that every point is stored, record the status counts, return the Dataset."""
        import zarr

        assert self._layout is not None, "call plan() first"
        pending, counts = self._scan()
        missing = np.flatnonzero(pending != 0)
        if missing.size:
            raise RuntimeError(
                f"{missing.size} chunk(s) of {str(self.path)!r} are not stored completely "
                f"(first: chunk {int(missing[0])}); rerun to compute them."
            )
        for m in self._layout.sweep.measures:
            if m not in self._arrays:  # no chunk returned it: every chunk failed
                dims, trailing = self._layout.placeholder(m)
                self._array(m, dims, np.dtype(np.float64), trailing, np.nan)
        self._group.attrs.update(self._layout.attrs(counts))
        with warnings.catch_warnings():  # "not part of the Zarr v3 specification (yet)"
            warnings.simplefilter("ignore")
            zarr.consolidate_metadata(self.path)  # plain xr.open_zarr(path) then just works
        return self.dataset()

    def dataset(self, *, partial: bool = False) -> xr.Dataset:
        """The stored Dataset, lazily (values are read when accessed).

        With ``partial``, the status counts of the points stored so far are set in
        the attributes (``n_pending`` for the rest); points not computed have status
        pending, reason "not computed" and NaN values.
        """
        self._refuse_legacy()
        if not (self.path / "zarr.json").exists():
            raise ValueError(f"{str(self.root)!r} holds no stored chunk yet.")
        with warnings.catch_warnings():  # a temporary file of a writer (running or killed)
            warnings.filterwarnings("ignore", message=r"Object at .* is not recognized")
            ds = xr.open_zarr(self.path, consolidated=False, chunks=None)
        measures = json.loads(ds.attrs.get("measures", "[]"))
        names = set(ds.data_vars)
        first = [m for m in measures if m in names]
        last = [n for n in ("status_reason", "status") if n in names]
        ds = ds[first + sorted(names - set(first) - set(last)) + last]
        if partial:
            self._open_for_reading()
            _, counts = self._scan()
            ds.attrs.update(
                {
                    "n_ok": counts[0],
                    "n_not_converged": counts[1],
                    "n_failed": counts[2],
                    "n_pending": counts[STATUS_PENDING],
                }
            )
        return ds


def stored_chunks(root: str | Path) -> set[int]:
    """Indices of the chunks stored completely in the sweep directory ``root``
    (readable while another process writes to it)."""
    store = SweepStore.open(root)
    if not (store.path / "zarr.json").exists():
        return set()
    store._open_for_reading()
    return store.done()


def open_partial(root: str | Path) -> xr.Dataset:
    """The Dataset of a sweep directory: ``result.nc`` if it was written, else the
    Zarr store (lazily), finished or not: points not computed yet have status
    ``pending`` and NaN values, and ``n_pending`` counts them."""
    root = Path(root)
    if (root / "result.nc").exists():
        return read_dataset(root / "result.nc")
    return SweepStore.open(root).dataset(partial=True)
