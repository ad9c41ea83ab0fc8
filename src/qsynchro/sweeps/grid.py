"""Sweep declarations: named parameter axes over a kernel, and the chunk plan.

A :class:`Sweep` is pure data (frozen, hashable fingerprint, round-trips through
a plain dict / TOML). The grid is the Cartesian product of the axes in the
order given (C order: the last axis varies fastest); points are numbered
``0 .. size-1`` in that order, and chunk ``c`` holds points
``[c * chunk_size, min((c + 1) * chunk_size, size))``.

A chunk is a contiguous range of that numbering; :func:`flat_boxes` cuts such a
range into at most ``2 * ndim - 1`` rectangular boxes of the grid, which is how a
chunk is written into (and read back from) an N-dimensional store, and
:func:`block_shape` gives the C-contiguous storage blocks of a chunked store.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qsynchro._checks import check_int

__all__ = ["Axis", "Sweep", "aligned_chunk_size", "block_shape", "flat_boxes"]


@dataclass(frozen=True, eq=False)
class Axis:
    """One named parameter axis.

    Args:
        name: a parameter name of the sweep's kernel (e.g. ``"delta"``, ``"K"``).
        values: 1-D array of finite float64 values (at least one).
    """

    name: str
    values: np.ndarray

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"Argument `name` must be a non-empty string, but got {self.name!r}.")
        vals = np.asarray(self.values, dtype=np.float64).reshape(-1)
        if vals.size == 0:
            raise ValueError(f"Axis `{self.name}` must have at least one value, but got none.")
        if not np.all(np.isfinite(vals)):
            raise ValueError(f"Axis `{self.name}` must have finite values, but got {vals}.")
        object.__setattr__(self, "values", vals)

    @classmethod
    def linspace(cls, name: str, start: float, stop: float, num: int) -> Axis:
        num = check_int(f"{name}.num", num, minimum=1)
        return cls(name, np.linspace(float(start), float(stop), num))

    @classmethod
    def logspace(cls, name: str, start: float, stop: float, num: int) -> Axis:
        """``num`` values from ``start`` to ``stop`` (both > 0, the values themselves)."""
        num = check_int(f"{name}.num", num, minimum=1)
        if not (start > 0 and stop > 0):
            raise ValueError(
                f"Axis `{name}` with logspace needs start > 0 and stop > 0, "
                f"but got start={start!r}, stop={stop!r}."
            )
        return cls(name, np.geomspace(float(start), float(stop), num))

    def __len__(self) -> int:
        return int(self.values.size)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Axis)
            and self.name == other.name
            and np.array_equal(self.values, other.values)
        )

    def __hash__(self) -> int:
        return hash((self.name, self.values.tobytes()))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "values": [float(v) for v in self.values]}


def _plain(value: Any) -> Any:
    """Convert settings values to JSON/TOML friendly builtins."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass(frozen=True)
class Sweep:
    """A declared parameter sweep.

    Args:
        kernel: registered kernel name (``"network"`` or ``"maser"``).
        axes: the named axes; the Dataset's dimensions, in this order.
        measures: names of the kernel's measures to compute.
        fixed: parameter values held fixed (override the kernel defaults).
        settings: the kernel's settings dataclass instance, or a mapping of
            keyword arguments for it, or ``None`` for its defaults.
        chunk_size: points per batched call; ``None`` lets the engine choose.
    """

    kernel: str
    axes: tuple[Axis, ...]
    measures: tuple[str, ...]
    fixed: Mapping[str, float] = field(default_factory=dict)
    settings: Any = None
    chunk_size: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.kernel, str) or not self.kernel:
            raise ValueError(
                f"Argument `kernel` must be a non-empty string, but got {self.kernel!r}."
            )
        object.__setattr__(self, "axes", tuple(self.axes))
        for a in self.axes:
            if not isinstance(a, Axis):
                raise TypeError(f"Argument `axes` must hold Axis objects, but got {a!r}.")
        object.__setattr__(self, "measures", tuple(self.measures))
        fixed = {str(k): v for k, v in dict(self.fixed).items()}
        for k, v in fixed.items():
            try:
                fixed[k] = float(v)
            except (TypeError, ValueError):
                raise ValueError(
                    f"Fixed parameter `{k}` must be a number, but got {v!r}."
                ) from None
            if not math.isfinite(fixed[k]):
                raise ValueError(f"Fixed parameter `{k}` must be finite, but got {v!r}.")
        object.__setattr__(self, "fixed", fixed)
        if not self.axes:
            raise ValueError("Argument `axes` must contain at least one axis, but got none.")
        names = [a.name for a in self.axes]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"Argument `axes` must have distinct names, but {dup} repeat.")
        both = sorted(set(names) & set(self.fixed))
        if both:
            raise ValueError(
                f"Parameters {both} are declared both as an axis and as fixed; choose one."
            )
        if not self.measures:
            raise ValueError("Argument `measures` must name at least one measure, but got none.")
        if self.chunk_size is not None:
            check_int("chunk_size", self.chunk_size, minimum=1)

    # -- grid -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(a) for a in self.axes)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def dims(self) -> tuple[str, ...]:
        return tuple(a.name for a in self.axes)

    def points(self, start: int = 0, stop: int | None = None) -> dict[str, np.ndarray]:
        """Flattened axis values for points ``start .. stop-1`` (C order)."""
        stop = self.size if stop is None else min(stop, self.size)
        idx = np.unravel_index(np.arange(start, stop), self.shape)
        return {a.name: a.values[i] for a, i in zip(self.axes, idx, strict=True)}

    def chunks(self, chunk_size: int) -> list[tuple[int, int]]:
        """``[(start, stop), ...]`` covering all points."""
        return [(s, min(s + chunk_size, self.size)) for s in range(0, self.size, chunk_size)]

    # -- serialization ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "kernel": self.kernel,
            "axes": [a.to_dict() for a in self.axes],
            "measures": list(self.measures),
            "fixed": dict(self.fixed),
            "settings": _plain(self.settings) if self.settings is not None else {},
            "chunk_size": self.chunk_size,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Sweep:
        axes = tuple(Axis(a["name"], np.asarray(a["values"], dtype=float)) for a in d["axes"])
        return cls(
            kernel=d["kernel"],
            axes=axes,
            measures=tuple(d["measures"]),
            fixed=dict(d.get("fixed", {})),
            settings=dict(d.get("settings") or {}) or None,
            chunk_size=d.get("chunk_size"),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, default=str)

    def fingerprint(self, *, ignore_chunk_size: bool = True) -> str:
        """SHA-256 of the canonical JSON declaration (chunk size excluded by default)."""
        d = self.to_dict()
        if ignore_chunk_size:
            d.pop("chunk_size")
        return hashlib.sha256(json.dumps(d, sort_keys=True, default=str).encode()).hexdigest()

    def param_grid(
        self, defaults: Mapping[str, float], start: int = 0, stop: int | None = None
    ) -> dict[str, np.ndarray]:
        """All kernel parameters as float64 arrays of shape (B,) for points ``start..stop-1``."""
        pts = self.points(start, stop)
        n = len(next(iter(pts.values())))
        out = {k: np.full(n, float(v)) for k, v in defaults.items()}
        out.update({k: np.full(n, float(v)) for k, v in self.fixed.items()})
        out.update(pts)
        return out


