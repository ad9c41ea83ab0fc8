r"""Long-time states (attractors) of mean-field networks: the Fig. 4 protocol, any oscillator.

Per point (Nadolny & Bruder's figures need the long-time state of Eq. 2; the paper does not
state its windows, so this protocol is our documented choice):

1. Linear stability of the unsynchronized state :math:`\rho^*` (the steady state of each
   uncoupled group, :mod:`qsynchro.solvers.local`; :mod:`qsynchro.solvers.stability`). With
   ``stable_shortcut`` (default), if its largest growth rate is below
   ``-settings.stability_margin`` the trajectory from the default initial state decays back
   to it: nothing is integrated and the attractor is :math:`\rho^*` exactly.
2. Otherwise the equations are integrated (fixed-step RK4) for ``t_transient``; then,
   repeatedly until the point is resolved or ``t_max`` is reached:

   a. (``locked_shortcut``, for at most ``LOCKED_MAX_UNKNOWNS`` real unknowns
      G (d^2 - 1)) Newton's method for a fixed point in the frame rotating at the
      common frequency (:mod:`qsynchro.solvers.locked`), started from the current state; it
      is accepted if it converges, is linearly stable apart from the neutral phase mode and
      lies within ``lock_detect_tol`` of the current state. Its window is then exact:
      :math:`\langle A\rangle_\sigma(t) = a_\sigma e^{i\omega t}`.
   b. Otherwise a window of ``n_samples`` samples every ``sample_dt`` is integrated; the
      point is converged when the per-group order parameters of the two window halves agree
      to ``convergence_rtol`` (relative, absolute floor ``convergence_atol``).

   Points that reach ``t_max`` keep their last window with status "not converged".
   Resolved points leave the batch (re-padded to a few fixed sizes: one compilation each).

The integration runs in a frame rotating at the centre of the chunk's transition
frequencies (U(1)-symmetric models; a driven model stays in the drive's frame) and the
samples are rotated back exactly. The step is ``sample_dt / m`` with the smallest integer
``m`` such that ``dt <= settings.dt`` and :math:`\lambda_\mathrm{est}\,dt \le 2`, where
:math:`\lambda_\mathrm{est}` is the spectral radius of the uncoupled generator in that frame
plus :math:`\sum_\tau|C_{\sigma\tau}|\,r(A)\,\mathrm{spread}(A + A^\dagger)/2` (r the
numerical radius; for spin-1 this is :math:`2\sum_\tau|C_{\sigma\tau}|`, the calibrated
estimate of ``docs/meanfield.md``).
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from qsynchro._jax import x64
from qsynchro.equations.meanfield import (
    expand,
    params_from_model,
    prepare,
    structure,
    to_real,
)
from qsynchro.models.network import Network
from qsynchro.solvers.attractor_locked import magnitudes_of, phase_locked, try_locked
from qsynchro.solvers.attractor_settings import (
    METHOD_INTEGRATED,
    METHOD_LOCKED,
    METHOD_STABLE,
    AttractorSettings,
    RawAttractor,
)
from qsynchro.solvers.evolve import advance, sample
from qsynchro.solvers.local import (
    default_initial_state,
    local_generator,
    local_steady_state,
)
from qsynchro.solvers.stability import max_growth_rate

__all__ = ["find_attractor"]

#: batch sizes the integrator is compiled for; an active set is cut into pieces of these
BUCKETS = (1024, 128, 16)
#: Newton's dense Jacobian has (G (d^2 - 1))^2 entries per point and its autodiff needs
#: several GB above this many unknowns: larger networks skip the locked shortcut (their
#: locked points are found by integration, path 2)
LOCKED_MAX_UNKNOWNS = 400


def _pieces(n: int) -> list[tuple[int, int]]:
    """Cut ``n`` points into ``(count, padded_size)`` pieces of the sizes in :data:`BUCKETS`."""
    out = []
    while n > 0:
        size = next((b for b in BUCKETS if b <= n), BUCKETS[-1])
        take = min(size, n)
        out.append((take, size))
        n -= take
    return out


def _frame(model: Network) -> np.ndarray:
    """Integration frame per point: centre of the charge +-1 transition frequencies, (B,)."""
    osc = model.oscillator
    q = osc.charges
    if not model.u1_symmetric:
        return np.zeros(model.batch_shape[0])
    H = sum(
        v[..., None] * np.diag(osc.hamiltonian[k]).real
        for k, v in model.parameters.items()
        if k in osc.hamiltonian
    )
    e = np.asarray(H + 0.0) + 0.0 * q  # (B, d) diagonal energies without detuning
    e = np.broadcast_to(e, (model.batch_shape[0], q.size))
    k, l = np.nonzero(np.abs(q[:, None] - q[None, :] - 1.0) < 1e-9)
    f = e[:, k] - e[:, l]  # (B, n_transitions)
    centre = 0.5 * (f.max(-1) + f.min(-1)) if f.shape[-1] else 0.0
    return model.detuning.mean(-1) + centre


def _steps_per_sample(model: Network, omega_f: np.ndarray, st: AttractorSettings) -> int:
    """RK4 steps per sample: dt <= settings.dt and lambda_est * dt <= 2 (module docstring)."""
    osc = model.oscillator
    shifted = model.replace(detuning=model.detuning - omega_f[:, None])
    # one generator per distinct parameter row (the grid repeats them)
    rows = np.concatenate(
        [np.asarray(v, dtype=np.float64)[:, None] for v in shifted.parameters.values()]
        + [shifted.detuning.real],
        -1,
    )
    _, first = np.unique(np.round(rows, 12), axis=0, return_index=True)
    M = local_generator(shifted.take(first))
    lam_lin = np.max(np.abs(np.linalg.eigvals(M.reshape(-1, *M.shape[-2:]))))
    A = osc.coupling_operator
    X = A + A.conj().T
    ev = np.linalg.eigvalsh(X)
    radius = 0.5 * float(ev[-1])  # numerical radius of A: max <A + A^dag>/2 (U(1)-covariant A)
    spread = float(ev[-1] - ev[0])
    lam_c = float(np.max(np.sum(np.abs(model.coupling), -1))) * radius * spread / 2.0
    lam = lam_lin + lam_c
    m = max(round(st.sample_dt / st.dt), math.ceil(st.sample_dt * lam / 2.0))
    return max(int(m), 1)


def _half_residual(sp: np.ndarray, st: AttractorSettings) -> np.ndarray:
    """max over groups of |op(first half) - op(second half)| / max(op, atol/rtol); (B,)."""
    h = sp.shape[-1] // 2
    o1 = np.mean(np.abs(sp[..., :h]), -1)
    o2 = np.mean(np.abs(sp[..., h:]), -1)
    scale = np.maximum(0.5 * (o1 + o2), st.convergence_atol / st.convergence_rtol)
    return np.max(np.abs(o1 - o2) / scale, axis=-1)


def _integrate(
    model: Network,
    st: AttractorSettings,
    out: dict[str, np.ndarray],
    windows: list[tuple[np.ndarray, np.ndarray]],
) -> None:
    """Staged integration of every point of the flat ``model``; fills ``out`` in place.

    The lab-frame windows of the integrated points are appended to ``windows`` as
    ``(indices, samples (n, G, n_samples))`` (only those points store a window).
    """
    mst = structure(model.oscillator)
    rotating = model.u1_symmetric
    newton = st.locked_shortcut and model.G * (mst.n - 1) <= LOCKED_MAX_UNKNOWNS
    omega_f = _frame(model)
    n_every = _steps_per_sample(model, omega_f, st)
    dt_eff = st.sample_dt / n_every
    n_tr = round(st.t_transient / st.sample_dt) * n_every
    W = st.window
    out["dt"][:] = dt_eff
    p_all = params_from_model(model.replace(detuning=model.detuning - omega_f[:, None]), xp=np)
    B = model.batch_shape[0]
    rho0 = default_initial_state(model, st.epsilon)
    # trace-reduced coordinates (n - 1, G, B) throughout: rho_00 = 1 - sum of the others
    Y = np.moveaxis(to_real(rho0), (0, 1, 2), (2, 1, 0))[1:].copy()
    active = np.arange(B)
    cand = np.ones(B, dtype=bool)  # Newton candidates
    t = 0.0
    first = True

    def piece(
        act: np.ndarray, Yp: np.ndarray, cp: np.ndarray, size: int, t_stage: float, first: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        """Advance / Newton / window for one padded piece; returns what stays active."""
        count = act.size
        pad = size - count
        sel = np.concatenate([act, np.full(pad, act[0])])
        pn = jax.tree_util.tree_map(lambda x: x[..., sel], p_all)
        pj = jax.tree_util.tree_map(jnp.asarray, pn)
        lc = prepare(pj, mst)
        Yb = jnp.asarray(np.concatenate([Yp, np.repeat(Yp[..., :1], pad, -1)], -1))
        if first:
            Yb = advance(Yb, lc, pj.Cr, pj.Ci, jnp.float64(dt_eff), n_tr, st=mst, reduced=True)
        resolved = np.zeros(size, dtype=bool)
        resolved[count:] = True
        if newton and np.any(cp):
            Yfull = expand(np.asarray(Yb), mst.d)
            ok, amp_l, om_l, mags_l = try_locked(Yfull, pn, mst, rotating, st)
            ok[count:] = False
            ok[:count] &= cp
            gi = act[ok[:count]]
            wf = omega_f[gi]
            out["amp"][gi] = amp_l[ok] * np.exp(1j * wf * t_stage)[:, None]
            out["omega"][gi] = om_l[ok] + wf
            out["mags"][gi] = mags_l[ok]
            out["method"][gi] = METHOD_LOCKED
            out["t_int"][gi] = t_stage
            out["residual"][gi] = 0.0
            resolved |= ok
        sampled = False
        if not np.all(resolved):
            Yb, sp_w, mags_w = sample(
                Yb,
                lc,
                pj.Cr,
                pj.Ci,
                jnp.float64(dt_eff),
                st=mst,
                n_every=n_every,
                n_samples=st.n_samples,
                reduced=True,
            )
            sampled = True
            # (size, G, n) in the integration frame: |<A>| and the phase coherence between
            # groups do not depend on the frame, so only the windows kept are rotated back
            sp_w = np.transpose(np.asarray(sp_w), (2, 1, 0))
            mags_w = np.transpose(np.asarray(mags_w), (2, 1, 0))  # (size, G, n_mag)
            res = _half_residual(sp_w, st)
            finite = np.all(np.isfinite(sp_w), axis=(1, 2))
            conv = (res <= st.convergence_rtol) | ~finite
            last = t_stage + 2 * W > st.t_max + 1e-9
            take = ~resolved & (conv | last)
            gi = act[take[:count]]
            tk = t_stage + st.times()
            windows.append((gi, sp_w[take] * np.exp(1j * omega_f[gi][:, None, None] * tk)))
            out["mags"][gi] = mags_w[take]
            out["method"][gi] = METHOD_INTEGRATED
            out["t_int"][gi] = t_stage + W
            out["residual"][gi] = res[take]
            resolved |= take
            # Newton again next stage only where the groups look phase-locked
            cand_w = phase_locked(sp_w[:count], st.lock_threshold)
        else:
            cand_w = np.ones(count, dtype=bool)
        keep = ~resolved[:count]
        return act[keep], cand_w[keep], np.asarray(Yb)[..., :count][..., keep], sampled

    def piece_x64(*args: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        with x64():  # the float64 context is thread-local: enter it in the worker thread
            return piece(*args)

    # pieces of a stage run concurrently: XLA and NumPy release the GIL
    workers = max(1, min(os.cpu_count() or 1, st.threads or (os.cpu_count() or 1)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while active.size:
            t_stage = t + (st.t_transient if first else 0.0)
            jobs = []
            pos = 0
            for count, size in _pieces(active.size):
                sl = slice(pos, pos + count)
                jobs.append(
                    pool.submit(piece_x64, active[sl], Y[..., sl], cand[sl], size, t_stage, first)
                )
                pos += count
            results = [j.result() for j in jobs]
            first = False
            t = t_stage + (W if any(r[3] for r in results) else 0.0)
            active = np.concatenate([r[0] for r in results])
            cand = np.concatenate([r[1] for r in results])
            Y = np.concatenate([r[2] for r in results], -1)


def find_attractor(model: Network, settings: AttractorSettings) -> RawAttractor:
    """The long-time state of every point of ``model`` (see the module docstring).

    Args:
        model: the network, any batch shape (flattened here).
        settings: :class:`AttractorSettings`.

    Returns:
        :class:`RawAttractor` over the flat batch.
    """
    st = settings
    flat = model.flat()
    B, G = flat.batch_shape[0], flat.G
    mst = structure(flat.oscillator)
    n_mag = mst.d + (mst.n - mst.d) // 2
    with x64():
        growth = max_growth_rate(flat)
        rho_star = local_steady_state(flat)
        stable = (growth < -st.stability_margin) & np.all(np.isfinite(rho_star), (-1, -2, -3))
        if not st.stable_shortcut:
            stable[:] = False
        a_star = np.einsum("ij,...ji->...", flat.oscillator.coupling_operator, rho_star)
        out = {
            "mags": magnitudes_of(rho_star).reshape(B, G, n_mag),
            "method": np.full(B, METHOD_STABLE, dtype=np.int8),
            "t_int": np.zeros(B),
            "residual": np.zeros(B),
            "amp": np.where(stable[:, None], a_star, 0.0).astype(np.complex128),
            "dt": np.zeros(B),
            "omega": np.zeros(B),
        }
        idx = np.nonzero(~stable)[0]
        windows: list[tuple[np.ndarray, np.ndarray]] = []
        if idx.size:
            sub = {k: v[idx] for k, v in out.items()}
            _integrate(flat.take(idx), st, sub, windows)
            for k, v in sub.items():
                out[k][idx] = v
    # compact windows of the integrated points, in the order of np.nonzero(method == 2)
    samples = np.zeros((0, G, st.n_samples), dtype=np.complex128)
    if windows:
        where = np.concatenate([w[0] for w in windows])
        order = np.argsort(idx[where])
        samples = np.concatenate([w[1] for w in windows])[order]
    ok_window = np.ones(B, dtype=bool)
    ok_window[out["method"] == METHOD_INTEGRATED] = np.all(np.isfinite(samples), axis=(1, 2))
    finite = (
        np.all(np.isfinite(out["mags"]), axis=(1, 2))
        & np.all(np.isfinite(out["amp"]), -1)
        & np.isfinite(out["omega"])
        & ok_window
    )
    return RawAttractor(
        method=out["method"],
        amplitude=out["amp"],
        omega=out["omega"],
        samples=samples,
        magnitudes=out["mags"],
        growth=growth,
        t_integrated=out["t_int"],
        residual=out["residual"],
        dt=out["dt"],
        finite=finite,
        u1=bool(flat.u1_symmetric),
    )
