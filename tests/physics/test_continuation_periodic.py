r"""Periodic orbits by shooting: Floquet multipliers and cycle bifurcations with known answers.

- Hopf normal form :math:`\dot w = (\mu + i\omega)w - w|w|^2`: the cycle :math:`|w| =
  \sqrt\mu`, period :math:`2\pi/\omega`, nontrivial multiplier :math:`e^{-2\mu T}`; the
  start from the Hopf point uses the amplitude predicted by l1.
- Bautin :math:`\dot w = (\beta_1 + i)w + \beta_2 w|w|^2 - w|w|^4`, :math:`\beta_2 = 1/2`:
  cycles :math:`u = |w|^2` with :math:`\beta_1 + \beta_2 u - u^2 = 0`, a cycle fold at
  :math:`\beta_1 = -\beta_2^2/4`, multiplier :math:`e^{2u(\beta_2 - 2u)T}`.
- Period doubling: the unit cycle of :math:`(x, y)` carries a transverse plane v whose
  frame turns by half the angle of the cycle, with rates diag(kappa, -1) in that frame:
  after one period :math:`v \to -e^{\mathrm{diag}(\kappa, -1)T}v`, multipliers
  :math:`-e^{\kappa T}, -e^{-T}`: a period doubling at kappa = 0.
- Neimark-Sacker: the unit cycle times a focus :math:`\dot v = (\kappa + i\nu)v`:
  multipliers :math:`e^{(\kappa\pm i\nu)T}`, a torus bifurcation at kappa = 0 with angle
  :math:`\nu T` (mod 2 pi).
"""

import jax.numpy as jnp
import numpy as np
import pytest

from qsynchro.solvers.continuation import System
from qsynchro.solvers.equilibria import continue_equilibria
from qsynchro.solvers.periodic import continue_periodic, cycle_from_hopf, solve_periodic


def hopf_nf(x, p):
    mu, om = p[0], p[1]
    r2 = x[0] ** 2 + x[1] ** 2
    return jnp.stack([mu * x[0] - om * x[1] - x[0] * r2, om * x[0] + mu * x[1] - x[1] * r2])


def cycle(x):
    r2 = x[0] ** 2 + x[1] ** 2
    return jnp.stack([x[0] * (1 - r2) - x[1], x[1] * (1 - r2) + x[0]])


def test_hopf_cycle_amplitude_period_multiplier():
    om = 1.3
    sys_ = System(hopf_nf, ("mu", "omega"), 2)
    h = continue_equilibria(sys_, [0.0, 0.0], [-0.5, om], "mu", 0.5).bifurcations[0]
    x0, T, pp = cycle_from_hopf(sys_, h, [h.value, om])
    assert pp[0] > 0 and np.hypot(*x0) == pytest.approx(np.sqrt(pp[0]), rel=1e-8)
    cb = continue_periodic(sys_, x0, T, pp, "mu", 1.0)
    assert cb.status == "completed" and not cb.bifurcations and np.all(cb.stable)
    r = np.hypot(cb.states[:, 0], cb.states[:, 1])
    assert r == pytest.approx(np.sqrt(cb.values), rel=1e-7)
    assert cb.period == pytest.approx(2 * np.pi / om, rel=1e-8)  # RK4, 400 steps
    assert cb.multipliers[:, 0].real == pytest.approx(np.exp(-2 * cb.values * cb.period), abs=1e-8)


def test_bautin_cycle_fold():
    def bau(x, p):
        r2 = x[0] ** 2 + x[1] ** 2
        g = p[0] + p[1] * r2 - r2**2
        return jnp.stack([g * x[0] - x[1], x[0] + g * x[1]])

    sys_ = System(bau, ("b1", "b2"), 2)
    cb = continue_periodic(sys_, [np.sqrt(0.5), 0.0], 2 * np.pi, [0.0, 0.5], "b1", -0.2)
    assert "shrank to an equilibrium" in cb.message  # the small cycle dies at the Hopf point
    (f,) = cb.bifurcations
    assert f.kind == "cycle_fold" and f.value == pytest.approx(-0.0625, abs=1e-8)
    assert abs(f.eigenvalues[0]) == pytest.approx(1.0, abs=1e-6)
    u = cb.states[:, 0] ** 2 + cb.states[:, 1] ** 2
    pred = np.exp(2 * u * (0.5 - 2 * u) * cb.period)
    assert np.abs(cb.multipliers[:, 0]) == pytest.approx(pred, rel=1e-6, abs=1e-9)


