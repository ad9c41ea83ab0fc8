r"""Growth rate of the unsynchronized state when all groups feel one mean field (many groups).

For coupling matrices with identical rows, :math:`C_{\sigma\tau} = c_\tau` (a disordered
group discretized into M subgroups, :mod:`qsynchro.models.disorder`), the coherence-sector
Jacobian of :func:`qsynchro.solvers.stability.coherence_block` is block-diagonal plus rank
one, :math:`J = D + u v^T` with :math:`D = \mathrm{diag}(L_\sigma)` (each oscillator's own
linearization), :math:`u_\sigma = -i b_\sigma` and :math:`v_\tau = \bar c_\tau a`. So

.. math::

    \det(\lambda - J) = \det(\lambda - D)\,f(\lambda),\qquad
    f(\lambda) = 1 - \sum_{\sigma,k}\frac{w_{\sigma k}}{\lambda-\mu_{\sigma k}},

with :math:`\mu_{\sigma k}` the eigenvalues of :math:`L_\sigma` and the residues
:math:`w_{\sigma k}` from their eigenvectors (the finite-M form of the dispersion relation
of ``docs/networks.md``). The eigenvalues of J are the zeros of f and, where local modes are
degenerate or decoupled, local eigenvalues :math:`\mu`. Instead of an
:math:`O((Gm)^3)` dense eigensolve per point this module

1. counts the zeros of f right of a line :math:`\mathrm{Re}\,\lambda = x` beyond every pole
   by the argument principle (the winding of f along the line; f -> 1 at infinity), on an
   adaptively refined grid, O(G m) per sample;
2. if a zero lies right of every pole (:math:`x_p = \max\mathrm{Re}\,\mu`, the right edge
   of the local spectrum, the continuous spectrum as M -> infinity), the rightmost one is
   the answer: bracketed by bisection on the count, polished by Newton's method on f and
   checked by one more count;
3. otherwise the largest eigenvalue lies among the local modes: the number of eigenvalues
   of J right of x is the winding of f plus the number of poles right of x (the argument
   principle for :math:`\det(\lambda-D)f(\lambda)`), and bisection on x gives it to
   ``tol``.

If the sampling cannot resolve the winding (a pole on the line), the caller falls back to
the dense eigensolve.
"""

from __future__ import annotations

import numpy as np

__all__ = ["has_shared_rows", "shared_growth_rate"]

#: the phase of f may change by at most this much between neighbouring samples (rad)
MAX_PHASE_STEP = 0.3
#: refinement rounds of the sampling grid before giving up (then: dense eigensolve)
MAX_REFINE = 40


def has_shared_rows(coupling: np.ndarray) -> bool:
    """True if every coupling matrix of the batch has identical rows, (*batch, G, G)."""
    C = np.asarray(coupling)
    return bool(np.all(C == C[..., :1, :]))


def _winding(x: float, mu: np.ndarray, w: np.ndarray) -> int | None:
    """Zeros minus poles of f right of the line Re lambda = x (no pole on it); None if the
    sampling did not resolve the winding."""
    dist = abs(x - mu.real.max())
    wsum = np.sum(np.abs(w))
    lo, hi = mu.imag.min(), mu.imag.max()
    # beyond |y - centre| > R, |f - 1| < 1e-3: the tails add no winding
    R = 0.5 * (hi - lo) + 1e3 * wsum + 10 * dist
    c = 0.5 * (hi + lo)
    theta = np.linspace(-np.pi / 2, np.pi / 2, 513)[1:-1]
    scale = max(dist, 1e-12)
    # y = c + s tan(theta) with s ~ the pole distance: dense near the poles, sparse in tails
    s = max(scale, 1e-3 * R)
    y = c + s * np.tan(theta)
    # a pole passes its phase change within |x - Re mu| of Im mu: sample there, so that no
    # loop of f around the origin falls between two samples; only poles whose term can
    # reach O(0.1) on the line can make such a loop
    dist_j = np.abs(x - mu.real)
    loud = np.abs(w) > 0.1 * dist_j
    near = dist_j[loud, None] * np.array([-3.0, -1.0, -0.3, 0.0, 0.3, 1.0, 3.0])
    y = np.concatenate([y, np.linspace(lo, hi, 257), (mu.imag[loud, None] + near).ravel()])
    y = np.concatenate([[c - R * 1e6], np.unique(y), [c + R * 1e6]])
    f = _f(x + 1j * y, mu, w)
    for _ in range(MAX_REFINE):
        if np.any(f == 0):
            return None
        dphi = np.angle(f[1:] / f[:-1])
        bad = np.nonzero(np.abs(dphi) > MAX_PHASE_STEP)[0]
        if bad.size == 0:
            # counterclockwise around the right half-plane: downwards along the line
            return round(float(-np.sum(dphi)) / (2 * np.pi))
        ym = 0.5 * (y[bad] + y[bad + 1])
        fm = _f(x + 1j * ym, mu, w)
        y = np.insert(y, bad + 1, ym)
        f = np.insert(f, bad + 1, fm)
    return None


