r"""Certified synchronization measure S_max (Eq. 4 of Murtadho et al., PRL 131, 030401).

.. math::
    S_{\max} = \max_{\phi}\frac{1}{2^{D+1}\pi^{D-2}}\sum_{n\neq m}\rho_{nm}e^{i(\phi_m-\phi_n)}
             = \frac{\max_{|z_n|=1} z^\dagger C z}{2^{D+1}\pi^{D-2}},
    \qquad C = \rho - \mathrm{diag}(\rho),\ z_n = e^{i\phi_n}.

The scaled measure is :math:`\mathbb{S}_{\max} = (2\pi)^{D-2} S_{\max} = \max z^\dagger C z/8`
(for the maser, ``D = N + 2`` and this is the paper's :math:`(2\pi)^N S_{\max}`); it is
computed directly, so it stays representable when ``value`` underflows.

Two routes, both returning a lower bound (attained by the reported phases) and a
rigorous upper bound:

* **Any density matrix** (NumPy, JAX or QuTiP): a local optimizer (shifted power
  iteration on the phases from several starts, including the rounded top eigenvectors,
  then quasi-Newton polishing) gives the lower bound. The upper bound is the dual of the
  SDP relaxation: for *every* real vector ``d``,
  :math:`\max_{|z_n|=1} z^\dagger C z \le D\,\lambda_{\max}(C-\mathrm{diag}\,d)+\sum_n d_n`
  (since :math:`z^\dagger(C-\mathrm{diag}\,d)z\le\lambda_{\max}|z|^2 = D\lambda_{\max}`). We
  start from the KKT multipliers of the best phases, :math:`d_n=\mathrm{Re}(\bar z_n(Cz)_n)`
  (for which the bound equals the value whenever the relaxation is tight), otherwise solve
  the SDP with a primal-dual interior point method (HRVW) and polish with L-BFGS; the
  eigenvalue is evaluated with a safety margin
  ``8 D eps ||M||_F`` that covers the backward error of the symmetric eigensolver. If a gap
  remains and ``D`` is small, a branch and bound over phase boxes closes it with a
  second-order Taylor bound (:math:`|\partial_k\partial_l f|\le 2|C_{kl}|`,
  :math:`|\partial_k^2 f|\le 2\sum_m|C_{km}|`). ``D = 2`` is solved in closed form.
* **The degenerate maser** (a :class:`~qsynchro.models.maser.Maser` model or its
  structured steady state): exact, see :func:`s_max_structured` and
  ``docs/murtadho2023.md``. The dense D x D matrix is never formed.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from qsynchro._checks import check_density_matrix, check_finite, check_int, check_nonnegative

__all__ = [
    "SMaxResult",
    "exp_upper",
    "log_rounding",
    "s_max",
    "s_max_from_quadratic",
    "s_max_structured",
    "structured_max",
    "structured_rounding",
    "structured_state_margin",
]

_EPS = np.finfo(np.float64).eps
_LOG_2PI = math.log(2.0 * math.pi)


@dataclass(frozen=True)
class SMaxResult:
    """Result of :func:`s_max`.

    Attributes:
        value: S_max of Eq. (4), paper normalization (a lower bound attained by ``phases``;
            0.0 when it underflows float64, see ``scaled``).
        scaled: :math:`(2\\pi)^{D-2}S_{\\max} = \\max z^\\dagger C z/8` (the paper's
            :math:`(2\\pi)^N S_{\\max}` for the maser, ``D = N + 2``).
        upper_bound: rigorous upper bound on S_max (same units as ``value``), rounded up
            through the log-space conversion (never 0 while the scaled bound is positive).
            For a maser model (structured route) it holds for the *exact* steady state: the
            forward error of the steady-state solve is included. For a given matrix it
            holds for that matrix.
        scaled_upper_bound: the same bound in scaled units.
        gap: ``upper_bound - value`` (>= 0).
        scaled_gap: ``scaled_upper_bound - scaled``.
        phases: optimal phases ``phi_1..phi_D`` (array of shape (D,)) in ``[0, 2 pi)``,
            the paper's reference ``phi_D = 0`` (last level). Array index ``n`` is level
            ``n`` of the matrix (for the maser: ``|0>, |1>, |2>, ..., |N+1>``).
        certificate: how ``upper_bound`` was certified (human-readable).
        method: ``"zero"``, ``"exact-2"``, ``"sdp-dual"``, ``"branch-and-bound"`` or
            ``"structured"``.
        D: Hilbert-space dimension.
        log_value: natural logarithm of S_max (``-inf`` when it is zero).
        varphi: maser only: the paper's relative phases ``varphi_{j1} = phi_j - phi_1``
            for ``j = 2..N+1`` (array of shape (N,)) in ``[0, 2 pi)``; ``None`` otherwise.
    """

    value: float
    scaled: float
    upper_bound: float
    scaled_upper_bound: float
    gap: float
    scaled_gap: float
    phases: np.ndarray
    certificate: str
    method: str
    D: int
    log_value: float
    varphi: np.ndarray | None = None


def exp_upper(log_x: Any, log_abs_error: Any) -> np.ndarray:
    """A float that is >= exp(y) for every y within ``log_abs_error`` of ``log_x``.

    Used to carry an upper bound through the log-space conversion to paper units (the
    prefactor ``(2 pi)^-N`` underflows for large N): ``exp`` is evaluated at
    ``log_x + log_abs_error`` and rounded up by two units in the last place (``exp`` is
    accurate to < 1 ulp), which also covers the subnormal range; ``-inf`` gives exactly 0.
    Broadcasting arrays in, float64 array out.
    """
    y = np.asarray(log_x, dtype=np.float64) + np.asarray(log_abs_error, dtype=np.float64)
    with np.errstate(over="ignore", under="ignore"):
        out = np.exp(y)
    up = np.nextafter(np.nextafter(out, np.inf), np.inf)
    return np.where(np.isneginf(y), 0.0, up)


def log_rounding(log_terms: Any) -> np.ndarray:
    """Bound on the absolute rounding error of a sum of a few logarithms in float64.

    ``log_terms`` is the sum of the magnitudes of the summed logarithms (e.g.
    ``|log q| + N log(2 pi)``): each log and each addition is accurate to an ulp of its
    result, so ``8 eps`` times that magnitude plus ``8 eps`` is generous.
    """
    return 8.0 * _EPS * (np.asarray(log_terms, dtype=np.float64) + 1.0)


def _objective_rounding(C: np.ndarray) -> float:
    """Bound on |fl(z^H C z) - max-attainable value at the exact unit phasors of z|.

    A length-D dot product twice (``C z`` then ``z^H (C z)``) and unit phasors that are
    unit only to an ulp: ``(2 D + 8) eps sum |C|``.
    """
    D = C.shape[0]
    return (2 * D + 8) * _EPS * float(np.sum(np.abs(C)))


def _from_q(
    D: int,
    q_lo: float,
    q_up: float,
    z: np.ndarray,
    certificate: str,
    method: str,
    varphi: np.ndarray | None = None,
    lower_rounding: float = 0.0,
) -> SMaxResult:
    """Build the result from max z^H C z bounds (q_lo attained by z).

    ``lower_rounding`` bounds the rounding of ``q_lo`` (the value at the phases ``z``). A
    valid upper bound satisfies ``q_up >= q_lo - lower_rounding``; a smaller one proves
    that the certificate is wrong, and raises instead of being hidden by the clamp
    ``q_up = max(q_up, q_lo)`` (which keeps a valid bound valid).
    """
    q_lo = max(float(q_lo), 0.0)
    q_up = float(q_up)
    if not q_up >= q_lo - lower_rounding:
        raise RuntimeError(
            f"internal error: the certified upper bound {q_up!r} is below the value "
            f"{q_lo!r} attained by the phases (allowance {lower_rounding:.3g}); "
            f"certificate: {certificate}"
        )
    q_up = max(q_up, q_lo)
    log_pref = -(D + 1) * math.log(2.0) - (D - 2) * math.log(math.pi)
    log_value = math.log(q_lo) + log_pref if q_lo > 0 else -math.inf
    value = math.exp(log_value) if q_lo > 0 else 0.0
    if q_up > 0:
        log_up = math.log(q_up) + log_pref
        upper = float(exp_upper(log_up, log_rounding(abs(math.log(q_up)) + abs(log_pref))))
    else:
        upper = 0.0
    z = z * np.conj(z[-1]) / abs(z[-1]) if abs(z[-1]) > 0 else z
    phases = np.mod(np.angle(z), 2 * np.pi)
    phases[-1] = 0.0
    return SMaxResult(
        value=value,
        scaled=q_lo / 8.0,
        upper_bound=upper,
        scaled_upper_bound=q_up / 8.0,
        gap=max(upper - value, 0.0),
        scaled_gap=(q_up - q_lo) / 8.0,
        phases=phases,
        certificate=certificate,
        method=method,
        D=D,
        log_value=log_value,
        varphi=varphi,
    )


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


# ----------------------------------------------------------------------------------------
# the degenerate maser: exact reduction
# ----------------------------------------------------------------------------------------
def _triangle_angle(R: float, l1: float, l2: float) -> float:
    """Angle between sides R and l1 of a triangle with sides (R, l1, l2), accurately.

    atan2 of (2 area, R^2 + l1^2 - l2^2) with Kahan's stable Heron formula, so that thin
    triangles (angles near 0 or pi) keep full relative accuracy.
    """
    a, b, c = sorted((R, l1, l2), reverse=True)
    prod = (a + (b + c)) * (c - (a - b)) * (c + (a - b)) * (a + (b - c))
    area = 0.25 * math.sqrt(max(prod, 0.0))
    return math.atan2(4.0 * area, R * R + l1 * l1 - l2 * l2)


def _two(R: complex, l1: float, l2: float) -> tuple[complex, complex]:
    """Unit phasors e1, e2 with l1 e1 + l2 e2 = R, assuming |l1 - l2| <= |R| <= l1 + l2."""
    r = abs(R)
    if l1 == 0.0 and l2 == 0.0:
        return 1.0 + 0j, 1.0 + 0j
    if r == 0.0:
        return 1.0 + 0j, -1.0 + 0j
    base = R / r
    if l1 == 0.0:
        return 1.0 + 0j, base
    if l2 == 0.0:
        return base, 1.0 + 0j
    b1 = _triangle_angle(r, l1, l2)  # angle of l1 e1 from R
    b2 = _triangle_angle(r, l2, l1)  # angle of l2 e2 from R, on the other side
    return base * np.exp(1j * b1), base * np.exp(-1j * b2)


#: largest N for which the optimal phases are spread out with :func:`_fan_phases`
_FAN_MAX_N = 2000


def _fan_phases(s: np.ndarray, r: float) -> np.ndarray | None:
    """A spread-out representative: u_j = exp(i t psi_j), psi_j = 2 pi j / N, |sum| = r.

    ``|R(t)| = |sum_j s_j exp(i t psi_j)|`` is continuous with ``|R(0)| = sum s >= r``; if
    ``|R(1)| <= r`` bisection finds ``t`` with ``|R(t)| = r`` (intermediate values). Returns
    ``None`` when ``|R(1)| > r`` (then the three-group construction is used).
    """
    N = s.size
    psi = 2.0 * np.pi * np.arange(N) / N

    def R(t: float) -> complex:
        return complex(np.sum(s * np.exp(1j * t * psi)))

    if abs(R(1.0)) > r:
        return None
    lo, hi = 0.0, 1.0  # |R(lo)| >= r >= |R(hi)|
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if abs(R(mid)) >= r:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-16:
            break
    t = lo if abs(abs(R(lo)) - r) <= abs(abs(R(hi)) - r) else hi
    u = np.exp(1j * t * psi)
    res = R(t)
    if abs(res) > 0:
        u = u * (abs(res) / res)
    if abs(abs(res) - r) > 1e-12 * max(1.0, float(np.sum(s))):
        return None
    return u


def _polygon_phases(s: np.ndarray, r: float) -> np.ndarray:
    """Unit phasors u_j (shape (N,)) with |sum_j s_j u_j| = r, sum real >= 0.

    Needs ``max(0, 2 max s - sum s) <= r <= sum s``. Construction: sort s descending, cut
    at the first prefix sum >= half the total, and close a quadrilateral with sides r and
    the three rigid groups (prefix, the cut element, the rest) via the law of cosines.
    """
    N = s.size
    T0 = float(np.sum(s))
    if r >= T0 * (1.0 - 1e-13):  # all aligned (avoid sqrt(eps) angles of thin triangles)
        return np.ones(N, dtype=np.complex128)
    imax = int(np.argmax(s))
    a_min = 2.0 * float(s[imax]) - T0
    if a_min > 0:  # the largest against the rigid rest: angle from the law of cosines
        out = -np.ones(N, dtype=np.complex128)
        out[imax] = 1.0
        if r <= a_min + 1e-13 * T0:
            return out
        e1, e2 = _two(complex(r), float(s[imax]), T0 - float(s[imax]))
        out[:] = e2
        out[imax] = e1
        return out
    if N <= _FAN_MAX_N:
        fan = _fan_phases(s, r)
        if fan is not None:
            return fan
    # 2 max s <= T here (the other case returned above): cut the natural order at the
    # first prefix sum >= T/2; the three groups (prefix, the cut element, the rest) are
    # each <= T/2, so they close a triangle and reach every r in [0, T] (no sort, O(N)).
    S = np.cumsum(s)
    T = float(S[-1])
    m = int(min(np.searchsorted(S, 0.5 * T, side="left"), N - 1))
    p = float(S[m - 1]) if m > 0 else 0.0
    q = float(s[m])
    u = max(T - float(S[m]), 0.0)
    rho_qu = max(abs(q - u), abs(r - p))
    rho_qu = min(rho_qu, q + u, r + p)
    eP, eV = _two(complex(r), p, rho_qu)
    eQ, eU = _two(rho_qu * eV, q, u)
    out = np.empty(N, dtype=np.complex128)
    out[:m] = eP
    out[m] = eQ
    out[m + 1 :] = eU
    return out


def structured_state_margin(a_max: Any, state_error: Any) -> np.ndarray:
    r"""Bound on how much the exact optimum can exceed the computed one for a state error.

    If the exact steady state's ``(block, p_dark)`` is within ``state_error`` (2-norm over
    the 9 block entries and ``p_dark``) of the computed one, then
    :math:`|\Delta c| \le \sqrt2\,\epsilon` (``c = rho_BB - p_dark``) and
    :math:`|\Delta b| \le \epsilon` (``b = |rho_1B|``), so for every
    :math:`r\in[a_{\min}, a_{\max}]`,
    :math:`|\Delta f(r)| \le \sqrt2\,\epsilon\,|r^2-1| + 2\epsilon r
    \le \epsilon\,(\sqrt2\max(1, a_{\max}^2-1) + 2a_{\max})`, and the maxima over the
    same interval differ by at most that. Broadcasting; 0 where ``state_error`` is 0.
    """
    a_max, eps_x = (np.asarray(x, dtype=np.float64) for x in (a_max, state_error))
    return eps_x * (math.sqrt(2.0) * np.maximum(1.0, a_max * a_max - 1.0) + 2.0 * a_max)


def structured_rounding(
    c: Any, b: Any, r: Any, a_max: Any, N: Any, state_error: Any = 0.0
) -> np.ndarray:
    """Allowance added to the exact structured optimum to make it an upper bound.

    ``16 eps`` times the magnitude of the terms of ``f(r) = c (r^2 - 1) + 2 b r`` at the
    optimum, plus the slope ``|f'(r)|`` times the summation error of ``a_max = sum |w_j|``
    (``log2(N + 1) eps a_max``, pairwise summation) for an optimum at an end of the interval,
    plus :func:`structured_state_margin` for the forward error ``state_error`` of the
    steady-state solve (so that the bound holds for the exact steady state, not only for
    the computed one).
    """
    c, b, r, a_max, N = (np.asarray(x, dtype=np.float64) for x in (c, b, r, a_max, N))
    terms = np.abs(c) * (1.0 + r * r) + 2.0 * np.abs(b) * r
    slope = np.abs(2.0 * c * r + 2.0 * b)
    rounding = 16 * _EPS * (terms + slope * np.log2(N + 1.0) * (1.0 + a_max))
    return rounding + structured_state_margin(a_max, state_error)


def structured_max(c: Any, b: Any, a_min: Any, a_max: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""Exact :math:`\max_{r\in[a_{\min},a_{\max}]} c(r^2-1)+2br` (batched, broadcasting).

    The reduced maser problem (see :func:`s_max_structured`): ``c = rho_BB - p_dark``,
    ``b = |rho_1B|``, ``[a_min, a_max]`` the reachable range of ``|<B|z>|``.

    Returns:
        ``(q, r_opt)``: the maximum of :math:`z^\dagger C z` and the optimal ``|a|``,
        arrays of the broadcast shape.
    """
    c, b, a_min, a_max = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.float64) for x in (c, b, a_min, a_max))
    )

    def f(r: np.ndarray) -> np.ndarray:
        return c * (r * r - 1.0) + 2.0 * b * r

    with np.errstate(divide="ignore", invalid="ignore"):
        vertex = np.where(c < 0, np.clip(b / np.where(c < 0, -c, 1.0), a_min, a_max), a_max)
    cands = np.stack([a_min, a_max, vertex])
    vals = f(cands)
    i = np.argmax(vals, axis=0)
    q = np.take_along_axis(vals, i[None], axis=0)[0]
    r = np.take_along_axis(cands, i[None], axis=0)[0]
    return q, r


