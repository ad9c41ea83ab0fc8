r"""Each detected bifurcation of the network confirmed by time integration (slow).

- Weak coupling: the locked state is lost at a fold (saddle-node of locked states, the
  Adler picture) with :math:`\delta_L \propto V_{AB}`.
- Fig. 3(d) (V = 1, gamma_+ = 0.5, K = 0): the stability boundary of the locked state is a
  fold curve for small V_AB and a Hopf curve beyond a Bogdanov-Takens point near
  V_AB = 0.2104; every boundary point equals the first bifurcation of an independent
  one-parameter continuation at that V_AB.
- Past the fold (V_AB = 0.1) the relative phase slips, at a mean rate
  :math:`\Omega \propto \sqrt{\delta - \delta_L}` (saddle-node on an invariant circle):
  quadrupling the distance doubles the rate. Just before it, no slip.
- Past the supercritical Hopf point (V_AB = 0.5, l1 < 0) the locked state becomes
  modulated with amplitude :math:`\propto\sqrt{\delta - \delta_H}`; just before it, no
  modulation.
- One group past V_c (supercritical Hopf of |1><1|): the order parameter grows like
  :math:`\sqrt{V - V_c}`.
"""

import numpy as np
import pytest

from qsynchro.models.network import Network
from qsynchro.solvers.branch import continuation
from qsynchro.solvers.curves import stability_boundary
from qsynchro.solvers.evolve import evolve

pytestmark = pytest.mark.slow

FIG3 = {"delta": 0.0, "K": 0.0, "V": 1.0, "gamma_plus": 0.5}


def test_weak_coupling_locking_is_an_adler_fold():
    """delta_L / V_AB is the same at V_AB = 0.01 and 0.02 (linear tongue) and a fold."""
    slopes = []
    for vab in (0.01, 0.02):
        b = continuation({**FIG3, "V_AB": vab}, "delta", 0.0, 1.0, t_final=3000.0)
        assert b.kind == "locked" and b.status == "completed"
        first = b.bifurcations[0]
        assert first.kind == "fold"
        slopes.append(first.value / vab)
        # the locked branch is stable from delta = 0 up to the fold
        d = b.data["delta"].values
        before = np.arange(d.size) < np.argmax(d)
        assert np.all(b.data.stable.values[before][d[before] < first.value - 1e-6] == 1)
    assert slopes[0] == pytest.approx(slopes[1], rel=1e-3)
    assert 0.5 < slopes[0] < 1.0  # 0.742: the tongue is narrower than delta = V_AB


def test_fig3d_boundary_fold_then_hopf():
    b = stability_boundary(FIG3, "delta", 0.0, 1.0, "V_AB", (0.05, 0.6), marks=(0.1, 0.3, 0.5))
    (bt,) = b.transitions
    assert bt.kind == "bogdanov_takens" and 0.205 < bt.other["V_AB"] < 0.215
    d = b.data
    v, kind = d.V_AB.values, d.kind.values
    assert np.all(kind[v < bt.other["V_AB"] - 1e-4] == 0)  # fold below
    assert np.all(kind[v > bt.other["V_AB"] + 1e-4] == 1)  # Hopf above
    # the Hopf curve ends at the same BT point, with frequency -> 0 there
    hopf = next(c for c in b.curves if c.kind == "hopf")
    (bt2,) = [p for p in hopf.points if p.kind == "bogdanov_takens"]
    assert bt2.other["V_AB"] == pytest.approx(bt.other["V_AB"], abs=1e-5)
    for vab in (0.1, 0.3, 0.5):
        i = np.nonzero((np.abs(v - vab) < 1e-12) & (d.marked.values == 1))[0][0]
        br = continuation({**FIG3, "V_AB": vab}, "delta", 0.0, 1.0)
        first = next(x for x in br.bifurcations if x.kind in ("fold", "hopf"))
        assert first.kind == ("fold" if vab < bt.other["V_AB"] else "hopf")
        assert d.delta.values[i] == pytest.approx(first.value, abs=1e-8)


def _winding_rate(s):
    ph = np.unwrap(np.angle(s[..., 0, :] * np.conj(s[..., 1, :])), axis=-1)
    return ph[..., -1] - ph[..., 0]


