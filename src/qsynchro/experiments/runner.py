"""User-facing sweep runner: the engine wired to the on-disk store and to Dask.

Every paper figure and every user sweep (Python, TOML, CLI) goes through
:func:`run_sweep`, so there is one code path. Where the chunks run is chosen by
the arguments ``workers``/``scheduler``/``client``, or, when a caller (the CLI's
``reproduce --workers N``) wraps figure code in :func:`use_cluster`, by that
ambient cluster. Clusters need ``pip install "qsynchro[distributed]"``; without
it, asking for one raises a one-line ``ImportError`` that says so.

Memory: with an output directory, finished chunks stream into
``out/result.zarr`` (:mod:`qsynchro.outputs.sweep_store`). At the end a result of
at most ``memory_limit`` bytes is loaded, written to ``out/result.nc`` as well and
returned in memory; a larger one stays in ``out/result.zarr`` only and is
returned lazily (values are read when accessed). Without an output directory
everything is kept in memory, and a sweep whose result would exceed
``memory_limit`` is refused before computing.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import xarray as xr

from qsynchro._checks import check_int
from qsynchro.outputs.store import check_writable, read_dataset, write_dataset
from qsynchro.outputs.sweep_store import SweepStore, dataset_nbytes
from qsynchro.sweeps.chunk import host_memory
from qsynchro.sweeps.dask import dask_client, require_distributed
from qsynchro.sweeps.grid import Sweep
from qsynchro.sweeps.run import estimate_bytes, prepare_sweep, run_prepared

__all__ = ["default_memory_limit", "run_sweep", "use_cluster"]


def default_memory_limit() -> int:
    """A quarter of the available host memory, at most 2 GiB."""
    return min(2 << 30, host_memory() // 4)


def _gib(n: int) -> str:
    return f"{n / 2**30:.3g} GiB"


def _loaded(ds: xr.Dataset) -> xr.Dataset:
    """Load a Dataset read from the store (as a sweep kept in memory would be)."""
    return ds.load().drop_encoding()


_CLIENT: contextvars.ContextVar[Any] = contextvars.ContextVar("qsynchro_dask_client", default=None)


@contextlib.contextmanager
def use_cluster(
    *, workers: int | None = None, scheduler: str | None = None, timeout: float = 5.0
) -> Iterator[Any]:
    """Run every :func:`run_sweep` inside the block on a Dask cluster.

    ``workers=N`` starts a LocalCluster (N processes, one thread each),
    ``scheduler="tcp://HOST:PORT"`` connects to a running one; with neither the
    block runs in process. Yields the ``distributed.Client`` (or ``None``).
    An unreachable scheduler raises ``ValueError`` before anything is computed.
    """
    with dask_client(workers=workers, scheduler=scheduler, timeout=timeout) as client:
        token = _CLIENT.set(client)
        try:
            yield client
        finally:
            _CLIENT.reset(token)


def run_sweep(
    sweep: Sweep,
    out: str | Path | None = None,
    *,
    progress: bool = True,
    description: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    chunk_size: int | None = None,
    memory_limit: int | None = None,
) -> xr.Dataset:
    """Run ``sweep``; with ``out``, chunks stream into ``out`` and the sweep resumes.

    Everything is validated before anything is computed: parameter and measure
    names, axis values (through the kernel), the output directory, the
    declaration already in ``out`` (a different one is refused), the expected
    result size without ``out``, and the cluster options. Rerunning a finished
    sweep reads it back.

    Args:
        sweep: the declaration.
        out: directory of the store: ``out/result.zarr`` (filled chunk by chunk) and,
            if the result fits in ``memory_limit``, ``out/result.nc``. ``None``:
            memory only.
        progress: show a progress bar.
        description: progress bar label.
        workers: run on a fresh LocalCluster with this many worker processes.
        scheduler: run on the Dask cluster at this address (``tcp://HOST:PORT``).
        client: run on this ``distributed.Client``.
        chunk_size: points per chunk (default: the sweep's, else chosen per device).
        memory_limit: largest result in bytes that is loaded into memory (default
            :func:`default_memory_limit`). With ``out``, a larger result is returned
            lazily from ``out/result.zarr`` and no ``result.nc`` is written; without
            ``out``, a larger result is refused.

    Returns:
        The Dataset: dimensions = axis names, one variable per measure,
        ``status``/``status_reason`` per point, provenance in ``attrs``.

    Raises:
        ValueError: bad declaration, directory or option (before computing).
        ImportError: ``workers``/``scheduler`` without Dask distributed installed.
    """
    sweep, kernel, settings = prepare_sweep(sweep)
    if client is None and (workers is not None or scheduler is not None):
        require_distributed("Option `workers`" if workers is not None else "Option `scheduler`")
    if memory_limit is None:
        limit = default_memory_limit()
    else:
        limit = check_int("memory_limit", memory_limit, minimum=0)
    store = None
    if out is None:
        need = estimate_bytes(sweep, kernel, settings)
        if need > limit:
            raise ValueError(
                f"The result of this sweep needs about {_gib(need)}, more than `memory_limit` "
                f"= {_gib(limit)}; give an output directory (`out`, CLI `--out`) to stream it "
                "to a Zarr store on disk."
            )
    else:
        root = check_writable(out)
        store = SweepStore(root, sweep)
        result = root / "result.nc"
        if result.exists():
            try:
                ds = read_dataset(result)
            except Exception:  # unreadable: reassemble from the store
                ds = None
            if ds is not None and ds.attrs.get("sweep_fingerprint") == sweep.fingerprint():
                return ds
    with store.lock() if store is not None else contextlib.nullcontext():
        finished = store is not None and store.complete()
        ambient = client if client is not None else _CLIENT.get()
        fresh = ambient is None and not finished and (workers is not None or scheduler is not None)
        with dask_client(workers=workers, scheduler=scheduler) if fresh else _given(ambient) as c:
            ds = run_prepared(
                sweep,
                kernel,
                settings,
                sink=store,
                progress=progress,
                description=description,
                client=None if finished else c,
                chunk_size=chunk_size,
            )
        if store is not None and dataset_nbytes(ds) <= limit:
            ds = _loaded(ds)
            write_dataset(ds, Path(out) / "result.nc")  # type: ignore[arg-type]
    return ds


@contextlib.contextmanager
def _given(client: Any) -> Iterator[Any]:
    yield client
