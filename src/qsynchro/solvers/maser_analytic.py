r"""Closed-form steady-state results of the degenerate maser (Murtadho et al., Eqs. 9-13).

Everything here follows from the reduced equations of
:mod:`qsynchro.solvers.maser_structured` (derivation in ``docs/maser.md``). With
``G = Gamma_c1 + Gamma_h1`` and detuning ``delta = Omega - (omega_2 - omega_1)`` define the
effective stimulated rate

.. math:: r = \lambda_\mathrm{eff}^2\, G / (G^2 + \delta^2).

Then (populations ``p_0, p_1, p_B`` of ``|0>, |1>, |B>``, ``c = rho_1B``)

.. math::
    p_1 = p_0\,[\Gamma_{c2}(\Gamma_{h1} + r) + r\Gamma_{h2}]/\Delta_r,\quad
    p_B = p_0\,[\Gamma_{h2}(\Gamma_{c1} + r) + r\Gamma_{c2}]/\Delta_r,\quad
    \Delta_r = \Gamma_{c1}\Gamma_{h1} + rG,

    p_\mathrm{dark} = p_0\, n_h/(1 + n_h),\qquad
    c = -i\lambda_\mathrm{eff}(p_B - p_1)/(G + i\delta),\qquad
    p_B - p_1 = p_0\,\gamma_h\gamma_c(n_h - n_c)/\Delta_r,

and ``p_0`` from the trace ``p_0 + p_1 + p_B + (N-1) p_dark = 1``.

For homogeneous resonant driving (:math:`\lambda_j = \lambda`, :math:`\delta = 0`) this gives
Eqs. 9 and 10 with

.. math::
    F = A N^2 + B N + C,\quad
    A = n_h\lambda^2 G,\quad
    B = \lambda^2[G + 2(1+n_h)(\gamma_c n_c + \gamma_h n_h)] + n_h G\,\Gamma_{c1}\Gamma_{h1},\quad
    C = G\,(1+n_h)^2\gamma_h\gamma_c(1 + 2n_c),

with :math:`G = \gamma_c(1+n_c) + \gamma_h(1+n_h)`, :math:`\Gamma_{c1} = \gamma_c(1+n_c)`,
:math:`\Gamma_{h1} = \gamma_h(1+n_h)` (for complex :math:`\lambda` read :math:`|\lambda|^2`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qsynchro._checks import check_nonnegative
from qsynchro.models.maser import Maser
from qsynchro.solvers.maser_structured import MaserState, check_unique

__all__ = [
    "F",
    "F_coefficients",
    "coherences_homogeneous",
    "phase_preferences",
    "steady_state_closed_form",
]


def F_coefficients(
    n_h: Any, n_c: Any, gamma_h: Any, gamma_c: Any, lam: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Coefficients of :math:`F(N) = AN^2 + BN + C` in Eqs. 9 and 10 (derived, ``docs/maser.md``).

    .. math::
        A = n_h\lambda^2 G,\qquad
        B = \lambda^2[G + 2(1+n_h)(\gamma_c n_c + \gamma_h n_h)]
            + n_h G\,\gamma_c(1+n_c)\,\gamma_h(1+n_h),\qquad
        C = G\,(1+n_h)^2\,\gamma_h\gamma_c\,(1+2n_c),

    with :math:`G = \gamma_c(1+n_c) + \gamma_h(1+n_h)`. All are positive for positive
    parameters (``A = 0`` only for ``n_h = 0``). ``lam`` enters as :math:`|\lambda|^2`.
    Arguments broadcast.

    Returns:
        ``(A, B, C)`` as float arrays.
    """
    n_h, n_c, gamma_h, gamma_c = (
        check_nonnegative(name, v)
        for name, v in (("n_h", n_h), ("n_c", n_c), ("gamma_h", gamma_h), ("gamma_c", gamma_c))
    )
    lam2 = np.abs(np.asarray(lam)) ** 2
    G_c1 = gamma_c * (1 + n_c)
    G_h1 = gamma_h * (1 + n_h)
    G = G_c1 + G_h1
    A = n_h * lam2 * G
    B = lam2 * (G + 2 * (1 + n_h) * (gamma_c * n_c + gamma_h * n_h)) + n_h * G * G_c1 * G_h1
    C = G * (1 + n_h) ** 2 * gamma_h * gamma_c * (1 + 2 * n_c)
    return A, B, C


def F(N: Any, n_h: Any, n_c: Any, gamma_h: Any, gamma_c: Any, lam: Any) -> np.ndarray:
    """The denominator ``F = A N^2 + B N + C`` of Eqs. 9 and 10 (arguments broadcast)."""
    A, B, C = F_coefficients(n_h, n_c, gamma_h, gamma_c, lam)
    N = np.asarray(N, dtype=float)
    return A * N**2 + B * N + C


