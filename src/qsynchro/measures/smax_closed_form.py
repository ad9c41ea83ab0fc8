r"""Closed forms of S_max for the degenerate maser (Murtadho et al., Eqs. 11-13).

Measures of the analytic steady-state coherences of :mod:`qsynchro.solvers.maser_analytic`:
the refrigerator-regime l1 saturation, its N -> infinity limit (Eq. 13), and N = 2 (Eq. 11)
with its optimal phases. Checked against the certified numerical optimum of
:func:`qsynchro.measures.smax.s_max` in ``tests/physics/test_maser_analytic.py``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qsynchro._checks import check_nonnegative
from qsynchro.models.maser import Maser
from qsynchro.solvers.maser_analytic import _require_homogeneous_resonant, coherences_homogeneous

__all__ = [
    "optimal_phases_N2",
    "scaled_smax_refrigerator",
    "scaled_smax_refrigerator_limit",
    "smax_N2",
]


def scaled_smax_refrigerator(model: Maser) -> float:
    r"""Scaled measure :math:`(2\pi)^N S_\max` for homogeneous resonant driving, refrigerator.

    In the refrigerator regime all phase preferences are compatible and :math:`S_\max`
    saturates the :math:`l_1` bound, so with Eq. 4 (``D = N + 2``)

    .. math:: (2\pi)^N S_\max = \tfrac14 \sum_{n<m}|\tilde\rho_{nm}|
        = \tfrac14\left[N|\tilde\rho_{1j}| + \tfrac{N(N-1)}{2}|\tilde\rho_{jl}|\right].
    """
    if model.regime != "refrigerator":
        raise ValueError(
            f"The l1 closed form holds in the refrigerator regime (n_h < n_c), but got "
            f"n_h = {model.n_h!r}, n_c = {model.n_c!r}."
        )
    rho_1j, rho_jl = coherences_homogeneous(model)
    N = model.N
    return 0.25 * (N * abs(rho_1j) + 0.5 * N * (N - 1) * abs(rho_jl))


def scaled_smax_refrigerator_limit(n_h: Any, n_c: Any, gamma_h: Any, gamma_c: Any) -> np.ndarray:
    r"""The :math:`N\to\infty` limit of :math:`(2\pi)^N S_\max` in the refrigerator regime (Eq. 13).

    From Eqs. 9-10: the :math:`N(N-1)/2` degenerate coherences dominate and
    :math:`F \simeq A N^2`, so

    .. math:: \lim_{N\to\infty}(2\pi)^N S_\max
        = \frac{1}{4}\cdot\frac{\gamma_c(n_c - n_h)}{2 n_h G}
        = \frac{\gamma_c(n_c - n_h)}{8 n_h[\gamma_c(1+n_c) + \gamma_h(1+n_h)]},

    independent of :math:`\lambda` (as printed in Eq. 13). ``inf`` for ``n_h = 0``
    (then :math:`A = 0` and the sum grows linearly in N). Arguments broadcast;
    requires ``n_h < n_c``.
    """
    n_h, n_c, gamma_h, gamma_c = (
        check_nonnegative(name, v)
        for name, v in (("n_h", n_h), ("n_c", n_c), ("gamma_h", gamma_h), ("gamma_c", gamma_c))
    )
    if np.any(n_h >= n_c):
        raise ValueError(
            f"Eq. (13) holds in the refrigerator regime, `n_h` < `n_c`, but got n_h = {n_h!r} "
            f"and n_c = {n_c!r}."
        )
    G = gamma_c * (1 + n_c) + gamma_h * (1 + n_h)
    with np.errstate(divide="ignore"):
        return gamma_c * (n_c - n_h) / (8 * n_h * G)


def smax_N2(model: Maser) -> float:
    r"""Eq. 11: :math:`S_\max` for N = 2, homogeneous resonant driving (normalization of Eq. 4).

    .. math:: S_\max = \frac{1}{16\pi^2}\begin{cases}
        |\tilde\rho_{12}| + |\tilde\rho_{13}| + |\tilde\rho_{23}| & n_h < n_c\\
        |\tilde\rho_{12}| + |\tilde\rho_{13}| - |\tilde\rho_{23}| & n_h > n_c,\ k > 2\\
        (1 + k^2/2)|\tilde\rho_{23}| & n_h > n_c,\ k \le 2\end{cases}

    (the paper's levels 1, 2, 3 are our ``|1>, |2>, |3>``; ``|0>`` carries no coherence).
    """
    if model.N != 2:
        raise ValueError(f"Eq. (11) is for N = 2, but got N = {model.N}.")
    rho_1j, rho_jl = coherences_homogeneous(model)
    a, b = abs(rho_1j), abs(rho_jl)
    pref = 1.0 / (16 * math.pi**2)
    if model.regime != "engine":
        return pref * (2 * a + b)
    k = model.k
    return pref * (2 * a - b) if k > 2 else pref * (1 + k**2 / 2) * b


def optimal_phases_N2(model: Maser) -> list[tuple[float, float]]:
    r"""Eq. 12: the optimal phases :math:`(\varphi_{21}, \varphi_{31})` for N = 2.

    :math:`\varphi_{ij} = \phi_i - \phi_j`.

    Refrigerator ``(3pi/2, 3pi/2)``; engine with ``k > 2`` ``(pi/2, pi/2)``; engine with
    ``k <= 2`` the two points ``(chi, pi - chi)`` and ``(pi - chi, chi)``,
    ``chi = arcsin(k/2)``. Valid for real positive ``lam``.
    """
    if model.N != 2:
        raise ValueError(f"Eq. (12) is for N = 2, but got N = {model.N}.")
    _require_homogeneous_resonant(model, "Eq. (12)")
    if model.regime != "engine":
        return [(1.5 * math.pi, 1.5 * math.pi)]
    k = model.k
    if k > 2:
        return [(0.5 * math.pi, 0.5 * math.pi)]
    chi = math.asin(k / 2)
    return [(chi, math.pi - chi), (math.pi - chi, chi)]
