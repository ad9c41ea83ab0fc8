r"""Generic continuation engine on textbook normal forms with known answers.

- saddle-node :math:`\dot x = p - x^2`: fold at p = 0, and the 2-D system
  :math:`\dot x = p - x^2 - y,\ \dot y = x - y`: equilibria :math:`p = x^2 + x`, fold at
  :math:`x = -1/2,\ p = -1/4`.
- Hopf normal form in Cartesian form, :math:`\dot w = (\mu + i\omega)w + \sigma w|w|^2`
  (w = x_1 + i x_2): Hopf at mu = 0 with frequency omega. With Kuznetsov's normalization
  :math:`\langle q, q\rangle = 1`, :math:`q = (1, -i)/\sqrt2`, the complex coordinate is
  :math:`z = w/\sqrt2`, so :math:`\dot z = i\omega z + 2\sigma z|z|^2` and
  :math:`l_1 = 2\sigma/\omega`.
- l1 is invariant under near-identity coordinate changes :math:`x = Ru + \phi(u)` (R
  orthogonal, :math:`\phi` quadratic and cubic): the quadratic terms they create must be
  cancelled exactly by the B-terms of Kuznetsov's formula.
- pitchfork :math:`\dot x = px - x^3`: branch point at p = 0 on the trivial branch.
- relative equilibria: the limit cycle of the Hopf normal form is stationary in a rotating
  frame: :math:`|w|^2 = -\mu/\sigma`, frame frequency :math:`\omega + b|w|^2` (twist b),
  and the reduced spectrum (phase mode removed) is :math:`\{2\mu\}` for sigma = -1, plus
  -1 for a slaved variable :math:`\dot u = -u + |w|^2`.
"""

import jax.numpy as jnp
import numpy as np
import pytest

from qsynchro.solvers.continuation import ContinuationSettings, Symmetry, System
from qsynchro.solvers.equilibria import continue_equilibria


def hopf_nf(x, p):
    mu, om, s = p[0], p[1], p[2]
    r2 = x[0] ** 2 + x[1] ** 2
    return jnp.stack([mu * x[0] - om * x[1] + s * x[0] * r2, om * x[0] + mu * x[1] + s * x[1] * r2])


HOPF = System(hopf_nf, ("mu", "omega", "sigma"), 2)


def test_saddle_node_fold_at_zero():
    b = continue_equilibria(System(lambda x, p: p[:1] - x**2, ("p",), 1), [1.0], [1.0], "p", -1.0)
    folds = [f for f in b.bifurcations if f.kind == "fold"]
    assert len(folds) == 1 and b.status == "completed"
    assert abs(folds[0].value) < 1e-10 and abs(folds[0].state[0]) < 1e-5
    # after the fold the branch returns on x < 0 to p = 1 (the end of the window)
    assert b.values[-1] == pytest.approx(1.0) and b.states[-1, 0] == pytest.approx(-1.0)
    # stability: x > 0 stable (eigenvalue -2x), x < 0 unstable
    assert np.all(b.stable[b.states[:, 0] > 1e-3]) and not np.any(b.stable[b.states[:, 0] < -1e-3])


def test_fold_in_two_dimensions():
    def f(x, p):
        return jnp.stack([p[0] - x[0] ** 2 - x[1], x[0] - x[1]])

    b = continue_equilibria(System(f, ("p",), 2), [1.0, 1.0], [2.0], "p", -1.0)
    (fold,) = [f for f in b.bifurcations if f.kind == "fold"]
    assert fold.value == pytest.approx(-0.25, abs=1e-12)
    assert fold.state == pytest.approx([-0.5, -0.5], abs=1e-8)
    assert np.min(np.abs(fold.eigenvalues)) < 1e-10  # a zero eigenvalue at the fold


@pytest.mark.parametrize("sigma", [-1.0, 0.7])
def test_hopf_normal_form_location_frequency_l1(sigma):
    om = 1.3
    b = continue_equilibria(HOPF, [0.0, 0.0], [-0.5, om, sigma], "mu", 0.5)
    (h,) = b.bifurcations
    assert h.kind == "hopf" and abs(h.value) < 1e-12
    assert h.frequency == pytest.approx(om, rel=1e-12)
    assert h.l1 == pytest.approx(2 * sigma / om, rel=1e-10)
    assert h.criticality == ("supercritical" if sigma < 0 else "subcritical")
    assert np.all(b.stable[b.values < 0]) and not np.any(b.stable[b.values > 1e-12])


