r"""Exact finite-N Liouvillian in the permutation-invariant operator basis (sparse).

Basis (one group of N identical three-level sites). The single-site operators
are :math:`e_k = |a\rangle\langle b|` with ``k = 3a + b`` (row-major, the
``vec`` convention of :mod:`qsynchro.equations.lindblad`). A vector of occupation
counts :math:`n = (n_0, \dots, n_8)`, :math:`\sum_k n_k = N`, labels the
symmetrized product

.. math::

    P(n) = \sum_{\text{distinct arrangements}} e_{k_1}\otimes\cdots\otimes e_{k_N},

the sum over all distinct ways of putting :math:`n_k` copies of :math:`e_k` on the
N sites (no normalization). A permutation-invariant operator is
:math:`\rho = \sum_n c_n P(n)`; the code stores the coefficients ``c`` (shape (D,)).
A product state :math:`r^{\otimes N}` has :math:`c_n = \prod_k r_k^{n_k}`, and
:math:`\mathrm{Tr}\,P(n) = N!/(n_{00}! n_{11}! n_{22}!)` if only diagonal
operators occur (zero otherwise). There are :math:`\binom{N+8}{8}` count vectors.

Charge sectors. :math:`e_{ab}` carries the U(1) charge :math:`a - b`; every term
of Eq. (1) of Nadolny & Bruder conserves the total charge
:math:`q = \sum_k n_k (a_k - b_k)`, so the Liouvillian is block diagonal. The
steady state lives in ``q = 0`` (populations, :math:`\langle S^+S^-\rangle`),
:math:`\langle S^+\rangle` needs the ``q = -1`` component of :math:`\rho`, and the
regression of :math:`S^-\rho` stays in ``q = -1``. For ``N = 16`` the ``q = 0``
sector has 40817 states instead of 735471. Every object here is built for one
sector (``charge=None`` is not offered: no observable needs the whole space).

Two groups (``G = 2``): the sector of total charge ``q`` is the direct sum over
:math:`q_A` of (group-A sector :math:`q_A`) :math:`\otimes` (group-B sector
:math:`q - q_A`), in ``kron`` order inside each block.

Collective superoperators. For a single-site superoperator X (9x9 matrix in the
:math:`e_k` basis) the sum over sites :math:`\sum_i X_i` maps
:math:`P(n)\mapsto \sum_k X_{kk} n_k P(n) + \sum_{j\ne k} X_{jk}(n_j+1)\,P(n-\hat k+\hat j)`
(the factor counts which of the :math:`n_j + 1` sites carrying :math:`e_j` was
changed). Two-site sums follow from
:math:`\sum_{i\ne j} X_i Y_j = (\sum_i X_i)(\sum_j Y_j) - \sum_i (XY)_i`, so the
all-to-all coupling :math:`(V/N)\sum_{i<j}S^+_iS^-_j + \mathrm{h.c.}
= (V/N)\sum_{i\ne j}S^+_iS^-_j` needs only collective operators and sparse
products; nothing loops over states in Python.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.special import gammaln

from qsynchro._checks import check_int, check_square
from qsynchro.equations.lindblad import liouvillian as dense_liouvillian
from qsynchro.models.ensemble import Ensemble
from qsynchro.operators import ket_bra, spin_minus, spin_plus, spin_z

__all__ = [
    "Space",
    "collective",
    "estimate_memory",
    "expectation_functional",
    "group_basis",
    "left",
    "local_liouvillian",
    "permutation_liouvillian",
    "product_state",
    "right",
    "sector_dim",
    "trace_functional",
]

#: charge a - b of e_k = |a><b|, k = 3a + b
CHARGE = np.array([a - b for a in range(3) for b in range(3)], dtype=np.int64)
_DIAG = (0, 4, 8)
_I3 = np.eye(3, dtype=np.complex128)

# Memory model: nonzeros per state of the Liouvillian (measured 23 for G=1, N=16; 29 for
# G=2, N=4 and 47 for G=2, N=6; the values below leave a margin) and the basis tables.
_NNZ_PER_STATE = {1: 40, 2: 64}
_BYTES_PER_NNZ = 16 + 4  # complex128 value + int32 index (CSR)
_BUILD_OVERHEAD = 4  # COO triplets, duplicate summation and the sparse products


def left(A: np.ndarray) -> np.ndarray:
    """Single-site superoperator X -> A X as a 9x9 matrix (row-major vec)."""
    return np.kron(np.asarray(A, dtype=np.complex128), _I3)


def right(B: np.ndarray) -> np.ndarray:
    """Single-site superoperator X -> X B as a 9x9 matrix (row-major vec)."""
    return np.kron(_I3, np.asarray(B, dtype=np.complex128).T)


# ----------------------------------------------------------------------------- sizes
@functools.lru_cache(maxsize=256)
def _sector_table(N: int) -> dict[int, int]:
    """Number of count vectors per charge for one group of N sites (tiny DP)."""
    table = {(0, 0): 1}
    for c in CHARGE.tolist():
        new: dict[tuple[int, int], int] = {}
        for (s, q), v in table.items():
            for x in range(N - s + 1):
                key = (s + x, q + x * c)
                new[key] = new.get(key, 0) + v
        table = new
    return {q: v for (s, q), v in table.items() if s == N}


def sector_dim(N: int, charge: int = 0, G: int = 1) -> int:
    """Dimension of the charge-``charge`` sector for G groups of N sites (no allocation)."""
    N = check_int("N", N, minimum=1)
    G = check_int("G", G, minimum=1, maximum=2)
    charge = check_int("charge", charge)
    tab = _sector_table(N)
    if G == 1:
        return tab.get(charge, 0)
    return sum(v * tab.get(charge - q, 0) for q, v in tab.items())


def _available_memory() -> int:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - non-Linux
        pass
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))  # pragma: no cover


def estimate_memory(N: int, G: int = 1, charge: int = 0) -> int:
    """Estimated peak bytes to build the sparse Liouvillian of one charge sector.

    Counts the basis tables of each group (all sectors, 9 int64 counts per state),
    the Liouvillian's nonzeros (about 40 per state for G = 1 and 64 for G = 2, complex128
    + int32 index)
    and a factor 4 for the COO triplets and sparse products during assembly.
    """
    dim = sector_dim(N, charge, G)
    group_states = math.comb(N + 8, 8)
    basis = G * group_states * 9 * 8 * 3
    return int(basis + dim * _NNZ_PER_STATE[G] * _BYTES_PER_NNZ * _BUILD_OVERHEAD)


def _check_fits(N: int, G: int, charge: int, max_memory: float | None) -> None:
    need = estimate_memory(N, G, charge)
    limit = 0.8 * _available_memory() if max_memory is None else float(max_memory)
    if need > limit:
        raise ValueError(
            f"Argument `N` = {N} with G = {G} needs about {need / 2**30:.2f} GiB to build the "
            f"permutation-invariant Liouvillian (charge sector {charge}: "
            f"{sector_dim(N, charge, G)} states), but only {limit / 2**30:.2f} GiB is allowed; "
            "use a smaller N or the cumulant method (qsynchro.equations.cumulant)."
        )


# ----------------------------------------------------------------------------- basis
@dataclass(frozen=True, eq=False)
class GroupBasis:
    """Count vectors of one group in one charge sector.

    Attributes:
        N: sites in the group.
        charge: U(1) charge of the sector.
        counts: occupation counts, shape (D, 9), sorted by ``codes``.
        codes: ``sum_k counts[:, k] (N+1)^k``, strictly increasing, shape (D,).
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


