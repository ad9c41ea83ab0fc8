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

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from qsynchro.equations.meanfield import MFParams, State, rhs

__all__ = ["pack", "rotate", "solve_locked", "unpack"]


def pack(y: State) -> Any:
    """State (fields (..., G)) -> real vector (..., 8G)."""
    parts = [y.p0, y.p2, y.c01.real, y.c01.imag, y.c12.real, y.c12.imag, y.c02.real, y.c02.imag]
    return jnp.concatenate(parts, axis=-1)


def unpack(x: Any, G: int) -> State:
    """Inverse of :func:`pack` (with p1 = 1 - p0 - p2)."""
    s = [x[..., k * G : (k + 1) * G] for k in range(8)]
    p0, p2 = s[0], s[1]
    return State(p0, 1.0 - p0 - p2, p2, s[2] + 1j * s[3], s[4] + 1j * s[5], s[6] + 1j * s[7])


def rotate(y: State, theta: Any) -> State:
    r"""Apply :math:`e^{-i\theta S^z}\rho e^{i\theta S^z}`, shapes (..., G).

    c01, c12 -> e^{i theta} c01, c12; c02 -> e^{2 i theta} c02.
    """
    e = jnp.exp(1j * theta)
    return State(y.p0, y.p1, y.p2, y.c01 * e, y.c12 * e, y.c02 * e * e)


def _residual(z: Any, p: MFParams, ref: Any, G: int) -> Any:
    x, om = z[:-1], z[-1]
    y = unpack(x, G)
    f = pack(rhs(y, p, om))
    s = y.c01 + y.c12
    return jnp.concatenate([f, jnp.imag(s[ref])[None]])


def _jac_state(x: Any, om: Any, p: MFParams, G: int) -> Any:
    return jax.jacfwd(lambda u: pack(rhs(unpack(u, G), p, om)))(x)


@partial(jax.jit, static_argnames=("n_iter",))
def _newton(z0: Any, p: MFParams, ref: Any, *, n_iter: int) -> tuple[Any, Any, Any]:
    G = p.d.shape[-1]

    def one(z: Any, pp: MFParams, r: Any) -> tuple[Any, Any, Any]:
        def step(zz: Any, _: Any) -> tuple[Any, Any]:
            F = _residual(zz, pp, r, G)
            J = jax.jacfwd(_residual)(zz, pp, r, G)
            dz = jnp.linalg.solve(J, F)
            return zz - dz, jnp.max(jnp.abs(F))

        z, _ = jax.lax.scan(step, z, None, length=n_iter)
        F = _residual(z, pp, r, G)
        Js = _jac_state(z[:-1], z[-1], pp, G)
        return z, jnp.max(jnp.abs(F)), Js

    return jax.vmap(one)(z0, p, ref)


def solve_locked(
    y_guess: State, p: MFParams, omega_guess: Any, *, n_iter: int = 12, tol: float = 1e-11
) -> dict[str, Any]:
    """Newton solve for the locked state near ``y_guess`` rotating at about ``omega_guess``.

    Args:
        y_guess: state with fields of shape (B, G) (e.g. from a transient integration).
        p: parameters with leading batch axis B.
        omega_guess: frame frequency guesses, shape (B,).
        n_iter: Newton iterations (fixed; quadratic convergence needs few).
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
    s = np.asarray(y_guess.c01 + y_guess.c12)
    ref = np.argmax(np.abs(s), axis=-1)
    theta = -np.angle(s[np.arange(s.shape[0]), ref])
    yr = rotate(y_guess, jnp.asarray(theta)[:, None])
    x0 = pack(yr)
    z0 = jnp.concatenate([x0, jnp.asarray(omega_guess, dtype=jnp.float64)[:, None]], -1)
    z, res, Js = _newton(z0, p, jnp.asarray(ref), n_iter=n_iter)
    z = np.asarray(z)
    res = np.asarray(res)
    ev = np.linalg.eigvals(np.asarray(Js))
    re = np.sort(ev.real, axis=-1)
    growth = re[:, -2]  # the largest is the neutral phase mode (~0)
    phase_mode_ok = np.abs(re[:, -1]) < 1e-6
    finite = np.all(np.isfinite(z), -1) & np.isfinite(res)
    converged = finite & (res < tol)
    stable = converged & phase_mode_ok & (growth < 0)
    dist = np.max(np.abs(z[:, :-1] - np.asarray(x0)), axis=-1)
    return {
        "state": unpack(jnp.asarray(z[:, :-1]), G),
        "omega": z[:, -1],
        "theta": theta,
        "converged": converged,
        "residual": res,
        "stable": stable,
        "growth": growth,
        "distance": dist,
    }
