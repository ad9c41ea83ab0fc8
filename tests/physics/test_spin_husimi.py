"""Spin-s Husimi Q and phase distribution s(phi): closed form, quadrature, orientation.

Convention under test (measures/spin_husimi.py): phi is the azimuth of
<S^+> = |<S^+>| e^{i phi}; Q = (2s+1)/(4 pi) <theta,phi|rho|theta,phi>;
s(phi) = int_0^pi Q sin(theta) dtheta - 1/(2 pi).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
from hypothesis import given, settings
from hypothesis import strategies as st

from oracles import random_density_matrix
from qsynchro.measures.spin_husimi import (
    spin_coherent_state,
    spin_husimi_q,
    spin_phase_distribution,
    spin_phase_distribution_numeric,
)
from qsynchro.operators import spin_ops

PHI = np.linspace(-np.pi, np.pi, 721)


@settings(max_examples=25, deadline=None)
@given(two_s=st.integers(1, 6), seed=st.integers(0, 2**31 - 1))
def test_closed_form_equals_quadrature_of_q(two_s, seed):
    """The Beta-function closed form equals Gauss-Legendre quadrature of Q over theta.

    The theta integrand is a trigonometric polynomial of degree <= 2s + 1, so 64
    nodes are exact to rounding (tolerance 1e-13 on values of order 0.1).
    """
    rho = random_density_matrix(two_s + 1, np.random.default_rng(seed))
    closed = spin_phase_distribution(rho, PHI)
    numeric = spin_phase_distribution_numeric(rho, PHI, n_theta=64)
    np.testing.assert_allclose(closed, numeric, atol=1e-13)


def test_spin1_explicit_formula():
    r"""Spin 1: s = 3/16 |<S^+>| cos(phi - arg<S^+>) + 1/(2pi) |c20| cos(2 phi - arg c20).

    c20 = <|2><0|> = Tr(rho |2><0|) = rho[0, 2]. Coefficients from
    int_0^pi a_1 a_0 sin = sqrt(2) pi / 8 and int_0^pi a_1 a_-1 sin = 1/3 (by hand).
    """
    _, Sp, _ = spin_ops(2)
    for seed in range(5):
        rho = random_density_matrix(3, np.random.default_rng(seed))
        sp = np.trace(rho @ Sp)
        c20 = rho[0, 2]
        expected = 3 / 16 * abs(sp) * np.cos(PHI - np.angle(sp)) + abs(c20) / (2 * np.pi) * np.cos(
            2 * PHI - np.angle(c20)
        )
        np.testing.assert_allclose(spin_phase_distribution(rho, PHI), expected, atol=1e-15)


def test_normalization():
    """int Q sin(theta) dtheta dphi = 1 and int s(phi) dphi = 0 (trapezoid on a periodic grid)."""
    rho = random_density_matrix(4, np.random.default_rng(3))
    phi = np.linspace(0, 2 * np.pi, 256, endpoint=False)
    x, w = np.polynomial.legendre.leggauss(40)
    theta, w = 0.5 * np.pi * (x + 1), 0.5 * np.pi * w
    Q = spin_husimi_q(rho, theta, phi)
    total = np.sum(w[:, None] * np.sin(theta)[:, None] * Q) * (2 * np.pi / phi.size)
    assert total == pytest.approx(1.0, abs=1e-13)
    assert np.mean(spin_phase_distribution(rho, phi)) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("two_s", [1, 2, 3])
def test_coherent_state_is_rotated_highest_weight_state(two_s):
    """|theta,phi> = exp(-i phi S^z) exp(-i theta S^y) |s, m=s> up to a global phase.

    The rotation is built from operators.py with scipy's expm, independent of the
    closed-form components in spin_coherent_state.
    """
    Sz, Sp, Sm = spin_ops(two_s)
    Sy = (Sp - Sm) / 2j
    top = np.zeros(two_s + 1, complex)
    top[-1] = 1.0
    for theta, phi in [(0.3, 0.0), (1.2, 2.5), (2.9, -1.1)]:
        ref = scipy.linalg.expm(-1j * phi * Sz) @ scipy.linalg.expm(-1j * theta * Sy) @ top
        psi = spin_coherent_state(theta, phi, two_s)
        assert abs(np.vdot(ref, psi)) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("two_s", [1, 2, 3])
def test_orientation_coherent_state(two_s):
    """A coherent state along (theta0, phi0) has <S^+> = s sin(theta0) e^{+i phi0}, and both
    its Q function and its s(phi) peak at phi0 (the orientation that QuTiP once got wrong)."""
    _, Sp, _ = spin_ops(two_s)
    s = two_s / 2
    for theta0, phi0 in [(np.pi / 2, 0.7), (1.0, -2.0), (2.0, 3.0)]:
        psi = spin_coherent_state(theta0, phi0, two_s)
        rho = np.outer(psi, psi.conj())
        sp = np.trace(rho @ Sp)
        np.testing.assert_allclose(sp, s * np.sin(theta0) * np.exp(1j * phi0), atol=1e-12)
        phi = np.linspace(-np.pi, np.pi, 7201)
        peak = phi[np.argmax(spin_phase_distribution(rho, phi))]
        assert np.angle(np.exp(1j * (peak - phi0))) == pytest.approx(0.0, abs=2e-3)
        theta = np.linspace(0, np.pi, 361)  # grid steps 0.0087 (theta), 0.0087 (phi)
        phi = np.linspace(-np.pi, np.pi, 721)
        Q = spin_husimi_q(rho, theta, phi)
        it, ip = np.unravel_index(np.argmax(Q), Q.shape)
        assert theta[it] == pytest.approx(theta0, abs=5e-3)
        assert np.angle(np.exp(1j * (phi[ip] - phi0))) == pytest.approx(0.0, abs=5e-3)


def test_orientation_first_harmonic_state():
    """A spin-1 state with only a |0>-|1> coherence has s(phi) ∝ cos(phi - arg<S^+>) exactly,
    so its peak is exactly at arg<S^+>, for any phase (not only for coherent states)."""
    _, Sp, _ = spin_ops(2)
    phi = np.linspace(-np.pi, np.pi, 7201)
    for phase in np.linspace(-3, 3, 7):
        psi = np.array([0.6, 0.8 * np.exp(1j * phase), 0.0])
        rho = 0.7 * np.outer(psi, psi.conj()) + 0.3 * np.diag([0.2, 0.3, 0.5])
        sp = np.trace(rho @ Sp)
        peak = phi[np.argmax(spin_phase_distribution(rho, phi))]
        assert np.angle(np.exp(1j * (peak - np.angle(sp)))) == pytest.approx(0, abs=1e-3)


def test_global_rotation_shifts_distribution():
    """rho -> e^{-i chi S^z} rho e^{i chi S^z} rotates <S^+> by e^{i chi} and shifts s by chi."""
    Sz, _, _ = spin_ops(2)
    rho = random_density_matrix(3, np.random.default_rng(11))
    chi = 0.9
    U = scipy.linalg.expm(-1j * chi * Sz)
    rot = U @ rho @ U.conj().T
    np.testing.assert_allclose(
        spin_phase_distribution(rot, PHI), spin_phase_distribution(rho, PHI - chi), atol=1e-15
    )


def test_batch_shapes():
    rho = np.stack([random_density_matrix(3, np.random.default_rng(i)) for i in range(6)]).reshape(
        2, 3, 3, 3
    )
    assert spin_phase_distribution(rho, PHI).shape == (2, 3, PHI.size)
    assert spin_husimi_q(rho, np.linspace(0, 1, 4), PHI[:5]).shape == (2, 3, 4, 5)
    assert spin_coherent_state(np.zeros((4, 1)), np.zeros(5)).shape == (4, 5, 3)


def test_bad_input():
    with pytest.raises(ValueError, match="must be a square matrix"):
        spin_phase_distribution(np.zeros((3, 2)), PHI)
    with pytest.raises(ValueError, match=r"must be at least 2 x 2"):
        spin_phase_distribution(np.ones((1, 1)), PHI)
    with pytest.raises(ValueError, match=r"Argument `phi` must be finite"):
        spin_phase_distribution(np.eye(3) / 3, [0.0, np.nan])
    with pytest.raises(ValueError, match=r"Argument `two_s` must be at least 1"):
        spin_coherent_state(0.0, 0.0, 0)
    with pytest.raises(ValueError, match=r"Argument `n_theta` must be at least 2"):
        spin_phase_distribution_numeric(np.eye(3) / 3, PHI, n_theta=1)
