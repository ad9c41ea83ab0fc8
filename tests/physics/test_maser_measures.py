r"""S_max of the degenerate maser: exact structured reduction vs the general optimizer, and
the paper's analytic results (Murtadho et al., PRL 131, 030401).

* Eq. (11): for N = 2, homogeneous resonant drive,
  :math:`16\pi^2 S_{\max} = |\rho_{12}|+|\rho_{13}|+|\rho_{23}|` (refrigerator),
  :math:`|\rho_{12}|+|\rho_{13}|-|\rho_{23}|` (engine, k > 2),
  :math:`(1+k^2/2)|\rho_{23}|` (engine, k <= 2), with
  :math:`k=\gamma_h(1+n_h)/\lambda=|\rho_{12}|/|\rho_{23}|`.
* Eq. (12): optimal phases :math:`(3\pi/2, 3\pi/2)`, :math:`(\pi/2,\pi/2)`, and
  :math:`(\chi,\pi-\chi)` & :math:`(\pi-\chi,\chi)` with :math:`\chi=\arcsin(k/2)`.
* Eq. (13): :math:`(2\pi)^N S_{\max}\to\gamma_c(n_c-n_h)/(8n_h[\gamma_c(1+n_c)+
  \gamma_h(1+n_h)])` in the refrigerator regime as N -> infinity.
* Refrigerator with homogeneous drive: S_max saturates the l1 bound
  :math:`C_{l_1}/(2^D\pi^{D-2})`; the engine does not (competition).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from qsynchro.measures.coherence import entrainment, l1_bound, l1_coherence
from qsynchro.measures.husimi import phase_distribution
from qsynchro.measures.smax import s_max, s_max_structured
from qsynchro.measures.smax_closed_form import (
    optimal_phases_N2,
    scaled_smax_refrigerator_limit,
    smax_N2,
)
from qsynchro.models.maser import Maser
from qsynchro.solvers.steady import steady_state_dense, structured_steady_state

PAPER = {"n_c": 0.5, "gamma_h": 0.05, "gamma_c": 0.2}


def maser(N: int, lam, nh_over_nc: float) -> Maser:
    return Maser(N, lam, n_h=nh_over_nc * PAPER["n_c"], **PAPER)


def lam_for_k(k: float, n_h: float) -> float:
    return PAPER["gamma_h"] * (1 + n_h) / k


# ------------------------------------------------------------------ structure vs general
@pytest.mark.parametrize("N", [2, 3, 4, 5, 6])
@pytest.mark.parametrize("ratio", [10.0, 0.4])
def test_structured_smax_equals_certified_dense_optimum(N: int, ratio: float) -> None:
    """Exact reduction vs the general certified optimizer on the dense steady state."""
    rng = np.random.default_rng(N * 7 + int(ratio))
    for trial in range(2):
        lam = 0.3 * rng.random(N) * np.exp(2j * np.pi * rng.random(N))
        if trial == 1:
            lam[0] = 1.0  # one dominant amplitude: a_min = 2 max|w| - sum|w| > 0 possible
        m = maser(N, lam, ratio)
        st = s_max(m)
        assert st.method == "structured"
        dense = s_max(steady_state_dense(m))
        tol = 1e-10 * dense.value
        assert dense.value - tol <= st.value <= dense.upper_bound + tol
        assert st.value <= st.upper_bound <= st.value * (1 + 1e-12)
        # the structured phases attain the value on the dense state (Eq. 3)
        rho = structured_steady_state(m).dense()
        assert float(phase_distribution(rho, st.phases[:-1])) == pytest.approx(st.value, rel=1e-10)


def test_polygon_bounds_of_the_bright_overlap_are_reached() -> None:
    """Optimum at a_min > 0 (engine, one dominant drive): dense optimizer agrees."""
    lam = np.array([1.0, 0.05, 0.05, 0.05])
    m = maser(4, lam, 30.0)
    st = structured_steady_state(m)
    res = s_max_structured(st.block, st.p_dark, st.weights)
    dense = s_max(st.dense())
    assert res.value == pytest.approx(dense.value, rel=1e-10)
    assert "optimum at r" in res.certificate


def test_structured_phases_large_N() -> None:
    rng = np.random.default_rng(2)
    for ratio in (10.0, 0.4):
        m = maser(60, 0.1 * rng.random(60), ratio)
        res = s_max(m)
        rho = structured_steady_state(m).dense()
        assert float(phase_distribution(rho, res.phases[:-1])) == pytest.approx(res.value, rel=1e-9)
        assert res.varphi.shape == (60,)


def test_huge_N_scaled_stays_representable() -> None:
    m = maser(10**6, 0.1, 0.4)
    res = s_max(m)
    assert res.value == 0.0  # (2 pi)^{-10^6} underflows
    assert res.scaled > 0 and math.isfinite(res.log_value)
    assert res.log_value == pytest.approx(math.log(res.scaled) - 10**6 * math.log(2 * math.pi))
    assert res.varphi.shape == (10**6,)


# ------------------------------------------------------------------ Eqs. (11) and (12)
@pytest.mark.parametrize(
    ("nh_over_nc", "k"),
    [
        (0.4, None),
        (0.05, None),
        (100.0, 3.0),
        (10.0, 2.5),
        (100.0, 0.75),
        (10.0, 1.2),
        (100.0, 2.0),
    ],
)
def test_eq11_and_eq12_against_numerical_optimum(nh_over_nc: float, k: float | None) -> None:
    n_h = nh_over_nc * PAPER["n_c"]
    lam = 0.1 if k is None else lam_for_k(k, n_h)
    m = maser(2, lam, nh_over_nc)
    rho = steady_state_dense(m)
    general = s_max(rho)
    assert smax_N2(m) == pytest.approx(general.value, rel=1e-9)
    # Eq. 11 written with the numerical coherences and k = |rho_12|/|rho_23|
    a12, a13, a23 = abs(rho[1, 2]), abs(rho[1, 3]), abs(rho[2, 3])
    assert a12 / a23 == pytest.approx(m.k, rel=1e-10)
    kk = m.k
    if nh_over_nc < 1:
        eq11 = a12 + a13 + a23
    elif kk > 2:
        eq11 = a12 + a13 - a23
    else:
        eq11 = (1 + kk**2 / 2) * a23
    assert general.value == pytest.approx(eq11 / (16 * np.pi**2), rel=1e-9)
    # Eq. 12: our optimal phases are one of the printed points, and S at every printed
    # point equals S_max
    res = s_max(m)
    pts = optimal_phases_N2(m)
    d = [np.max(np.abs(np.angle(np.exp(1j * (res.varphi - np.asarray(p)))))) for p in pts]
    assert min(d) < 1e-6
    for v21, v31 in pts:
        ph = np.array([0.0, -v31, v21 - v31])  # phi_0 (free), phi_1, phi_2; phi_3 = 0
        assert float(phase_distribution(rho, ph)) == pytest.approx(general.value, rel=1e-10)
    if k is not None and k <= 2:
        chi = math.asin(k / 2)
        assert sorted(np.mod(res.varphi, 2 * np.pi)) == pytest.approx(
            sorted([chi, math.pi - chi]), abs=1e-6
        )


def test_smax_symmetric_under_sign_flip_of_a_drive() -> None:
    """lambda_j -> -lambda_j leaves S_max unchanged (text after Eq. 12)."""
    lam = np.array([0.1, 0.07, 0.03])
    for ratio in (10.0, 0.4):
        a = s_max(steady_state_dense(maser(3, lam, ratio)))
        flipped = lam * np.array([1, -1, 1])
        b = s_max(steady_state_dense(maser(3, flipped, ratio)))
        assert a.value == pytest.approx(b.value, rel=1e-10)


# ------------------------------------------------------------------ Eq. (13), l1 bound
def test_eq13_large_N_limit_refrigerator() -> None:
    """(2 pi)^N S_max -> Eq. 13 with O(1/N) corrections (homogeneous drive)."""
    limit = float(scaled_smax_refrigerator_limit(0.2, 0.5, 0.05, 0.2))
    errs = []
    for N in (10**3, 10**4, 10**5):
        errs.append(abs(s_max(maser(N, 0.1, 0.4)).scaled - limit) / limit)
    assert errs[-1] < 1e-3
    assert errs[2] < errs[1] < errs[0]
    assert errs[1] / errs[2] == pytest.approx(10, rel=0.2)  # ~1/N convergence


@pytest.mark.parametrize("N", [2, 3, 5, 8])
def test_refrigerator_saturates_l1_bound_engine_does_not(N: int) -> None:
    fridge = maser(N, 0.1, 0.4)
    r = s_max(fridge)
    assert r.value == pytest.approx(l1_bound(fridge), rel=1e-12)
    assert r.scaled == pytest.approx(l1_bound(fridge, scaled=True), rel=1e-12)
    assert np.allclose(r.varphi, 1.5 * np.pi, atol=1e-9)  # all phases at 3 pi / 2
    engine = maser(N, 0.1, 10.0)
    assert s_max(engine).value < 0.99 * l1_bound(engine)


def test_entrainment_and_l1_structured_match_dense() -> None:
    rng = np.random.default_rng(4)
    for ratio in (10.0, 0.4):
        m = maser(5, 0.1 * rng.random(5), ratio)
        st = structured_steady_state(m)
        rho = st.dense()
        assert l1_coherence(st) == pytest.approx(np.sum(np.abs(np.triu(rho, 1))), rel=1e-12)
        assert l1_coherence(m) == pytest.approx(l1_coherence(rho), rel=1e-12)
        ent = np.sum(np.abs(rho[1, 2:])) / 4
        assert entrainment(st, scaled=True) == pytest.approx(ent, rel=1e-12)
        assert entrainment(rho, scaled=True) == pytest.approx(ent, rel=1e-12)
        assert entrainment(m) == pytest.approx(ent / (2 * np.pi) ** 5, rel=1e-12)
    # Fig. 2 caption: (|rho_12| + |rho_13|) / (16 pi^2) for N = 2
    rho = steady_state_dense(maser(2, 0.1, 100.0))
    assert entrainment(rho) == pytest.approx(
        (abs(rho[1, 2]) + abs(rho[1, 3])) / (16 * np.pi**2), rel=1e-12
    )


def test_diagonal_maser_states_have_zero_smax() -> None:
    """n_h = n_c or lam = 0: the steady state is diagonal and S_max vanishes.

    From the model S_max is exactly 0 in both cases (n_h = n_c: the thermal state in closed
    form; lam = 0: the drive-free solve has exactly zero coherences). The dense null-space
    solver returns the coherences up to rounding (~1e-17), so there S_max is zero to
    rounding; an exactly diagonal matrix gives exactly 0 (method "zero").
    """
    ref = s_max(maser(3, 0.1, 10.0)).scaled
    for m in (maser(3, 0.1, 1.0), maser(3, 0.0, 10.0)):
        assert s_max(m).value == 0.0 and s_max(m).scaled == 0.0
        rho = steady_state_dense(m)
        assert s_max(rho).scaled <= 1e-12 * ref
        r = s_max(np.diag(np.diag(rho).real))
        assert r.value == 0.0 and r.upper_bound == 0.0 and r.method == "zero"


def test_polygon_construction_reaches_every_admissible_overlap() -> None:
    """|sum_j s_j u_j| takes every value in [max(0, 2 max s - sum s), sum s] (polygon)."""
    from qsynchro.measures.smax_structured import _polygon_phases

    rng = np.random.default_rng(11)
    for N in (2, 3, 7, 50, 3000):
        for dominant in (False, True):
            s = rng.random(N)
            if dominant:
                s[N // 2] = 2 * s.sum()
            T = s.sum()
            a_min = max(0.0, 2 * s.max() - T)
            for r in np.linspace(a_min, T, 9):
                u = _polygon_phases(s, float(r))
                np.testing.assert_allclose(np.abs(u), 1.0, atol=1e-14)
                total = np.sum(s * u)
                assert abs(total) == pytest.approx(r, abs=1e-12 * T)
                assert total.real >= -1e-12 * T and abs(total.imag) <= 1e-9 * T


def test_near_degenerate_model_uses_the_dense_route() -> None:
    """Delta != 0 has no bright/dark structure: s_max(model) certifies the dense state."""
    m = Maser(3, [0.1, 0.05, 0.08], n_h=5.0, Delta=0.02, **PAPER)
    r = s_max(m)
    assert r.method in ("sdp-dual", "branch-and-bound")
    assert r.value == pytest.approx(s_max(steady_state_dense(m)).value, rel=1e-12)
    assert r.gap <= 1e-8 * r.value
