"""Growth rate of the unsynchronized state of many groups sharing one mean field.

The dispersion-relation path (argument principle + Newton, no dense eigensolve;
``solvers/stability_shared.py``) must give the largest real part of the eigenvalues of the
dense coherence-sector Jacobian, on both sides of the threshold, for several disorder
distributions, complex couplings and oscillators.
"""

from __future__ import annotations

import numpy as np
import pytest

import qsynchro as q
from qsynchro.models.disorder import Gaussian, Lorentzian, Uniform, disordered_group
from qsynchro.solvers.stability import SHARED_DENSE_MAX, coherence_block, max_growth_rate


def _dense(net: q.Network) -> np.ndarray:
    return np.max(np.linalg.eigvals(coherence_block(net)).real, -1)


@pytest.mark.parametrize(
    "dist, K, M",
    [(Gaussian(0.2), -1.0, 70), (Lorentzian(0.1), 0.0, 72), (Uniform(0.3), 1.0, 66)],
)
def test_spin1_disordered_group_equals_the_dense_eigensolve(dist, K, M):
    assert 2 * M > SHARED_DENSE_MAX  # the shared path is the one taken
    vc = q.critical_coupling(0.5, 1.0, K, disorder=dist)
    V = vc * np.array([0.3, 0.9, 0.999, 1.001, 1.2, 3.0])
    net = disordered_group(q.spin1(), V, dist, M, K=K, gamma_plus=0.5)
    g = max_growth_rate(net)
    np.testing.assert_allclose(g, _dense(net), atol=1e-12)
    # the sign change sits at the continuum threshold up to the discretization
    assert np.all(g[:1] < 0) and np.all(g[-1:] > 0)


def test_complex_coupling_and_a_batch_shape():
    dist = Gaussian(0.15)
    V = np.array([[0.3, 0.6], [0.9, 1.5]]) * np.exp(0.4j)
    net = disordered_group(q.spin1(), V, dist, 80, K=-0.5, gamma_plus=0.5)
    g = max_growth_rate(net)
    assert g.shape == (2, 2)
    np.testing.assert_allclose(g, _dense(net), atol=1e-12)


def test_van_der_pol_with_a_dissipative_phase():
    osc = q.van_der_pol(4, gain=1.0, loss=0.2)
    V = np.array([0.2, 1.0, 4.0]) * np.exp(0.5j * np.pi * 0.8)
    net = disordered_group(osc, V, Lorentzian(0.05), 40)
    assert net.G * 4 > SHARED_DENSE_MAX
    np.testing.assert_allclose(max_growth_rate(net), _dense(net), atol=1e-12)


def test_unresolved_points_fall_back_to_the_dense_eigensolve(monkeypatch):
    import qsynchro.solvers.stability as stab

    dist = Gaussian(0.2)
    net = disordered_group(q.spin1(), np.array([0.1, 0.5]), dist, 70, K=-1.0, gamma_plus=0.5)
    monkeypatch.setattr(stab, "shared_growth_rate", lambda *a, **k: None)
    np.testing.assert_allclose(max_growth_rate(net), _dense(net), atol=1e-12)
