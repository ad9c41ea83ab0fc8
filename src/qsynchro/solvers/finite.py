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
from scipy.sparse.csgraph import reverse_cuthill_mckee

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
    if r.shape == (3, 3):
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
    stays at the Liouvillian's), normalized by the trace. The steady state of
    Eq. (1) is phase symmetric: its charge :math:`\ne 0` sectors vanish, so
    :math:`\langle S^+\rangle = 0` for every finite N.

    Raises:
        ConvergenceError: if the relative residual :math:`\|\mathcal{L}c\|` exceeds 1e-8.
    """
    ens = _check_ensemble(ens)
    L = _liouvillian(ens, 0, max_memory)
    tr = _functionals(ens.N, ens.G)["trace"]
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
        v0 = product_state(ens.N, [np.diag([0.25, 0.5, 0.25]).astype(complex)] * ens.G, 0)
        _, vec = _propagator_eigs(L, 1, 2.0, v0=v0)
        c = vec[:, 0] / (tr @ vec[:, 0])
    res = np.linalg.norm(L @ c) / max(1e-300, spla.norm(L, 1) * np.linalg.norm(c))
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
    computed exactly from the resolvent, one sparse LU per frequency (practical for
    sectors up to a few thousand states, N <= 10).
    """
    ens = _check_ensemble(ens)
    group = check_int("group", group, minimum=0, maximum=ens.G - 1)
    w_ = np.asarray(check_finite("omegas", omegas), dtype=np.float64).ravel()
    x0, w = _correlation_setup(ens, group, c_ss, max_memory)
    L = _liouvillian(ens, -1, max_memory)
    eye = sp.identity(L.shape[0], dtype=np.complex128, format="csr")
    out = np.empty(w_.size)
    for i, om in enumerate(w_):
        lu, p = _rcm_lu(L + 1j * om * eye)
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
    :math:`\langle S^+(t)S^-(0)\rangle`) and :math:`\mathrm{Im}\lambda` the
    oscillation frequency of :math:`\langle S^+\rangle` in the rotating frame of Eq. (1).
    Dense eigenvalues for ``D <= 300``, otherwise Arnoldi on the propagator
    :math:`e^{\mathcal{L}\tau}` (``k`` dominant modes, step ``tau``).
    """
    ens = _check_ensemble(ens)
    k = check_int("k", k, minimum=1)
    tau = float(check_finite("tau", tau))
    L = _liouvillian(ens, -1, max_memory)
    D = L.shape[0]
    if D <= 300:
        ev = np.linalg.eigvals(L.toarray())
    else:
        ev, _ = _propagator_eigs(L, min(k, D - 2), tau)
    return complex(ev[np.argmax(ev.real)])


# ============================================================================ cumulants
def _charges(G: int) -> np.ndarray:
    """U(1) charge of every packed cumulant variable, shape (9G + 81G^2,)."""
    q1 = np.subtract.outer(np.arange(3), np.arange(3))
    a = np.arange(3)
    q_ket = (a[:, None] + a[None, :]).reshape(9)
    q2 = np.subtract.outer(q_ket, q_ket)
    return np.concatenate([np.tile(q1.ravel(), G), np.tile(q2.ravel(), G * G)])


def _check_N(N: float | None, ens: Ensemble) -> float:
    if N is None:
        return float(ens.N)
    val = float(check_finite("N", N)) if not (isinstance(N, float) and np.isinf(N)) else N
    if not val >= 1:
        raise ValueError(f"Argument `N` must be at least 1 (or inf), but got {N!r}.")
    return val


def cumulant_evolve(
    ens: Ensemble,
    rho0: ArrayLike,
    times: ArrayLike,
    *,
    N: float | None = None,
    rtol: float = 1e-10,
    atol: float = 1e-12,
) -> dict[str, np.ndarray]:
    r"""Second-order cumulant evolution from the product state :math:`\rho_0^{\otimes N}`.

    Args:
        ens: the model.
        rho0: single-site density matrix, shape (3, 3) or (G, 3, 3).
        times: increasing output times starting at t >= 0, shape (T,).
        N: oscillators per group (default ``ens.N``; any real >= 1 or ``inf``).
        rtol: relative tolerance of the DOP853 integrator.
        atol: absolute tolerance of the DOP853 integrator.

    Returns:
        dict with ``times`` (T,), ``s_plus`` (T, G) complex (:math:`\langle S^+\rangle/N`),
        ``populations`` (T, G, 3), ``s_plus_s_minus`` (T, G)
        (:math:`\langle S^+S^-\rangle/N^2` including the one-site term) and ``x`` (T, n).
    """
    from scipy.integrate import solve_ivp

    from qsynchro.equations.cumulant import cumulant_rhs, product_variables

    ens = _check_ensemble(ens)
    rhos = np.stack(_initial_rhos(ens, rho0))
    t = np.asarray(check_finite("times", times), dtype=np.float64)
    if t.ndim != 1 or t.size < 1 or t[0] < 0 or np.any(np.diff(t) <= 0):
        raise ValueError("Argument `times` must be an increasing 1-D array starting at t >= 0.")
    Nv = _check_N(N, ens)
    x0 = product_variables(rhos)
    if t[0] > 0 or t.size > 1:
        sol = solve_ivp(
            lambda _t, y: cumulant_rhs(y, ens, N=Nv),
            (0.0, float(t[-1])),
            x0,
            method="DOP853",
            t_eval=t,
            rtol=rtol,
            atol=atol,
        )
        if not sol.success:
            raise ConvergenceError(f"Cumulant integration failed: {sol.message}")
        xs = sol.y.T
    else:
        xs = x0[None, :]
    out = cumulant_observables(ens, xs, N=Nv)
    out["times"] = t
    out["x"] = xs
    return out


def cumulant_observables(
    ens: Ensemble, x: np.ndarray, *, N: float | None = None
) -> dict[str, np.ndarray]:
    r"""Per-oscillator observables from packed cumulant variables ``x`` (..., n).

    :math:`\langle S^+S^-\rangle/N^2 = \langle S^+S^-\rangle_1/N
    + (1 - 1/N)\,\mathrm{Tr}[(S^+\otimes S^-)\rho_2^{\sigma\sigma}]`.
    """
    from qsynchro.equations.cumulant import unpack

    Nv = _check_N(N, ens)
    invN = 0.0 if np.isinf(Nv) else 1.0 / Nv
    G = ens.G
    x = np.asarray(x)
    lead = x.shape[:-1]
    xf = x.reshape(-1, x.shape[-1])
    Sp, Sm = spin_plus(2), spin_minus(2)
    pm2 = np.kron(Sp, Sm)
    sp_, pops, spsm = [], [], []
    for xi in xf:
        r1, r2 = unpack(xi, G)
        sp_.append([np.trace(Sp @ r1[g]) for g in range(G)])
        pops.append([np.real(np.diag(r1[g])) for g in range(G)])
        spsm.append(
            [
                np.real(invN * np.trace(Sp @ Sm @ r1[g]) + (1 - invN) * np.trace(pm2 @ r2[g, g]))
                for g in range(G)
            ]
        )
    return {
        "s_plus": np.asarray(sp_).reshape(*lead, G),
        "populations": np.asarray(pops).reshape(*lead, G, 3),
        "s_plus_s_minus": np.asarray(spsm).reshape(*lead, G),
    }


def cumulant_steady_state(
    ens: Ensemble, *, N: float | None = None, t_relax: float = 60.0, tol: float = 1e-10
) -> np.ndarray:
    r"""Phase-symmetric steady state of the cumulant equations (packed ``x``, shape (n,)).

    Integrates from the product state of :math:`\mathrm{diag}(0.25, 0.5, 0.25)` (zero
    charge, so :math:`\langle S^+\rangle = 0` throughout, as for the exact steady state)
    to ``t_relax``, then polishes with minimum-norm Newton steps.

    Raises:
        ConvergenceError: if :math:`\|F(x)\|` stays above ``tol``.
    """
    from qsynchro.equations.cumulant import cumulant_jacobian, cumulant_rhs

    ens = _check_ensemble(ens)
    Nv = _check_N(N, ens)
    x = cumulant_evolve(
        ens, np.diag([0.25, 0.5, 0.25]), [0.0, t_relax], N=Nv, rtol=1e-9, atol=1e-11
    )["x"][-1]
    for _ in range(20):
        F = cumulant_rhs(x, ens, N=Nv)
        if np.linalg.norm(F) < 1e-3 * tol:  # polish well below the acceptance level
            break
        J = cumulant_jacobian(x, ens, N=Nv)
        x = x + np.linalg.lstsq(J, -F, rcond=1e-12)[0]
    res = np.linalg.norm(cumulant_rhs(x, ens, N=Nv))
    if not res < tol:
        raise ConvergenceError(
            f"Cumulant steady state not reached (|F| = {res:.2e} > {tol:g}); the "
            "phase-symmetric solution may be unstable or t_relax too short."
        )
    return x


def _cumulant_regression(
    ens: Ensemble, x_ss: np.ndarray, group: int, N: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Charge -1 block of the Jacobian, initial vector of :math:`S^-\rho_{ss}` and the
    functional ``w`` with :math:`g = w\cdot\delta` (quantum regression, linearized closure)."""
    from qsynchro.equations.cumulant import cumulant_jacobian, pack, unpack

    G = ens.G
    Sp, Sm = spin_plus(2), spin_minus(2)
    I3 = np.eye(3)
    r1, r2 = unpack(x_ss, G)
    corr = r2 - np.einsum("sab,tcd->stacbd", r1, r1).reshape(G, G, 9, 9)
    tr2 = lambda X: np.einsum("acbc->ab", X.reshape(3, 3, 3, 3))  # noqa: E731
    Ym = np.array([[tr2(corr[s, t] @ np.kron(I3, Sm)) for t in range(G)] for s in range(G)])
    sm = np.array([np.trace(Sm @ r1[g]) for g in range(G)])
    s = group
    c1 = np.empty_like(r1)
    for v in range(G):
        c1[v] = (v == s) * (Sm @ r1[v]) + (N - (v == s)) * tr2(np.kron(I3, Sm) @ r2[v, s])
    c2 = np.empty_like(r2)
    for v in range(G):
        for k in range(G):
            X = sm[s] * r2[v, k] + np.kron(Ym[v, s], r1[k]) + np.kron(r1[v], Ym[k, s])
            c2[v, k] = (
                (v == s) * (np.kron(Sm, I3) @ r2[v, k])
                + (k == s) * (np.kron(I3, Sm) @ r2[v, k])
                + (N - (v == s) - (k == s)) * X
            )
    d0 = pack(c1, c2)
    sel = _charges(G) == -1
    J = cumulant_jacobian(x_ss, ens, N=N)[np.ix_(sel, sel)]
    w = np.zeros(x_ss.size, dtype=np.complex128)
    w[9 * s : 9 * s + 9] = Sp.T.reshape(9) / N  # Tr[S^+ c1^s] / N
    return J, d0[sel], w[sel]


