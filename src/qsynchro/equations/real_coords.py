r"""Real coordinates of Hermitian matrices, and the real matrices of linear maps on them.

A Hermitian :math:`d\times d` matrix :math:`\rho` is held as :math:`d^2` real numbers: the
diagonal :math:`\rho_{ii}` (``i = 0..d-1``), then for each ``i < j`` (row-major)
:math:`\mathrm{Re}\,\rho_{ij}` and :math:`\mathrm{Im}\,\rho_{ij}`. The mean-field engine
(:mod:`qsynchro.equations.meanfield`) writes every term of its equations as a real
:math:`d^2\times d^2` matrix in these coordinates (:func:`real_matrix`). The trace-reduced
coordinates (:func:`reduce`, :func:`expand`) drop :math:`\rho_{00}`, fixed by
:math:`\mathrm{Tr}\rho = 1`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax.numpy as jnp
import numpy as np

__all__ = [
    "commutator_map",
    "dissipator_map",
    "expand",
    "from_real",
    "pairs",
    "real_matrix",
    "reduce",
    "to_real",
]


def pairs(d: int) -> list[tuple[int, int]]:
    """The pairs i < j of d levels, row-major (the order of the coherence coordinates)."""
    return [(i, j) for i in range(d) for j in range(i + 1, d)]


def to_real(rho: Any, xp: Any = np) -> Any:
    """Hermitian matrices (..., d, d) -> real coordinates (..., d^2) (see module docstring)."""
    rho = xp.asarray(rho)
    d = rho.shape[-1]
    parts = [rho[..., i, i].real for i in range(d)]
    for i, j in pairs(d):
        parts += [rho[..., i, j].real, rho[..., i, j].imag]
    return xp.stack(parts, -1)


def from_real(y: Any, xp: Any = np) -> Any:
    """Real coordinates (..., d^2) -> Hermitian matrices (..., d, d), complex128."""
    y = xp.asarray(y)
    d = round(np.sqrt(y.shape[-1]))
    rows = [[None] * d for _ in range(d)]
    for i in range(d):
        rows[i][i] = y[..., i] + 0j
    for k, (i, j) in enumerate(pairs(d)):
        z = y[..., d + 2 * k] + 1j * y[..., d + 2 * k + 1]
        rows[i][j] = z
        rows[j][i] = z.conj()
    return xp.stack([xp.stack(r, -1) for r in rows], -2)


def real_matrix(op: Callable[[np.ndarray], np.ndarray], d: int) -> np.ndarray:
    """The real d^2 x d^2 matrix of a linear map of Hermitian matrices to Hermitian matrices."""
    n = d * d
    M = np.zeros((n, n))
    for k in range(n):
        e = np.zeros(n)
        e[k] = 1.0
        M[:, k] = to_real(op(from_real(e)))
    M[np.abs(M) < 1e-15] = 0.0
    return M


def commutator_map(h: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """rho -> -i[h, rho]."""
    return lambda r: -1j * (h @ r - r @ h)


def dissipator_map(L: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """rho -> L rho L^dag - {L^dag L, rho}/2."""
    Ld = L.conj().T
    LdL = Ld @ L
    return lambda r: L @ r @ Ld - 0.5 * (LdL @ r + r @ LdL)


def reduce(Y: Any) -> Any:
    """Drop the trace-fixed coordinate rho_00: (d^2, ...) -> (d^2 - 1, ...)."""
    return Y[1:]


def expand(X: Any, d: int) -> Any:
    """Inverse of :func:`reduce`: rho_00 = 1 - sum of the other populations."""
    xp = np if isinstance(X, np.ndarray) else jnp
    p0 = 1.0 - sum(X[i] for i in range(d - 1))
    return xp.concatenate([p0[None], X], 0)
