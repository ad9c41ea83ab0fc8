"""The paper's closed forms (Murtadho et al., Eqs. 9-13) against the numerical steady state.

Numerical references: the dense Liouvillian null space (N <= 8) and the
structured reduced solver (any N). The closed forms are hand-derived
(docs/maser.md); tolerances are relative 1e-10 (direct linear solves).
"""

import math

import numpy as np
import pytest
import scipy.optimize

from qsynchro.measures.smax_closed_form import (
    optimal_phases_N2,
    scaled_smax_refrigerator,
    scaled_smax_refrigerator_limit,
    smax_N2,
)
from qsynchro.models.maser import Maser
from qsynchro.solvers.maser_analytic import (
    F,
    F_coefficients,
    coherences_homogeneous,
    phase_preferences,
    steady_state_closed_form,
)
from qsynchro.solvers.steady import steady_state_dense, structured_steady_state

# Fig. 2 parameters: gamma_c = 0.2, gamma_h = 0.05, n_c = 0.5, lam = 0.1 (omega_1 = 1)
FIG2 = dict(gamma_h=0.05, gamma_c=0.2)
REGIMES = {"engine": 50.0, "refrigerator": 0.2}  # n_h, with n_c = 0.5


@pytest.mark.parametrize("regime", list(REGIMES))
@pytest.mark.parametrize("N", [1, 2, 3, 5, 8])
def test_eqs_9_10_against_dense(N, regime):
    """Eq. 9: rho_1j = i lam (n_c-n_h) g_c g_h (1+n_h)/F;
    Eq. 10: rho_jl = lam^2 g_c (n_c-n_h)/F, with F = A N^2 + B N + C."""
    m = Maser(N, 0.1, REGIMES[regime], 0.5, **FIG2)
    rho = steady_state_dense(m)
    rho_1j, rho_jl = coherences_homogeneous(m)
    np.testing.assert_allclose(rho[1, 2:], rho_1j, rtol=1e-10, atol=1e-16)
    off = rho[2:, 2:][~np.eye(N, dtype=bool)]
    np.testing.assert_allclose(off, rho_jl, rtol=1e-10, atol=1e-16)


@pytest.mark.parametrize("n_h", [0.0, 0.1, 0.5, 3.0, 100.0])
def test_F_is_quadratic_with_positive_coefficients(n_h):
    """F(N) extracted from the numerical rho_1j is exactly A N^2 + B N + C, A, B, C > 0."""
    gamma_h, gamma_c, n_c, lam = 0.07, 0.3, 0.8, 0.13
    Ns = np.array([1, 2, 3, 7, 40, 1000, 10**6])
    F_num = []
    for N in Ns:
        s = structured_steady_state(Maser(int(N), lam, n_h, n_c, gamma_h, gamma_c))
        rho_1j = s.element(1, 2)
        if n_h == n_c:
            continue
        F_num.append(1j * lam * (n_c - n_h) * gamma_c * gamma_h * (1 + n_h) / rho_1j)
    F_num = np.array(F_num)
    np.testing.assert_allclose(F_num.imag, 0, atol=1e-9 * np.abs(F_num).max())
    np.testing.assert_allclose(F_num.real, F(Ns, n_h, n_c, gamma_h, gamma_c, lam), rtol=1e-9)
    A, B, C = F_coefficients(n_h, n_c, gamma_h, gamma_c, lam)
    assert B > 0 and C > 0 and (A > 0 if n_h > 0 else A == 0)


@pytest.mark.parametrize("regime", list(REGIMES))
def test_phase_preferences(regime):
    """Text after Eq. 10: refrigerator Phi_j1 = 3pi/2, Phi_jl = 0; engine pi/2 and pi."""
    m = Maser(5, 0.1, REGIMES[regime], 0.5, **FIG2)
    rho = steady_state_dense(m)
    expect = {"refrigerator": (1.5 * np.pi, 0.0), "engine": (0.5 * np.pi, np.pi)}[regime]
    assert phase_preferences(m) == pytest.approx(expect, abs=1e-12)
    np.testing.assert_allclose(np.mod(np.angle(rho[2:, 1]), 2 * np.pi), expect[0], atol=1e-10)
    off = rho[2:, 2:][~np.eye(5, dtype=bool)]
    np.testing.assert_allclose(np.mod(np.angle(off) + 0.1, 2 * np.pi) - 0.1, expect[1], atol=1e-10)


