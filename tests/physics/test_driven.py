r"""Driven spin-1 oscillator (Fig. 2(d)): closed-form weak-drive response and invariants.

Weak-drive perturbation theory around rho = |1><1| (H_drive = eps/2 (S^+ + S^-),
resonant, drive phase 0; energies E0 = E1 = 0, E2 = K; the coherence <0|rho|1>
decays at gamma_+/2 and <1|rho|2> at gamma_-/2):

    <0|rho|1> = -i sqrt(2) eps / gamma_+,
    <1|rho|2> =  i sqrt(2) eps / (gamma_- - 2 i K),
    <S^+> = sqrt(2) (<0|rho|1> + <1|rho|2>) = 2 i eps [1/(gamma_- - 2iK) - 1/gamma_+] + O(eps^3),

and at second order, with Gamma = (gamma_+ + gamma_-)/2,

    c20 = <0|rho|2> = eps^2 [1/(gamma_- - 2iK) + 1/gamma_+] / (Gamma - iK) + O(eps^4).

At gamma_+ = gamma_- and K = 0 the first order vanishes (interference blockade) and
c20 = 2 eps^2/gamma > 0: s(phi) ∝ cos(2 phi) with equal peaks at 0 and pi. For small K,
<S^+> ≈ -4 eps K / gamma^2: in phase with the drive (phi = 0) for K < 0, at pi for K > 0.
"""

from __future__ import annotations

import numpy as np
import pytest

from oracles import s_plus_spin1
from qsynchro.measures.spin_husimi import spin_phase_distribution
from qsynchro.models.driven import DrivenOscillator
from qsynchro.solvers.driven import driven_evolve, driven_liouvillian, driven_steady_state

s_plus = s_plus_spin1  # <S^+> with the literal spin-1 S^+ of tests/oracles.py


@pytest.mark.parametrize(
    ("K", "gp", "gm"), [(0.0, 1.0, 1.0), (-0.3, 0.5, 1.0), (0.7, 2.0, 1.0), (0.2, 1.0, 0.3)]
)
def test_linear_response_closed_form(K, gp, gm):
    """<S^+>/eps matches first-order perturbation theory; corrections are O(eps^2) relative,
    1e-8 at eps = 1e-4 (tolerance 1e-6 relative to the scale 1/gamma)."""
    eps = 1e-4
    rho = driven_steady_state(DrivenOscillator(K, gp, gm, eps))
    expected = 2j * (1 / (gm - 2j * K) - 1 / gp)
    assert s_plus(rho) / eps == pytest.approx(expected, abs=1e-6 * (1 / gp + 1 / gm))
    c20 = eps**2 * (1 / (gm - 2j * K) + 1 / gp) / ((gp + gm) / 2 - 1j * K)
    assert rho[0, 2] / eps**2 == pytest.approx(c20 / eps**2, abs=1e-6 * (1 / gp + 1 / gm) ** 2)


def test_fig2d_physics_peaks():
    """Fig. 2(d) at gamma_+ = gamma_- = 1, K/(gamma_+ + gamma_-) = -1/10, 0, +1/10, eps = 0.1:
    K = 0 has equal peaks at 0 and pi; K < 0 peaks near 0; K > 0 peaks near pi."""
    K = np.array([-0.2, 0.0, 0.2])
    rho = driven_steady_state(DrivenOscillator(K, 1.0, 1.0, 0.1))
    phi = np.linspace(-np.pi / 2, 3 * np.pi / 2, 4001)
    s = spin_phase_distribution(rho, phi)
    i0, ipi = np.argmin(abs(phi)), np.argmin(abs(phi - np.pi))
    # K = 0: symmetric under phi -> phi + pi, maxima at 0 and pi
    assert s[1, i0] == pytest.approx(s[1, ipi], abs=1e-15)
    assert s[1, i0] == pytest.approx(s[1].max(), abs=1e-12)
    # K < 0: global maximum within pi/4 of 0, K > 0: within pi/4 of pi (mirror images)
    assert abs(phi[np.argmax(s[0])]) < np.pi / 4
    assert abs(phi[np.argmax(s[2])] - np.pi) < np.pi / 4
    # delta-K mirror symmetry: s_K(phi) = s_{-K}(pi - phi)
    np.testing.assert_allclose(
        s[2],
        np.interp(np.mod(np.pi - phi + np.pi / 2, 2 * np.pi) - np.pi / 2, phi, s[0]),
        atol=1e-6,
    )


def test_steady_state_is_physical_and_stationary():
    m = DrivenOscillator(np.linspace(-1, 1, 5), 0.5, 1.0, 0.3, detuning=0.2, drive_phase=1.0)
    rho = driven_steady_state(m)
    assert rho.shape == (5, 3, 3)
    np.testing.assert_allclose(np.trace(rho, axis1=-2, axis2=-1), 1.0, atol=1e-13)
    np.testing.assert_allclose(rho, np.conj(np.swapaxes(rho, -1, -2)), atol=1e-15)
    assert np.linalg.eigvalsh(rho).min() > -1e-13
    L = driven_liouvillian(m)
    assert np.abs(np.einsum("bij,bj->bi", L, rho.reshape(5, 9))).max() < 1e-13


def test_undriven_steady_state_is_level_one():
    """eps = 0: the pumping drives every oscillator into |1> (the limit cycle of Eq. 1)."""
    rho = driven_steady_state(DrivenOscillator(0.4, 0.7, 1.3, 0.0))
    np.testing.assert_allclose(rho, np.diag([0, 1, 0]), atol=1e-14)


