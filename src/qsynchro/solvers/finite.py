r"""Finite-N solvers: exact permutation-invariant dynamics (and the cumulant re-exports).

Exact method (:mod:`qsynchro.equations.permutation`): the master equation of an
:class:`~qsynchro.models.ensemble.Ensemble` (Eq. 1 of Nadolny & Bruder, PRL 131,
190402, for any oscillator) is linear and, for a U(1)-symmetric model, block diagonal in
the charge of the detuning generator; every observable needs one sector only:

* populations and :math:`\langle AA^\dagger\rangle` need the charge-0 sector,
  :math:`\langle A\rangle` the charge -1 sector of :math:`\rho` (A the coupling operator,
  :math:`S^+` for spin-1); without the symmetry (a driven oscillator) sector 0 is the
  whole space and holds everything;
* the steady state is the null vector of the charge-0 block (sparse LU with the
  trace condition replacing one equation);
* time evolution is ``scipy.sparse.linalg.expm_multiply`` on a uniform grid;
* :math:`g(t) = \langle A(t)A^\dagger(0)\rangle` follows from the quantum regression
  theorem, :math:`g(t) = \mathrm{Tr}[A e^{\mathcal{L}t}(A^\dagger\rho_{ss})]`, evolved in
  the charge -1 sector; its spectrum
  :math:`S(\omega) = 2\,\mathrm{Re}\int_0^\infty e^{i\omega t} g(t)\,dt
  = 2\,\mathrm{Re}\,[-w^T(\mathcal{L}+i\omega)^{-1}x_0]` is computed from the resolvent
  (exact, no time grid). The coherence decay rate is
  :math:`\Gamma = -\mathrm{Re}\,\lambda` of the slowest Liouvillian eigenvalue of
  the charge -1 sector (shift-invert Arnoldi); the spectral line has FWHM
  :math:`2\Gamma` and the coherence lifetime is :math:`\tau = 1/\Gamma`. Without the
  symmetry :math:`g(t)\to|\langle A\rangle|^2`: the spectrum is that of
  :math:`g(t) - |\langle A\rangle|^2` (the coherent delta peak removed) and the steady
  state's zero eigenvalue is skipped.

Conventions: collective operators are :math:`A_\sigma = \sum_{i\in\sigma} A_{\sigma,i}`;
the returned observables are per oscillator, ``s_plus`` :math:`= \langle A\rangle/N`,
``s_plus_s_minus`` :math:`= \langle AA^\dagger\rangle/N^2` (the names of spin-1, where
:math:`A = S^+`) and the level populations :math:`\langle \sum_i |a\rangle\langle a|_i
\rangle/N`, with a leading group axis of length G.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from numpy.typing import ArrayLike
from scipy.sparse.csgraph import reverse_cuthill_mckee

from qsynchro._checks import ConvergenceError, check_finite, check_int
from qsynchro.equations.permutation import (
    Space,
    Units,
    coherence_charge,
    expectation_functional,
    group_operator,
    left,
    permutation_liouvillian,
    product_state,
    trace_functional,
    units_of,
)
from qsynchro.models.ensemble import Ensemble
from qsynchro.solvers._finite_common import Observables, check_ensemble, check_times, initial_rhos
from qsynchro.solvers.finite_cumulant import (
    cumulant_correlation,
    cumulant_decay_rate,
    cumulant_evolve,
    cumulant_observables,
    cumulant_spectrum,
    cumulant_steady_state,
)

__all__ = [
    "cumulant_correlation",
    "cumulant_decay_rate",
    "cumulant_evolve",
    "cumulant_observables",
    "cumulant_spectrum",
    "cumulant_steady_state",
    "exact_correlation",
    "exact_decay_rate",
    "exact_evolve",
    "exact_observables",
    "exact_spectrum",
    "exact_steady_state",
]


@functools.lru_cache(maxsize=16)
def _liouvillian(ens: Ensemble, charge: int, max_memory: float | None) -> sp.csr_matrix:
    return permutation_liouvillian(ens, charge, max_memory=max_memory)


def _functionals(ens: Ensemble) -> dict[str, np.ndarray]:
    """Observable functionals per group: w . c gives the collective expectation value."""
    A = ens.oscillator.coupling_operator
    return _functionals_cached(A.tobytes(), ens.dim, ens.N, ens.G, units_of(ens))


@functools.lru_cache(maxsize=16)
def _functionals_cached(
    A_bytes: bytes, d: int, N: int, G: int, units: Units
) -> dict[str, np.ndarray]:
    A = np.frombuffer(A_bytes, dtype=np.complex128).reshape(d, d)
    Ad = A.conj().T
    coh = -1 if units.split else 0
    out: dict[str, np.ndarray] = {}
    for g in range(G):
        out[f"sp{g}"] = expectation_functional(N, G, [(g, A)], coh, units=units)
        out[f"spsm{g}"] = expectation_functional(N, G, [(g, A), (g, Ad)], 0, units=units)
        for a in range(d):
            P = np.zeros((d, d))
            P[a, a] = 1.0
            out[f"pop{g}{a}"] = expectation_functional(N, G, [(g, P)], 0, units=units)
    out["trace"] = trace_functional(N, G, units=units)
    return out


def _evolve_vector(L: sp.csr_matrix, c0: np.ndarray, t: np.ndarray) -> np.ndarray:
    """c(t) for every t of a uniform grid, shape (T, D)."""
    if t.size == 1:
        return spla.expm_multiply(L * t[0], c0)[None, :]
    out = spla.expm_multiply(L, c0, start=t[0], stop=t[-1], num=t.size, endpoint=True)
    return np.asarray(out)


def exact_observables(
    ens: Ensemble, c0: np.ndarray | None = None, c1: np.ndarray | None = None
) -> Observables:
    r"""Per-oscillator observables from sector coefficients (leading axes allowed).

    Args:
        ens: the model.
        c0: charge-0 coefficients, shape (..., D0), or None.
        c1: charge -1 coefficients, shape (..., D1), or None. Without the U(1) symmetry
            :math:`\langle A\rangle` is read from ``c0`` (the whole space).

    Returns:
        dict with ``populations`` (..., G, d), ``s_plus_s_minus`` (..., G) real
        (:math:`\langle AA^\dagger\rangle/N^2`) and ``trace`` (...) from ``c0``, and
        ``s_plus`` (..., G) complex (:math:`\langle A\rangle/N`) from ``c1``.
    """
    ens = check_ensemble(ens)
    f = _functionals(ens)
    N, G, d = ens.N, ens.G, ens.dim
    if c1 is None and coherence_charge(ens) == 0:
        c1 = c0
    out: dict[str, np.ndarray] = {}
    if c0 is not None:
        c0 = np.asarray(c0)
        out["trace"] = np.real(c0 @ f["trace"])
        pops = [np.stack([np.real(c0 @ f[f"pop{g}{a}"]) for a in range(d)], -1) for g in range(G)]
        out["populations"] = np.stack(pops, -2) / N
        out["s_plus_s_minus"] = np.stack([np.real(c0 @ f[f"spsm{g}"]) for g in range(G)], -1) / N**2
    if c1 is not None:
        c1 = np.asarray(c1)
        out["s_plus"] = np.stack([c1 @ f[f"sp{g}"] for g in range(G)], -1) / N
    return Observables("ExactObservables", out)


def exact_evolve(
    ens: Ensemble, rho0: ArrayLike, times: ArrayLike, *, max_memory: float | None = None
) -> Observables:
    r"""Exact evolution of the ensemble from the product state :math:`\otimes\rho_0^{\otimes N}`.

    Args:
        ens: the model.
        rho0: single-site density matrix, shape (d, d) or (G, d, d) (one per group).
            A coherent (phase-broken) state such as the mean-field limit cycle
            gives a non-zero :math:`\langle A\rangle`.
        times: uniform time grid starting at t >= 0, shape (T,).
        max_memory: bytes allowed for building a Liouvillian (see
            :func:`~qsynchro.equations.permutation.permutation_liouvillian`).

    Returns:
        dict with ``times`` (T,), ``s_plus`` (T, G) complex, ``populations``
        (T, G, d), ``s_plus_s_minus`` (T, G), ``trace`` (T,).
    """
    ens = check_ensemble(ens)
    rhos = initial_rhos(ens, rho0)
    t = check_times(times)
    units = units_of(ens)
    c = {}
    for q in {0, coherence_charge(ens)}:
        L = _liouvillian(ens, q, max_memory)
        c[q] = _evolve_vector(L, product_state(ens.N, rhos, q, units=units), t)
    return exact_observables(ens, c[0], c.get(-1)).with_fields(times=t)


_DIRECT_MAX = 4000  # sector dimension up to which sparse LU (RCM ordering) is used


def _rcm_lu(A: sp.spmatrix) -> tuple[Any, np.ndarray]:
    """Sparse LU of ``A`` in reverse Cuthill-McKee order (far less fill than COLAMD here)."""
    A = sp.csr_matrix(A)
    p = reverse_cuthill_mckee((abs(A) + abs(A.T)).tocsr(), symmetric_mode=True)
    return spla.splu(A[p][:, p].tocsc(), permc_spec="NATURAL"), p


def _propagator_eigs(
    L: sp.csr_matrix, k: int, tau: float, v0: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    r"""Dominant eigenpairs of :math:`e^{\mathcal{L}\tau}` (the slowest modes of L) by Arnoldi.

    Each Arnoldi step is one ``expm_multiply``; returns ``(lambda, vectors)`` with
    :math:`\lambda = \log(\mu)/\tau` sorted by decreasing real part.
    """
    D = L.shape[0]
    op = spla.LinearOperator(
        (D, D), matvec=lambda v: spla.expm_multiply(L * tau, v), dtype=np.complex128
    )
    mu, vec = spla.eigs(op, k=k, which="LM", v0=v0, tol=1e-12, ncv=min(D - 1, max(2 * k + 8, 20)))
    lam = np.log(mu) / tau
    # Rayleigh quotients remove the 2 pi / tau ambiguity of the imaginary parts
    for i in range(lam.size):
        v = vec[:, i]
        lam[i] = np.vdot(v, L @ v) / np.vdot(v, v)
    order = np.argsort(-lam.real)
    return lam[order], vec[:, order]


def exact_steady_state(ens: Ensemble, *, max_memory: float | None = None) -> np.ndarray:
    r"""Coefficients of the unique steady state in the charge-0 sector, shape (D0,).

    Small sectors (``D0 <= 4000``): sparse LU of :math:`\mathcal{L}` with the trace
    condition :math:`t\cdot c = 1` replacing one equation (reverse Cuthill-McKee
    order). Larger sectors: the dominant eigenvector of the propagator
    :math:`e^{\mathcal{L}\tau}` by Arnoldi (only matrix-vector products, so memory
    stays at the Liouvillian's), normalized by the trace. The steady state of a
    U(1)-symmetric model is phase symmetric: its charge :math:`\ne 0` sectors vanish, so
    :math:`\langle A\rangle = 0` for every finite N.

    Raises:
        ConvergenceError: if the relative residual :math:`\|\mathcal{L}c\|` exceeds 1e-8.
    """
    ens = check_ensemble(ens)
    L = _liouvillian(ens, 0, max_memory)
    tr = _functionals(ens)["trace"]
    D = L.shape[0]
    if D <= _DIRECT_MAX:
        row = int(np.argmax(tr))
        keep = sp.diags((np.arange(D) != row).astype(float))
        A = keep @ L + sp.csr_matrix((tr, (np.full(D, row), np.arange(D))), shape=L.shape)
        b = np.zeros(D, dtype=np.complex128)
        b[row] = 1.0
        lu, p = _rcm_lu(A)
        c = np.empty(D, dtype=np.complex128)
        c[p] = lu.solve(b[p])
    else:
        mixed = np.eye(ens.dim, dtype=np.complex128) / ens.dim
        v0 = product_state(ens.N, [mixed] * ens.G, 0, units=units_of(ens))
        _, vec = _propagator_eigs(L, 1, 2.0, v0=v0)
        c = vec[:, 0] / (tr @ vec[:, 0])
    res = np.linalg.norm(L @ c) / max(1e-300, spla.norm(L, 1) * np.linalg.norm(c))
    if not np.isfinite(res) or res > 1e-8:
        raise ConvergenceError(f"Sparse steady-state solve failed (relative residual {res:.2e}).")
    return c


def _correlation_setup(
    ens: Ensemble, group: int, c_ss: np.ndarray | None, max_memory: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x0 = A^dag rho_ss (charge -1), w with <A X> = w . x, and c_ss."""
    if c_ss is None:
        c_ss = exact_steady_state(ens, max_memory=max_memory)
    Ad = ens.oscillator.coupling_operator.conj().T
    M, _ = group_operator(Space(ens.N, ens.G, 0, units_of(ens)), group, left(Ad))
    x0 = M @ c_ss
    w = _functionals(ens)[f"sp{group}"]
    return x0, w, c_ss


def exact_correlation(
    ens: Ensemble,
    times: ArrayLike,
    *,
    group: int = 0,
    c_ss: np.ndarray | None = None,
    max_memory: float | None = None,
) -> np.ndarray:
    r"""Steady-state :math:`g(t) = \langle A_\sigma(t)A^\dagger_\sigma(0)\rangle / N^2`, (T,).

    Quantum regression: :math:`g(t) = \mathrm{Tr}[A e^{\mathcal{L}t}(A^\dagger\rho_{ss})]`,
    evolved in the charge -1 sector. ``group`` selects :math:`\sigma` (0 = A).
    """
    ens = check_ensemble(ens)
    group = check_int("group", group, minimum=0, maximum=ens.G - 1)
    t = check_times(times)
    x0, w, _ = _correlation_setup(ens, group, c_ss, max_memory)
    x = _evolve_vector(_liouvillian(ens, coherence_charge(ens), max_memory), x0, t)
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

    With :math:`g` normalized by :math:`N^2` as in :func:`exact_correlation` (minus its
    limit :math:`|\langle A\rangle|^2/N^2` for a model without U(1) symmetry);
    computed exactly from the resolvent, one sparse LU per frequency (practical for
    sectors up to a few thousand states).
    """
    ens = check_ensemble(ens)
    group = check_int("group", group, minimum=0, maximum=ens.G - 1)
    w_ = np.asarray(check_finite("omegas", omegas), dtype=np.float64).ravel()
    x0, w, c_ss = _correlation_setup(ens, group, c_ss, max_memory)
    L = _liouvillian(ens, coherence_charge(ens), max_memory)
    if coherence_charge(ens) == 0:
        # remove the steady-state (coherent) part of A^dag rho and border L with the
        # steady state and the trace: [[L + i w, c_ss], [t^T, 0]] is regular at every w
        # and its solution has t . y = 0 (L alone is singular at w = 0)
        tr = _functionals(ens)["trace"]
        x0 = np.append(x0 - c_ss * (tr @ x0) / (tr @ c_ss), 0.0)
        w = np.append(w, 0.0)
        L = sp.bmat([[L, sp.csr_matrix(c_ss[:, None])], [sp.csr_matrix(tr[None, :]), None]])
        shift = sp.diags(np.append(np.ones(L.shape[0] - 1), 0.0)).astype(np.complex128)
    else:
        shift = sp.identity(L.shape[0], dtype=np.complex128, format="csr")
    out = np.empty(w_.size)
    for i, om in enumerate(w_):
        lu, p = _rcm_lu(L + 1j * om * shift)
        y = np.empty(L.shape[0], dtype=np.complex128)
        y[p] = lu.solve(np.ascontiguousarray(x0[p]))
        out[i] = 2.0 * np.real(-(w @ y))
    return out / ens.N**2


def exact_decay_rate(
    ens: Ensemble, *, k: int = 4, tau: float = 2.0, max_memory: float | None = None
) -> complex:
    r"""Slowest Liouvillian eigenvalue :math:`\lambda` of the charge -1 sector.

    :math:`\Gamma = -\mathrm{Re}\lambda` is the coherence decay rate (lifetime
    :math:`\tau_c = 1/\Gamma`, spectral FWHM :math:`2\Gamma` of the line of
    :math:`\langle A(t)A^\dagger(0)\rangle`) and :math:`\mathrm{Im}\lambda` the
    oscillation frequency of :math:`\langle A\rangle` in the rotating frame.
    Dense eigenvalues for ``D <= 300``, otherwise Arnoldi on the propagator
    :math:`e^{\mathcal{L}\tau}` (``k`` dominant modes, step ``tau``). Without the U(1)
    symmetry the steady state's eigenvalue 0 is skipped.
    """
    ens = check_ensemble(ens)
    k = check_int("k", k, minimum=1)
    tau = float(check_finite("tau", tau))
    whole = coherence_charge(ens) == 0
    L = _liouvillian(ens, coherence_charge(ens), max_memory)
    D = L.shape[0]
    if D <= 300:
        ev = np.linalg.eigvals(L.toarray())
    else:
        ev, _ = _propagator_eigs(L, min(k + whole, D - 2), tau)
    if whole:
        ev = np.delete(ev, np.argmin(np.abs(ev)))
    return complex(ev[np.argmax(ev.real)])