def _numerical_smax_N2(rho):
    """Literal Eq. 4 for the (4, 4) state of N = 2, maximized over the phases by a dense
    grid and a Nelder-Mead polish. Level |0> carries no coherence (rho_0x = 0), so its
    phase is irrelevant; phi_1 = 0 fixes the global phase, leaving (phi_21, phi_31)."""
    D = rho.shape[0]
    offdiag = rho - np.diag(np.diag(rho))

    def S(x):
        e = np.exp(1j * np.array([0.0, 0.0, x[0], x[1]]))
        # sum_{n != m} rho_nm e^{i(phi_m - phi_n)} = e^* . (rho - diag) . e
        return (np.conj(e) @ offdiag @ e).real / (2 ** (D + 1) * np.pi ** (D - 2))

    grid = np.linspace(0, 2 * np.pi, 73)[:-1]
    vals = [(S((a, b)), (a, b)) for a in grid for b in grid]
    x0 = max(vals)[1]
    res = scipy.optimize.minimize(
        lambda x: -S(x),
        x0,
        method="Nelder-Mead",
        options=dict(xatol=1e-11, fatol=1e-18, maxiter=20000),
    )
    return -res.fun, res.x


@pytest.mark.parametrize(
    ("n_h", "lam"), [(0.2, 0.1), (50.0, 0.1), (50.0, 2.55 / 3), (50.0, 2.55 / 0.75)]
)
def test_eq_11_12_for_N2(n_h, lam):
    """Eq. 11 (S_max for N = 2, k = gamma_h (1 + n_h)/lam) and Eq. 12 (optimal phases
    phi_21 = phi_2 - phi_1, phi_31 = phi_3 - phi_1) against a brute-force maximization of
    Eq. 4 on the dense steady state. (n_h = 50, n_c = 0.5 is Fig. 2's n_h/n_c = 100;
    lam = 2.55/3 and 2.55/0.75 give k = 3 and k = 0.75 as in Fig. 2(a, b).)"""
    m = Maser(2, lam, n_h, 0.5, **FIG2)
    rho = steady_state_dense(m)
    value, (phi21, phi31) = _numerical_smax_N2(rho)
    assert smax_N2(m) == pytest.approx(value, rel=1e-9)
    dist = min(
        np.hypot(np.angle(np.exp(1j * (phi21 - a))), np.angle(np.exp(1j * (phi31 - b))))
        for a, b in optimal_phases_N2(m)
    )
    assert dist < 1e-4


def test_eq_13_limit():
    """Eq. 13: (2 pi)^N S_max -> g_c (n_c - n_h) / (8 n_h [g_c (1 + n_c) + g_h (1 + n_h)]);
    the finite-N l1 sum approaches it like 1/N, independently of lam."""
    n_h, n_c = 0.2, 0.5
    lim = scaled_smax_refrigerator_limit(n_h, n_c, **FIG2)
    assert lim == pytest.approx(0.2 * 0.3 / (8 * 0.2 * (0.2 * 1.5 + 0.05 * 1.2)))
    for lam in (0.01, 0.1, 1.0):
        vals = [scaled_smax_refrigerator(Maser(N, lam, n_h, n_c, **FIG2)) for N in (10**5, 10**6)]
        # error ~ c/N: Richardson extrapolation from two N
        extrap = (10 * vals[1] - vals[0]) / 9
        assert extrap == pytest.approx(lim, rel=1e-6)
        assert vals[1] == pytest.approx(lim, rel=1e-3)
    # the finite-N closed form is the l1 sum of the numerical state (N = 6)
    m = Maser(6, 0.1, n_h, n_c, **FIG2)
    rho = steady_state_dense(m)
    l1 = np.abs(np.triu(rho, 1)).sum()
    assert scaled_smax_refrigerator(m) == pytest.approx(0.25 * l1, rel=1e-10)
    assert math.isinf(scaled_smax_refrigerator_limit(0.0, n_c, **FIG2))


