r"""Sweep kernel ``"network"``: two groups of spin-1 oscillators (Nadolny & Bruder, Eq. 2).

Parameters (defaults): ``delta`` = 0, ``K`` = 0, ``V`` = 1, ``V_AB`` = 0.5,
``gamma_plus`` = 0.5, ``gamma_minus`` = 1. Group A has detuning +delta/2, B -delta/2. A single
group of the paper (Fig. 2) is ``V_AB = 0, delta = 0`` (then A and B are identical copies).

Protocol per point (documented choice; the paper does not state its windows):

1. Linear stability of :math:`|1\rangle\langle1|` (closed-form Jacobian block,
   :mod:`qsynchro.solvers.stability`). With ``stable_shortcut`` (default), if the largest
   growth rate is below ``-settings.stability_margin`` the trajectory from the default
   initial state
   (:math:`|1\rangle\langle1|` plus a coherence of ``epsilon`` = 1e-2) decays back to it:
   the point is unsynchronized, nothing is integrated, every amplitude is exactly 0.
2. Otherwise Eq. 2 is integrated (fixed-step RK4, ``dt``, packed real elementwise form) for
   ``t_transient``. Then, repeatedly until the point is resolved or ``t_max`` is reached:

   a. (``locked_shortcut``) Newton's method for the fixed point in the frame rotating at the
      common frequency (:mod:`qsynchro.solvers.locked`), started from the current state. It is
      accepted if it converges, is linearly stable (apart from the neutral phase mode) and
      lies within ``lock_detect_tol`` of the current state. Its window is then exact:
      :math:`\langle S^+\rangle_\sigma(t) = a_\sigma e^{i\omega t}` (the limit of the
      integration for :math:`t\to\infty`).
   b. Otherwise a window of ``n_samples`` samples every ``sample_dt`` is integrated. The point
      is converged when the per-group order parameters of the two window halves agree to
      ``convergence_rtol`` (relative, with absolute floor ``convergence_atol``); else the
      next window follows.

   Points that reach ``t_max`` keep their last window with status ``not converged``.
   Resolved points are removed from the batch (which is re-padded to a few fixed sizes,
   so each size compiles once).

Measures (all from the window): ``order_parameter`` (mean over groups of the time-averaged
:math:`|\langle S^+\rangle_\sigma|`), ``order_parameter_A``/``_B``, ``global_order_parameter``
(time average of :math:`|(\langle S^+\rangle_A+\langle S^+\rangle_B)/2|`), ``omega_A``/``_B``
(dominant frequency of the Hann-windowed spectrum with sub-bin refinement; **0.0** for a
group whose order parameter is below ``amplitude_threshold``: mask with ``classification``
or the order parameters, NaN is reserved for failed points), ``frequency_difference`` =
omega_A - omega_B, ``relative_phase`` (arg of the window average of <S^+>_A <S^+>_B^*, i.e.
arg<S^+>_A - arg<S^+>_B for a locked state and its mean for a phase-locked but modulated
one; in (-pi, pi]; 0.0 unless both groups are synchronized; arbitrary when only partially
synchronized), ``classification`` (0 unsynchronized, 1 partial, 2 full; see
:func:`qsynchro.measures.order.classify`), ``coherence_02_A``, ``population_0_A``,
``population_2_A`` (and ``_B``; time averages over the window), ``critical_coupling``
(single group V_c at this point's gamma_plus, gamma_minus, K), ``max_re_eigenvalue`` (largest
real part of the Jacobian at :math:`|1\rangle\langle1|`), ``spectrum_A``/``_B`` over
``omega``, ``S_plus_A``/``_B`` (complex) over ``time``.

Diagnostics per point: ``residual`` (largest relative change of a group's order parameter
between the two halves of the last window; 0 for stable and locked points),
``frequency_resolution``, ``method`` (0 stable, 1 locked via Newton, 2 integrated),
``t_integrated`` (total simulated time of the point), ``phase_coherence``.

The ``time`` coordinate of ``S_plus_A``/``_B`` is the time since the start of the point's
final window (``sample_dt * (1 .. n_samples)``); the absolute start differs between points.

Changes after the first commit (d8c94eb): settings ``convergence_tol``/``max_extensions``
became ``convergence_rtol``/``convergence_atol``/``t_max`` (repeated windows); default
``dt`` 0.02 -> 0.2 (rotating frame, automatic reduction), ``t_transient`` 1000 -> 200;
``omega_A``/``omega_B``/``relative_phase`` are 0.0 (not NaN) for unsynchronized groups;
``relative_phase`` is the arg of the window-averaged <S^+>_A <S^+>_B^*; the ``time``
coordinate is the time since the start of the final window; new setting
``stable_shortcut``.

Status: ``not converged`` when the window halves still differ at ``t_max`` (values are kept,
not NaN, so figures show them; the reason says by how much); ``failed`` (values NaN) when
the integration produced non-finite numbers.
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import jax.numpy as jnp
import numpy as np

from qsynchro._checks import check_int, check_nonnegative, check_positive
from qsynchro._jax import x64
from qsynchro.equations.meanfield import (
    MFParams,
    PackedParams,
    State,
    packed_params,
    rhs,
)
from qsynchro.measures.order import (
    classify,
    global_order_parameter,
    order_parameter_group,
    phase_coherence,
)
from qsynchro.measures.spectra import dominant_frequency, frequency_grid, frequency_resolution
from qsynchro.measures.spectra import spectrum as _spectrum
from qsynchro.models.network import Network
from qsynchro.solvers.evolve import DEFAULT_EPSILON, advance_packed, sample_packed
from qsynchro.solvers.locked import solve_locked
from qsynchro.solvers.stability import critical_coupling, max_growth_rate
from qsynchro.sweeps.kernel import (
    STATUS_FAILED,
    STATUS_NOT_CONVERGED,
    STATUS_OK,
    ChunkResult,
    register_kernel,
)

__all__ = ["NetworkKernel", "NetworkSettings"]

METHOD_STABLE, METHOD_LOCKED, METHOD_INTEGRATED = 0, 1, 2


@dataclass(frozen=True)
class NetworkSettings:
    """Numerical settings of the ``"network"`` kernel (times in units of 1/gamma_minus).

    Args:
        dt: largest RK4 step. The kernel integrates in the frame rotating at
            mean(detuning) + K/2 and lowers the step (to sample_dt / m, m integer) where the
            fastest rate of the chunk requires it (``lambda_est * dt <= 2``). The default 0.2
            gives order parameters to ~1e-4 and frequencies to ~1e-3 against dt = 0.005 on
            Fig. 4 points (docs/meanfield.md); the step used is stored as diagnostic ``dt``.
        t_transient: integration time before the first lock check / window (a multiple of
            ``sample_dt``).
        t_max: largest simulated time per point.
        n_samples: samples per window (spectra have this many bins).
        sample_dt: sample spacing (a multiple of ``dt``); window = n_samples * sample_dt.
        epsilon: symmetry-breaking coherence of the initial state.
        stability_margin: a point is skipped as stable if its largest growth rate at
            |1><1| is below ``-stability_margin``.
        amplitude_threshold: per-group order parameter below which a group is unsynchronized.
        lock_threshold: phase coherence above which two groups count as locked.
        convergence_rtol: allowed relative change of a group's order parameter between the
            two halves of a window.
        convergence_atol: absolute floor of that criterion.
        locked_shortcut: finish phase-locked points by Newton in the rotating frame.
        stable_shortcut: skip the integration where |1><1| is linearly stable (amplitudes
            exactly 0). Set False to get the actual decaying trajectory, e.g. for
            ``S_plus_A`` below V_c (Fig. 2(a)).
        newton_tol: residual tolerance of the Newton solve.
        lock_detect_tol: max distance (max-abs over the state components, after phase
            alignment) between the current state and the Newton fixed point for the point
            to be accepted as locked.
        threads: threads that integrate pieces of a chunk concurrently (0: one per CPU core).
    """

    dt: float = 0.2
    t_transient: float = 200.0
    t_max: float = 5000.0
    n_samples: int = 2048
    sample_dt: float = 0.2
    epsilon: float = DEFAULT_EPSILON
    stability_margin: float = 1e-9
    amplitude_threshold: float = 1e-3
    lock_threshold: float = 0.9
    convergence_rtol: float = 1e-2
    convergence_atol: float = 1e-6
    locked_shortcut: bool = True
    stable_shortcut: bool = True
    newton_tol: float = 1e-10
    lock_detect_tol: float = 1e-2
    threads: int = 0

    def __post_init__(self) -> None:
        check_positive("dt", self.dt)
        check_nonnegative("t_transient", self.t_transient)
        check_positive("t_max", self.t_max)
        check_int("n_samples", self.n_samples, minimum=8)
        check_positive("sample_dt", self.sample_dt)
        check_positive("epsilon", self.epsilon)
        check_nonnegative("stability_margin", self.stability_margin)
        check_positive("amplitude_threshold", self.amplitude_threshold)
        check_positive("lock_threshold", self.lock_threshold)
        check_positive("convergence_rtol", self.convergence_rtol)
        check_nonnegative("convergence_atol", self.convergence_atol)
        check_positive("newton_tol", self.newton_tol)
        check_positive("lock_detect_tol", self.lock_detect_tol)
        check_int("threads", self.threads, minimum=0)
        if self.epsilon > 0.5:
            raise ValueError(f"Argument `epsilon` must be at most 0.5, but got {self.epsilon}.")
        if self.lock_threshold > 1:
            raise ValueError(
                f"Argument `lock_threshold` must be at most 1, but got {self.lock_threshold}."
            )
        for name in ("locked_shortcut", "stable_shortcut"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(
                    f"Argument `{name}` must be a bool, but got {getattr(self, name)!r}."
                )
        for name, val, unit, uname in (
            ("sample_dt", self.sample_dt, self.dt, "dt"),
            ("t_transient", self.t_transient, self.sample_dt, "sample_dt"),
        ):
            n = round(val / unit)
            if abs(n * unit - val) > 1e-9 * max(1.0, val):
                raise ValueError(
                    f"Argument `{name}` must be a multiple of `{uname}` = {unit}, but got {val}."
                )
        if self.t_max < self.t_transient + self.n_samples * self.sample_dt:
            raise ValueError(
                f"Argument `t_max` must be at least t_transient + n_samples * sample_dt = "
                f"{self.t_transient + self.n_samples * self.sample_dt}, but got {self.t_max}."
            )

    @property
    def n_every(self) -> int:
        return round(self.sample_dt / self.dt)

    @property
    def n_transient(self) -> int:
        return round(self.t_transient / self.dt)

    @property
    def window(self) -> float:
        return self.n_samples * self.sample_dt

    def times(self) -> np.ndarray:
        """Sample times within a window (time since the window start), shape (n_samples,)."""
        return self.sample_dt * (1 + np.arange(self.n_samples))

    def bytes_per_point(self) -> int:
        """Rough memory per point of one kernel call (samples, spectra, work arrays)."""
        return int(self.n_samples * 2 * (16 * 3 + 8 * 2) + 4096)


_SCALAR = (
    "order_parameter",
    "order_parameter_A",
    "order_parameter_B",
    "global_order_parameter",
    "omega_A",
    "omega_B",
    "frequency_difference",
    "relative_phase",
    "classification",
    "coherence_02_A",
    "coherence_02_B",
    "population_0_A",
    "population_0_B",
    "population_2_A",
    "population_2_B",
    "critical_coupling",
    "max_re_eigenvalue",
)
MEASURES: dict[str, tuple[str, ...]] = {m: () for m in _SCALAR}
MEASURES.update(
    {
        "spectrum_A": ("omega",),
        "spectrum_B": ("omega",),
        "S_plus_A": ("time",),
        "S_plus_B": ("time",),
    }
)
DEFAULTS = {"delta": 0.0, "K": 0.0, "V": 1.0, "V_AB": 0.5, "gamma_plus": 0.5, "gamma_minus": 1.0}


#: batch sizes the integrator is compiled for; an active set is cut into pieces of these
BUCKETS = (1024, 128, 16)


def _pieces(n: int) -> list[tuple[int, int]]:
    """Cut ``n`` points into ``(count, padded_size)`` pieces of the sizes in :data:`BUCKETS`.

    Greedy: the largest bucket that is not more than ``n`` (4096 repeatedly for big sets);
    the remainder below 16 is padded to 16. Waste is below one smallest bucket plus the
    last partial piece.
    """
    out = []
    while n > 0:
        size = next((b for b in BUCKETS if b <= n), BUCKETS[-1])
        take = min(size, n)
        # a remainder that would need many small pieces: pad to the next bucket up instead
        out.append((take, size))
        n -= take
    return out


def _initial_packed(nb: int, eps: float) -> np.ndarray:
    """Default initial state (see :func:`qsynchro.solvers.evolve.default_initial_state`)."""
    a = math.sqrt(1.0 - 2.0 * eps**2)
    Y = np.zeros((8, 2, nb))
    Y[0] = Y[1] = Y[6] = eps**2
    Y[2] = Y[4] = eps * a
    return Y


def _sub_params(p: PackedParams, sel: np.ndarray) -> PackedParams:
    return PackedParams(p.d[:, sel], p.K[sel], p.C[:, :, sel], p.gp[sel], p.gm[sel])


def _try_locked(Y: np.ndarray, pp: PackedParams, st: NetworkSettings) -> tuple[np.ndarray, ...]:
    """Newton in the rotating frame from packed states Y (8, 2, nb); synthesize windows.

    Returns ``(ok, amplitude (nb, 2) at the current time, omega (nb,), means (3, nb, 2))``.
    """
    Yn = np.asarray(Y)
    p0, p2 = Yn[0].T, Yn[1].T
    y = State(
        p0,
        1.0 - p0 - p2,
        p2,
        (Yn[2] + 1j * Yn[3]).T,
        (Yn[4] + 1j * Yn[5]).T,
        (Yn[6] + 1j * Yn[7]).T,
    )
    pn = MFParams(
        np.asarray(pp.d).T,
        np.asarray(pp.K)[:, None],
        np.moveaxis(np.asarray(pp.C), -1, 0),
        np.asarray(pp.gp)[:, None],
        np.asarray(pp.gm)[:, None],
    )
    s0 = y.c01 + y.c12
    f = rhs(y, pn)  # NumPy evaluation: the instantaneous frequency guess
    ds = f.c01 + f.c12
    nb = s0.shape[0]
    ref = np.argmax(np.abs(s0), axis=-1)
    r = np.arange(nb)
    with np.errstate(divide="ignore", invalid="ignore"):
        om0 = np.imag(ds[r, ref] / s0[r, ref])
    om0 = np.nan_to_num(om0)
    # screen: only states that are nearly stationary in the frame rotating at om0
    fr = rhs(y, pn, om0[:, None])
    drift = np.max(np.stack([np.max(np.abs(x), -1) for x in fr]), 0)
    cand = (drift < 5.0 * st.lock_detect_tol) & np.all(
        np.sqrt(2.0) * np.abs(s0) >= st.amplitude_threshold, axis=-1
    )
    ok = np.zeros(nb, dtype=bool)
    a = np.zeros((nb, 2), dtype=np.complex128)
    om = np.zeros(nb)
    acc = np.zeros((3, nb, 2))
    c = np.nonzero(cand)[0]
    if c.size == 0:
        return ok, a, om, acc
    yc = State(*(x[c] for x in y))
    pc = MFParams(*(x[c] for x in pn))
    sol = solve_locked(yc, pc, om0[c], tol=st.newton_tol)
    ok[c] = sol["stable"] & (sol["distance"] < st.lock_detect_tol)
    fp = sol["state"]
    a[c] = np.sqrt(2.0) * np.asarray(fp.c01 + fp.c12) * np.exp(-1j * sol["theta"])[:, None]
    om[c] = sol["omega"]
    acc[:, c] = np.stack([np.abs(np.asarray(fp.c02)), np.asarray(fp.p0), np.asarray(fp.p2)], 0)
    return ok, a, om, acc


def _steps_per_sample(p: PackedParams, st: NetworkSettings) -> int:
    """RK4 steps per sample: dt <= settings.dt and lambda_est * dt <= 2 for the whole batch.

    lambda_est bounds the fastest rate of Eq. 2 in the integration frame: the largest
    transition frequency |d|, |d + K|, |2d + K| plus (gamma_plus + gamma_minus)/2 plus
    2 sum_tau |C[sigma, tau]| (RK4 is stable up to |lambda dt| ~ 2.8 on the imaginary axis).
    """
    d, K = p.d, p.K
    freq = np.max(np.maximum(np.maximum(np.abs(d), np.abs(d + K)), np.abs(2 * d + K)), 0)
    lam = freq + 0.5 * (p.gp + p.gm) + 2.0 * np.max(np.sum(np.abs(p.C), 1), 0)
    m = max(round(st.sample_dt / st.dt), math.ceil(st.sample_dt * float(np.max(lam)) / 2.0))
    return max(int(m), 1)


def _half_residual(sp: np.ndarray, st: NetworkSettings) -> np.ndarray:
    """max over groups of |op(first half) - op(second half)| / max(op, atol/rtol); (B,)."""
    h = sp.shape[-1] // 2
    o1 = order_parameter_group(sp[..., :h])
    o2 = order_parameter_group(sp[..., h:])
    scale = np.maximum(0.5 * (o1 + o2), st.convergence_atol / st.convergence_rtol)
    return np.max(np.abs(o1 - o2) / scale, axis=-1)


def _integrate_unstable(
    model: Network, idx: np.ndarray, st: NetworkSettings, out: dict[str, np.ndarray]
) -> None:
    """Staged integration of the points ``idx`` of ``model``; fills ``out`` in place."""
    p_all = packed_params(
        Network(
            model.detuning[idx],
            model.K[idx],
            model.coupling[idx],
            model.gamma_plus[idx],
            model.gamma_minus[idx],
        )
    )
    p_np = PackedParams(*(np.asarray(x) for x in p_all))
    # integrate in the frame rotating at omega_f = mean detuning + K/2 (halves the largest
    # frequency of the Fig. 4 grid); the samples are rotated back exactly below
    omega_f = p_np.d.mean(0) + 0.5 * p_np.K
    p_np = p_np._replace(d=p_np.d - omega_f)
    n_every = _steps_per_sample(p_np, st)
    dt_eff = st.sample_dt / n_every
    dt = jnp.float64(dt_eff)
    n_tr = round(st.t_transient / st.sample_dt) * n_every
    W = st.n_samples * st.sample_dt
    out["dt"][idx] = dt_eff
    active = np.arange(idx.size)  # positions into idx
    Y = _initial_packed(idx.size, st.epsilon)
    cand = np.ones(idx.size, dtype=bool)  # Newton candidates
    t = 0.0
    first = True

    def piece(
        act: np.ndarray, Yp: np.ndarray, cp: np.ndarray, size: int, t_stage: float, first: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        """Advance / Newton / window for one padded piece; returns what stays active."""
        count = act.size
        pad = size - count
        sel = np.concatenate([act, np.full(pad, act[0])])
        pp = PackedParams(
            p_np.d[:, sel], p_np.K[sel], p_np.C[:, :, sel], p_np.gp[sel], p_np.gm[sel]
        )
        pp = PackedParams(*(jnp.asarray(x) for x in pp))
        Yb = jnp.asarray(np.concatenate([Yp, np.repeat(Yp[:, :, :1], pad, 2)], 2))
        if first:
            Yb = advance_packed(Yb, pp, dt, n_tr)
        resolved = np.zeros(size, dtype=bool)
        resolved[count:] = True
        if st.locked_shortcut and np.any(cp):
            ok, amp_l, om_l, acc_l = _try_locked(Yb, pp, st)
            ok[count:] = False
            ok[:count] &= cp
            gi = idx[act[ok[:count]]]
            wf = omega_f[act[ok[:count]]]
            out["amp"][gi] = amp_l[ok] * np.exp(1j * wf * t_stage)[:, None]
            out["omega"][gi] = om_l[ok] + wf
            out["acc"][:, gi] = acc_l[:, ok]
            out["method"][gi] = METHOD_LOCKED
            out["t_int"][gi] = t_stage
            out["residual"][gi] = 0.0
            resolved |= ok
        sampled = False
        if not np.all(resolved):
            Yb, sp_w, acc_w = sample_packed(Yb, pp, dt, n_every=n_every, n_samples=st.n_samples)
            sampled = True
            sp_w = np.array(np.transpose(np.asarray(sp_w), (2, 1, 0)))  # (size, 2, n)
            tk = t_stage + st.times()
            sp_w[:count] *= np.exp(1j * omega_f[act][:, None, None] * tk)
            acc_w = np.transpose(np.asarray(acc_w), (0, 2, 1))  # (3, size, 2)
            res = _half_residual(sp_w, st)
            finite = np.all(np.isfinite(sp_w), axis=(1, 2))
            conv = (res <= st.convergence_rtol) | ~finite
            last = t_stage + 2 * W > st.t_max + 1e-9
            take = ~resolved & (conv | last)
            gi = idx[act[take[:count]]]
            out["sp"][gi] = sp_w[take]
            out["acc"][:, gi] = acc_w[:, take]
            out["method"][gi] = METHOD_INTEGRATED
            out["t_int"][gi] = t_stage + W
            out["residual"][gi] = res[take]
            resolved |= take
            # Newton again next stage only where the groups look phase-locked
            pcw = np.nan_to_num(phase_coherence(sp_w[:, 0], sp_w[:, 1]), nan=0.0)
            cand_w = (pcw >= st.lock_threshold)[:count]
        else:
            cand_w = np.ones(count, dtype=bool)
        keep = ~resolved[:count]
        return act[keep], cand_w[keep], np.asarray(Yb)[:, :, :count][:, :, keep], sampled

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
                    pool.submit(piece_x64, active[sl], Y[:, :, sl], cand[sl], size, t_stage, first)
                )
                pos += count
            results = [j.result() for j in jobs]
            first = False
            t = t_stage + (W if any(r[3] for r in results) else 0.0)
            active = np.concatenate([r[0] for r in results])
            cand = np.concatenate([r[1] for r in results])
            Y = np.concatenate([r[2] for r in results], 2)


def _params(params: Mapping[str, np.ndarray]) -> Network:
    return Network.two_groups(
        params["delta"],
        params["K"],
        params["V"],
        params["V_AB"],
        params["gamma_plus"],
        params["gamma_minus"],
    )


class NetworkKernel:
    """The ``"network"`` kernel (see module docstring)."""

    name = "network"
    defaults: Mapping[str, float] = DEFAULTS
    settings_type = NetworkSettings
    measures: Mapping[str, tuple[str, ...]] = MEASURES

    def coords(self, measures: tuple[str, ...], settings: NetworkSettings) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        if any(self.measures[m] == ("omega",) for m in measures):
            out["omega"] = frequency_grid(settings.n_samples, settings.sample_dt)
        if any(self.measures[m] == ("time",) for m in measures):
            out["time"] = settings.times()
        return out

    def bytes_per_point(self, measures: tuple[str, ...], settings: NetworkSettings) -> int:
        """Memory per point of one call, for the engine's chunk-size policy (an estimate)."""
        return settings.bytes_per_point()

    def validate(
        self, params: Mapping[str, np.ndarray], measures: tuple[str, ...], settings: NetworkSettings
    ) -> None:
        for m in measures:
            if m not in self.measures:
                raise ValueError(
                    f"Unknown measure {m!r} for kernel `network`; valid measures are "
                    f"{sorted(self.measures)}."
                )
        if not isinstance(settings, NetworkSettings):
            raise TypeError(
                f"Argument `settings` must be a NetworkSettings, but got {type(settings).__name__}."
            )
        _params(params)  # raises ValueError with the parameter named

    # ------------------------------------------------------------------------------ call
    def __call__(
        self, params: Mapping[str, np.ndarray], measures: tuple[str, ...], settings: NetworkSettings
    ) -> ChunkResult:
        with x64():
            return _run(params, measures, settings)


