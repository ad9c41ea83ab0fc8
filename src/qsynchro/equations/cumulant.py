r"""Second-order cumulant equations for G groups of N identical oscillators (any d).

Model: the :class:`~qsynchro.models.ensemble.Ensemble` (Eq. 1 of Nadolny & Bruder,
PRL 131, 190402 (2023), for any oscillator), written as a pair interaction
:math:`H_\mathrm{int} = \sum_{p<q} h^{\sigma_p\sigma_q}_{pq}/N` with
:math:`h^{\sigma\tau} = C_{\sigma\tau}A\otimes A^\dagger + C_{\tau\sigma}A^\dagger\otimes A`,
the coupling operator A (:math:`S^+` for spin-1) and the Hermitian coupling matrix ``C``
(V on the diagonal, :math:`V_{AB}` off it; :meth:`Ensemble.coupling_matrix`).

Variables. Per group :math:`\sigma` the one-site reduced density matrix
:math:`\rho^\sigma_1` (d x d) and per ordered pair of groups :math:`(\sigma,\tau)` the
two-site reduced density matrix :math:`\rho^{\sigma\tau}_2` (d^2 x d^2, site 1 in
:math:`\sigma`, site 2 in :math:`\tau`, kron order, two *distinct* sites). Its
connected part is :math:`C^{\sigma\tau} = \rho_2^{\sigma\tau} - \rho_1^\sigma\otimes\rho_1^\tau`.

Exact BBGKY equations (:math:`X_B^{\sigma\tau} = \mathrm{Tr}_2(B_2\rho_2^{\sigma\tau})`):

.. math::

    \dot\rho^\sigma_1 = \mathcal{L}_\sigma\rho_1^\sigma - i\sum_\tau
        \frac{N-\delta_{\sigma\tau}}{N}\Big(C_{\sigma\tau}[A, X^{\sigma\tau}_{A^\dagger}]
        + C_{\tau\sigma}[A^\dagger, X^{\sigma\tau}_{A}]\Big),

    \dot\rho^{\sigma\tau}_2 = (\mathcal{L}_\sigma\otimes 1 + 1\otimes\mathcal{L}_\tau)\rho_2
        - \frac iN[h^{\sigma\tau}, \rho_2] - i\sum_\mu \frac{N - \delta_{\sigma\mu}
        - \delta_{\tau\mu}}{N}\Big([C_{\sigma\mu}A_1 + C_{\tau\mu}A_2,
        \mathrm{Tr}_3(A^\dagger_3\rho_3)] + [C_{\mu\sigma}A^\dagger_1 + C_{\mu\tau}A^\dagger_2,
        \mathrm{Tr}_3(A_3\rho_3)]\Big).

Second-order closure (third cumulant set to zero):
:math:`\rho_3 = \rho_1\rho_1\rho_1 + C_{12}\rho_1 + C_{13}\rho_1 + C_{23}\rho_1`, hence
:math:`\mathrm{Tr}_3(B_3\rho_3) = \langle B\rangle_\mu\rho_2^{\sigma\tau}
+ Y^{\sigma\mu}_B\otimes\rho_1^\tau + \rho_1^\sigma\otimes Y^{\tau\mu}_B` with
:math:`Y^{\sigma\mu}_B = \mathrm{Tr}_2[(1\otimes B)C^{\sigma\mu}]` and
:math:`X^{\sigma\tau}_B = \langle B\rangle_\tau\rho_1^\sigma + Y^{\sigma\tau}_B`.

N enters only through the factors :math:`1/N` and :math:`\delta/N`, so ``N`` may be
any real number >= 1 or ``inf``. With :math:`C^{\sigma\tau} = 0` and
:math:`N\to\infty` the one-site equation is exactly the mean-field network (Eq. 2 for
spin-1: group :math:`\sigma` feels :math:`\sum_\tau C_{\sigma\tau}A\langle A^\dagger
\rangle_\tau + \mathrm{h.c.}`); the correlations give the leading :math:`1/N`
corrections. For N = 2 (one group) or N = 1 (two groups) no third site exists and the
equations are exact. The right-hand side is a complex polynomial of degree 3 in the
variables (no complex conjugation), so its Jacobian is exact by a two-step Richardson
difference (:func:`cumulant_jacobian`).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from qsynchro.equations.permutation import local_liouvillian
from qsynchro.models.ensemble import Ensemble

__all__ = [
    "cumulant_jacobian",
    "cumulant_rhs",
    "pack",
    "product_variables",
    "unpack",
]


@functools.lru_cache(maxsize=16)
def _constants(ens: Ensemble) -> dict[str, np.ndarray]:
    """Per-model constants: local Liouvillians (G, d^2, d^2), C, A and its two-site forms."""
    A = ens.oscillator.coupling_operator
    Ad = A.conj().T
    eye = np.eye(ens.dim)
    return {
        "loc": np.stack([local_liouvillian(ens, g) for g in range(ens.G)]),
        "C": ens.coupling_matrix(),
        "A": A,
        "Ad": Ad,
        "A1": np.kron(A, eye),
        "Ad1": np.kron(Ad, eye),
        "A2": np.kron(eye, A),
        "Ad2": np.kron(eye, Ad),
    }


def pack(rho1: np.ndarray, rho2: np.ndarray) -> np.ndarray:
    """Flatten ``rho1`` (G, d, d) and ``rho2`` (G, G, d^2, d^2) into one complex vector."""
    return np.concatenate([np.ravel(rho1), np.ravel(rho2)]).astype(np.complex128)


def unpack(x: np.ndarray, G: int) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`pack`: ``(rho1 (..., G, d, d), rho2 (..., G, G, d^2, d^2))``.

    The local dimension follows from the length ``G d^2 + G^2 d^4`` of the last axis.
    """
    x = np.asarray(x)
    m = round((math.sqrt(G * G + 4 * G * G * x.shape[-1]) - G) / (2 * G * G))  # d^2
    d = math.isqrt(m)
    if d * d != m or G * m + G * G * m * m != x.shape[-1]:
        raise ValueError(
            f"Argument `x` must have length G d^2 + G^2 d^4 for G = {G}, but got {x.shape[-1]}."
        )
    lead = x.shape[:-1]
    return x[..., : G * m].reshape(*lead, G, d, d), x[..., G * m :].reshape(*lead, G, G, m, m)