def flat_boxes(shape: Sequence[int], start: int, stop: int) -> list[tuple[int, tuple[slice, ...]]]:
    """Rectangular boxes covering points ``start .. stop-1`` (C order) of a grid.

    Args:
        shape: the grid's shape (every entry >= 1).
        start, stop: the flat range, ``0 <= start <= stop <= prod(shape)``.

    Returns:
        ``[(offset, index), ...]`` in C order: ``index`` holds one slice per
        dimension, and the box's points (in C order) are points
        ``start + offset ..`` of the range. Reshaping those range values to the
        box's shape and assigning them to ``array[index]`` writes the range.
        At most ``2 * len(shape) - 1`` boxes: a partial first row, a block of
        whole rows, a partial last row, recursively.
    """
    out: list[tuple[int, tuple[slice, ...]]] = []

    def cover(dims: tuple[int, ...], s: int, e: int, prefix: tuple[slice, ...], off: int) -> None:
        if s >= e:
            return
        if len(dims) == 1:
            out.append((off, (*prefix, slice(s, e))))
            return
        inner = math.prod(dims[1:])
        (i0, r0), (i1, r1) = divmod(s, inner), divmod(e, inner)
        if i0 == i1:  # inside one row
            cover(dims[1:], r0, r1, (*prefix, slice(i0, i0 + 1)), off)
            return
        if r0:  # the tail of the first row
            cover(dims[1:], r0, inner, (*prefix, slice(i0, i0 + 1)), off)
            off, i0 = off + inner - r0, i0 + 1
        if i1 > i0:  # whole rows
            out.append((off, (*prefix, slice(i0, i1), *(slice(0, n) for n in dims[1:]))))
            off += (i1 - i0) * inner
        if r1:  # the head of the last row
            cover(dims[1:], 0, r1, (*prefix, slice(i1, i1 + 1)), off)

    shape = tuple(int(n) for n in shape)
    if not 0 <= start <= stop <= math.prod(shape):
        raise ValueError(
            f"Range {start}..{stop} must lie inside a grid of {math.prod(shape)} points."
        )
    cover(shape, int(start), int(stop), (), 0)
    return out


def block_shape(shape: Sequence[int], target: int) -> tuple[int, ...]:
    """The largest C-contiguous block of at most ``target`` points (at least one point).

    ``(1, ..., 1, c, n_{j+1}, ..., n_{d-1})``: whole trailing dimensions and ``c``
    entries of the first dimension that does not fit whole. A store chunked so holds
    every range of ``target`` points in at most a few blocks.
    """
    shape = tuple(int(n) for n in shape)
    target = max(1, int(target))
    inner = 1
    for j in range(len(shape) - 1, -1, -1):
        if inner * shape[j] > target:
            return (1,) * j + (max(1, target // inner),) + shape[j + 1 :]
        inner *= shape[j]
    return shape


def aligned_chunk_size(shape: Sequence[int], size: int) -> int:
    """Round a chunk size down to whole C-order blocks of the grid.

    With ``R = prod(shape[j+1:])`` the largest trailing block that fits in ``size``,
    the result is ``c * R`` with ``c = size // R``, or the largest divisor of
    ``shape[j]`` between ``c / 2`` and ``c`` if there is one. Chunks of that size are
    then whole storage blocks (:func:`block_shape` of the same size): each chunk is
    written in one piece, and no two chunks share a block.
    """
    shape = tuple(int(n) for n in shape)
    size = max(1, int(size))
    inner = 1
    for j in range(len(shape) - 1, -1, -1):
        if inner * shape[j] > size:
            c = size // inner
            divisors = [d for d in range(c, (c + 1) // 2 - 1, -1) if d >= 1 and shape[j] % d == 0]
            return (divisors[0] if divisors else c) * inner
        inner *= shape[j]
    return min(size, inner)