def _f(lam: np.ndarray, mu: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The dispersion function f(lambda) = 1 - sum_j w_j / (lambda - mu_j)."""
    return 1.0 - np.sum(w[None, :] / (lam[:, None] - mu[None, :]), axis=1)


def _newton(lam: complex, mu: np.ndarray, w: np.ndarray) -> complex | None:
    """A zero of f by Newton's method from ``lam``; None if it does not converge."""
    for _ in range(50):
        r = w / (lam - mu)
        f = 1.0 - np.sum(r)
        df = np.sum(r / (lam - mu))
        if df == 0:
            return None
        step = f / df
        lam = lam - step
        if abs(step) < 1e-14 * max(1.0, abs(lam)):
            return lam
    return None


def shared_growth_rate(
    L: np.ndarray, b: np.ndarray, a: np.ndarray, c: np.ndarray, *, tol: float = 1e-10
) -> float | None:
    r"""Largest growth rate of one point (see the module docstring); None if unresolved.

    Args:
        L: local coherence-sector blocks, (G, m, m).
        b: the vectors :math:`b_\sigma` (derivative of the block by the mean field), (G, m).
        a: :math:`\langle A\rangle` as a linear form on the sector, (m,).
        c: the shared row of the coupling matrix, (G,).
        tol: absolute accuracy of the real part.

    Returns None (the caller then solves densely) if a local block is nearly defective
    (eigenvector condition number above 1e8) or the sampling cannot resolve the winding.
    """
    mu, V = np.linalg.eig(L)  # (G, m), (G, m, m)
    if not np.all(np.isfinite(mu)) or np.max(np.linalg.cond(V)) > 1e8:
        return None  # a (nearly) defective local block: the caller solves densely
    left = np.einsum("k,gkj->gj", a, V)  # a^T V_sigma
    right = np.linalg.solve(V, b[..., None])[..., 0]  # V_sigma^{-1} b_sigma
    w = (-1j * np.conj(c)[:, None] * left * right).ravel()
    mu = mu.ravel()
    xp = float(mu.real.max())
    hi = xp + float(np.sum(np.abs(w))) + 1e-12  # |g| < 1 right of this: no zeros
    eps = max(1e-9, 1e-9 * abs(xp))
    n = _winding(xp + eps, mu, w)
    if n is None:
        return None
    if n == 0:
        # no outlier: the largest eigenvalue lies among the local modes. Count the
        # eigenvalues of J right of x, winding(x) + #{mu right of x}, and bisect.
        lo = float(mu.real.min()) - float(np.sum(np.abs(w))) - 1e-12  # every zero is right
        hi = xp + eps
        while hi - lo > tol:
            mid = 0.5 * (lo + hi)
            k = _winding(mid, mu, w)
            if k is None:
                return None
            lo, hi = (mid, hi) if k + np.count_nonzero(mu.real > mid) > 0 else (lo, mid)
        return 0.5 * (lo + hi)
    lo = xp + eps  # zeros right of lo, none right of hi
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        k = _winding(mid, mu, w)
        if k is None:
            return None
        lo, hi = (mid, hi) if k > 0 else (lo, mid)
        if hi - lo < 1e-3 * max(hi - xp, tol):
            # polish: Newton from the point of the line nearest to the zero; accepted if
            # it lands in the bracket and nothing lies right of it
            y = np.linspace(mu.imag.min() - 1.0, mu.imag.max() + 1.0, 4001)
            y0 = y[np.argmin(np.abs(_f(0.5 * (lo + hi) + 1j * y, mu, w)))]
            z = _newton(0.5 * (lo + hi) + 1j * y0, mu, w)
            if z is not None and lo - tol <= z.real <= hi + tol:
                if _winding(z.real + max(tol, 1e-9 * abs(z.real)), mu, w) == 0:
                    return float(z.real)
    return 0.5 * (lo + hi)