def _require_homogeneous_resonant(model: Maser, what: str) -> complex:
    if not isinstance(model, Maser):
        raise TypeError(f"Argument `model` must be a Maser, but got {type(model).__name__}.")
    if not model.homogeneous and not np.all(model.lam == model.lam[0]):
        raise ValueError(f"{what} needs homogeneous driving, but `lam` has unequal entries.")
    if not model.resonant or not model.degenerate:
        raise ValueError(
            f"{what} needs resonant driving of an exactly degenerate manifold, but got "
            f"detuning {model.detuning!r} and `Delta` = {model.Delta!r}."
        )
    return complex(model.lam if model.homogeneous else model.lam[0])


def coherences_homogeneous(model: Maser) -> tuple[complex, complex]:
    r"""Steady-state coherences of Eqs. 9 and 10 (homogeneous, resonant driving).

    .. math::
        \tilde\rho_{1j} = i\,\frac{\lambda(n_c - n_h)\gamma_c\gamma_h(1+n_h)}{F},\qquad
        \tilde\rho_{jl} = \frac{|\lambda|^2\gamma_c(n_c - n_h)}{F}\quad (j \ne l),

    with :math:`F = AN^2 + BN + C` from :func:`F_coefficients`.

    Returns:
        ``(rho_1j, rho_jl)`` (complex; ``rho_jl`` is real). ``rho_j1 = conj(rho_1j)``.
    """
    lam = _require_homogeneous_resonant(model, "Eqs. (9)-(10)")
    f = float(F(model.N, model.n_h, model.n_c, model.gamma_h, model.gamma_c, lam))
    x = model.n_c - model.n_h
    rho_1j = 1j * lam * x * model.gamma_c * model.gamma_h * (1 + model.n_h) / f
    rho_jl = abs(lam) ** 2 * model.gamma_c * x / f
    return complex(rho_1j), complex(rho_jl)


def phase_preferences(model: Maser) -> tuple[float, float]:
    r"""Phase preferences :math:`\Phi_{j1} = \arg\tilde\rho_{j1}` and :math:`\Phi_{jl}`.

    :math:`\Phi_{jl} = \arg\tilde\rho_{jl}` (``j != l`` in the manifold).

    In ``[0, 2 pi)``. For real positive :math:`\lambda` the text after Eq. 10 states:
    refrigerator :math:`(3\pi/2, 0)`, engine :math:`(\pi/2, \pi)`. NaN when the
    coherences vanish (``n_h = n_c`` or ``lam = 0``).
    """
    rho_1j, rho_jl = coherences_homogeneous(model)
    if rho_jl == 0:
        return math.nan, math.nan
    return (
        float(np.mod(np.angle(np.conj(rho_1j)), 2 * np.pi)),
        float(np.mod(np.angle(rho_jl), 2 * np.pi)),
    )


def steady_state_closed_form(model: Maser) -> MaserState:
    """Closed-form structured steady state (module docstring), any ``lam_j`` and detuning.

    An independent route to :func:`qsynchro.solvers.maser_structured.structured_steady_state`
    (which solves the reduced linear system numerically). Requires ``Delta = 0``.
    """
    if not isinstance(model, Maser):
        raise TypeError(f"Argument `model` must be a Maser, but got {type(model).__name__}.")
    if not model.degenerate:
        raise ValueError(f"The closed form needs `Delta` = 0, but got {model.Delta!r}.")
    check_unique(model)
    Gh1, Gh2, Gc1, Gc2 = model.Gamma_h1, model.Gamma_h2, model.Gamma_c1, model.Gamma_c2
    G = Gc1 + Gh1
    d = model.detuning
    le = model.lam_eff
    r = le**2 * G / (G**2 + d**2)
    Dr = Gc1 * Gh1 + r * G
    q1 = (Gc2 * (Gh1 + r) + r * Gh2) / Dr  # p_1 / p_0
    qB = (Gh2 * (Gc1 + r) + r * Gc2) / Dr  # p_B / p_0
    qd = model.n_h / (1 + model.n_h) if model.N > 1 else 0.0  # p_dark / p_0
    p0 = 1.0 / (1 + q1 + qB + (model.N - 1) * qd)
    c = -1j * le * p0 * model.gamma_h * model.gamma_c * (model.n_h - model.n_c) / Dr / (G + 1j * d)
    block = np.zeros((3, 3), dtype=np.complex128)
    block[0, 0], block[1, 1], block[2, 2] = p0, p0 * q1, p0 * qB
    block[1, 2], block[2, 1] = c, np.conj(c)
    return MaserState(block=block, p_dark=p0 * qd, weights=model.bright_weights)
