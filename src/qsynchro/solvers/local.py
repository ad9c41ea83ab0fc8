r"""The unsynchronized state: steady states of uncoupled oscillators (batched, NumPy).

Without coupling every group relaxes to the steady state :math:`\rho^*_\sigma` of its own
Lindblad equation :math:`\mathcal{L}_\sigma\rho = -i[\sum_k c_kH_k + d_\sigma N, \rho] +
\sum_k r_k\mathcal{D}[L_k]\rho` (for spin-1 with :math:`\gamma_\pm > 0`,
:math:`\rho^* = |1\rangle\langle1|`). For a U(1)-symmetric oscillator :math:`\rho^*` carries no
coherence, :math:`\langle A\rangle = 0`, and it is a fixed point of the coupled mean-field
equations: the *unsynchronized state*. This module also builds the default initial state of
the time integrations: :math:`\rho^*` with a small coherence that breaks the phase symmetry.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.sparse
import scipy.sparse.linalg

from qsynchro._checks import check_nonnegative
from qsynchro.equations.meanfield import from_real, params_from_model, structure
from qsynchro.models.network import Network
from qsynchro.models.oscillator import Oscillator, warn_truncation

__all__ = [
    "DEFAULT_EPSILON",
    "default_initial_state",
    "local_generator",
    "local_steady_state",
    "oscillator_steady_state",
    "sparse_liouvillian",
]

#: amplitude of the symmetry-breaking coherence of the default initial state
DEFAULT_EPSILON = 1e-2


def local_generator(model: Network) -> np.ndarray:
    """Real matrices of the uncoupled Lindblad generators, shape (*batch, G, d^2, d^2)."""
    st = structure(model.oscillator)
    p = params_from_model(model, xp=np)
    coef = np.moveaxis(np.asarray(p.coef), 0, -1)  # (G, *batch, n_terms)
    M = np.tensordot(coef, st.M, axes=(-1, 0))  # (G, *batch, n, n)
    return np.moveaxis(M, 0, -3)


def _solve_steady(M: np.ndarray, d: int) -> np.ndarray:
    """Null vectors with unit trace of real generators M (..., n, n) -> real coords (..., n)."""
    A = np.array(M, dtype=np.float64)
    b = np.zeros(A.shape[:-1])
    A[..., 0, :] = 0.0
    A[..., 0, :d] = 1.0  # trace row: the populations are the first d coordinates
    b[..., 0] = 1.0
    with np.errstate(all="ignore"):
        try:
            y = np.linalg.solve(A, b[..., None])[..., 0]
        except np.linalg.LinAlgError:
            y = np.full(A.shape[:-1], np.nan)
            flat_A = A.reshape(-1, *A.shape[-2:])
            flat_b = b.reshape(-1, b.shape[-1])
            out = y.reshape(-1, y.shape[-1])
            for i in range(flat_A.shape[0]):
                try:
                    out[i] = np.linalg.solve(flat_A[i], flat_b[i])
                except np.linalg.LinAlgError:
                    pass
    return y


def local_steady_state(model: Network) -> np.ndarray:
    r"""Steady state :math:`\rho^*_\sigma` of each uncoupled group, shape (*batch, G, d, d).

    NaN where it is not unique (the generator with the trace row is singular).
    """
    d = model.oscillator.dim
    y = _solve_steady(local_generator(model), d)
    return from_real(y)


def sparse_liouvillian(osc: Oscillator, vals: Mapping[str, Any]) -> scipy.sparse.csr_matrix:
    """Sparse Liouvillian of one oscillator (its Hamiltonian terms and jumps, no detuning)
    at scalar parameter values ``vals``, row-major vec: vec(rho)[i d + j] = rho_ij."""
    d = osc.dim
    eye = scipy.sparse.identity(d, format="csr", dtype=np.complex128)
    L = scipy.sparse.csr_matrix((d * d, d * d), dtype=np.complex128)
    for k, h in osc.hamiltonian.items():
        H = float(vals[k]) * scipy.sparse.csr_matrix(h)
        L = L - 1j * (scipy.sparse.kron(H, eye) - scipy.sparse.kron(eye, H.T))
    for k, op in osc.jumps.items():
        c = scipy.sparse.csr_matrix(op)
        cdc = (c.conj().T @ c).tocsr()
        L = L + float(vals[k]) * (
            scipy.sparse.kron(c, c.conj())
            - 0.5 * scipy.sparse.kron(cdc, eye)
            - 0.5 * scipy.sparse.kron(eye, cdc.T)
        )
    return L.tocsr()


def oscillator_steady_state(osc: Oscillator, **parameters: Any) -> np.ndarray:
    r"""Steady state of one oscillator with its bound (or given) parameters, shape (d, d).

    Sparse: :math:`\mathcal{L}` is built from the operators in the row-major vec convention
    (:mod:`qsynchro.equations.lindblad`), one equation is replaced by :math:`\mathrm{Tr}\rho=1`,
    and the system is solved by sparse LU, so large Fock spaces (van der Pol at n_max ~ 100)
    are cheap. A van der Pol state with population above 1e-6 in |n_max> warns.
    """
    vals = osc.resolve(parameters, where="steady state")
    for k, v in vals.items():
        if v.ndim:
            raise ValueError(
                f"The steady state of one oscillator needs scalar parameters, but `{k}` has "
                f"shape {v.shape}."
            )
    d = osc.dim
    L = sparse_liouvillian(osc, vals).tolil()
    L[0, :] = 0.0
    L[0, np.arange(d) * (d + 1)] = 1.0
    b = np.zeros(d * d, dtype=np.complex128)
    b[0] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error", scipy.sparse.linalg.MatrixRankWarning)
        try:
            x = scipy.sparse.linalg.spsolve(L.tocsc(), b)
        except (scipy.sparse.linalg.MatrixRankWarning, RuntimeError):
            x = np.full(d * d, np.nan)
    rho = x.reshape(d, d)
    if not np.all(np.isfinite(rho)):
        raise ValueError(
            f"The steady state of the {osc.name!r} oscillator with parameters "
            f"{ {k: float(v) for k, v in vals.items()} } is not unique."
        )
    rho = 0.5 * (rho + rho.conj().T)
    rho = rho / np.trace(rho).real
    warn_truncation(osc, rho[-1, -1].real)
    return rho


def default_initial_state(model: Network, epsilon: float = DEFAULT_EPSILON) -> np.ndarray:
    r"""Default initial state of every group, shape (*batch, G, d, d).

    The unsynchronized state :math:`\rho^*` with a coherence of order ``epsilon`` that breaks
    the phase symmetry, equal in every group (so :math:`\langle A\rangle(0)` is real and
    positive in every group). If :math:`\rho^* = |v\rangle\langle v|` is pure,
    :math:`|\psi_0\rangle = \sqrt{1 - 2\epsilon^2}\,|v\rangle + \epsilon(|a\rangle + |b\rangle)`
    with :math:`|a\rangle \propto A|v\rangle`, :math:`|b\rangle\propto A^\dagger|v\rangle`
    (spin-1: :math:`\sqrt{1-2\epsilon^2}|1\rangle + \epsilon(|0\rangle + |2\rangle)`, with
    :math:`\langle S^+\rangle(0) = 2\sqrt2\epsilon\sqrt{1-2\epsilon^2}`); otherwise
    :math:`K\rho^*K^\dagger/\mathrm{Tr}` with :math:`K = 1 + \epsilon(A + A^\dagger)/\|A\|`.
    """
    eps = float(check_nonnegative("epsilon", epsilon))
    if eps > 0.5:
        raise ValueError(f"Argument `epsilon` must be at most 0.5, but got {eps}.")
    osc = model.oscillator
    A = osc.coupling_operator
    rho_star = local_steady_state(model)
    ok = np.all(np.isfinite(rho_star), axis=(-1, -2))
    safe = np.where(ok[..., None, None], rho_star, np.eye(osc.dim) / osc.dim)
    w, V = np.linalg.eigh(safe)
    v = V[..., :, -1]  # (..., d) dominant eigenvector
    ref = np.take_along_axis(v, np.argmax(np.abs(v), -1)[..., None], -1)
    v = v * np.exp(-1j * np.angle(ref))
    a = np.einsum("ij,...j->...i", A, v)
    b = np.einsum("ij,...j->...i", A.conj().T, v)
    na = np.linalg.norm(a, axis=-1, keepdims=True)
    nb = np.linalg.norm(b, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        ah = np.where(na > 0, a / np.where(na > 0, na, 1.0), 0.0)
        bh = np.where(nb > 0, b / np.where(nb > 0, nb, 1.0), 0.0)
    n_dirs = (na > 0).astype(float) + (nb > 0).astype(float)
    psi = np.sqrt(np.maximum(0.0, 1.0 - eps**2 * n_dirs)) * v + eps * (ah + bh)
    pure = np.einsum("...i,...j->...ij", psi, psi.conj())
    normA = float(np.linalg.norm(A, 2))
    K = np.eye(osc.dim) + eps * (A + A.conj().T) / normA
    mixed = K @ safe @ K.conj().T
    mixed = mixed / np.trace(mixed, axis1=-2, axis2=-1).real[..., None, None]
    out = np.where((w[..., -1] > 1.0 - 1e-12)[..., None, None], pure, mixed)
    return np.where(ok[..., None, None], out, np.nan)
