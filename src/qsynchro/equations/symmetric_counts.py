r"""Count vectors of one group of N identical d-level sites: charges, sectors, ranks.

The combinatorics under the permutation-symmetric basis of
:mod:`qsynchro.equations.symmetric_basis` (see there for the operators ``P(n)`` that a
count vector :math:`n = (n_0, \dots, n_{m-1})`, :math:`\sum_k n_k = N`, labels): which
count vectors there are in a U(1) charge sector, how many, and where each one sits.

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
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from qsynchro._checks import check_int

__all__ = ["SPIN1", "GroupBasis", "Units", "group_basis", "sector_dim"]


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
