r"""Finite-N solvers from the second-order cumulant equations (any oscillator).

The equations are in :mod:`qsynchro.equations.cumulant`; the variables are the one- and
two-site reduced density matrices of every group. Two-time correlations
:math:`\langle A(t)A^\dagger(0)\rangle` use the quantum regression theorem with the
closure linearized around the steady state (A the coupling operator, :math:`S^+` for
spin-1). Observables are per oscillator as in :mod:`qsynchro.solvers.finite`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from qsynchro._checks import ConvergenceError, check_finite, check_int
from qsynchro.equations.cumulant import (
    cumulant_jacobian,
    cumulant_rhs,
    pack,
    product_variables,
    unpack,
)
from qsynchro.models.ensemble import Ensemble
from qsynchro.solvers._finite_common import (
    Observables,
    check_ensemble,
    check_times,
    initial_rhos,
    level_charges,
)

__all__ = [
    "cumulant_correlation",
    "cumulant_decay_rate",
    "cumulant_evolve",
    "cumulant_observables",
    "cumulant_spectrum",
    "cumulant_steady_state",
]


def _charges(ens: Ensemble) -> np.ndarray:
    """U(1) charge of every packed cumulant variable, shape (G d^2 + G^2 d^4,)."""
    q, G = level_charges(ens), ens.G
    q1 = np.subtract.outer(q, q)
    q_ket = np.add.outer(q, q).reshape(-1)
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
) -> Observables:
    r"""Second-order cumulant evolution from the product state :math:`\rho_0^{\otimes N}`.

    Args:
        ens: the model.
        rho0: single-site density matrix, shape (d, d) or (G, d, d).
        times: increasing output times starting at t >= 0, shape (T,).
        N: oscillators per group (default ``ens.N``; any real >= 1 or ``inf``).
        rtol: relative tolerance of the DOP853 integrator.
        atol: absolute tolerance of the DOP853 integrator.

    Returns:
        dict with ``times`` (T,), ``s_plus`` (T, G) complex (:math:`\langle A\rangle/N`),
        ``populations`` (T, G, d), ``s_plus_s_minus`` (T, G)
        (:math:`\langle AA^\dagger\rangle/N^2` including the one-site term) and ``x`` (T, n).
    """
    from scipy.integrate import solve_ivp

    ens = check_ensemble(ens)
    rhos = np.stack(initial_rhos(ens, rho0))
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
    return cumulant_observables(ens, xs, N=Nv).with_fields(times=t, x=xs)


def cumulant_observables(ens: Ensemble, x: np.ndarray, *, N: float | None = None) -> Observables:
    r"""Per-oscillator observables from packed cumulant variables ``x`` (..., n).

    ``s_plus`` :math:`= \langle A\rangle/N`, ``populations`` (..., G, d) and
    :math:`\langle AA^\dagger\rangle/N^2 = \langle AA^\dagger\rangle_1/N
    + (1 - 1/N)\,\mathrm{Tr}[(A\otimes A^\dagger)\rho_2^{\sigma\sigma}]` (``s_plus_s_minus``).
    """
    Nv = _check_N(N, ens)
    invN = 0.0 if np.isinf(Nv) else 1.0 / Nv
    G, d = ens.G, ens.dim
    x = np.asarray(x)
    lead = x.shape[:-1]
    xf = x.reshape(-1, x.shape[-1])
    A = ens.oscillator.coupling_operator
    Ad = A.conj().T
    pm2 = np.kron(A, Ad)
    sp_, pops, spsm = [], [], []
    for xi in xf:
        r1, r2 = unpack(xi, G)
        sp_.append([np.trace(A @ r1[g]) for g in range(G)])
        pops.append([np.real(np.diag(r1[g])) for g in range(G)])
        spsm.append(
            [
                np.real(invN * np.trace(A @ Ad @ r1[g]) + (1 - invN) * np.trace(pm2 @ r2[g, g]))
                for g in range(G)
            ]
        )
    return Observables(
        "CumulantObservables",
        {
            "s_plus": np.asarray(sp_).reshape(*lead, G),
            "populations": np.asarray(pops).reshape(*lead, G, d),
            "s_plus_s_minus": np.asarray(spsm).reshape(*lead, G),
        },
    )


def _start_state(ens: Ensemble) -> np.ndarray:
    """A charge-0 start for the relaxation: diag(1/4, 1/2, 1/4) for spin-1, else 1/d."""
    if ens.dim == 3:
        return np.diag([0.25, 0.5, 0.25])
    return np.eye(ens.dim) / ens.dim


def cumulant_steady_state(
    ens: Ensemble, *, N: float | None = None, t_relax: float = 60.0, tol: float = 1e-10
) -> np.ndarray:
    r"""Steady state of the cumulant equations (packed ``x``, shape (n,)).

    Integrates from the product state of a diagonal (zero-charge) state,
    :math:`\mathrm{diag}(1/4, 1/2, 1/4)` for d = 3 and :math:`1/d` otherwise, to
    ``t_relax``, then polishes with minimum-norm Newton steps. For a U(1)-symmetric model
    the charge stays zero, so :math:`\langle A\rangle = 0` throughout (the phase-symmetric
    state, as for the exact steady state).

    Raises:
        ConvergenceError: if :math:`\|F(x)\|` stays above ``tol``.
    """
    ens = check_ensemble(ens)
    Nv = _check_N(N, ens)
    x = cumulant_evolve(ens, _start_state(ens), [0.0, t_relax], N=Nv, rtol=1e-9, atol=1e-11)["x"][
        -1
    ]
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
    r"""Charge -1 block of the Jacobian (all of it without U(1)), the initial vector of
    :math:`A^\dagger\rho_{ss}` and the functional ``w`` with :math:`g = w\cdot\delta`
    (quantum regression, linearized closure)."""
    G, d = ens.G, ens.dim
    A = ens.oscillator.coupling_operator
    Ad = A.conj().T
    eye = np.eye(d)
    r1, r2 = unpack(x_ss, G)
    corr = r2 - np.einsum("sab,tcd->stacbd", r1, r1).reshape(G, G, d * d, d * d)
    tr2 = lambda X: np.einsum("acbc->ab", X.reshape(d, d, d, d))  # noqa: E731
    Ym = np.array([[tr2(corr[s, t] @ np.kron(eye, Ad)) for t in range(G)] for s in range(G)])
    sm = np.array([np.trace(Ad @ r1[g]) for g in range(G)])
    s = group
    c1 = np.empty_like(r1)
    for v in range(G):
        c1[v] = (v == s) * (Ad @ r1[v]) + (N - (v == s)) * tr2(np.kron(eye, Ad) @ r2[v, s])
    c2 = np.empty_like(r2)
    for v in range(G):
        for k in range(G):
            X = sm[s] * r2[v, k] + np.kron(Ym[v, s], r1[k]) + np.kron(r1[v], Ym[k, s])
            c2[v, k] = (
                (v == s) * (np.kron(Ad, eye) @ r2[v, k])
                + (k == s) * (np.kron(eye, Ad) @ r2[v, k])
                + (N - (v == s) - (k == s)) * X
            )
    d0 = pack(c1, c2)
    sel = _charges(ens) == (-1 if ens.u1_symmetric else 0)
    J = cumulant_jacobian(x_ss, ens, N=N)[np.ix_(sel, sel)]
    w = np.zeros(x_ss.size, dtype=np.complex128)
    w[d * d * s : d * d * (s + 1)] = A.T.reshape(d * d) / N  # Tr[A c1^s] / N
    return J, d0[sel], w[sel]


def _modes(J: np.ndarray, d0: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues of J and the amplitude of each mode in g(t) = w . exp(J t) d0."""
    lam, R = np.linalg.eig(J)
    return lam, (w @ R) * np.linalg.solve(R, d0)