def product_variables(rhos: np.ndarray) -> np.ndarray:
    """Packed variables of the product state (no correlations); ``rhos`` (G, d, d)."""
    rhos = np.asarray(rhos, dtype=np.complex128)
    G = rhos.shape[0]
    rho2 = np.array([[np.kron(rhos[s], rhos[t]) for t in range(G)] for s in range(G)])
    return pack(rhos, rho2)


def _kron(P: np.ndarray, Q: np.ndarray) -> np.ndarray:
    """Batched Kronecker product of (..., d, d) and (..., d, d) -> (..., d^2, d^2)."""
    d = P.shape[-1]
    out = np.einsum("...ab,...cd->...acbd", P, Q)
    return out.reshape(*out.shape[:-4], d * d, d * d)


def _ptrace2(X: np.ndarray, d: int) -> np.ndarray:
    """Partial trace over site 2 of (..., d^2, d^2) -> (..., d, d)."""
    return np.einsum("...acbc->...ab", X.reshape(*X.shape[:-2], d, d, d, d))


def _comm(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    return A @ B - B @ A


def _apply_local_pair(La: np.ndarray, Lb: np.ndarray, R: np.ndarray) -> np.ndarray:
    """(La x 1 + 1 x Lb) on two-site operators R (..., d^2, d^2), kron order (matmuls)."""
    m = La.shape[0]
    d = math.isqrt(m)
    lead = R.shape[:-2]
    T = R.reshape(*lead, d, d, d, d)  # [a, c, b, d] = <a c| R |b d>
    n = len(lead)
    ax = list(range(n))
    # site 1: out[a,c,b,d] = sum La[(a,b),(x,y)] T[x,c,y,d]
    T1 = T.transpose(*ax, n + 1, n + 3, n, n + 2).reshape(*lead, m, m) @ La.T  # [(c,d),(a,b)]
    out = T1.reshape(*lead, d, d, d, d).transpose(*ax, n + 2, n, n + 3, n + 1)
    # site 2: out[a,c,b,d] = sum Lb[(c,d),(x,y)] T[a,x,b,y]
    T2 = T.transpose(*ax, n, n + 2, n + 1, n + 3).reshape(*lead, m, m) @ Lb.T  # [(a,b),(c,d)]
    out = out + T2.reshape(*lead, d, d, d, d).transpose(*ax, n, n + 2, n + 1, n + 3)
    return out.reshape(R.shape)


def cumulant_rhs(x: np.ndarray, ens: Ensemble, *, N: float | None = None) -> np.ndarray:
    r"""Right-hand side of the second-order cumulant equations (module docstring).

    Args:
        x: packed variables from :func:`pack`, shape (..., G d^2 + G^2 d^4) (leading axes
            are a batch).
        ens: the model (oscillator and parameters, couplings, number of groups).
        N: oscillators per group; default ``ens.N``; any real >= 1 or ``inf``
            (mean-field limit).

    Returns:
        d x / dt, same shape as ``x``.
    """
    G, d = ens.G, ens.dim
    N = float(ens.N if N is None else N)
    invN = 0.0 if math.isinf(N) else 1.0 / N
    k = _constants(ens)
    C, loc, A, Ad = k["C"], k["loc"], k["A"], k["Ad"]
    A1, Ad1, A2, Ad2 = k["A1"], k["Ad1"], k["A2"], k["Ad2"]
    rho1, rho2 = unpack(np.asarray(x, dtype=np.complex128), G)
    lead = rho1.shape[:-3]
    a_dag = np.einsum("ab,...gba->...g", Ad, rho1)[..., None, None]  # <A^dag>_g
    a_ = np.einsum("ab,...gba->...g", A, rho1)[..., None, None]  # <A>_g
    corr = rho2 - _kron(rho1[..., :, None, :, :], rho1[..., None, :, :, :])
    # Y^{s t}_B = Tr_2[(1 x B) C^{st}]
    Yd = _ptrace2(corr @ Ad2, d)
    Ya = _ptrace2(corr @ A2, d)

    d1 = np.empty_like(rho1)
    for s in range(G):
        r1 = rho1[..., s, :, :]
        acc = np.einsum("kl,...l->...k", loc[s], r1.reshape(*lead, d * d)).reshape(r1.shape)
        for t in range(G):
            w = 1.0 - (s == t) * invN
            if w == 0.0 or C[s, t] == 0.0:
                continue
            Xd = a_dag[..., t, :, :] * r1 + Yd[..., s, t, :, :]
            Xa = a_[..., t, :, :] * r1 + Ya[..., s, t, :, :]
            acc = acc - 1j * w * (C[s, t] * _comm(A, Xd) + C[t, s] * _comm(Ad, Xa))
        d1[..., s, :, :] = acc

    d2 = np.empty_like(rho2)
    for s in range(G):
        for t in range(G):
            R = rho2[..., s, t, :, :]
            acc = _apply_local_pair(loc[s], loc[t], R)
            if C[s, t] != 0.0 and invN:
                h = C[s, t] * (A1 @ Ad2) + C[t, s] * (Ad1 @ A2)
                acc = acc - 1j * invN * _comm(h, R)
            for m in range(G):
                w = 1.0 - ((s == m) + (t == m)) * invN
                if w == 0.0 or (C[s, m] == 0.0 and C[t, m] == 0.0):
                    continue
                rs, rt = rho1[..., s, :, :], rho1[..., t, :, :]
                Xd = (
                    a_dag[..., m, :, :] * R
                    + _kron(Yd[..., s, m, :, :], rt)
                    + _kron(rs, Yd[..., t, m, :, :])
                )
                Xa = (
                    a_[..., m, :, :] * R
                    + _kron(Ya[..., s, m, :, :], rt)
                    + _kron(rs, Ya[..., t, m, :, :])
                )
                up = C[s, m] * A1 + C[t, m] * A2
                down = C[m, s] * Ad1 + C[m, t] * Ad2
                acc = acc - 1j * w * (_comm(up, Xd) + _comm(down, Xa))
            d2[..., s, t, :, :] = acc
    return np.concatenate([d1.reshape(*lead, -1), d2.reshape(*lead, -1)], axis=-1)


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
    n = x.size
    scale = max(1.0, float(np.max(np.abs(x))))
    J = np.empty((n, n), dtype=np.complex128)
    step = max(1, _BATCH_ELEMENTS // n)  # columns per batched evaluation
    for k0 in range(0, n, step):
        V = np.zeros((min(step, n - k0), n), dtype=np.complex128)
        V[np.arange(V.shape[0]), np.arange(k0, k0 + V.shape[0])] = scale

        def D(eps: float, V: np.ndarray = V) -> np.ndarray:
            return (cumulant_rhs(x + eps * V, ens, N=N) - cumulant_rhs(x - eps * V, ens, N=N)) / (
                2 * eps
            )

        J[:, k0 : k0 + V.shape[0]] = ((4.0 * D(0.5) - D(1.0)) / (3.0 * scale)).T
    return J


_BATCH_ELEMENTS = 2**20  # complex entries of x per batched right-hand side (Jacobian)
