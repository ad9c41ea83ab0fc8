r"""The result of S_max and its log-space conversion to paper units.

Shared by both routes of :func:`qsynchro.measures.smax.s_max` (Eq. 4 of Murtadho et
al.): the generic one (:mod:`qsynchro.measures.smax_quadratic`) and the maser's
structured one (:mod:`qsynchro.measures.smax_structured`). Both find bounds on
``max z^H C z`` and hand them to :func:`_from_q`, which converts them to S_max with a
rigorous upper bound that survives the underflow of the prefactor ``(2 pi)^-N``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["SMaxResult", "exp_upper", "log_rounding"]

_EPS = np.finfo(np.float64).eps


@dataclass(frozen=True)
class SMaxResult:
    """Result of :func:`s_max`.

    Attributes:
        value: S_max of Eq. (4), paper normalization (a lower bound attained by ``phases``;
            0.0 when it underflows float64, see ``scaled``).
        scaled: :math:`(2\\pi)^{D-2}S_{\\max} = \\max z^\\dagger C z/8` (the paper's
            :math:`(2\\pi)^N S_{\\max}` for the maser, ``D = N + 2``).
        upper_bound: rigorous upper bound on S_max (same units as ``value``), rounded up
            through the log-space conversion (never 0 while the scaled bound is positive).
            For a maser model (structured route) it holds for the *exact* steady state: the
            forward error of the steady-state solve is included. For a given matrix it
            holds for that matrix.
        scaled_upper_bound: the same bound in scaled units.
        gap: ``upper_bound - value`` (>= 0).
        scaled_gap: ``scaled_upper_bound - scaled``.
        phases: optimal phases ``phi_1..phi_D`` (array of shape (D,)) in ``[0, 2 pi)``,
            the paper's reference ``phi_D = 0`` (last level). Array index ``n`` is level
            ``n`` of the matrix (for the maser: ``|0>, |1>, |2>, ..., |N+1>``).
        certificate: how ``upper_bound`` was certified (human-readable).
        method: ``"zero"``, ``"exact-2"``, ``"sdp-dual"``, ``"branch-and-bound"`` or
            ``"structured"``.
        D: Hilbert-space dimension.
        log_value: natural logarithm of S_max (``-inf`` when it is zero).
        varphi: maser only: the paper's relative phases ``varphi_{j1} = phi_j - phi_1``
            for ``j = 2..N+1`` (array of shape (N,)) in ``[0, 2 pi)``; ``None`` otherwise.
    """

    value: float
    scaled: float
    upper_bound: float
    scaled_upper_bound: float
    gap: float
    scaled_gap: float
    phases: np.ndarray
    certificate: str
    method: str
    D: int
    log_value: float
    varphi: np.ndarray | None = None


def exp_upper(log_x: Any, log_abs_error: Any) -> np.ndarray:
    """A float that is >= exp(y) for every y within ``log_abs_error`` of ``log_x``.

    Used to carry an upper bound through the log-space conversion to paper units (the
    prefactor ``(2 pi)^-N`` underflows for large N): ``exp`` is evaluated at
    ``log_x + log_abs_error`` and rounded up by two units in the last place (``exp`` is
    accurate to < 1 ulp), which also covers the subnormal range; ``-inf`` gives exactly 0.
    Broadcasting arrays in, float64 array out.
    """
    y = np.asarray(log_x, dtype=np.float64) + np.asarray(log_abs_error, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore"):
        out = np.exp(y)
    up = np.nextafter(np.nextafter(out, np.inf), np.inf)
    return np.where(np.isneginf(y), 0.0, up)


def log_rounding(log_terms: Any) -> np.ndarray:
    """Bound on the absolute rounding error of a sum of a few logarithms in float64.

    ``log_terms`` is the sum of the magnitudes of the summed logarithms (e.g.
    ``|log q| + N log(2 pi)``): each log and each addition is accurate to an ulp of its
    result, so ``8 eps`` times that magnitude plus ``8 eps`` is generous.
    """
    return 8.0 * _EPS * (np.asarray(log_terms, dtype=np.float64) + 1.0)


def _from_q(
    D: int,
    q_lo: float,
    q_up: float,
    z: np.ndarray,
    certificate: str,
    method: str,
    varphi: np.ndarray | None = None,
    lower_rounding: float = 0.0,
) -> SMaxResult:
    """Build the result from max z^H C z bounds (q_lo attained by z).

    ``lower_rounding`` bounds the rounding of ``q_lo`` (the value at the phases ``z``). A
    valid upper bound satisfies ``q_up >= q_lo - lower_rounding``; a smaller one proves
    that the certificate is wrong, and raises instead of being hidden by the clamp
    ``q_up = max(q_up, q_lo)`` (which keeps a valid bound valid).
    """
    q_lo = max(float(q_lo), 0.0)
    q_up = float(q_up)
    if not q_up >= q_lo - lower_rounding:
        raise RuntimeError(
            f"internal error: the certified upper bound {q_up!r} is below the value "
            f"{q_lo!r} attained by the phases (allowance {lower_rounding:.3g}); "
            f"certificate: {certificate}"
        )
    q_up = max(q_up, q_lo)
    log_pref = -(D + 1) * math.log(2.0) - (D - 2) * math.log(math.pi)
    log_value = math.log(q_lo) + log_pref if q_lo > 0 else -math.inf
    value = math.exp(log_value) if q_lo > 0 else 0.0
    if q_up > 0:
        log_up = math.log(q_up) + log_pref
        upper = float(exp_upper(log_up, log_rounding(abs(math.log(q_up)) + abs(log_pref))))
    else:
        upper = 0.0
    z = z * np.conj(z[-1]) / abs(z[-1]) if abs(z[-1]) > 0 else z
    phases = np.mod(np.angle(z), 2 * np.pi)
    phases[-1] = 0.0
    return SMaxResult(
        value=value,
        scaled=q_lo / 8.0,
        upper_bound=upper,
        scaled_upper_bound=q_up / 8.0,
        gap=max(upper - value, 0.0),
        scaled_gap=(q_up - q_lo) / 8.0,
        phases=phases,
        certificate=certificate,
        method=method,
        D=D,
        log_value=log_value,
        varphi=varphi,
    )
