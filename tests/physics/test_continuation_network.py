r"""Continuation of the mean-field network (Nadolny & Bruder, Eq. 2): physics checks.

- One group: |1><1| is a fixed point for every V. Continuing it in V, the loss of
  stability is a Hopf point at the closed-form
  :math:`V_c = (2gK + R)/(2\Delta^2)` (docs/meanfield.md), with frequency equal to the onset
  frequency :math:`y = (\gamma_+K - 2V_c\Delta)/\Gamma` (imaginary part of the critical
  eigenvalue of the charge +1 block), and no Hopf point at all in the interference
  blockade :math:`\gamma_+ = \gamma_-`, K >= 0.
- The locked branch agrees with the independent Newton solver of solvers/locked.py.
"""

import numpy as np
import pytest

from qsynchro.equations.meanfield import expand, params_from_model, rotate, structure
from qsynchro.models.network import Network
from qsynchro.solvers.branch import continuation
from qsynchro.solvers.locked import solve_locked
from qsynchro.solvers.stability import critical_coupling

FIG3 = {"delta": 0.0, "K": 0.0, "V": 1.0, "gamma_plus": 0.5}


@pytest.mark.parametrize(
    ("gamma_plus", "K"), [(0.5, 0.0), (0.2, 1.0), (1.5, -0.3), (3.0, 0.3), (1.0, -1.0)]
)
def test_single_group_hopf_is_critical_coupling(gamma_plus, K):
    vc = critical_coupling(gamma_plus, 1.0, K)
    b = continuation(
        {"K": K, "gamma_plus": gamma_plus},
        "V",
        0.0,
        2 * vc + 0.5,
        initial="unsynchronized",
        ds_max=0.2,
    )
    assert b.status == "completed" and b.kind == "fixed_point"
    (h,) = b.bifurcations
    gam, dl = gamma_plus + 1.0, 1.0 - gamma_plus
    onset = (gamma_plus * K - 2 * vc * dl) / gam
    # located on the minimally augmented Hopf system: machine precision
    assert h.kind == "hopf" and h.value == pytest.approx(vc, abs=1e-9)
    assert h.frequency == pytest.approx(onset, abs=1e-9)
    assert h.l1 < 0  # supercritical: the order parameter grows continuously past V_c
    # stability along the branch switches exactly there
    V = b.data["V"].values
    assert np.all(b.data.stable.values[V < vc - 1e-9] == 1)
    assert np.all(b.data.stable.values[V > vc + 1e-9] == 0)
    assert h.state.shape == (1, 3, 3) and h.state[0, 1, 1] == pytest.approx(1.0)


@pytest.mark.parametrize("K", [0.0, 0.4])
def test_blockade_has_no_hopf(K):
    b = continuation(
        {"K": K, "gamma_plus": 1.0}, "V", 0.0, 10.0, initial="unsynchronized", ds_max=0.5
    )
    assert b.status == "completed" and b.data["V"].values[-1] == pytest.approx(10.0)
    assert b.bifurcations == () and np.all(b.data.stable.values == 1)


@pytest.mark.slow  # compiles the batched Newton of solvers/locked.py (~5 s)
def test_locked_branch_matches_independent_newton():
    """Frame frequency and amplitudes along the branch = solve_locked at the same delta."""
    b = continuation({**FIG3, "V_AB": 0.5}, "delta", 0.0, 0.3, t_final=500.0, dt=0.1)
    assert b.kind == "locked" and b.status == "completed" and not b.bifurcations
    idx = [3, len(b.data.point) // 2, -1]
    delta = b.data["delta"].values[idx]
    m = Network.two_groups(delta, 0.0, 1.0, 0.5, 0.5)
    # guess: the branch states, rotated by a global phase and perturbed by 1e-3
    st = structure(m.oscillator)
    x = b.data.state.values[idx] + 1e-3 * np.random.default_rng(1).normal(size=(3, 16))
    Y = expand(np.moveaxis(x.reshape(3, st.n - 1, 2), 0, -1), st.d)  # (n, G, 3)
    guess = rotate(Y, 0.7, st)
    out = solve_locked(guess, params_from_model(m, xp=np), np.full(3, -0.33), st)
    assert np.all(out.converged) and np.all(out.stable)
    assert b.data.frequency.values[idx] == pytest.approx(out.omega, abs=1e-9)
    Yf = np.moveaxis(out.Y, 0, -1)  # (n, G, 3)
    s = np.sqrt(2) * ((Yf[3] + Yf[7]) + 1j * (Yf[4] + Yf[8]))  # <S^+> = sqrt2 (c01 + c12)
    assert b.data.amplitude.values[idx] == pytest.approx(np.abs(s).T, abs=1e-9)


def test_bad_input():
    with pytest.raises(ValueError, match="`parameter` must be one of"):
        continuation(FIG3 | {"V_AB": 0.5}, "gamma", 0.0, 1.0)
    with pytest.raises(ValueError, match="unknown parameter"):
        continuation({**FIG3, "V_AB": 0.5, "Vab": 1.0}, "delta", 0.0, 1.0)
    with pytest.raises(ValueError, match="Unknown setting"):
        continuation({**FIG3, "V_AB": 0.5}, "delta", 0.0, 1.0, step=0.1)
    with pytest.raises(ValueError, match="gamma_plus"):
        continuation({**FIG3, "V_AB": 0.5, "gamma_plus": -1.0}, "delta", 0.0, 1.0)
    # outside the tongue the attractor is not a locked state: failed branch with a reason
    b = continuation({**FIG3, "V_AB": 0.05}, "delta", 0.1, 1.0, t_final=500.0, dt=0.1)
    assert b.status == "failed" and "not a locked state" in b.message
    assert b.data.sizes["point"] == 0 and "failed" in repr(b)


def test_fig4_unsynchronized_boundary_is_a_hopf_curve():
    """Two groups (Fig. 4): |1><1| loses stability on Hopf curves in (delta, K); along the
    curve the largest growth rate of the charge +1 block (an independent 4x4 eigenvalue
    computation) vanishes, and the curve passes through omega = 0 (a semisimple double
    zero forced by the U(1) symmetry, not a Bogdanov-Takens point) without stopping."""
    from qsynchro.solvers.curves import bifurcation_curve
    from qsynchro.solvers.stability import coherence_block, max_growth_rate

    model = {"delta": 2.0, "K": 4.0, "V": 1.0, "V_AB": 1.0, "gamma_plus": 0.5}
    b = continuation(model, "K", 4.0, -4.0, initial="unsynchronized", ds_max=0.1)
    first = b.bifurcations[0]
    assert first.kind == "hopf" and first.l1 < 0
    c = bifurcation_curve(b, 0, "delta", 0.3, ds_max=0.1)
    assert c.status == "completed" and not [p for p in c.points if p.kind == "bogdanov_takens"]
    d, K = c.data.delta.values, c.data.K.values
    assert np.min(K) < -0.5 < 1.5 < np.max(K)  # through K ~ -0.2 where omega = 0
    m = Network.two_groups(d, K, 1.0, 1.0, 0.5)
    crit = np.min(np.abs(np.linalg.eigvals(coherence_block(m)).real), axis=-1)
    assert np.max(crit) < 1e-9  # an eigenvalue of the charge +1 block on the imaginary axis
    on = c.data.boundary.values == 1  # there it is the first instability
    assert on.sum() > 5 and np.max(np.abs(max_growth_rate(m)[on])) < 1e-9