@pytest.mark.parametrize("Omega", [None, 1.7])
@pytest.mark.parametrize("N", [1, 2, 4])
def test_closed_form_state(N, Omega):
    rng = np.random.default_rng(N)
    lam = 0.2 * (rng.normal(size=N) + 1j * rng.normal(size=N))
    for n_h in (0.1, 4.0):
        m = Maser(N, lam, n_h, 0.5, 0.06, 0.15, Omega=Omega)
        np.testing.assert_allclose(
            steady_state_closed_form(m).dense(), steady_state_dense(m), atol=1e-12
        )
    big = Maser(10**6, 0.003, 0.3, 0.5, 0.06, 0.15, Omega=2.1)
    a, b = steady_state_closed_form(big), structured_steady_state(big)
    np.testing.assert_allclose(a.block, b.block, atol=1e-14, rtol=1e-9)
    assert a.p_dark == pytest.approx(b.p_dark, rel=1e-10)


def test_bad_input():
    with pytest.raises(ValueError, match="needs homogeneous driving"):
        coherences_homogeneous(Maser(2, [0.1, 0.2], 1.0, 0.5, 0.05, 0.2))
    with pytest.raises(ValueError, match="needs resonant driving"):
        coherences_homogeneous(Maser(2, 0.1, 1.0, 0.5, 0.05, 0.2, Omega=2.5))
    with pytest.raises(ValueError, match="refrigerator regime"):
        scaled_smax_refrigerator_limit(1.0, 0.5, 0.05, 0.2)
    with pytest.raises(ValueError, match="refrigerator regime"):
        scaled_smax_refrigerator(Maser(2, 0.1, 1.0, 0.5, 0.05, 0.2))
    with pytest.raises(ValueError, match="Argument `n_h` must be non-negative"):
        F_coefficients(-1.0, 0.5, 0.05, 0.2, 0.1)
    with pytest.raises(ValueError, match=r"Eq\. \(11\) is for N = 2, but got N = 3"):
        smax_N2(Maser(3, 0.1, 1.0, 0.5, 0.05, 0.2))
    with pytest.raises(ValueError, match="needs `Delta` = 0"):
        steady_state_closed_form(Maser(3, 0.1, 1.0, 0.5, 0.05, 0.2, Delta=0.2))


@pytest.mark.parametrize("lam", [0.1, -0.1, 0.1j, -0.07 - 0.07j])
def test_phase_preferences_follow_the_drive_phase(lam):
    """Phi_j1 = arg rho_j1 and Phi_jl = arg rho_jl of the numerical state, in [0, 2 pi),
    for complex drive amplitudes (rho_j1 turns with arg lam, rho_jl does not), and NaN when
    the coherences vanish (n_h = n_c)."""
    m = Maser(3, lam, 5.0, 0.5, **FIG2)
    rho = steady_state_dense(m)
    got = phase_preferences(m)
    assert all(0.0 <= g < 2 * np.pi for g in got)
    want = (np.mod(np.angle(rho[2, 1]), 2 * np.pi), np.mod(np.angle(rho[2, 3]), 2 * np.pi))
    # angles compared on the circle
    np.testing.assert_allclose(np.exp(1j * np.array(got)), np.exp(1j * np.array(want)), atol=1e-10)
    assert np.all(np.isnan(phase_preferences(Maser(3, lam, 0.5, 0.5, **FIG2))))


def test_homogeneous_drive_given_as_an_array():
    """lam_j all equal but passed as an array is homogeneous driving: Eqs. (9)-(12) give the
    same numbers as for the scalar; unequal entries are refused."""
    nh = 5.0
    scalar = Maser(2, 0.12, nh, 0.5, **FIG2)
    array = Maser(2, np.array([0.12, 0.12]), nh, 0.5, **FIG2)
    for f in (coherences_homogeneous, smax_N2, phase_preferences, optimal_phases_N2):
        np.testing.assert_allclose(np.asarray(f(array)), np.asarray(f(scalar)), rtol=1e-14)
    with pytest.raises(ValueError, match="needs homogeneous driving"):
        smax_N2(Maser(2, np.array([0.12, 0.1]), nh, 0.5, **FIG2))


def test_refrigerator_limit_needs_n_h_below_n_c():
    """The large-N refrigerator limit exists only for n_h < n_c (at n_h = n_c S_max = 0)."""
    with pytest.raises(ValueError, match="refrigerator regime"):
        scaled_smax_refrigerator_limit(0.5, 0.5, 0.05, 0.2)
    assert scaled_smax_refrigerator_limit(0.49, 0.5, 0.05, 0.2) > 0
