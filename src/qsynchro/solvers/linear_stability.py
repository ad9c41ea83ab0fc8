"""``linear_stability(network, state)``: the Jacobian spectrum of a state, neutral mode named.

Built on :func:`qsynchro.solvers.stability.jacobian_eigenvalues` (autodiff Jacobian of the
trace-reduced mean-field equations). For a locked state of a U(1)-symmetric model (given with
its frequency, i.e. in its rotating frame) one eigenvalue is the neutral phase mode; it is
identified as the eigenvalue of smallest modulus and excluded from the growth rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qsynchro.models.network import Network
from qsynchro.solvers.jacobian import jacobian_eigenvalues

__all__ = ["Stability", "linear_stability"]


@dataclass(frozen=True)
class Stability:
    r"""Result of :func:`linear_stability` (shapes (*batch, ...)).

    Attributes:
        eigenvalues: Jacobian eigenvalues sorted by decreasing real part, (*batch, G(d^2-1)).
        neutral: index into ``eigenvalues`` of the neutral phase mode (the eigenvalue of
            smallest modulus) for a locked state of a U(1)-symmetric model, else -1, (*batch,).
        growth: largest real part apart from the neutral mode, (*batch,).
        stable: growth < 0 (and, for a locked state, a neutral eigenvalue below 1e-6), (*batch,).
    """

    eigenvalues: np.ndarray
    neutral: np.ndarray
    growth: np.ndarray
    stable: np.ndarray

    def __repr__(self) -> str:
        return (
            f"Stability(batch_shape={self.growth.shape}, max growth "
            f"{float(np.max(self.growth)):.4g}, stable {np.count_nonzero(self.stable)}/"
            f"{self.stable.size})"
        )


def linear_stability(model: Network, state: Any = None, *, omega: Any = None) -> Stability:
    r"""Linear stability of the unsynchronized state, or of a fixed point or locked state.

    Args:
        model: the network (any oscillator, any batch shape).
        state: density matrices (*batch, G, d, d) of a fixed point (``omega`` None) or of a
            locked state rotating at ``omega`` (its frame); default the unsynchronized state.
        omega: the locked state's frequency, scalar or (*batch,). With it (U(1)-symmetric
            models) the neutral phase mode is identified and excluded from ``growth``.

    Returns:
        :class:`Stability`.
    """
    if not isinstance(model, Network):
        raise TypeError(f"linear_stability() takes a Network, but got {type(model).__name__}.")
    ev = jacobian_eigenvalues(model, state, omega=0.0 if omega is None else omega)
    re = ev.real
    if omega is not None and model.u1_symmetric:
        neutral = np.argmin(np.abs(ev), axis=-1)
        ok = np.take_along_axis(np.abs(ev), neutral[..., None], -1)[..., 0] < 1e-6
        mask = np.arange(ev.shape[-1]) == neutral[..., None]
        growth = np.max(np.where(mask, -np.inf, re), axis=-1)
        stable = ok & (growth < 0)
    else:
        neutral = np.full(ev.shape[:-1], -1)
        growth = np.max(re, axis=-1)
        stable = growth < 0
    return Stability(eigenvalues=ev, neutral=neutral, growth=growth, stable=stable)
