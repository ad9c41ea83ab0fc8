"""Dask distributed execution of sweep chunks.

Three ways to run a sweep (see ``docs/sweeps.md``):

* default: in process, no cluster;
* ``workers=N``: a :class:`distributed.LocalCluster` on this machine, ``N``
  worker processes with one thread each (JAX parallelises inside a process);
* ``scheduler="tcp://HOST:PORT"``: an existing cluster started with
  ``dask scheduler`` and ``dask worker tcp://HOST:PORT`` on each node.

Dask is optional (``pip install "qsynchro[distributed]"``): this module imports
``distributed`` only inside the functions that need it, and asking for a cluster
without it raises a one-line ``ImportError`` that says what to install.

Every worker runs :func:`qsynchro.sweeps.chunk.compute_chunk`, the same function
the in-process engine calls: it rebuilds the chunk's parameters from the
declaration, looks the kernel up by name (importing the module that registered
it), and calls it in float64. Results stream back with
:func:`distributed.as_completed` and are stored as they arrive. If a worker dies,
the scheduler reschedules its chunks on the remaining workers (a chunk is a
pure function of the declaration, so a recomputed chunk is identical).

Same code everywhere: before the first chunk every worker reports
:func:`code_identity` (``qsynchro.__version__``, a SHA-256 of the installed
qsynchro sources and of the kernel's module), and a worker whose identity
differs from the client's is refused with a message naming it; every chunk task
checks it again on its worker (workers that join later).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from qsynchro._checks import check_int
from qsynchro.sweeps.chunk import compute_chunk, device_info
from qsynchro.sweeps.kernel import ChunkResult

__all__ = ["code_identity", "dask_chunks", "dask_client", "require_distributed", "worker_devices"]

_ADDRESS = re.compile(r"^(tcp|tls|ucx|inproc|ws|wss)://\S+$")
INSTALL_HINT = 'pip install "qsynchro[distributed]"'


def require_distributed(option: str) -> None:
    """Raise a one-line ``ImportError`` if Dask distributed is missing.

    Args:
        option: what asked for a cluster, named in the message (e.g. ``"--workers"``).
    """
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ImportError(
            f"{option} needs Dask distributed, which is not installed; install it with "
            f"`{INSTALL_HINT}`."
        ) from None


# ---------------------------------------------------------------------------------------
# same code on every worker
# ---------------------------------------------------------------------------------------
_SOURCE_HASHES: dict[str, str] = {}


def _hash_files(root: Path, files: list[Path]) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def _source_hash(module: str) -> str:
    """SHA-256 (16 hex digits) of a module's source; of every ``.py`` file for a package."""
    if module not in _SOURCE_HASHES:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None or not Path(spec.origin).exists():
            _SOURCE_HASHES[module] = "unknown"
        else:
            origin = Path(spec.origin)
            if spec.submodule_search_locations:  # a package: all of its sources
                root = origin.parent
                _SOURCE_HASHES[module] = _hash_files(root, list(root.rglob("*.py")))
            else:
                _SOURCE_HASHES[module] = _hash_files(origin.parent, [origin])
    return _SOURCE_HASHES[module]


def code_identity(module: str | None = None) -> dict[str, str]:
    """What must be equal on the client and on every worker.

    ``version`` is ``qsynchro.__version__``, ``source`` a hash of the installed
    qsynchro package's ``.py`` files (catches an edited install with an unchanged
    version), and ``kernel_source`` a hash of the kernel's module (a user kernel
    outside qsynchro). Hashes are computed once per process.
    """
    import qsynchro

    out = {"version": str(qsynchro.__version__), "source": _source_hash("qsynchro")}
    if module and not module.startswith("qsynchro."):
        out["kernel_source"] = _source_hash(module)
    return out


def _mismatch(where: str, mine: Mapping[str, str], theirs: Mapping[str, str]) -> str | None:
    diffs = [f"{k} {theirs.get(k)} instead of {v}" for k, v in mine.items() if theirs.get(k) != v]
    if not diffs:
        return None
    return (
        f"Dask worker {where} runs different code than this client ({', '.join(diffs)}); "
        "install the same qsynchro (and kernel module) on every worker, then restart the "
        "workers."
    )


def _checked_chunk(
    expected: Mapping[str, str],
    decl: Mapping[str, Any],
    module: str | None,
    start: int,
    stop: int,
    batch: int,
) -> ChunkResult:
    """The chunk task: refuse to compute on a worker whose code differs from the client's."""
    problem = _mismatch("(this one)", expected, code_identity(module))
    if problem:
        raise RuntimeError(problem)
    return compute_chunk(decl, module, start, stop, batch)


def check_workers(client: Any, module: str | None) -> None:
    """Raise ``RuntimeError`` naming the first worker whose :func:`code_identity` differs."""
    mine = code_identity(module)
    for addr, theirs in sorted(client.run(code_identity, module).items()):
        problem = _mismatch(addr, mine, theirs)
        if problem:
            raise RuntimeError(problem)


def _device_info_task() -> dict[str, Any]:
    return device_info()


def worker_devices(client: Any) -> list[dict[str, Any]]:
    """:func:`~qsynchro.sweeps.chunk.device_info` of every worker, memory capped at
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
    require_distributed("Option `workers`" if workers is not None else "Option `scheduler`")
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
    error, Ctrl-C) cancels the chunks still pending. A worker whose code differs
    from the client's (:func:`code_identity`) is refused before any chunk is sent.
    """
    from distributed import KilledWorker, as_completed

    if not tasks:
        return
    check_workers(client, module)
    expected = code_identity(module)
    token = uuid.uuid4().hex[:10]
    [decl_future] = client.scatter([dict(decl)], broadcast=True, hash=False)
    index: dict[str, int] = {}
    bounds = {i: (start, stop) for i, start, stop in tasks}
    futures = []
    for i, start, stop in tasks:
        key = f"qsynchro-chunk-{token}-{i:06d}"
        fut = client.submit(
            _checked_chunk, expected, decl_future, module, start, stop, batch, key=key, pure=False
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
