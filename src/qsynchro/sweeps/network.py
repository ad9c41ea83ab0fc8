r"""Sweep kernel ``"network"``: two groups of spin-1 oscillators (Nadolny & Bruder, Eq. 2).

Parameters (defaults): ``delta`` = 0, ``K`` = 0, ``V`` = 1, ``V_AB`` = 0.5,
``gamma_plus`` = 0.5, ``gamma_minus`` = 1. Group A has detuning +delta/2, B -delta/2. A single
group of the paper (Fig. 2) is ``V_AB = 0, delta = 0`` (then A and B are identical copies).

Protocol per point (documented choice; the paper does not state its windows):

1. Linear stability of :math:`|1\rangle\langle1|` (closed-form Jacobian block,
   :mod:`qsynchro.solvers.stability`). If the largest growth rate is below
   ``-settings.stability_margin`` the trajectory from the default initial state
   (:math:`|1\rangle\langle1|` plus a coherence of 1e-2) decays to it: the point is
   unsynchronized, nothing is integrated, every amplitude is 0.
2. Otherwise Eq. 2 is integrated with fixed-step RK4 (``dt``) for ``t_transient``, then
   <S^+>_sigma is sampled ``n_samples`` times every ``sample_dt`` (the window).
3. With ``locked_shortcut`` a point whose state after the transient is close to a phase-locked
   orbit is finished by Newton's method on the fixed point in the frame rotating at the
   common frequency (:mod:`qsynchro.solvers.locked`), checked for linear stability; its
   window is then synthesized exactly, :math:`\langle S^+\rangle_\sigma(t) = a_\sigma
   e^{i\omega t}`.

Measures (all from the window): ``order_parameter`` (mean over groups of the time-averaged
:math:`|\langle S^+\rangle_\sigma|`), ``order_parameter_A``/``_B``, ``global_order_parameter``
(time average of :math:`|(\langle S^+\rangle_A+\langle S^+\rangle_B)/2|`), ``omega_A``/``_B``
(dominant frequency of the Hann-windowed spectrum with sub-bin refinement; **0.0** for a
group whose order parameter is below ``amplitude_threshold``: mask with ``classification``
or the order parameters, NaN is reserved for failed points), ``frequency_difference`` =
omega_A - omega_B, ``relative_phase`` (arg<S^+>_A - arg<S^+>_B at the last sample, in
(-pi, pi]; 0.0 unless both groups are synchronized; arbitrary when only partially
synchronized), ``classification`` (0 unsynchronized, 1 partial, 2 full; see
:func:`qsynchro.measures.order.classify`), ``coherence_02_A``, ``population_0_A``,
``population_2_A`` (and ``_B``; time averages over the window), ``critical_coupling``
(single group V_c at this point's gamma_plus, gamma_minus, K), ``max_re_eigenvalue`` (largest
real part of the Jacobian at :math:`|1\rangle\langle1|`), ``spectrum_A``/``_B`` over
``omega``, ``S_plus_A``/``_B`` (complex) over ``time``.

Diagnostics per point: ``residual`` (largest change of a group's order parameter between the
two halves of the window), ``frequency_resolution``, ``method`` (0 stable, 1 locked via
Newton, 2 integrated), ``t_integrated``.

Status: ``not converged`` when ``residual > convergence_tol`` (the values are kept, not
NaN, so that figures show them; the reason says why); ``failed`` (values NaN) when the
integration produced non-finite numbers.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from qsynchro._checks import check_int, check_nonnegative, check_positive
from qsynchro._jax import x64
from qsynchro.equations.meanfield import MFParams, State, s_plus
from qsynchro.measures.order import (
    classify,
    global_order_parameter,
    order_parameter_group,
    phase_coherence,
)
from qsynchro.measures.spectra import dominant_frequency, frequency_grid, frequency_resolution
from qsynchro.measures.spectra import spectrum as _spectrum
from qsynchro.models.network import Network
from qsynchro.solvers.evolve import DEFAULT_EPSILON, rk4_step
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
        dt: RK4 step.
        t_transient: integration time before the sampling window.
        n_samples: samples in the window (spectra have this many bins).
        sample_dt: sample spacing (a multiple of ``dt``); window = n_samples * sample_dt.
        epsilon: symmetry-breaking coherence of the initial state.
        stability_margin: a point is skipped as stable if its largest growth rate at
            |1><1| is below ``-stability_margin``.
        amplitude_threshold: per-group order parameter below which a group is unsynchronized.
        lock_threshold: phase coherence above which two groups count as locked.
        convergence_tol: largest allowed change of a group's order parameter between the two
            halves of the window before the point is flagged ``not converged``.
        locked_shortcut: finish phase-locked points by Newton in the rotating frame.
        newton_tol: residual tolerance of the Newton solve.
        lock_detect_tol: max distance (max-abs over the state components, after phase
            alignment) between the post-transient state and the Newton fixed point for the
            point to be accepted as locked.
        max_extensions: extra windows of integration for points not yet converged.
    """

    dt: float = 0.02
    t_transient: float = 1000.0
    n_samples: int = 2048
    sample_dt: float = 0.2
    epsilon: float = DEFAULT_EPSILON
    stability_margin: float = 1e-9
    amplitude_threshold: float = 1e-3
    lock_threshold: float = 0.9
    convergence_tol: float = 2e-3
    locked_shortcut: bool = True
    newton_tol: float = 1e-11
    lock_detect_tol: float = 1e-2
    max_extensions: int = 0

    def __post_init__(self) -> None:
        check_positive("dt", self.dt)
        check_nonnegative("t_transient", self.t_transient)
        check_int("n_samples", self.n_samples, minimum=8)
        check_positive("sample_dt", self.sample_dt)
        check_positive("epsilon", self.epsilon)
        check_nonnegative("stability_margin", self.stability_margin)
        check_positive("amplitude_threshold", self.amplitude_threshold)
        check_positive("lock_threshold", self.lock_threshold)
        check_positive("convergence_tol", self.convergence_tol)
        check_positive("newton_tol", self.newton_tol)
        check_positive("lock_detect_tol", self.lock_detect_tol)
        check_int("max_extensions", self.max_extensions, minimum=0)
        if self.epsilon > 0.5:
            raise ValueError(f"Argument `epsilon` must be at most 0.5, but got {self.epsilon}.")
        if self.lock_threshold > 1:
            raise ValueError(
                f"Argument `lock_threshold` must be at most 1, but got {self.lock_threshold}."
            )
        if not isinstance(self.locked_shortcut, (bool, np.bool_)):
            raise TypeError(
                f"Argument `locked_shortcut` must be a bool, but got {self.locked_shortcut!r}."
            )
        for name, val in (("sample_dt", self.sample_dt), ("t_transient", self.t_transient)):
            n = round(val / self.dt)
            if abs(n * self.dt - val) > 1e-9 * max(1.0, val):
                raise ValueError(
                    f"Argument `{name}` must be a multiple of `dt` = {self.dt}, but got {val}."
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
        """Sample times, shape (n_samples,)."""
        return self.t_transient + self.sample_dt * (1 + np.arange(self.n_samples))


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


def _bucket(n: int) -> int:
    """Padded batch size: next power of two, at least 16 (bounds the number of compiles)."""
    return max(16, 1 << (max(n, 1) - 1).bit_length())


def _initial_state(B: int, eps: float) -> State:
    a = math.sqrt(1.0 - 2.0 * eps**2)
    f = lambda v: jnp.full((B, 2), v, dtype=jnp.float64)  # noqa: E731
    c = lambda v: jnp.full((B, 2), v, dtype=jnp.complex128)  # noqa: E731
    return State(f(eps**2), f(a * a), f(eps**2), c(eps * a), c(eps * a), c(eps**2))


@partial(jax.jit, static_argnames=("n",))
def _advance(y: State, p: MFParams, dt: Any, *, n: int) -> State:
    return jax.lax.fori_loop(0, n, lambda _, z: rk4_step(z, p, dt), y)


@partial(jax.jit, static_argnames=("n_every", "n_samples"))
def _window(y: State, p: MFParams, dt: Any, *, n_every: int, n_samples: int) -> tuple[Any, ...]:
    """Sample <S^+> every n_every steps; accumulate time averages of |c02|, p0, p2."""

    def body(carry: tuple[State, Any], _: Any) -> tuple[tuple[State, Any], Any]:
        z, acc = carry
        z = jax.lax.fori_loop(0, n_every, lambda _, u: rk4_step(u, p, dt), z)
        acc = acc + jnp.stack([jnp.abs(z.c02), z.p0, z.p2], 0)
        return (z, acc), s_plus(z)

    acc0 = jnp.zeros((3, *y.p0.shape))
    (y, acc), sp = jax.lax.scan(body, (y, acc0), None, length=n_samples)
    return y, jnp.moveaxis(sp, 0, -1), acc / n_samples


def _finish_locked(y: State, p: MFParams, st: NetworkSettings) -> tuple[np.ndarray, ...]:
    """Newton in the rotating frame from the post-transient state; synthesize the window."""
    dt = jnp.float64(st.dt)
    y1 = _advance(y, p, dt, n=1)
    s0 = np.asarray(s_plus(y))
    s1 = np.asarray(s_plus(y1))
    nb = s0.shape[0]
    ref = np.argmax(np.abs(s0), axis=-1)
    r = np.arange(nb)
    with np.errstate(divide="ignore", invalid="ignore"):
        om0 = np.angle(s1[r, ref] / s0[r, ref]) / st.dt
    om0 = np.nan_to_num(om0)
    sol = solve_locked(y, p, om0, tol=st.newton_tol)
    ok = sol["stable"] & (sol["distance"] < st.lock_detect_tol)
    ok &= np.all(np.abs(s0) >= st.amplitude_threshold, axis=-1)
    fp = sol["state"]
    a = np.sqrt(2.0) * np.asarray(fp.c01 + fp.c12) * np.exp(-1j * sol["theta"])[:, None]
    tau = st.sample_dt * (1 + np.arange(st.n_samples))
    sp = a[:, :, None] * np.exp(1j * sol["omega"][:, None, None] * tau)
    acc = np.stack([np.abs(np.asarray(fp.c02)), np.asarray(fp.p0), np.asarray(fp.p2)], 0)
    return ok, sp, acc


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
    n = st.n_samples
    growth = max_growth_rate(model)
    stable = growth < -st.stability_margin
    method = np.where(stable, METHOD_STABLE, METHOD_INTEGRATED).astype(np.int8)
    sp = np.zeros((B, 2, n), dtype=np.complex128)
    acc = np.zeros((3, B, 2))
    acc[1:, :, :] = 0.0
    t_int = np.zeros(B)
    idx = np.nonzero(~stable)[0]
    if idx.size:
        nb = _bucket(idx.size)
        pad = np.concatenate([idx, np.full(nb - idx.size, idx[0])])
        sub = Network(
            model.detuning[pad],
            model.K[pad],
            model.coupling[pad],
            model.gamma_plus[pad],
            model.gamma_minus[pad],
        )
        p = MFParams(
            jnp.asarray(sub.detuning),
            jnp.asarray(sub.K)[:, None],
            jnp.asarray(sub.coupling),
            jnp.asarray(sub.gamma_plus)[:, None],
            jnp.asarray(sub.gamma_minus)[:, None],
        )
        dt = jnp.float64(st.dt)
        y = _initial_state(nb, st.epsilon)
        done = np.zeros(nb, dtype=bool)
        if st.n_transient:
            y = _advance(y, p, dt, n=st.n_transient)
        sp_sub = np.zeros((nb, 2, n), dtype=np.complex128)
        acc_sub = np.zeros((3, nb, 2))
        if st.locked_shortcut:
            ok, sp_l, acc_l = _finish_locked(y, p, st)
            ok[idx.size :] = False
            sp_sub[ok] = sp_l[ok]
            acc_sub[:, ok] = acc_l[:, ok]
            done |= ok
        if not np.all(done[: idx.size]):
            _, sp_i, acc_i = _window(y, p, dt, n_every=st.n_every, n_samples=n)
            sp_i = np.asarray(sp_i)
            acc_i = np.asarray(acc_i)
            rest = ~done
            sp_sub[rest] = sp_i[rest]
            acc_sub[:, rest] = acc_i[:, rest]
        sp[idx] = sp_sub[: idx.size]
        acc[:, idx] = acc_sub[:, : idx.size]
        m = np.where(done[: idx.size], METHOD_LOCKED, METHOD_INTEGRATED)
        method[idx] = m
        t_int[idx] = np.where(done[: idx.size], st.t_transient, st.t_transient + st.window)
    return _measure(model, sp, acc, growth, method, t_int, measures, st)


def _measure(
    model: Network,
    sp: np.ndarray,
    acc: np.ndarray,
    growth: np.ndarray,
    method: np.ndarray,
    t_int: np.ndarray,
    measures: tuple[str, ...],
    st: NetworkSettings,
) -> ChunkResult:
    B = sp.shape[0]
    n = st.n_samples
    finite = np.all(np.isfinite(sp), axis=(1, 2)) & np.all(np.isfinite(acc), axis=(0, 2))
    sp = np.where(finite[:, None, None], sp, 0.0)
    op = order_parameter_group(sp)  # (B, 2)
    half = n // 2
    residual = np.max(
        np.abs(order_parameter_group(sp[..., :half]) - order_parameter_group(sp[..., half:])),
        axis=-1,
    )
    omega, P = _spectrum(sp, st.sample_dt)
    synced = op >= st.amplitude_threshold
    wdom = np.where(synced, np.nan_to_num(dominant_frequency(omega, P)), 0.0)
    cls = classify(sp, amplitude_threshold=st.amplitude_threshold, lock_threshold=st.lock_threshold)
    relph = np.where(np.all(synced, -1), np.angle(sp[:, 0, -1] * np.conj(sp[:, 1, -1])), 0.0)
    vals: dict[str, np.ndarray] = {
        "order_parameter": op.mean(-1),
        "order_parameter_A": op[:, 0],
        "order_parameter_B": op[:, 1],
        "global_order_parameter": global_order_parameter(sp),
        "omega_A": wdom[:, 0],
        "omega_B": wdom[:, 1],
        "frequency_difference": wdom[:, 0] - wdom[:, 1],
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
        "spectrum_A": P[:, 0],
        "spectrum_B": P[:, 1],
        "S_plus_A": sp[:, 0],
        "S_plus_B": sp[:, 1],
    }
    status = np.full(B, STATUS_OK, dtype=np.int8)
    reason = np.full(B, "", dtype=object)
    nc = finite & (residual > st.convergence_tol)
    status[nc] = STATUS_NOT_CONVERGED
    reason[nc] = [
        f"order parameter changed by {r:.2g} between window halves (tolerance "
        f"{st.convergence_tol:g})"
        for r in residual[nc]
    ]
    status[~finite] = STATUS_FAILED
    reason[~finite] = "non-finite values in the time integration"
    out = {}
    for m in measures:
        v = np.asarray(vals[m])
        if v.dtype.kind in "fc":
            v = np.where(finite.reshape((B,) + (1,) * (v.ndim - 1)), v, np.nan)
        out[m] = v
    lockpc = phase_coherence(sp[:, 0], sp[:, 1])
    diagnostics = {
        "residual": residual,
        "frequency_resolution": np.full(B, frequency_resolution(n, st.sample_dt)),
        "method": method,
        "t_integrated": t_int,
        "phase_coherence": np.nan_to_num(lockpc, nan=0.0),
    }
    return ChunkResult(
        values=out, status=status, reason=reason.astype(str), diagnostics=diagnostics
    )


def settings_from(**kwargs: Any) -> NetworkSettings:
    """Build :class:`NetworkSettings`; unknown names are an error listing the valid ones."""
    valid = {f.name for f in dataclasses.fields(NetworkSettings)}
    unknown = sorted(set(kwargs) - valid)
    if unknown:
        raise ValueError(f"Unknown setting(s) {unknown}; valid settings are {sorted(valid)}.")
    return NetworkSettings(**kwargs)


register_kernel("network", NetworkKernel)
