"""Zarr sweep store: atomic chunks, resume after kill -9, refusal of a different declaration.

The claim under test: an interrupted sweep, rerun with the same declaration,
recomputes exactly the chunks that were not stored completely (a chunk is done
when none of its points has status pending; status is written last) and ends
with a Dataset identical (values, status, attributes) to an uninterrupted run.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import zarr

import sweep_kernels as sk
from qsynchro.experiments.runner import run_sweep
from qsynchro.outputs import sweep_store
from qsynchro.outputs.store import read_dataset, write_dataset
from qsynchro.outputs.sweep_store import SweepStore, open_partial, stored_chunks
from qsynchro.sweeps.kernel import STATUS_PENDING, ChunkResult
from qsynchro.sweeps.run import prepare_sweep

TESTS = Path(__file__).resolve().parents[1]


def _calls(log: Path) -> list[float]:
    return [float(line.split()[0]) for line in log.read_text().splitlines()] if log.exists() else []


def test_complex_and_nan_round_trip_exactly(tmp_path):
    z = np.array([1 + 2j, np.nan + 1j, 3 + np.nan * 1j, -0.0 + 0j, np.inf - 1j])
    ds = xr.Dataset({"z": ("p", z), "s": ("p", np.array(["", "a", "bb", "", "c"]))})
    back = read_dataset(write_dataset(ds, tmp_path / "x.nc"))
    np.testing.assert_array_equal(back["z"].values.real, z.real)
    np.testing.assert_array_equal(back["z"].values.imag, z.imag)
    assert list(back["s"].values) == ["", "a", "bb", "", "c"]


def test_resume_loads_finished_chunks_and_recomputes_nothing(tmp_path, monkeypatch):
    log = tmp_path / "log"
    monkeypatch.setenv("QSYNCHRO_TOY_LOG", str(log))
    sweep = sk.toy_sweep(chunk_size=4, slow_above=1.2)
    ref = run_sweep(sweep, progress=False)
    out = tmp_path / "run"
    first = run_sweep(sweep, out, progress=False)
    n_first = len(_calls(log))
    assert n_first == 2 * 9  # the reference run and the stored run: 9 chunks each
    # a crash after the values but before the status of chunks 0, 4 and 8: their status
    # is pending again (one point is enough), so exactly those 3 chunks are recomputed
    (out / "result.nc").unlink()
    status = zarr.open_group(out / "result.zarr", mode="r+")["status"]
    flat = status[...].reshape(-1)
    flat[[0, 4 * 4 + 3, 8 * 4 + 2]] = STATUS_PENDING  # chunk size 4
    status[...] = flat.reshape(status.shape)
    assert stored_chunks(out) == set(range(9)) - {0, 4, 8}
    again = run_sweep(sweep, out, progress=False)
    assert len(_calls(log)) == n_first + 3
    xr.testing.assert_identical(first, again)
    xr.testing.assert_identical(ref, again)
    # a finished sweep is read back, not recomputed
    run_sweep(sweep, out, progress=False)
    assert len(_calls(log)) == n_first + 3


def test_different_declaration_is_refused(tmp_path):
    out = tmp_path / "run"
    run_sweep(sk.toy_sweep(na=3), out, progress=False)
    with pytest.raises(
        ValueError,
        match=r"holds a different sweep declaration \(axis a: 3 values in \[-1, 2\] -> 4 values "
        r"in \[-1, 2\]\); use a new directory",
    ):
        run_sweep(sk.toy_sweep(na=4), out, progress=False)
    with pytest.raises(ValueError, match=r"\(settings.fail_above: inf -> 1.0\)"):
        run_sweep(sk.toy_sweep(na=3, fail_above=1.0), out, progress=False)
    with pytest.raises(ValueError, match=r"\(fixed.c: 0.25 -> 0.5\)"):
        run_sweep(dataclasses.replace(sk.toy_sweep(na=3), fixed={"c": 0.5}), out, progress=False)


def test_stored_chunk_size_wins_on_resume(tmp_path):
    out = tmp_path / "run"
    a = run_sweep(sk.toy_sweep(chunk_size=4), out, progress=False)
    (out / "result.nc").unlink()
    b = run_sweep(sk.toy_sweep(chunk_size=6), out, progress=False)  # same fingerprint
    xr.testing.assert_identical(a, b)
    assert SweepStore.read_meta(out)["chunk_size"] == 4 and stored_chunks(out) == set(range(9))


def test_unwritable_output_directory(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ValueError, match=r"exists and is not a directory"):
        run_sweep(sk.toy_sweep(), blocker, progress=False)
    if os.geteuid() != 0:  # root ignores permission bits
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        with pytest.raises(ValueError, match=r"cannot be written"):
            run_sweep(sk.toy_sweep(), ro / "sub", progress=False)
    with pytest.raises(ValueError, match=r"cannot be written"):
        run_sweep(sk.toy_sweep(), blocker / "sub", progress=False)


_CHILD = """
import sys
sys.path.insert(0, {tests!r})
import jax
jax.config.update("jax_enable_x64", True)
import sweep_kernels as sk
from qsynchro.experiments.runner import run_sweep
run_sweep(sk.toy_sweep(na=12, nb=4, chunk_size=4, slow_above=1.5), {out!r}, progress=False)
"""


def test_kill_9_mid_sweep_then_resume_is_identical(tmp_path, monkeypatch):
    """A subprocess is SIGKILLed after at least 3 of its 12 chunks are stored (the kernel
    sleeps 0.3 s per chunk, so the kill lands mid-sweep); the rerun computes only the
    missing chunks and the final result equals an uninterrupted run."""
    out = tmp_path / "killed"
    env = dict(os.environ, QSYNCHRO_TOY_SLEEP="0.3", JAX_PLATFORMS="cpu")
    env.pop("QSYNCHRO_TOY_LOG", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD.format(tests=str(TESTS), out=str(out))],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    try:
        while not (out / "sweep.json").exists() or len(stored_chunks(out)) < 3:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "child made no progress"
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    stored = sorted(stored_chunks(out))
    assert 3 <= len(stored) < 12 and not (out / "result.nc").exists()
    partial = open_partial(out)
    assert (partial["status"].values == STATUS_PENDING).sum() == 48 - 4 * len(stored)

    log = tmp_path / "log"
    monkeypatch.setenv("QSYNCHRO_TOY_LOG", str(log))
    sweep = sk.toy_sweep(na=12, nb=4, chunk_size=4, slow_above=1.5)
    resumed = run_sweep(sweep, out, progress=False)
    a_values = sweep.axes[0].values
    recomputed = sorted(int(np.argmin(np.abs(a_values - a))) for a in _calls(log))
    assert recomputed == sorted(set(range(12)) - set(stored))  # chunk i starts at a_i (nb=4)
    fresh = run_sweep(sweep, tmp_path / "fresh", progress=False)
    xr.testing.assert_identical(resumed, fresh)
    xr.testing.assert_identical(
        read_dataset(out / "result.nc"), read_dataset(tmp_path / "fresh" / "result.nc")
    )


def _store(tmp_path, sweep=None):
    store = SweepStore(tmp_path, prepare_sweep(sweep or sk.toy_sweep(na=2, nb=3))[0])
    store.plan(3)
    return store


def test_store_keeps_values_bit_exact(tmp_path):
    """Through Zarr every value comes back bit-identical: NaN, inf and -0.0 in real and
    imaginary parts, Unicode reasons; integer and boolean measures become float64 (so
    that failed points can hold NaN), as in memory."""
    store = _store(tmp_path)
    z = np.array([1j, np.nan, -0.0 - np.inf * 1j])
    wave = np.array([[0.0, -0.0, np.inf], [1e-308, -1.5, 2.0], [np.nan, 3.0, 4.0]])
    res = ChunkResult(
        values={"f": np.array([1, -2, 2**40]), "wave": wave, "z": z},
        status=np.array([0, 1, 2], np.int8),
        reason=np.array(["", "langsam (Δ > tol)", "NaN result (f)"]),
        diagnostics={"flag": np.array([True, False, True])},
    )
    store.save(1, 3, 6, res)
    ds = store.dataset(partial=True).load()
    assert ds["f"].dtype == np.float64 and ds["flag"].dtype == np.float64
    np.testing.assert_array_equal(ds["f"].values[1], [1.0, -2.0, 2.0**40])
    np.testing.assert_array_equal(ds["wave"].values[1], wave)
    assert np.signbit(ds["wave"].values[1, 0, 1])
    np.testing.assert_array_equal(ds["z"].values[1].view(float), z.view(float))
    assert list(ds["status_reason"].values[1]) == ["", "langsam (Δ > tol)", "NaN result (f)"]
    assert (ds["status"].values[0] == STATUS_PENDING).all() and np.isnan(ds["f"].values[0]).all()
    assert list(ds["status_reason"].values[0]) == ["not computed"] * 3
    assert ds.attrs["n_pending"] == 3 and ds.attrs["n_failed"] == 1
    assert stored_chunks(tmp_path) == {1}


def test_whole_chunk_failure_overwrites_values_of_a_crashed_attempt(tmp_path):
    """A chunk whose values were written before a crash (status still pending) and that
    then fails as a whole holds NaN, not the stale values, and is done."""
    from qsynchro.sweeps.chunk import failed_chunk

    store = _store(tmp_path)
    ok = ChunkResult(
        values={"f": np.ones(3), "wave": np.ones((3, 3)), "z": np.ones(3, complex)},
        status=np.zeros(3, np.int8),
        reason=np.array(["", "", ""]),
        diagnostics={"residual": np.zeros(3)},
    )
    store.save(0, 0, 3, ok)
    status = zarr.open_group(tmp_path / "result.zarr", mode="r+")["status"]
    status[0, :] = STATUS_PENDING  # the crash: values stored, status not
    assert store.done() == set()
    store.save(0, 0, 3, failed_chunk(3, "RuntimeError: boom"))
    ds = store.dataset(partial=True).load()
    for name in ("f", "wave", "z", "residual"):
        assert np.isnan(ds[name].values[0]).all(), name
    assert store.done() == {0} and list(ds["status_reason"].values[0]) == ["RuntimeError: boom"] * 3


@pytest.mark.parametrize("victim", ["f", "status_reason", "status"])
def test_interrupted_chunk_write_leaves_the_chunk_not_done(tmp_path, monkeypatch, victim):
    """Killed while chunk 3 is written, inside the write of one variable (after its first
    point): chunk 3 is not done, the rerun recomputes it (and the chunks after it) and
    nothing else, and the result is identical to an uninterrupted run. This holds only
    because the status goes last."""
    log = tmp_path / "log"
    monkeypatch.setenv("QSYNCHRO_TOY_LOG", str(log))
    sweep = sk.toy_sweep(chunk_size=4)
    ref = run_sweep(sweep, progress=False)
    real = sweep_store._write_range

    def dies_in_chunk_3(arr, shape, start, stop, values):
        if arr.basename == victim and start == 12:
            real(arr, shape, start, start + 1, values[:1])
            raise KeyboardInterrupt
        real(arr, shape, start, stop, values)

    out = tmp_path / "run"
    with monkeypatch.context() as mp:
        mp.setattr(sweep_store, "_write_range", dies_in_chunk_3)
        with pytest.raises(KeyboardInterrupt):
            run_sweep(sweep, out, progress=False)
    assert stored_chunks(out) == {0, 1, 2}
    partial = open_partial(out)
    pending = (partial["status"].values.reshape(-1) == STATUS_PENDING).sum()
    assert pending == (35 - 13 if victim == "status" else 35 - 12)
    n_before = len(_calls(log))
    again = run_sweep(sweep, out, progress=False)
    assert len(_calls(log)) - n_before == 9 - 3
    xr.testing.assert_identical(again, ref)


def test_store_of_the_old_format_is_refused_unless_finished(tmp_path):
    sweep = prepare_sweep(sk.toy_sweep())[0]
    (tmp_path / "chunks").mkdir()
    (tmp_path / "chunks" / "chunk-000000.nc").write_bytes(b"CDF")
    meta = {"format": "qsynchro-sweep-store/1", "chunk_size": 4, "sweep": sweep.to_dict()}
    (tmp_path / "sweep.json").write_text(__import__("json").dumps(meta, default=str))
    with pytest.raises(ValueError, match=r"per-chunk NetCDF format of qsynchro 0.1"):
        run_sweep(sk.toy_sweep(), tmp_path, progress=False)
    with pytest.raises(ValueError, match=r"per-chunk NetCDF format of qsynchro 0.1"):
        open_partial(tmp_path)
    # finished in that format: its result.nc is read, nothing recomputed
    done = run_sweep(sk.toy_sweep(), progress=False)
    write_dataset(done, tmp_path / "result.nc")
    calls = sk.ToyKernel.calls
    xr.testing.assert_identical(run_sweep(sk.toy_sweep(), tmp_path, progress=False), done)
    assert sk.ToyKernel.calls == calls


def test_concurrent_run_into_same_directory_is_refused(tmp_path):
    sweep = sk.toy_sweep()
    other = SweepStore(tmp_path, prepare_sweep(sweep)[0])
    with other.lock():
        with pytest.raises(ValueError, match=r"is in use by another running sweep \(pid \d+\)"):
            run_sweep(sweep, tmp_path, progress=False)
    assert run_sweep(sweep, tmp_path, progress=False)["f"].shape == (7, 5)