def cumulant_correlation(
    ens: Ensemble,
    times: ArrayLike,
    *,
    group: int = 0,
    N: float | None = None,
    x_ss: np.ndarray | None = None,
) -> np.ndarray:
    r"""Steady-state :math:`\langle S^+(t)S^-(0)\rangle/N^2` from the cumulant equations, (T,).

    Quantum regression with the closure linearized around the steady state: the
    reduced one- and two-site parts of :math:`S^-\rho_{ss}` evolve with the
    Jacobian of :func:`~qsynchro.equations.cumulant.cumulant_rhs` (charge -1 block).
    """
    import scipy.linalg

    ens = _check_ensemble(ens)
    group = check_int("group", group, minimum=0, maximum=ens.G - 1)
    t = _check_times(times)
    Nv = _check_N(N, ens)
    if np.isinf(Nv):
        raise ValueError("Argument `N` must be finite for a correlation function, but got inf.")
    if x_ss is None:
        x_ss = cumulant_steady_state(ens, N=Nv)
    J, d0, w = _cumulant_regression(ens, x_ss, group, Nv)
    d = scipy.linalg.expm(J * t[0]) @ d0
    step = scipy.linalg.expm(J * (t[1] - t[0])) if t.size > 1 else None
    out = np.empty(t.size, dtype=np.complex128)
    for i in range(t.size):
        out[i] = w @ d
        if step is not None:
            d = step @ d
    return out


