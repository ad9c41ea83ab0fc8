r"""Dissipative coupling: (kappa/N) sum_{i<j} D[L_i - L_j] in mean field = local kappa D[L]
plus a coupling C = i kappa / 2 (L = A^dagger; derivation in models/dissipative.py).

Literal oracle: build the N-body dissipator with explicit Kronecker products, apply it to a
product state rho_1 x ... x rho_N and trace out all but oscillator i. For a product state this
is exact at finite N: d rho_i/dt = (kappa/N) sum_{j != i} (D[L] rho_i + T(<L_j>)), i.e. the
mean-field term with fractions 1/N minus the self-term (1/N) of oscillator i alone.
"""

import math
from functools import reduce

import numpy as np
import pytest

import qsynchro as q
from qsynchro.equations.meanfield import meanfield_rhs
from qsynchro.models.disorder import Lorentzian
from qsynchro.models.dissipative import with_dissipative_coupling
from qsynchro.solvers.disorder import disordered_critical_coupling


def _dissipator(L, r):
    Ld = L.conj().T
    return L @ r @ Ld - 0.5 * (Ld @ L @ r + r @ Ld @ L)


def _random_states(n, d, rng):
    X = rng.normal(size=(n, d, d)) + 1j * rng.normal(size=(n, d, d))
    r = X @ X.conj().transpose(0, 2, 1)
    return r / np.trace(r, axis1=1, axis2=2)[:, None, None]


def _site(op, i, N, d):
    ops = [np.eye(d)] * N
    ops[i] = op
    return reduce(np.kron, ops)


def _ptrace(R, axes, N, i):
    for k in sorted(axes, reverse=True):
        R = np.trace(R, axis1=k, axis2=k + R.ndim // 2)
    return R


@pytest.mark.parametrize("osc", [q.spin1(gamma_plus=0.4, K=0.3), q.van_der_pol(3, loss=0.7)])
def test_mean_field_of_pairwise_collective_decay_is_exact_on_product_states(osc):
    N, kappa = 3, 0.8
    d = osc.dim
    L = osc.coupling_operator.conj().T
    rng = np.random.default_rng(1)
    rhos = _random_states(N, d, rng)
    big = reduce(np.kron, rhos)
    Ls = [_site(L, i, N, d) for i in range(N)]
    dR = sum(
        (kappa / N) * _dissipator(Ls[i] - Ls[j], big) for i in range(N) for j in range(i + 1, N)
    )
    base = q.Network(osc, np.zeros(N), np.zeros((N, N)))
    mfN = meanfield_rhs(rhos, with_dissipative_coupling(base, kappa)) - meanfield_rhs(rhos, base)
    one = q.Network(osc, np.zeros(1), np.zeros((1, 1)))
    for i in range(N):
        exact = _ptrace(dR.reshape([d] * (2 * N)), [k for k in range(N) if k != i], N, i)
        self_term = meanfield_rhs(rhos[i : i + 1], with_dissipative_coupling(one, kappa))[0]
        self_term -= meanfield_rhs(rhos[i : i + 1], one)[0]
        assert np.allclose(exact, mfN[i] - self_term / N, atol=1e-12)
    # the local part alone is kappa (N-1)/N D[L]: drop the coupling and the check must fail
    wrong = with_dissipative_coupling(base, kappa).replace(coupling=np.zeros((N, N)))
    bad = meanfield_rhs(rhos, wrong) - meanfield_rhs(rhos, base)
    assert not np.allclose(exact, bad[N - 1] - self_term / N, atol=1e-6)


def test_coupling_is_imaginary_and_local_rate_added():
    net = with_dissipative_coupling(q.Network.two_groups(0.1, 0.0, 0.2, 0.1, 0.5), 0.6)
    assert np.allclose(net.coupling.imag, 0.15) and np.allclose(
        net.coupling.real, [[0.2, 0.1], [0.1, 0.2]]
    )
    assert float(net.kappa) == 0.6
    with pytest.raises(ValueError, match="`kappa` must be non-negative, but got -1"):
        with_dissipative_coupling(net, -1.0)
    with pytest.raises(ValueError, match="`fractions` must be non-negative and sum to 1"):
        with_dissipative_coupling(net, 0.1, fractions=[0.5, 0.6])


def test_van_der_pol_synchronizes_only_with_the_dissipative_phase():
    """Reactive coupling (C real) never destabilizes the incoherent van der Pol state; the
    dissipative phase C = i kappa/2 does, and the opposite phase (collective gain) does not."""
    osc = q.van_der_pol(10, loss=1.0)
    assert disordered_critical_coupling(osc, Lorentzian(0.0)) == math.inf
    assert math.isfinite(disordered_critical_coupling(osc, Lorentzian(0.0), phase=np.pi / 2))
    assert disordered_critical_coupling(osc, Lorentzian(0.0), phase=-np.pi / 2) == math.inf
