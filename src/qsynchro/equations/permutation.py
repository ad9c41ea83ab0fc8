r"""Exact finite-N Liouvillian of an :class:`~qsynchro.models.ensemble.Ensemble` (sparse).

The master equation of G groups of N identical oscillators (Eq. 1 of Nadolny & Bruder,
PRL 131, 190402, for any oscillator: see :mod:`qsynchro.models.ensemble`) is written in
the permutation-symmetric operator basis of :mod:`qsynchro.equations.symmetric_basis`
(:math:`\binom{N+d^2-1}{d^2-1}` states per group), one U(1) charge sector at a time.

Charge sectors. For a U(1)-symmetric model (:attr:`Ensemble.u1_symmetric`) the matrix
unit :math:`|a\rangle\langle b|` carries the charge :math:`q_a - q_b` of the detuning
generator and the Liouvillian conserves the total charge. The steady state lives in
charge 0 (populations, :math:`\langle AA^\dagger\rangle`), :math:`\langle A\rangle` needs
the charge -1 component of :math:`\rho` (:math:`[N, A] = A`), and the regression of
:math:`A^\dagger\rho` stays in charge -1. For spin-1 at N = 16 the charge-0 sector has
40817 states instead of 735471. Without the symmetry (a driven oscillator) every unit
has charge 0 and sector 0 is the whole space.

Collective superoperators act in closed form on the counts (see
:func:`~qsynchro.equations.symmetric_basis.collective`); two-site sums follow from
:math:`\sum_{i\ne j} X_i Y_j = (\sum_i X_i)(\sum_j Y_j) - \sum_i (XY)_i`, so the
all-to-all coupling :math:`(V/N)\sum_{i<j}A_iA_j^\dagger + \mathrm{h.c.}
= (V/N)\sum_{i\ne j}A_iA_j^\dagger` needs only collective operators and sparse products;
nothing loops over states in Python.
"""

from __future__ import annotations

import math
import os

import numpy as np
import scipy.sparse as sp

from qsynchro._checks import check_int
from qsynchro.equations.lindblad import liouvillian as dense_liouvillian
from qsynchro.equations.symmetric_basis import (
    SPIN1,
    Space,
    Units,
    collective,
    group_basis,
    group_operator,
    left,
    product_state,
    right,
    sector_dim,
    trace_functional,
)
from qsynchro.models.ensemble import Ensemble

__all__ = [
    "SPIN1",
    "Space",
    "Units",
    "coherence_charge",
    "collective",
    "estimate_memory",
    "expectation_functional",
    "group_basis",
    "group_operator",
    "left",
    "local_liouvillian",
    "nnz_per_state",
    "permutation_liouvillian",
    "product_state",
    "right",
    "sector_dim",
    "trace_functional",
    "units_of",
]

_BYTES_PER_NNZ = 16 + 4  # complex128 value + int32 index (CSR)
_BUILD_OVERHEAD = 4  # COO triplets, duplicate summation and the sparse products
_NNZ_MARGIN = 1.5  # the estimate below against the measured nonzeros (docs/finite_size.md)


def units_of(ens: Ensemble) -> Units:
    """The matrix units of ``ens`` with the level charges of its U(1) symmetry (or none)."""
    q = ens.level_charges
    return Units(ens.dim, q if q is not None else (0,) * ens.dim)


def coherence_charge(ens: Ensemble) -> int:
    r"""Sector of :math:`\rho` that :math:`\langle A\rangle` reads: -1, or 0 without U(1)."""
    return -1 if units_of(ens).split else 0


# ----------------------------------------------------------------------------- physics
def local_liouvillian(ens: Ensemble, g: int = 0) -> np.ndarray:
    r"""Single-site Liouvillian of group ``g``, shape (d^2, d^2): local H and dissipators."""
    jumps = ens.jumps()
    return dense_liouvillian(ens.local_hamiltonian(g), [L for _, L in jumps], [r for r, _ in jumps])


def _coupling_superops(ens: Ensemble) -> tuple[np.ndarray, ...]:
    """left(A), left(A^dag), right(A), right(A^dag)."""
    A = ens.oscillator.coupling_operator
    Ad = A.conj().T
    return left(A), left(Ad), right(A), right(Ad)


def _dissipative_superops(ens: Ensemble) -> tuple[np.ndarray, ...]:
    """left(L), right(L^dag), left(L^dag), right(L) for the collective jump L = A^dag."""
    L = ens.oscillator.coupling_operator.conj().T
    Ld = L.conj().T
    return left(L), right(Ld), left(Ld), right(L)


def _two_site(space: Space, g: int, X: np.ndarray, Y: np.ndarray) -> sp.csr_matrix:
    r""":math:`\sum_{i\ne j} X_i Y_j = C(X)C(Y) - C(XY)` for single-site superoperators."""
    My, s1 = group_operator(space, g, Y)
    Mx, _ = group_operator(s1, g, X)
    return Mx @ My - group_operator(space, g, X @ Y)[0]


