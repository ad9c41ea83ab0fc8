r"""Second-order cumulant equations for G groups of N identical spin-1 oscillators.

Model: Eq. (1) of Nadolny & Bruder, PRL 131, 190402 (2023), written as a pair
interaction :math:`H_\mathrm{int} = \sum_{p<q} (C_{\sigma_p\sigma_q}/N)\, h_{pq}` with
:math:`h = S^+\otimes S^- + S^-\otimes S^+` and the coupling matrix ``C`` (V on the
diagonal, :math:`V_{AB}` off it; :meth:`Ensemble.coupling_matrix`).

Variables. Per group :math:`\sigma` the one-site reduced density matrix
:math:`\rho^\sigma_1` (3x3) and per ordered pair of groups :math:`(\sigma,\tau)` the
two-site reduced density matrix :math:`\rho^{\sigma\tau}_2` (9x9, site 1 in
:math:`\sigma`, site 2 in :math:`\tau`, kron order, two *distinct* sites). Its
connected part is :math:`C^{\sigma\tau} = \rho_2^{\sigma\tau} - \rho_1^\sigma\otimes\rho_1^\tau`.

Exact BBGKY equations (n = number of other sites coupled):

.. math::

    \dot\rho^\sigma_1 = \mathcal{L}_\sigma\rho_1^\sigma - i\sum_\tau \frac{(N-\delta_{\sigma\tau})
        C_{\sigma\tau}}{N}\sum_\pm [S^\pm, \mathrm{Tr}_2(S^\mp_2\rho_2^{\sigma\tau})],

    \dot\rho^{\sigma\tau}_2 = (\mathcal{L}_\sigma\otimes 1 + 1\otimes\mathcal{L}_\tau)\rho_2
        - i\frac{C_{\sigma\tau}}{N}[h, \rho_2] - i\sum_\mu \frac{N - \delta_{\sigma\mu}
        - \delta_{\tau\mu}}{N}\sum_\pm [C_{\sigma\mu}S^\pm\otimes 1 + C_{\tau\mu}1\otimes S^\pm,
        \mathrm{Tr}_3(S^\mp_3\rho_3^{\sigma\tau\mu})].

Second-order closure (third cumulant set to zero):
:math:`\rho_3 = \rho_1\rho_1\rho_1 + C_{12}\rho_1 + C_{13}\rho_1 + C_{23}\rho_1`, hence
:math:`\mathrm{Tr}_3(S^\mp_3\rho_3) = \langle S^\mp\rangle_\mu\rho_2^{\sigma\tau}
+ Y^{\sigma\mu}_\mp\otimes\rho_1^\tau + \rho_1^\sigma\otimes Y^{\tau\mu}_\mp` with
:math:`Y^{\sigma\mu}_\mp = \mathrm{Tr}_2[(1\otimes S^\mp)C^{\sigma\mu}]` and
:math:`\mathrm{Tr}_2(S^\mp_2\rho_2^{\sigma\tau}) = \langle S^\mp\rangle_\tau\rho_1^\sigma
+ Y^{\sigma\tau}_\mp`.

N enters only through the factors :math:`1/N` and :math:`\delta/N`, so ``N`` may be
any real number >= 1 or ``inf``. With :math:`C^{\sigma\tau} = 0` and
:math:`N\to\infty` the one-site equation is exactly the mean-field Eq. (2); the
correlations give the leading :math:`1/N` corrections. The right-hand side is a
complex polynomial of degree 3 in the variables (no complex conjugation), so its
Jacobian is exact by a two-step Richardson difference (:func:`cumulant_jacobian`).
"""

from __future__ import annotations

import math

import numpy as np

from qsynchro.equations.lindblad import liouvillian as dense_liouvillian
from qsynchro.models.ensemble import Ensemble
from qsynchro.operators import ket_bra, spin_minus, spin_plus, spin_z

__all__ = [
    "cumulant_jacobian",
    "cumulant_rhs",
    "pack",
    "product_variables",
    "unpack",
]

_SP = spin_plus(2)
_SM = spin_minus(2)
_I3 = np.eye(3, dtype=np.complex128)
_H2 = np.kron(_SP, _SM) + np.kron(_SM, _SP)


def _local_superops(ens: Ensemble) -> np.ndarray:
    """Single-site Liouvillians (G, 9, 9) in row-major vec (Eq. 1, local part)."""
    out = []
    for g in range(ens.G):
        H = ens.detunings[g] * spin_z(2) + ens.K * ket_bra(3, 2, 2)
        out.append(
            dense_liouvillian(
                H, [ket_bra(3, 1, 0), ket_bra(3, 1, 2)], [ens.gamma_plus, ens.gamma_minus]
            )
        )
    return np.stack(out)


def pack(rho1: np.ndarray, rho2: np.ndarray) -> np.ndarray:
    """Flatten ``rho1`` (G, 3, 3) and ``rho2`` (G, G, 9, 9) into one complex vector."""
    return np.concatenate([np.ravel(rho1), np.ravel(rho2)]).astype(np.complex128)