def test_drive_phase_rotates_response():
    """Global phase symmetry: drive_phase chi multiplies <S^+> by e^{i chi}."""
    base = driven_steady_state(DrivenOscillator(-0.3, 0.5, 1.0, 0.2))
    rot = driven_steady_state(DrivenOscillator(-0.3, 0.5, 1.0, 0.2, drive_phase=1.1))
    assert s_plus(rot) == pytest.approx(s_plus(base) * np.exp(1.1j), abs=1e-14)


def test_evolution_invariants_and_relaxation():
    """Trace, hermiticity and positivity along the exact trajectory; it relaxes to the
    steady state (slowest rate ~ min(gamma)/2, so t = 80 leaves < 1e-12)."""
    m = DrivenOscillator(0.3, 0.5, 1.0, 0.4, detuning=-0.1)
    t = np.linspace(0, 80, 401)
    rho0 = np.diag([0.5, 0.0, 0.5]).astype(complex)
    traj = driven_evolve(m, rho0, t)
    assert traj.shape == (401, 3, 3)
    np.testing.assert_allclose(np.trace(traj, axis1=-2, axis2=-1), 1, atol=1e-12)
    np.testing.assert_allclose(traj, np.conj(np.swapaxes(traj, -1, -2)), atol=1e-13)
    assert np.linalg.eigvalsh(traj).min() > -1e-12
    np.testing.assert_allclose(traj[-1], driven_steady_state(m), atol=1e-10)


def test_bad_input():
    with pytest.raises(ValueError, match=r"Argument `gamma_plus` must be non-negative, but got"):
        DrivenOscillator(0.0, -0.1, 1.0)
    with pytest.raises(ValueError, match=r"Argument `K` must be finite"):
        DrivenOscillator(np.nan)
    with pytest.raises(ValueError, match=r"Argument `epsilon` must be non-negative"):
        DrivenOscillator(0.0, 1.0, 1.0, -1.0)
    with pytest.raises(ValueError, match=r"must broadcast together"):
        DrivenOscillator(np.zeros(2), np.ones(3))
    with pytest.raises(ValueError, match=r"Argument `gamma_minus` must be positive for a unique"):
        driven_steady_state(DrivenOscillator(0.0, 1.0, 0.0))
    with pytest.raises(TypeError, match=r"Argument `model` must be a DrivenOscillator"):
        driven_steady_state("oscillator")
    m = DrivenOscillator()
    with pytest.raises(ValueError, match=r"Argument `times` must be non-decreasing"):
        driven_evolve(m, np.diag([0, 1, 0]), [0.0, 2.0, 1.0])
    with pytest.raises(ValueError, match=r"Argument `rho0` must have unit trace"):
        driven_evolve(m, np.eye(3), [0.0, 1.0])
    with pytest.raises(ValueError, match=r"Argument `rho0` must have shape \(..., 3, 3\)"):
        driven_evolve(m, np.eye(2) / 2, [0.0, 1.0])


def test_driven_kernel_through_sweep_engine():
    """The 'driven' kernel returns the steady-state measures of the same model (one code
    path for Fig. 2(d)), with phi on [phi_start, phi_start + 2 pi]."""
    from qsynchro.experiments.runner import run_sweep
    from qsynchro.sweeps.grid import Axis, Sweep

    sw = Sweep(
        "driven",
        (Axis("K", [-0.2, 0.3]), Axis("drive_phase", [0.0, 1.0])),
        ("phase_distribution", "S_plus", "population_1"),
        fixed={"gamma_plus": 0.5, "epsilon": 0.2},
        settings={"n_phi": 9},
    )
    ds = run_sweep(sw, progress=False)
    assert ds["phase_distribution"].dims == ("K", "drive_phase", "phi")
    np.testing.assert_allclose(ds["phi"], -np.pi / 2 + np.linspace(0, 2 * np.pi, 9))
    rho = driven_steady_state(DrivenOscillator(0.3, 0.5, 1.0, 0.2, drive_phase=1.0))
    got = ds.sel(K=0.3, drive_phase=1.0)
    assert complex(got["S_plus"]) == pytest.approx(s_plus(rho), abs=1e-14)
    np.testing.assert_allclose(
        got["phase_distribution"], spin_phase_distribution(rho, ds["phi"].values), atol=1e-15
    )
    assert float(got["population_1"]) == pytest.approx(rho[1, 1].real, abs=1e-14)


def test_driven_kernel_bad_input():
    from qsynchro.experiments.runner import run_sweep
    from qsynchro.sweeps.grid import Axis, Sweep

    with pytest.raises(ValueError, match=r"Argument `gamma_minus` must be positive"):
        run_sweep(Sweep("driven", (Axis("gamma_minus", [0.0, 1.0]),), ("S_plus",)), progress=False)
    with pytest.raises(ValueError, match=r"Unknown measure 'order_parameter'"):
        run_sweep(Sweep("driven", (Axis("K", [0.0]),), ("order_parameter",)), progress=False)
    with pytest.raises(ValueError, match=r"Argument `n_phi` must be at least 2"):
        run_sweep(
            Sweep("driven", (Axis("K", [0.0]),), ("S_plus",), settings={"n_phi": 1}), progress=False
        )
