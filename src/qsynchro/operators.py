"""Operators and basis conventions (NumPy; plain arrays in, plain arrays out).

Basis ordering (see ``docs/conventions.md``):

* Spin-s oscillator (Nadolny & Bruder, PRL 131, 190402): levels ``|k>``,
  ``k = 0, ..., 2s``, with magnetic quantum number ``m = k - s``. For spin 1 this
  is the paper's ``|0>, |1>, |2>`` with ``S^z = |2><2| - |0><0|`` and
  ``S^+ = sqrt(2) (|2><1| + |1><0|)`` (text below Eq. 1).
* D-level systems (Murtadho et al., PRL 131, 030401): levels ``|0>, ..., |D-1>``;
  for the maser ``|0>`` is the ground state, ``|1>`` the first excited state and
  ``|2>, ..., |N+1>`` the degenerate manifold. Matrix elements are
  ``rho[n, m] = <n|rho|m>``.
"""

from __future__ import annotations

import numpy as np

from qsynchro._checks import check_int

__all__ = [
    "basis",
    "ket_bra",
    "spin_minus",
    "spin_ops",
    "spin_plus",
    "spin_z",
]


def _dim(two_s: int) -> int:
    return check_int("two_s", two_s, minimum=1) + 1


def spin_z(two_s: int = 2) -> np.ndarray:
    """S^z of spin ``s = two_s / 2`` as a (2s+1, 2s+1) real array, diag(-s, ..., s)."""
    n = _dim(two_s)
    return np.diag(np.arange(n) - two_s / 2.0).astype(np.complex128)


def spin_plus(two_s: int = 2) -> np.ndarray:
    """S^+ of spin ``s = two_s/2``: ``S^+|k> = sqrt(s(s+1) - m(m+1)) |k+1>`` with ``m = k - s``.

    For ``two_s = 2`` this is ``sqrt(2) (|2><1| + |1><0|)`` (Nadolny & Bruder, below Eq. 1).
    """
    n = _dim(two_s)
    s = two_s / 2.0
    out = np.zeros((n, n), dtype=np.complex128)
    for k in range(n - 1):
        m = k - s
        out[k + 1, k] = np.sqrt(s * (s + 1) - m * (m + 1))
    return out


def spin_minus(two_s: int = 2) -> np.ndarray:
    """S^- = (S^+)^dagger."""
    return spin_plus(two_s).conj().T


def spin_ops(two_s: int = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``(S^z, S^+, S^-)`` for spin ``two_s / 2``."""
    return spin_z(two_s), spin_plus(two_s), spin_minus(two_s)


def basis(dim: int, n: int) -> np.ndarray:
    """Column vector ``|n>`` of a ``dim``-level system, shape (dim,)."""
    dim = check_int("dim", dim, minimum=1)
    n = check_int("n", n, minimum=0, maximum=dim - 1)
    v = np.zeros(dim, dtype=np.complex128)
    v[n] = 1.0
    return v


def ket_bra(dim: int, a: int, b: int) -> np.ndarray:
    """The operator ``|a><b|`` on a ``dim``-level system."""
    return np.outer(basis(dim, a), basis(dim, b).conj())
