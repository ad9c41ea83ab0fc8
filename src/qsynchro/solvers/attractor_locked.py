r"""The locked shortcut of the attractor pipeline (:mod:`qsynchro.solvers.attractor`, step 2a).

:func:`phase_locked` screens integrated windows for phase-locked groups;
:func:`try_locked` runs Newton's method in the frame rotating at the common frequency
(:mod:`qsynchro.solvers.locked`) from the current states and accepts a result only if it
converged, is linearly stable apart from the neutral phase mode and lies within
``lock_detect_tol`` of the trajectory.
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from qsynchro.equations.meanfield import MFParams, expectation, from_real, prepare, rhs
from qsynchro.solvers.attractor_settings import AttractorSettings
from qsynchro.solvers.locked import solve_locked

__all__ = ["magnitudes_of", "phase_locked", "try_locked"]


def magnitudes_of(rho: np.ndarray) -> np.ndarray:
    """Populations and |rho_ij| (i < j, row-major) of density matrices (..., d, d)."""
    d = rho.shape[-1]
    iu = np.triu_indices(d, 1)
    return np.concatenate(
        [np.real(np.diagonal(rho, axis1=-2, axis2=-1)), np.abs(rho[..., iu[0], iu[1]])], -1
    )


def phase_locked(sp: np.ndarray, threshold: float) -> np.ndarray:
    """All groups phase-coherent with group 0 above ``threshold`` over the window; (B,).

    A screen for Newton candidates only (the classification is made in
    :mod:`qsynchro.measures.attractor`); invariant under a common frame rotation. Every
    fourth sample is enough for a screen.
    """
    sp = sp[..., ::4]
    a = np.abs(sp)
    zero = np.any(a == 0, -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.where(a > 0, sp / a, 0.0)
    pc = np.abs(np.mean(u * np.conj(u[:, :1]), -1))  # coherence with group 0 (G = 1: 1)
    return np.all(np.where(zero, 0.0, pc) >= threshold, -1)


def try_locked(
    Y: np.ndarray, p: MFParams, model_st: Any, rotating: bool, st: AttractorSettings
) -> tuple[np.ndarray, ...]:
    """Newton from states Y (n, G, nb); returns (ok, amplitude (nb, G), omega (nb,), mags)."""
    nb = Y.shape[-1]
    G = Y.shape[1]
    ok = np.zeros(nb, dtype=bool)
    amp = np.zeros((nb, G), dtype=np.complex128)
    om = np.zeros(nb)
    mags = np.zeros((nb, G, model_st.d + (model_st.n - model_st.d) // 2))
    sr, si = (np.asarray(v) for v in expectation(Y, model_st))
    s0 = sr + 1j * si  # (G, nb)
    om0 = np.zeros(nb)
    if rotating:
        f = rhs(Y, prepare(p, model_st), p.Cr, p.Ci, model_st)
        fr, fi = (np.asarray(v) for v in expectation(f, model_st))
        ref = np.argmax(np.abs(s0), axis=0)
        r = np.arange(nb)
        with np.errstate(divide="ignore", invalid="ignore"):
            om0 = np.nan_to_num(np.imag((fr + 1j * fi)[ref, r] / s0[ref, r]))
        # screen: only states nearly stationary in the frame rotating at om0
        drift = np.max(
            np.abs(rhs(Y, prepare(p, model_st, om0[None]), p.Cr, p.Ci, model_st)), axis=(0, 1)
        )
        cand = (drift < 5.0 * st.lock_detect_tol) & np.all(
            np.abs(s0) >= st.amplitude_threshold, axis=0
        )
    else:
        drift = np.max(np.abs(rhs(Y, prepare(p, model_st), p.Cr, p.Ci, model_st)), axis=(0, 1))
        cand = drift < 5.0 * st.lock_detect_tol
    c = np.nonzero(cand)[0]
    if c.size == 0:
        return ok, amp, om, mags
    sol = solve_locked(
        Y[..., c],
        jax.tree_util.tree_map(lambda x: x[..., c], p),
        om0[c],
        model_st,
        rotating=rotating,
        tol=st.newton_tol,
    )
    ok[c] = sol.stable & (sol.distance < st.lock_detect_tol)
    Yf = np.moveaxis(sol.Y, 0, -1)  # (n, G, nc)
    a_r, a_i = (np.asarray(v) for v in expectation(Yf, model_st))
    amp[c] = ((a_r + 1j * a_i) * np.exp(-1j * sol.theta)[None, :]).T
    om[c] = sol.omega
    rho = from_real(np.moveaxis(Yf, 0, -1))  # (G, nc, d, d)
    mags[c] = np.moveaxis(magnitudes_of(rho), 0, 1)
    return ok, amp, om, mags
