"""The elementwise JAX right-hand side of Eq. 2 equals a literal NumPy oracle.

The oracle builds, for each group sigma, the Hamiltonian
H_sigma = d_sigma S^z + K|2><2| + sum_tau C[sigma, tau] (S^+ <S^->_tau + h.c.)
with the operators of :mod:`qsynchro.operators` and applies
-i[H, rho] + gamma_plus D[|1><0|] rho + gamma_minus D[|1><2|] rho with
:func:`qsynchro.equations.lindblad.dissipator` (standard convention).
"""

import numpy as np
import pytest

from qsynchro.equations.lindblad import dissipator
from qsynchro.equations.meanfield import meanfield_rhs
from qsynchro.models.network import Network
from qsynchro.models.oscillator import spin1
from qsynchro.operators import ket_bra, spin_minus, spin_plus, spin_z


def oracle_rhs(rho, det, K, C, gp, gm):
    """Literal Eq. 2 for one parameter point; rho of shape (G, 3, 3)."""
    Sz, Sp, Sm = spin_z(2), spin_plus(2), spin_minus(2)
    P2 = ket_bra(3, 2, 2)
    G = rho.shape[0]
    sm = [np.trace(rho[t] @ Sm) for t in range(G)]
    out = np.zeros_like(rho)
    for s in range(G):
        H = det[s] * Sz + K * P2
        for t in range(G):
            H = H + C[s, t] * (Sp * sm[t] + Sm * np.conj(sm[t]))
        out[s] = (
            -1j * (H @ rho[s] - rho[s] @ H)
            + gp * dissipator(ket_bra(3, 1, 0), rho[s])
            + gm * dissipator(ket_bra(3, 1, 2), rho[s])
        )
    return out


def random_rho(rng, shape):
    A = rng.normal(size=(*shape, 3, 3)) + 1j * rng.normal(size=(*shape, 3, 3))
    rho = A @ np.conj(np.swapaxes(A, -1, -2))
    return rho / np.trace(rho, axis1=-2, axis2=-1)[..., None, None]


@pytest.mark.parametrize("G", [1, 2, 3])
def test_rhs_matches_literal_oracle(G):
    rng = np.random.default_rng(100 + G)
    B = 16
    det = rng.normal(size=(B, G)) * 2
    K = rng.normal(size=B) * 2
    C = rng.normal(size=(B, G, G))
    C = 0.5 * (C + np.swapaxes(C, -1, -2))
    gp = rng.uniform(0, 2, size=B)
    gm = rng.uniform(0, 2, size=B)
    rho = random_rho(rng, (B, G))
    model = Network(spin1(), det, C, K=K, gamma_plus=gp, gamma_minus=gm)
    got = meanfield_rhs(rho, model)
    want = np.stack([oracle_rhs(rho[b], det[b], K[b], C[b], gp[b], gm[b]) for b in range(B)])
    # both are O(1) sums of a few double-precision products: agreement to ~1e-13
    np.testing.assert_allclose(got, want, atol=1e-12, rtol=0)


def test_rotating_frame_is_a_detuning_shift():
    """omega shifts every S^z coefficient: rhs(rho; d, omega) == rhs(rho; d - omega, 0)."""
    rng = np.random.default_rng(7)
    rho = random_rho(rng, (5, 2))
    m = Network.two_groups(rng.normal(size=5), 0.3, 1.0, 0.5, 0.5)
    om = rng.normal(size=5)
    shifted = m.replace(detuning=m.detuning - om[:, None])
    np.testing.assert_allclose(meanfield_rhs(rho, m, om), meanfield_rhs(rho, shifted), atol=1e-13)
