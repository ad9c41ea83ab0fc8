"""Order parameters, phases and spectra on batched inputs against literal loops.

Each measure of :mod:`qsynchro.measures.order` and :mod:`qsynchro.measures.spectra` is
compared, on inputs with batch dimensions and with time-dependent amplitudes and phases
(so that an average over the wrong axis, a modulus taken at the wrong place or a missing
window cannot agree by accident), with an explicit Python loop written from its docstring.
"""

from __future__ import annotations

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

RNG = np.random.default_rng(2024)
B, G, N = 3, 2, 64
DT = 0.3
T = DT * np.arange(N)


def _signals() -> np.ndarray:
    """(B, G, N) complex: modulated amplitudes, drifting phases, different per entry."""
    amp = RNG.uniform(0.1, 1.0, (B, G, 1)) * (1 + 0.5 * np.cos(RNG.uniform(0.1, 2, (B, G, 1)) * T))
    phase = RNG.uniform(-2, 2, (B, G, 1)) * T + RNG.uniform(0, 6, (B, G, 1))
    return amp * np.exp(1j * phase)


S = _signals()


def test_order_parameters_are_the_documented_averages():
    for b in range(B):
        ops = [sum(abs(S[b, g, k]) for k in range(N)) / N for g in range(G)]
        np.testing.assert_allclose(order_parameter_group(S)[b], ops, rtol=1e-13)
        assert order_parameter(S)[b] == pytest.approx(sum(ops) / G, rel=1e-13)
        glob = sum(abs(sum(S[b, g, k] for g in range(G)) / G) for k in range(N)) / N
        assert global_order_parameter(S)[b] == pytest.approx(glob, rel=1e-13)
    assert order_parameter_group(S).shape == (B, G)
    assert order_parameter(S).shape == (B,) and global_order_parameter(S).shape == (B,)


def test_relative_phase_and_phase_coherence_literal():
    a, b = S[:, 0], S[:, 1]
    for i in range(B):
        m = sum(a[i, k] * np.conj(b[i, k]) for k in range(N)) / N
        assert relative_phase(a, b)[i] == pytest.approx(np.angle(m), abs=1e-13)
        u = sum(np.exp(1j * (np.angle(a[i, k]) - np.angle(b[i, k]))) for k in range(N)) / N
        assert phase_coherence(a, b)[i] == pytest.approx(abs(u), abs=1e-13)
    # in (-pi, pi]; a pure relative rotation by pi gives +pi
    assert relative_phase(np.ones(4), -np.ones(4)) == pytest.approx(np.pi)
    # coherence is amplitude independent, and NaN where an amplitude vanishes exactly
    assert phase_coherence(1e-200 * a, 7.0 * b) == pytest.approx(phase_coherence(a, b))
    z = a.copy()
    z[1, 5] = 0.0
    pc = phase_coherence(z, b)
    assert np.isnan(pc[1]) and np.all(np.isfinite(pc[[0, 2]]))


def test_classify_thresholds_and_pairs():
    """0/1/2 exactly at the thresholds, for three groups (every pair must lock)."""
    w = np.exp(1j * 0.7 * T)
    base = np.stack([0.5 * w, 0.5 * w * np.exp(0.3j), 0.5 * w * np.exp(-1j)])  # locked
    assert classify(base) == 2
    # amplitude threshold is inclusive (op >= threshold); one group at/below it
    edge = base.copy()
    edge[2] = 1e-3 * w
    assert classify(edge) == 2
    assert classify(edge, amplitude_threshold=1.0001e-3) == 1
    # a drifting third group: pairs (0, 2), (1, 2) unlocked -> partial
    drift = base.copy()
    drift[2] = 0.5 * np.exp(1j * 2.9 * T)
    pc = phase_coherence(drift[0], drift[2])
    assert classify(drift) == 1
    assert classify(drift, lock_threshold=pc) == 2  # inclusive: coherence >= threshold
    assert classify(drift, lock_threshold=np.nextafter(pc, 2.0)) == 1
    # an amplitude that is exactly zero at one sample: the phase (and the coherence) is
    # undefined there, so the pair does not count as locked, whatever the average amplitude
    hole = base.copy()
    hole[1, 7] = 0.0
    assert np.isnan(phase_coherence(hole[0], hole[1]))
    assert classify(hole) == 1
    # nothing synchronized; batch shape preserved, int8
    out = classify(np.stack([base, 1e-4 * base]))
    assert out.dtype == np.int8 and list(out) == [2, 0]


def test_state_measures_batched():
    rho = RNG.normal(size=(4, 3, 3)) + 1j * RNG.normal(size=(4, 3, 3))
    rho = rho + np.conj(np.swapaxes(rho, -1, -2))
    np.testing.assert_array_equal(coherence_02(rho), np.abs(rho[:, 2, 0]))
    for i in range(4):
        np.testing.assert_array_equal(populations(rho)[i], [rho[i, j, j].real for j in range(3)])