def test_past_the_fold_the_phase_slips_like_sqrt():
    b = continuation({**FIG3, "V_AB": 0.1}, "delta", 0.0, 1.0)
    f = b.bifurcations[0]
    assert f.kind == "fold"
    eps = np.array([-1e-4, 1e-4, 4e-4])
    m = Network.two_groups(f.value + eps, 0.0, 1.0, 0.1, 0.5)
    rho0 = np.broadcast_to(f.state, (3, 2, 3, 3))
    tr = evolve(m, 16000.0, rho0=rho0, dt=0.1, n_samples=12001, sample_dt=1.0)
    wind = _winding_rate(tr.s_plus) / (tr.t[-1] - tr.t[0])
    assert abs(wind[0]) < 1e-6  # locked: no slip before the fold
    assert np.all(np.abs(wind[1:]) > 1e-3)  # slips beyond it
    # SNIC: rate ~ sqrt(distance); the 12000-long window holds 7 and 15 slips
    assert abs(wind[2] / wind[1]) == pytest.approx(2.0, rel=0.08)


def test_past_the_supercritical_hopf_the_modulation_grows_like_sqrt():
    b = continuation({**FIG3, "V_AB": 0.5}, "delta", 0.0, 1.0)
    h = b.bifurcations[0]
    assert h.kind == "hopf" and h.l1 < 0
    eps = np.array([-4e-3, 1e-3, 4e-3])
    m = Network.two_groups(h.value + eps, 0.0, 1.0, 0.5, 0.5)
    rho0 = np.broadcast_to(h.state, (3, 2, 3, 3))
    tr = evolve(m, 6000.0, rho0=rho0, dt=0.05, n_samples=2001, sample_dt=0.5)
    a = np.abs(tr.s_plus[:, 0])
    mod = 0.5 * np.ptp(a, axis=-1)
    assert mod[0] < 1e-8  # the locked state is stable before the Hopf point
    assert abs(_winding_rate(tr.s_plus)[1:]).max() < np.pi  # still phase-locked beyond
    assert mod[2] / mod[1] == pytest.approx(2.0, rel=0.03)  # sqrt law
    # modulation frequency in the rotating frame = Hopf frequency
    sig = a[1] - a[1].mean()
    spec = np.abs(np.fft.rfft(sig * np.hanning(sig.size)))
    freq = 2 * np.pi * np.fft.rfftfreq(sig.size, 0.5)[np.argmax(spec)]
    assert freq == pytest.approx(h.frequency, abs=2 * np.pi / 1000)


def test_single_group_order_parameter_grows_like_sqrt_past_vc():
    b = continuation({"K": 0.0, "gamma_plus": 0.5}, "V", 0.0, 1.0, initial="unsynchronized")
    (h,) = b.bifurcations
    eps = np.array([-0.01, 0.01, 0.04]) * h.value
    m = Network.single_group(0.0, h.value + eps, 0.5)
    tr = evolve(m, 8000.0, dt=0.05, n_samples=101, sample_dt=1.0)
    amp = np.abs(tr.s_plus[:, 0, -1])
    assert amp[0] < 1e-6
    assert amp[2] / amp[1] == pytest.approx(2.0, rel=0.05)


def test_modulated_locking_ends_by_a_phase_slip_through_zero_amplitude():
    """V_AB = 1, past the Hopf point: the modulated locked states, computed as cycles on the
    slice of group B (whose |<S+>| stays >= 0.057), form one stable family up to delta =
    0.6 with no cycle bifurcation. Along it min_t |<S+>_A| falls to ~0 near delta = 0.555
    and the winding of the relative phase over one period jumps from 0 (locked, modulated)
    to 1 (drifting): locking is lost without a bifurcation of the attractor. (On the slice
    of group A this zero makes the frame frequency diverge, and shooting with fixed RK4
    steps reports spurious cycle folds and torus points there.)"""
    from qsynchro.solvers.curves import cycle_branch

    b = continuation({**FIG3, "V_AB": 1.0}, "delta", 0.0, 1.0)
    cb = cycle_branch(b, 0, 0.6, steps=600, ds_max=0.02, max_steps=400, reference_group=1)
    assert cb.status == "completed" and not cb.bifurcations, cb
    assert np.all(cb.stable)
    winding = []
    for j in (5, len(cb.values) - 5):
        rho = b.adapter.observables(cb.states[j])["rho"]
        T = cb.period[j]
        dt = T / 2000
        m = Network.two_groups(cb.values[j], 0.0, 1.0, 1.0, 0.5)
        s = evolve(m, T, rho0=rho, dt=dt, n_samples=2001, sample_dt=dt).s_plus
        rel = np.unwrap(np.angle(s[0] * np.conj(s[1])))
        winding.append((rel[-1] - rel[0]) / (2 * np.pi))
        assert np.min(np.abs(s[1])) > 0.05  # the reference group never comes near 0
    np.testing.assert_allclose(winding, [0.0, 1.0], atol=1e-3)
