"""Steady states of the degenerate maser (Murtadho et al., Eq. 8): dense, structured, QuTiP.

The three routes are independent: the dense solver uses the full Liouvillian,
the structured solver only a 10-unknown reduced problem derived from the
U(N-1) symmetry of the dark subspace, and QuTiP builds the model from its own
operators (collapse operators sqrt(2 Gamma) X for the factor-2 dissipator of Eq. 7).
Agreement is asked to 1e-10 (all are direct linear solves of well-conditioned
systems of size <= 100).
"""

import numpy as np
import pytest
import qutip
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qsynchro.equations import lindblad
from qsynchro.equations.maser import (
    dissipator,
    dissipator_superoperator,
    jump_operators,
    rotating_hamiltonian,
    rotating_liouvillian,
)
from qsynchro.models.maser import Maser
from qsynchro.models.network import Network
from qsynchro.solvers.maser_analytic import steady_state_closed_form
from qsynchro.solvers.steady import (
    MaserState,
    reduced_steady_state,
    steady_state,
    steady_state_dense,
    structured_steady_state,
)

TOL = 1e-10
REGIMES = {"engine": (5.0, 0.5), "refrigerator": (0.2, 0.5)}


def random_model(rng, N, regime, Omega=None, Delta=0.0, complex_lam=True):
    n_h, n_c = REGIMES[regime]
    lam = 0.1 * rng.normal(size=N)
    if complex_lam:
        lam = lam + 0.1j * rng.normal(size=N)
    return Maser(
        N, lam, n_h, n_c, gamma_h=0.05 + 0.1 * rng.random(), gamma_c=0.2, Omega=Omega, Delta=Delta
    )


def qutip_steady(m: Maser) -> np.ndarray:
    """Build Eq. 8 in QuTiP from scratch and call qutip.steadystate."""
    D, N = m.D, m.N
    ket = [qutip.basis(D, n) for n in range(D)]
    Om = m.drive_frequency
    H = (m.omega_1 + Om / 2) * ket[1] * ket[1].dag()
    for j in range(2, D):
        H += (m.omega_2 + (j - 2) * m.Delta - Om / 2) * ket[j] * ket[j].dag()
        lam = complex(m.lam if m.homogeneous else m.lam[j - 2])
        H += lam * ket[1] * ket[j].dag() + np.conj(lam) * ket[j] * ket[1].dag()
    g_h1 = m.gamma_h * (1 + m.n_h)
    g_h2 = m.gamma_h * m.n_h
    g_c1 = m.gamma_c * (1 + m.n_c)
    g_c2 = m.gamma_c * m.n_c
    c_ops = [np.sqrt(2 * g_c1) * ket[0] * ket[1].dag(), np.sqrt(2 * g_c2) * ket[1] * ket[0].dag()]
    for j in range(2, D):
        c_ops += [np.sqrt(2 * g_h1) * ket[0] * ket[j].dag()]
        c_ops += [np.sqrt(2 * g_h2) * ket[j] * ket[0].dag()]
    del N
    return qutip.steadystate(qutip.liouvillian(H, c_ops)).full()


def assert_density_matrix(rho):
    np.testing.assert_allclose(rho, rho.conj().T, atol=1e-14)
    assert np.trace(rho).real == pytest.approx(1.0, abs=1e-13)
    assert np.linalg.eigvalsh(rho).min() > -1e-13


@pytest.mark.parametrize("regime", list(REGIMES))
@pytest.mark.parametrize("Omega", [None, 2.3])
@pytest.mark.parametrize("N", [1, 2, 3, 5, 8])
def test_structured_equals_dense(N, regime, Omega):
    m = random_model(np.random.default_rng(N), N, regime, Omega)
    s = structured_steady_state(m)
    rho = s.dense()
    assert_density_matrix(rho)
    np.testing.assert_allclose(rho, steady_state_dense(m), atol=TOL)
    # the dense matrix really is stationary under the generator of Eq. 8
    L = rotating_liouvillian(m)
    assert np.abs(L @ rho.ravel()).max() < TOL


@pytest.mark.parametrize("regime", list(REGIMES))
@pytest.mark.parametrize(("N", "Omega", "Delta"), [(2, None, 0.0), (4, 2.2, 0.0), (3, None, 0.05)])
def test_against_qutip(N, regime, Omega, Delta):
    m = random_model(np.random.default_rng(10 + N), N, regime, Omega, Delta)
    np.testing.assert_allclose(steady_state(m), qutip_steady(m), atol=1e-9)