def cumulant_correlation(
    ens: Ensemble,
    times: ArrayLike,
    *,
    group: int = 0,
    N: float | None = None,
    x_ss: np.ndarray | None = None,
) -> np.ndarray:
    r"""Steady-state :math:`\langle A(t)A^\dagger(0)\rangle/N^2` from the cumulant equations, (T,).

    Quantum regression with the closure linearized around the steady state: the
    reduced one- and two-site parts of :math:`A^\dagger\rho_{ss}` evolve with the
    Jacobian of :func:`~qsynchro.equations.cumulant.cumulant_rhs` (charge -1 block).
    """
    import scipy.linalg

    ens = check_ensemble(ens)
    group = check_int("group", group, minimum=0, maximum=ens.G - 1)
    t = check_times(times)
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
    correlation (resolvent of the charge -1 Jacobian block), shape (W,).

    Without U(1) symmetry the modes with eigenvalue 0 (the coherent part
    :math:`g(\infty)`) are left out, as in :func:`~qsynchro.solvers.finite.exact_spectrum`.
    """
    ens = check_ensemble(ens)
    group = check_int("group", group, minimum=0, maximum=ens.G - 1)
    om = np.asarray(check_finite("omegas", omegas), dtype=np.float64).ravel()
    Nv = _check_N(N, ens)
    if x_ss is None:
        x_ss = cumulant_steady_state(ens, N=Nv)
    J, d0, w = _cumulant_regression(ens, x_ss, group, Nv)
    if not ens.u1_symmetric:
        lam, amp = _modes(J, d0, w)
        keep = np.abs(lam) > _ZERO * max(1.0, np.max(np.abs(lam)))
        lam, amp = lam[keep], amp[keep]
        return np.array([2.0 * np.real(np.sum(-amp / (lam + 1j * o))) for o in om])
    eye = np.eye(J.shape[0])
    return np.array([2.0 * np.real(-(w @ np.linalg.solve(J + 1j * o * eye, d0))) for o in om])


_ZERO = 1e-9  # |lambda| below this (relative) is a steady-state (zero) mode


def cumulant_decay_rate(
    ens: Ensemble,
    *,
    group: int = 0,
    N: float | None = None,
    x_ss: np.ndarray | None = None,
    weighted: bool = True,
) -> complex:
    r"""Slowest pole :math:`\lambda` of the cumulant charge -1 dynamics.

    Eigen-decomposition of the charge -1 Jacobian block (the whole Jacobian without U(1)
    symmetry, zero modes skipped). With ``weighted=True`` only modes that contribute to
    :math:`\langle A(t)A^\dagger(0)\rangle` (weight above 1e-8 of the largest) are
    considered; with ``weighted=False`` every mode of the block is (the linearized
    variables are over-complete, so at small N this includes unphysical modes, e.g.
    -0.25 + 0.2i at N = 2 for spin-1). :math:`-1/\mathrm{Re}\lambda` is a lifetime.

    Caveat (docs/finite_size.md): above :math:`V_c` the slow phase-diffusion pole
    (lifetime ~ N) exists in the block but its weight in :math:`g(t)` is ~1e-10, so
    the weighted choice does not see it.
    """
    ens = check_ensemble(ens)
    Nv = _check_N(N, ens)
    if x_ss is None:
        x_ss = cumulant_steady_state(ens, N=Nv)
    J, d0, w = _cumulant_regression(ens, x_ss, group, Nv)
    lam, amp = _modes(J, d0, w)
    if not ens.u1_symmetric:
        keep = np.abs(lam) > _ZERO * max(1.0, np.max(np.abs(lam)))
        lam, amp = lam[keep], amp[keep]
    if weighted:
        lam = lam[np.abs(amp) > 1e-8 * np.max(np.abs(amp))]
    return complex(lam[np.argmax(lam.real)])
