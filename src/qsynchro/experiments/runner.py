"""User-facing sweep runner: the engine wired to the on-disk store and to Dask.

Every paper figure and every user sweep (Python, TOML, CLI) goes through
:func:`run_sweep`, so there is one code path. Where the chunks run is chosen by
the arguments ``workers``/``scheduler``/``client``, or, when a caller (the CLI's
``reproduce --workers N``) wraps figure code in :func:`use_cluster`, by that
ambient cluster.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import xarray as xr

from qsynchro.outputs.store import SweepStore, check_writable, read_dataset, write_dataset
from qsynchro.sweeps.dask import dask_client
from qsynchro.sweeps.grid import Sweep
from qsynchro.sweeps.run import prepare_sweep
from qsynchro.sweeps.run import run_sweep as _run

__all__ = ["run_sweep", "use_cluster"]

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
) -> xr.Dataset:
    """Run ``sweep``; with ``out``, chunks are stored in ``out`` and the sweep resumes.

    Everything is validated before anything is computed: parameter and measure
    names, axis values (through the kernel), the output directory, the
    declaration already in ``out`` (a different one is refused), and the
    scheduler. Writes ``out/result.nc`` when every chunk is done; rerunning a
    finished sweep just reads it back.

    Args:
        sweep: the declaration.
        out: directory of the chunk store and of ``result.nc`` (``None``: memory only).
        progress: show a progress bar.
        description: progress bar label.
        workers: run on a fresh LocalCluster with this many worker processes.
        scheduler: run on the Dask cluster at this address (``tcp://HOST:PORT``).
        client: run on this ``distributed.Client``.
        chunk_size: points per chunk (default: the sweep's, else chosen per device).

    Returns:
        The Dataset: dimensions = axis names, one variable per measure,
        ``status``/``status_reason`` per point, provenance in ``attrs``.
    """
    sweep, _, _ = prepare_sweep(sweep)
    store = None
    if out is not None:
        root = check_writable(out)
        store = SweepStore(root, sweep)
        result = root / "result.nc"
        if result.exists():
            try:
                ds = read_dataset(result)
            except Exception:  # unreadable: reassemble from the chunks
                ds = None
            if ds is not None and ds.attrs.get("sweep_fingerprint") == sweep.fingerprint():
                return ds
    with store.lock() if store is not None else contextlib.nullcontext():
        if client is None and (workers is not None or scheduler is not None):
            with dask_client(workers=workers, scheduler=scheduler) as fresh:
                ds = _run(
                    sweep,
                    sink=store,
                    progress=progress,
                    description=description,
                    client=fresh,
                    chunk_size=chunk_size,
                )
        else:
            ds = _run(
                sweep,
                sink=store,
                progress=progress,
                description=description,
                client=client if client is not None else _CLIENT.get(),
                chunk_size=chunk_size,
            )
        if out is not None:
            write_dataset(ds, Path(out) / "result.nc")
    return ds
