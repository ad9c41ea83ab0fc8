"""Steady state of a linear Liouvillian by its null space (dense, NumPy/SciPy)."""

from __future__ import annotations

import numpy as np
import scipy.linalg

__all__ = ["steady_state_dense"]


def steady_state_dense(L: np.ndarray) -> np.ndarray:
    """Unique steady state of ``vec(d rho/dt) = L vec(rho)`` (row-major vec).

    Solves ``L x = 0`` with the trace condition replacing one equation, then
    symmetrizes. Cost O(n^6) for an n-level system; fine up to n of about 40.

    Args:
        L: Liouvillian, shape (n*n, n*n).

    Returns:
        density matrix of shape (n, n), Hermitian with unit trace.
    """
    L = np.asarray(L, dtype=np.complex128)
    n2 = L.shape[0]
    n = round(np.sqrt(n2))
    A = L.copy()
    b = np.zeros(n2, dtype=np.complex128)
    # replace the first row by the trace functional: sum_i rho_ii = 1
    A[0, :] = 0.0
    A[0, np.arange(n) * (n + 1)] = 1.0
    b[0] = 1.0
    x = scipy.linalg.solve(A, b)
    rho = x.reshape(n, n)
    rho = 0.5 * (rho + rho.conj().T)
    return rho / np.trace(rho).real
