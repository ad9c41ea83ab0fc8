r"""Finite-N solvers: exact permutation-invariant dynamics and second-order cumulants.

Exact method (:mod:`qsynchro.equations.permutation`): the master equation of
Eq. (1) (Nadolny & Bruder, PRL 131, 190402) is linear, block diagonal in the U(1)
charge, and every observable needs one sector only:

* populations and :math:`\langle S^+S^-\rangle` need the charge-0 sector,
  :math:`\langle S^+\rangle` the charge -1 sector of :math:`\rho`;
* the steady state is the null vector of the charge-0 block (sparse LU with the
  trace condition replacing one equation);
* time evolution is ``scipy.sparse.linalg.expm_multiply`` on a uniform grid;
* :math:`g(t) = \langle S^+(t)S^-(0)\rangle` follows from the quantum regression
  theorem, :math:`g(t) = \mathrm{Tr}[S^+ e^{\mathcal{L}t}(S^-\rho_{ss})]`, evolved in
  the charge -1 sector; its spectrum
  :math:`S(\omega) = 2\,\mathrm{Re}\int_0^\infty e^{i\omega t} g(t)\,dt
  = 2\,\mathrm{Re}\,[-w^T(\mathcal{L}+i\omega)^{-1}x_0]` is computed from the resolvent
  (exact, no time grid). The coherence decay rate is
  :math:`\Gamma = -\mathrm{Re}\,\lambda` of the slowest Liouvillian eigenvalue of
  the charge -1 sector (shift-invert Arnoldi); the spectral line has FWHM
  :math:`2\Gamma` and the coherence lifetime is :math:`\tau = 1/\Gamma`.

Conventions: collective operators are :math:`S^\pm_\sigma = \sum_{i\in\sigma} S^\pm_{\sigma,i}`;
the returned observables are per oscillator, :math:`\langle S^+\rangle/N`,
:math:`\langle S^+S^-\rangle/N^2` and the level populations :math:`\langle
\sum_i |a\rangle\langle a|_i\rangle/N`, with a leading group axis of length G.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike

from qsynchro._checks import ConvergenceError, check_density_matrix, check_finite, check_int
from qsynchro.equations.permutation import (
    Space,
    expectation_functional,
    permutation_liouvillian,
    product_state,
    trace_functional,
)
from qsynchro.models.ensemble import Ensemble
from qsynchro.operators import ket_bra, spin_minus, spin_plus

__all__ = [
    "exact_correlation",
    "exact_decay_rate",
    "exact_evolve",
    "exact_observables",
    "exact_spectrum",
    "exact_steady_state",
]


def _check_ensemble(ens: Any) -> Ensemble:
    if not isinstance(ens, Ensemble):
        raise TypeError(f"Argument `ens` must be an Ensemble, but got {type(ens).__name__}.")
    return ens


def _check_times(times: ArrayLike) -> np.ndarray:
    t = np.asarray(check_finite("times", times), dtype=np.float64)
    if t.ndim != 1 or t.size < 1:
        raise ValueError(
            f"Argument `times` must be a non-empty 1-D array, but got shape {t.shape}."
        )
    if t[0] < 0:
        raise ValueError(f"Argument `times` must start at t >= 0, but got {t[0]!r}.")
    if t.size > 1:
        dt = np.diff(t)
        if np.any(dt <= 0) or np.max(np.abs(dt - dt[0])) > 1e-9 * max(1.0, abs(t[-1])):
            raise ValueError(
                "Argument `times` must be uniformly spaced and increasing (e.g. np.linspace), "
                "but got a non-uniform grid."
            )
    return t


@functools.lru_cache(maxsize=16)
def _liouvillian(ens: Ensemble, charge: int, max_memory: float | None) -> sp.csr_matrix:
    return permutation_liouvillian(ens, charge, max_memory=max_memory)


@functools.lru_cache(maxsize=16)
def _functionals(N: int, G: int) -> dict[str, np.ndarray]:
    """Observable functionals per group: w . c gives the collective expectation value."""
    Sp, Sm = spin_plus(2), spin_minus(2)
    out: dict[str, np.ndarray] = {}
    for g in range(G):
        out[f"sp{g}"] = expectation_functional(N, G, [(g, Sp)], -1)
        out[f"spsm{g}"] = expectation_functional(N, G, [(g, Sp), (g, Sm)], 0)
        for a in range(3):
            out[f"pop{g}{a}"] = expectation_functional(N, G, [(g, ket_bra(3, a, a))], 0)
    out["trace"] = trace_functional(N, G)
    return out


def _evolve_vector(L: sp.csr_matrix, c0: np.ndarray, t: np.ndarray) -> np.ndarray:
    """c(t) for every t of a uniform grid, shape (T, D)."""
    if t.size == 1:
        return spla.expm_multiply(L * t[0], c0)[None, :]
    out = spla.expm_multiply(L, c0, start=t[0], stop=t[-1], num=t.size, endpoint=True)
    return np.asarray(out)


def _initial_rhos(ens: Ensemble, rho0: ArrayLike) -> list[np.ndarray]:
    r = np.asarray(rho0)
    if r.ndim == 2:
        r = np.broadcast_to(r, (ens.G, 3, 3))
    if r.shape != (ens.G, 3, 3):
        raise ValueError(
            f"Argument `rho0` must have shape (3, 3) or ({ens.G}, 3, 3), but got {r.shape}."
        )
    return [check_density_matrix("rho0", r[g]) for g in range(ens.G)]


def exact_observables(
    ens: Ensemble, c0: np.ndarray | None = None, c1: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    r"""Per-oscillator observables from sector coefficients (leading axes allowed).

    Args:
        ens: the model.
        c0: charge-0 coefficients, shape (..., D0), or None.
        c1: charge -1 coefficients, shape (..., D1), or None.

    Returns:
        dict with ``populations`` (..., G, 3), ``s_plus_s_minus`` (..., G) real
        (:math:`\langle S^+S^-\rangle/N^2`) and ``trace`` (...) from ``c0``, and
        ``s_plus`` (..., G) complex (:math:`\langle S^+\rangle/N`) from ``c1``.
    """
    ens = _check_ensemble(ens)
    f = _functionals(ens.N, ens.G)
    N, G = ens.N, ens.G
    out: dict[str, np.ndarray] = {}
    if c0 is not None:
        c0 = np.asarray(c0)
        out["trace"] = np.real(c0 @ f["trace"])
        out["populations"] = (
            np.stack(
                [np.stack([np.real(c0 @ f[f"pop{g}{a}"]) for a in range(3)], -1) for g in range(G)],
                -2,
            )
            / N
        )
        out["s_plus_s_minus"] = np.stack([np.real(c0 @ f[f"spsm{g}"]) for g in range(G)], -1) / N**2
    if c1 is not None:
        c1 = np.asarray(c1)
        out["s_plus"] = np.stack([c1 @ f[f"sp{g}"] for g in range(G)], -1) / N
    return out


def exact_evolve(
    ens: Ensemble, rho0: ArrayLike, times: ArrayLike, *, max_memory: float | None = None
) -> dict[str, np.ndarray]:
    r"""Exact evolution of Eq. (1) from the product state :math:`\otimes\rho_0^{\otimes N}`.

    Args:
        ens: the model.
        rho0: single-site density matrix, shape (3, 3) or (G, 3, 3) (one per group).
            A coherent (phase-broken) state such as the mean-field limit cycle
            gives a non-zero :math:`\langle S^+\rangle`.
        times: uniform time grid starting at t >= 0, shape (T,).
        max_memory: bytes allowed for building a Liouvillian (see
            :func:`~qsynchro.equations.permutation.permutation_liouvillian`).

    Returns:
        dict with ``times`` (T,), ``s_plus`` (T, G) complex, ``populations``
        (T, G, 3), ``s_plus_s_minus`` (T, G), ``trace`` (T,).
    """
    ens = _check_ensemble(ens)
    rhos = _initial_rhos(ens, rho0)
    t = _check_times(times)
    c = {}
    for q in (0, -1):
        L = _liouvillian(ens, q, max_memory)
        c[q] = _evolve_vector(L, product_state(ens.N, rhos, q), t)
    out = exact_observables(ens, c[0], c[-1])
    out["times"] = t
    return out


def exact_steady_state(ens: Ensemble, *, max_memory: float | None = None) -> np.ndarray:
    r"""Coefficients of the unique steady state in the charge-0 sector, shape (D0,).

    Solves :math:`\mathcal{L}c = 0` with :math:`t\cdot c = 1` (trace) replacing the
    equation of the largest-trace-weight state, by sparse LU (SuperLU, COLAMD).
    The steady state of Eq. (1) is phase symmetric: its charge :math:`\ne 0`
    sectors vanish, so :math:`\langle S^+\rangle = 0` for every finite N.

    Raises:
        ConvergenceError: if the residual :math:`\|\mathcal{L}c\|` is not small.
    """
    ens = _check_ensemble(ens)
    L = _liouvillian(ens, 0, max_memory)
    tr = _functionals(ens.N, ens.G)["trace"]
    row = int(np.argmax(tr))
    A = L.tolil(copy=True) if L.shape[0] < 2000 else None
    if A is not None:
        A[row, :] = tr
        A = A.tocsc()
    else:
        keep = sp.diags((np.arange(L.shape[0]) != row).astype(float))
        A = (
            keep @ L
            + sp.csr_matrix((tr, (np.full(tr.size, row), np.arange(tr.size))), shape=L.shape)
        ).tocsc()
    b = np.zeros(L.shape[0], dtype=np.complex128)
    b[row] = 1.0
    c = spla.spsolve(A, b, permc_spec="COLAMD")
    res = np.linalg.norm(L @ c) / max(1.0, spla.norm(L, 1) * np.linalg.norm(c))
    if not np.isfinite(res) or res > 1e-8:
        raise ConvergenceError(f"Sparse steady-state solve failed (relative residual {res:.2e}).")
    return c


def _correlation_setup(
    ens: Ensemble, group: int, c_ss: np.ndarray | None, max_memory: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """x0 = S^- rho_ss (charge -1) and w with <S^+ X> = w . x."""
    from qsynchro.equations.permutation import group_operator, left

    if c_ss is None:
        c_ss = exact_steady_state(ens, max_memory=max_memory)
    M, _ = group_operator(Space(ens.N, ens.G, 0), group, left(spin_minus(2)))
    x0 = M @ c_ss
    w = _functionals(ens.N, ens.G)[f"sp{group}"]
    return x0, w


def exact_correlation(
    ens: Ensemble,
    times: ArrayLike,
    *,
    group: int = 0,
    c_ss: np.ndarray | None = None,
    max_memory: float | None = None,
) -> np.ndarray:
    r"""Steady-state :math:`g(t) = \langle S^+_\sigma(t)S^-_\sigma(0)\rangle / N^2`, shape (T,).

    Quantum regression: :math:`g(t) = \mathrm{Tr}[S^+ e^{\mathcal{L}t}(S^-\rho_{ss})]`,
    evolved in the charge -1 sector. ``group`` selects :math:`\sigma` (0 = A).
    """
    ens = _check_ensemble(ens)
    group = check_int("group", group, minimum=0, maximum=ens.G - 1)
    t = _check_times(times)
    x0, w = _correlation_setup(ens, group, c_ss, max_memory)
    x = _evolve_vector(_liouvillian(ens, -1, max_memory), x0, t)
    return (x @ w) / ens.N**2


def exact_spectrum(
    ens: Ensemble,
    omegas: ArrayLike,
    *,
    group: int = 0,
    c_ss: np.ndarray | None = None,
    max_memory: float | None = None,
) -> np.ndarray:
    r"""Spectrum :math:`S(\omega) = 2\mathrm{Re}\int_0^\infty e^{i\omega t}g(t)dt`, shape (W,).

    With :math:`g` normalized by :math:`N^2` as in :func:`exact_correlation`;
    computed exactly from the resolvent, one sparse LU per frequency.
    """
    ens = _check_ensemble(ens)
    group = check_int("group", group, minimum=0, maximum=ens.G - 1)
    w_ = np.asarray(check_finite("omegas", omegas), dtype=np.float64).ravel()
    x0, w = _correlation_setup(ens, group, c_ss, max_memory)
    L = _liouvillian(ens, -1, max_memory).tocsc()
    eye = sp.identity(L.shape[0], dtype=np.complex128, format="csc")
    out = np.empty(w_.size)
    for i, om in enumerate(w_):
        y = spla.spsolve(L + 1j * om * eye, x0, permc_spec="COLAMD")
        out[i] = 2.0 * np.real(-(w @ y))
    return out / ens.N**2


def exact_decay_rate(
    ens: Ensemble, *, sigma: complex = 0.0, k: int = 6, max_memory: float | None = None
) -> complex:
    r"""Slowest Liouvillian eigenvalue :math:`\lambda` of the charge -1 sector.

    Shift-invert Arnoldi around ``sigma`` finds the ``k`` eigenvalues closest to it;
    the one with the largest real part is returned. :math:`-\mathrm{Re}\lambda` is
    the coherence decay rate :math:`\Gamma` (lifetime :math:`1/\Gamma`, spectral FWHM
    :math:`2\Gamma`) and :math:`\mathrm{Im}\lambda` the oscillation frequency of
    :math:`\langle S^+\rangle` in the rotating frame of Eq. (1).
    """
    ens = _check_ensemble(ens)
    L = _liouvillian(ens, -1, max_memory)
    D = L.shape[0]
    if D <= 400:
        ev = np.linalg.eigvals(L.toarray())
    else:
        k = min(check_int("k", k, minimum=1), D - 2)
        ev = spla.eigs(
            L.tocsc(), k=k, sigma=sigma, which="LM", return_eigenvectors=False, tol=1e-12
        )
    return complex(ev[np.argmax(ev.real)])
