r"""Order parameter of a disordered group (M subgroups sharing one mean field).

:math:`r = \overline{|\sum_k w_k\langle A\rangle_k(t)|}`: the time average over the window of
the modulus of the weighted mean field (Nadolny & Bruder, Eq. 2, averaged over the detuning
distribution; :mod:`qsynchro.models.disorder`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["disorder_order_parameter", "onset_fit"]


def disorder_order_parameter(signal: Any, weights: Any) -> np.ndarray:
    r"""Weighted global order parameter.

    Args:
        signal: :math:`\langle A\rangle_k(t)`, shape (..., M, n_samples), complex (e.g.
            ``Attractor.signal``).
        weights: subgroup weights :math:`w_k`, shape (M,), summing to one.

    Returns:
        :math:`\overline{|\sum_k w_k\langle A\rangle_k|}`, shape (...).
    """
    s = np.asarray(signal)
    w = np.asarray(weights, dtype=np.float64)
    if s.ndim < 2 or s.shape[-2] != w.shape[-1]:
        raise ValueError(
            f"Argument `signal` must have shape (..., M, n_samples) with M = {w.shape[-1]} "
            f"subgroups, but got {s.shape}."
        )
    return np.mean(np.abs(np.einsum("k,...kt->...t", w, s)), -1)


def onset_fit(x: Any, r: Any, x_c: float, *, floor: float = 1e-3) -> float:
    r"""Where :math:`r^2`, fitted linearly in x on the first 3 points above ``x_c`` with
    :math:`r >` ``floor``, crosses zero; NaN if fewer than 2 such points.

    A continuous transition with a square-root onset :math:`r\propto\sqrt{x-x_c}` puts it
    at :math:`x_c`.
    """
    x, r = np.asarray(x, dtype=np.float64), np.asarray(r, dtype=np.float64)
    sel = np.nonzero((x > x_c) & (r > floor))[0][:3]
    if sel.size < 2:
        return float("nan")
    slope, icpt = np.polyfit(x[sel], r[sel] ** 2, 1)
    return float(-icpt / slope)
