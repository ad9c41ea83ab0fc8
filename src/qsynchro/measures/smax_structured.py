r"""S_max of the degenerate maser, exactly (Murtadho et al., Eqs. 4 and 9-13).

The structured route of :func:`qsynchro.measures.smax.s_max`: an exact reduction to a 1-D
quadratic on the polygon interval of :math:`|\langle B|z\rangle|` (``docs/murtadho2023.md``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qsynchro._checks import check_finite, check_nonnegative
from qsynchro.measures.smax_result import SMaxResult, _from_q

__all__ = [
    "s_max_structured",
    "structured_max",
    "structured_rounding",
    "structured_state_margin",
]

_EPS = np.finfo(np.float64).eps


# ----------------------------------------------------------------------------------------
# the degenerate maser: exact reduction
# ----------------------------------------------------------------------------------------
def _triangle_angle(R: float, l1: float, l2: float) -> float:
    """Angle between sides R and l1 of a triangle with sides (R, l1, l2), accurately.

    atan2 of (2 area, R^2 + l1^2 - l2^2) with Kahan's stable Heron formula, so that thin
    triangles (angles near 0 or pi) keep full relative accuracy.
    """
    a, b, c = sorted((R, l1, l2), reverse=True)
    prod = (a + (b + c)) * (c - (a - b)) * (c + (a - b)) * (a + (b - c))
    area = 0.25 * math.sqrt(max(prod, 0.0))
    return math.atan2(4.0 * area, R * R + l1 * l1 - l2 * l2)


def _two(R: complex, l1: float, l2: float) -> tuple[complex, complex]:
    """Unit phasors e1, e2 with l1 e1 + l2 e2 = R, assuming |l1 - l2| <= |R| <= l1 + l2."""
    r = abs(R)
    if l1 == 0.0 and l2 == 0.0:
        return 1.0 + 0j, 1.0 + 0j
    if r == 0.0:
        return 1.0 + 0j, -1.0 + 0j
    base = R / r
    if l1 == 0.0:
        return 1.0 + 0j, base
    if l2 == 0.0:
        return base, 1.0 + 0j
    b1 = _triangle_angle(r, l1, l2)  # angle of l1 e1 from R
    b2 = _triangle_angle(r, l2, l1)  # angle of l2 e2 from R, on the other side
    return base * np.exp(1j * b1), base * np.exp(-1j * b2)


#: largest N for which the optimal phases are spread out with :func:`_fan_phases`
_FAN_MAX_N = 2000


def _fan_phases(s: np.ndarray, r: float) -> np.ndarray | None:
    """A spread-out representative: u_j = exp(i t psi_j), psi_j = 2 pi j / N, |sum| = r.

    ``|R(t)| = |sum_j s_j exp(i t psi_j)|`` is continuous with ``|R(0)| = sum s >= r``; if
    ``|R(1)| <= r`` bisection finds ``t`` with ``|R(t)| = r`` (intermediate values). Returns
    ``None`` when ``|R(1)| > r`` (then the three-group construction is used).
    """
    N = s.size
    psi = 2.0 * np.pi * np.arange(N) / N

    def R(t: float) -> complex:
        return complex(np.sum(s * np.exp(1j * t * psi)))

    if abs(R(1.0)) > r:
        return None
    lo, hi = 0.0, 1.0  # |R(lo)| >= r >= |R(hi)|
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if abs(R(mid)) >= r:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-16:
            break
    t = lo if abs(abs(R(lo)) - r) <= abs(abs(R(hi)) - r) else hi
    u = np.exp(1j * t * psi)
    res = R(t)
    if abs(res) > 0:
        u = u * (abs(res) / res)
    if abs(abs(res) - r) > 1e-12 * max(1.0, float(np.sum(s))):
        return None
    return u


def _polygon_phases(s: np.ndarray, r: float) -> np.ndarray:
    """Unit phasors u_j (shape (N,)) with |sum_j s_j u_j| = r, sum real >= 0.

    Needs ``max(0, 2 max s - sum s) <= r <= sum s``. Construction: sort s descending, cut
    at the first prefix sum >= half the total, and close a quadrilateral with sides r and
    the three rigid groups (prefix, the cut element, the rest) via the law of cosines.
    """
    N = s.size
    T0 = float(np.sum(s))
    if r >= T0 * (1.0 - 1e-13):  # all aligned (avoid sqrt(eps) angles of thin triangles)
        return np.ones(N, dtype=np.complex128)
    imax = int(np.argmax(s))
    a_min = 2.0 * float(s[imax]) - T0
    if a_min > 0:  # the largest against the rigid rest: angle from the law of cosines
        out = -np.ones(N, dtype=np.complex128)
        out[imax] = 1.0
        if r <= a_min + 1e-13 * T0:
            return out
        e1, e2 = _two(complex(r), float(s[imax]), T0 - float(s[imax]))
        out[:] = e2
        out[imax] = e1
        return out
    if N <= _FAN_MAX_N:
        fan = _fan_phases(s, r)
        if fan is not None:
            return fan
    # 2 max s <= T here (the other case returned above): cut the natural order at the
    # first prefix sum >= T/2; the three groups (prefix, the cut element, the rest) are
    # each <= T/2, so they close a triangle and reach every r in [0, T] (no sort, O(N)).
    S = np.cumsum(s)
    T = float(S[-1])
    m = int(min(np.searchsorted(S, 0.5 * T, side="left"), N - 1))
    p = float(S[m - 1]) if m > 0 else 0.0
    q = float(s[m])
    u = max(T - float(S[m]), 0.0)
    rho_qu = max(abs(q - u), abs(r - p))
    rho_qu = min(rho_qu, q + u, r + p)
    eP, eV = _two(complex(r), p, rho_qu)
    eQ, eU = _two(rho_qu * eV, q, u)
    out = np.empty(N, dtype=np.complex128)
    out[:m] = eP
    out[m] = eQ
    out[m + 1 :] = eU
    return out


def structured_state_margin(a_max: Any, state_error: Any) -> np.ndarray:
    r"""Bound on how much the exact optimum can exceed the computed one for a state error.

    If the exact steady state's ``(block, p_dark)`` is within ``state_error`` (2-norm over
    the 9 block entries and ``p_dark``) of the computed one, then
    :math:`|\Delta c| \le \sqrt2\,\epsilon` (``c = rho_BB - p_dark``) and
    :math:`|\Delta b| \le \epsilon` (``b = |rho_1B|``), so for every
    :math:`r\in[a_{\min}, a_{\max}]`,
    :math:`|\Delta f(r)| \le \sqrt2\,\epsilon\,|r^2-1| + 2\epsilon r
    \le \epsilon\,(\sqrt2\max(1, a_{\max}^2-1) + 2a_{\max})`, and the maxima over the
    same interval differ by at most that. Broadcasting; 0 where ``state_error`` is 0.
    """
    a_max, eps_x = (np.asarray(x, dtype=np.float64) for x in (a_max, state_error))
    return eps_x * (math.sqrt(2.0) * np.maximum(1.0, a_max * a_max - 1.0) + 2.0 * a_max)


def structured_rounding(
    c: Any, b: Any, r: Any, a_max: Any, N: Any, state_error: Any = 0.0
) -> np.ndarray:
    """Allowance added to the exact structured optimum to make it an upper bound.

    ``16 eps`` times the magnitude of the terms of ``f(r) = c (r^2 - 1) + 2 b r`` at the
    optimum, plus the slope ``|f'(r)|`` times the summation error of ``a_max = sum |w_j|``
    (``log2(N + 1) eps a_max``, pairwise summation) for an optimum at an end of the interval,
    plus :func:`structured_state_margin` for the forward error ``state_error`` of the
    steady-state solve (so that the bound holds for the exact steady state, not only for
    the computed one).
    """
    c, b, r, a_max, N = (np.asarray(x, dtype=np.float64) for x in (c, b, r, a_max, N))
    terms = np.abs(c) * (1.0 + r * r) + 2.0 * np.abs(b) * r
    slope = np.abs(2.0 * c * r + 2.0 * b)
    rounding = 16 * _EPS * (terms + slope * np.log2(N + 1.0) * (1.0 + a_max))
    return rounding + structured_state_margin(a_max, state_error)


def structured_max(c: Any, b: Any, a_min: Any, a_max: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""Exact :math:`\max_{r\in[a_{\min},a_{\max}]} c(r^2-1)+2br` (batched, broadcasting).

    The reduced maser problem (see :func:`s_max_structured`): ``c = rho_BB - p_dark``,
    ``b = |rho_1B|``, ``[a_min, a_max]`` the reachable range of ``|<B|z>|``.

    Returns:
        ``(q, r_opt)``: the maximum of :math:`z^\dagger C z` and the optimal ``|a|``,
        arrays of the broadcast shape.
    """
    c, b, a_min, a_max = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.float64) for x in (c, b, a_min, a_max))
    )

    def f(r: np.ndarray) -> np.ndarray:
        return c * (r * r - 1.0) + 2.0 * b * r

    with np.errstate(divide="ignore", invalid="ignore"):
        vertex = np.where(c < 0, np.clip(b / np.where(c < 0, -c, 1.0), a_min, a_max), a_max)
    cands = np.stack([a_min, a_max, vertex])
    vals = f(cands)
    i = np.argmax(vals, axis=0)
    q = np.take_along_axis(vals, i[None], axis=0)[0]
    r = np.take_along_axis(cands, i[None], axis=0)[0]
    return q, r


