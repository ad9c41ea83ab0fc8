r"""Steady state and time evolution of the driven spin-1 oscillator (Fig. 2(d)).

The master equation of :class:`~qsynchro.models.driven.DrivenOscillator` is
linear, so both are exact: the steady state is the null vector of the dense
9 x 9 Liouvillian (:func:`qsynchro.solvers.nullspace.steady_state_dense`) and
the evolution is :math:`\mathrm{vec}\,\rho(t) = e^{\mathcal{L}(t - t_0)}\,
\mathrm{vec}\,\rho(t_0)` with the matrix exponential (row-major vec, see
:mod:`qsynchro.equations.lindblad`). Batches are looped over in NumPy; each
point costs microseconds.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
from numpy.typing import ArrayLike

from qsynchro._checks import check_density_matrix, check_finite
from qsynchro.equations.lindblad import liouvillian
from qsynchro.models.driven import DrivenOscillator
from qsynchro.solvers.nullspace import steady_state_dense

__all__ = ["check_unique", "driven_evolve", "driven_liouvillian", "driven_steady_state"]


def _check_model(model: object) -> DrivenOscillator:
    if not isinstance(model, DrivenOscillator):
        raise TypeError(
            f"Argument `model` must be a DrivenOscillator, but got {type(model).__name__}."
        )
    return model


def check_unique(model: DrivenOscillator) -> None:
    """Raise if a rate vanishes: the steady state is then not unique in general."""
    for name in ("gamma_plus", "gamma_minus"):
        v = np.asarray(getattr(model, name))
        if np.any(v <= 0):
            raise ValueError(
                f"Argument `{name}` must be positive for a unique steady state, but got "
                f"{float(v.min())!r}."
            )


def driven_liouvillian(model: DrivenOscillator) -> np.ndarray:
    """Dense Liouvillian of the driven oscillator, shape (*batch_shape, 9, 9).

    Standard dissipator (Nadolny & Bruder, below Eq. 1), row-major vec.
    """
    model = _check_model(model)
    H = model.hamiltonian()
    c_ops, rates = model.jump_operators()
    out = np.empty((*model.batch_shape, 9, 9), dtype=np.complex128)
    for idx in np.ndindex(*model.batch_shape):
        out[idx] = liouvillian(H[idx], list(c_ops), rates[idx])
    return out


def driven_steady_state(model: DrivenOscillator) -> np.ndarray:
    """Steady state of the driven oscillator, complex array of shape (*batch_shape, 3, 3).

    Unique whenever ``gamma_plus > 0`` and ``gamma_minus > 0`` (the incoherent
    pumping into ``|1>`` connects every level).

    Raises:
        ValueError: if ``gamma_plus`` or ``gamma_minus`` is zero anywhere (the
            steady state is then not unique in general).
    """
    model = _check_model(model)
    check_unique(model)
    L = driven_liouvillian(model)
    out = np.empty((*model.batch_shape, 3, 3), dtype=np.complex128)
    for idx in np.ndindex(*model.batch_shape):
        out[idx] = steady_state_dense(L[idx])
    return out


def driven_evolve(model: DrivenOscillator, rho0: ArrayLike, times: ArrayLike) -> np.ndarray:
    r"""Exact time evolution :math:`\rho(t_k)` of the linear master equation.

    Args:
        model: the driven oscillator (any batch shape).
        rho0: density matrix at ``times[0]``, shape (3, 3) or (*batch_shape, 3, 3).
        times: non-decreasing 1-D array of times, shape (T,) (``times[0]`` is the
            initial time, as in ``qutip.mesolve``).

    Returns:
        complex array of shape (*batch_shape, T, 3, 3).
    """
    model = _check_model(model)
    t = check_finite("times", times)
    if t.ndim != 1 or t.size == 0:
        raise ValueError(
            f"Argument `times` must be a non-empty 1-D array, but got shape {t.shape}."
        )
    if t.dtype.kind == "c":
        raise TypeError("Argument `times` must be real, but got a complex array.")
    t = t.astype(np.float64)
    if np.any(np.diff(t) < 0):
        raise ValueError("Argument `times` must be non-decreasing, but it decreases somewhere.")
    rho0 = check_density_matrix("rho0", rho0)
    if rho0.shape[-2:] != (3, 3):
        raise ValueError(
            f"Argument `rho0` must have shape (..., 3, 3), but got an array of shape {rho0.shape}."
        )
    batch = model.batch_shape
    rho0 = np.broadcast_to(rho0, (*batch, 3, 3))
    L = driven_liouvillian(model)
    out = np.empty((*batch, t.size, 3, 3), dtype=np.complex128)
    dts = np.diff(t)
    for idx in np.ndindex(*batch):
        v = rho0[idx].reshape(9)
        out[(*idx, 0)] = rho0[idx]
        last_dt, P = np.nan, np.eye(9)
        for k, dt in enumerate(dts, start=1):
            # reuse the propagator for (numerically) equal steps, e.g. a linspace grid
            if not abs(dt - last_dt) <= 1e-13 * max(1.0, abs(dt)):
                last_dt, P = dt, scipy.linalg.expm(L[idx] * dt)
            v = P @ v
            out[(*idx, k)] = v.reshape(3, 3)
    return out