def dissipative_term(ens: Ensemble, space: Space, g: int) -> sp.csr_matrix:
    r""":math:`\frac{\kappa}{N}\sum_{i<j}\mathcal{D}[L_i - L_j]` on group ``g``, L = A^dag.

    With :math:`\mathcal{D}_{ij}\rho = L_i\rho L_j^\dagger - \{L_j^\dagger L_i,\rho\}/2`:
    :math:`\sum_{i<j}\mathcal{D}[L_i - L_j] = N\sum_i\mathcal{D}[L_i] - \mathcal{D}[\sum_i L_i]
    = (N-1)\sum_i\mathcal{D}[L_i] - \sum_{i\ne j}\mathcal{D}_{ij}`.
    """
    N, kap = ens.N, ens.dissipative
    lL, rLd, lLd, rL = _dissipative_superops(ens)
    local = lL @ rLd - 0.5 * (lLd @ lL) - 0.5 * (rL @ rLd)  # D[L]
    cross = (
        _two_site(space, g, lL, rLd)
        - 0.5 * _two_site(space, g, lLd, lL)
        - 0.5 * _two_site(space, g, rL, rLd)
    )
    return (kap / N) * ((N - 1) * group_operator(space, g, local)[0] - cross)


def permutation_liouvillian(
    ens: Ensemble, charge: int = 0, *, max_memory: float | None = None
) -> sp.csr_matrix:
    r"""Sparse Liouvillian of the ensemble in the permutation-invariant basis of ``charge``.

    ``dc/dt = L @ c`` for the coefficients ``c`` of :math:`\rho = \sum_n c_n P(n)`
    (see :mod:`qsynchro.equations.symmetric_basis`).

    Args:
        ens: the model (N, G, the oscillator and its parameters, couplings, detunings).
        charge: U(1) charge of the sector (0 for the steady state, -1 for
            :math:`\langle A\rangle` and the regression of :math:`A^\dagger\rho`; only 0
            exists without the symmetry).
        max_memory: bytes allowed for the build (default 80% of the available
            memory); a larger estimate raises ``ValueError`` before allocating.

    Returns:
        complex CSR matrix of shape (D, D), D = ``sector_dim(N, charge, G, units=...)``.
    """
    charge = check_int("charge", charge)
    _check_fits(ens, charge, max_memory)
    units = units_of(ens)
    space = Space(ens.N, ens.G, charge, units)
    N = ens.N
    PL, ML, PR, MR = _coupling_superops(ens)
    L = sp.csr_matrix((space.dim, space.dim), dtype=np.complex128)
    for g in range(ens.G):
        L = L + group_operator(space, g, local_liouvillian(ens, g))[0]
        if ens.V != 0.0 and N > 1:
            # sum_{i != j} [A_i A_j^dag, .] = C(PL)C(ML) - C(PL ML) - C(MR)C(PR) + C(MR PR)
            Mm, sm = group_operator(space, g, ML)
            Pm, _ = group_operator(sm, g, PL)
            Rp, sp_ = group_operator(space, g, PR)
            Rm, _ = group_operator(sp_, g, MR)
            single = group_operator(space, g, PL @ ML - MR @ PR)[0]
            L = L - 1j * (ens.V / N) * (Pm @ Mm - Rm @ Rp - single)
        if ens.dissipative != 0.0 and N > 1:
            L = L + dissipative_term(ens, space, g)
    if ens.G == 2 and ens.V_AB != 0.0:
        term = sp.csr_matrix((space.dim, space.dim), dtype=np.complex128)
        C_AB = ens.V_AB
        for c, a, b, sign in (
            (C_AB, PL, ML, 1.0),  # C_AB A_A A_B^dag rho
            (np.conj(C_AB), ML, PL, 1.0),  # C_BA A_A^dag A_B rho
            (C_AB, PR, MR, -1.0),  # rho C_AB A_A A_B^dag
            (np.conj(C_AB), MR, PR, -1.0),  # rho C_BA A_A^dag A_B
        ):
            Mb, s1 = group_operator(space, 1, b)
            term = term + (sign * c) * (group_operator(s1, 0, a)[0] @ Mb)
        L = L - (1j / N) * term
    L = L.tocsr()
    L.sum_duplicates()
    L.eliminate_zeros()
    return L


# ----------------------------------------------------------------------------- memory
def _moves(X: np.ndarray) -> np.ndarray:
    """Count changes e_j - e_k of the nonzero entries X[j, k], shape (K, m)."""
    j, k = np.nonzero(np.abs(X) > 0)
    out = np.zeros((j.size, X.shape[0]), dtype=np.int64)
    np.add.at(out, (np.arange(j.size), j), 1)
    np.add.at(out, (np.arange(j.size), k), -1)
    return out