def s_max_structured(
    block: Any, p_dark: Any, weights: Any, *, state_error: float = 0.0
) -> SMaxResult:
    r"""Exact S_max of the degenerate maser steady state from its structure.

    The steady state is :math:`\rho = \rho_{\rm block} + p_{\rm dark}P_{\rm dark}` with
    :math:`\rho_{\rm block}` on span(|0>, |1>, |B>), |B> the bright state (components
    ``weights[j-2] = <j|B>``) and :math:`P_{\rm dark}` the projector on the N-1 dark states.
    With :math:`a = \langle B|z_{\rm deg}\rangle = \sum_j \bar w_j z_j`,

    .. math::
        z^\dagger C z = (\rho_{BB}-p_{\rm dark})(|a|^2-1) + 2\,\mathrm{Re}(\bar z_1\rho_{1B}a),

    and over unit-modulus phases :math:`|a|` fills exactly
    :math:`[\max(0, 2\max_j|w_j|-\sum_j|w_j|), \sum_j|w_j|]` (polygon inequality) with any
    argument. Maximizing over :math:`z_1` gives :math:`f(r)=c(r^2-1)+2|\rho_{1B}|r`,
    :math:`c=\rho_{BB}-p_{\rm dark}`, a quadratic on an interval: solved exactly (both
    endpoints and, for c < 0, the clipped vertex :math:`|\rho_{1B}|/|c|`).

    Args:
        block: (3, 3) complex Hermitian block on (|0>, |1>, |B>); coherences with |0> must
            vanish (they do in the maser steady state).
        p_dark: population of each dark state (real scalar >= 0).
        weights: ``<j|B>`` for ``j = 2..N+1`` (complex array of shape (N,), unit norm).
        state_error: bound on the distance (2-norm over the 9 block entries and
            ``p_dark``) between the given state and the exact steady state it approximates
            (``MaserState.forward_error``); it widens the certificate by
            :func:`structured_state_margin`, so that ``upper_bound`` holds for the exact
            state. 0 certifies the given matrix itself.

    Returns:
        :class:`SMaxResult` with ``method == "structured"``, ``upper_bound == value`` up to
        rounding and the state error, explicit optimal ``phases`` (shape (N+2,)) and
        ``varphi`` (shape (N,)).
    """
    blk = np.asarray(check_finite("block", block), dtype=np.complex128)
    if blk.shape != (3, 3):
        raise ValueError(f"Argument `block` must have shape (3, 3), but got {blk.shape}.")
    if np.max(np.abs(blk - blk.conj().T)) > 1e-8:
        raise ValueError("Argument `block` must be Hermitian, but got a non-Hermitian matrix.")
    pd = float(check_nonnegative("p_dark", p_dark))
    state_error = float(check_nonnegative("state_error", state_error))
    w = np.asarray(check_finite("weights", weights), dtype=np.complex128).reshape(-1)
    if w.size < 1:
        raise ValueError("Argument `weights` must have at least one entry, but got none.")
    nrm = float(np.sum(np.abs(w) ** 2))
    if abs(nrm - 1.0) > 1e-8:
        raise ValueError(f"Argument `weights` must have unit norm, but got norm^2 = {nrm:.6g}.")
    c0 = max(abs(blk[0, 1]), abs(blk[0, 2]))
    if c0 > 1e-10 * max(1.0, float(np.max(np.abs(blk)))):
        raise ValueError(
            "Argument `block` must have no coherence with |0> for the structured S_max, but "
            f"got max(|rho_01|, |rho_0B|) = {c0:.3g}; use the dense route instead."
        )
    N = w.size
    D = N + 2
    s = np.abs(w)
    T = float(np.sum(s))
    a_max = T
    a_min = max(0.0, 2.0 * float(np.max(s)) - T)
    c = float(np.real(blk[2, 2])) - pd
    rho1B = complex(blk[1, 2])
    b = abs(rho1B)

    q_arr, r_arr = structured_max(c, b, a_min, a_max)
    q, r_opt = float(q_arr), float(r_arr)
    if N == 1:
        q = 2.0 * b  # |a| = 1 exactly
        r_opt = 1.0

    # optimal phases: conj(w_j) z_j = s_j u_j with |sum s_j u_j| = r_opt, arg 0
    u = _polygon_phases(s, r_opt) if N > 1 else np.ones(1, np.complex128)
    wph = np.where(s > 0, w / np.where(s > 0, s, 1.0), 1.0)
    z_deg = wph * u
    z1 = rho1B / b if b > 0 else 1.0 + 0j
    z = np.concatenate([[z_deg[-1]], [z1], z_deg])  # z_0 free: chosen equal to the reference
    # check the construction reproduces the optimum (cheap, O(N))
    a = np.sum(np.conj(w) * z_deg)
    q_check = c * (abs(a) ** 2 - 1.0) + 2.0 * float(np.real(np.conj(z1) * rho1B * a))
    scale = abs(c) * (1.0 + a_max**2) + 2.0 * b * (1.0 + a_max)  # for the phase check
    err = abs(q_check - q)
    if err > 1e-9 * max(scale, 1e-300):  # pragma: no cover - construction is exact
        raise RuntimeError(f"internal error: optimal phases reproduce {q_check} != {q}")
    q_up = q + float(structured_rounding(c, b, r_opt, a_max, N, state_error))
    zr = z * np.conj(z[-1])
    ph = np.mod(np.angle(zr), 2 * np.pi)
    varphi = np.mod(ph[2:] - ph[1], 2 * np.pi)
    cert = (
        "exact: reduced to max of c(r^2-1) + 2|rho_1B| r over r in "
        f"[{a_min:.6g}, {a_max:.6g}] (polygon inequality); optimum at r = {r_opt:.6g}; "
        f"steady-state forward error {state_error:.3g} included in the upper bound"
    )
    return _from_q(D, q, q_up, z, cert, "structured", varphi=varphi)
