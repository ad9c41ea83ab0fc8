"""The kind of attractor a window shows, on analytic signals with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from qsynchro.measures.attractor_kind import (
    KIND_FIXED_POINT,
    KIND_NOT_PERIODIC,
    KIND_PERIODIC,
    KIND_RELATIVE_EQUILIBRIUM,
    KIND_UNRESOLVED,
    window_kind,
)

T, DT = 2048, 0.2
t = DT * np.arange(T) + 17.3
BIN = 2 * np.pi / (T * DT)


def e(w: float, phase: float = 0.0) -> np.ndarray:
    return np.exp(1j * (w * t + phase))


GOLDEN = (1 + np.sqrt(5)) / 2
CASES = {
    # name: (three groups' <A>(t), kind, modulation frequency)
    "locked": ([0.3 * e(1.1), 0.2 * e(1.1, 0.5), 0.25 * e(1.1, 2)], KIND_RELATIVE_EQUILIBRIUM, 0),
    "unsynchronized": ([1e-5 * e(0.3), 0 * t + 1e-7, 0 * t + 0j], KIND_FIXED_POINT, 0),
    "winding": ([0.3 * e(1.1), 0.3 * e(0.73), 0.3 * e(1.1)], KIND_PERIODIC, 0.37),
    "modulated": (
        [
            (0.3 + 0.05 * np.cos(0.5 * t + 0.3) + 0.01 * np.cos(1.0 * t)) * e(1.1),
            (0.2 + 0.03 * np.sin(0.5 * t)) * e(1.1, 0.4 + 0.2 * np.sin(0.5 * t)),
            0.25 * e(1.1),
        ],
        KIND_PERIODIC,
        0.5,
    ),
    # the third group beats at half the frequency of the second: fundamental 0.185
    "subharmonic": (
        [(0.3 + 0.1 * np.cos(0.37 * t)) * e(1.1), 0.3 * e(0.73), 0.3 * e(1.1 - 0.185)],
        KIND_PERIODIC,
        0.185,
    ),
    "quasi-periodic": ([0.3 * e(0.0), 0.3 * e(0.37), 0.3 * e(0.37 * GOLDEN)], KIND_NOT_PERIODIC, 0),
    "too slow": ([0.3 * e(1.1), 0.3 * e(1.1 - 3 * BIN), 0.3 * e(1.1)], KIND_UNRESOLVED, 0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_kind_and_modulation_frequency(name):
    sig, kind, freq = CASES[name]
    k, f = window_kind(np.array(sig)[None], DT, amplitude_threshold=1e-3)
    assert k[0] == kind
    assert abs(f[0] - freq) < 0.02 * BIN  # sub-bin accuracy of the fitted fundamental


def test_a_common_phase_rotation_does_not_matter():
    sig = np.array([CASES[n][0] for n in CASES])
    k0, f0 = window_kind(sig, DT, amplitude_threshold=1e-3)
    k1, f1 = window_kind(sig * e(0.77, 1.0)[None, None], DT, amplitude_threshold=1e-3)
    np.testing.assert_array_equal(k0, k1)
    np.testing.assert_allclose(f0, f1, atol=1e-9)


def test_a_driven_model_is_judged_by_its_amplitudes():
    # without U(1) a rotating amplitude is a periodic orbit in the frame of the drive,
    # not a relative equilibrium
    sig = np.array([[0.3 * e(0.6)], [0.3 + 0 * e(0.0)]])
    k, f = window_kind(sig, DT, amplitude_threshold=1e-3, u1=False)
    assert list(k) == [KIND_PERIODIC, KIND_FIXED_POINT]
    assert abs(f[0] - 0.6) < 0.02 * BIN
