"""Dask distributed execution of sweep chunks.

Three ways to run a sweep (see ``docs/sweeps.md``):

* default: in process, no cluster;
* ``workers=N``: a :class:`distributed.LocalCluster` on this machine, ``N``
  worker processes with one thread each (JAX parallelises inside a process);
* ``scheduler="tcp://HOST:PORT"``: an existing cluster started with
  ``dask scheduler`` and ``dask worker tcp://HOST:PORT`` on each node.

Every worker runs :func:`qsynchro.sweeps.run.compute_chunk`, the same function
the in-process engine calls: it rebuilds the chunk's parameters from the
declaration, looks the kernel up by name (importing the module that registered
it), and calls it in float64. Results stream back with
:func:`distributed.as_completed` and are stored as they arrive. If a worker dies,
the scheduler reschedules its chunks on the remaining workers (a chunk is a
pure function of the declaration, so a recomputed chunk is identical).
"""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from qsynchro._checks import check_int
from qsynchro.sweeps.kernel import ChunkResult

__all__ = ["dask_chunks", "dask_client", "worker_devices"]

_ADDRESS = re.compile(r"^(tcp|tls|ucx|inproc|ws|wss)://\S+$")


def _device_info_task() -> dict[str, Any]:
    from qsynchro.sweeps.run import device_info

    return device_info()


def worker_devices(client: Any) -> list[dict[str, Any]]:
    """:func:`~qsynchro.sweeps.run.device_info` of every worker, memory capped at
    the worker's Dask ``memory_limit`` (several workers may share one host)."""
    infos = client.run(_device_info_task)
    limits = {a: w.get("memory_limit") for a, w in client.scheduler_info()["workers"].items()}
    out = []
    for addr, info in infos.items():
        info = dict(info)
        lim = limits.get(addr)
        if info.get("platform") == "cpu" and lim:
            info["memory"] = min(int(info["memory"]), int(lim))
        out.append(info)
    return out


@contextlib.contextmanager
def dask_client(
    *, workers: int | None = None, scheduler: str | None = None, timeout: float = 5.0
) -> Iterator[Any]:
    """Yield a ``distributed.Client`` for ``workers``/``scheduler``, or ``None`` for neither.

    Args:
        workers: start a LocalCluster with this many single-threaded worker
            processes (closed on exit).
        scheduler: address ``tcp://HOST:PORT`` of a running Dask scheduler.
        timeout: seconds to wait for the scheduler before giving up.

    Raises:
        ValueError: both options given, a malformed address, or a scheduler
            that does not answer within ``timeout`` (before any computation).
    """
    if workers is not None and scheduler is not None:
        raise ValueError("Options `workers` and `scheduler` exclude each other; give one.")
    if workers is None and scheduler is None:
        yield None
        return
    from distributed import Client, LocalCluster

    if scheduler is not None:
        if not isinstance(scheduler, str) or not _ADDRESS.match(scheduler):
            raise ValueError(
                f"Argument `scheduler` must be an address like 'tcp://HOST:PORT', "
                f"but got {scheduler!r}."
            )
        try:
            client = Client(scheduler, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ValueError(
                f"Cannot reach the Dask scheduler at {scheduler!r} within {timeout:g} s "
                f"({type(exc).__name__}); start it with `dask scheduler` or check the address."
            ) from None
        try:
            try:
                client.wait_for_workers(1, timeout=timeout)
            except TimeoutError:
                raise ValueError(
                    f"The Dask scheduler at {scheduler!r} has no workers; start them with "
                    f"`dask worker {scheduler}` on each node."
                ) from None
            yield client
        finally:
            client.close()
        return
    n = check_int("workers", workers, minimum=1)
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    client = Client(cluster, set_as_default=False)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def dask_chunks(
    client: Any,
    decl: Mapping[str, Any],
    module: str | None,
    tasks: list[tuple[int, int, int]],
    batch: int,
    on_crash: Callable[[int, int, str], ChunkResult] | None = None,
) -> Iterator[tuple[int, ChunkResult]]:
    """Submit every ``(index, start, stop)`` chunk and yield ``(index, result)`` as they finish.

    A chunk whose computation killed its worker repeatedly (``KilledWorker``: the
    scheduler retried it on other workers and each died, e.g. out of memory) becomes
    ``on_crash(start, stop, reason)`` (every point failed) and the sweep goes on; any
    other error (e.g. qsynchro not importable on a worker) stops the sweep with a
    ``RuntimeError``, keeping the finished chunks. Closing the generator early (an
    error, Ctrl-C) cancels the chunks still pending.
    """
    from distributed import KilledWorker, as_completed

    from qsynchro.sweeps.run import compute_chunk

    if not tasks:
        return
    token = uuid.uuid4().hex[:10]
    [decl_future] = client.scatter([dict(decl)], broadcast=True, hash=False)
    index: dict[str, int] = {}
    bounds = {i: (start, stop) for i, start, stop in tasks}
    futures = []
    for i, start, stop in tasks:
        key = f"qsynchro-chunk-{token}-{i:06d}"
        fut = client.submit(
            compute_chunk, decl_future, module, start, stop, batch, key=key, pure=False
        )
        index[fut.key] = i
        futures.append(fut)
    pending = set(futures)
    try:
        for fut in as_completed(futures, loop=client.loop):
            try:
                res = fut.result()
            except KilledWorker as exc:
                if on_crash is None:
                    raise RuntimeError(
                        f"Dask workers died computing chunk {index[fut.key]}."
                    ) from exc
                res = on_crash(
                    *bounds[index[fut.key]], f"the chunk killed its Dask worker repeatedly ({exc})"
                )
            except Exception as exc:
                raise RuntimeError(
                    f"Dask could not compute chunk {index[fut.key]} "
                    f"({type(exc).__name__}: {exc}); finished chunks are stored, rerun to resume."
                ) from exc
            pending.discard(fut)
            fut.release()
            yield index[fut.key], res
    finally:
        if pending:
            client.cancel(list(pending))
        decl_future.release()
