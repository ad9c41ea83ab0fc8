"""Any oscillator through one engine: generated right-hand side, one-way coupling, van der Pol.

The generated mean-field right-hand side (equations/meanfield.py) must equal a literal NumPy
implementation of

    d rho_s/dt = -i[sum_k c_k H_k + d_s N + w_s A + w_s^* A^dag, rho_s] + sum_k r_k D[L_k] rho_s,
    w_s = sum_t C[s, t] <A^dag>_t,

for the spin-1 oscillator, the van der Pol oscillator and a user-defined one, with a
non-symmetric complex coupling matrix.
"""

import numpy as np
import pytest

from qsynchro.equations.meanfield import meanfield_rhs
from qsynchro.models.network import Network
from qsynchro.models.oscillator import Oscillator, spin1, van_der_pol
from qsynchro.operators import spin_ops
from qsynchro.solvers.evolve import evolve
from qsynchro.solvers.local import oscillator_steady_state


def literal_rhs(rho, osc, det, C, params):
    """Literal mean-field equation for one parameter point; rho (G, d, d)."""
    G = rho.shape[0]
    A, N = osc.coupling_operator, osc.detuning_generator
    ex = [np.trace(A @ rho[t]) for t in range(G)]
    out = np.zeros_like(rho)
    for s in range(G):
        w = sum(C[s, t] * np.conj(ex[t]) for t in range(G))
        H = sum(params[k] * h for k, h in osc.hamiltonian.items()) + det[s] * N
        H = H + w * A + np.conj(w) * A.conj().T
        r = rho[s]
        o = -1j * (H @ r - r @ H)
        for k, L in osc.jumps.items():
            Ld = L.conj().T
            o = o + params[k] * (L @ r @ Ld - 0.5 * (Ld @ L @ r + r @ Ld @ L))
        out[s] = o
    return out


def spin32() -> Oscillator:
    """A user-defined spin-3/2 limit-cycle oscillator: gain D[S^+], loss D[(S^-)^2], Kerr S_z^2."""
    Sz, Sp, Sm = spin_ops(3)
    return Oscillator(
        "spin32",
        hamiltonian={"kerr": Sz @ Sz},
        jumps={"gain": Sp, "loss": Sm @ Sm},
        detuning_generator=Sz,
        coupling_operator=Sp,
        defaults={"kerr": 0.2, "gain": 0.4, "loss": 1.0},
    )


def _random_rho(rng, G, d):
    X = rng.normal(size=(G, d, d)) + 1j * rng.normal(size=(G, d, d))
    r = X @ np.conj(np.swapaxes(X, -1, -2))
    return r / np.trace(r, axis1=-2, axis2=-1)[:, None, None]


