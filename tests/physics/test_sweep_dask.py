"""Dask distributed on loopback: same Dataset as in process, and no loss when a worker dies.

One LocalCluster (2 single-threaded worker processes) is shared by the tests of
this module; startup costs a few seconds. The toy kernel (tests/sweep_kernels.py)
is found on the workers by name: the engine ships the registering module's name
and the worker imports it.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest
import xarray as xr

pytest.importorskip("distributed", reason="needs the `distributed` extra")

import sweep_kernels as sk
from qsynchro.experiments.runner import run_sweep
from qsynchro.outputs.sweep_store import stored_chunks
from qsynchro.sweeps.kernel import STATUS_OK

TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def client():
    from qsynchro.sweeps.dask import dask_client

    with pytest.MonkeyPatch.context() as mp:
        # workers inherit the environment: tests/ importable, 0.15 s per chunk so that
        # a worker can be killed while it holds chunks
        mp.setenv("PYTHONPATH", os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
        mp.setenv("QSYNCHRO_TOY_SLEEP", "0.15")
        mp.setenv("JAX_PLATFORMS", "cpu")
        with dask_client(workers=2) as c:
            yield c


def test_two_workers_give_the_in_process_dataset(client, tmp_path):
    sweep = sk.toy_sweep(na=8, nb=5, chunk_size=4, slow_above=1.2, fail_above=1.7, raise_above=1.9)
    local = run_sweep(sweep, progress=False)
    remote = run_sweep(sweep, tmp_path / "d", progress=False, client=client)
    xr.testing.assert_identical(local, remote)
    assert remote["f"].dtype.name == "float64"  # the kernel asserts x64 on the worker too
    workers = {w for w in client.run(os.getpid)}
    assert len(workers) == 2


def test_killing_a_worker_mid_sweep_loses_nothing(client, tmp_path):
    sweep = sk.toy_sweep(na=16, nb=4, chunk_size=4)  # 16 chunks of 0.15 s on 2 workers
    out = tmp_path / "k"
    pids = client.run(os.getpid)
    victim = pids[sorted(pids)[0]]
    killed = threading.Event()

    def killer() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (out / "sweep.json").exists() and len(stored_chunks(out)) >= 3:
                os.kill(victim, signal.SIGKILL)
                killed.set()
                return
            time.sleep(0.01)

    t = threading.Thread(target=killer, daemon=True)
    t.start()
    ds = run_sweep(sweep, out, progress=False, client=client)
    t.join()
    assert killed.is_set()
    assert stored_chunks(out) == set(range(16))
    assert (ds["status"].values == STATUS_OK).all()
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("QSYNCHRO_TOY_SLEEP", raising=False)
        xr.testing.assert_identical(ds, run_sweep(sweep, progress=False))


def _set_on_worker(what: str, value: str) -> str:
    """Runs on a worker: pretend another qsynchro is installed there; returns the old value."""
    import qsynchro
    from qsynchro.sweeps import dask as qdask

    if what == "version":
        old, qsynchro.__version__ = qsynchro.__version__, value
    else:
        old = qdask._source_hash("qsynchro")
        qdask._SOURCE_HASHES["qsynchro"] = value
    return old


@pytest.mark.parametrize(("what", "value"), [("version", "0.0.1"), ("source", "0" * 16)])
def test_worker_running_other_code_is_refused_before_any_chunk(client, tmp_path, what, value):
    """A worker that reports another qsynchro version, or the same version with other
    sources, is refused with a message naming it and both values; nothing is computed."""
    from qsynchro.sweeps.dask import code_identity

    mine = code_identity("sweep_kernels")[what]
    victim = sorted(client.scheduler_info()["workers"])[0]
    old = client.run(_set_on_worker, what, value, workers=[victim])[victim]
    try:
        with pytest.raises(
            RuntimeError,
            match=rf"^Dask worker {victim} runs different code than this client \({what} "
            rf"{value} instead of {mine}\); install the same qsynchro \(and kernel module\) "
            r"on every worker, then restart the workers\.$",
        ):
            run_sweep(sk.toy_sweep(na=4, nb=2), tmp_path / "v", progress=False, client=client)
    finally:
        client.run(_set_on_worker, what, old, workers=[victim])
    assert stored_chunks(tmp_path / "v") == set()
    ds = run_sweep(sk.toy_sweep(na=4, nb=2), tmp_path / "v", progress=False, client=client)
    assert (ds["status"].values == STATUS_OK).all()


def test_ambient_cluster_is_used_by_figure_code(client):
    """`qsynchro reproduce --workers N` wraps figure code in use_cluster(): every
    run_sweep inside then sends its chunks to that cluster, without new arguments."""
    from distributed import get_task_stream

    from qsynchro.experiments import runner

    token = runner._CLIENT.set(client)
    try:
        with get_task_stream(client) as ts:
            ds = run_sweep(sk.toy_sweep(na=4, nb=2, chunk_size=4), progress=False)
    finally:
        runner._CLIENT.reset(token)
    assert sum(t["key"].startswith("qsynchro-chunk-") for t in ts.data) == 2
    assert (ds["status"].values == STATUS_OK).all()


@pytest.mark.slow
@pytest.mark.parametrize("kernel", ["network", "maser"])
def test_real_kernels_identical_on_two_workers(client, kernel):
    """The physics kernels give bit-identical Datasets in process and on Dask workers."""
    from qsynchro.sweeps.grid import Axis, Sweep

    if kernel == "network":
        sweep = Sweep(
            "network",
            (Axis.linspace("delta", 0.0, 3.0, 6), Axis.linspace("K", -2.0, 0.0, 4)),
            ("frequency_difference", "order_parameter"),
            fixed={"V_AB": 1.0},
            settings={"t_transient": 200.0},
            chunk_size=5,
        )
    else:
        sweep = Sweep(
            "maser",
            (Axis.logspace("nh_over_nc", 0.1, 100.0, 9), Axis("N", [2.0, 5.0, 20.0])),
            ("S_max_scaled", "entrainment"),
            chunk_size=4,
        )
    xr.testing.assert_identical(
        run_sweep(sweep, progress=False), run_sweep(sweep, progress=False, client=client)
    )


def test_scheduler_without_workers_is_refused_before_computing():
    import logging

    from distributed import LocalCluster

    from qsynchro.sweeps.dask import dask_client

    with LocalCluster(
        n_workers=0, processes=False, dashboard_address=":0", silence_logs=logging.ERROR
    ) as empty:
        with pytest.raises(ValueError, match=r"has no workers; start them with `dask worker"):
            with dask_client(scheduler=empty.scheduler_address, timeout=0.5):
                pass


@pytest.mark.slow
def test_chunk_that_kills_its_workers_is_failed_not_fatal(tmp_path):
    """A chunk that kills every worker that runs it (KilledWorker after the scheduler's
    retries) is recorded as failed; every other chunk completes."""
    import dask

    from qsynchro.sweeps.dask import dask_client
    from qsynchro.sweeps.kernel import STATUS_FAILED

    with (
        pytest.MonkeyPatch.context() as mp,
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
    ):
        mp.setenv("PYTHONPATH", os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]))
        with dask_client(workers=2) as c:
            ds = run_sweep(
                sk.toy_sweep(na=4, nb=2, chunk_size=2, crash_above=1.5),
                tmp_path / "crash",
                progress=False,
                client=c,
            )
    st, why = ds["status"].values, ds["status_reason"].values
    assert (st[-1] == STATUS_FAILED).all() and "killed its Dask worker" in why[-1, 0]
    assert (st[:-1] == STATUS_OK).all()