def s_max_structured(
    block: Any, p_dark: Any, weights: Any, *, state_error: float = 0.0
) -> SMaxResult:
    r"""Exact S_max of the degenerate maser steady state from its structure.

    The steady state is :math:`\rho = \rho_{\rm block} + p_{\rm dark}P_{\rm dark}` with
    :math:`\rho_{\rm block}` on span(|0>, |1>, |B>), |B> the bright state (components
    ``weights[j-2] = <j|B>``) and :math:`P_{\rm dark}` the projector on the N-1 dark states.
    With :math:`a = \langle B|z_{\rm deg}\rangle = \sum_j \bar w_j z_j`,

    .. math::
        z^\dagger C z = (\rho_{BB}-p_{\rm dark})(|a|^2-1) + 2\,\mathrm{Re}(\bar z_1\rho_{1B}a),

    and over unit-modulus phases :math:`|a|` fills exactly
    :math:`[\max(0, 2\max_j|w_j|-\sum_j|w_j|), \sum_j|w_j|]` (polygon inequality) with any
    argument. Maximizing over :math:`z_1` gives :math:`f(r)=c(r^2-1)+2|\rho_{1B}|r`,
    :math:`c=\rho_{BB}-p_{\rm dark}`, a quadratic on an interval: solved exactly (both
    endpoints and, for c < 0, the clipped vertex :math:`|\rho_{1B}|/|c|`).

    Args:
        block: (3, 3) complex Hermitian block on (|0>, |1>, |B>); coherences with |0> must
            vanish (they do in the maser steady state).
        p_dark: population of each dark state (real scalar >= 0).
        weights: ``<j|B>`` for ``j = 2..N+1`` (complex array of shape (N,), unit norm).
        state_error: bound on the distance (2-norm over the 9 block entries and
            ``p_dark``) between the given state and the exact steady state it approximates
            (``MaserState.forward_error``); it widens the certificate by
            :func:`structured_state_margin`, so that ``upper_bound`` holds for the exact
            state. 0 certifies the given matrix itself.

    Returns:
        :class:`SMaxResult` with ``method == "structured"``, ``upper_bound == value`` up to
        rounding and the state error, explicit optimal ``phases`` (shape (N+2,)) and
        ``varphi`` (shape (N,)).
    """
    blk = np.asarray(check_finite("block", block), dtype=np.complex128)
    if blk.shape != (3, 3):
        raise ValueError(f"Argument `block` must have shape (3, 3), but got {blk.shape}.")
    if np.max(np.abs(blk - blk.conj().T)) > 1e-8:
        raise ValueError("Argument `block` must be Hermitian, but got a non-Hermitian matrix.")
    pd = float(check_nonnegative("p_dark", p_dark))
    state_error = float(check_nonnegative("state_error", state_error))
    w = np.asarray(check_finite("weights", weights), dtype=np.complex128).reshape(-1)
    if w.size < 1:
        raise ValueError("Argument `weights` must have at least one entry, but got none.")
    nrm = float(np.sum(np.abs(w) ** 2))
    if abs(nrm - 1.0) > 1e-8:
        raise ValueError(f"Argument `weights` must have unit norm, but got norm^2 = {nrm:.6g}.")
    c0 = max(abs(blk[0, 1]), abs(blk[0, 2]))
    if c0 > 1e-10 * max(1.0, float(np.max(np.abs(blk)))):
        raise ValueError(
            "Argument `block` must have no coherence with |0> for the structured S_max, but "
            f"got max(|rho_01|, |rho_0B|) = {c0:.3g}; use the dense route instead."
        )
    N = w.size
    D = N + 2
    s = np.abs(w)
    T = float(np.sum(s))
    a_max = T
    a_min = max(0.0, 2.0 * float(np.max(s)) - T)
    c = float(np.real(blk[2, 2])) - pd
    rho1B = complex(blk[1, 2])
    b = abs(rho1B)

    q_arr, r_arr = structured_max(c, b, a_min, a_max)
    q, r_opt = float(q_arr), float(r_arr)
    if N == 1:
        q = 2.0 * b  # |a| = 1 exactly
        r_opt = 1.0

    # optimal phases: conj(w_j) z_j = s_j u_j with |sum s_j u_j| = r_opt, arg 0
    u = _polygon_phases(s, r_opt) if N > 1 else np.ones(1, np.complex128)
    wph = np.where(s > 0, w / np.where(s > 0, s, 1.0), 1.0)
    z_deg = wph * u
    z1 = rho1B / b if b > 0 else 1.0 + 0j
    z = np.concatenate([[z_deg[-1]], [z1], z_deg])  # z_0 free: chosen equal to the reference
    # check the construction reproduces the optimum (cheap, O(N))
    a = np.sum(np.conj(w) * z_deg)
    q_check = c * (abs(a) ** 2 - 1.0) + 2.0 * float(np.real(np.conj(z1) * rho1B * a))
    scale = abs(c) * (1.0 + a_max**2) + 2.0 * b * (1.0 + a_max)  # for the phase check
    err = abs(q_check - q)
    if err > 1e-9 * max(scale, 1e-300):  # pragma: no cover - construction is exact
        raise RuntimeError(f"internal error: optimal phases reproduce {q_check} != {q}")
    q_up = q + float(structured_rounding(c, b, r_opt, a_max, N, state_error))
    zr = z * np.conj(z[-1])
    ph = np.mod(np.angle(zr), 2 * np.pi)
    varphi = np.mod(ph[2:] - ph[1], 2 * np.pi)
    cert = (
        "exact: reduced to max of c(r^2-1) + 2|rho_1B| r over r in "
        f"[{a_min:.6g}, {a_max:.6g}] (polygon inequality); optimum at r = {r_opt:.6g}; "
        f"steady-state forward error {state_error:.3g} included in the upper bound"
    )
    return _from_q(D, q, q_up, z, cert, "structured", varphi=varphi)


