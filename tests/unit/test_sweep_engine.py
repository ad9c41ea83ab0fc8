"""The sweep engine on an analytic toy kernel (tests/sweep_kernels.py).

The toy measures have closed forms (f = a b + c, wave_k = sin(a k) + b,
z = b exp(i a)), so every stored number is checked against a literal NumPy
oracle; the status rules of the kernel contract are checked point by point.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr

import sweep_kernels as sk  # tests/ is on sys.path (rootdir conftest, prepend import mode)
from qsynchro.experiments.runner import run_sweep
from qsynchro.sweeps.grid import Axis, Sweep
from qsynchro.sweeps.kernel import STATUS_FAILED, STATUS_NOT_CONVERGED, STATUS_OK
from qsynchro.sweeps.run import choose_chunk_size, prepare_sweep
from qsynchro.sweeps.run import run_sweep as engine_run


def _calls(log: Path) -> list[tuple[float, float, int]]:
    if not log.exists():
        return []
    return [
        (float(a), float(b), int(n))
        for a, b, n in (line.split() for line in log.read_text().splitlines())
    ]


def test_values_dims_and_provenance_match_oracle():
    sweep = sk.toy_sweep()
    ds = run_sweep(sweep, progress=False)
    a, b = sweep.axes[0].values, sweep.axes[1].values
    ref = sk.oracle(a, b)
    assert ds["f"].dims == ("a", "b") and ds["wave"].dims == ("a", "b", "k")
    np.testing.assert_array_equal(ds["a"].values, a)
    np.testing.assert_array_equal(ds["k"].values, [0.0, 1.0, 2.0])
    for m in ("f", "wave", "z"):
        # f goes through JAX in float64: agreement to rounding (1 ulp of |ab|+|c| <= 4.5)
        np.testing.assert_allclose(ds[m].values, ref[m], rtol=0, atol=1e-15)
    assert ds["f"].dtype == np.float64 and ds["z"].dtype == np.complex128
    assert (ds["status"].values == STATUS_OK).all()
    assert (ds["status_reason"].values == "").all()
    decl = Sweep.from_dict(__import__("json").loads(ds.attrs["sweep"]))
    assert decl.fixed == {"c": 0.25}  # every non-axis parameter is spelled out
    assert ds.attrs["qsynchro_version"]
    assert ds.attrs["sweep_fingerprint"] == prepare_sweep(sweep)[0].fingerprint()


def test_every_call_has_the_same_batch_and_padding_is_dropped(tmp_path, monkeypatch):
    log = tmp_path / "log"
    monkeypatch.setenv("QSYNCHRO_TOY_LOG", str(log))
    sweep = sk.toy_sweep(na=7, nb=5, chunk_size=4)  # 35 points: 8 full chunks + 3 points
    ds = run_sweep(sweep, progress=False)
    calls = _calls(log)
    assert len(calls) == 9 and {n for _, _, n in calls} == {4}
    assert ds["f"].shape == (7, 5)


def test_status_rules_point_by_point():
    sweep = sk.toy_sweep(na=7, nb=3, chunk_size=5, slow_above=0.4, fail_above=1.5, nan_above=0.9)
    ds = run_sweep(sweep, progress=False)
    a = ds["a"].values[:, None] * np.ones((1, 3))
    st, why = ds["status"].values, ds["status_reason"].values
    ok = a <= 0.4
    assert (st[ok] == STATUS_OK).all()
    slow = (a > 0.4) & (a <= 0.9)
    # not converged: the kernel's value is kept and labelled, with the kernel's reason
    assert (st[slow] == STATUS_NOT_CONVERGED).all() and (why[slow] == "residual 1e-3 > tol").all()
    np.testing.assert_allclose(ds["f"].values[slow], (a * ds["b"].values + 0.25)[slow])
    assert (st[a > 1.5] == STATUS_FAILED).all() and (why[a > 1.5] == "toy failure").all()
    assert np.isnan(ds["f"].values[st == STATUS_FAILED]).all()
    assert np.isnan(ds["wave"].values[st == STATUS_FAILED]).all()
    assert ds.attrs["n_failed"] == int((st == STATUS_FAILED).sum())


def test_nan_with_status_ok_becomes_failed():
    """A NaN the kernel calls ok must never pass as a number."""
    sweep = sk.toy_sweep(na=7, nb=2, nan_above=0.9)
    ds = run_sweep(sweep, progress=False)
    bad = ds["a"].values > 0.9
    assert (ds["status"].values[bad] == STATUS_FAILED).all()
    assert all(r.startswith("NaN result") for r in ds["status_reason"].values[bad].ravel())
    assert (ds["status"].values[~bad] == STATUS_OK).all()


def test_kernel_exception_fails_its_chunk_only():
    sweep = sk.toy_sweep(na=7, nb=5, chunk_size=5, raise_above=1.9)  # only the last a row
    ds = run_sweep(sweep, progress=False)
    st = ds["status"].values
    assert (st[-1] == STATUS_FAILED).all()
    assert (ds["status_reason"].values[-1] == "RuntimeError: toy kernel exploded").all()
    assert (st[:-1] == STATUS_OK).all() and np.isnan(ds["z"].values[-1]).all()


def test_inprocess_dataset_independent_of_chunk_size():
    d1 = run_sweep(sk.toy_sweep(chunk_size=3), progress=False)
    d2 = run_sweep(sk.toy_sweep(chunk_size=35), progress=False)
    xr.testing.assert_identical(d1.drop_attrs(), d2.drop_attrs())


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (
            lambda: Sweep("toy", (Axis("q", [1.0]),), ("f",)),
            r"Unknown parameter 'q' for kernel `toy`; valid parameters are \['a', 'b', 'c'\]",
        ),
        (
            lambda: Sweep("toy", (Axis("a", [1.0]),), ("f", "g")),
            r"Unknown measure 'g' for kernel `toy`; valid measures are \['f', 'wave', 'z'\]",
        ),
        (
            lambda: Sweep("toy", (Axis("a", [1.0]),), ("f",), fixed={"zz": 1}),
            r"Unknown parameter 'zz'",
        ),
        (
            lambda: Sweep("nope", (Axis("a", [1.0]),), ("f",)),
            r"Argument `kernel` must be one of .*'toy'.*, but got 'nope'",
        ),
        (
            lambda: Sweep("toy", (Axis("a", [1.0]),), ("f",), settings={"tol": 1}),
            r"Unknown setting\(s\) \['tol'\] for kernel `toy`",
        ),
        (
            lambda: Sweep("toy", (Axis("b", [-1.0, 1.0]),), ("f",)),
            r"Argument `b` must be non-negative",
        ),
    ],
)
def test_bad_declarations_are_refused_before_computing(make, match, monkeypatch):
    calls = sk.ToyKernel.calls
    with pytest.raises(ValueError, match=match):
        run_sweep(make(), progress=False)
    assert sk.ToyKernel.calls == calls


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Axis("a", []), r"Axis `a` must have at least one value, but got none"),
        (lambda: Axis("a", [0.0, np.nan]), r"Axis `a` must have finite values"),
        (lambda: Axis.logspace("a", 0.0, 1.0, 3), r"Axis `a` with logspace needs start > 0"),
        (
            lambda: Sweep("toy", (Axis("a", [1.0]),), ("f",), fixed={"a": 2}),
            r"Parameters \['a'\] are declared both as an axis and as fixed",
        ),
        (
            lambda: Sweep("toy", (Axis("a", [1.0]), Axis("a", [2.0])), ("f",)),
            r"must have distinct names, but \['a'\] repeat",
        ),
        (lambda: Sweep("toy", (), ("f",)), r"must contain at least one axis"),
        (lambda: Sweep("toy", (Axis("a", [1.0]),), ()), r"must name at least one measure"),
        (
            lambda: Sweep("toy", (Axis("a", [1.0]),), ("f",), fixed={"b": np.inf}),
            r"Fixed parameter `b` must be finite",
        ),
    ],
)
def test_bad_axes_and_sweeps(make, match):
    with pytest.raises(ValueError, match=match):
        make()


class _Dev(dict):
    pass


def test_chunk_size_adapts_to_device_and_memory():
    sweep, kernel, settings = prepare_sweep(sk.toy_sweep(na=1000, nb=100, chunk_size=None))
    cpu = choose_chunk_size(sweep, kernel, settings, [{"platform": "cpu", "memory": 2**34}])
    gpu = choose_chunk_size(sweep, kernel, settings, [{"platform": "gpu", "memory": 2**34}])
    assert cpu <= 4096 < gpu
    # memory-bound: 64 bytes per point (toy), a quarter of 64 KiB on CPU -> 256 points,
    # rounded down to whole rows of b (100 points each) -> 200
    tiny = choose_chunk_size(sweep, kernel, settings, [{"platform": "cpu", "memory": 2**16}])
    assert tiny == 200
    # two workers spread the grid over at least 8 chunks
    two = choose_chunk_size(sweep, kernel, settings, [{"platform": "cpu", "memory": 2**34}] * 2)
    assert -(-sweep.size // two) >= 8


def test_engine_without_store_accepts_explicit_chunk_size():
    ds = engine_run(sk.toy_sweep(chunk_size=None), progress=False, chunk_size=6)
    assert ds["f"].shape == (7, 5)
