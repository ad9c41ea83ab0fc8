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

import sweep_kernels as sk
from qsynchro.experiments.runner import run_sweep
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
            if len(list((out / "chunks").glob("chunk-*.nc"))) >= 3:
                os.kill(victim, signal.SIGKILL)
                killed.set()
                return
            time.sleep(0.01)

    t = threading.Thread(target=killer, daemon=True)
    t.start()
    ds = run_sweep(sweep, out, progress=False, client=client)
    t.join()
    assert killed.is_set()
    assert len(list((out / "chunks").glob("chunk-*.nc"))) == 16
    assert (ds["status"].values == STATUS_OK).all()
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("QSYNCHRO_TOY_SLEEP", raising=False)
        xr.testing.assert_identical(ds, run_sweep(sweep, progress=False))