def test_liouvillian_matches_generic_builder():
    """Direct matrix-unit builder == lindblad.liouvillian(convention='murtadho')."""
    m = random_model(np.random.default_rng(3), 3, "engine", Omega=2.1, Delta=0.1)
    ops, rates = jump_operators(m)
    L = lindblad.liouvillian(rotating_hamiltonian(m), ops, rates, convention="murtadho")
    np.testing.assert_allclose(rotating_liouvillian(m), L, atol=1e-15)
    np.testing.assert_allclose(
        dissipator_superoperator(m),
        lindblad.liouvillian(0 * ops[0], ops, rates, convention="murtadho"),
        atol=1e-15,
    )
    rho = np.random.default_rng(0).normal(size=(m.D, m.D)) + 0j
    lit = sum(r * lindblad.dissipator(o, rho, convention="murtadho") for o, r in zip(ops, rates))
    np.testing.assert_allclose(dissipator(m, rho), lit, atol=1e-14)


def test_dark_structure_and_element():
    m = random_model(np.random.default_rng(7), 6, "refrigerator", Omega=2.4)
    s = structured_steady_state(m)
    rho = s.dense()
    assert isinstance(s, MaserState) and s.N == 6
    # dark projector: orthogonal complement of |B> inside the manifold
    w = s.weights
    P_dark = np.eye(6) - np.outer(w, w.conj())
    evals, evecs = np.linalg.eigh(P_dark)
    dark = evecs[:, evals > 0.5]  # (6, 5)
    M = rho[2:, 2:]
    np.testing.assert_allclose(dark.conj().T @ M @ dark, s.p_dark * np.eye(5), atol=1e-14)
    np.testing.assert_allclose(dark.conj().T @ M @ w, 0, atol=1e-14)  # dark-bright
    np.testing.assert_allclose(dark.conj().T @ rho[2:, :2], 0, atol=1e-14)  # dark-others
    # U(1) symmetry of the ground level: no coherence with |0>
    np.testing.assert_allclose(rho[0, 1:], 0, atol=1e-15)
    for n, k in [(0, 0), (1, 3), (4, 1), (2, 7), (5, 5), (7, 0)]:
        assert s.element(n, k) == pytest.approx(rho[n, k], abs=1e-15)
    np.testing.assert_allclose(s.populations(), np.diag(rho).real, atol=1e-15)
    with pytest.raises(ValueError, match="Argument `n` must be at most 7"):
        s.element(8, 0)


def test_detailed_balance_without_drive():
    """lam = 0: product of thermal ratios, p_j/p_0 = n_h/(1+n_h), p_1/p_0 = n_c/(1+n_c)."""
    m = Maser(4, 0.0, 0.7, 0.3, 0.05, 0.2)
    rho = steady_state(m)
    p = np.diag(rho).real
    np.testing.assert_allclose(p[1] / p[0], 0.3 / 1.3, rtol=1e-12)
    np.testing.assert_allclose(p[2:] / p[0], 0.7 / 1.7, rtol=1e-12)
    np.testing.assert_allclose(rho - np.diag(p), 0, atol=1e-15)


def test_large_N_structured():
    """N = 10^6: trace and positivity of the structured state, without the dense matrix."""
    m = Maser(10**6, 0.01, 0.1, 0.5, 0.05, 0.2)
    s = structured_steady_state(m)
    tr = np.trace(s.block).real + (m.N - 1) * s.p_dark
    assert tr == pytest.approx(1.0, abs=1e-12)
    assert np.linalg.eigvalsh(s.block).min() >= 0 and s.p_dark >= 0
    # the dark population is in detailed balance with the ground level (hot bath only)
    assert s.p_dark == pytest.approx(s.block[0, 0].real * 0.1 / 1.1, rel=1e-10)


def test_reduced_batched():
    lam_eff = np.array([0.0, 0.1, 0.3])[:, None]
    n_h = np.array([0.2, 5.0])
    block, p_dark = reduced_steady_state(4, lam_eff, n_h, 0.5, 0.05, 0.2, 0.3)
    assert block.shape == (3, 2, 3, 3) and p_dark.shape == (3, 2)
    for a in range(3):
        for b in range(2):
            s = structured_steady_state(
                Maser(4, float(lam_eff[a, 0]) / 2, n_h[b], 0.5, 0.05, 0.2, Omega=2.3)
            )
            np.testing.assert_allclose(block[a, b], s.block, atol=1e-14)
            assert p_dark[a, b] == pytest.approx(s.p_dark, abs=1e-15)
    # non-unique points come back as NaN, not as an exception
    block, p_dark = reduced_steady_state(3, 0.1, 1.0, 0.5, 0.0, 0.2)
    assert np.isnan(p_dark) and np.all(np.isnan(block))


