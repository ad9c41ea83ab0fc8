r"""Phase-locked states of Eq. 2 as fixed points in a rotating frame (Nadolny & Bruder).

A fully synchronized state of the network has every group rotating at one common
frequency :math:`\omega`: :math:`c_{01}, c_{12} \propto e^{i\omega t}`, :math:`c_{02}\propto
e^{2i\omega t}`, populations constant. In the frame rotating at :math:`\omega`
(:math:`d_\sigma\to d_\sigma-\omega`, see :mod:`qsynchro.equations.meanfield`) it is a fixed
point. Because of the U(1) symmetry fixed points come in circles; the phase is fixed by
requiring :math:`\mathrm{Im}\,(c_{01}+c_{12})_r = 0` for a reference group ``r`` (the one with
the largest amplitude in the initial guess). Newton's method then solves the square system

.. math::

    F(x, \omega) = \big(\dot x|_{d\to d-\omega},\ \mathrm{Im}\,s_r(x)\big) = 0

for the 8G real unknowns per point (:math:`p_0, p_2`, real and imaginary parts of
:math:`c_{01}, c_{12}, c_{02}`; :math:`p_1 = 1-p_0-p_2`) and :math:`\omega`. Linear
stability of the solution is the spectrum of the 8G x 8G Jacobian at fixed :math:`\omega`:
one eigenvalue is the neutral phase mode (zero), all others must have negative real part.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from qsynchro.equations.meanfield import MFParams, State, rhs

__all__ = ["pack", "rotate", "solve_locked", "unpack"]


def _xp(x: Any) -> Any:
    return np if isinstance(x, np.ndarray) else jnp


def pack(y: State) -> Any:
    """State (fields (..., G)) -> real vector (..., 8G) (NumPy in, NumPy out)."""
    parts = [y.p0, y.p2, y.c01.real, y.c01.imag, y.c12.real, y.c12.imag, y.c02.real, y.c02.imag]
    return _xp(y.c01).concatenate(parts, axis=-1)


def unpack(x: Any, G: int) -> State:
    """Inverse of :func:`pack` (with p1 = 1 - p0 - p2)."""
    s = [x[..., k * G : (k + 1) * G] for k in range(8)]
    p0, p2 = s[0], s[1]
    return State(p0, 1.0 - p0 - p2, p2, s[2] + 1j * s[3], s[4] + 1j * s[5], s[6] + 1j * s[7])


def rotate(y: State, theta: Any) -> State:
    r"""Apply :math:`e^{-i\theta S^z}\rho e^{i\theta S^z}`, shapes (..., G).

    c01, c12 -> e^{i theta} c01, c12; c02 -> e^{2 i theta} c02.
    """
    e = _xp(y.c01).exp(1j * theta)
    return State(y.p0, y.p1, y.p2, y.c01 * e, y.c12 * e, y.c02 * e * e)


def _residual(z: Any, p: MFParams, ref: Any, G: int) -> Any:
    x, om = z[:-1], z[-1]
    y = unpack(x, G)
    f = pack(rhs(y, p, om))
    s = y.c01 + y.c12
    return jnp.concatenate([f, jnp.imag(s[ref])[None]])


def _jac_state(x: Any, om: Any, p: MFParams, G: int) -> Any:
    return jax.jacfwd(lambda u: pack(rhs(unpack(u, G), p, om)))(x)


@jax.jit
def _F_and_J(z: Any, p: MFParams, ref: Any) -> tuple[Any, Any]:
    """Residual (B, 8G+1) and its Jacobian (B, 8G+1, 8G+1), batched with vmap."""
    G = p.d.shape[-1]

    def one(zz: Any, pp: MFParams, r: Any) -> tuple[Any, Any]:
        return _residual(zz, pp, r, G), jax.jacfwd(_residual)(zz, pp, r, G)

    return jax.vmap(one)(z, p, ref)


@jax.jit
def _J_state(z: Any, p: MFParams) -> Any:
    G = p.d.shape[-1]
    return jax.vmap(lambda zz, pp: _jac_state(zz[:-1], zz[-1], pp, G))(z, p)


#: batch size of the compiled Newton residual and Jacobian
NEWTON_BATCH = 256


def _batched(fn: Any, z: np.ndarray, p: MFParams, ref: Any) -> tuple[np.ndarray, ...]:
    """Apply a jitted ``fn(z, p, ref)`` on consecutive pieces of NEWTON_BATCH points."""
    outs = []
    for i in range(0, z.shape[0], NEWTON_BATCH):
        sl = slice(i, i + NEWTON_BATCH)
        r = fn(jnp.asarray(z[sl]), MFParams(*(x[sl] for x in p)), ref[sl])
        outs.append([np.asarray(v) for v in r])
    return tuple(np.concatenate(parts) for parts in zip(*outs))


def solve_locked(
    y_guess: State, p: MFParams, omega_guess: Any, *, n_iter: int = 12, tol: float = 1e-11
) -> dict[str, Any]:
    """Newton solve for the locked state near ``y_guess`` rotating at about ``omega_guess``.

    Args:
        y_guess: state with fields of shape (B, G) (e.g. from a transient integration).
        p: parameters with leading batch axis B.
        omega_guess: frame frequency guesses, shape (B,).
        n_iter: maximum number of Newton iterations (convergence is quadratic).
        tol: max |F| for a point to count as converged.

    Returns:
        dict with ``state`` (State, phase-fixed: Im s_ref = 0, s_ref > 0 at the guess),
        ``omega`` (B,), ``theta`` (B,) the rotation applied to the guess
        (so the guess is about ``rotate(state, -theta)``), ``converged`` (B,) bool,
        ``residual`` (B,), ``stable`` (B,) bool, ``growth`` (B,) the largest real part of the
        Jacobian spectrum after removing the neutral phase mode, and ``distance`` (B,) the
        max-abs distance between the phase-aligned guess and the solution.
    """
    G = p.d.shape[-1]
    y_guess = State(*(np.asarray(x) for x in y_guess))
    s = y_guess.c01 + y_guess.c12
    ref = np.argmax(np.abs(s), axis=-1)
    theta = -np.angle(s[np.arange(s.shape[0]), ref])
    yr = rotate(y_guess, theta[:, None])
    x0 = pack(yr)
    z0 = np.concatenate([x0, np.asarray(omega_guess, dtype=np.float64)[:, None]], -1)
    refj = np.asarray(ref)
    p = MFParams(*(np.asarray(x) for x in p))
    z = np.asarray(z0)
    n_pts = z.shape[0]
    # the compiled residual/Jacobian work on pieces of NEWTON_BATCH points (one compilation)
    pad = (-n_pts) % NEWTON_BATCH
    if pad:
        z = np.concatenate([z, np.repeat(z[:1], pad, 0)])
        refj = np.concatenate([refj, np.repeat(refj[:1], pad)])
        p = MFParams(*(np.concatenate([x, np.repeat(x[:1], pad, 0)]) for x in p))
    res = np.full(z.shape[0], np.inf)
    for _ in range(n_iter):
        F, J = _batched(_F_and_J, z, p, refj)
        res = np.max(np.abs(F), axis=-1)
        good = np.all(np.isfinite(J), axis=(-1, -2)) & np.isfinite(res)
        if not np.any(good & (res > tol)):
            break
        J = np.where(good[:, None, None], J, np.eye(J.shape[-1]))
        F = np.where(good[:, None], F, 0.0)
        try:
            dz = np.linalg.solve(J, F[..., None])[..., 0]
        except np.linalg.LinAlgError:  # a singular point: solve one by one
            dz = np.zeros_like(F)
            for i in range(F.shape[0]):
                try:
                    dz[i] = np.linalg.solve(J[i], F[i])
                except np.linalg.LinAlgError:
                    dz[i] = np.nan
        z = np.where((res > tol)[:, None], z - dz, z)
    F, _ = _batched(_F_and_J, z, p, refj)
    res = np.max(np.abs(F), axis=-1)
    finite = np.all(np.isfinite(z), -1) & np.isfinite(res)
    (Js,) = _batched(
        lambda zz, pp, _r: (_J_state(zz, pp),), np.where(finite[:, None], z, 0.0), p, refj
    )
    finite &= np.all(np.isfinite(Js), axis=(-1, -2))
    converged = finite & (res < tol)
    re = np.zeros((Js.shape[0], Js.shape[-1]))
    re[:, -1] = np.inf
    ci = np.nonzero(converged)[0]
    if ci.size:  # spectra only where Newton converged
        re[ci] = np.sort(np.linalg.eigvals(Js[ci]).real, axis=-1)
    growth = np.where(converged, re[:, -2], np.nan)  # the largest is the neutral phase mode
    phase_mode_ok = np.abs(re[:, -1]) < 1e-6
    stable = converged & phase_mode_ok & (growth < 0)
    z, res, finite, converged, stable, growth, Js = (
        x[:n_pts] for x in (z, res, finite, converged, stable, growth, Js)
    )
    dist = np.max(np.abs(z[:, :-1] - np.asarray(x0)), axis=-1)
    return {
        "state": unpack(z[:, :-1], G),
        "omega": z[:, -1],
        "theta": theta,
        "converged": converged,
        "residual": res,
        "stable": stable,
        "growth": growth,
        "distance": dist,
    }