def _literal_spectrum(x: np.ndarray, dt: float, window: bool) -> tuple[np.ndarray, np.ndarray]:
    n = x.shape[-1]
    m = np.arange(n) - n // 2  # fftshift order (even n: -n/2..n/2-1, odd: -(n-1)/2..)
    omega = 2 * np.pi * m / (n * dt)
    w = np.sin(np.pi * (np.arange(n) + 1) / (n + 1)) ** 2 if window else np.ones(n)
    P = np.zeros((*x.shape[:-1], n))
    for idx in np.ndindex(*x.shape[:-1]):
        for j in range(n):
            P[(*idx, j)] = (
                abs(sum(w[k] * x[(*idx, k)] * np.exp(-1j * omega[j] * k * dt) for k in range(n)))
                / w.sum()
            )
    return omega, P


@pytest.mark.parametrize("n", [64, 63])
@pytest.mark.parametrize("window", ["hann", "none"])
def test_spectrum_is_the_documented_windowed_transform(n, window):
    """P(omega_m) = |sum_k w_k x_k e^{-i omega_m t_k}| / sum_k w_k on the shifted FFT grid,
    w the Hann window sin^2(pi (k+1)/(n+1)) (no zero end points) or flat."""
    x = S[..., :n]
    om, P = spectrum(x, DT, window=window)
    om_ref, P_ref = _literal_spectrum(x, DT, window == "hann")
    np.testing.assert_allclose(om, om_ref, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(frequency_grid(n, DT), om_ref, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(P, P_ref, rtol=1e-11, atol=1e-14)
    assert frequency_resolution(n, DT) == pytest.approx(om_ref[1] - om_ref[0], rel=1e-13)


def test_dominant_frequency_log_parabola_is_exact_for_gaussian_peaks():
    """The refinement fits a parabola through log P at the peak bin and its neighbours:
    exact for a Gaussian peak anywhere within half a bin of a grid point (batched, each row
    its own peak); a peak on the first or last bin is not refined; an all-zero row is NaN."""
    om = frequency_grid(64, DT)
    dw = om[1] - om[0]
    centers = np.array([[om[20] + 0.31 * dw, om[40] - 0.47 * dw], [om[33], om[10] + 0.05 * dw]])
    P = np.exp(-((om - centers[..., None]) ** 2) / (2 * (1.7 * dw) ** 2))
    np.testing.assert_allclose(dominant_frequency(om, P), centers, rtol=0, atol=1e-12 * dw)
    edge = np.exp(-((om - om[0] + 0.3 * dw) ** 2) / (2 * dw**2))
    assert dominant_frequency(om, edge) == om[0]
    edge_hi = np.exp(-((om - om[-1] - 0.3 * dw) ** 2) / (2 * dw**2))
    assert dominant_frequency(om, edge_hi) == om[-1]
    zero = np.zeros((2, 64))
    zero[1] = P[0, 0]
    out = dominant_frequency(om, zero)
    assert np.isnan(out[0]) and out[1] == pytest.approx(centers[0, 0], abs=1e-12 * dw)


def test_dominant_frequency_next_to_the_edges_and_on_a_plateau():
    """Peaks on the second and the second-to-last bin are refined like any interior peak
    (both neighbours exist); on a flat top of three bins the first maximal bin has a lower
    left and an equal right neighbour: the parabola's vertex is half a bin to the right."""
    om = frequency_grid(32, DT)
    dw = om[1] - om[0]
    for k, frac in ((1, 0.3), (30, -0.4), (1, -0.45), (30, 0.2)):
        c = om[k] + frac * dw
        P = np.exp(-((om - c) ** 2) / (2 * (1.3 * dw) ** 2))
        assert dominant_frequency(om, P) == pytest.approx(c, abs=1e-12 * dw)
    flat = np.full(32, 0.1)
    flat[10:13] = 1.0
    assert dominant_frequency(om, flat) == pytest.approx(om[10] + 0.5 * dw, abs=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_spectrum_of_very_short_windows(n):
    """n = 1, 2, 3 samples: the same documented transform (the Hann window of n samples
    without zero end points, [1] for n = 1), one frequency bin per sample."""
    x = S[..., :n]
    om, P = spectrum(x, DT)
    om_ref, P_ref = _literal_spectrum(x, DT, True)
    assert P.shape == (B, G, n)
    np.testing.assert_allclose(om, om_ref, atol=1e-13)
    np.testing.assert_allclose(P, P_ref, rtol=1e-12, atol=1e-15)
    assert np.all(np.isfinite(dominant_frequency(om, P)))