def test_bad_input():
    with pytest.raises(ValueError, match="not unique for `gamma_h` = 0"):
        structured_steady_state(Maser(2, 0.1, 1.0, 0.5, 0.0, 0.2))
    with pytest.raises(ValueError, match="not unique for `gamma_c` = 0 without drive"):
        steady_state(Maser(2, 0.0, 1.0, 0.5, 0.1, 0.0))
    with pytest.raises(ValueError, match=r"exactly degenerate manifold, but got `Delta` = 0\.1"):
        structured_steady_state(Maser(2, 0.1, 1.0, 0.5, 0.1, 0.2, Delta=0.1))
    with pytest.raises(ValueError, match="dense solver allows N <= 60"):
        steady_state_dense(Maser(61, 0.1, 1.0, 0.5, 0.1, 0.2))
    with pytest.raises(ValueError, match="use structured_steady_state"):
        steady_state(Maser(10**5, 0.1, 1.0, 0.5, 0.1, 0.2))
    with pytest.raises(
        TypeError, match=r"steady_state\(\) supports Maser, Oscillator and DrivenOscillator"
    ):
        steady_state(np.eye(3))
    with pytest.raises(
        TypeError, match=r"Network\. A mean-field Network is nonlinear: use attractor"
    ):
        steady_state(Network.two_groups(0.1, 0.0, 1.0, 0.5, 0.5))
    with pytest.raises(TypeError, match=r"keyword parameters only for an Oscillator.*\['n_h'\]"):
        steady_state(Maser(2, 0.1, 1.0, 0.5, 0.1, 0.2), n_h=2.0)
    with pytest.raises(ValueError, match="numerically not unique"):
        structured_steady_state(Maser(2, 0.0, 1.0, 0.0, 1.0, 1e-280))


@settings(max_examples=40, deadline=None)
@given(
    N=st.integers(1, 5),
    n_h=st.floats(0.0, 10.0),
    n_c=st.floats(0.0, 10.0),
    gamma_h=st.floats(0.01, 1.0),
    gamma_c=st.one_of(st.just(0.0), st.floats(0.01, 1.0)),
    lam_re=st.lists(st.floats(-1.0, 1.0), min_size=5, max_size=5),
    lam_im=st.lists(st.floats(-1.0, 1.0), min_size=5, max_size=5),
    detuning=st.floats(-1.0, 1.0),
)
def test_structured_equals_dense_property(N, n_h, n_c, gamma_h, gamma_c, lam_re, lam_im, detuning):
    """Random parameters (incl. zero temperature, no cold bath, zero drive amplitudes):
    the structured and the closed-form states equal the dense null space."""
    lam = np.array(lam_re[:N]) + 1j * np.array(lam_im[:N])
    assume(gamma_c > 0 or np.abs(lam).max() > 1e-3)
    m = Maser(N, lam, n_h, n_c, gamma_h, gamma_c, Omega=2.0 + detuning)
    rho = structured_steady_state(m).dense()
    assert_density_matrix(rho)
    np.testing.assert_allclose(rho, steady_state_dense(m), atol=1e-9)
    np.testing.assert_allclose(steady_state_closed_form(m).dense(), rho, atol=1e-9)


def test_rotating_rhs_and_lab_generator_are_the_literal_master_equation():
    """rotating_rhs (Eq. 8) and lab_liouvillian (Eqs. 5-7) against the literal factor-2
    Lindblad form built from the oracle dissipator and the model's Hamiltonians."""
    from oracles import dissipator as literal_dissipator
    from oracles import random_density_matrix
    from qsynchro.equations.lindblad import unvec, vec
    from qsynchro.equations.maser import (
        jump_operators,
        lab_hamiltonian,
        lab_liouvillian,
        rotating_hamiltonian,
        rotating_liouvillian,
        rotating_rhs,
    )

    rng = np.random.default_rng(4)
    m = Maser(3, np.array([0.1, 0.2j, -0.05]), 2.0, 0.5, 0.05, 0.2, Omega=2.2)
    rho = random_density_matrix(m.D, rng)
    ops, rates = jump_operators(m)
    bath = sum(2.0 * g * literal_dissipator(X, rho) for X, g in zip(ops, rates, strict=True))
    H = rotating_hamiltonian(m)
    want = -1j * (H @ rho - rho @ H) + bath
    np.testing.assert_allclose(rotating_rhs(m, rho), want, atol=1e-14)
    np.testing.assert_allclose(unvec(rotating_liouvillian(m) @ vec(rho)), want, atol=1e-14)
    t = 0.7
    Hl = lab_hamiltonian(m, t)
    want_lab = -1j * (Hl @ rho - rho @ Hl) + bath
    np.testing.assert_allclose(unvec(lab_liouvillian(m, t) @ vec(rho)), want_lab, atol=1e-14)