def test_l1_invariant_under_nonlinear_coordinate_change():
    """x = h(u) = R u + phi(u) (phi quadratic + cubic): u' = Dh(u)^{-1} f(h(u)) (2x2 inverse
    written out); l1 must not change. The quadratic terms give B-contributions with nonzero
    real parts (a wrong factor in any B-term of Kuznetsov's formula changes l1 here)."""
    th = 0.4
    R = jnp.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])

    def g(u, p):
        x = R @ u + jnp.stack([0.3 * u[0] ** 2 - 0.5 * u[0] * u[1], 0.2 * u[1] ** 2 + u[0] ** 3])
        D = R + jnp.array([[0.6 * u[0] - 0.5 * u[1], -0.5 * u[0]], [3 * u[0] ** 2, 0.4 * u[1]]])
        fx = hopf_nf(x, p)
        det = D[0, 0] * D[1, 1] - D[0, 1] * D[1, 0]
        u0 = D[1, 1] * fx[0] - D[0, 1] * fx[1]
        return jnp.stack([u0, D[0, 0] * fx[1] - D[1, 0] * fx[0]]) / det

    om, sigma = 0.8, -0.6
    b = continue_equilibria(
        System(g, ("mu", "omega", "sigma"), 2), [0.0, 0.0], [-0.3, om, sigma], "mu", 0.3
    )
    (hp,) = b.bifurcations
    assert abs(hp.value) < 1e-12 and hp.frequency == pytest.approx(om, rel=1e-10)
    assert hp.l1 == pytest.approx(2 * sigma / om, rel=1e-8)


def test_pitchfork_branch_point():
    b = continue_equilibria(
        System(lambda x, p: p[0] * x - x**3, ("p",), 1), [0.0], [-1.0], "p", 1.0
    )
    kinds = [f.kind for f in b.bifurcations]
    assert kinds == ["branch_point"]
    assert abs(b.bifurcations[0].value) < 1e-8


def test_relative_equilibria_on_the_slice():
    """Cycle of the Hopf normal form (+ slaved u) as a relative equilibrium, mu in [1, 0.1]."""
    om, b_twist = 1.1, 0.5

    def f(x, p):
        mu = p[0]
        r2 = x[0] ** 2 + x[1] ** 2
        rot = om + b_twist * r2
        return jnp.stack(
            [
                mu * x[0] - rot * x[1] - x[0] * r2,
                rot * x[0] + mu * x[1] - x[1] * r2,
                -x[2] + r2,
            ]
        )

    T = np.zeros((3, 3))
    T[0, 1], T[1, 0] = -1.0, 1.0  # rotation of (x0, x1)
    sym = Symmetry(T, [0.0, 1.0, 0.0])  # slice: x1 = 0
    sys_ = System(f, ("mu",), 3, sym)
    b = continue_equilibria(
        sys_, [1.0, 0.0, 1.0], [1.0], "mu", 0.1, settings=ContinuationSettings(ds_max=0.05)
    )
    assert b.status == "completed" and not b.bifurcations
    mu = b.values
    assert b.states[:, 0] ** 2 == pytest.approx(mu, rel=1e-10)  # |w|^2 = mu
    assert b.states[:, 2] == pytest.approx(mu, rel=1e-10)
    assert b.frequency[:, 0] == pytest.approx(om + b_twist * mu, rel=1e-10)
    ev = np.sort(b.eigenvalues.real, axis=-1)
    assert ev[:, 0] == pytest.approx(np.minimum(-2 * mu, -1.0), rel=1e-8)
    assert ev[:, 1] == pytest.approx(np.maximum(-2 * mu, -1.0), rel=1e-8)
    assert b.eigenvalues.shape[-1] == 2  # the neutral phase mode is gone


def test_bad_input_messages():
    sys_ = System(lambda x, p: p[:1] - x**2, ("p",), 1)
    with pytest.raises(ValueError, match="`parameter` must be one of 'p'"):
        continue_equilibria(sys_, [1.0], [1.0], "q", 0.0)
    b = continue_equilibria(sys_, [0.3], [1.0], "p", 0.0)
    assert b.status == "failed" and "not an equilibrium" in b.message
    with pytest.raises(ValueError, match="ds_min <= ds <= ds_max"):
        ContinuationSettings(ds=1.0, ds_max=0.1)


def test_failing_step_gives_a_failed_status_and_keeps_the_points():
    """x' = x - sqrt(p): the branch x = sqrt(p) ends at p = 0, where the field is not
    differentiable (NaN for p < 0): a clear failure at the last parameter value."""
    sys_ = System(lambda x, p: x - jnp.sqrt(p[:1]), ("p",), 1)
    b = continue_equilibria(sys_, [1.0], [1.0], "p", -1.0)
    assert b.status == "failed" and "did not converge at p = " in b.message
    assert b.values.size > 5 and np.all(b.values > 0) and b.values.min() < 1e-2
    assert "failed" in repr(b)
