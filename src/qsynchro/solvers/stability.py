r"""Linear stability of the unsynchronized state :math:`\rho_\sigma = |1\rangle\langle1|` (Eq. 2).

Linearization
-------------
Perturb :math:`\rho_\sigma = |1\rangle\langle1| + \delta\rho_\sigma`. Because Eq. 2 is
invariant under the U(1) rotation :math:`e^{-i\theta S^z}`, the linearized equations split
into charge sectors. The charge +1 coherences :math:`x_\sigma = (c_{01}, c_{12})_\sigma`
(with :math:`\langle S^+\rangle_\sigma = \sqrt2(c_{01}+c_{12})`) obey a *complex-linear*
system (the mean field enters through :math:`w^*_\sigma = 2\sum_\tau C_{\sigma\tau}
(c_{01}+c_{12})_\tau`, no complex conjugate of x):

.. math::

    \dot c_{01,\sigma} &= (i d_\sigma - \gamma_+/2)\,c_{01,\sigma}
                          - 2i\textstyle\sum_\tau C_{\sigma\tau} s_\tau,\\
    \dot c_{12,\sigma} &= (i (d_\sigma + K) - \gamma_-/2)\,c_{12,\sigma}
                          + 2i\textstyle\sum_\tau C_{\sigma\tau} s_\tau,
    \qquad s_\tau = c_{01,\tau} + c_{12,\tau}.

This is the 2G x 2G complex matrix :math:`A` returned by :func:`coherence_block`. The
charge -1 sector is its complex conjugate, and the remaining directions decouple at linear
order: populations decay at :math:`-\gamma_+` (:math:`p_0`) and :math:`-\gamma_-`
(:math:`p_2`), and :math:`c_{02}` at :math:`i(2d_\sigma+K) - (\gamma_++\gamma_-)/2`.

Closed form of V_c (single group)
---------------------------------
For one group (:math:`d = 0` without loss of generality: a common detuning only shifts
imaginary parts) :math:`A = \begin{pmatrix}-\gamma_+/2 - 2iV & -2iV\\ 2iV & iK - \gamma_-/2
+ 2iV\end{pmatrix}`, with

.. math::

    \mathrm{tr}A = -\Gamma/2 + iK, \qquad
    \det A = g/4 + 2VK + i\,[V\Delta - \gamma_+K/2],

where :math:`\Gamma = \gamma_++\gamma_-`, :math:`\Delta = \gamma_- - \gamma_+`,
:math:`g = \gamma_+\gamma_-`. An eigenvalue crosses the imaginary axis, :math:`\lambda = iy`,
when :math:`-y^2 - iy\,\mathrm{tr}A + \det A = 0`. The imaginary part gives
:math:`y = (\gamma_+K - 2V\Delta)/\Gamma`; inserting it into the real part,
:math:`-y^2 + Ky + g/4 + 2VK = 0`, and multiplying by :math:`\Gamma^2` (using
:math:`\Gamma^2 - \Delta^2 = 4g`) leaves the quadratic

.. math::

    4\Delta^2 V^2 - 8gK\,V - g\,(K^2 + \Gamma^2/4) = 0 .

For :math:`g > 0` the product of its roots is negative, so exactly one root is positive; at
V = 0 both eigenvalues (:math:`-\gamma_+/2`, :math:`iK - \gamma_-/2`) are stable, hence

.. math::

    V_c = \frac{2gK + R}{2\Delta^2}
        = \frac{g\,(K^2 + \Gamma^2/4)}{2\,(R - 2gK)},\qquad
    R = \sqrt{4g^2K^2 + g\Delta^2(K^2 + \Gamma^2/4)}

(the second form is used for K <= 0, where it is free of cancellation). At
:math:`\gamma_+ = \gamma_-` (:math:`\Delta = 0`) the quadratic becomes linear,
:math:`V_c = (K^2 + \Gamma^2/4)/(8|K|)` for K < 0 and no positive root for K >= 0:
V_c = inf, the macroscopic interference blockade of Fig. 2(c). For K = 0,
:math:`V_c = \Gamma\sqrt{g}/(4|\Delta|)`. Limits: gamma_plus = 0 or gamma_minus = 0 gives
g = 0 and V_c = 0 (the state is then only marginally stable at V = 0).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.optimize

from qsynchro._checks import check_finite, check_nonnegative
from qsynchro.models.network import Network

__all__ = [
    "coherence_block",
    "critical_coupling",
    "critical_coupling_numeric",
    "jacobian_eigenvalues",
    "max_growth_rate",
]


def coherence_block(model: Network) -> np.ndarray:
    r"""Complex-linear charge +1 Jacobian block at :math:`|1\rangle\langle1|`, (*batch, 2G, 2G).

    Ordering of the 2G unknowns: :math:`(c_{01,1}, \dots, c_{01,G}, c_{12,1}, \dots, c_{12,G})`.
    """
    d = model.detuning
    C = model.coupling
    K = model.K[..., None]
    gp = model.gamma_plus[..., None]
    gm = model.gamma_minus[..., None]
    G = model.G
    batch = model.batch_shape
    A = np.zeros((*batch, 2 * G, 2 * G), dtype=np.complex128)
    eye = np.eye(G)
    diag01 = (1j * d - 0.5 * gp)[..., :, None] * eye
    diag12 = (1j * (d + K) - 0.5 * gm)[..., :, None] * eye
    A[..., :G, :G] = diag01 - 2j * C
    A[..., :G, G:] = -2j * C
    A[..., G:, :G] = 2j * C
    A[..., G:, G:] = diag12 + 2j * C
    return A


def jacobian_eigenvalues(model: Network) -> np.ndarray:
    r"""All eigenvalues of the Jacobian of Eq. 2 at :math:`\rho_\sigma = |1\rangle\langle1|`.

    The real phase space has 8 dimensions per group (trace fixed). The spectrum is the
    union of: eig(A) of :func:`coherence_block` and its complex conjugate (charge +-1),
    :math:`-\gamma_+, -\gamma_-` (populations) and
    :math:`i(2d_\sigma+K) - (\gamma_++\gamma_-)/2` with its conjugate (charge +-2), per group.

    Args:
        model: the network (any batch shape).

    Returns:
        complex array of shape (*batch, 8G), sorted by decreasing real part.
    """
    A = coherence_block(model)
    ev = np.linalg.eigvals(A)
    d = model.detuning
    K = model.K[..., None]
    gp = np.broadcast_to(model.gamma_plus[..., None], d.shape)
    gm = np.broadcast_to(model.gamma_minus[..., None], d.shape)
    c02 = 1j * (2 * d + K) - 0.5 * (gp + gm)
    allev = np.concatenate([ev, ev.conj(), -gp + 0j, -gm + 0j, c02, c02.conj()], axis=-1)
    order = np.argsort(-allev.real, axis=-1, kind="stable")
    return np.take_along_axis(allev, order, axis=-1)


def max_growth_rate(model: Network) -> np.ndarray:
    """Largest real part of the charge +1 block (growth rate of <S^+>), shape (*batch,)."""
    return np.max(np.linalg.eigvals(coherence_block(model)).real, axis=-1)


def _rates(gamma_plus: Any, gamma_minus: Any, K: Any) -> tuple[np.ndarray, ...]:
    gp = check_nonnegative("gamma_plus", gamma_plus).astype(np.float64)
    gm = check_nonnegative("gamma_minus", gamma_minus).astype(np.float64)
    Kv = check_finite("K", K)
    if Kv.dtype.kind == "c":
        raise TypeError(f"Argument `K` must be real, but got {K!r}.")
    return np.broadcast_arrays(gp, gm, Kv.astype(np.float64))


def critical_coupling(gamma_plus: Any, gamma_minus: Any, K: Any) -> Any:
    r"""Critical intragroup coupling :math:`V_c` of a single group (closed form, see module doc).

    :math:`|1\rangle\langle1|` is linearly stable for :math:`0 \le V < V_c` and unstable
    for :math:`V > V_c`.

    Args:
        gamma_plus: gain rate :math:`\gamma_+ \ge 0` (float or array).
        gamma_minus: loss rate :math:`\gamma_- \ge 0` (float or array).
        K: level asymmetry (float or array).

    Returns:
        float (``math.inf`` where the state is stable for every V) for scalar input, else a
        float64 array of the broadcast shape.
    """
    gp, gm, K = _rates(gamma_plus, gamma_minus, K)
    scalar = gp.ndim == 0
    g = gp * gm
    Gam = gp + gm
    Dl = gm - gp
    c = K**2 + Gam**2 / 4.0
    R = np.sqrt(4.0 * g**2 * K**2 + g * Dl**2 * c)
    with np.errstate(divide="ignore", invalid="ignore"):
        neg = g * c / (2.0 * (R - 2.0 * g * K))  # K <= 0 form
        pos = (2.0 * g * K + R) / (2.0 * Dl**2)  # K > 0 form
    out = np.where(K <= 0, neg, pos)
    out = np.where((K > 0) & (Dl == 0), np.inf, out)
    out = np.where((K <= 0) & (R - 2.0 * g * K == 0) & (g > 0), np.inf, out)
    out = np.where(g == 0, 0.0, out)
    out = out.astype(np.float64)
    if scalar:
        v = float(out)
        return math.inf if math.isinf(v) else v
    return out


def _single_growth(V: float, gp: float, gm: float, K: float) -> float:
    m = Network.single_group(K, V, gp, gm)
    return float(max_growth_rate(m))


def critical_coupling_numeric(
    gamma_plus: float, gamma_minus: float, K: float, *, V_max: float = 1e4, xtol: float = 1e-12
) -> float:
    """V_c by root-finding the largest real part of the Jacobian spectrum (independent check).

    Scans V on a geometric grid up to ``V_max`` for the first sign change of
    :func:`max_growth_rate` of a single group, then refines it with Brent's method.
    Returns ``math.inf`` if no instability is found below ``V_max``.
    """
    gp, gm, K = (float(x) for x in _rates(gamma_plus, gamma_minus, K))
    grid = np.concatenate([[0.0], np.geomspace(1e-6, V_max, 400)])
    f = np.array([_single_growth(V, gp, gm, K) for V in grid])
    idx = np.nonzero(f > 0)[0]
    if idx.size == 0:
        return math.inf
    i = int(idx[0])
    if i == 0:
        return 0.0
    return float(
        scipy.optimize.brentq(
            _single_growth, grid[i - 1], grid[i], args=(gp, gm, K), xtol=xtol, rtol=1e-13
        )
    )
