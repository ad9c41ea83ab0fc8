r"""Steady states of the degenerate thermal maser (rotating frame, Eq. 8).

Three routes, all returning the rotating-frame :math:`\tilde\rho^{ss}` in the basis
``|0>, |1>, |2>, ..., |N+1>``:

* :func:`steady_state_dense` -- null space of the dense ``(D^2, D^2)`` Liouvillian,
  any parameters (also ``Delta != 0``). Cost O(D^6) time, O(D^4) memory; N = 40
  takes a fraction of a second, N = 60 (the limit we allow) a few seconds and 240 MB.
* :func:`structured_steady_state` -- exact, for an exactly degenerate manifold
  (``Delta = 0``), any complex :math:`\lambda_j`, resonant or detuned drive.
  O(1) work plus O(N) for the bright-state weights; N = 10^6 takes milliseconds.
  It lives in :mod:`qsynchro.solvers.maser_structured` (with its derivation, the
  batched :func:`reduced_steady_state` and :class:`MaserState`) and is re-exported here.
* :func:`steady_state` -- the fixed entry point: structured when ``Delta == 0``,
  dense otherwise; always returns the dense ``(D, D)`` array.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg

from qsynchro._checks import reject_parameters, unsupported_model
from qsynchro.equations.maser import rotating_liouvillian
from qsynchro.models.driven import DrivenOscillator
from qsynchro.models.maser import Maser
from qsynchro.models.oscillator import Oscillator
from qsynchro.solvers.driven import driven_steady_state
from qsynchro.solvers.local import oscillator_steady_state
from qsynchro.solvers.maser_forward_error import lam_eff_error
from qsynchro.solvers.maser_structured import (
    MaserState,
    check_unique,
    reduced_steady_state,
    structured_steady_state,
)

__all__ = [
    "DENSE_MAX_N",
    "MaserState",
    "check_unique",
    "lam_eff_error",
    "reduced_steady_state",
    "steady_state",
    "steady_state_dense",
    "structured_steady_state",
]

#: largest N accepted by :func:`steady_state_dense` (the Liouvillian has D^4 entries)
DENSE_MAX_N = 60
#: largest N for which :func:`steady_state` forms the dense (D, D) matrix (128 MB)
STEADY_STATE_MAX_N = 4000


def steady_state_dense(model: Maser) -> np.ndarray:
    """Steady state from the null space of the dense rotating-frame Liouvillian (Eq. 8).

    Any parameters (degenerate or ``Delta != 0``, any drive). Cost O(D^6) time and
    O(D^4) memory; ``N`` is limited to :data:`DENSE_MAX_N` = 60.

    Returns:
        (D, D) complex array, basis ``|0>, ..., |N+1>``.
    """
    if not isinstance(model, Maser):
        raise TypeError(f"Argument `model` must be a Maser, but got {type(model).__name__}.")
    if model.N > DENSE_MAX_N:
        raise ValueError(
            f"Argument `model` has N = {model.N}, but the dense solver allows N <= "
            f"{DENSE_MAX_N} (memory 16 D^4 bytes); use structured_steady_state for Delta = 0."
        )
    check_unique(model)
    L = rotating_liouvillian(model)
    D = model.D
    A = L.copy()
    A[0, :] = 0.0
    A[0, np.arange(D) * (D + 1)] = 1.0
    b = np.zeros(D * D, dtype=np.complex128)
    b[0] = 1.0
    x = scipy.linalg.solve(A, b)
    rho = x.reshape(D, D)
    rho = 0.5 * (rho + rho.conj().T)
    return rho / np.trace(rho).real


def steady_state(model: Any, **parameters: Any) -> np.ndarray:
    """Steady state of a linear model: a Maser, one Oscillator, or a DrivenOscillator.

    * :class:`~qsynchro.models.maser.Maser`: the rotating-frame steady state as a (D, D)
      complex array (Eq. 8), basis ``|0>, |1>, |2>, ..., |N+1>``, ``rho[n, m] = <n|rho|m>``.
      Uses the exact structured solver when the manifold is exactly degenerate
      (``Delta == 0``), the dense Liouvillian otherwise. For very large N use
      :func:`structured_steady_state` (or ``qsynchro.s_max(model)``).
    * :class:`~qsynchro.models.oscillator.Oscillator`: the steady state of one oscillator with
      its bound parameters (or ``**parameters``), drive included, (d, d)
      (:func:`qsynchro.solvers.local.oscillator_steady_state`).
    * :class:`~qsynchro.models.driven.DrivenOscillator`: the driven spin-1 of Fig. 2(d).

    A mean-field :class:`~qsynchro.models.network.Network` is nonlinear: use ``attractor()``.
    """
    if isinstance(model, Oscillator):
        return oscillator_steady_state(model, **parameters)
    reject_parameters("steady_state", model, parameters)
    if isinstance(model, DrivenOscillator):
        return driven_steady_state(model)
    if not isinstance(model, Maser):
        raise unsupported_model(
            "steady_state",
            model,
            "Maser, Oscillator and DrivenOscillator",
            hint="A mean-field Network is nonlinear: use attractor().",
        )
    if model.degenerate:
        if model.N > STEADY_STATE_MAX_N:
            raise ValueError(
                f"Argument `model` has N = {model.N}: the dense (D, D) steady state would need "
                f"{16 * model.D**2 / 1e9:.3g} GB; use structured_steady_state(model) instead "
                f"(allowed here: N <= {STEADY_STATE_MAX_N})."
            )
        return structured_steady_state(model).dense()
    return steady_state_dense(model)
