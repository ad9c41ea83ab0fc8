r"""Two-parameter continuation of fold and Hopf points against analytic curves.

- cusp :math:`\dot x = \beta_1 + \beta_2 x - x^3`: folds at :math:`\beta_1 = x^3 - x`... with
  :math:`\beta_2 = 3x^2`, i.e. the curve :math:`4\beta_2^3 = 27\beta_1^2`, cusp at (0, 0).
- Bogdanov-Takens :math:`\dot x = y,\ \dot y = \beta_1 + \beta_2 y + x^2 - xy`: equilibria
  :math:`(\pm\sqrt{-\beta_1}, 0)`; the fold curve is :math:`\beta_1 = 0`; at
  :math:`x = -\sqrt{-\beta_1}` the trace :math:`\beta_2 - x` vanishes on the Hopf curve
  :math:`\beta_1 = -\beta_2^2` (:math:`\beta_2 < 0`) with frequency
  :math:`\omega = \sqrt{-2x} = \sqrt{2|\beta_2|}`; both curves meet at the BT point (0, 0).
- Bautin :math:`\dot w = (\beta_1 + i)w + \beta_2 w|w|^2 - w|w|^4`: Hopf curve
  :math:`\beta_1 = 0`, :math:`l_1 = 2\beta_2` (Cartesian normal form, omega = 1), which
  changes sign at the generalized Hopf point :math:`\beta_2 = 0`.
"""

import jax.numpy as jnp
import numpy as np
import pytest

from qsynchro.solvers.codim2 import continue_bifurcation
from qsynchro.solvers.continuation import System
from qsynchro.solvers.equilibria import continue_equilibria


def test_cusp_fold_curve():
    cusp = System(lambda x, p: jnp.stack([p[0] + p[1] * x[0] - x[0] ** 3]), ("b1", "b2"), 1)
    b = continue_equilibria(cusp, [-1.5], [-1.875, 1.0], "b1", 1.0)
    f = b.bifurcations[0]
    assert f.kind == "fold" and f.value == pytest.approx(2 / 3 / np.sqrt(3), abs=1e-10)
    c = continue_bifurcation(cusp, f, [f.value, 1.0], "b2", -1.0)
    assert c.status == "completed"
    b1, b2 = c.values.T
    assert np.max(np.abs(4 * b2**3 - 27 * b1**2)) < 1e-10
    (cp,) = [q for q in c.points if q.kind == "cusp"]
    assert abs(cp.value) < 1e-8 and abs(cp.other["b2"]) < 1e-8


def bt(x, p):
    return jnp.stack([x[1], p[0] + p[1] * x[1] + x[0] ** 2 - x[0] * x[1]])


BT = System(bt, ("b1", "b2"), 2)


def test_bogdanov_takens_curves():
    b = continue_equilibria(BT, [-1.0, 0.0], [-1.0, -0.5], "b1", 0.0)
    hopf, fold = b.bifurcations
    assert hopf.kind == "hopf" and hopf.value == pytest.approx(-0.25, abs=1e-12)
    assert fold.kind == "fold" and abs(fold.value) < 1e-10
    h = continue_bifurcation(BT, hopf, [hopf.value, -0.5], "b2", 0.5)
    inside = h.values[:, 1] < 0  # the last point may lie past the BT point (omega < 0)
    b1, b2 = h.values[inside].T
    assert np.max(np.abs(b1 + b2**2)) < 1e-10
    assert h.frequency[inside] == pytest.approx(np.sqrt(2 * np.abs(b2)), rel=1e-8)
    assert "Bogdanov-Takens" in h.message
    (pt,) = [q for q in h.points if q.kind == "bogdanov_takens"]
    assert abs(pt.other["b2"]) < 1e-8
    f = continue_bifurcation(BT, fold, [fold.value, -0.5], "b2", 0.5)
    assert np.max(np.abs(f.values[:, 0])) < 1e-12  # the fold curve is b1 = 0
    (pt,) = [q for q in f.points if q.kind == "bogdanov_takens"]
    assert abs(pt.other["b2"]) < 1e-8


def test_bautin_point_on_hopf_curve():
    def bau(x, p):
        r2 = x[0] ** 2 + x[1] ** 2
        g = p[0] + p[1] * r2 - r2**2
        return jnp.stack([g * x[0] - x[1], x[0] + g * x[1]])

    sys_ = System(bau, ("b1", "b2"), 2)
    b = continue_equilibria(sys_, [0.0, 0.0], [-0.5, -0.5], "b1", 0.5)
    (h,) = b.bifurcations
    c = continue_bifurcation(sys_, h, [h.value, -0.5], "b2", 0.5)
    assert np.max(np.abs(c.values[:, 0])) < 1e-12 and np.all(np.abs(c.frequency - 1) < 1e-12)
    assert c.l1 == pytest.approx(2 * c.values[:, 1], abs=1e-10)
    (gh,) = c.points
    assert gh.kind == "bautin" and abs(gh.other["b2"]) < 1e-8
