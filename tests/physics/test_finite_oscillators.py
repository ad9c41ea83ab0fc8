"""Exact permutation-invariant dynamics of any oscillator against brute-force QuTiP.

Peers are written literally with QuTiP's own operators (``qt.destroy``, ``qt.jmat``),
independent of our Oscillator, Ensemble and QuTiP bridge:

* van der Pol, Fock space truncated at n_max = 3 (d = 4): per site
  H = (d_sigma - Delta) a^dag a + i drive (a - a^dag), gain D[a^dag], loss D[a^2];
  coupling (V/N) sum_{i<j} a^dag_i a_j + h.c. (coupling operator A = a^dag).
* spin-3/2 (d = 4, a user-defined oscillator): S from qt.jmat(3/2) reversed into our
  ordering m = -3/2 .. 3/2 (O_ours = P O_qutip P), H = K S_z^2, gain D[S^+],
  loss D[(S^-)^2], A = S^+.

Both sides are converged to ~1e-11 (QuTiP mesolve atol = rtol = 1e-12, direct
steadystate; expm_multiply and sparse LU to machine precision), so the tolerance is 1e-9.
"""

import numpy as np
import pytest
import qutip as qt
import scipy.linalg

import qsynchro.solvers.finite as F
from qsynchro.equations.lindblad import liouvillian
from qsynchro.equations.permutation import (
    permutation_liouvillian,
    trace_functional,
    units_of,
)
from qsynchro.models.ensemble import Ensemble
from qsynchro.models.oscillator import Oscillator, van_der_pol

OPTS = {"atol": 1e-12, "rtol": 1e-12}
TOL = 1e-9
VDP = van_der_pol(3, gain=1.0, loss=0.4)


def spin32() -> Oscillator:
    """A user-defined spin-3/2 oscillator, given as QuTiP operators in our ordering."""
    P = qt.Qobj(np.eye(4)[::-1])
    Sz, Sp = P * qt.jmat(1.5, "z") * P, P * qt.jmat(1.5, "+") * P
    return Oscillator(
        "spin32",
        hamiltonian={"K": Sz * Sz},
        jumps={"gain": Sp, "loss": Sp.dag() * Sp.dag()},
        detuning_generator=Sz,
        coupling_operator=Sp,
        defaults={"K": 0.3, "gain": 0.7, "loss": 0.5},
    )