def _compositions(N: int) -> np.ndarray:
    """All (n_0..n_8) >= 0 with sum N, shape (C(N+8, 8), 9), built column by column."""
    rows = np.zeros((1, 0), dtype=np.int64)
    sums = np.zeros(1, dtype=np.int64)
    for _ in range(8):
        reps = N - sums + 1
        rows = np.repeat(rows, reps, axis=0)
        base = np.repeat(sums, reps)
        start = np.repeat(np.cumsum(reps) - reps, reps)
        x = np.arange(rows.shape[0], dtype=np.int64) - start
        rows = np.concatenate([rows, x[:, None]], axis=1)
        sums = base + x
    return np.concatenate([rows, (N - sums)[:, None]], axis=1)


@functools.lru_cache(maxsize=4)
def _all_counts(N: int) -> np.ndarray:
    return _compositions(N)


@functools.lru_cache(maxsize=64)
def group_basis(N: int, charge: int = 0) -> GroupBasis:
    """The sector of charge ``charge`` of one group of ``N`` sites."""
    N = check_int("N", N, minimum=1)
    counts = _all_counts(N)
    counts = counts[counts @ CHARGE == charge]
    codes = counts @ ((N + 1) ** np.arange(9, dtype=np.int64))
    order = np.argsort(codes, kind="stable")
    return GroupBasis(N, int(charge), counts[order], codes[order])


def _matrix_charge(X: np.ndarray) -> int:
    """The definite charge change of a single-site superoperator (9x9)."""
    j, k = np.nonzero(np.abs(X) > 0)
    dq = set((CHARGE[j] - CHARGE[k]).tolist())
    if len(dq) > 1:
        raise ValueError(
            "Argument `X` must change the U(1) charge by one definite amount, but its "
            f"entries change it by {sorted(dq)}."
        )
    return dq.pop() if dq else 0


