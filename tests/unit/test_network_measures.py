"""Measures on plain arrays: spectra sign convention, peak refinement, order parameters."""

import numpy as np
import pytest

from qsynchro.measures.order import (
    classify,
    coherence_02,
    global_order_parameter,
    order_parameter,
    order_parameter_group,
    phase_coherence,
    populations,
    relative_phase,
)
from qsynchro.measures.spectra import (
    dominant_frequency,
    frequency_grid,
    frequency_resolution,
    spectrum,
)

DT = 0.2
N = 1024
T = DT * np.arange(N)


def test_spectrum_sign_convention_and_amplitude():
    """<S^+>(t) = a exp(+i w0 t) peaks at omega = +w0 with height ~a (on a bin)."""
    res = frequency_resolution(N, DT)
    w0 = 37 * res
    om, P = spectrum(0.3 * np.exp(1j * w0 * T), DT)
    assert om[np.argmax(P)] == pytest.approx(w0)
    assert P.max() == pytest.approx(0.3, rel=1e-3)
    np.testing.assert_allclose(om, frequency_grid(N, DT))
    assert np.all(np.diff(om) > 0)
    om2, P2 = spectrum(np.exp(-1j * w0 * T), DT)
    assert om2[np.argmax(P2)] == pytest.approx(-w0)


@pytest.mark.parametrize("frac", [0.0, 0.17, 0.33, 0.5, -0.41])
def test_dominant_frequency_sub_bin(frac):
    """Off-bin tones are located far better than a bin (Hann main lobe, log-parabola):
    error below 5% of the bin spacing."""
    res = frequency_resolution(N, DT)
    w0 = (-51 + frac) * res
    om, P = spectrum(np.exp(1j * (w0 * T + 0.4)), DT)
    assert abs(dominant_frequency(om, P) - w0) < 0.05 * res


def test_dominant_frequency_of_zero_signal_is_nan():
    om, P = spectrum(np.zeros(N, complex), DT)
    assert np.isnan(dominant_frequency(om, P))


def test_spectrum_validation():
    with pytest.raises(ValueError, match="`window` must be one of 'hann', 'none'"):
        spectrum(np.zeros(8), DT, window="box")
    with pytest.raises(ValueError, match="`sample_dt` must be positive"):
        spectrum(np.zeros(8), 0.0)


def test_order_parameters_and_phases():
    a = 0.4 * np.exp(1j * (0.5 * T + 0.3))
    b = 0.2 * np.exp(1j * (0.5 * T - 0.5))
    s = np.stack([a, b])
    np.testing.assert_allclose(order_parameter_group(s), [0.4, 0.2])
    assert order_parameter(s) == pytest.approx(0.3)
    assert global_order_parameter(s) == pytest.approx(
        abs(0.4 * np.exp(0.3j) + 0.2 * np.exp(-0.5j)) / 2
    )
    assert relative_phase(a, b) == pytest.approx(0.8)
    assert phase_coherence(a, b) == pytest.approx(1.0)
    assert classify(s) == 2


def test_classification_partial_and_unsynchronized():
    """Different frequencies: phases drift, coherence ~ |sinc| << 0.9 -> partial (1);
    vanishing amplitudes -> 0; only one group synchronized -> partial (1)."""
    a = 0.4 * np.exp(1j * 1.0 * T)
    b = 0.3 * np.exp(-1j * 1.0 * T)
    assert phase_coherence(a, b) < 0.1
    assert classify(np.stack([a, b])) == 1
    assert classify(np.zeros((2, N), complex)) == 0
    assert classify(np.stack([a, 1e-6 * b])) == 1


def test_state_measures():
    rho = np.zeros((3, 3), complex)
    rho[0, 0], rho[1, 1], rho[2, 2] = 0.2, 0.5, 0.3
    rho[0, 2] = 0.1 - 0.05j
    rho[2, 0] = np.conj(rho[0, 2])
    assert coherence_02(rho) == pytest.approx(abs(0.1 - 0.05j))
    np.testing.assert_allclose(populations(rho), [0.2, 0.5, 0.3])
