r"""Lab-frame dynamics of the driven maser and frequency locking (Murtadho et al., below Eq. 10).

The rotating-frame generator of Eq. 8 is time independent for *any* drive
frequency :math:`\Omega` (resonant or detuned, degenerate or ``Delta != 0``), so the
lab-frame state is

.. math:: \rho(t) = e^{-i\tilde H t}\,e^{\mathcal{L}_\mathrm{rot} t}[\rho(0)]\,e^{i\tilde H t},

and in the steady state :math:`\rho_{1j}(t) = \tilde\rho_{1j}e^{+i\Omega t}` rotates at the
*drive* frequency :math:`\Omega` (not at :math:`\omega_j - \omega_1`: frequency locking,
entrainment), while :math:`\rho_{jl}(t) = \tilde\rho_{jl}` is stationary. The paper prints
:math:`e^{-i\Omega t}`; the sign depends on the frame convention (see
:mod:`qsynchro.equations.maser`), the magnitude :math:`\Omega` does not.

* :func:`evolve_rotating` -- exact propagation with the matrix exponential of the dense
  rotating-frame Liouvillian.
* :func:`evolve_lab` -- the same, transformed to the lab frame.
* :func:`evolve_lab_direct` -- independent check: direct adaptive integration of the
  time-dependent lab-frame master equation (Eqs. 5-7) with SciPy's DOP853.
* :func:`rotation_frequency` -- the signed angular frequency of a complex time series
  (windowed FFT peak + sub-bin refinement of the discrete-time Fourier transform).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.integrate
import scipy.linalg
import scipy.optimize

from qsynchro._checks import check_finite, check_positive
from qsynchro.equations.maser import lab_rhs, rotating_liouvillian, to_lab_frame
from qsynchro.models.maser import Maser
from qsynchro.solvers.steady import DENSE_MAX_N

__all__ = ["evolve_lab", "evolve_lab_direct", "evolve_rotating", "rotation_frequency"]

_DYN_MAX_N = 30


def _check_inputs(model: Maser, rho0: Any, t: Any) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(model, Maser):
        raise TypeError(f"Argument `model` must be a Maser, but got {type(model).__name__}.")
    if model.N > min(_DYN_MAX_N, DENSE_MAX_N):
        raise ValueError(
            f"Argument `model` has N = {model.N}, but the dense dynamics allow N <= {_DYN_MAX_N}."
        )
    if hasattr(rho0, "full") and callable(rho0.full):
        rho0 = rho0.full()
    rho0 = check_finite("rho0", rho0).astype(np.complex128)
    if rho0.shape != (model.D, model.D):
        raise ValueError(
            f"Argument `rho0` must have shape ({model.D}, {model.D}), but got {rho0.shape}."
        )
    t = check_finite("t", t).astype(float)
    if t.ndim != 1 or t.size == 0 or np.any(np.diff(t) < 0) or t[0] < 0:
        raise ValueError(
            "Argument `t` must be a non-empty 1-D array of non-decreasing times >= 0, "
            f"but got an array of shape {t.shape}."
        )
    return rho0, t


def evolve_rotating(model: Maser, rho0: Any, t: Any) -> np.ndarray:
    r"""Exact rotating-frame evolution :math:`\tilde\rho(t) = e^{\mathcal{L}t}[\rho(0)]` (Eq. 8).

    Args:
        model: the maser (N <= 30; dense Liouvillian).
        rho0: initial state, shape (D, D) (the frames coincide at ``t = 0``).
        t: times, shape (T,), non-decreasing, ``>= 0``.

    Returns:
        rotating-frame states, shape (T, D, D).
    """
    rho0, t = _check_inputs(model, rho0, t)
    L = rotating_liouvillian(model)
    D = model.D
    out = np.empty((t.size, D, D), dtype=np.complex128)
    x = scipy.linalg.expm(L * t[0]) @ rho0.ravel()
    out[0] = x.reshape(D, D)
    dts = np.diff(t)
    cache: dict[float, np.ndarray] = {}
    for i, dt in enumerate(dts, start=1):
        key = float(np.round(dt, 12))
        if key not in cache:
            cache[key] = scipy.linalg.expm(L * dt)
        x = cache[key] @ x
        out[i] = x.reshape(D, D)
    return out


def evolve_lab(model: Maser, rho0: Any, t: Any) -> np.ndarray:
    r"""Lab-frame evolution under :math:`H_0 + V(t)` (Eqs. 5-7), via the exact rotating frame.

    :math:`\rho(t) = e^{-i\tilde H t}\tilde\rho(t)e^{i\tilde H t}`. Same arguments as
    :func:`evolve_rotating`; returns shape (T, D, D).
    """
    return to_lab_frame(model, evolve_rotating(model, rho0, t), np.asarray(t, dtype=float))


def evolve_lab_direct(
    model: Maser, rho0: Any, t: Any, *, rtol: float = 1e-10, atol: float = 1e-12
) -> np.ndarray:
    """Direct integration of the time-dependent lab-frame master equation (DOP853).

    Independent of the rotating frame; meant for short checks (cost grows with
    ``Omega * t``). Returns shape (T, D, D).
    """
    rho0, t = _check_inputs(model, rho0, t)
    rtol = float(check_positive("rtol", rtol))
    atol = float(check_positive("atol", atol))
    D = model.D

    def f(tt: float, y: np.ndarray) -> np.ndarray:
        return lab_rhs(model, tt, y.reshape(D, D)).ravel()

    sol = scipy.integrate.solve_ivp(
        f, (0.0, float(t[-1])), rho0.ravel(), method="DOP853", t_eval=t, rtol=rtol, atol=atol
    )
    if not sol.success:  # pragma: no cover - DOP853 on a linear ODE
        from qsynchro._checks import ConvergenceError

        raise ConvergenceError(f"Lab-frame integration failed: {sol.message}")
    return sol.y.T.reshape(t.size, D, D)


def rotation_frequency(t: Any, z: Any) -> float:
    r"""Signed angular frequency :math:`\omega` of the dominant tone :math:`z\propto e^{i\omega t}`.

    Hann-windowed FFT (zero-padded 8x) gives the peak bin; the peak of the windowed
    discrete-time Fourier transform :math:`|\sum_n w_n z_n e^{-i\omega t_n}|` is then
    located by a root search (Brent) on its derivative within one padded bin
    (sub-bin refinement), to ~1e-12 absolute. For a pure tone the result is exact up to that search
    tolerance (the window is symmetric). A constant signal gives 0.

    Args:
        t: uniformly spaced times, shape (T,), T >= 8.
        z: complex samples, shape (T,).

    Returns:
        :math:`\omega` in ``(-pi/dt, pi/dt)``.
    """
    t = check_finite("t", t).astype(float)
    z = check_finite("z", z).astype(np.complex128)
    if t.ndim != 1 or t.size < 8 or z.shape != t.shape:
        raise ValueError(
            f"Arguments `t` and `z` must be 1-D of equal length >= 8, but got shapes "
            f"{t.shape} and {z.shape}."
        )
    dt = (t[-1] - t[0]) / (t.size - 1)
    if dt <= 0 or not np.allclose(np.diff(t), dt, rtol=1e-8, atol=0):
        raise ValueError("Argument `t` must be uniformly spaced and increasing.")
    w = np.hanning(t.size)
    zw = w * z
    pad = 8 * t.size
    spec = np.abs(np.fft.fft(zw, n=pad))
    omegas = 2 * np.pi * np.fft.fftfreq(pad, d=dt)
    k = int(np.argmax(spec))
    step = 2 * np.pi / (pad * dt)
    tau = t - t[0]

    def slope(om: float) -> float:  # d/d(om) |S(om)|^2 / 2 = Re(conj(S) S')
        e = zw * np.exp(-1j * om * tau)
        return float(np.real(np.conj(np.sum(e)) * np.sum(-1j * tau * e)))

    lo, hi = omegas[k] - step, omegas[k] + step
    if slope(lo) <= 0 or slope(hi) >= 0:  # peak at the FFT grid point itself (e.g. DC)
        return float(omegas[k]) if slope(omegas[k]) == 0 else _golden(slope, lo, hi)
    return float(scipy.optimize.brentq(slope, lo, hi, xtol=1e-15, rtol=1e-15))


def _golden(slope: Any, lo: float, hi: float) -> float:
    """Bisection on the sign of the slope, for brackets without a clean sign change."""
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if slope(mid) > 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)
