r"""Linear Lindblad master equations as dense superoperators (NumPy).

Conventions (see ``docs/conventions.md``):

* Dissipator, standard form (Nadolny & Bruder, text below Eq. 1):
  :math:`\mathcal{D}[o]\rho = o\rho o^\dagger - \tfrac12\{o^\dagger o, \rho\}`.
  The maser paper (Murtadho et al., Eq. 7) writes
  :math:`\mathcal{L}[X]\rho = 2X\rho X^\dagger - \{X^\dagger X,\rho\} = 2\mathcal{D}[X]\rho`;
  pass ``convention="murtadho"`` (factor 2) to use that one. The factor is
  explicit everywhere: no function silently rescales rates.
* Vectorization is row-major (NumPy ``reshape``): ``vec(rho)[i*n + j] = rho[i, j]``,
  so ``vec(A rho B) = kron(A, B.T) @ vec(rho)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qsynchro._checks import check_choice, check_nonnegative, check_square

__all__ = ["DISSIPATOR_FACTOR", "dissipator", "liouvillian", "unvec", "vec"]

#: multiplies D[o] for each named convention
DISSIPATOR_FACTOR = {"standard": 1.0, "murtadho": 2.0}


def vec(rho: np.ndarray) -> np.ndarray:
    """Row-major vectorization, shape (..., n, n) -> (..., n*n)."""
    rho = np.asarray(rho)
    return rho.reshape(*rho.shape[:-2], -1)


def unvec(v: np.ndarray) -> np.ndarray:
    """Inverse of :func:`vec`, shape (..., n*n) -> (..., n, n)."""
    v = np.asarray(v)
    n = round(np.sqrt(v.shape[-1]))
    return v.reshape(*v.shape[:-1], n, n)


def dissipator(o: np.ndarray, rho: np.ndarray, *, convention: str = "standard") -> np.ndarray:
    r"""Apply :math:`f\,(o\rho o^\dagger - \{o^\dagger o,\rho\}/2)`, ``f`` set by the convention."""
    f = DISSIPATOR_FACTOR[check_choice("convention", convention, DISSIPATOR_FACTOR)]
    od = np.conj(np.swapaxes(o, -1, -2))
    odo = od @ o
    return f * (o @ rho @ od - 0.5 * (odo @ rho + rho @ odo))


def liouvillian(
    H: np.ndarray,
    c_ops: Sequence[np.ndarray] = (),
    rates: Sequence[float] | None = None,
    *,
    convention: str = "standard",
) -> np.ndarray:
    r"""Dense Liouvillian :math:`\mathcal{L}` with ``vec(d rho/dt) = L @ vec(rho)``.

    :math:`\dot\rho = -i[H,\rho] + \sum_k r_k f \mathcal{D}[c_k]\rho` with ``f`` = 1
    (``"standard"``) or 2 (``"murtadho"``).

    Args:
        H: Hamiltonian, shape (n, n).
        c_ops: jump operators, each of shape (n, n).
        rates: non-negative rate per jump operator (default 1 each).
        convention: ``"standard"`` or ``"murtadho"``.

    Returns:
        complex array of shape (n*n, n*n) in the row-major vec convention.
    """
    H = check_square("H", H).astype(np.complex128)
    n = H.shape[-1]
    f = DISSIPATOR_FACTOR[check_choice("convention", convention, DISSIPATOR_FACTOR)]
    rates = np.ones(len(c_ops)) if rates is None else check_nonnegative("rates", rates)
    if len(rates) != len(c_ops):
        raise ValueError(
            f"Argument `rates` must have one entry per jump operator ({len(c_ops)}), "
            f"but got {len(rates)}."
        )
    eye = np.eye(n)
    L = -1j * (np.kron(H, eye) - np.kron(eye, H.T))
    for c, r in zip(c_ops, rates, strict=True):
        c = check_square("c_ops", c, size=n).astype(np.complex128)
        cdc = c.conj().T @ c
        L += r * f * (np.kron(c, c.conj()) - 0.5 * np.kron(cdc, eye) - 0.5 * np.kron(eye, cdc.T))
    return L
