"""Chunk store: atomic chunks, resume after kill -9, refusal of a different declaration.

The claim under test: an interrupted sweep, rerun with the same declaration,
recomputes exactly the chunks that were not stored and ends with a Dataset
identical (values, status, attributes) to an uninterrupted run.
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

import sweep_kernels as sk
from qsynchro.experiments.runner import run_sweep
from qsynchro.outputs.store import open_partial, read_dataset, write_dataset
from qsynchro.sweeps.kernel import STATUS_PENDING

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
    # drop 3 chunk files and the result: exactly those 3 chunks are recomputed
    (out / "result.nc").unlink()
    for i in (0, 4, 8):
        (out / "chunks" / f"chunk-{i:06d}.nc").unlink()
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
    assert len(list((out / "chunks").glob("chunk-*.nc"))) == 9


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
    chunks = out / "chunks"
    deadline = time.monotonic() + 120
    try:
        while len(list(chunks.glob("chunk-*.nc"))) < 3:
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "child made no progress"
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    stored = sorted(int(p.stem[6:]) for p in chunks.glob("chunk-*.nc"))
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


def test_chunk_files_keep_dtypes(tmp_path):
    """Chunks are NetCDF3 when possible (fast) and NetCDF4 for 64-bit integers; either way
    every value comes back bit-identical with its dtype."""
    from qsynchro.outputs.store import SweepStore
    from qsynchro.sweeps.kernel import ChunkResult
    from qsynchro.sweeps.run import prepare_sweep

    sweep = prepare_sweep(sk.toy_sweep())[0]
    store = SweepStore(tmp_path, sweep)
    store.plan(4)
    cases = {
        "small": {"i": np.array([1, -2, 3]), "u": np.array([200, 1, 0], np.uint8)},
        "big": {"i": np.array([2**40, -1, 0])},
        "mixed": {
            "b": np.array([True, False, True]),
            "z": np.array([1j, np.nan, -0.5 + 2j]),
            "w": np.arange(6.0).reshape(3, 2),
        },
    }
    for idx, values in enumerate(cases.values()):
        res = ChunkResult(
            values=values,
            status=np.array([0, 1, 2], np.int8),
            reason=np.array(["", "slow", "NaN result (f)"]),
        )
        store.save(idx, 0, 3, res)
        back = store.load(idx)
        for k, v in values.items():
            assert back.values[k].dtype == v.dtype, k
            np.testing.assert_array_equal(back.values[k], v)
        assert list(back.reason) == ["", "slow", "NaN result (f)"]
    magic = [store._path(i).read_bytes()[:3] for i in range(3)]
    assert magic[1] != b"CDF" and magic[2] == b"CDF"


def test_concurrent_run_into_same_directory_is_refused(tmp_path):
    from qsynchro.outputs.store import SweepStore
    from qsynchro.sweeps.run import prepare_sweep

    sweep = sk.toy_sweep()
    other = SweepStore(tmp_path, prepare_sweep(sweep)[0])
    with other.lock():
        with pytest.raises(ValueError, match=r"is in use by another running sweep \(pid \d+\)"):
            run_sweep(sweep, tmp_path, progress=False)
    assert run_sweep(sweep, tmp_path, progress=False)["f"].shape == (7, 5)
