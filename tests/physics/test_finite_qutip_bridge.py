"""The QuTiP bridge: basis ordering against qutip.jmat, and the models it returns.

* Our spin-s basis orders m increasing, qutip.jmat m decreasing; O_ours = P O_qutip P with
  the reversal P (the docstring of qsynchro.models.qutip_bridge).
* oscillator_to_qutip: H = sum c_k H_k and c_ops = sqrt(r_k) L_k; for van der Pol the
  QuTiP steady state of the bridge equals the one built from qt.destroy, and for spin-1
  it equals the closed form (below).
* ensemble_to_qutip: the Liouvillian equals the literal Eq. (1) of Nadolny & Bruder
  (two groups, complex V_AB), and its steady state equals our exact solver.
"""

import numpy as np
import pytest
import qutip as qt

import qsynchro.solvers.finite as F
from qsynchro.models.ensemble import Ensemble
from qsynchro.models.oscillator import spin1, van_der_pol
from qsynchro.models.qutip_bridge import ensemble_to_qutip, oscillator_to_qutip, reversal
from qsynchro.operators import ket_bra, spin_ops


@pytest.mark.parametrize("two_s", [1, 2, 3, 4])
def test_spin_basis_is_jmat_reversed(two_s):
    P = reversal(two_s + 1)
    Sz, Sp, Sm = spin_ops(two_s)
    for ours, key in ((Sz, "z"), (Sp, "+"), (Sm, "-")):
        np.testing.assert_allclose(ours, P @ qt.jmat(two_s / 2, key).full() @ P, atol=1e-14)
    # QuTiP's first basis state (m = +s) is our last level
    np.testing.assert_allclose(P @ qt.basis(two_s + 1, 0).full()[:, 0], np.eye(two_s + 1)[-1])


def test_spin1_oscillator_operators_and_steady_state():
    """H = K|2><2|, c_ops = sqrt(g+)|1><0|, sqrt(g-)|1><2|. A single uncoupled spin-1
    oscillator has no coherence, and both jumps end in |1>: its steady state is |1><1| for
    any g+, g- > 0 (closed form)."""
    osc = spin1()
    H, c_ops = oscillator_to_qutip(osc, gamma_plus=0.3, gamma_minus=0.8, K=-0.7)
    assert H.dims == [[3], [3]]
    np.testing.assert_allclose(H.full(), -0.7 * ket_bra(3, 2, 2), atol=1e-15)
    np.testing.assert_allclose(c_ops[0].full(), np.sqrt(0.3) * ket_bra(3, 1, 0), atol=1e-15)
    np.testing.assert_allclose(c_ops[1].full(), np.sqrt(0.8) * ket_bra(3, 1, 2), atol=1e-15)
    P = qt.Qobj(reversal(3))
    Sp = P * qt.jmat(1, "+") * P
    np.testing.assert_allclose(Sp.full(), osc.coupling_operator, atol=1e-14)
    rho = qt.steadystate(H, c_ops)
    np.testing.assert_allclose(rho.full(), ket_bra(3, 1, 1), atol=1e-12)


def test_van_der_pol_oscillator_matches_destroy():
    """The bridge's driven van der Pol equals the textbook model written with qt.destroy."""
    H, c_ops = oscillator_to_qutip(van_der_pol(5), gain=0.7, loss=0.9, drive=0.4)
    a = qt.destroy(6)
    H_ref = 1j * 0.4 * (a - a.dag())
    c_ref = [np.sqrt(0.7) * a.dag(), np.sqrt(0.9) * a * a]
    np.testing.assert_allclose(H.full(), H_ref.full(), atol=1e-15)
    for c, r in zip(c_ops, c_ref, strict=True):
        np.testing.assert_allclose(c.full(), r.full(), atol=1e-15)
    rho, rho_ref = qt.steadystate(H, c_ops), qt.steadystate(H_ref, c_ref)
    np.testing.assert_allclose(rho.full(), rho_ref.full(), atol=1e-12)


def test_ensemble_liouvillian_is_eq1_and_steady_state_is_ours():
    ens = Ensemble(2, 0.9, G=2, V_AB=0.5 + 0.3j, delta=0.6, gamma_plus=0.4, K=-0.3)
    H, c_ops = ensemble_to_qutip(ens)
    assert H.dims == [[3] * 4, [3] * 4]
    P = qt.Qobj(reversal(3))
    Sz, Sp = P * qt.jmat(1, "z") * P, P * qt.jmat(1, "+") * P
    p2 = qt.basis(3, 2).proj()

    def site(op, s):
        ops = [qt.qeye(3)] * 4
        ops[s] = op
        return qt.tensor(ops)

    H_ref = sum((0.3 if s < 2 else -0.3) * site(Sz, s) - 0.3 * site(p2, s) for s in range(4))
    for g in (0, 2):
        t = site(Sp, g) * site(Sp, g + 1).dag()
        H_ref += 0.9 / 2 * (t + t.dag())
    for i in (0, 1):
        for j in (2, 3):
            t = (0.5 + 0.3j) / 2 * site(Sp, i) * site(Sp, j).dag()
            H_ref += t + t.dag()
    c_ref = [np.sqrt(0.4) * site(qt.Qobj(ket_bra(3, 1, 0)), s) for s in range(4)]
    c_ref += [site(qt.Qobj(ket_bra(3, 1, 2)), s) for s in range(4)]
    L, L_ref = qt.liouvillian(H, c_ops), qt.liouvillian(H_ref, c_ref)
    assert (L - L_ref).norm("max") < 1e-13
    rho = qt.steadystate(H, c_ops)
    pop0 = sum(site(qt.basis(3, 0).proj(), s) for s in (0, 1))
    obs = F.exact_observables(ens, F.exact_steady_state(ens))
    assert obs["populations"][0, 0] == pytest.approx(qt.expect(pop0, rho) / 2, abs=1e-9)


def test_bad_input():
    with pytest.raises(ValueError, match=r"Hilbert-space dimension d\^\(G N\) = 3\^10 = 59049"):
        ensemble_to_qutip(Ensemble(5, 1.0, G=2))
    with pytest.raises(TypeError, match=r"Argument `ens` must be an Ensemble, but got str"):
        ensemble_to_qutip("ens")
    with pytest.raises(TypeError, match=r"Argument `osc` must be an Oscillator"):
        oscillator_to_qutip(Ensemble(2, 1.0))
    with pytest.raises(ValueError, match=r"Unknown parameter\(s\) \['gain'\]"):
        oscillator_to_qutip(spin1(), gain=1.0)
