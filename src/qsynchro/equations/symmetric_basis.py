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

Charge sectors (:class:`Units`). If level ``a`` carries the integer charge
:math:`q_a` of a conserved U(1) generator, :math:`e_{ab}` carries :math:`q_a - q_b` and a
symmetric Liouvillian is block diagonal in the total charge
:math:`\sum_k n_k (q_{a_k} - q_{b_k})`. A sector is enumerated directly (columns in
ascending charge, partial rows pruned by the charge the remaining columns can still
reach), never by filtering the whole space. Without a symmetry every level has charge 0
and the single sector 0 is the whole space.

States are indexed by their colex rank in the combinatorial number system (the bar
positions :math:`b_i = n_0 + \dots + n_{i-1} + i - 1` of the stars-and-bars picture,
:math:`\mathrm{rank} = \sum_{i=1}^{m-1}\binom{b_i}{i}`), a perfect hash into
:math:`[0, \binom{N+m-1}{m-1})` that fits int64 for every space that fits in memory.

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

from qsynchro._checks import check_int, check_square

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


@dataclass(frozen=True)
class Units:
    """The d^2 matrix units of one site and their U(1) charges.

    Attributes:
        dim: local dimension d.
        levels: integer charge of each level, length d (all 0: no charge splitting).
    """

    dim: int
    levels: tuple[int, ...]

    @property
    def m(self) -> int:
        return self.dim * self.dim

    @functools.cached_property
    def charge(self) -> np.ndarray:
        """Charge ``levels[a] - levels[b]`` of ``e_k = |a><b|``, ``k = d a + b``, shape (m,)."""
        q = np.asarray(self.levels, dtype=np.int64)
        return np.subtract.outer(q, q).reshape(-1)

    @functools.cached_property
    def diag(self) -> np.ndarray:
        """Indices ``k = d a + a`` of the diagonal units, shape (d,)."""
        return np.arange(self.dim) * (self.dim + 1)

    @property
    def split(self) -> bool:
        return any(self.levels)


#: spin-1 of Nadolny & Bruder: levels m = -1, 0, +1 carry charges 0, 1, 2
SPIN1 = Units(3, (0, 1, 2))


def left(A: np.ndarray) -> np.ndarray:
    """Single-site superoperator X -> A X as a (d^2, d^2) matrix (row-major vec)."""
    A = np.asarray(A, dtype=np.complex128)
    return np.kron(A, np.eye(A.shape[0]))


def right(B: np.ndarray) -> np.ndarray:
    """Single-site superoperator X -> X B as a (d^2, d^2) matrix (row-major vec)."""
    B = np.asarray(B, dtype=np.complex128)
    return np.kron(np.eye(B.shape[0]), B.T)


# ----------------------------------------------------------------------------- sizes
@functools.lru_cache(maxsize=256)
def _sector_table(units: Units, N: int) -> dict[int, int]:
    """Number of count vectors per charge for one group of N sites (tiny DP, Python ints)."""
    table = {(0, 0): 1}
    for c in units.charge.tolist():
        new: dict[tuple[int, int], int] = {}
        for (s, q), v in table.items():
            for x in range(N - s + 1):
                key = (s + x, q + x * c)
                new[key] = new.get(key, 0) + v
        table = new
    return {q: v for (s, q), v in table.items() if s == N}


def sector_dim(N: int, charge: int = 0, G: int = 1, *, units: Units = SPIN1) -> int:
    """Dimension of the charge-``charge`` sector for G groups of N sites (no allocation)."""
    N = check_int("N", N, minimum=1)
    G = check_int("G", G, minimum=1, maximum=2)
    charge = check_int("charge", charge)
    tab = _sector_table(units, N)
    if G == 1:
        return tab.get(charge, 0)
    return sum(v * tab.get(charge - q, 0) for q, v in tab.items())


# ----------------------------------------------------------------------------- basis
@functools.lru_cache(maxsize=16)
def _rank_table(m: int, N: int) -> np.ndarray:
    """``T[i, b] = C(b, i)`` for the reachable ``b <= N + i - 1``, shape (m, N + m)."""
    if math.comb(N + m - 1, m - 1) >= 2**63:
        raise ValueError(
            f"Argument `N` = {N} with {m} matrix units has more than 2^63 count vectors."
        )
    T = np.zeros((m, N + m), dtype=np.int64)
    for i in range(1, m):
        for b in range(i, N + i):
            T[i, b] = math.comb(b, i)
    return T


def _rank(counts: np.ndarray, N: int) -> np.ndarray:
    """Colex rank of each count vector (module docstring), shape (R,)."""
    m = counts.shape[1]
    bars = np.cumsum(counts[:, :-1], axis=1) + np.arange(m - 1)
    return _rank_table(m, N)[np.arange(1, m), bars].sum(axis=1)


def _enumerate(units: Units, N: int, charge: int) -> np.ndarray:
    """All count vectors of sum N and total charge ``charge``, shape (D, m)."""
    order = np.argsort(units.charge, kind="stable")
    qs = units.charge[order]
    rows = np.zeros((1, 0), dtype=np.int64)
    sums = np.zeros(1, dtype=np.int64)
    qsum = np.zeros(1, dtype=np.int64)
    for i in range(units.m - 1):
        reps = N - sums + 1
        src = np.repeat(np.arange(sums.size), reps)
        x = np.arange(src.size, dtype=np.int64) - np.repeat(np.cumsum(reps) - reps, reps)
        s_new, q_new = sums[src] + x, qsum[src] + x * qs[i]
        rest = N - s_new
        need = charge - q_new
        keep = (need >= rest * qs[i + 1 :].min()) & (need <= rest * qs[i + 1 :].max())
        rows = np.concatenate([rows[src[keep]], x[keep, None]], axis=1)
        sums, qsum = s_new[keep], q_new[keep]
    last = N - sums
    keep = qsum + last * qs[-1] == charge
    rows = np.concatenate([rows[keep], last[keep, None]], axis=1)
    counts = np.empty_like(rows)
    counts[:, order] = rows
    return counts


@dataclass(frozen=True, eq=False)
class GroupBasis:
    """Count vectors of one group in one charge sector.

    Attributes:
        N: sites in the group.
        charge: U(1) charge of the sector.
        counts: occupation counts, shape (D, m), sorted by ``codes``.
        codes: colex ranks, strictly increasing, shape (D,).
    """

    N: int
    charge: int
    counts: np.ndarray
    codes: np.ndarray

    @property
    def dim(self) -> int:
        return int(self.codes.shape[0])

    def index(self, codes: np.ndarray) -> np.ndarray:
        """Positions of ``codes`` (all present in the basis) in this basis."""
        return np.searchsorted(self.codes, codes)


@functools.lru_cache(maxsize=64)
def group_basis(N: int, charge: int = 0, *, units: Units = SPIN1) -> GroupBasis:
    """The sector of charge ``charge`` of one group of ``N`` sites."""
    N = check_int("N", N, minimum=1)
    counts = _enumerate(units, N, int(charge))
    codes = _rank(counts, N)
    order = np.argsort(codes, kind="stable")
    return GroupBasis(N, int(charge), counts[order], codes[order])


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