CASES = {
    "spin1": (spin1(), {"K": 0.3, "gamma_plus": 0.4, "gamma_minus": 1.1}),
    "van_der_pol": (
        van_der_pol(4),
        {"gain": 1.0, "loss": 0.2, "drive_detuning": 0.3, "drive": 0.5},
    ),
    "spin32": (spin32(), {"kerr": -0.7, "gain": 0.3, "loss": 0.9}),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("G", [1, 3])
def test_generated_rhs_equals_literal_oracle(name, G):
    """Random states, random detunings, a non-symmetric complex coupling: agreement to 1e-12
    (a few dozen double-precision products of O(1) numbers)."""
    osc, params = CASES[name]
    rng = np.random.default_rng(hash((name, G)) % 2**32)
    det = rng.normal(size=G)
    C = rng.normal(size=(G, G)) + 1j * rng.normal(size=(G, G))
    rho = _random_rho(rng, G, osc.dim)
    got = meanfield_rhs(rho, Network(osc, det, C, **params))
    want = literal_rhs(rho, osc, det, C, params)
    np.testing.assert_allclose(got, want, atol=1e-12, rtol=0)


def test_generated_rhs_batched_equals_pointwise():
    """Batch axes are pure vectorization: a (3,) batch equals three single evaluations."""
    osc, _ = CASES["spin32"]
    rng = np.random.default_rng(1)
    det = rng.normal(size=(3, 2))
    C = rng.normal(size=(3, 2, 2)) + 0.3j
    kerr = rng.normal(size=3)
    rho = np.stack([_random_rho(rng, 2, 4) for _ in range(3)])
    got = meanfield_rhs(rho, Network(osc, det, C, kerr=kerr))
    for b in range(3):
        one = meanfield_rhs(rho[b], Network(osc, det[b], C[b], kerr=kerr[b]))
        np.testing.assert_allclose(got[b], one, atol=1e-14)


def test_one_way_coupling_leaves_the_driver_alone():
    """C[A, B] = 0: group A's equation does not contain B, so A evolves exactly as a single
    group with the same parameters (to round-off), whatever B does."""
    C = np.array([[1.0, 0.0], [0.8, 1.0]])
    two = Network(spin1(), np.array([0.4, -0.4]), C, K=-0.3, gamma_plus=0.5)
    one = Network(spin1(), np.array([0.4]), np.array([[1.0]]), K=-0.3, gamma_plus=0.5)
    a = evolve(two, 80.0, dt=0.05, n_samples=80)
    b = evolve(one, 80.0, dt=0.05, n_samples=80)
    np.testing.assert_allclose(a.s_plus[0], b.s_plus[0], atol=1e-13)
    assert np.max(np.abs(a.s_plus[1] - a.s_plus[0])) > 1e-3  # B is not a copy of A


def test_van_der_pol_steady_state_matches_qutip():
    """One driven van der Pol oscillator: our dense steady state equals qutip.steadystate of
    H = -Delta a^dag a + i F (a - a^dag), c_ops sqrt(gain) a^dag, sqrt(loss) a^2 (1e-9)."""
    qutip = pytest.importorskip("qutip")
    n = 18
    osc = van_der_pol(n - 1, gain=1.0, loss=0.3, detuning=0.2, drive=0.4)
    rho = oscillator_steady_state(osc)
    a = qutip.destroy(n)
    H = -0.2 * a.dag() * a + 1j * 0.4 * (a - a.dag())
    ref = qutip.steadystate(H, [np.sqrt(1.0) * a.dag(), np.sqrt(0.3) * a * a]).full()
    np.testing.assert_allclose(rho, ref, atol=1e-9)


def _mean_n(gain, loss, n_max):
    rho = oscillator_steady_state(van_der_pol(n_max, gain=gain, loss=loss))
    return float(np.real(np.trace(np.diag(np.arange(n_max + 1)) @ rho))), rho


def test_van_der_pol_quantum_limit():
    """loss >> gain: only |0>, |1>, |2> matter; 0 -> 1 at rate gain, 1 -> 2 at 2 gain, 2 -> 0
    at 2 loss (instantly). Balance p0 gain = 2 p1 gain gives rho -> 2/3|0><0| + 1/3|1><1|,
    <n> -> 1/3, with corrections O(gain/loss): at loss/gain = 1e4 within 1e-3."""
    n, rho = _mean_n(1.0, 1e4, 6)
    assert n == pytest.approx(1 / 3, abs=1e-3)
    np.testing.assert_allclose(np.diag(rho).real[:2], [2 / 3, 1 / 3], atol=1e-3)


def test_van_der_pol_classical_limit():
    """loss << gain: populations obey dp_n/dt with up-rate gain (n+1) and down-rate
    loss n(n-1) (two quanta); the mean balance gives <n^2> - <n> = x(<n> + 1), x = gain/(2 loss),
    and the Fokker-Planck variance 3x/2 gives <n> = x + 1/2 + O(1/x). At x = 50 within 0.05."""
    gain, loss = 1.0, 0.01
    n, rho = _mean_n(gain, loss, 120)
    x = gain / (2 * loss)
    assert n == pytest.approx(x + 0.5, abs=0.05)
    assert rho[-1, -1].real < 1e-8  # truncation converged


def test_van_der_pol_amplitude_approaches_the_classical_limit_cycle():
    """Classical limit of one resonantly driven van der Pol oscillator: the mean-field
    (coherent) amplitude obeys d alpha/dt = (gain/2) alpha - loss |alpha|^2 alpha + drive
    terms, whose limit cycle has |alpha|^2 = x = gain/(2 loss). The drive F = 0.5 gain pins
    the phase, and as x grows the phase diffusion (~1/x) loses against the locking (~1/sqrt x),
    so |<a>|^2 / x -> 1: the deficit must shrink from x = 2.5 to x = 5 and be below 5% there
    (measured 7.5% and 2.7%)."""
    ratios = []
    for x, n_max in ((2.5, 20), (5.0, 30)):
        osc = van_der_pol(n_max, gain=1.0, loss=1 / (2 * x), drive=0.5)
        rho = oscillator_steady_state(osc)
        a = np.diag(np.sqrt(np.arange(1, n_max + 1)), 1)
        ratios.append(abs(np.trace(a @ rho)) ** 2 / x)
        assert rho[-1, -1].real < 1e-7  # truncation converged
    assert abs(1 - ratios[1]) < 0.5 * abs(1 - ratios[0])
    assert ratios[1] == pytest.approx(1.0, abs=0.05)


def test_van_der_pol_reactive_mean_field_does_not_self_synchronize():
    """Identical van der Pol oscillators with purely reactive all-to-all coupling (no Kerr
    term): the coupling only rotates the common phase, so the incoherent state stays linearly
    stable (growth rate = -gain/2 + ... < 0: the <a> sector decays at the bare rate) and the
    critical coupling is infinite. Contrast with spin-1, where the level structure makes
    reactive coupling synchronize (Nadolny & Bruder, Fig. 2)."""
    from qsynchro.solvers.stability import critical_coupling, max_growth_rate

    osc = van_der_pol(8, gain=1.0, loss=0.5)
    m = Network(osc, np.zeros(1), np.array([[2.0]]))
    assert float(max_growth_rate(m)) < 0
    assert critical_coupling(osc, V_max=100.0) == float("inf")


def test_to_qutip_cross_checks_in_one_line():
    """to_qutip gives H and collapse operators whose QuTiP steady state equals ours: for one
    spin-1 oscillator (closed form |1><1| is not reached with K != 0 drive-free, so compare
    with steady_state), for van der Pol, and for the maser (factor-2 dissipator: collapse
    operators sqrt(2 Gamma) X); 1e-9. A Network is refused with a hint."""
    qutip = pytest.importorskip("qutip")
    import qsynchro as qs

    for osc in (spin1(gamma_plus=0.3, K=0.4), van_der_pol(15, gain=1.0, loss=0.5, drive=0.3)):
        H, c_ops = qs.to_qutip(osc)
        np.testing.assert_allclose(
            qutip.steadystate(H, c_ops).full(), qs.steady_state(osc), atol=1e-9
        )
    maser = qs.Maser(N=3, lam=[0.05, 0.03, 0.02], n_h=5.0, n_c=0.1, gamma_h=0.01, gamma_c=0.02)
    H, c_ops = qs.to_qutip(maser)
    np.testing.assert_allclose(
        qutip.steadystate(H, c_ops).full(), qs.steady_state(maser), atol=1e-9
    )
    with pytest.raises(TypeError, match="A mean-field Network is nonlinear"):
        qs.to_qutip(qs.Network.two_groups(0.1, 0.0, 1.0, 0.5, 0.5))
    with pytest.raises(TypeError, match=r"keyword parameters only for an Oscillator"):
        qs.to_qutip(maser, n_h=2.0)


def test_one_way_coupling_entrains_the_driven_group_in_a_growing_range():
    """C[A, B] = 0, C[B, A] = c: A runs at its own frequency whatever c is, and B locks to it
    (frequency difference 0, classification full) for detunings up to a locking range that
    grows with c: the set of locked delta at c = 0.6 strictly contains the one at c = 0.2,
    and neither is empty nor the whole grid."""
    from qsynchro.measures.attractor import attractor

    delta = np.linspace(0.0, 1.2, 13)
    locked = {}
    for c in (0.2, 0.6):
        C = np.array([[1.0, 0.0], [c, 1.0]])
        det = np.stack([delta / 2, -delta / 2], -1)
        m = Network(spin1(), det, C, K=0.0, gamma_plus=0.5)
        att = attractor(m, t_transient=200.0, n_samples=512, t_max=3000.0)
        assert np.all(att.status == 0)
        # A is a single group with detuning +delta/2: its frequency does not depend on c
        alone = attractor(
            Network(spin1(), delta[:, None] / 2, np.ones((13, 1, 1)), K=0.0, gamma_plus=0.5),
            t_transient=200.0,
            n_samples=512,
            t_max=3000.0,
        )
        np.testing.assert_allclose(att.frequency[:, 0], alone.frequency[:, 0], atol=2e-3)
        locked[c] = (att.classification == 2) & (
            np.abs(att.frequency[:, 0] - att.frequency[:, 1]) < 1e-6
        )
    assert locked[0.2][0] and not np.all(locked[0.6])
    assert np.all(locked[0.6][locked[0.2]]) and locked[0.6].sum() > locked[0.2].sum()
