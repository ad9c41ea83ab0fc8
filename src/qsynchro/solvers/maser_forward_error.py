r"""Forward-error bounds of the maser's reduced steady-state solve (for S_max certificates).

The structured steady state (:mod:`qsynchro.solvers.maser_structured`) solves a small
reduced linear system; these functions bound how far its computed solution can be from the exact one
(residual in extended precision, a lower bound on the smallest singular value), and the
rounding of the effective drive ``lam_eff``, so that the S_max upper bound holds for the
true steady state (``tests/physics/test_smax_certificates.py``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["lam_eff_error"]

_EPS = float(np.finfo(np.float64).eps)


def _forward_error(
    M: np.ndarray, s_min: np.ndarray, x: np.ndarray, M_ld: np.ndarray, lam_error: np.ndarray
) -> np.ndarray:
    r"""Rigorous bound on :math:`\|x_* - \hat x\|_2` for the reduced system (batched).

    ``x_*`` solves :math:`M_* x_* = e_0` exactly, :math:`M_*` being the reduced generator
    of the given parameters in exact arithmetic with the exact :math:`\lambda_{\rm eff}`
    (within ``lam_error`` of the float64 one). With a correction :math:`\hat d`
    (float64 solve of the residual, computed in extended precision),

    .. math::
        x_* - \hat x - \hat d = M_*^{-1}\big(e_0 - M_*(\hat x + \hat d)\big)
        \ \Rightarrow\
        \|x_* - \hat x\| \le \|\hat d\| + \frac{\|\rho\| + \tau}{\sigma_{\rm lo}},

    where :math:`\rho = e_0 - M_{\rm ld}\hat x - M_{\rm ld}\hat d` is evaluated in
    ``longdouble`` from a matrix ``M_ld`` formed in ``longdouble``, :math:`\tau` bounds the
    rounding of that evaluation and of forming ``M_ld`` (``25 eps_ld`` times
    :math:`\||M_{\rm ld}|(|\hat x|+|\hat d|)| + |e_0|\|`) and the error of
    :math:`\lambda_{\rm eff}` (:math:`\partial M/\partial\lambda` has norm <= 2), and
    :math:`\sigma_{\rm lo} = \hat\sigma_{\min}(M) - 50\,\epsilon\|M\|_F
    - 2\,\delta\lambda` bounds :math:`\sigma_{\min}(M_*)` from below (Weyl: the float64
    matrix is within :math:`8\epsilon|M|` of the exact one entrywise and the SVD is
    backward stable). With an 80-bit ``longdouble`` the bound is about
    :math:`\|\hat d\| + 10^{-19}\kappa(M)`; where ``longdouble`` is plain double it
    degrades to about :math:`\epsilon\,\kappa(M)`, still rigorous. ``inf`` where
    :math:`\sigma_{\rm lo} \le 0`.
    """
    eps_ld = float(np.finfo(np.longdouble).eps)
    ld = np.longdouble
    cld = np.result_type(ld, np.complex64)
    e0 = np.zeros(x.shape, dtype=cld)
    e0[..., 0] = 1.0
    xl = x.astype(cld)
    r = e0 - np.einsum("...ij,...j->...i", M_ld, xl)
    d = np.linalg.solve(M, r.astype(np.complex128)[..., None])[..., 0]
    rho = r - np.einsum("...ij,...j->...i", M_ld, d.astype(cld))
    absM = np.abs(M_ld)
    mag = np.einsum("...ij,...j->...i", absM, (np.abs(xl) + np.abs(d).astype(ld))) + 1.0
    nrm = lambda v: np.sqrt(np.sum(np.abs(v).astype(ld) ** 2, axis=-1))  # noqa: E731
    tau = 25.0 * eps_ld * nrm(mag)
    lam_term = 2.0 * lam_error * (nrm(xl) + nrm(d.astype(cld)))
    s_lo = s_min - 50.0 * _EPS * np.sqrt(np.sum(np.abs(M) ** 2, axis=(-1, -2))) - 2.0 * lam_error
    with np.errstate(divide="ignore", invalid="ignore"):
        bound = nrm(d).astype(np.float64) + (
            (nrm(rho) + tau).astype(np.float64) + lam_term.astype(np.float64)
        ) / np.where(s_lo > 0, s_lo, 1.0)
    # hermitizing the block moves it no further from the (Hermitian) exact block; its own
    # rounding is below 2 eps |x|
    bound = bound + 2.0 * _EPS * nrm(xl).astype(np.float64)
    return np.where(s_lo > 0, bound, np.inf)


def lam_eff_error(lam: Any, lam_eff: float) -> float:
    """Bound on ``|lam_eff - sqrt(sum_j |lam_j|^2)|`` for a float64 ``lam_eff``.

    The exact value is evaluated in ``longdouble`` (squares of the real and imaginary
    parts, summed), whose own error is below ``(log2 N + 4) eps_ld`` relative; the bound
    is the measured difference plus that. Where ``longdouble`` is plain double this is
    still a valid (larger) bound.
    """
    lam = np.asarray(lam).reshape(-1)
    ld = np.longdouble
    sq = np.real(lam).astype(ld) ** 2 + np.imag(lam).astype(ld) ** 2
    exact = np.sqrt(np.sum(sq))
    eps_ld = float(np.finfo(ld).eps)
    slack = (math.log2(max(lam.size, 1)) + 4.0) * max(eps_ld, _EPS / 2**11) * float(exact)
    return float(abs(ld(lam_eff) - exact)) + 2.0 * slack


def _default_lam_error(N: Any, lam_eff: Any) -> np.ndarray:
    """Generic bound on the float64 rounding of ``lam_eff`` (pairwise summation of N
    squares, a square root): ``(log2 N + 10) eps lam_eff``."""
    N = np.asarray(N, dtype=np.float64)
    return (np.log2(np.maximum(N, 1.0)) + 10.0) * _EPS * np.abs(np.asarray(lam_eff, float))
