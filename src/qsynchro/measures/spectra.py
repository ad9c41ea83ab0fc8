r"""Spectra of the mean amplitudes and their dominant frequencies (Nadolny & Bruder, Fig. 3).

Sign convention: angular frequencies in the paper's rotating frame with
:math:`\langle S^+\rangle(t) \sim e^{+i\omega t}`; a signal :math:`a\,e^{i\omega_0 t}` has its
peak at :math:`\omega = +\omega_0`. Spectra are two-sided.

:math:`P(\omega) = |\sum_k w_k x(t_k) e^{-i\omega t_k}| / \sum_k w_k` with a Hann window
:math:`w_k` (so a pure tone of amplitude a peaks at about a), evaluated on the FFT grid
:math:`\omega_m = 2\pi m / (n\,\Delta t_s)`, ``fftshift``-ed to increasing order.
The frequency resolution (bin spacing) is :math:`2\pi/(n\,\Delta t_s)`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qsynchro._checks import check_positive

__all__ = ["dominant_frequency", "frequency_grid", "frequency_resolution", "spectrum"]


def frequency_grid(n_samples: int, sample_dt: float) -> np.ndarray:
    """Angular frequencies of :func:`spectrum`, increasing, shape (n_samples,)."""
    return 2.0 * np.pi * np.fft.fftshift(np.fft.fftfreq(int(n_samples), d=float(sample_dt)))


def frequency_resolution(n_samples: int, sample_dt: float) -> float:
    """Bin spacing :math:`2\\pi/(n\\,\\Delta t_s)` of :func:`spectrum`."""
    return 2.0 * np.pi / (int(n_samples) * float(sample_dt))


def spectrum(
    signal: Any, sample_dt: float, *, window: str = "hann"
) -> tuple[np.ndarray, np.ndarray]:
    r"""Two-sided windowed amplitude spectrum :math:`P(\omega) = |\mathrm{FT}\,x(t)|`.

    Args:
        signal: complex samples on a uniform grid, shape (..., n).
        sample_dt: sample spacing :math:`\Delta t_s` (> 0).
        window: ``"hann"`` or ``"none"``.

    Returns:
        ``(omega, P)`` with omega of shape (n,) (increasing) and P of shape (..., n).
        Only the modulus is phase-independent: the time origin does not matter.
    """
    x = np.asarray(signal)
    check_positive("sample_dt", sample_dt)
    n = x.shape[-1]
    if window == "hann":
        w = np.hanning(n + 2)[1:-1] if n > 1 else np.ones(1)
    elif window == "none":
        w = np.ones(n)
    else:
        raise ValueError(f"Argument `window` must be one of 'hann', 'none', but got {window!r}.")
    X = np.fft.fftshift(np.fft.fft(x * w, axis=-1), axes=-1) / np.sum(w)
    return frequency_grid(n, sample_dt), np.abs(X)


def dominant_frequency(omega: Any, P: Any) -> np.ndarray:
    """Frequency of the largest peak with sub-bin refinement, shape (...).

    Refinement: a parabola through the logarithms of the peak bin and its two neighbours
    (exact for a Gaussian peak, a good model of the Hann-windowed main lobe); the shift is
    clipped to half a bin. Rows whose spectrum is identically zero give NaN.
    """
    omega = np.asarray(omega, dtype=np.float64)
    P = np.asarray(P, dtype=np.float64)
    n = P.shape[-1]
    k = np.argmax(P, axis=-1)
    dw = omega[1] - omega[0] if n > 1 else 0.0
    km = np.clip(k - 1, 0, n - 1)
    kp = np.clip(k + 1, 0, n - 1)
    take = lambda idx: np.take_along_axis(P, idx[..., None], axis=-1)[..., 0]  # noqa: E731
    tiny = 1e-300
    l0, lm, lp = (np.log(np.maximum(take(i), tiny)) for i in (k, km, kp))
    den = lm - 2.0 * l0 + lp
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where((den < 0) & (k > 0) & (k < n - 1), 0.5 * (lm - lp) / den, 0.0)
    shift = np.clip(shift, -0.5, 0.5)
    out = omega[k] + shift * dw
    return np.where(np.max(P, axis=-1) > 0, out, np.nan)
