"""The directory of a stored sweep: its declaration file and its lock.

``DIR/sweep.json`` holds the canonical declaration (and the chunk size) of the sweep
stored in ``DIR``; a run into a directory that holds a different declaration is refused
with a description of what differs. ``DIR/.lock`` is the ``flock`` a running sweep
holds, so that a second run into the same directory is refused instead of mixing its
chunks in. The data themselves: :mod:`qsynchro.outputs.sweep_store`.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qsynchro.sweeps.grid import Sweep

__all__ = ["META", "describe_difference", "directory_lock", "read_meta"]

#: name of the declaration file in a sweep directory
META = "sweep.json"


def describe_difference(old: Sweep, new: Sweep) -> str:
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


@contextlib.contextmanager
def directory_lock(root: Path) -> Iterator[None]:
    """Hold an exclusive lock on the sweep directory ``root`` while a run writes to it.

    A second run into the same directory is refused (``ValueError``) instead of
    mixing its chunks in. The lock is an ``flock`` on ``root/.lock``: the kernel
    releases it when the process dies, even after ``kill -9``.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock
        yield
        return
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise ValueError(
                f"Output directory {str(root)!r} is in use by another running sweep "
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


def read_meta(root: str | Path) -> dict[str, Any]:
    """The parsed ``sweep.json`` of a store (``{"sweep": ..., "chunk_size": ...}``)."""
    path = Path(root) / META
    try:
        meta = json.loads(path.read_text())
    except FileNotFoundError:
        raise ValueError(f"{str(root)!r} is not a sweep directory (no {META}).") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{str(path)!r} is not valid JSON ({exc}).") from None
    if "sweep" not in meta:  # written by the first skeleton: the bare declaration
        meta = {"sweep": meta, "chunk_size": meta.get("chunk_size")}
    return meta
