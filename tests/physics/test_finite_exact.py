"""Exact permutation-invariant finite-N dynamics against independent peers.

Peers: brute-force QuTiP in the full 3^(G N) Hilbert space (mesolve, steadystate,
correlation_2op_1t) built literally from Eq. (1) of Nadolny & Bruder; the dense
single-site Liouvillian for N = 1. Tolerance 1e-8: both sides are converged to
~1e-11 (QuTiP atol/rtol 1e-12; expm_multiply to machine precision).
"""

import numpy as np
import pytest
import qutip as qt
import scipy.linalg

import qsynchro.solvers.finite as F
from qsynchro.equations.lindblad import liouvillian
from qsynchro.equations.permutation import (
    group_basis,
    permutation_liouvillian,
    product_state,
    trace_functional,
)
from qsynchro.models.ensemble import Ensemble
from qsynchro.operators import ket_bra, spin_plus, spin_z

OPTS = {"atol": 1e-12, "rtol": 1e-12}
PSI = np.array([np.sqrt(0.3), np.sqrt(0.5), 1j * np.sqrt(0.2)])
RHO0 = np.outer(PSI, PSI.conj())


def brute_force(ens):
    """Eq. (1) written out in the full tensor-product space."""
    N, G = ens.N, ens.G
    n = N * G

    def site(op, s):
        ops = [qt.qeye(3)] * n
        ops[s] = qt.Qobj(op)
        return qt.tensor(ops)

    Sp = spin_plus(2)
    H = 0 * site(np.eye(3), 0)
    c_ops = []
    for g in range(G):
        for i in range(N):
            s = g * N + i
            H += ens.detunings[g] * site(spin_z(2), s) + ens.K * site(ket_bra(3, 2, 2), s)
            c_ops += [
                np.sqrt(ens.gamma_plus) * site(ket_bra(3, 1, 0), s),
                np.sqrt(ens.gamma_minus) * site(ket_bra(3, 1, 2), s),
            ]
        for i in range(N):
            for j in range(i + 1, N):
                t = site(Sp, g * N + i) * site(Sp, g * N + j).dag()
                H += ens.V / N * (t + t.dag())
    if G == 2:
        for i in range(N):
            for j in range(N):
                t = site(Sp, i) * site(Sp, N + j).dag()
                H += ens.V_AB / N * (t + t.dag())
    SP = sum(site(Sp, i) for i in range(N))
    pops = [sum(site(ket_bra(3, a, a), i) for i in range(N)) for a in range(3)]
    return H, c_ops, SP, pops


CASES = [
    Ensemble(2, V=1.3, gamma_plus=0.5, K=0.2, delta=0.4),
    Ensemble(3, V=1.0, gamma_plus=0.4, K=-0.3, delta=0.1),
    Ensemble(4, V=1.0, gamma_plus=0.5, K=-1.0),
    Ensemble(2, V=1.0, gamma_plus=0.5, K=0.1, delta=0.7, V_AB=0.6, G=2),
]


@pytest.mark.parametrize("ens", CASES, ids=lambda e: f"N{e.N}G{e.G}")
def test_agrees_with_qutip(ens):
    N = ens.N
    H, c_ops, SP, pops = brute_force(ens)
    times = np.linspace(0.0, 3.0, 7)
    rho0 = qt.tensor([qt.Qobj(RHO0)] * (N * ens.G))
    ref = qt.mesolve(
        H, rho0, times, c_ops, e_ops=[SP, SP * SP.dag(), pops[0], pops[2]], options=OPTS
    )
    out = F.exact_evolve(ens, RHO0, times)
    np.testing.assert_allclose(out["s_plus"][:, 0], np.asarray(ref.expect[0]) / N, atol=1e-8)
    np.testing.assert_allclose(
        out["s_plus_s_minus"][:, 0], np.real(ref.expect[1]) / N**2, atol=1e-8
    )
    np.testing.assert_allclose(out["populations"][:, 0, 0], np.real(ref.expect[2]) / N, atol=1e-8)
    np.testing.assert_allclose(out["populations"][:, 0, 2], np.real(ref.expect[3]) / N, atol=1e-8)
    np.testing.assert_allclose(out["trace"], 1.0, atol=1e-12)

    rss = qt.steadystate(H, c_ops)
    c = F.exact_steady_state(ens)
    obs = F.exact_observables(ens, c)
    assert obs["s_plus_s_minus"][0] == pytest.approx(qt.expect(SP * SP.dag(), rss) / N**2, abs=1e-8)
    for a in range(3):
        assert obs["populations"][0, a] == pytest.approx(qt.expect(pops[a], rss) / N, abs=1e-8)
    g_ref = qt.correlation_2op_1t(H, rss, times, c_ops, SP, SP.dag(), options=OPTS)
    np.testing.assert_allclose(F.exact_correlation(ens, times, c_ss=c), g_ref / N**2, atol=1e-8)


