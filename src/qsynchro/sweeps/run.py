"""Run a :class:`~qsynchro.sweeps.grid.Sweep`: chunks -> batched kernel calls -> Dataset.

The engine knows no physics and writes no files itself: every finished chunk is
handed to a *sink* (:class:`ChunkSink`) as soon as it is done and then dropped.
The default sink (:class:`~qsynchro.sweeps.assemble.MemorySink`) fills one
preallocated array per variable; the Zarr store of :mod:`qsynchro.outputs.store`
streams the chunks to disk, so a sweep larger than memory completes with the
client holding about one chunk at a time.

One code path for every executor: a chunk is computed by
:func:`~qsynchro.sweeps.chunk.compute_chunk`. In process the engine calls it in a
loop; on Dask (:mod:`qsynchro.sweeps.dask`, needs ``qsynchro[distributed]``) every
worker runs the very same function, and results stream back as chunks complete.
Imports go one way: ``run -> dask -> chunk`` and ``run -> chunk``.

Chunk plan. The grid is numbered in C order (see :mod:`~qsynchro.sweeps.grid`)
and cut into chunks of ``chunk_size`` points; every call has the same batch
size (the last chunk is padded with copies of its last point), so a jitted
kernel compiles once per process. The chunk size is chosen by
:func:`choose_chunk_size` from the device (CPU or GPU), its free memory and the
kernel's optional ``bytes_per_point``, unless the sweep declares one; a store
remembers the size it was started with, so a resumed sweep keeps its plan.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Protocol

import xarray as xr

from qsynchro.sweeps.assemble import MemorySink
from qsynchro.sweeps.chunk import (
    compute_chunk,
    device_info,
    failed_chunk,
    host_memory,
    resolve_settings,
    trailing_shapes,
)
from qsynchro.sweeps.dask import dask_chunks, worker_devices
from qsynchro.sweeps.grid import Sweep, aligned_chunk_size
from qsynchro.sweeps.kernel import ChunkResult, Kernel, get_kernel, kernel_module

__all__ = [
    "ChunkSink",
    "choose_chunk_size",
    "compute_chunk",
    "device_info",
    "estimate_bytes",
    "prepare_sweep",
    "resolve_settings",
    "run_prepared",
    "run_sweep",
    "validate_sweep",
]

#: assumed peak bytes per point when a kernel does not define ``bytes_per_point``
DEFAULT_BYTES_PER_POINT = 256 * 1024


class ChunkSink(Protocol):
    """Where finished chunks go (and, for a store, where a resumed sweep finds them)."""

    def plan(self, chunk_size: int) -> int:
        """Return the chunk size to use: the stored one on resume, else record ``chunk_size``."""
        ...

    def done(self) -> set[int]:
        """Indices of the chunks already stored completely (not recomputed)."""
        ...

    def save(self, index: int, start: int, stop: int, result: ChunkResult) -> None:
        """Store chunk ``index`` (points ``start .. stop-1``); ``result`` may be dropped after."""
        ...

    def finish(self) -> xr.Dataset:
        """The Dataset of the sweep, once every chunk is saved."""
        ...


# ---------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------
def validate_sweep(sweep: Sweep) -> tuple[Kernel, Any]:
    """Check names, measures and parameter values of every point, before computing."""
    if not isinstance(sweep, Sweep):
        raise TypeError(f"Argument `sweep` must be a Sweep, but got {type(sweep).__name__}.")
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
    block = 1 << 16  # validate every point, in blocks of a few MB (memory stays bounded)
    for start in range(0, sweep.size, block):
        params = sweep.param_grid(kernel.defaults, start, start + block)
        kernel.validate(params, sweep.measures, settings)
    return kernel, settings


def prepare_sweep(sweep: Sweep) -> tuple[Sweep, Kernel, Any]:
    """Validate ``sweep`` and return its canonical form, its kernel and its settings.

    The canonical sweep spells out everything that determines the result: every
    kernel parameter that is not an axis appears in ``fixed`` (defaults
    included), and ``settings`` is the full settings dataclass. Its
    :meth:`~Sweep.fingerprint` therefore identifies the computation, and its
    declaration is the provenance stored with the Dataset.
    """
    kernel, settings = validate_sweep(sweep)
    fixed = {k: float(v) for k, v in kernel.defaults.items() if k not in sweep.dims}
    fixed.update(sweep.fixed)
    canon = dataclasses.replace(sweep, fixed=fixed, settings=settings)
    return canon, kernel, settings


# ---------------------------------------------------------------------------------------
# chunk sizes
# ---------------------------------------------------------------------------------------
def choose_chunk_size(
    sweep: Sweep, kernel: Kernel, settings: Any, devices: Iterable[Mapping[str, Any]] | None = None
) -> int:
    """Points per chunk, adapted to the device(s) that will compute them.

    ``devices`` holds one :func:`device_info` per worker (default: this process).
    The policy, in order:

    * memory: a chunk may use a quarter of the smallest free memory on CPU and
      half of it on a GPU, at ``kernel.bytes_per_point(measures, settings)``
      bytes per point (default :data:`DEFAULT_BYTES_PER_POINT`);
    * hard caps: at most 4096 points on CPU (large enough that per-call overhead
      is negligible, small enough for a live progress bar and cheap resumes), at
      most 65536 on GPU (which needs wide batches to be busy); a sweep of more
      than 4096 * 1024 points gets chunks of ``size / 1024`` points instead, so
      that no sweep has more than about 1024 chunks (per-chunk costs, about 10 ms
      of store writes and task scheduling, then stay negligible);
    * work spread: on CPU at least ``max(8, 4 * workers)`` chunks, on GPU at
      least ``2 * workers``, but never chunks smaller than 64 (CPU) or 1024 (GPU)
      points unless the whole sweep is smaller;
    * alignment: rounded down to whole rows of the grid
      (:func:`~qsynchro.sweeps.grid.aligned_chunk_size`), so that each chunk is one
      block of the Zarr store, written in one piece.
    """
    devs = list(devices) if devices is not None else [device_info()]
    if not devs:
        devs = [device_info()]
    gpu = all(d.get("platform", "cpu") != "cpu" for d in devs)
    memory = min(int(d.get("memory", host_memory())) for d in devs)
    bpp_fn = getattr(kernel, "bytes_per_point", None)
    settings_fn = getattr(settings, "bytes_per_point", None)
    if callable(bpp_fn):
        bpp = int(bpp_fn(sweep.measures, settings))
    elif callable(settings_fn):  # also accepted: a method of the settings object
        bpp = int(settings_fn())
    else:
        bpp = DEFAULT_BYTES_PER_POINT
    bpp = max(bpp, 1)
    mem_cap = max(1, int((0.5 if gpu else 0.25) * memory) // bpp)
    hard_cap, floor = (65536, 1024) if gpu else (4096, 64)
    hard_cap = max(hard_cap, math.ceil(sweep.size / 1024))
    n_chunks = 2 * len(devs) if gpu else max(8, 4 * len(devs))
    spread = max(floor, math.ceil(sweep.size / n_chunks))
    return aligned_chunk_size(sweep.shape, max(1, min(sweep.size, hard_cap, mem_cap, spread)))


# ---------------------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------------------
def estimate_bytes(sweep: Sweep, kernel: Kernel, settings: Any) -> int:
    """Rough size in bytes of the sweep's Dataset in memory, before computing it.

    8 bytes per measure value (16 if complex, which is unknown before computing,
    so this may undercount complex measures), 1 for the status, 16 for the reason
    (a short string), 16 for two diagnostics; a measure whose trailing shape the
    kernel does not give counts as one value per point.
    """
    values = sum(
        math.prod(t or (1,)) for t in trailing_shapes(kernel, sweep.measures, settings).values()
    )
    return sweep.size * (8 * values + 1 + 16 + 16)


def _in_process(
    decl: Mapping[str, Any], module: str | None, tasks: list[tuple[int, int, int]], batch: int
) -> Iterator[tuple[int, ChunkResult]]:
    for i, start, stop in tasks:
        yield i, compute_chunk(decl, module, start, stop, batch)


def run_prepared(
    sweep: Sweep,
    kernel: Kernel,
    settings: Any,
    *,
    sink: ChunkSink | None = None,
    progress: bool = True,
    description: str | None = None,
    client: Any = None,
    chunk_size: int | None = None,
) -> xr.Dataset:
    """:func:`run_sweep` for a sweep already returned by :func:`prepare_sweep`."""
    size = chunk_size or sweep.chunk_size
    if size is None:
        devices = worker_devices(client) if client is not None else None
        size = choose_chunk_size(sweep, kernel, settings, devices)
    if sink is None:
        sink = MemorySink(sweep, kernel, settings)
    size = max(1, min(int(sink.plan(max(1, min(int(size), sweep.size)))), sweep.size))
    sweep = dataclasses.replace(sweep, chunk_size=size)  # provenance: the plan actually used
    plan = sweep.chunks(size)
    done = sink.done()
    tasks = [(i, start, stop) for i, (start, stop) in enumerate(plan) if i not in done]
    from tqdm.auto import tqdm

    n_done = len(plan) - len(tasks)
    bar = tqdm(
        total=sweep.size,
        initial=sweep.size - sum(b - a for _, a, b in tasks),
        disable=not progress,
        unit="pt",
        unit_scale=sweep.size >= 10_000,
        dynamic_ncols=True,
        desc=description or f"sweep[{sweep.kernel}]",
        leave=False,
    )
    bar.set_postfix_str(f"chunks {n_done}/{len(plan)}", refresh=False)
    decl, module = sweep.to_dict(), kernel_module(sweep.kernel)
    if client is None:
        stream = _in_process(decl, module, tasks, size)
    else:
        stream = dask_chunks(
            client, decl, module, tasks, size, on_crash=lambda a, b, why: failed_chunk(b - a, why)
        )
    bounds = {i: (a, b) for i, a, b in tasks}
    try:
        for i, res in stream:
            start, stop = bounds[i]
            sink.save(i, start, stop, res)
            del res  # the sink has it: hold no finished chunk here
            n_done += 1
            bar.update(stop - start)
            bar.set_postfix_str(f"chunks {n_done}/{len(plan)}")
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
        bar.close()
    return sink.finish()


def run_sweep(
    sweep: Sweep,
    *,
    sink: ChunkSink | None = None,
    progress: bool = True,
    description: str | None = None,
    client: Any = None,
    chunk_size: int | None = None,
) -> xr.Dataset:
    """Compute every point of ``sweep`` and return the Dataset.

    Args:
        sweep: the declaration (validated here, before anything is computed).
        sink: where chunks go (default: memory); chunks it already holds are
            not recomputed, and each new chunk is handed to it as soon as it is done.
        progress: show a tqdm bar (points done, points/s, ETA, chunks done).
        description: label of the progress bar.
        client: a ``distributed.Client``; chunks then run on its workers
            (see :mod:`qsynchro.sweeps.dask`). ``None`` computes in process.
        chunk_size: overrides ``sweep.chunk_size`` and the automatic choice
            (a sink that already holds chunks keeps its own size).
    """
    sweep, kernel, settings = prepare_sweep(sweep)
    return run_prepared(
        sweep,
        kernel,
        settings,
        sink=sink,
        progress=progress,
        description=description,
        client=client,
        chunk_size=chunk_size,
    )
