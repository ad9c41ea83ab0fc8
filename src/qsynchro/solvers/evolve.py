r"""Time evolution of the mean-field equations (Nadolny & Bruder, Eq. 2): fixed-step RK4.

A classical fourth-order Runge-Kutta step in ``jax.lax.scan`` over the packed real
elementwise state of :mod:`qsynchro.equations.meanfield` (with p1 kept explicitly in
:func:`evolve`, so that the trace error is a real diagnostic), batched over any number of
models. For these tiny
systems a fixed step is much cheaper than an adaptive scheme; the step is checked against a
tight adaptive reference in ``tests/physics/test_meanfield_evolve.py`` and in the benchmark.

Default initial state (every group): the pure state
:math:`|\psi_0\rangle = \sqrt{1-2\epsilon^2}\,|1\rangle + \epsilon(|0\rangle + |2\rangle)`
with :math:`\epsilon = 10^{-2}`, i.e. the unsynchronized state :math:`|1\rangle\langle1|`
plus a small coherence that breaks the U(1) phase symmetry, with
:math:`\langle S^+\rangle_\sigma(0) = 2\sqrt2\,\epsilon\sqrt{1-2\epsilon^2}` real and positive
in every group.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from qsynchro._checks import check_density_matrix, check_int, check_nonnegative, check_positive
from qsynchro._jax import x64
from qsynchro.equations.meanfield import (
    MFParams,
    PackedParams,
    State,
    from_components,
    packed_params,
    rhs,
    rhs_packed,
    s_plus,
)
from qsynchro.models.network import Network

__all__ = [
    "DEFAULT_EPSILON",
    "Trajectory",
    "default_initial_state",
    "evolve",
    "min_eigenvalue",
    "rk4_step",
]

#: amplitude of the symmetry-breaking coherence of the default initial state
DEFAULT_EPSILON = 1e-2


def default_initial_state(G: int, epsilon: float = DEFAULT_EPSILON) -> np.ndarray:
    r"""Default initial state, shape (G, 3, 3): :math:`|\psi_0\rangle\langle\psi_0|` per group."""
    eps = float(check_nonnegative("epsilon", epsilon))
    if eps > 0.5:
        raise ValueError(f"Argument `epsilon` must be at most 0.5, but got {eps}.")
    psi = np.array([eps, np.sqrt(1.0 - 2.0 * eps**2), eps], dtype=np.complex128)
    rho = np.outer(psi, psi.conj())
    return np.broadcast_to(rho, (G, 3, 3)).copy()


def rk4_step(y: State, p: MFParams, h: Any, omega: Any = 0.0) -> State:
    """One classical RK4 step of size ``h`` for Eq. 2 (elementwise)."""
    tm = jax.tree_util.tree_map
    k1 = rhs(y, p, omega)
    k2 = rhs(tm(lambda a, b: a + 0.5 * h * b, y, k1), p, omega)
    k3 = rhs(tm(lambda a, b: a + 0.5 * h * b, y, k2), p, omega)
    k4 = rhs(tm(lambda a, b: a + h * b, y, k3), p, omega)
    return tm(
        lambda a, b1, b2, b3, b4: a + (h / 6.0) * (b1 + 2.0 * b2 + 2.0 * b3 + b4), y, k1, k2, k3, k4
    )


def rk4_step_packed(Y: Any, p: PackedParams, h: Any, omega: Any = 0.0) -> Any:
    """One RK4 step on the packed real state (8, G, B) of :func:`rhs_packed`."""
    k1 = rhs_packed(Y, p, omega)
    k2 = rhs_packed(Y + (0.5 * h) * k1, p, omega)
    k3 = rhs_packed(Y + (0.5 * h) * k2, p, omega)
    k4 = rhs_packed(Y + h * k3, p, omega)
    return Y + (h / 6.0) * (k1 + 2.0 * (k2 + k3) + k4)


@jax.jit
def advance_packed(Y: Any, p: PackedParams, dt: Any, n: Any, omega: Any = 0.0) -> Any:
    """``n`` (traced, no recompilation) RK4 steps of size ``dt`` on the packed state (8, G, B)."""
    return jax.lax.fori_loop(0, n, lambda _, z: rk4_step_packed(z, p, dt, omega), Y)


@partial(jax.jit, static_argnames=("n_every", "n_samples"))
def sample_packed(
    Y: Any, p: PackedParams, dt: Any, omega: Any = 0.0, *, n_every: int, n_samples: int
) -> tuple[Any, Any, Any]:
    """Sample <S^+> every ``n_every`` steps, ``n_samples`` times (first after n_every steps).

    Returns:
        ``(Y_end, s_plus, means)``: final packed state, samples of shape (n_samples, G, B)
        (complex), and time averages over the samples of ``|c02|, p0, p2``, shape (3, G, B).
    """

    def body(carry: tuple[Any, Any], _: Any) -> tuple[tuple[Any, Any], Any]:
        z, acc = carry
        z = jax.lax.fori_loop(0, n_every, lambda _, u: rk4_step_packed(u, p, dt, omega), z)
        acc = acc + jnp.stack([jnp.hypot(z[6], z[7]), z[0], z[1]], 0)
        sp = np.sqrt(2.0) * jax.lax.complex(z[2] + z[4], z[3] + z[5])
        return (z, acc), sp

    acc0 = jnp.zeros((3, *Y.shape[1:]), dtype=Y.dtype)
    (Y, acc), sp = jax.lax.scan(body, (Y, acc0), None, length=n_samples)
    return Y, sp, acc / n_samples


def min_eigenvalue(y: State) -> Any:
    """Smallest eigenvalue of each Hermitian 3x3 ``rho`` (closed form, trigonometric), (..., G).

    Accurate to about sqrt(machine epsilon) near degenerate spectra: a diagnostic.
    """
    q = (y.p0 + y.p1 + y.p2) / 3.0
    off = jnp.abs(y.c01) ** 2 + jnp.abs(y.c02) ** 2 + jnp.abs(y.c12) ** 2
    b0, b1, b2 = y.p0 - q, y.p1 - q, y.p2 - q
    p2 = b0**2 + b1**2 + b2**2 + 2.0 * off
    pp = jnp.sqrt(p2 / 6.0)
    det = (
        b0 * b1 * b2
        + 2.0 * jnp.real(y.c01 * y.c12 * jnp.conj(y.c02))
        - b0 * jnp.abs(y.c12) ** 2
        - b1 * jnp.abs(y.c02) ** 2
        - b2 * jnp.abs(y.c01) ** 2
    )
    safe = jnp.where(pp > 0, pp, 1.0)
    r = jnp.clip(det / (2.0 * safe**3), -1.0, 1.0)
    phi = jnp.arccos(r) / 3.0
    return jnp.where(pp > 0, q + 2.0 * pp * jnp.cos(phi + 2.0 * np.pi / 3.0), q)


def _state9(Y: Any) -> State:
    """Packed state with explicit p1 (9, G, B) -> :class:`State` with fields (G, B)."""
    return State(
        Y[0],
        Y[8],
        Y[1],
        jax.lax.complex(Y[2], Y[3]),
        jax.lax.complex(Y[4], Y[5]),
        jax.lax.complex(Y[6], Y[7]),
    )


@partial(jax.jit, static_argnames=("n_samples",))
def _integrate(
    Y0: Any, p: PackedParams, dt: Any, n_pre: Any, n_every: Any, *, n_samples: int
) -> tuple[Any, Any, Any]:
    """``n_pre`` RK4 steps, then ``n_samples`` samples every ``n_every`` steps (first at n_pre).

    ``n_pre`` and ``n_every`` are traced (no recompilation when only the times change).

    Works on the packed real state with explicit p1 (9, G, B) (see
    :func:`qsynchro.equations.meanfield.rhs_packed`), so that the trace is a genuine
    invariant of the numerical flow. Returns the final state, <S^+> samples of shape
    (n_samples, G, B) and (max trace error, min eigenvalue) over t = 0 and the samples.
    """

    def steps(Y: Any, n: int) -> Any:
        return jax.lax.fori_loop(0, n, lambda _, z: rk4_step_packed(z, p, dt), Y)

    def diag(Y: Any) -> Any:
        y = _state9(Y)
        return jnp.stack([jnp.abs(y.p0 + y.p1 + y.p2 - 1.0), min_eigenvalue(y)], 0)

    def merge(dm: Any, dz: Any) -> Any:
        return jnp.stack([jnp.maximum(dm[0], dz[0]), jnp.minimum(dm[1], dz[1])])

    Y = steps(Y0, n_pre)
    dmax = merge(diag(Y0), diag(Y))

    def body(carry: tuple[Any, Any], _: Any) -> tuple[tuple[Any, Any], Any]:
        z, dm = carry
        z = steps(z, n_every)
        return (z, merge(dm, diag(z))), s_plus(_state9(z))

    first = s_plus(_state9(Y))[None]
    if n_samples > 1:
        (Y, dmax), sp = jax.lax.scan(body, (Y, dmax), None, length=n_samples - 1)
        sp = jnp.concatenate([first, sp], 0)
    else:
        sp = first
    return Y, sp, dmax


@dataclass(frozen=True)
class Trajectory:
    """Result of :func:`evolve`.

    Attributes:
        t: sample times, shape (n_samples,).
        s_plus: :math:`\\langle S^+\\rangle_\\sigma(t)`, complex, shape (*batch, G, n_samples).
        rho_final: density matrices at the last sample time, shape (*batch, G, 3, 3).
        max_trace_error: max over samples and groups of :math:`|\\mathrm{Tr}\\rho - 1|`, (*batch,).
        max_hermiticity_error: max :math:`|\\rho-\\rho^\\dagger|` of ``rho_final`` (zero by
            construction in the elementwise representation), shape (*batch,).
        min_eigenvalue: smallest eigenvalue of any group's rho at the samples (and t=0),
            shape (*batch,).
    """

    t: np.ndarray
    s_plus: np.ndarray
    rho_final: np.ndarray
    max_trace_error: np.ndarray
    max_hermiticity_error: np.ndarray
    min_eigenvalue: np.ndarray


def evolve(
    model: Network,
    t_final: float,
    *,
    rho0: Any = None,
    dt: float = 0.01,
    n_samples: int | None = None,
    sample_dt: float | None = None,
    epsilon: float = DEFAULT_EPSILON,
) -> Trajectory:
    r"""Integrate Eq. 2 from ``rho0`` to ``t_final`` with fixed-step RK4 and sample <S^+>.

    Samples are taken at the ``n_samples`` times
    :math:`t_k = t_\mathrm{final} - (n_\mathrm{samples} - 1 - k)\,\Delta t_s`, so the sampling
    window is the last :math:`(n_\mathrm{samples}-1)\Delta t_s` of the run.

    Args:
        model: the network (any batch shape).
        t_final: final time (> 0), in units of 1/gamma_minus when gamma_minus = 1.
        rho0: initial state, shape (G, 3, 3) or (*batch, G, 3, 3); default
            :func:`default_initial_state` with ``epsilon``.
        dt: RK4 step.
        n_samples: number of samples in the window (>= 1); default
            ``min(1024, t_final / dt + 1)``.
        sample_dt: sample spacing, a multiple of ``dt``; default ``t_final / (n_samples - 1)``
            rounded down to a multiple of ``dt`` (the window then covers the whole run).
        epsilon: coherence of the default initial state (ignored if ``rho0`` is given).

    Returns:
        :class:`Trajectory`.
    """
    t_final = float(check_positive("t_final", t_final))
    dt = float(check_positive("dt", dt))
    n_total = round(t_final / dt)
    if abs(n_total * dt - t_final) > 1e-9 * max(1.0, t_final):
        raise ValueError(
            f"Argument `t_final` must be a multiple of `dt` = {dt}, but got {t_final}."
        )
    if n_samples is None:
        n_samples = min(1024, n_total + 1)
    n_samples = check_int("n_samples", n_samples, minimum=1)
    if sample_dt is None:
        n_every = max(1, n_total // max(n_samples - 1, 1))
    else:
        sample_dt = float(check_positive("sample_dt", sample_dt))
        n_every = round(sample_dt / dt)
        if n_every < 1 or abs(n_every * dt - sample_dt) > 1e-9 * max(1.0, sample_dt):
            raise ValueError(
                f"Argument `sample_dt` must be a positive multiple of `dt` = {dt}, "
                f"but got {sample_dt}."
            )
    n_pre = n_total - (n_samples - 1) * n_every
    if n_pre < 0:
        raise ValueError(
            f"Argument `n_samples` = {n_samples} with spacing {n_every * dt} does not fit into "
            f"`t_final` = {t_final}."
        )
    G = model.G
    batch = model.batch_shape
    if rho0 is None:
        rho0 = default_initial_state(G, epsilon)
    rho0 = np.asarray(rho0)
    if rho0.ndim < 3 or rho0.shape[-3:] != (G, 3, 3):
        raise ValueError(f"Argument `rho0` must have shape (..., {G}, 3, 3), but got {rho0.shape}.")
    rho0 = check_density_matrix("rho0", rho0)
    try:
        rho0 = np.broadcast_to(rho0, (*batch, G, 3, 3))
    except ValueError:
        raise ValueError(
            f"Argument `rho0` must broadcast to the model's batch shape {batch} + ({G}, 3, 3), "
            f"but got {rho0.shape}."
        ) from None
    flat = model.flat()
    with x64():
        p = packed_params(flat)
        r = rho0.reshape(-1, G, 3, 3)
        rows = [
            r[..., 0, 0].real,
            r[..., 2, 2].real,
            r[..., 0, 1].real,
            r[..., 0, 1].imag,
            r[..., 1, 2].real,
            r[..., 1, 2].imag,
            r[..., 0, 2].real,
            r[..., 0, 2].imag,
            r[..., 1, 1].real,
        ]
        Y0 = jnp.asarray(np.stack([x.T for x in rows], 0))  # (9, G, B)
        Y, sp, dmax = _integrate(Y0, p, jnp.float64(dt), n_pre, n_every, n_samples=n_samples)
        y = _state9(Y)
        rho_f = np.asarray(from_components(State(*(f.T for f in y))))
        sp = np.transpose(np.asarray(sp), (2, 1, 0))  # (B, G, n)
        dmax = np.asarray(dmax)  # (2, G, B)
    herm = np.max(np.abs(rho_f - np.conj(np.swapaxes(rho_f, -1, -2))), axis=(-1, -2, -3))
    t = t_final - (n_samples - 1 - np.arange(n_samples)) * n_every * dt
    return Trajectory(
        t=t,
        s_plus=sp.reshape(*batch, G, n_samples),
        rho_final=rho_f.reshape(*batch, G, 3, 3),
        max_trace_error=np.max(dmax[0], axis=0).reshape(batch),
        max_hermiticity_error=herm.reshape(batch),
        min_eigenvalue=np.min(dmax[1], axis=0).reshape(batch),
    )