def unpack(x: np.ndarray, G: int) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`pack`: ``(rho1 (G, 3, 3), rho2 (G, G, 9, 9))``."""
    x = np.asarray(x)
    return x[: 9 * G].reshape(G, 3, 3), x[9 * G :].reshape(G, G, 9, 9)


def product_variables(rhos: np.ndarray) -> np.ndarray:
    """Packed variables of the product state (no correlations); ``rhos`` (G, 3, 3)."""
    rhos = np.asarray(rhos, dtype=np.complex128)
    G = rhos.shape[0]
    rho2 = np.array([[np.kron(rhos[s], rhos[t]) for t in range(G)] for s in range(G)])
    return pack(rhos, rho2)


def _ptrace2(X: np.ndarray) -> np.ndarray:
    """Partial trace over site 2 of (..., 9, 9) -> (..., 3, 3)."""
    return np.einsum("...acbc->...ab", X.reshape(*X.shape[:-2], 3, 3, 3, 3))


def _comm(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return A @ B - B @ A


def _apply_local(Lg: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """Apply a 9x9 single-site superoperator to (3, 3) matrices."""
    return (Lg @ rho.reshape(9)).reshape(3, 3)


def _apply_local_pair(La: np.ndarray, Lb: np.ndarray, R: np.ndarray) -> np.ndarray:
    """(La x 1 + 1 x Lb) on a two-site operator R (9, 9), kron order."""
    T = R.reshape(3, 3, 3, 3)  # [a, c, b, d] = <a c| R |b d>
    A = La.reshape(3, 3, 3, 3)  # [a, b, a', b'] : out[a,b] = sum La[a,b,a',b'] in[a',b']
    B = Lb.reshape(3, 3, 3, 3)
    out = np.einsum("abxy,xcyd->acbd", A, T) + np.einsum("cdxy,axby->acbd", B, T)
    return out.reshape(9, 9)


def cumulant_rhs(
    x: np.ndarray, ens: Ensemble, *, N: float | None = None, _local: np.ndarray | None = None
) -> np.ndarray:
    r"""Right-hand side of the second-order cumulant equations (module docstring).

    Args:
        x: packed variables from :func:`pack`, shape (9G + 81G^2,).
        ens: the model (rates, couplings, number of groups).
        N: oscillators per group; default ``ens.N``; any real >= 1 or ``inf``
            (mean-field limit).

    Returns:
        d x / dt, same shape as ``x``.
    """
    G = ens.G
    N = float(ens.N if N is None else N)
    invN = 0.0 if math.isinf(N) else 1.0 / N
    C = ens.coupling_matrix()
    loc = _local_superops(ens) if _local is None else _local
    rho1, rho2 = unpack(x, G)
    sm = np.einsum("ab,gba->g", _SM, rho1)  # <S^->_g
    spv = np.einsum("ab,gba->g", _SP, rho1)  # <S^+>_g
    kron11 = np.einsum("sab,tcd->stacbd", rho1, rho1).reshape(G, G, 9, 9)
    corr = rho2 - kron11
    # Y^{s t}_{-+} = Tr_2[(1 x S^-+) C^{st}]
    Ym = _ptrace2(corr @ np.kron(_I3, _SM)[None, None])
    Yp = _ptrace2(corr @ np.kron(_I3, _SP)[None, None])

    d1 = np.empty_like(rho1)
    for s in range(G):
        acc = _apply_local(loc[s], rho1[s])
        for t in range(G):
            w = C[s, t] * (1.0 - (s == t) * invN)
            if w == 0.0:
                continue
            Xm = sm[t] * rho1[s] + Ym[s, t]
            Xp = spv[t] * rho1[s] + Yp[s, t]
            acc = acc - 1j * w * (_comm(_SP, Xm) + _comm(_SM, Xp))
        d1[s] = acc

    d2 = np.empty_like(rho2)
    SP1, SM1 = np.kron(_SP, _I3), np.kron(_SM, _I3)
    SP2, SM2 = np.kron(_I3, _SP), np.kron(_I3, _SM)
    for s in range(G):
        for t in range(G):
            R = rho2[s, t]
            acc = _apply_local_pair(loc[s], loc[t], R)
            acc = acc - 1j * C[s, t] * invN * _comm(_H2, R)
            for m in range(G):
                w = 1.0 - ((s == m) + (t == m)) * invN
                if w == 0.0 or (C[s, m] == 0.0 and C[t, m] == 0.0):
                    continue
                Xm = sm[m] * R + np.kron(Ym[s, m], rho1[t]) + np.kron(rho1[s], Ym[t, m])
                Xp = spv[m] * R + np.kron(Yp[s, m], rho1[t]) + np.kron(rho1[s], Yp[t, m])
                Ap = C[s, m] * SP1 + C[t, m] * SP2
                Am = C[s, m] * SM1 + C[t, m] * SM2
                acc = acc - 1j * w * (_comm(Ap, Xm) + _comm(Am, Xp))
            d2[s, t] = acc
    return pack(d1, d2)


def cumulant_jacobian(x: np.ndarray, ens: Ensemble, *, N: float | None = None) -> np.ndarray:
    r"""Exact Jacobian :math:`\partial F/\partial x` of :func:`cumulant_rhs` at ``x``.

    ``F`` is a complex polynomial of degree 3 with no conjugation, so the central
    difference :math:`D(\epsilon) = [F(x+\epsilon v) - F(x-\epsilon v)]/2\epsilon
    = Jv + \epsilon^2 T[v,v,v]` and :math:`Jv = (4D(1/2) - D(1))/3` exactly
    (up to rounding).

    Returns:
        complex array of shape (n, n), n = ``x.size``.
    """
    x = np.asarray(x, dtype=np.complex128)
    loc = _local_superops(ens)
    n = x.size
    J = np.empty((n, n), dtype=np.complex128)

    def D(v: np.ndarray, eps: float) -> np.ndarray:
        return (
            cumulant_rhs(x + eps * v, ens, N=N, _local=loc)
            - cumulant_rhs(x - eps * v, ens, N=N, _local=loc)
        ) / (2 * eps)

    scale = max(1.0, float(np.max(np.abs(x))))
    for k in range(n):
        v = np.zeros(n, dtype=np.complex128)
        v[k] = scale
        J[:, k] = (4.0 * D(v, 0.5) - D(v, 1.0)) / (3.0 * scale)
    return J
