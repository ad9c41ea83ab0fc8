r"""The permutation-symmetric operator basis of N identical d-level sites, by U(1) sector.

Basis (one group of N sites). The single-site operators are the matrix units
:math:`e_k = |a\rangle\langle b|` with ``k = d a + b`` (row-major, the ``vec`` convention
of :mod:`qsynchro.equations.lindblad`), :math:`m = d^2` of them. A vector of occupation
counts :math:`n = (n_0, \dots, n_{m-1})`, :math:`\sum_k n_k = N`, labels the symmetrized
product

.. math::

    P(n) = \sum_{\text{distinct arrangements}} e_{k_1}\otimes\cdots\otimes e_{k_N},

the sum over all distinct ways of putting :math:`n_k` copies of :math:`e_k` on the N
sites (no normalization). A permutation-invariant operator is
:math:`\rho = \sum_n c_n P(n)`; the code stores the coefficients ``c`` (shape (D,)). A
product state :math:`r^{\otimes N}` has :math:`c_n = \prod_k r_k^{n_k}`, and
:math:`\mathrm{Tr}\,P(n) = N!/\prod_a n_{aa}!` if only diagonal units occur (zero
otherwise). There are :math:`\binom{N+m-1}{m-1}` count vectors.

Charge sectors, the enumeration of a sector and the colex rank of a count vector live in
:mod:`qsynchro.equations.symmetric_counts` (:class:`Units`, :func:`group_basis`,
:func:`sector_dim`, re-exported here).

Two groups (``G = 2``): the sector of total charge ``q`` is the direct sum over
:math:`q_A` of (group-A sector :math:`q_A`) :math:`\otimes` (group-B sector
:math:`q - q_A`), in ``kron`` order inside each block.

Collective superoperators. For a single-site superoperator X (m x m matrix in the
:math:`e_k` basis) the sum over sites :math:`\sum_i X_i` maps
:math:`P(n)\mapsto \sum_k X_{kk} n_k P(n) + \sum_{j\ne k} X_{jk}(n_j+1)\,P(n-\hat k+\hat j)`
(the factor counts which of the :math:`n_j + 1` sites carrying :math:`e_j` was changed).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.special import gammaln

from qsynchro._checks import check_square
from qsynchro.equations.symmetric_counts import (
    SPIN1,
    GroupBasis,
    Units,
    _rank,
    _sector_table,
    group_basis,
    sector_dim,
)

__all__ = [
    "SPIN1",
    "GroupBasis",
    "Space",
    "Units",
    "collective",
    "group_basis",
    "group_operator",
    "left",
    "product_state",
    "right",
    "sector_dim",
    "trace_functional",
]


def left(A: np.ndarray) -> np.ndarray:
    """Single-site superoperator X -> A X as a (d^2, d^2) matrix (row-major vec)."""
    A = np.asarray(A, dtype=np.complex128)
    return np.kron(A, np.eye(A.shape[0]))


def right(B: np.ndarray) -> np.ndarray:
    """Single-site superoperator X -> X B as a (d^2, d^2) matrix (row-major vec)."""
    B = np.asarray(B, dtype=np.complex128)
    return np.kron(np.eye(B.shape[0]), B.T)


def _matrix_charge(X: np.ndarray, units: Units) -> int:
    """The definite charge change of a single-site superoperator (m x m)."""
    j, k = np.nonzero(np.abs(X) > 0)
    dq = set((units.charge[j] - units.charge[k]).tolist())
    if len(dq) > 1:
        raise ValueError(
            "Argument `X` must change the U(1) charge by one definite amount, but its "
            f"entries change it by {sorted(dq)}."
        )
    return dq.pop() if dq else 0


def collective(
    N: int, X: np.ndarray, charge: int = 0, *, units: Units = SPIN1
) -> tuple[sp.csr_matrix, int]:
    r"""Sparse matrix of :math:`\sum_i X_i` from sector ``charge`` to ``charge + dq``.

    Args:
        N: sites in the group.
        X: single-site superoperator, shape (m, m), of definite charge change ``dq``.
        charge: charge of the input sector.
        units: the matrix units and their charges.

    Returns:
        ``(M, charge + dq)`` with ``M`` of shape (D_out, D_in).
    """
    X = check_square("X", X, size=units.m).astype(np.complex128)
    dq = _matrix_charge(X, units)
    b_in, b_out = group_basis(N, charge, units=units), group_basis(N, charge + dq, units=units)
    rows, cols, vals = [], [], []
    if dq == 0:
        rows.append(np.arange(b_in.dim))
        cols.append(np.arange(b_in.dim))
        vals.append(b_in.counts @ np.diag(X))
    for j, k in zip(*np.nonzero(np.abs(X) > 0), strict=True):
        if j == k:
            continue
        src = np.nonzero(b_in.counts[:, k] > 0)[0]
        if src.size == 0:
            continue
        moved = b_in.counts[src]
        moved[:, k] -= 1
        moved[:, j] += 1
        rows.append(b_out.index(_rank(moved, N)))
        cols.append(src)
        vals.append(X[j, k] * moved[:, j].astype(np.float64))
    if not rows:
        return sp.csr_matrix((b_out.dim, b_in.dim), dtype=np.complex128), charge + dq
    M = sp.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(b_out.dim, b_in.dim),
    ).tocsr()
    M.sum_duplicates()
    return M, charge + dq


# ----------------------------------------------------------------------------- space
@dataclass(frozen=True)
class Space:
    """The charge-``charge`` sector of G groups of N sites.

    Attributes:
        N, G, charge, units: as given.
        blocks: tuple of per-group charges ``(q_A,)`` or ``(q_A, q_B)`` with
            ``sum == charge``, one per block, in storage order.
        offsets: start index of each block, shape (len(blocks) + 1,).
    """

    N: int
    G: int
    charge: int
    units: Units = SPIN1

    @functools.cached_property
    def blocks(self) -> tuple[tuple[int, ...], ...]:
        tab = _sector_table(self.units, self.N)
        if self.G == 1:
            return ((self.charge,),) if self.charge in tab else ()
        return tuple((q, self.charge - q) for q in sorted(tab) if self.charge - q in tab)

    @functools.cached_property
    def offsets(self) -> np.ndarray:
        tab = _sector_table(self.units, self.N)
        sizes = [math.prod(tab[q] for q in b) for b in self.blocks]
        return np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])

    @property
    def dim(self) -> int:
        return int(self.offsets[-1])

    def block_index(self, charges: tuple[int, ...]) -> int | None:
        try:
            return self.blocks.index(charges)
        except ValueError:
            return None


def group_operator(space: Space, g: int, X: np.ndarray) -> tuple[sp.csr_matrix, Space]:
    """Collective superoperator on group ``g`` (0 = A, 1 = B) as a map between sectors.

    Returns ``(M, space_out)`` with ``M`` of shape (space_out.dim, space.dim).
    """
    units = space.units
    dq = _matrix_charge(np.asarray(X), units)
    out = Space(space.N, space.G, space.charge + dq, units)
    tab = _sector_table(units, space.N)
    rows, cols, vals = [], [], []
    for b, charges in enumerate(space.blocks):
        new = list(charges)
        new[g] += dq
        ob = out.block_index(tuple(new))
        if ob is None:
            continue
        C, _ = collective(space.N, X, charges[g], units=units)
        if space.G == 2:
            eye = sp.identity(tab[charges[1 - g]], dtype=np.complex128, format="csr")
            C = sp.kron(C, eye) if g == 0 else sp.kron(eye, C)
        C = C.tocoo()
        rows.append(C.row.astype(np.int64) + out.offsets[ob])
        cols.append(C.col.astype(np.int64) + space.offsets[b])
        vals.append(C.data)
    if not rows:
        return sp.csr_matrix((out.dim, space.dim), dtype=np.complex128), out
    M = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(out.dim, space.dim),
    )
    return M, out


# ----------------------------------------------------------------------------- states
def _group_trace(N: int, units: Units) -> np.ndarray:
    """Tr P(n) for the charge-0 group sector, shape (D,)."""
    b = group_basis(N, 0, units=units)
    dg = b.counts[:, units.diag]
    diag_only = b.counts.sum(axis=1) == dg.sum(axis=1)
    logm = gammaln(N + 1) - gammaln(dg + 1).sum(axis=1)
    return np.where(diag_only, np.exp(logm), 0.0)


def trace_functional(N: int, G: int = 1, *, units: Units = SPIN1) -> np.ndarray:
    r"""Vector ``t`` of the charge-0 sector with :math:`\mathrm{Tr}\,\rho = t \cdot c`."""
    space = Space(N, G, 0, units)
    t = np.zeros(space.dim)
    tg = _group_trace(N, units)
    b = space.block_index((0,) * G)
    assert b is not None
    t[space.offsets[b] : space.offsets[b + 1]] = tg if G == 1 else np.kron(tg, tg)
    return t


def product_state(
    N: int, rhos: list[np.ndarray], charge: int, *, units: Units = SPIN1
) -> np.ndarray:
    r"""Coefficients of :math:`\otimes_\sigma r_\sigma^{\otimes N}` projected on sector ``charge``.

    Args:
        N: sites per group.
        rhos: one single-site density matrix (d, d) per group.
        charge: sector.
        units: the matrix units and their charges.

    Returns:
        complex vector of shape (D,), :math:`c_n = \prod_k r_k^{n_k}` per group.
    """
    G = len(rhos)
    space = Space(N, G, charge, units)
    c = np.zeros(space.dim, dtype=np.complex128)
    for b, charges in enumerate(space.blocks):
        parts = []
        for g, q in enumerate(charges):
            r = np.asarray(rhos[g], dtype=np.complex128).reshape(units.m)
            counts = group_basis(N, q, units=units).counts
            parts.append(np.prod(r[None, :] ** counts, axis=1))
        vec = parts[0] if G == 1 else np.kron(parts[0], parts[1])
        c[space.offsets[b] : space.offsets[b + 1]] = vec
    return c
