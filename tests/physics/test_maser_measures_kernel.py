"""The "maser" sweep kernel: every measure equals the direct computation on the model."""

from __future__ import annotations

import numpy as np
import pytest

from qsynchro.experiments.runner import run_sweep
from qsynchro.measures.coherence import entrainment, l1_coherence
from qsynchro.measures.husimi import phase_distribution
from qsynchro.measures.smax import s_max
from qsynchro.models.maser import Maser
from qsynchro.solvers.steady import structured_steady_state
from qsynchro.sweeps.grid import Axis, Sweep
from qsynchro.sweeps.maser import DEFAULTS, drive_amplitudes


def model_at(
    N: int,
    *,
    realization: int = -1,
    seed: int = 0,
    lam: float = 0.1,
    lam_ratio: float = 1.0,
    nh_over_nc: float = 10.0,
    detuning: float = 0.0,
) -> Maser:
    d = DEFAULTS
    lams = drive_amplitudes(N, lam, lam_ratio, realization, seed)
    return Maser(
        N,
        lams,
        n_h=nh_over_nc * d["n_c"],
        n_c=d["n_c"],
        gamma_h=d["gamma_h"],
        gamma_c=d["gamma_c"],
        Omega=(d["omega_2"] - d["omega_1"]) + detuning,
    )


def test_scalar_measures_match_direct_computation() -> None:
    sw = Sweep(
        "maser",
        axes=(
            Axis("N", [1.0, 3.0, 7.0]),
            Axis("realization", [-1.0, 0.0, 4.0]),
            Axis("nh_over_nc", [0.4, 30.0]),
        ),
        measures=(
            "S_max",
            "S_max_scaled",
            "upper_bound",
            "gap",
            "entrainment",
            "entrainment_scaled",
            "l1_coherence",
            "log_S_max",
        ),
        fixed={"detuning": 0.3, "seed": 3},
    )
    ds = run_sweep(sw, progress=False)
    assert int(ds.attrs["n_ok"]) == 18
    for N in (1, 3, 7):
        for real in (-1, 0, 4):
            for r in (0.4, 30.0):
                m = model_at(N, realization=real, seed=3, nh_over_nc=r, detuning=0.3)
                ref = s_max(m)
                pt = ds.sel(N=float(N), realization=float(real), nh_over_nc=r)
                assert float(pt.S_max) == pytest.approx(ref.value, rel=1e-10)
                assert float(pt.S_max_scaled) == pytest.approx(ref.scaled, rel=1e-10)
                assert float(pt.upper_bound) >= float(pt.S_max)
                assert float(pt.gap) <= 1e-12 * float(pt.S_max)
                assert float(pt.entrainment) == pytest.approx(entrainment(m), rel=1e-10)
                assert float(pt.entrainment_scaled) == pytest.approx(
                    entrainment(m, scaled=True), rel=1e-10
                )
                assert float(pt.l1_coherence) == pytest.approx(l1_coherence(m), rel=1e-10)
                assert float(pt.log_S_max) == pytest.approx(ref.log_value, rel=1e-12)


def test_lam_ratio_k_and_nh_over_nc_mapping() -> None:
    """Fig. 2 parameters: lam_3 = lam_2 * lam_ratio; k sets lam_2 = gamma_h (1 + n_h) / k."""
    sw = Sweep(
        "maser",
        axes=(Axis("lam_ratio", [0.2, 1.0]),),
        measures=("S_max", "abs_rho_12", "abs_rho_23", "k_eff", "lam_eff"),
        fixed={"N": 2, "nh_over_nc": 100.0},
    )
    ds = run_sweep(sw, progress=False)
    for ratio in (0.2, 1.0):
        m = model_at(2, lam_ratio=ratio, nh_over_nc=100.0)
        rho = structured_steady_state(m).dense()
        pt = ds.sel(lam_ratio=ratio)
        assert float(pt.lam_eff) == pytest.approx(0.1 * np.hypot(1, ratio))
        assert float(pt.abs_rho_12) == pytest.approx(abs(rho[1, 2]), rel=1e-10)
        assert float(pt.abs_rho_23) == pytest.approx(abs(rho[2, 3]), rel=1e-10)
    sw = Sweep(
        "maser",
        axes=(Axis("k", [0.75, 3.0]),),
        measures=("k_eff", "lam_eff"),
        fixed={"N": 2, "nh_over_nc": 100.0},
    )
    ds = run_sweep(sw, progress=False)
    np.testing.assert_allclose(ds.k_eff.values, [0.75, 3.0], rtol=1e-14)
    np.testing.assert_allclose(ds.lam_eff.values, np.sqrt(2) * 0.05 * 51 / np.array([0.75, 3]))