def cumulant_spectrum(
    ens: Ensemble,
    omegas: ArrayLike,
    *,
    group: int = 0,
    N: float | None = None,
    x_ss: np.ndarray | None = None,
) -> np.ndarray:
    r"""Spectrum :math:`2\mathrm{Re}\int_0^\infty e^{i\omega t}g(t)dt` of the cumulant
    correlation (resolvent of the charge -1 Jacobian block), shape (W,)."""
    ens = _check_ensemble(ens)
    group = check_int("group", group, minimum=0, maximum=ens.G - 1)
    om = np.asarray(check_finite("omegas", omegas), dtype=np.float64).ravel()
    Nv = _check_N(N, ens)
    if x_ss is None:
        x_ss = cumulant_steady_state(ens, N=Nv)
    J, d0, w = _cumulant_regression(ens, x_ss, group, Nv)
    eye = np.eye(J.shape[0])
    return np.array([2.0 * np.real(-(w @ np.linalg.solve(J + 1j * o * eye, d0))) for o in om])


def cumulant_decay_rate(
    ens: Ensemble,
    *,
    group: int = 0,
    N: float | None = None,
    x_ss: np.ndarray | None = None,
    weighted: bool = True,
) -> complex:
    r"""Slowest pole :math:`\lambda` of the cumulant charge -1 dynamics.

    Eigen-decomposition of the charge -1 Jacobian block. With ``weighted=True`` only
    modes that contribute to :math:`\langle S^+(t)S^-(0)\rangle` (weight above 1e-8 of
    the largest) are considered; with ``weighted=False`` every mode of the block is
    (the linearized variables are over-complete, so at small N this includes
    unphysical modes, e.g. -0.25 + 0.2i at N = 2). :math:`-1/\mathrm{Re}\lambda` is
    a lifetime.

    Caveat (docs/finite_size.md): above :math:`V_c` the slow phase-diffusion pole
    (lifetime ~ N) exists in the block but its weight in :math:`g(t)` is ~1e-10, so
    the weighted choice does not see it.
    """
    ens = _check_ensemble(ens)
    Nv = _check_N(N, ens)
    if x_ss is None:
        x_ss = cumulant_steady_state(ens, N=Nv)
    J, d0, w = _cumulant_regression(ens, x_ss, group, Nv)
    lam, R = np.linalg.eig(J)
    if weighted:
        amp = (w @ R) * np.linalg.solve(R, d0)
        lam = lam[np.abs(amp) > 1e-8 * np.max(np.abs(amp))]
    return complex(lam[np.argmax(lam.real)])
