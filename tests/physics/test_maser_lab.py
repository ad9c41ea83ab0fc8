"""Lab-frame dynamics and frequency locking (Murtadho et al., text below Eq. 10).

Claim tested: for a detuned drive (Omega != omega_2 - omega_1) the non-degenerate
coherences rho_1j(t) of the lab-frame steady state rotate at the drive frequency
Omega, while the degenerate coherences rho_jl are stationary.
"""

import numpy as np
import pytest

from qsynchro.equations.maser import to_lab_frame, to_rotating_frame
from qsynchro.models.maser import Maser
from qsynchro.solvers.maser_lab import (
    evolve_lab,
    evolve_lab_direct,
    evolve_rotating,
    rotation_frequency,
)
from qsynchro.solvers.steady import steady_state, steady_state_dense


def ground(D):
    rho = np.zeros((D, D), dtype=complex)
    rho[0, 0] = 1.0
    return rho


def test_rotation_frequency_sub_bin():
    """A pure tone off the FFT grid to 1e-10 (the Hann-windowed DTFT of a tone peaks
    exactly at its frequency); with a decaying transient elsewhere in the spectrum, whose
    Lorentzian tail biases the peak slightly, to 1e-7."""
    t = np.arange(3000) * 0.037
    for om in (2.3456789, -1.1111, 0.4):
        z = 0.3 * np.exp(1j * om * t + 0.2j)
        assert rotation_frequency(t, z) == pytest.approx(om, abs=1e-10)
        z = z + 0.01 * np.exp((-0.5 + 5j) * t)
        assert rotation_frequency(t, z) == pytest.approx(om, abs=1e-7)
    assert abs(rotation_frequency(t, np.full(t.size, 0.2 + 0.1j))) < 1e-9
    with pytest.raises(ValueError, match="uniformly spaced"):
        rotation_frequency(t**2, np.ones(t.size))
    with pytest.raises(ValueError, match="1-D of equal length >= 8"):
        rotation_frequency(t[:5], np.ones(5))


@pytest.mark.parametrize("Delta", [0.0, 0.07])
def test_direct_lab_integration_matches_frame_transform(Delta):
    """Direct DOP853 integration of the time-dependent Eq. 5-7 == transformed Eq. 8."""
    rng = np.random.default_rng(1)
    lam = 0.15 * (rng.normal(size=3) + 1j * rng.normal(size=3))
    m = Maser(3, lam, 2.0, 0.5, 0.05, 0.2, Omega=2.4, Delta=Delta)
    t = np.linspace(0, 15, 61)
    a = evolve_lab(m, ground(m.D), t)
    b = evolve_lab_direct(m, ground(m.D), t)
    np.testing.assert_allclose(a, b, atol=1e-8)
    # the rotating-frame propagation itself ends at the steady state for long times
    late = evolve_rotating(m, ground(m.D), np.array([0.0, 2000.0]))[-1]
    np.testing.assert_allclose(late, steady_state_dense(m), atol=1e-10)
    np.testing.assert_allclose(to_rotating_frame(m, to_lab_frame(m, late, 3.3), 3.3), late)


@pytest.mark.parametrize(("Omega", "Delta"), [(2.35, 0.0), (1.8, 0.0), (2.2, 0.05)])
def test_frequency_locking(Omega, Delta):
    """Late-time lab-frame rho_1j(t) rotates at Omega (not omega_2 - omega_1 = 2,
    nor omega_j - omega_1); rho_jl stays stationary."""
    m = Maser(3, [0.1, 0.2, 0.15], 0.3, 0.5, 0.05, 0.2, Omega=Omega, Delta=Delta)
    t0 = 1500.0  # slowest relaxation rate here is ~ 2 gamma_h = 0.1: transients ~ e^-150
    t = t0 + np.arange(4096) * 0.05
    rho = evolve_lab(m, ground(m.D), np.concatenate([[0.0], t]))[1:]
    for j in range(2, m.D):
        om = rotation_frequency(t, rho[:, 1, j])
        assert om == pytest.approx(Omega, abs=1e-8)
        assert abs(om - (m.energies[j] - m.omega_1)) > 0.04
    for j, l in [(2, 3), (2, 4), (3, 4)]:
        assert abs(np.abs(rho[:, j, l]).min()) > 1e-6  # a real, non-zero coherence ...
        np.testing.assert_allclose(rho[:, j, l], rho[0, j, l], atol=1e-12)  # ... at rest
        assert abs(rotation_frequency(t, rho[:, j, l])) < 1e-8
    # and the lab-frame steady orbit is the rotating steady state times e^{i Omega t}
    rss = steady_state(m)
    np.testing.assert_allclose(rho[:, 1, 2], rss[1, 2] * np.exp(1j * Omega * t), atol=1e-10)


def test_bad_input():
    m = Maser(2, 0.1, 1.0, 0.5, 0.05, 0.2)
    with pytest.raises(ValueError, match=r"Argument `rho0` must have shape \(4, 4\)"):
        evolve_lab(m, np.eye(3) / 3, [0.0, 1.0])
    with pytest.raises(ValueError, match="Argument `t` must be a non-empty 1-D array"):
        evolve_lab(m, ground(4), [1.0, 0.5])
    with pytest.raises(ValueError, match="Argument `rtol` must be positive"):
        evolve_lab_direct(m, ground(4), [0.0, 1.0], rtol=0.0)
    with pytest.raises(ValueError, match="dense dynamics allow N <= 30"):
        evolve_rotating(Maser(31, 0.1, 1.0, 0.5, 0.05, 0.2), ground(33), [0.0])
