r"""SU(D) coherent states, Husimi Q (Eq. 1) and the phase distribution S(phi) (Eq. 3).

Murtadho, Vinjanampathy & Thingna, PRL 131, 030401.

Haar measure used for the integrals (derived in ``qsynchro.measures.husimi``):

.. math::
    d\mu = \prod_{k=1}^{D-1}\cos\theta_k\sin^{2(D-k)-1}\theta_k\,d\theta_k\,d\phi_k,
    \quad \theta_k\in[0,\pi/2],\ \phi_k\in[0,2\pi),

the pull-back of the uniform measure on the unit sphere :math:`S^{2D-1}` (the moduli
:math:`|\alpha_n|^2` are uniform on the simplex). Its volume is :math:`\pi^{D-1}/(D-1)!`.

The integrands are analytic in the theta's (products of cos and sin), so Gauss-Legendre
quadrature on [0, pi/2] converges exponentially; 20-24 nodes per angle reproduce the
integrals to ~1e-14.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from oracles import random_density_matrix
from qsynchro.measures.husimi import (
    coherent_state,
    haar_theta_weight,
    husimi_q,
    phase_distribution,
    phase_prefactor,
)


def theta_grid(D: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Tensor Gauss-Legendre nodes (n^(D-1), D-1) and weights on [0, pi/2]^(D-1)."""
    x, w = np.polynomial.legendre.leggauss(n)
    x = (x + 1) * np.pi / 4
    w = w * np.pi / 4
    grids = np.meshgrid(*([x] * (D - 1)), indexing="ij")
    wgrids = np.meshgrid(*([w] * (D - 1)), indexing="ij")
    nodes = np.stack([g.ravel() for g in grids], axis=-1)
    weights = np.prod(np.stack([g.ravel() for g in wgrids], axis=-1), axis=-1)
    return nodes, weights


@pytest.mark.parametrize("D", [2, 3, 4, 6])
def test_coherent_state_is_normalized(D: int) -> None:
    rng = np.random.default_rng(D)
    th = rng.uniform(0, np.pi / 2, size=(7, D - 1))
    ph = rng.uniform(0, 2 * np.pi, size=(7, D - 1))
    a = coherent_state(th, ph)
    assert a.shape == (7, D)
    np.testing.assert_allclose(np.sum(np.abs(a) ** 2, axis=-1), 1.0, atol=1e-14)
    # reference phase phi_D = 0 and Eq. 2 moduli for n = 1
    np.testing.assert_allclose(np.angle(a[:, -1]), 0.0, atol=1e-15)
    np.testing.assert_allclose(np.abs(a[:, 0]), np.cos(th[:, 0]), atol=1e-15)


@pytest.mark.parametrize("D", [2, 3, 4])
def test_haar_measure_volume_and_q_normalization(D: int) -> None:
    """Volume pi^{D-1}/(D-1)! and int Q dmu = 1 with the paper's D!/pi^{D-1} (Eq. 1)."""
    nodes, w = theta_grid(D, 16)
    vol_theta = np.sum(w * haar_theta_weight(nodes))
    assert vol_theta * (2 * np.pi) ** (D - 1) == pytest.approx(
        np.pi ** (D - 1) / math.factorial(D - 1), rel=1e-13
    )
    rho = random_density_matrix(D, np.random.default_rng(10 + D))
    # int over phases of <a|rho|a> kills the coherences: sample phases uniformly (exact for
    # trigonometric polynomials of degree < M with M equispaced points per axis)
    M = 4
    g = 2 * np.pi * np.arange(M) / M
    phs = np.stack(np.meshgrid(*([g] * (D - 1)), indexing="ij"), -1).reshape(-1, D - 1)
    total = 0.0
    for ph in phs:
        q = husimi_q(rho, nodes, np.broadcast_to(ph, nodes.shape))
        total += np.sum(w * haar_theta_weight(nodes) * q)
    total *= (2 * np.pi) ** (D - 1) / len(phs)
    assert total == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("D", [3, 4])
def test_phase_distribution_equals_integral_of_q(D: int) -> None:
    """Eq. (3): S(phi) = int Q dTheta - 1/(2 pi)^{D-1}, closed form vs quadrature."""
    rng = np.random.default_rng(100 + D)
    nodes, w = theta_grid(D, 24 if D == 3 else 20)
    hw = w * haar_theta_weight(nodes)
    for trial in range(3):
        rho = random_density_matrix(D, rng, rank=1 + trial)
        phases = rng.uniform(0, 2 * np.pi, size=(4, D - 1))
        closed = phase_distribution(rho, phases)
        for ph, s in zip(phases, closed):
            q = husimi_q(rho, nodes, np.broadcast_to(ph, nodes.shape))
            numeric = np.sum(hw * q) - 1.0 / (2 * np.pi) ** (D - 1)
            # tolerance: quadrature error ~1e-14 on O(1/pi^{D-1}) integrands
            assert numeric == pytest.approx(s, abs=1e-12)


def test_phase_distribution_closed_form_and_prefactor() -> None:
    """Ordered-pair sum with prefactor 1/(2^{D+1} pi^{D-2}), literal loop oracle."""
    rng = np.random.default_rng(7)
    D = 5
    rho = random_density_matrix(D, rng)
    phases = rng.uniform(0, 2 * np.pi, size=(3, 2, D - 1))
    got = phase_distribution(rho, phases)
    assert got.shape == (3, 2)
    for idx in np.ndindex(3, 2):
        phi = np.append(phases[idx], 0.0)
        s = sum(
            rho[n, m] * np.exp(1j * (phi[m] - phi[n])) for n in range(D) for m in range(D) if n != m
        )
        assert got[idx] == pytest.approx(s.real / (2 ** (D + 1) * np.pi ** (D - 2)), abs=1e-15)
    assert phase_prefactor(D) == pytest.approx(1 / (2 ** (D + 1) * np.pi ** (D - 2)), rel=1e-15)


def test_diagonal_state_has_flat_phase_distribution() -> None:
    rho = np.diag([0.5, 0.3, 0.2])
    ph = np.random.default_rng(0).uniform(0, 2 * np.pi, size=(10, 2))
    assert np.all(phase_distribution(rho, ph) == 0.0)


def test_phase_distribution_accepts_qutip_and_jax() -> None:
    qutip = pytest.importorskip("qutip")
    import jax.numpy as jnp

    rho = random_density_matrix(3, np.random.default_rng(3))
    ph = np.array([[0.3, 1.2]])
    ref = phase_distribution(rho, ph)
    assert phase_distribution(qutip.Qobj(rho), ph) == pytest.approx(ref, abs=1e-16)
    assert phase_distribution(jnp.asarray(rho), ph) == pytest.approx(ref, abs=1e-16)


def test_bad_input_messages() -> None:
    rho = random_density_matrix(3, np.random.default_rng(1))
    with pytest.raises(ValueError, match=r"Argument `phases` must have shape \(\.\.\., 2\)"):
        phase_distribution(rho, np.zeros(3))
    bad = rho.copy()
    bad[0, 1] += 0.1
    with pytest.raises(ValueError, match="Argument `rho` must be Hermitian"):
        phase_distribution(bad, np.zeros(2))
    with pytest.raises(ValueError, match="Argument `phases` must be finite"):
        phase_distribution(rho, np.array([np.nan, 0.0]))
    with pytest.raises(ValueError, match=r"Argument `theta` must have shape \(\.\.\., 2\)"):
        husimi_q(rho, np.zeros(3), np.zeros(2))