def test_varphi_and_phase_distribution_measures() -> None:
    sw = Sweep(
        "maser",
        axes=(Axis("realization", [0.0, 1.0]),),
        measures=("varphi",),
        fixed={"N": 4},
        settings={"n_phases": 4},
    )
    ds = run_sweep(sw, progress=False)
    assert list(ds.j.values) == [2, 3, 4, 5]
    for real in (0, 1):
        ref = s_max(model_at(4, realization=real))
        np.testing.assert_allclose(ds.varphi.sel(realization=float(real)).values, ref.varphi)
    sw = Sweep(
        "maser",
        axes=(Axis("k", [0.75]),),
        measures=("phase_distribution",),
        fixed={"N": 2, "nh_over_nc": 100.0},
        settings={"phase_points": 5},
    )
    ds = run_sweep(sw, progress=False)
    rho = structured_steady_state(model_at(2, lam=0.05 * 51 / 0.75, nh_over_nc=100.0)).dense()
    g = ds.varphi_21.values
    for i, v21 in enumerate(g):
        for j, v31 in enumerate(ds.varphi_31.values):
            ref = phase_distribution(rho, np.array([0.0, -v31, v21 - v31]))
            assert float(ds.phase_distribution[0, i, j]) == pytest.approx(float(ref), abs=1e-18)


def test_random_drives_are_nested_in_N() -> None:
    a = drive_amplitudes(6, 0.1, realization=3, seed=1)
    b = drive_amplitudes(9, 0.1, realization=3, seed=1)
    np.testing.assert_array_equal(a, b[:6])
    assert a[0] == 0.1 and np.all((a[1:] >= 0) & (a[1:] <= 0.1))


def test_failed_point_and_validation() -> None:
    sw = Sweep("maser", axes=(Axis("gamma_h", [0.0, 0.05]),), measures=("S_max",), fixed={"N": 3})
    ds = run_sweep(sw, progress=False)
    assert list(ds.status.values) == [2, 0]
    assert "not unique" in str(ds.status_reason.values[0])
    assert np.isnan(ds.S_max.values[0]) and ds.S_max.values[1] > 0
    bad = [
        ({"N": 2.5}, "Parameter `N` must be an integer >= 1, but got 2.5"),
        ({"N": 0.0}, "Parameter `N` must be an integer >= 1, but got 0.0"),
        ({"gamma_c": -1.0}, "Parameter `gamma_c` must be non-negative, but got -1.0"),
        ({"lam_ratio": -0.5}, "Parameter `lam_ratio` must be non-negative, but got -0.5"),
        ({"omega_2": 0.5}, "Parameter `omega_2` must be larger than `omega_1`"),
        ({"realization": -2.0}, "Parameter `realization` must be an integer >= -1"),
    ]
    for fixed, msg in bad:
        with pytest.raises(ValueError, match=msg.replace("(", r"\(")):
            run_sweep(
                Sweep("maser", axes=(Axis("lam", [0.1]),), measures=("S_max",), fixed=fixed),
                progress=False,
            )
    with pytest.raises(ValueError, match=r"Measure `varphi` needs N == settings\.n_phases = 20"):
        run_sweep(Sweep("maser", axes=(Axis("N", [3.0]),), measures=("varphi",)), progress=False)
    with pytest.raises(ValueError, match="Measure `phase_distribution` needs N = 2"):
        run_sweep(
            Sweep("maser", axes=(Axis("N", [3.0]),), measures=("phase_distribution",)),
            progress=False,
        )