def test_single_oscillator_reduces_to_master_equation():
    """N = 1: the 9 count vectors are the 9 matrix elements; L equals the dense Liouvillian."""
    ens = Ensemble(1, V=2.0, gamma_plus=0.3, gamma_minus=0.8, K=0.4, delta=0.6)
    L1 = liouvillian(
        0.3 * spin_z(2) + 0.4 * ket_bra(3, 2, 2), [ket_bra(3, 1, 0), ket_bra(3, 1, 2)], [0.3, 0.8]
    )
    t = 1.7
    rho_t = (scipy.linalg.expm(L1 * t) @ RHO0.reshape(9)).reshape(3, 3)
    out = F.exact_evolve(ens, RHO0, [t])
    Sp = spin_plus(2)
    assert out["s_plus"][0, 0] == pytest.approx(np.trace(Sp @ rho_t), abs=1e-12)
    np.testing.assert_allclose(out["populations"][0, 0], np.real(np.diag(rho_t)), atol=1e-12)
    # the charge-0 block is the population/02-coherence block of L1
    L0 = permutation_liouvillian(ens, 0).toarray()
    idx = [
        3 * a + b
        for a, b in (tuple(divmod(int(np.argmax(n)), 3)) for n in group_basis(1, 0).counts)
    ]
    np.testing.assert_allclose(L0, L1[np.ix_(idx, idx)], atol=1e-14)


@pytest.mark.parametrize("G", [1, 2])
def test_trace_preserved(G):
    """t^T L = 0 on the charge-0 sector: d Tr(rho)/dt = 0 for every state."""
    ens = Ensemble(3, V=1.1, gamma_plus=0.4, K=-0.2, delta=0.3, G=G, V_AB=0.5 if G == 2 else 0)
    L = permutation_liouvillian(ens, 0)
    t = trace_functional(3, G)
    assert np.max(np.abs(L.T @ t)) < 1e-12 * np.max(np.abs(t)) * abs(L).max()


def test_hermiticity_preserved():
    """rho^dag: P(n)^dag = P(n^T) with |a><b| <-> |b><a|, so sector +1 is conj of sector -1."""
    ens = Ensemble(4, V=1.2, gamma_plus=0.5, K=-0.5, delta=0.2)
    b_m, b_p = group_basis(4, -1), group_basis(4, 1)
    transpose = [3 * b + a for a in range(3) for b in range(3)]
    where = {tuple(n): i for i, n in enumerate(b_m.counts.tolist())}
    # position in sector -1 of the transpose of each +1 state
    perm = [where[tuple(n)] for n in b_p.counts[:, transpose].tolist()]
    rho0 = RHO0 + 0.1 * np.eye(3)
    rho0 /= np.trace(rho0)
    c_m = F._evolve_vector(
        permutation_liouvillian(ens, -1), product_state(4, [rho0], -1), np.array([0.9])
    )[0]
    c_p = F._evolve_vector(
        permutation_liouvillian(ens, 1), product_state(4, [rho0], 1), np.array([0.9])
    )[0]
    np.testing.assert_allclose(c_p, np.conj(c_m[perm]), atol=1e-12)


def test_spectrum_is_fourier_transform_of_correlation():
    """S(w) = 2 Re int_0^inf e^{iwt} g(t) dt (resolvent) against trapezoid quadrature."""
    ens = Ensemble(3, V=1.0, gamma_plus=0.5, K=-1.0)
    t = np.linspace(0.0, 60.0, 6001)
    g = F.exact_correlation(ens, t)
    omegas = np.array([-1.0, -0.1, 0.0, 0.4])
    ref = [2 * np.real(np.trapezoid(np.exp(1j * w * t) * g, t)) for w in omegas]
    np.testing.assert_allclose(F.exact_spectrum(ens, omegas), ref, atol=2e-4)


def test_decay_rate_arnoldi_matches_dense():
    """Propagator Arnoldi and dense eigenvalues give the same slowest charge -1 mode."""
    ens = Ensemble(5, V=1.0, gamma_plus=0.5, K=-1.0)
    dense = F.exact_decay_rate(ens)
    L = permutation_liouvillian(ens, -1)
    lam, _ = F._propagator_eigs(L, 4, 2.0)
    assert lam[0] == pytest.approx(dense, abs=1e-9)


def test_lifetime_grows_above_but_not_below_threshold():
    """Above V_c the coherence lifetime 1/Gamma grows ~linearly in N; below it saturates."""
    above = [
        -1 / F.exact_decay_rate(Ensemble(N, V=1.0, gamma_plus=0.5, K=-1.0)).real for N in (4, 6, 8)
    ]
    below = [
        -1 / F.exact_decay_rate(Ensemble(N, V=0.1, gamma_plus=0.5, K=-1.0)).real for N in (4, 6, 8)
    ]
    assert above[2] > above[1] > above[0]
    assert above[2] - above[1] > 0.3
    assert abs(below[2] - below[1]) < 0.05 * below[1]
