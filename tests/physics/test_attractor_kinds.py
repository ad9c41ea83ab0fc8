"""Per-point kind of the long-time state: fixed point, locked, or a limit cycle.

A limit cycle of the mean-field equations in a rotating frame (kind 2) must be recognized
as such, with its period, by two independent checks: the frequencies of the groups'
own spectra (two groups outside their locking range: the relative phase winds at
omega_A - omega_B), and a recurrence test in the time domain (the U(1)-invariant signals
repeat after 2 pi / Omega and do not repeat after half of it).
"""

from __future__ import annotations

import numpy as np
import pytest

import qsynchro as q
from qsynchro.measures.attractor_kind import (
    KIND_FIXED_POINT,
    KIND_PERIODIC,
    KIND_RELATIVE_EQUILIBRIUM,
)


def _invariants(sig: np.ndarray) -> np.ndarray:
    """|<A>_A|, |<A>_B| and the relative phasor of two groups, (3, n) complex."""
    a, b = sig
    return np.array([np.abs(a), np.abs(b), a * np.conj(b) / np.abs(a * b)])


def _recurrence(z: np.ndarray, lag: float, dt: float) -> float:
    """max |z(t + lag) - z(t)| / max |z - mean z| with z(t + lag) interpolated (cubic)."""
    n = z.shape[-1]
    s = lag / dt
    i0 = int(np.floor(s))
    f = s - i0
    idx = np.arange(1, n - i0 - 3)
    # cubic Lagrange interpolation between samples i0 + idx and i0 + idx + 1
    w = np.array([-f * (f - 1) * (f - 2) / 6, (f + 1) * (f - 1) * (f - 2) / 2,
                  -(f + 1) * f * (f - 2) / 2, (f + 1) * f * (f - 1) / 6])  # fmt: skip
    shifted = sum(w[j] * z[:, i0 + idx - 1 + j] for j in range(4))
    scale = np.max(np.abs(z - z.mean(-1, keepdims=True)))
    return float(np.max(np.abs(shifted - z[:, idx])) / scale)


def test_two_groups_outside_the_locking_range_wind_at_the_frequency_difference():
    d = np.array([0.0, 0.2, 1.0, 2.5])
    att = q.attractor(q.Network.two_groups(d, -0.5, 1.0, 0.3, 0.5))
    assert list(att.kind) == [KIND_RELATIVE_EQUILIBRIUM] * 2 + [KIND_PERIODIC] * 2
    beat = np.abs(att.frequency[:, 0] - att.frequency[:, 1])
    res = att.frequency_resolution
    np.testing.assert_allclose(att.modulation_frequency[2:], beat[2:], atol=0.1 * res)
    assert np.all(att.modulation_frequency[:2] == 0.0)


def test_weak_coupling_is_a_fixed_point():
    att = q.attractor(q.Network.two_groups(0.3, -0.5, 0.1, 0.05, 0.5))
    assert att.kind == KIND_FIXED_POINT and att.path == 0


@pytest.mark.parametrize("s, a", [(0.0, 0.2), (0.0, 0.4)])
def test_nonreciprocal_limit_cycle_without_detuning(s, a):
    # C_AB = s + a, C_BA = s - a, no detuning: a modulated state whose period is recovered
    C = np.array([[0.4, s + a], [s - a, 0.4]])
    net = q.Network(q.spin1(), [0.0, 0.0], C, K=-1.0, gamma_plus=0.5)
    att = q.attractor(net, t_transient=3000.0, t_max=9000.0)  # past the slow transient
    assert att.kind == KIND_PERIODIC and att.status == 0
    Om = float(att.modulation_frequency)
    z = _invariants(att.signal)
    dt = float(att.times[1] - att.times[0])
    period = 2 * np.pi / Om
    assert _recurrence(z, period, dt) < 1e-3
    assert _recurrence(z, 0.5 * period, dt) > 0.1  # it is not a shorter period
    assert _recurrence(z, 1.03 * period, dt) > 10 * _recurrence(z, period, dt)


@pytest.mark.slow  # ~20 s, mostly compiling the continuation
def test_modulation_frequency_equals_the_shooting_period_of_the_cycle():
    """Fig. 3 at V_AB = 0.5 past the supercritical Hopf point: the modulated locked state is
    a periodic orbit on the slice (continued by shooting, solvers/curves.cycle_branch); the
    attractor pipeline, which knows nothing of it, must report kind 2 with
    Omega = 2 pi / T."""
    from qsynchro.solvers.branch import continuation
    from qsynchro.solvers.curves import cycle_branch

    params = {"delta": 0.0, "K": 0.0, "V": 1.0, "gamma_plus": 0.5, "V_AB": 0.5}
    b = continuation({**params, "delta": 0.3}, "delta", 0.3, 0.4)
    cb = cycle_branch(b, 0, 0.45, steps=400, ds_max=0.02, max_steps=12, reference_group=1)
    assert cb.stable[-1]
    delta, T = cb.values[-1], cb.period[-1]
    att = q.attractor(q.Network.two_groups(delta, 0.0, 1.0, 0.5, 0.5), t_transient=2000.0)
    assert att.kind == KIND_PERIODIC
    # sub-bin: the spectral bin is 0.015
    # measured 2e-5 .. 4e-5 against the 0.015 spectral bin
    assert abs(att.modulation_frequency - 2 * np.pi / T) < 1e-2 * att.frequency_resolution
