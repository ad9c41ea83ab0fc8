r"""Locked states: fixed points of the mean-field equations in a rotating frame (any oscillator).

A fully synchronized (locked) state of a network has every group rotating at one common
frequency :math:`\omega`: :math:`\rho_{ij}\propto e^{-i\omega(q_i-q_j)t}`, so
:math:`\langle A\rangle_\sigma\propto e^{i\omega t}`; in the frame rotating at :math:`\omega`
(:math:`d_\sigma\to d_\sigma-\omega`, :mod:`qsynchro.equations.meanfield`) it is a fixed point.
Because of the U(1) symmetry these come in circles; the phase is fixed by
:math:`\mathrm{Im}\langle A\rangle_r = 0` for a reference group ``r`` (the one with the largest
amplitude in the guess). Newton's method solves the square system

.. math::

    F(x, \omega) = \big(\dot x|_{d\to d-\omega},\ \mathrm{Im}\langle A\rangle_r(x)\big) = 0

for the :math:`G(d^2-1)` trace-reduced real coordinates and :math:`\omega` (Jacobian by
autodiff). Without U(1) symmetry (a driven oscillator) the frame is fixed (the drive's) and
Newton solves :math:`\dot x = 0` alone. Stability is the spectrum of the state Jacobian at
fixed :math:`\omega`: the eigenvalue of smallest modulus is the neutral phase mode (it must be
below ``1e-6``), all others must have negative real part.
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from qsynchro.equations.meanfield import (
    MFParams,
    Structure,
    expand,
    expectation,
    prepare,
    reduce,
    rhs,
    rotate,
)

__all__ = ["NEWTON_BATCH", "LockedSolution", "solve_locked"]

#: batch size of the compiled Newton residual and Jacobian
NEWTON_BATCH = 256


class LockedSolution(NamedTuple):
    """Result of :func:`solve_locked` (arrays with leading batch axis B).

    Attributes:
        Y: the fixed point in full real coordinates, (B, d^2, G), phase-fixed
            (Im <A>_ref = 0, Re <A>_ref > 0 near the guess).
        omega: frame frequency, (B,).
        theta: rotation applied to the guess (the guess is about ``rotate(Y, -theta)``), (B,).
        converged: Newton reached ``tol``, (B,).
        residual: max |F|, (B,).
        stable: converged, neutral mode found (if rotating) and all others decaying, (B,).
        growth: largest real part apart from the neutral mode, (B,) (NaN if not converged).
        distance: max-abs distance between the phase-aligned guess and the solution, (B,).
    """

    Y: np.ndarray
    omega: np.ndarray
    theta: np.ndarray
    converged: np.ndarray
    residual: np.ndarray
    stable: np.ndarray
    growth: np.ndarray
    distance: np.ndarray


def _field(x: Any, om: Any, p: MFParams, st: Structure, G: int) -> Any:
    Y = expand(x.reshape(st.n - 1, G), st.d)
    lc = prepare(p, st, om)
    return reduce(rhs(Y, lc, p.Cr, p.Ci, st)).reshape(-1)


def _residual(z: Any, p: MFParams, ref: Any, st: Structure, G: int, rotating: bool) -> Any:
    if not rotating:
        return _field(z, 0.0, p, st, G)
    x, om = z[:-1], z[-1]
    Y = expand(x.reshape(st.n - 1, G), st.d)
    _, si = expectation(Y, st)
    return jnp.concatenate([_field(x, om, p, st, G), si[ref][None]])


@partial(jax.jit, static_argnames=("st", "G", "rotating"))
def _F_and_J(z: Any, p: MFParams, ref: Any, *, st: Structure, G: int, rotating: bool) -> Any:
    """Residuals (B, m) and Jacobians (B, m, m); parameters per point with batch axis last."""

    def one(zz: Any, pp: MFParams, r: Any) -> tuple[Any, Any]:
        f = partial(_residual, p=pp, ref=r, st=st, G=G, rotating=rotating)
        return f(zz), jax.jacfwd(f)(zz)

    return jax.vmap(one, in_axes=(0, MFParams(-1, -1, -1), 0))(z, p, ref)


@partial(jax.jit, static_argnames=("st", "G", "rotating"))
def _J_state(z: Any, p: MFParams, *, st: Structure, G: int, rotating: bool) -> Any:
    def one(zz: Any, pp: MFParams) -> Any:
        x, om = (zz[:-1], zz[-1]) if rotating else (zz, 0.0)
        return jax.jacfwd(lambda u: _field(u, om, pp, st, G))(x)

    return jax.vmap(one, in_axes=(0, MFParams(-1, -1, -1)))(z, p)


def _pad(a: np.ndarray, pad: int, axis: int) -> np.ndarray:
    if not pad:
        return a
    first = np.take(a, [0], axis=axis)
    return np.concatenate([a, np.repeat(first, pad, axis=axis)], axis=axis)


def _batched(fn: Any, z: np.ndarray, p: MFParams, *extra: Any, **kw: Any) -> tuple[Any, ...]:
    """Apply a jitted ``fn(z, p, *extra)`` on consecutive pieces of NEWTON_BATCH points."""
    outs = []
    for i in range(0, z.shape[0], NEWTON_BATCH):
        sl = slice(i, i + NEWTON_BATCH)
        pp = jax.tree_util.tree_map(lambda x: jnp.asarray(x[..., sl]), p)  # noqa: B023
        r = fn(jnp.asarray(z[sl]), pp, *(e[sl] for e in extra), **kw)
        r = r if isinstance(r, tuple) else (r,)
        outs.append([np.asarray(v) for v in r])
    return tuple(np.concatenate(parts) for parts in zip(*outs, strict=True))


def solve_locked(
    Y_guess: Any,
    p: MFParams,
    omega_guess: Any,
    st: Structure,
    *,
    rotating: bool = True,
    n_iter: int = 12,
    tol: float = 1e-11,
) -> LockedSolution:
    """Newton solve for the locked state near ``Y_guess`` rotating at about ``omega_guess``.

    Args:
        Y_guess: states in full real coordinates, shape (d^2, G, B) (e.g. from an integration).
        p: parameters, batch axis last (B,) (:class:`~qsynchro.equations.meanfield.MFParams`).
        omega_guess: frame frequency guesses, shape (B,).
        st: the oscillator's structure.
        rotating: solve for the frequency with a phase condition (U(1)-symmetric models); if
            False, a fixed point in the given frame (omega fixed at 0).
        n_iter: maximum number of Newton iterations (convergence is quadratic).
        tol: max |F| for a point to count as converged.
    """
    Yg = np.asarray(Y_guess, dtype=np.float64)
    _, G, B = Yg.shape
    p = jax.tree_util.tree_map(lambda x: np.asarray(x, dtype=np.float64), p)
    if rotating:
        sr, si = (np.asarray(v) for v in expectation(Yg, st))  # (G, B)
        amp = np.hypot(sr, si)
        ref = np.argmax(amp, axis=0)
        theta = -np.arctan2(si[ref, np.arange(B)], sr[ref, np.arange(B)])
        Yg = np.asarray(rotate(Yg, theta[None, :], st))
    else:
        ref = np.zeros(B, dtype=int)
        theta = np.zeros(B)
    x0 = reduce(Yg).reshape(-1, B).T  # (B, m)
    om0 = np.broadcast_to(np.asarray(omega_guess, dtype=np.float64), (B,))
    z = np.concatenate([x0, om0[:, None]], -1) if rotating else x0.copy()
    pad = (-B) % NEWTON_BATCH
    z = _pad(z, pad, 0)
    refp = _pad(ref, pad, 0)
    p = jax.tree_util.tree_map(lambda x: _pad(x, pad, -1), p)
    kw = {"st": st, "G": G, "rotating": rotating}
    for _ in range(n_iter):
        F, J = _batched(_F_and_J, z, p, refp, **kw)
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
    F, _ = _batched(_F_and_J, z, p, refp, **kw)
    res = np.max(np.abs(F), axis=-1)
    finite = np.all(np.isfinite(z), -1) & np.isfinite(res)
    (Js,) = _batched(_J_state, np.where(finite[:, None], z, 0.0), p, **kw)
    finite &= np.all(np.isfinite(Js), axis=(-1, -2))
    converged = finite & (res < tol)
    growth = np.full(z.shape[0], np.nan)
    neutral_ok = np.ones(z.shape[0], dtype=bool)
    ci = np.nonzero(converged)[0]
    if ci.size:  # spectra only where Newton converged
        ev = np.linalg.eigvals(Js[ci])
        if rotating:
            k0 = np.argmin(np.abs(ev), axis=-1)
            neutral_ok[ci] = np.abs(ev[np.arange(ci.size), k0]) < 1e-6
            ev_re = np.where(np.arange(ev.shape[-1]) == k0[:, None], -np.inf, ev.real)
        else:
            ev_re = ev.real
        growth[ci] = np.max(ev_re, axis=-1)
    stable = converged & neutral_ok & (growth < 0)
    z, res, converged, stable, growth = (x[:B] for x in (z, res, converged, stable, growth))
    dist = np.max(np.abs(z[:, : x0.shape[1]] - x0), axis=-1)
    Y = np.asarray(expand(z[:, : x0.shape[1]].T.reshape(st.n - 1, G, B), st.d))
    return LockedSolution(
        Y=np.moveaxis(Y, -1, 0),
        omega=z[:, -1] if rotating else np.zeros(B),
        theta=theta,
        converged=converged,
        residual=res,
        stable=stable,
        growth=growth,
        distance=dist,
    )
