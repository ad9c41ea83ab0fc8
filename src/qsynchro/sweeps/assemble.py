"""From chunk results to the sweep Dataset: names, dimensions, dtypes, fills, provenance.

One description, :class:`Layout`, of where the points of a chunk land in the
Dataset. It is shared by the in-memory sink here (:class:`MemorySink`) and the
Zarr store of :mod:`qsynchro.outputs.store`, so that a sweep gives the same
Dataset whether it is kept in memory or streamed to disk.

Variables, in this order:

* one per measure, dimensions ``(*axes, *trailing)``, float64 or complex128
  (integer and boolean measures become float64, so failed points can be NaN),
  NaN where not computed or failed;
* one per per-point diagnostic the kernel returns, dimensions ``axes``;
* ``status_reason`` (text, NumPy's variable-width ``StringDType``: 16 bytes per
  point for reasons of up to 15 bytes; ``"not computed"`` where pending);
* ``status`` (int8, :data:`~qsynchro.sweeps.kernel.STATUS_PENDING` where not
  computed). A store writes it *last* for every chunk, so it doubles as the record
  of which chunks are done.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from qsynchro.sweeps.chunk import resolve_settings, trailing_shapes
from qsynchro.sweeps.grid import Sweep
from qsynchro.sweeps.kernel import (
    STATUS_NAMES,
    STATUS_PENDING,
    ChunkResult,
    Kernel,
    get_kernel,
    kernel_module,
)

__all__ = [
    "REASON_PENDING",
    "STATUS_ATTRS",
    "TEXT",
    "Field",
    "Layout",
    "MemorySink",
    "status_counts",
]

REASON_PENDING = "not computed"
#: text variables: NumPy's variable-width strings (no per-point Python objects, no
#: fixed width set by the longest reason, and xarray/pandas leave them unconverted)
TEXT = np.dtypes.StringDType()
STATUS_ATTRS: dict[str, Any] = {
    "flag_values": list(STATUS_NAMES),
    "flag_meanings": " ".join(v.replace(" ", "_") for v in STATUS_NAMES.values()),
    "long_name": "per-point status (see status_reason)",
}


def _version() -> str:
    try:
        return importlib.metadata.version("qsynchro")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def value_dtype(dtype: Any) -> np.dtype:
    """Stored dtype of a measure or diagnostic: complex128 if complex, else float64."""
    return np.dtype(np.complex128 if np.dtype(dtype).kind == "c" else np.float64)


def status_counts(status: np.ndarray) -> dict[int, int]:
    """Number of points per status code (no temporary wider than 1 byte per point)."""
    status = np.asarray(status)
    return {code: int(np.count_nonzero(status == code)) for code in STATUS_NAMES}


@dataclass(frozen=True)
class Field:
    """One variable's values for the points of one chunk.

    Attributes:
        name: variable name.
        dims: its dimensions in the Dataset (the axes, then trailing ones).
        values: array of shape ``(n, *trailing)`` for the chunk's ``n`` points.
        fill: the value of points not computed.
    """

    name: str
    dims: tuple[str, ...]
    values: np.ndarray
    fill: Any

    @property
    def trailing(self) -> tuple[int, ...]:
        return tuple(self.values.shape[1:])


class Layout:
    """Where the points of a canonical sweep go (see the module docstring)."""

    def __init__(self, sweep: Sweep, kernel: Kernel, settings: Any) -> None:
        self.sweep, self.kernel, self.settings = sweep, kernel, settings
        self.dims = sweep.dims
        self.shape = sweep.shape
        self.size = sweep.size
        self.trailing = trailing_shapes(kernel, sweep.measures, settings)

    @classmethod
    def of(cls, sweep: Sweep) -> Layout:
        """The layout of a canonical sweep, its kernel looked up by name."""
        kernel = get_kernel(sweep.kernel, module=kernel_module(sweep.kernel))
        return cls(sweep, kernel, resolve_settings(kernel, sweep.settings))

    def coords(self) -> dict[str, np.ndarray]:
        """The axes and the coordinates of the measures' trailing dimensions."""
        out: dict[str, np.ndarray] = {a.name: a.values for a in self.sweep.axes}
        out.update(
            {
                k: np.asarray(v)
                for k, v in self.kernel.coords(self.sweep.measures, self.settings).items()
            }
        )
        return out

    def measure_dims(self, name: str) -> tuple[str, ...]:
        return (*self.dims, *self.kernel.measures[name])

    def fields(self, result: ChunkResult) -> list[Field]:
        """The chunk's variables, ``status`` last (the order a store writes them in)."""
        out = []
        for m in self.sweep.measures:
            if m in result.values:
                v = np.asarray(result.values[m])
                out.append(Field(m, self.measure_dims(m), v.astype(value_dtype(v.dtype)), np.nan))
        for d in sorted(result.diagnostics):
            v = np.asarray(result.diagnostics[d])
            out.append(Field(d, self.dims, v.astype(value_dtype(v.dtype)), np.nan))
        reason = np.asarray(result.reason).astype(TEXT)
        out.append(Field("status_reason", self.dims, reason, REASON_PENDING))
        status = np.asarray(result.status, dtype=np.int8)
        out.append(Field("status", self.dims, status, STATUS_PENDING))
        return out

    def placeholder(self, name: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """Dims and trailing shape of a measure no chunk returned (every chunk failed)."""
        trailing = self.trailing.get(name)
        if trailing is None:
            raise RuntimeError(
                f"No chunk holds measure {name!r} (every chunk failed) and kernel "
                f"`{self.kernel.name}` gives no coordinates for its trailing dimensions, so "
                "its NaN placeholder cannot be shaped."
            )
        return self.measure_dims(name), trailing

    def order(self, names: Any) -> list[str]:
        """Variables in Dataset order: measures, diagnostics, status_reason, status."""
        names = set(names)
        measures = [m for m in self.sweep.measures if m in names]
        tail = [n for n in ("status_reason", "status") if n in names]
        return measures + sorted(names - set(measures) - set(tail)) + tail

    def attrs(self, counts: Mapping[int, int] | None = None, *, partial: bool = False) -> dict:
        """Provenance, plus the status counts when given (``n_pending`` if ``partial``)."""
        sweep = self.sweep
        out: dict[str, Any] = {
            "qsynchro_version": _version(),
            "kernel": sweep.kernel,
            "measures": json.dumps(list(sweep.measures)),
            "sweep": sweep.to_json(),
            "sweep_fingerprint": sweep.fingerprint(),
            "fixed_parameters": json.dumps(dict(sweep.fixed), sort_keys=True),
            "settings": json.dumps(sweep.to_dict()["settings"], sort_keys=True, default=str),
            "settings_type": type(self.settings).__name__,
        }
        if counts is not None:
            out["n_ok"] = counts[0]
            out["n_not_converged"] = counts[1]
            out["n_failed"] = counts[2]
            if partial:
                out["n_pending"] = counts[STATUS_PENDING]
        return out


def check_dtype(name: str, stored: np.dtype, new: np.dtype) -> None:
    """A measure keeps the dtype of its first chunk (complex after real would be cut)."""
    if stored.kind != "c" and np.dtype(new).kind == "c":
        raise RuntimeError(
            f"The kernel returned complex values for {name!r} after real ones; a measure "
            "must keep one dtype in every chunk."
        )


class MemorySink:
    """Keep the sweep in memory: one preallocated array per variable, filled chunk by chunk.

    Peak memory is the result itself plus one chunk (no list of chunk results).
    """

    def __init__(self, sweep: Sweep, kernel: Kernel, settings: Any) -> None:
        self.layout = Layout(sweep, kernel, settings)
        self.arrays: dict[str, np.ndarray] = {}
        self.dims: dict[str, tuple[str, ...]] = {}

    def plan(self, chunk_size: int) -> int:
        sweep = dataclasses.replace(self.layout.sweep, chunk_size=int(chunk_size))
        self.layout = Layout(sweep, self.layout.kernel, self.layout.settings)
        return int(chunk_size)

    def done(self) -> set[int]:
        return set()

    def save(self, index: int, start: int, stop: int, result: ChunkResult) -> None:
        written = set()
        for f in self.layout.fields(result):
            arr = self.arrays.get(f.name)
            if arr is None:
                arr = np.full((self.layout.size, *f.trailing), f.fill, dtype=f.values.dtype)
                self.arrays[f.name], self.dims[f.name] = arr, f.dims
            check_dtype(f.name, arr.dtype, f.values.dtype)
            arr[start:stop] = f.values
            written.add(f.name)
        for name in set(self.arrays) - written:  # e.g. a chunk that failed as a whole
            self.arrays[name][start:stop] = np.nan

    def finish(self) -> xr.Dataset:
        layout = self.layout
        for m in layout.sweep.measures:
            if m not in self.arrays:
                dims, trailing = layout.placeholder(m)
                self.arrays[m] = np.full((layout.size, *trailing), np.nan)
                self.dims[m] = dims
        if "status" not in self.arrays:  # nothing saved yet: every point is pending
            self.arrays["status"] = np.full(layout.size, STATUS_PENDING, np.int8)
            self.arrays["status_reason"] = np.full(layout.size, REASON_PENDING, dtype=TEXT)
            self.dims["status"] = self.dims["status_reason"] = layout.dims
        data_vars = {}
        for name in layout.order(self.arrays):
            arr = self.arrays[name]
            attrs = STATUS_ATTRS if name == "status" else {}
            data_vars[name] = (self.dims[name], arr.reshape(layout.shape + arr.shape[1:]), attrs)
        counts = status_counts(self.arrays["status"])
        partial = counts[STATUS_PENDING] > 0
        return xr.Dataset(
            data_vars, coords=layout.coords(), attrs=layout.attrs(counts, partial=partial)
        )