def collective(N: int, X: np.ndarray, charge: int = 0) -> tuple[sp.csr_matrix, int]:
    r"""Sparse matrix of :math:`\sum_i X_i` from sector ``charge`` to ``charge + dq``.

    Args:
        N: sites in the group.
        X: single-site superoperator, shape (9, 9), of definite charge change ``dq``.
        charge: charge of the input sector.

    Returns:
        ``(M, charge + dq)`` with ``M`` of shape (D_out, D_in).
    """
    X = check_square("X", X, size=9).astype(np.complex128)
    dq = _matrix_charge(X)
    b_in, b_out = group_basis(N, charge), group_basis(N, charge + dq)
    rows, cols, vals = [], [], []
    weights = (N + 1) ** np.arange(9, dtype=np.int64)
    if dq == 0:
        diag = b_in.counts @ np.diag(X)
        rows.append(np.arange(b_in.dim))
        cols.append(np.arange(b_in.dim))
        vals.append(diag)
    for j, k in zip(*np.nonzero(np.abs(X) > 0), strict=True):
        if j == k:
            continue
        src = np.nonzero(b_in.counts[:, k] > 0)[0]
        if src.size == 0:
            continue
        codes = b_in.codes[src] - weights[k] + weights[j]
        rows.append(b_out.index(codes))
        cols.append(src)
        vals.append(X[j, k] * (b_in.counts[src, j] + 1.0))
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
        N, G, charge: as given.
        blocks: tuple of per-group charges ``(q_A,)`` or ``(q_A, q_B)`` with
            ``sum == charge``, one per block, in storage order.
        offsets: start index of each block, shape (len(blocks) + 1,).
    """

    N: int
    G: int
    charge: int

    @functools.cached_property
    def blocks(self) -> tuple[tuple[int, ...], ...]:
        tab = _sector_table(self.N)
        if self.G == 1:
            return ((self.charge,),) if self.charge in tab else ()
        return tuple((q, self.charge - q) for q in sorted(tab) if self.charge - q in tab)

    @functools.cached_property
    def offsets(self) -> np.ndarray:
        tab = _sector_table(self.N)
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
    dq = _matrix_charge(np.asarray(X))
    out = Space(space.N, space.G, space.charge + dq)
    tab = _sector_table(space.N)
    rows, cols, vals = [], [], []
    for b, charges in enumerate(space.blocks):
        new = list(charges)
        new[g] += dq
        ob = out.block_index(tuple(new))
        if ob is None:
            continue
        C, _ = collective(space.N, X, charges[g])
        if space.G == 2:
            other = tab[charges[1 - g]]
            eye = sp.identity(other, dtype=np.complex128, format="csr")
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


# ----------------------------------------------------------------------------- physics
def local_liouvillian(ens: Ensemble, g: int = 0) -> np.ndarray:
    r"""Single-site Liouvillian of group ``g`` (9x9): :math:`H_0` and both dissipators (Eq. 1)."""
    H = ens.detunings[g] * spin_z(2) + ens.K * ket_bra(3, 2, 2)
    c_ops = [ket_bra(3, 1, 0), ket_bra(3, 1, 2)]
    return dense_liouvillian(H, c_ops, [ens.gamma_plus, ens.gamma_minus])


def permutation_liouvillian(
    ens: Ensemble, charge: int = 0, *, max_memory: float | None = None
) -> sp.csr_matrix:
    r"""Sparse Liouvillian of Eq. (1) in the permutation-invariant basis of sector ``charge``.

    ``dc/dt = L @ c`` for the coefficients ``c`` of :math:`\rho = \sum_n c_n P(n)`
    (see the module docstring).

    Args:
        ens: the model (N, G and the rates of Eq. 1).
        charge: U(1) charge of the sector (0 for the steady state, -1 for
            :math:`\langle S^+\rangle` and the regression of :math:`S^-\rho`).
        max_memory: bytes allowed for the build (default 80% of the available
            memory); a larger estimate raises ``ValueError`` before allocating.

    Returns:
        complex CSR matrix of shape (D, D), D = ``sector_dim(N, charge, G)``.
    """
    charge = check_int("charge", charge)
    _check_fits(ens.N, ens.G, charge, max_memory)
    space = Space(ens.N, ens.G, charge)
    N = ens.N
    Sp, Sm = spin_plus(2), spin_minus(2)
    PL, ML, PR, MR = left(Sp), left(Sm), right(Sp), right(Sm)
    L = sp.csr_matrix((space.dim, space.dim), dtype=np.complex128)
    for g in range(ens.G):
        L = L + group_operator(space, g, local_liouvillian(ens, g))[0]
        if ens.V != 0.0 and N > 1:
            # sum_{i != j} [S_i^+ S_j^-, .] = C(PL)C(ML) - C(PL ML) - C(MR)C(PR) + C(MR PR)
            Mm, sm = group_operator(space, g, ML)
            Pm, _ = group_operator(sm, g, PL)
            Rp, sp_ = group_operator(space, g, PR)
            Rm, _ = group_operator(sp_, g, MR)
            single = group_operator(space, g, PL @ ML - MR @ PR)[0]
            L = L - 1j * (ens.V / N) * (Pm @ Mm - Rm @ Rp - single)
    if ens.G == 2 and ens.V_AB != 0.0:
        term = sp.csr_matrix((space.dim, space.dim), dtype=np.complex128)
        for a, b in ((PL, ML), (ML, PL)):  # S_A^+ S_B^- and S_A^- S_B^+ acting from the left
            Mb, s1 = group_operator(space, 1, b)
            term = term + group_operator(s1, 0, a)[0] @ Mb
        for a, b in ((PR, MR), (MR, PR)):  # rho S_A^+ S_B^- and rho S_A^- S_B^+
            Mb, s1 = group_operator(space, 1, b)
            term = term - group_operator(s1, 0, a)[0] @ Mb
        L = L - 1j * (ens.V_AB / N) * term
    L = L.tocsr()
    L.sum_duplicates()
    L.eliminate_zeros()
    return L


def _group_trace(N: int) -> np.ndarray:
    """Tr P(n) for the charge-0 group sector, shape (D,)."""
    b = group_basis(N, 0)
    diag_only = b.counts.sum(axis=1) == b.counts[:, list(_DIAG)].sum(axis=1)
    logm = gammaln(N + 1) - gammaln(b.counts[:, list(_DIAG)] + 1).sum(axis=1)
    return np.where(diag_only, np.exp(logm), 0.0)


def trace_functional(N: int, G: int = 1) -> np.ndarray:
    r"""Vector ``t`` of the charge-0 sector with :math:`\mathrm{Tr}\,\rho = t \cdot c`."""
    space = Space(N, G, 0)
    t = np.zeros(space.dim)
    tg = _group_trace(N)
    b = space.block_index((0,) * G)
    assert b is not None
    t[space.offsets[b] : space.offsets[b + 1]] = tg if G == 1 else np.kron(tg, tg)
    return t


def expectation_functional(
    N: int, G: int, ops: list[tuple[int, np.ndarray]], charge: int
) -> np.ndarray:
    r"""Vector ``w`` with :math:`\langle \prod O\rangle = w\cdot c` for ``c`` in sector ``charge``.

    ``ops`` is a list of ``(g, O)`` pairs, rightmost applied first, each the
    collective operator :math:`\sum_{i\in g} O_i` (O of shape (3, 3), definite
    charge). The functional is ``t^T C(O_1^L) ... C(O_m^L)``; it is non-zero only
    if the charges of the operators sum to ``-charge``.
    """
    space = Space(N, G, charge)
    mats = []
    s = space
    for g, O in reversed(ops):
        M, s = group_operator(s, g, left(O))
        mats.append(M)
    if s.charge != 0:
        raise ValueError(
            f"Argument `charge` must be minus the total charge of `ops` ({-s.charge + charge}), "
            f"but got {charge}."
        )
    w = trace_functional(N, G)
    for M in reversed(mats):
        w = M.T @ w
    return np.asarray(w)


def product_state(N: int, rhos: list[np.ndarray], charge: int) -> np.ndarray:
    r"""Coefficients of :math:`\otimes_\sigma r_\sigma^{\otimes N}` projected on sector ``charge``.

    Args:
        N: sites per group.
        rhos: one single-site density matrix (3, 3) per group.
        charge: sector.

    Returns:
        complex vector of shape (D,), :math:`c_n = \prod_k r_k^{n_k}` per group.
    """
    G = len(rhos)
    space = Space(N, G, charge)
    c = np.zeros(space.dim, dtype=np.complex128)
    for b, charges in enumerate(space.blocks):
        parts = []
        for g, q in enumerate(charges):
            r = np.asarray(rhos[g], dtype=np.complex128).reshape(9)
            counts = group_basis(N, q).counts
            parts.append(np.prod(r[None, :] ** counts, axis=1))
        vec = parts[0] if G == 1 else np.kron(parts[0], parts[1])
        c[space.offsets[b] : space.offsets[b + 1]] = vec
    return c
