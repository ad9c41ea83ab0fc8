"""A sweep larger than a memory budget streams through the Zarr store in a few chunks.

The claim: with an output directory, the client never holds more than a few chunks,
whatever the size of the sweep. Measured with tracemalloc (every NumPy buffer and
Python object, in every thread, Zarr's I/O thread included) on the NumPy-only
"cheap" kernel g = sin(x) y + 1 (tests/sweep_kernels.py), whose values have a
closed form. The in-memory result of the large grid is 25 MB (8 bytes of g, 1 of
status, 16 of reason per point); the run must stay below a 4 MB budget,
and its peak must not grow when the grid grows 4 times (chunks of 20,000 points).
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import sweep_kernels as sk
from qsynchro.experiments.runner import run_sweep
from qsynchro.outputs.sweep_store import dataset_nbytes, open_partial
from qsynchro.sweeps.kernel import STATUS_OK

BUDGET = 4_000_000
CHUNK = 20_000


def _traced_run(sweep, out):
    tracemalloc.start()
    try:
        ds = run_sweep(sweep, out, progress=False, memory_limit=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return ds, peak


def test_sweep_larger_than_budget_completes_with_peak_of_a_few_chunks(tmp_path):
    run_sweep(sk.cheap_sweep(20, 30, 100), tmp_path / "warm", progress=False, memory_limit=0)
    _, peak_small = _traced_run(sk.cheap_sweep(250, 1000, CHUNK), tmp_path / "small")
    big, peak_big = _traced_run(sk.cheap_sweep(1000, 1000, CHUNK), tmp_path / "big")
    result = dataset_nbytes(big)
    assert result > 4 * BUDGET  # the result does not fit in the budget ...
    assert peak_big < BUDGET, (peak_big, result)  # ... the run does
    assert peak_big < 1.25 * peak_small + 200_000  # O(chunk), not O(grid)
    # the result is complete and exact, read lazily from DIR/result.zarr only
    assert not (tmp_path / "big" / "result.nc").exists()
    assert big.attrs["n_ok"] == 10**6 and big.attrs["n_failed"] == 0
    x, y = big["x"].values, big["y"].values
    rows = big["g"].isel(x=[0, 499, 999]).values
    np.testing.assert_allclose(rows, np.sin(x[[0, 499, 999], None]) * y + 1.0, rtol=0, atol=1e-15)
    assert (big["status"].isel(y=slice(0, 7)).values == STATUS_OK).all()


def test_finished_large_sweep_is_read_back_lazily_not_recomputed(tmp_path):
    sweep = sk.cheap_sweep(300, 70, 3000)
    first = run_sweep(sweep, tmp_path, progress=False, memory_limit=0)
    calls = sk.CheapKernel.calls
    again = run_sweep(sweep, tmp_path, progress=False, memory_limit=0)
    assert sk.CheapKernel.calls == calls and not (tmp_path / "result.nc").exists()
    np.testing.assert_array_equal(again["g"].values, first["g"].values)
    loaded = run_sweep(sweep, tmp_path, progress=False)  # fits the default limit: loaded
    assert sk.CheapKernel.calls == calls and (tmp_path / "result.nc").exists()
    np.testing.assert_array_equal(loaded["g"].values, first["g"].values)
    assert open_partial(tmp_path).attrs["n_ok"] == 300 * 70


def test_result_above_the_limit_without_a_directory_is_refused_before_computing():
    calls = sk.CheapKernel.calls
    with pytest.raises(
        ValueError,
        match=r"needs about 0.029 GiB, more than `memory_limit` = 0.00931 GiB; give an "
        r"output directory \(`out`, CLI `--out`\) to stream it to a Zarr store on disk",
    ):
        run_sweep(sk.cheap_sweep(1000, 760), progress=False, memory_limit=10_000_000)
    assert sk.CheapKernel.calls == calls
