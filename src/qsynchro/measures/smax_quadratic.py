r"""S_max of any density matrix: local optimum, SDP dual bound, branch and bound.

The generic route of :func:`qsynchro.measures.smax.s_max` (see that module for the
definitions, Eq. 4 of Murtadho et al.). The result type :class:`SMaxResult` and the
log-space helpers live in :mod:`qsynchro.measures.smax_result` (re-exported here).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qsynchro.measures.smax_result import SMaxResult, _from_q, exp_upper, log_rounding

__all__ = ["SMaxResult", "exp_upper", "log_rounding", "s_max_from_quadratic"]

_EPS = np.finfo(np.float64).eps


def _objective_rounding(C: np.ndarray) -> float:
    """Bound on |fl(z^H C z) - max-attainable value at the exact unit phasors of z|.

    A length-D dot product twice (``C z`` then ``z^H (C z)``) and unit phasors that are
    unit only to an ulp: ``(2 D + 8) eps sum |C|``.
    """
    D = C.shape[0]
    return (2 * D + 8) * _EPS * float(np.sum(np.abs(C)))


# ----------------------------------------------------------------------------------------
# general Hermitian C: local optimizer, SDP dual bound, branch and bound
# ----------------------------------------------------------------------------------------
def _objective(C: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """z^H C z for the columns of Z (D, K) -> (K,)."""
    return np.real(np.einsum("nk,nk->k", np.conj(Z), C @ Z))


def _unit(x: np.ndarray) -> np.ndarray:
    a = np.abs(x)
    return np.where(a > 0, x / np.where(a > 0, a, 1.0), 1.0)


def _local_max(C: np.ndarray, starts: int, seed: int) -> tuple[float, np.ndarray]:
    """Best local maximum of z^H C z over unit-modulus z (lower bound)."""
    D = C.shape[0]
    w, V = np.linalg.eigh(C)
    rng = np.random.default_rng(seed)
    cols = [_unit(V[:, -1 - i]) for i in range(min(3, D))]
    cols += [np.exp(2j * np.pi * rng.random(D)) for _ in range(max(starts, 0))]
    Z = np.stack(cols, axis=1)
    sigma = max(0.0, -float(w[0])) + 1e-12 * max(1.0, float(np.max(np.abs(w))))
    Cs = C + sigma * np.eye(D)
    prev = _objective(C, Z)
    for _ in range(2000):  # shifted power iteration: monotone ascent for PSD C + sigma I
        Z = _unit(Cs @ Z)
        cur = _objective(C, Z)
        if np.all(np.abs(cur - prev) <= 1e-15 * (1.0 + np.abs(cur))):
            break
        prev = cur
    best = int(np.argmax(cur))
    z = Z[:, best]
    # quasi-Newton polish on the phases (phi_D fixed)
    from scipy.optimize import minimize

    def fun(ph: np.ndarray) -> tuple[float, np.ndarray]:
        zz = np.exp(1j * np.append(ph, 0.0))
        Cz = C @ zz
        f = float(np.real(np.vdot(zz, Cz)))
        g = 2.0 * np.imag(np.conj(zz) * Cz)
        return -f, -g[:-1]

    ph0 = np.angle(z * np.conj(z[-1]))[:-1]
    res = minimize(
        fun,
        ph0,
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 500, "gtol": 1e-14, "ftol": 1e-16},
    )
    z2 = np.exp(1j * np.append(res.x, 0.0))
    f1 = float(np.real(np.vdot(z, C @ z)))
    f2 = float(np.real(np.vdot(z2, C @ z2)))
    return (f2, z2) if f2 >= f1 else (f1, z)


def _lam_max_safe(M: np.ndarray) -> tuple[float, np.ndarray]:
    """Upper bound on lambda_max(M) (Hermitian) and its eigenvector."""
    w, V = np.linalg.eigh(M)
    D = M.shape[0]
    margin = 8.0 * D * _EPS * float(np.linalg.norm(M))
    return float(w[-1]) + margin, V[:, -1]


def _max_step(A: np.ndarray, dA: np.ndarray) -> float:
    """Largest alpha in (0, 1] with A + alpha dA positive semidefinite (A positive definite)."""
    L = np.linalg.cholesky(A)
    Li = np.linalg.inv(L)
    W = Li @ dA @ Li.conj().T
    lam_min = float(np.linalg.eigvalsh(0.5 * (W + W.conj().T))[0])
    return 1.0 if lam_min >= 0 else min(1.0, -1.0 / lam_min)


def _sdp_ipm(
    C: np.ndarray, rtol: float = 1e-11, maxiter: int = 100
) -> tuple[np.ndarray, np.ndarray]:
    """Primal-dual interior point for the SDP relaxation (Helmberg-Rendl-Vanderbei-Wolkowicz).

    Primal ``max Re tr(C X)``, ``diag X = 1``, ``X >= 0``; dual ``min sum y``,
    ``Z = Diag(y) - C >= 0``. Hermitian ``C``; the Schur complement is ``Re(Z^-1 o X^T)``.
    Returns ``(y, X)``; ``y`` is only used through the rigorous bound evaluation.
    """
    D = C.shape[0]
    e = np.ones(D)
    X = np.eye(D, dtype=np.complex128)
    shift = float(np.linalg.eigvalsh(C)[-1]) + 1.0 + float(np.max(np.sum(np.abs(C), axis=1)))
    y = np.full(D, shift)
    Z = np.diag(y) - C
    for _ in range(maxiter):
        gap = float(np.real(np.trace(Z @ X)))
        if gap <= rtol * max(1.0, abs(float(np.sum(y)))):
            break
        mu = gap / (2.0 * D)
        try:
            Zi = np.linalg.inv(Z)
            Zi = 0.5 * (Zi + Zi.conj().T)
            M = np.real(Zi * X.T)
            dy = np.linalg.solve(M, mu * np.real(np.diag(Zi)) - e)
            dX = mu * Zi - X - Zi @ (dy[:, None] * X)
            dX = 0.5 * (dX + dX.conj().T)
            ap = 0.95 * _max_step(X, dX)
            ad = 0.95 * _max_step(Z, np.diag(dy).astype(np.complex128))
        except np.linalg.LinAlgError:
            break
        X = X + ap * dX
        y = y + ad * dy
        Z = np.diag(y) - C
    return y, X


def _dual_bound(C: np.ndarray, z: np.ndarray, tol: float = 0.0) -> tuple[float, np.ndarray]:
    """min over d of D lambda_max(C - diag d) + sum d (every d is a valid certificate)."""
    D = C.shape[0]

    def g(d: np.ndarray) -> tuple[float, np.ndarray]:
        lam, v = _lam_max_safe(C - np.diag(d))
        return D * lam + float(np.sum(d)), 1.0 - D * np.abs(v) ** 2

    d0 = np.real(np.conj(z) * (C @ z))  # KKT multipliers of the best phases
    best, _ = g(d0)
    best_d = d0
    q = float(np.real(np.vdot(z, C @ z)))
    if best - q <= tol:  # the relaxation is tight at z: certified, nothing to improve
        return best, best_d
    y, _ = _sdp_ipm(C)
    val, _ = g(y)  # every d is a certificate: evaluate the IPM's dual point rigorously
    if val < best:
        best, best_d = val, y
    if best - q <= tol:
        return best, best_d
    from scipy.optimize import minimize

    for start in (best_d,):
        res = minimize(
            g,
            start,
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": 300, "gtol": 1e-13, "ftol": 1e-15},
        )
        val, _ = g(res.x)  # re-evaluate: the certificate is the final d, whatever the solver
        if val < best:
            best, best_d = val, res.x
    return best, best_d


def _box_bounds(C: np.ndarray, centers: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r"""Value at the centre and a rigorous upper bound of f over each phase box.

    ``f(phi) = z^H C z`` with ``z = exp(i (phi_1..phi_{D-1}, 0))``; box ``b`` is
    ``|phi_k - centers[b, k]| <= h[b, k]``. Taylor's theorem with the Lagrange remainder:
    :math:`f(\phi) \le f(c) + \sum_k|\partial_k f(c)|h_k + \tfrac12 h^T H h` with
    :math:`H_{kl} = 2|C_{kl}|` (k != l) and :math:`H_{kk} = 2\sum_m|C_{km}|`, which bound
    :math:`|\partial_k\partial_l f|` everywhere; plus ``64 eps (1 + sum |C|)`` for rounding.

    Args:
        C: (D, D) Hermitian with zero diagonal.
        centers, h: (B, D-1) box centres and half-widths.

    Returns:
        ``(f, bound)``, each of shape (B,).
    """
    A = np.abs(C)
    Hb = 2.0 * A.copy()
    np.fill_diagonal(Hb, 2.0 * A.sum(axis=1))
    Hb = Hb[:-1, :-1]
    Z = np.exp(1j * np.concatenate([centers, np.zeros((centers.shape[0], 1))], axis=1)).T
    CZ = C @ Z
    f = np.real(np.sum(np.conj(Z) * CZ, axis=0))
    grad = 2.0 * np.imag(np.conj(Z) * CZ)[:-1].T
    bound = f + np.sum(np.abs(grad) * h, axis=1) + 0.5 * np.einsum("bk,kl,bl->b", h, Hb, h)
    bound += 64 * _EPS * (1.0 + np.sum(A))  # rounding in f
    return f, bound


def _branch_and_bound(
    C: np.ndarray, q_lo: float, z_lo: np.ndarray, tol: float, max_boxes: int
) -> tuple[float, float, np.ndarray, bool]:
    """Global max of z^H C z over phi in [0, 2pi)^{D-1} (phi_D = 0) by branch and bound.

    Returns (lower, upper, z_best, finished).
    """
    D = C.shape[0]

    def evaluate(centers: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _box_bounds(C, centers, h)

    n0 = 4
    g1 = (np.arange(n0) + 0.5) * (2 * np.pi / n0)
    centers = np.stack(np.meshgrid(*([g1] * (D - 1)), indexing="ij"), axis=-1).reshape(-1, D - 1)
    h = np.full_like(centers, np.pi / n0)
    best, zbest = q_lo, z_lo
    pruned_max = -np.inf
    processed = 0
    while centers.shape[0]:
        f, bound = evaluate(centers, h)
        processed += centers.shape[0]
        i = int(np.argmax(f))
        if f[i] > best:
            best = float(f[i])
            zbest = np.exp(1j * np.append(centers[i], 0.0))
        keep = bound > best + tol
        if np.any(~keep):
            pruned_max = max(pruned_max, float(np.max(bound[~keep])))
        centers, h = centers[keep], h[keep]
        if processed > max_boxes and centers.shape[0]:
            return best, max(float(np.max(bound[keep])), pruned_max, best), zbest, False
        if not centers.shape[0]:
            break
        # split every live box in two along its widest side
        k = np.argmax(h, axis=1)
        rows = np.arange(centers.shape[0])
        h2 = h.copy()
        h2[rows, k] *= 0.5
        c_lo, c_hi = centers.copy(), centers.copy()
        c_lo[rows, k] -= h2[rows, k]
        c_hi[rows, k] += h2[rows, k]
        centers = np.concatenate([c_lo, c_hi])
        h = np.concatenate([h2, h2])
    return best, max(pruned_max, best), zbest, True


def s_max_from_quadratic(
    C: Any,
    *,
    starts: int = 8,
    seed: int = 0,
    rtol: float = 1e-9,
    branch_and_bound_max_dim: int = 6,
    max_boxes: int = 2_000_000,
) -> SMaxResult:
    """Certified S_max for a Hermitian matrix ``C`` with zero diagonal (coherence part).

    Args:
        C: Hermitian matrix with zero diagonal (array of shape (D, D)).
        starts: number of random starts of the local optimizer (in addition to the
            rounded top eigenvectors).
        seed: seed of the random starts.
        rtol: target gap relative to the l1 norm of ``C``.
        branch_and_bound_max_dim: largest ``D`` for which a remaining gap is closed by
            branch and bound.
        max_boxes: budget of boxes for the branch and bound.

    Returns:
        :class:`SMaxResult`.
    """
    C = np.asarray(C, dtype=np.complex128)
    D = C.shape[0]
    scale = float(np.sum(np.abs(C)))
    if D == 1 or scale == 0.0:
        return _from_q(
            D,
            0.0,
            0.0,
            np.ones(D, complex),
            "exact: the state is diagonal, S(phi) = 0 for all phases",
            "zero",
        )
    if D == 2:
        q = 2.0 * abs(C[0, 1])
        z = np.array([np.exp(1j * np.angle(C[0, 1])), 1.0])
        return _from_q(
            D, q, q, z, "exact: D = 2, max z^H C z = 2 |rho_12| in closed form", "exact-2"
        )
    tol = rtol * scale
    q_lo, z = _local_max(C, starts, seed)
    q_up, _ = _dual_bound(C, z, tol)
    method = "sdp-dual"
    cert = (
        f"SDP dual: D*lambda_max(C - diag d) + sum d with {D * 8}-eps eigenvalue margin; "
        f"lower bound from {starts + min(3, D)} starts of shifted power iteration"
    )
    if q_up - q_lo > tol and D <= branch_and_bound_max_dim:
        lo2, up2, z2, done = _branch_and_bound(C, q_lo, z, tol, max_boxes)
        if lo2 > q_lo:
            q_lo, z = lo2, z2
        if up2 < q_up:
            q_up = up2
            method = "branch-and-bound"
            cert = (
                "branch and bound over phase boxes with a second-order Taylor bound "
                f"({'complete' if done else 'budget exhausted'}); SDP dual as fallback"
            )
    return _from_q(D, q_lo, q_up, z, cert, method, lower_rounding=_objective_rounding(C))
