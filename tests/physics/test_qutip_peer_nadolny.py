"""QuTiP as an independent peer for the single spin-1 oscillator (Nadolny & Bruder).

QuTiP orders spin states by descending m (index 0 = m = +1), we by ascending m
(index 0 = |0> = m = -1); operators and jump operators are built with QuTiP's
own ``jmat``/``basis`` and compared after reversing the basis, so the operator
conventions are checked too.
"""

from __future__ import annotations

import numpy as np
import pytest

qutip = pytest.importorskip("qutip")

from qsynchro.measures.spin_husimi import spin_coherent_state, spin_husimi_q  # noqa: E402
from qsynchro.models.driven import DrivenOscillator  # noqa: E402
from qsynchro.solvers.driven import driven_evolve, driven_steady_state  # noqa: E402

REV = np.arange(3)[::-1]


def ours(op: qutip.Qobj) -> np.ndarray:
    """QuTiP (descending m) -> our basis (ascending m)."""
    return op.full()[np.ix_(REV, REV)]


def qutip_system(K, gp, gm, eps, detuning=0.0, phase=0.0):
    Sp, Sm, Sz = qutip.jmat(1, "+"), qutip.jmat(1, "-"), qutip.jmat(1, "z")
    ket = {0: qutip.basis(3, 2), 1: qutip.basis(3, 1), 2: qutip.basis(3, 0)}  # our |k>
    H = (
        detuning * Sz
        + K * ket[2] * ket[2].dag()
        + eps / 2 * (np.exp(-1j * phase) * Sp + np.exp(1j * phase) * Sm)
    )
    c_ops = [np.sqrt(gp) * ket[1] * ket[0].dag(), np.sqrt(gm) * ket[1] * ket[2].dag()]
    return H, c_ops


@pytest.mark.parametrize(
    ("K", "gp", "gm", "eps", "det", "ph"),
    [
        (-0.2, 1.0, 1.0, 0.1, 0.0, 0.0),
        (0.0, 1.0, 1.0, 0.1, 0.0, 0.0),
        (0.2, 1.0, 1.0, 0.1, 0.0, 0.0),
        (0.5, 0.5, 1.0, 0.8, 0.3, 1.2),
        (-1.5, 2.0, 0.4, 2.0, -0.7, -2.0),
    ],
)
def test_steady_state_vs_qutip(K, gp, gm, eps, det, ph):
    """Our null-space steady state equals qutip.steadystate (direct solver) to 1e-10."""
    H, c_ops = qutip_system(K, gp, gm, eps, det, ph)
    ref = ours(qutip.steadystate(H, c_ops))
    rho = driven_steady_state(DrivenOscillator(K, gp, gm, eps, det, ph))
    np.testing.assert_allclose(rho, ref, atol=1e-10)


def test_evolution_vs_qutip_mesolve():
    """Exact expm evolution equals qutip.mesolve (atol/rtol 1e-10) from a coherent mixture."""
    K, gp, gm, eps, det, ph = 0.4, 0.5, 1.0, 0.6, 0.2, 0.5
    H, c_ops = qutip_system(K, gp, gm, eps, det, ph)
    psi = (qutip.basis(3, 0) + 0.5j * qutip.basis(3, 1) + 0.3 * qutip.basis(3, 2)).unit()
    rho0 = 0.6 * qutip.ket2dm(psi) + 0.4 * qutip.qeye(3) / 3
    t = np.linspace(0.0, 20.0, 201)
    res = qutip.mesolve(H, rho0, t, c_ops, options={"atol": 1e-12, "rtol": 1e-10})
    ref = np.stack([ours(s) for s in res.states])
    traj = driven_evolve(DrivenOscillator(K, gp, gm, eps, det, ph), ours(rho0), t)
    np.testing.assert_allclose(traj, ref, atol=1e-8)


def test_husimi_vs_qutip():
    """Our Q equals QuTiP's spin_q_function times (2j+1)/(4 pi) (QuTiP's normalization),
    and our coherent state equals qutip.spin_coherent up to a global phase."""
    rng = np.random.default_rng(5)
    a = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))
    rho = a @ a.conj().T
    rho /= np.trace(rho)
    theta = np.linspace(0, np.pi, 7)
    phi = np.linspace(-np.pi, np.pi, 9)
    Qref, _, _ = qutip.spin_q_function(qutip.Qobj(rho[np.ix_(REV, REV)]), theta, phi)
    np.testing.assert_allclose(spin_husimi_q(rho, theta, phi), 3 / (4 * np.pi) * Qref.T, atol=1e-14)
    for th, ph in [(0.4, 1.0), (2.0, -2.5)]:
        ref = qutip.spin_coherent(1, th, ph).full().ravel()[REV]
        assert abs(np.vdot(ref, spin_coherent_state(th, ph))) == pytest.approx(1, abs=1e-12)
