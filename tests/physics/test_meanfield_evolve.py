"""Time evolution of Eq. 2: integrator order, invariants and symmetries."""

import numpy as np
import pytest
import scipy.linalg

from oracles import random_density_matrix
from qsynchro.equations.lindblad import liouvillian
from qsynchro.models.network import Network
from qsynchro.models.oscillator import spin1
from qsynchro.operators import ket_bra, spin_plus, spin_z
from qsynchro.solvers.evolve import evolve
from qsynchro.solvers.local import default_initial_state


def test_rk4_is_fourth_order_against_matrix_exponential():
    """With V = 0 Eq. 2 is the linear master equation of one oscillator,
    vec(rho)(t) = expm(L t) vec(rho)(0) with L built by equations.lindblad. Halving dt must
    divide the global error by 2^4 = 16 (ratio checked within [13, 19])."""
    rng = np.random.default_rng(3)
    d, K, gp, gm = 0.7, -1.3, 0.4, 1.0
    rho0 = random_density_matrix(3, rng, shape=(1,))
    H = d * spin_z(2) + K * ket_bra(3, 2, 2)
    L = liouvillian(H, [ket_bra(3, 1, 0), ket_bra(3, 1, 2)], [gp, gm])
    T = 4.0
    exact = (scipy.linalg.expm(L * T) @ rho0[0].reshape(-1)).reshape(3, 3)
    sp_exact = np.trace(exact @ spin_plus(2))
    m = Network.single_group(K, 0.0, gp, gm, detuning=d)
    errs = []
    for dt in (0.2, 0.1, 0.05):
        tr = evolve(m, T, rho0=rho0, dt=dt, n_samples=1)
        errs.append(np.max(np.abs(tr.rho_final[0] - exact)))
        assert abs(tr.s_plus[0, -1] - sp_exact) <= 2 * errs[-1] + 1e-14
    ratios = np.array(errs[:-1]) / np.array(errs[1:])
    assert np.all((ratios > 13) & (ratios < 19)), ratios


@pytest.mark.parametrize("G", [1, 2, 3])
def test_trace_hermiticity_positivity_preserved(G):
    """Eq. 2 is a Lindblad equation with a mean-field (c-number) dependent Hamiltonian, so
    the flow is trace preserving and completely positive: trace error at round-off level,
    smallest eigenvalue >= 0 (to 1e-7)."""
    rng = np.random.default_rng(10 + G)
    B = 6
    C = rng.uniform(0, 2, size=(B, G, G))
    C = 0.5 * (C + np.swapaxes(C, -1, -2))
    m = Network(
        spin1(),
        rng.normal(size=(B, G)),
        C,
        K=rng.normal(size=B),
        gamma_plus=rng.uniform(0.1, 1, B),
        gamma_minus=rng.uniform(0.5, 1.5, B),
    )
    tr = evolve(m, 50.0, dt=0.05, n_samples=200)
    assert np.all(tr.max_trace_error < 1e-12)
    assert np.all(tr.max_hermiticity_error == 0)
    assert np.all(tr.min_eigenvalue > -1e-7)
    ev = np.linalg.eigvalsh(tr.rho_final)
    assert np.all(ev > -1e-10)
    np.testing.assert_allclose(np.trace(tr.rho_final, axis1=-2, axis2=-1), 1.0, atol=1e-12)


def test_groups_independent_without_intergroup_coupling():
    """V_AB = 0: group A evolves exactly like a single group with detuning +delta/2."""
    two = Network.two_groups(1.3, 0.4, 1.0, 0.0, 0.5)
    one = Network.single_group(0.4, 1.0, 0.5, detuning=0.65)
    a = evolve(two, 60.0, dt=0.05, n_samples=100)
    b = evolve(one, 60.0, dt=0.05, n_samples=100)
    np.testing.assert_allclose(a.s_plus[0], b.s_plus[0], atol=1e-13)


def test_delta_sign_swaps_groups():
    """delta -> -delta exchanges A and B (identical initial states in both groups)."""
    m_plus = Network.two_groups(0.8, -0.5, 1.0, 0.5, 0.5)
    m_minus = Network.two_groups(-0.8, -0.5, 1.0, 0.5, 0.5)
    a = evolve(m_plus, 80.0, dt=0.05, n_samples=50)
    b = evolve(m_minus, 80.0, dt=0.05, n_samples=50)
    np.testing.assert_allclose(a.s_plus[::-1], b.s_plus, atol=1e-12)


def test_global_phase_rotation_is_a_symmetry():
    """Rotating the initial state by U = exp(-i theta S^z) in every group multiplies
    <S^+>(t) by exp(i theta) at all times (U(1) symmetry of Eq. 2)."""
    theta = 0.9
    rng = np.random.default_rng(5)
    rho0 = random_density_matrix(3, rng, shape=(2,))
    U = scipy.linalg.expm(-1j * theta * spin_z(2))
    rho_rot = U @ rho0 @ U.conj().T
    m = Network.two_groups(0.6, 0.3, 1.0, 0.7, 0.5)
    a = evolve(m, 40.0, rho0=rho0, dt=0.05, n_samples=40)
    b = evolve(m, 40.0, rho0=rho_rot, dt=0.05, n_samples=40)
    np.testing.assert_allclose(b.s_plus, np.exp(1j * theta) * a.s_plus, atol=1e-12)


def test_default_initial_state_is_documented_pure_state():
    eps = 1e-2
    rho = default_initial_state(Network.two_groups(0.3, 0.0, 1.0, 0.5, 0.5), eps)
    assert rho.shape == (2, 3, 3)
    np.testing.assert_allclose(
        np.trace(rho[0] @ spin_plus(2)), 2 * np.sqrt(2) * eps * np.sqrt(1 - 2 * eps**2)
    )
    np.testing.assert_allclose(np.trace(rho[0] @ rho[0]).real, 1.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"t_final": -1.0}, "`t_final` must be positive"),
        ({"t_final": 1.05, "dt": 0.1}, "`t_final` must be a multiple of `dt`"),
        ({"n_samples": 100, "sample_dt": 1.0}, "does not fit into"),
        ({"rho0": np.eye(3)}, r"`rho0` must have shape \(\.\.\., 1, 3, 3\)"),
        ({"rho0": np.eye(3)[None] * 2}, "`rho0` must have unit trace"),
    ],
)
def test_evolve_validation(kwargs, match):
    m = Network.single_group(0.0, 1.0, 0.5)
    args = {"t_final": 10.0}
    args.update(kwargs)
    t_final = args.pop("t_final")
    with pytest.raises(ValueError, match=match):
        evolve(m, t_final, **args)