def test_period_doubling():
    def pd(x, p):
        k = p[0]
        v = x[2:]
        Jv = jnp.stack([-v[1], v[0]])
        Sv = jnp.stack([x[0] * v[0] + x[1] * v[1], x[1] * v[0] - x[0] * v[1]])
        return jnp.concatenate([cycle(x[:2]), 0.5 * Jv + 0.5 * (k - 1) * v + 0.5 * (k + 1) * Sv])

    sys_ = System(pd, ("kappa",), 4)
    x0, T, mu, res = solve_periodic(sys_, [1.0, 0.0, 0.0, 0.0], 6.0, [-0.3])
    assert res < 1e-10 and T == pytest.approx(2 * np.pi, rel=1e-9)
    assert np.sort(mu.real) == pytest.approx(
        np.sort([-np.exp(-0.3 * T), -np.exp(-T), np.exp(-2 * T)]), abs=1e-8
    )
    cb = continue_periodic(sys_, x0, T, [-0.3], "kappa", 0.3)
    (b,) = cb.bifurcations
    assert b.kind == "period_doubling" and abs(b.value) < 1e-8
    assert np.min(np.abs(b.eigenvalues + 1)) < 1e-6


def test_neimark_sacker():
    nu = 0.7

    def ns(x, p):
        v = x[2:]
        return jnp.concatenate([cycle(x[:2]), p[0] * v + nu * jnp.stack([-v[1], v[0]])])

    sys_ = System(ns, ("kappa",), 4)
    cb = continue_periodic(sys_, [1.0, 0.0, 0.0, 0.0], 2 * np.pi, [-0.3], "kappa", 0.3)
    (b,) = cb.bifurcations
    assert b.kind == "neimark_sacker" and abs(b.value) < 1e-8
    angle = np.angle(np.exp(1j * nu * 2 * np.pi))
    assert b.frequency == pytest.approx(abs(angle), abs=1e-7)


def test_cycle_fold_refinement_converges_at_fourth_order():
    """Bautin cycle fold (exact: beta_1 = -beta_2^2/4 = -0.0625) on a deliberately coarse
    shooting (16 RK4 steps per period): located again with 32, 64, 128 steps, the error
    falls by ~2^4 per level (observed order 4 +- 0.5), and the Richardson value is exact to
    far better than the finest level."""
    from qsynchro.solvers.periodic_refine import refine_cycle_bifurcation

    def bau(x, p):
        r2 = x[0] ** 2 + x[1] ** 2
        g = p[0] + p[1] * r2 - r2**2
        return jnp.stack([g * x[0] - x[1], x[0] + g * x[1]])

    sys_ = System(bau, ("b1", "b2"), 2)
    cb = continue_periodic(sys_, [np.sqrt(0.5), 0.0], 2 * np.pi, [0.0, 0.5], "b1", -0.2, steps=16)
    (f,) = [b for b in cb.bifurcations if b.kind == "cycle_fold"]
    r = refine_cycle_bifurcation(sys_, cb, f, [0.0, 0.5], steps=16, levels=3, margin=0.01)
    err = np.abs(r.values + 0.0625)
    assert list(r.steps) == [16, 32, 64, 128]
    assert err[0] > 1e-6  # the coarse shooting is visibly off
    assert np.all(np.abs(r.observed_order - 4.0) < 0.5), r  # 4.41, 4.27: pre-asymptotic
    assert abs(r.extrapolated + 0.0625) < err[-1] / 5  # 1.4e-9 vs 1.7e-8
    assert abs(r.extrapolated + 0.0625) <= 2 * r.error_estimate + 1e-10