def literal_model(kind: str, N: int, G: int, V: float, V_AB: complex, det, p: dict):
    """Full G N-site model from QuTiP primitives: (H, c_ops, A) with A the collective
    coupling operator of group A."""
    n = G * N
    if kind == "vdp":
        a = qt.destroy(4)
        local = [(det[g] - p["drive_detuning"]) * a.dag() * a for g in range(G)]
        local = [h + 1j * p["drive"] * (a - a.dag()) for h in local]
        jumps = [(p["gain"], a.dag()), (p["loss"], a * a)]
        A = a.dag()
    else:
        P = qt.Qobj(np.eye(4)[::-1])
        Sz, Sp = P * qt.jmat(1.5, "z") * P, P * qt.jmat(1.5, "+") * P
        local = [det[g] * Sz + p["K"] * Sz * Sz for g in range(G)]
        jumps = [(p["gain"], Sp), (p["loss"], Sp.dag() * Sp.dag())]
        A = Sp

    def site(op, s):
        ops = [qt.qeye(4)] * n
        ops[s] = op
        return qt.tensor(ops)

    H = sum(site(local[s // N], s) for s in range(n))
    c_ops = [np.sqrt(r) * site(L, s) for s in range(n) for r, L in jumps]
    for g in range(G):
        for i in range(N):
            for j in range(i + 1, N):
                t = site(A, g * N + i) * site(A, g * N + j).dag()
                H += V / N * (t + t.dag())
    if G == 2:
        for i in range(N):
            for j in range(N):
                t = V_AB / N * site(A, i) * site(A, N + j).dag()
                H += t + t.dag()
    SA = sum(site(A, i) for i in range(N))
    pops = [sum(site(qt.basis(4, k).proj(), i) for i in range(N)) for k in range(4)]
    return H, c_ops, SA, pops


def _rho0():
    r = np.diag([0.4, 0.3, 0.2, 0.1]).astype(complex)
    r[0, 1] = r[1, 0] = 0.2
    r[1, 2], r[2, 1] = 0.1j, -0.1j
    r[0, 3] = r[3, 0] = 0.05
    return r


CASES = {
    "vdp-N2": ("vdp", 2, 1, 1.2, 0.0, (0.3,), {"drive_detuning": 0.2, "drive": 0.0}),
    "vdp-N3": ("vdp", 3, 1, 1.2, 0.0, (0.0,), {"drive_detuning": -0.1, "drive": 0.0}),
    "vdp-driven-N2": (
        "vdp",
        2,
        1,
        0.8,
        0.0,
        (0.0,),
        {"drive_detuning": 0.2, "drive": 0.3, "gain": 0.5, "loss": 1.0},
    ),
    "vdp-driven-N1G2": (
        "vdp",
        1,
        2,
        0.0,
        0.4 + 0.3j,
        (0.2, -0.1),
        {"drive_detuning": 0.1, "drive": 0.4, "gain": 0.5, "loss": 1.0},
    ),
    "spin32-N2": ("spin32", 2, 1, 1.1, 0.0, (0.4,), {"K": 0.3}),
    "spin32-N1G2": ("spin32", 1, 2, 0.0, 0.5 - 0.4j, (0.3, -0.2), {"K": -0.2}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_agrees_with_qutip(case):
    kind, N, G, V, V_AB, det, extra = CASES[case]
    osc = VDP if kind == "vdp" else spin32()
    ens = Ensemble(N, V, oscillator=osc, G=G, V_AB=V_AB, detuning=det, **extra)
    p = ens.parameters
    H, c_ops, SA, pops = literal_model(kind, N, G, V, V_AB, det, p)
    assert ens.u1_symmetric == (p.get("drive", 0.0) == 0.0)

    times = np.linspace(0.0, 2.0, 5)
    rho0 = _rho0()
    ref = qt.mesolve(
        H,
        qt.tensor([qt.Qobj(rho0)] * (N * G)),
        times,
        c_ops,
        e_ops=[SA, SA * SA.dag(), *pops],
        options=OPTS,
    )
    out = F.exact_evolve(ens, rho0, times)
    np.testing.assert_allclose(out["s_plus"][:, 0], np.asarray(ref.expect[0]) / N, atol=TOL)
    np.testing.assert_allclose(out["s_plus_s_minus"][:, 0], np.real(ref.expect[1]) / N**2, atol=TOL)
    for k in range(4):
        np.testing.assert_allclose(
            out["populations"][:, 0, k], np.real(ref.expect[2 + k]) / N, atol=TOL
        )
    np.testing.assert_allclose(out["trace"], 1.0, atol=1e-12)

    rss = qt.steadystate(H, c_ops)
    c = F.exact_steady_state(ens)
    obs = F.exact_observables(ens, c)
    assert obs["s_plus_s_minus"][0] == pytest.approx(qt.expect(SA * SA.dag(), rss) / N**2, abs=TOL)
    for k in range(4):
        assert obs["populations"][0, k] == pytest.approx(qt.expect(pops[k], rss) / N, abs=TOL)
    if not ens.u1_symmetric:  # a driven oscillator has <A> != 0 in its steady state
        assert abs(obs["s_plus"][0]) > 0.2
        assert obs["s_plus"][0] == pytest.approx(qt.expect(SA, rss) / N, abs=TOL)
    g_ref = qt.correlation_2op_1t(H, rss, times, c_ops, SA, SA.dag(), options=OPTS)
    np.testing.assert_allclose(F.exact_correlation(ens, times, c_ss=c), g_ref / N**2, atol=TOL)


def test_driven_spectrum_and_decay_skip_the_coherent_part():
    """Without U(1), g(t) -> |<A>|^2: the spectrum is that of g - |<A>|^2 (quadrature of
    the exact correlation) and the decay rate is the slowest *non-zero* Liouvillian mode."""
    ens = Ensemble(2, 0.8, oscillator=VDP, drive=0.3, drive_detuning=0.2, gain=0.5, loss=1.0)
    c = F.exact_steady_state(ens)
    coherent = abs(F.exact_observables(ens, c)["s_plus"][0]) ** 2
    t = np.linspace(0.0, 40.0, 8001)
    g = F.exact_correlation(ens, t, c_ss=c) - coherent
    assert abs(g[-1]) < 1e-9
    omegas = np.array([-0.5, 0.0, 0.3])
    ref = [2 * np.real(np.trapezoid(np.exp(1j * w * t) * g, t)) for w in omegas]
    np.testing.assert_allclose(F.exact_spectrum(ens, omegas, c_ss=c), ref, atol=1e-5)
    L = permutation_liouvillian(ens, 0).toarray()
    ev = np.linalg.eigvals(L)
    ev = ev[np.abs(ev) > 1e-9]
    assert F.exact_decay_rate(ens) == pytest.approx(ev[np.argmax(ev.real)], abs=1e-9)


@pytest.mark.parametrize("drive", [0.0, 0.4])
def test_single_site_is_the_dense_liouvillian(drive):
    """N = 1: the count vectors are the matrix units; the sector-0 block of the
    permutation Liouvillian is the dense single-site Liouvillian restricted to it."""
    ens = Ensemble(1, 2.0, oscillator=VDP, drive=drive, drive_detuning=0.3, detuning=(0.2,))
    a = np.diag(np.sqrt([1.0, 2.0, 3.0]), 1)
    H = 0.2 * a.T @ a - 0.3 * a.T @ a + 1j * drive * (a - a.T)
    L1 = liouvillian(H, [a.T, a @ a], [1.0, 0.4])
    from qsynchro.equations.symmetric_basis import group_basis

    units = units_of(ens)
    assert units.split == (drive == 0.0)
    idx = [int(np.argmax(n)) for n in group_basis(1, 0, units=units).counts]
    L0 = permutation_liouvillian(ens, 0).toarray()
    np.testing.assert_allclose(L0, L1[np.ix_(idx, idx)], atol=1e-13)
    rho = np.diag([0.5, 0.3, 0.2, 0.0]).astype(complex)
    out = F.exact_evolve(ens, rho, [1.3])
    rho_t = (scipy.linalg.expm(1.3 * L1) @ rho.reshape(16)).reshape(4, 4)
    assert out["s_plus"][0, 0] == pytest.approx(np.trace(a.T @ rho_t), abs=1e-12)


@pytest.mark.parametrize("osc", [VDP, spin32()], ids=["vdp", "spin32"])
def test_trace_preserved(osc):
    """t^T L = 0 on the charge-0 sector for any oscillator (two groups, complex V_AB)."""
    ens = Ensemble(3, 1.1, oscillator=osc, G=2, V_AB=0.5 + 0.2j, detuning=(0.3, -0.1))
    L = permutation_liouvillian(ens, 0)
    t = trace_functional(3, 2, units=units_of(ens))
    assert np.max(np.abs(L.T @ t)) < 1e-12 * np.max(np.abs(t)) * abs(L).max()
