r"""Linear stability of |1><1| and the critical coupling V_c (Nadolny & Bruder, Fig. 2(c)).

Closed form (derivation in docs/meanfield.md and solvers/stability.py):
4 Delta^2 V^2 - 8 g K V - g (K^2 + Gamma^2/4) = 0 with g = gamma_+ gamma_-,
Delta = gamma_- - gamma_+, Gamma = gamma_+ + gamma_-; V_c is its positive root.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from qsynchro.equations.meanfield import packed_params, rhs_packed
from qsynchro.models.network import Network
from qsynchro.solvers.evolve import evolve
from qsynchro.solvers.stability import (
    critical_coupling,
    critical_coupling_numeric,
    jacobian_eigenvalues,
    max_growth_rate,
)


def test_closed_form_matches_numerical_root_find():
    """Closed form vs Brent root of the largest real part of the Jacobian spectrum."""
    rng = np.random.default_rng(0)
    for _ in range(25):
        gp, gm = rng.uniform(0.05, 2.0, 2)
        K = rng.uniform(-3, 3)
        vc = critical_coupling(gp, gm, K)
        vn = critical_coupling_numeric(gp, gm, K, V_max=1e5)
        if math.isinf(vc):
            assert math.isinf(vn)
        else:
            # Brent to xtol 1e-12 on a smooth function: agreement to 1e-8 relative
            assert vn == pytest.approx(vc, rel=1e-8)


def test_closed_form_special_cases():
    """K = 0: V_c = Gamma sqrt(g) / (4 |Delta|); gamma_+ = gamma_-: (K^2+Gamma^2/4)/(8|K|)."""
    gp, gm = 0.5, 1.0
    assert critical_coupling(gp, gm, 0.0) == pytest.approx(1.5 * math.sqrt(0.5) / 2.0)
    assert critical_coupling(1.0, 1.0, -0.2) == pytest.approx((0.04 + 1.0) / 1.6)


def test_interference_blockade_fig2c():
    """Fig. 2(c): V_c diverges at gamma_+ = gamma_- for K >= 0 and stays finite for K < 0
    (the orange line K/(gamma_- + gamma_+) = -1/10)."""
    for K in (0.0, 0.1, 0.2, 3.0):
        assert critical_coupling(1.0, 1.0, K) == math.inf
        assert critical_coupling_numeric(1.0, 1.0, K, V_max=1e4) == math.inf
    ratios = np.array([0.9, 0.99, 0.999])
    vcs = critical_coupling(ratios, 1.0, 0.0)
    assert np.all(np.diff(vcs) > 0) and vcs[-1] > 100  # diverges approaching the blockade
    for g in (0.5, 0.9, 1.0, 1.1, 2.0):
        K = -0.1 * (1.0 + g)
        assert math.isfinite(critical_coupling(g, 1.0, K))
    # K > 0 raises V_c, K < 0 lowers it (phase response of Fig. 2(d))
    assert critical_coupling(0.5, 1.0, 0.15) > critical_coupling(0.5, 1.0, 0.0)
    assert critical_coupling(0.5, 1.0, -0.15) < critical_coupling(0.5, 1.0, 0.0)


def test_array_input_and_validation():
    out = critical_coupling(np.array([0.5, 1.0]), 1.0, np.array([0.0, 0.5]))
    assert isinstance(out, np.ndarray) and out.shape == (2,)
    assert np.isinf(out[1])
    assert isinstance(critical_coupling(0.5, 1.0, 0.0), float)
    with pytest.raises(ValueError, match=r"`gamma_plus` must be non-negative, but got -0\.1"):
        critical_coupling(-0.1, 1.0, 0.0)
    with pytest.raises(ValueError, match="`K` must be finite"):
        critical_coupling(0.5, 1.0, np.nan)


@pytest.mark.parametrize("G", [1, 2, pytest.param(3, marks=pytest.mark.slow)])
def test_jacobian_eigenvalues_match_autodiff(G):
    """The block-structured spectrum equals the eigenvalues of the full 8G x 8G Jacobian of
    the packed real right-hand side (JAX autodiff) at |1><1|."""
    rng = np.random.default_rng(G)
    C = rng.uniform(0, 1.5, size=(G, G))
    C = 0.5 * (C + C.T)
    m = Network(rng.normal(size=G), rng.normal(), C, rng.uniform(0.2, 1.0), 1.0)
    p = packed_params(m.reshape(1))
    Y0 = jnp.zeros((8, G, 1))

    def f(x):
        return rhs_packed(x.reshape(8, G, 1), p).reshape(-1)

    J = np.asarray(jax.jacfwd(f)(Y0.reshape(-1)))
    want = np.linalg.eigvals(J)
    got = jacobian_eigenvalues(m)
    assert got.shape == (8 * G,)
    key = lambda z: np.lexsort((np.round(z.imag, 8), np.round(z.real, 8)))  # noqa: E731
    np.testing.assert_allclose(got[key(got)], want[key(want)], atol=1e-9)


def test_growth_rate_matches_time_integration():
    """A small perturbation of |1><1| grows like exp(lambda_max t) with lambda_max the
    largest real part of the Jacobian spectrum (log-slope over t in [20, 40], where the
    amplitude is still ~1e-5 and the faster modes have decayed by exp(-0.25*20))."""
    V = 0.7
    m = Network.single_group(0.0, V, 0.5)
    lam = float(max_growth_rate(m))
    assert lam > 0
    tr = evolve(m, 40.0, dt=0.02, n_samples=401, sample_dt=0.1, epsilon=1e-7)
    a = np.abs(tr.s_plus[0])
    sel = tr.t >= 20
    slope = np.polyfit(tr.t[sel], np.log(a[sel]), 1)[0]
    assert slope == pytest.approx(lam, rel=2e-3)


def test_onset_of_order_parameter_at_critical_coupling():
    """Time integration: below V_c the amplitude decays to zero, above it a finite
    time-averaged |<S^+>| appears (Fig. 2(b), gamma_+ = gamma_-/2, K = 0 and K = -0.15)."""
    for K in (0.0, -0.15):
        vc = critical_coupling(0.5, 1.0, K)
        m = Network.single_group(K, np.array([0.9 * vc, 1.2 * vc]), 0.5)
        tr = evolve(m, 600.0, dt=0.1, n_samples=200, sample_dt=1.0)
        a = np.abs(tr.s_plus[:, 0])
        op = a.mean(-1)
        # below V_c: still decaying exponentially (lambda < 0) and already tiny
        assert a[0, -1] < 1e-4 and a[0, -1] < 0.5 * a[0, 0]
        # above V_c: a saturated finite amplitude (changes by < 1% across the window)
        assert op[1] > 1e-2 and abs(a[1, -1] - a[1, 0]) < 1e-2 * op[1]