def _pairs(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Count changes of the products of the moves of X and Y, shape (K_X K_Y, m)."""
    u, v = _moves(X), _moves(Y)
    return (u[:, None, :] + v[None, :, :]).reshape(-1, u.shape[1])


def _displacements(ens: Ensemble) -> np.ndarray:
    """Distinct non-zero count changes (K, G, m) that the Liouvillian's terms can make."""
    m, G = ens.dim**2, ens.G
    PL, ML, PR, MR = _coupling_superops(ens)
    blocks = []
    for g in range(G):
        own = [_moves(local_liouvillian(ens, g))]
        if ens.V:
            own += [_moves(PL @ ML - MR @ PR), _pairs(PL, ML), _pairs(MR, PR)]
        if ens.dissipative:
            lL, rLd, lLd, rL = _dissipative_superops(ens)
            own += [_moves(lL @ rLd), _pairs(lL, rLd), _pairs(lLd, lL), _pairs(rL, rLd)]
        for mv in own:
            full = np.zeros((mv.shape[0], G, m), dtype=np.int64)
            full[:, g] = mv
            blocks.append(full)
    if G == 2 and ens.V_AB != 0.0:
        for X, Y in [(PL, ML), (ML, PL), (PR, MR), (MR, PR)]:
            u, v = _moves(X), _moves(Y)
            both = np.zeros((u.shape[0], v.shape[0], 2, m), dtype=np.int64)
            both[:, :, 0] = u[:, None, :]
            both[:, :, 1] = v[None, :, :]
            blocks.append(both.reshape(-1, 2, m))
    D = np.unique(np.concatenate(blocks).reshape(-1, G * m), axis=0)
    return D[np.any(D != 0, axis=1)].reshape(-1, G, m)


def nnz_per_state(ens: Ensemble) -> float:
    r"""Expected nonzeros per column of the Liouvillian (an estimate, no allocation).

    Each distinct count change :math:`\Delta` of the Liouvillian's terms gives one nonzero
    per state that has the counts it removes; the fraction of count vectors of N sites
    over m units with :math:`r` given units occupied is
    :math:`\binom{N-r+m-1}{m-1}/\binom{N+m-1}{m-1}` per group.
    """
    m, N = ens.dim**2, ens.N
    removed = np.clip(-_displacements(ens), 0, None).sum(axis=-1)  # (K, G)
    total = math.comb(N + m - 1, m - 1)
    frac = np.array([math.comb(N - r + m - 1, m - 1) / total if r <= N else 0.0 for r in range(5)])
    return 1.0 + float(np.sum(np.prod(frac[removed], axis=-1)))


def _available_memory() -> int:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - non-Linux
        pass
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))  # pragma: no cover


def estimate_memory(ens: Ensemble, charge: int = 0) -> int:
    """Estimated peak bytes to build the sparse Liouvillian of one charge sector.

    Counts the basis tables of each group (m int64 counts and ranks per state), the
    Liouvillian's nonzeros (:func:`nnz_per_state` times a margin of 1.5; complex128 + int32
    index) and a factor 4 for the COO triplets and sparse products during assembly.
    """
    units = units_of(ens)
    dim = sector_dim(ens.N, charge, ens.G, units=units)
    if ens.G == 1:  # the sector and its neighbours (intermediate products)
        near = (charge - 1, charge, charge + 1)
        group_states = sum(sector_dim(ens.N, q, units=units) for q in near)
    else:  # every group sector occurs in some block
        group_states = math.comb(ens.N + units.m - 1, units.m - 1)
    basis = ens.G * group_states * (units.m + 1) * 8 * 3
    nnz = _NNZ_MARGIN * nnz_per_state(ens)
    return int(basis + dim * nnz * _BYTES_PER_NNZ * _BUILD_OVERHEAD)


def _check_fits(ens: Ensemble, charge: int, max_memory: float | None) -> None:
    need = estimate_memory(ens, charge)
    limit = 0.8 * _available_memory() if max_memory is None else float(max_memory)
    if need > limit:
        units = units_of(ens)
        raise ValueError(
            f"Argument `N` = {ens.N} with G = {ens.G} (d = {ens.dim}) needs about "
            f"{need / 2**30:.2f} GiB to build the permutation-invariant Liouvillian (charge "
            f"sector {charge}: {sector_dim(ens.N, charge, ens.G, units=units)} states), but "
            f"only {limit / 2**30:.2f} GiB is allowed; use a smaller N or the cumulant method "
            "(qsynchro.equations.cumulant)."
        )


# ----------------------------------------------------------------------------- functionals
def expectation_functional(
    N: int,
    G: int,
    ops: list[tuple[int, np.ndarray]],
    charge: int,
    *,
    units: Units = SPIN1,
) -> np.ndarray:
    r"""Vector ``w`` with :math:`\langle \prod O\rangle = w\cdot c` for ``c`` in sector ``charge``.

    ``ops`` is a list of ``(g, O)`` pairs, rightmost applied first, each the
    collective operator :math:`\sum_{i\in g} O_i` (O of shape (d, d), definite
    charge). The functional is ``t^T C(O_1^L) ... C(O_m^L)``; it is non-zero only
    if the charges of the operators sum to ``-charge``.
    """
    space = Space(N, G, charge, units)
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
    w = trace_functional(N, G, units=units)
    for M in reversed(mats):
        w = M.T @ w
    return np.asarray(w)