def _run(
    params: Mapping[str, np.ndarray], measures: tuple[str, ...], st: NetworkSettings
) -> ChunkResult:
    model = _params({k: np.asarray(v, dtype=np.float64).reshape(-1) for k, v in params.items()})
    B = model.batch_shape[0]
    growth = max_growth_rate(model)
    stable = growth < -st.stability_margin
    if not st.stable_shortcut:
        stable[:] = False
    out = {
        "sp": np.zeros((B, 2, st.n_samples), dtype=np.complex128),
        "acc": np.zeros((3, B, 2)),
        "method": np.full(B, METHOD_STABLE, dtype=np.int8),
        "t_int": np.zeros(B),
        "residual": np.zeros(B),
        "amp": np.zeros((B, 2), dtype=np.complex128),
        "dt": np.zeros(B),
        "omega": np.zeros(B),
    }
    idx = np.nonzero(~stable)[0]
    if idx.size:
        _integrate_unstable(model, idx, st, out)
    return _measure(model, out, growth, measures, st)


def _measure(
    model: Network,
    out: dict[str, np.ndarray],
    growth: np.ndarray,
    measures: tuple[str, ...],
    st: NetworkSettings,
) -> ChunkResult:
    """Measures from the windows (integrated points) or exactly (locked and stable points)."""
    sp, acc, method, t_int, residual = (
        out[k] for k in ("sp", "acc", "method", "t_int", "residual")
    )
    amp, om_l = out["amp"], out["omega"]
    B = sp.shape[0]
    n = st.n_samples
    thr = st.amplitude_threshold
    I = np.nonzero(method == METHOD_INTEGRATED)[0]
    L = np.nonzero(method == METHOD_LOCKED)[0]
    finite = np.all(np.isfinite(acc), axis=(0, 2)) & np.all(np.isfinite(amp), -1)
    finite[I] &= np.all(np.isfinite(sp[I]), axis=(1, 2))
    finite &= np.isfinite(om_l)
    spI = np.where(finite[I, None, None], sp[I], 0.0)
    op = np.zeros((B, 2))
    glob = np.zeros(B)
    w = np.zeros((B, 2))
    last = np.zeros((B, 2), dtype=np.complex128)
    cls = np.zeros(B, dtype=np.int8)
    pc = np.zeros(B)
    # integrated points: everything from the window
    op[I] = order_parameter_group(spI)
    glob[I] = global_order_parameter(spI)
    omega, PI = _spectrum(spI, st.sample_dt)
    w[I] = np.nan_to_num(dominant_frequency(omega, PI))
    last[I, 0] = np.mean(spI[:, 0] * np.conj(spI[:, 1]), axis=-1)
    last[I, 1] = 1.0
    cls[I] = classify(spI, amplitude_threshold=thr, lock_threshold=st.lock_threshold)
    pc[I] = np.nan_to_num(phase_coherence(spI[:, 0], spI[:, 1]), nan=0.0)
    # locked points: exact, <S^+>_sigma(t) = amp_sigma exp(i omega t)
    aL = np.where(finite[L, None], amp[L], 0.0)
    op[L] = np.abs(aL)
    glob[L] = np.abs(aL.sum(-1)) / 2.0
    w[L] = np.nan_to_num(om_l[L])[:, None]
    last[L, 0] = aL[:, 0] * np.conj(aL[:, 1])
    last[L, 1] = 1.0
    syncL = op[L] >= thr
    cls[L] = np.where(np.all(syncL, -1), 2, np.where(np.any(syncL, -1), 1, 0))
    pc[L] = 1.0
    synced = op >= thr
    w = np.where(synced, w, 0.0)
    relph = np.where(np.all(synced, -1), np.angle(last[:, 0] * np.conj(last[:, 1])), 0.0)
    vals: dict[str, Any] = {
        "order_parameter": op.mean(-1),
        "order_parameter_A": op[:, 0],
        "order_parameter_B": op[:, 1],
        "global_order_parameter": glob,
        "omega_A": w[:, 0],
        "omega_B": w[:, 1],
        "frequency_difference": w[:, 0] - w[:, 1],
        "relative_phase": relph,
        "classification": cls,
        "coherence_02_A": acc[0, :, 0],
        "coherence_02_B": acc[0, :, 1],
        "population_0_A": acc[1, :, 0],
        "population_0_B": acc[1, :, 1],
        "population_2_A": acc[2, :, 0],
        "population_2_B": acc[2, :, 1],
        "critical_coupling": np.asarray(
            critical_coupling(model.gamma_plus, model.gamma_minus, model.K), dtype=np.float64
        ),
        "max_re_eigenvalue": growth,
    }
    if any(m in measures for m in ("spectrum_A", "spectrum_B", "S_plus_A", "S_plus_B")):
        full = np.zeros((B, 2, n), dtype=np.complex128)
        full[I] = spI
        full[L] = aL[:, :, None] * np.exp(1j * np.nan_to_num(om_l[L])[:, None, None] * st.times())
        P = np.zeros((B, 2, n))
        P[I] = PI
        if L.size:
            P[L] = _spectrum(full[L], st.sample_dt)[1]
        vals.update(
            {
                "spectrum_A": P[:, 0],
                "spectrum_B": P[:, 1],
                "S_plus_A": full[:, 0],
                "S_plus_B": full[:, 1],
            }
        )
    status = np.full(B, STATUS_OK, dtype=np.int8)
    reason = np.full(B, "", dtype=object)
    nc = finite & (residual > st.convergence_rtol)
    status[nc] = STATUS_NOT_CONVERGED
    reason[nc] = [
        f"order parameter changed by a relative {r:.2g} between window halves at t_max "
        f"(tolerance {st.convergence_rtol:g})"
        for r in residual[nc]
    ]
    status[~finite] = STATUS_FAILED
    reason[~finite] = "non-finite values in the time integration"
    values = {}
    for m in measures:
        v = np.asarray(vals[m])
        if v.dtype.kind in "fc":
            v = np.where(finite.reshape((B,) + (1,) * (v.ndim - 1)), v, np.nan)
        values[m] = v
    diagnostics = {
        "residual": residual,
        "frequency_resolution": np.full(B, frequency_resolution(n, st.sample_dt)),
        "method": method,
        "t_integrated": t_int,
        "phase_coherence": pc,
        "dt": out["dt"],
    }
    return ChunkResult(
        values=values, status=status, reason=reason.astype(str), diagnostics=diagnostics
    )


def settings_from(**kwargs: Any) -> NetworkSettings:
    """Build :class:`NetworkSettings`; unknown names are an error listing the valid ones."""
    valid = {f.name for f in dataclasses.fields(NetworkSettings)}
    unknown = sorted(set(kwargs) - valid)
    if unknown:
        raise ValueError(f"Unknown setting(s) {unknown}; valid settings are {sorted(valid)}.")
    return NetworkSettings(**kwargs)


register_kernel("network", NetworkKernel)