def _is_maser_state(x: Any) -> bool:
    return all(hasattr(x, k) for k in ("block", "p_dark", "weights")) and not isinstance(
        x, np.ndarray
    )


def s_max(
    x: Any, *, starts: int = 8, seed: int = 0, rtol: float = 1e-9, branch_and_bound_max_dim: int = 6
) -> SMaxResult:
    """Certified S_max (Eq. 4) of any density matrix, or of a maser model (structured).

    Args:
        x: a density matrix (array of shape (D, D): NumPy, JAX or QuTiP ``Qobj``; must be
            Hermitian, positive semidefinite, unit trace), or a
            :class:`~qsynchro.models.maser.Maser` model (its steady state is computed with
            the structured solver and the exact reduction is used; the D x D matrix is never
            formed, and the certificate includes the forward error of the steady-state solve,
            so it holds for the exact steady state; at ``n_h == n_c`` or without drive the
            steady state is diagonal and the result is exactly 0; with a near-degenerate
            ladder ``Delta != 0`` the dense steady state and the general certified optimizer
            are used, and the certificate is for that computed matrix), or a structured maser
            steady state (``block``, ``p_dark``, ``weights``, optional ``forward_error``).
        starts: random starts of the local optimizer (dense route).
        seed: seed for those starts.
        rtol: target certificate gap relative to the l1 norm of the coherences.
        branch_and_bound_max_dim: largest D for which a remaining gap is closed by branch
            and bound (dense route).

    Returns:
        :class:`SMaxResult` (``value``, ``scaled``, ``phases``, ``upper_bound``, ``gap``,
        ``certificate`` ...).

    Example:
        >>> import numpy as np
        >>> r = s_max(np.full((3, 3), 1 / 3))
        >>> round(r.scaled * 8, 12)  # max z^H C z = 6 * 1/3
        2.0
    """
    starts = check_int("starts", starts, minimum=0)
    seed = check_int("seed", seed, minimum=0)
    rtol = float(check_nonnegative("rtol", rtol))
    branch_and_bound_max_dim = check_int(
        "branch_and_bound_max_dim", branch_and_bound_max_dim, minimum=0
    )
    model_cls = None
    try:
        from qsynchro.models.maser import Maser as model_cls  # type: ignore[no-redef]
    except ImportError:  # pragma: no cover - during development only
        model_cls = None
    if model_cls is not None and isinstance(x, model_cls):
        from qsynchro.solvers.steady import steady_state_dense, structured_steady_state

        if x.n_h == x.n_c or x.lam_eff == 0.0:  # diagonal steady state: S_max = 0
            why = (
                "n_h = n_c, the steady state is the thermal state (equal Boltzmann factors of "
                "|1> and the manifold make any drive inactive)"
                if x.n_h == x.n_c
                else "no drive, the steady state is diagonal"
            )
            return _from_q(
                x.D,
                0.0,
                0.0,
                np.ones(x.D, complex),
                f"exact: {why}; S(phi) = 0 for all phases",
                "zero",
            )
        if not x.degenerate:  # near-degenerate ladder (Delta != 0): no structure, dense route
            dense = s_max(
                steady_state_dense(x),
                starts=starts,
                seed=seed,
                rtol=rtol,
                branch_and_bound_max_dim=branch_and_bound_max_dim,
            )
            return dataclasses.replace(
                dense,
                certificate=dense.certificate + " (for the computed dense steady state; "
                "the forward error of its null-space solve is not included)",
            )
        else:
            st = structured_steady_state(x)
            return s_max_structured(st.block, st.p_dark, st.weights, state_error=st.forward_error)
    if _is_maser_state(x):
        return s_max_structured(
            x.block, x.p_dark, x.weights, state_error=getattr(x, "forward_error", 0.0)
        )
    rho = check_density_matrix("x", x)
    if rho.ndim != 2:
        raise ValueError(
            f"Argument `x` must be a single (D, D) density matrix, but got shape {rho.shape}."
        )
    C = rho - np.diag(np.diag(rho))
    C = 0.5 * (C + C.conj().T)
    return s_max_from_quadratic(
        C, starts=starts, seed=seed, rtol=rtol, branch_and_bound_max_dim=branch_and_bound_max_dim
    )
