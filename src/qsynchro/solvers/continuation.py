r"""Pseudo-arclength continuation of equilibria of a generic vector field (JAX autodiff).

The engine knows nothing about density matrices: it works on a real vector field

.. math::  \dot x = f(x, p), \qquad x \in \mathbb R^n,\ p \in \mathbb R^k,

given as a JAX-traceable ``f(x, p)`` (``p`` holds *all* parameters, named in
:attr:`System.parameters`; continuation varies one of them). Jacobians come from
``jax.jacfwd``.

**Continuous symmetries (relative equilibria).** A :class:`Symmetry` lists generators
:math:`T_k` (f is equivariant under :math:`x\mapsto e^{\theta T_k}x`) and linear phase
conditions :math:`c_k\cdot x = 0` (a *slice*). A relative equilibrium is a state that is
stationary in a frame moving along the group, :math:`f(x) = \sum_k\omega_k T_k x`, i.e. a
zero of :math:`F(x,\omega) = (f(x) - \sum_k \omega_k T_k x,\ C x)`. The engine eliminates
:math:`\omega` and the neutral directions exactly: on the slice it integrates the
*slice vector field*

.. math::  g(x) = f(x) - \sum_k \mu_k(x)\,T_k x,\qquad (C\,T x)\,\mu = C f(x),

(so that :math:`C g = 0`: the slice is invariant) written in orthonormal coordinates
:math:`y = Q^\top x` of the slice. Its zeros are the relative equilibria, with frequency
:math:`\omega = \mu(x)`, and its Jacobian has the spectrum of :math:`D_x f_\omega` with
the neutral phase eigenvalue removed (exactly: :math:`D g = (I - T x\,c^\top/c\cdot Tx)\,
D f_\omega` is the map induced on the quotient by :math:`\mathrm{span}(Tx)`). Periodic
orbits of :math:`g` are modulated relative equilibria (:mod:`.periodic`). Everything
downstream (continuation, bifurcations, two-parameter curves, periodic orbits) sees a
plain vector field :math:`F(y, p)` in :math:`n - m` dimensions.

**Continuation.** Solutions of :math:`G(z) = 0`, :math:`G:\mathbb R^{N+1}\to\mathbb R^N`,
are followed by a tangent predictor and a Newton corrector on the hyperplane orthogonal to
the tangent (Keller's pseudo-arclength), with step-size control from the number of Newton
iterations and the turning angle. The same core follows branches of equilibria
(:math:`z = (y, p_i)`), fold and Hopf curves (:mod:`.codim2`) and periodic orbits
(:mod:`.periodic`). Events between two accepted points are located by the Illinois method
on a test function along the arclength (:mod:`.bifurcations`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from qsynchro._checks import check_choice, check_finite, check_int, check_positive

__all__ = ["ContinuationSettings", "Symmetry", "System", "kernels", "trace"]


@dataclass(frozen=True, eq=False)
class Symmetry:
    """Continuous symmetry to factor out (neutral directions of relative equilibria).

    Args:
        generators: :math:`T_k`, shape (m, n, n) (or (n, n) for m = 1); f must be
            equivariant under :math:`e^{\\theta T_k}`.
        phase: phase conditions :math:`c_k`, shape (m, n) (or (n,)); the slice is
            :math:`C x = 0`. It must be transversal to the group orbit (``C T x`` invertible)
            at every state continued.
    """

    generators: np.ndarray
    phase: np.ndarray

    def __post_init__(self) -> None:
        T = np.asarray(check_finite("generators", self.generators), dtype=np.float64)
        C = np.asarray(check_finite("phase", self.phase), dtype=np.float64)
        T = T[None] if T.ndim == 2 else T
        C = C[None] if C.ndim == 1 else C
        if T.ndim != 3 or T.shape[1] != T.shape[2] or C.shape != T.shape[:2]:
            raise ValueError(
                "Arguments `generators` (m, n, n) and `phase` (m, n) must have matching shapes, "
                f"but got {T.shape} and {C.shape}."
            )
        if np.linalg.matrix_rank(C) != C.shape[0]:
            raise ValueError("Argument `phase` must have linearly independent rows.")
        object.__setattr__(self, "generators", T)
        object.__setattr__(self, "phase", C)

    @functools.cached_property
    def basis(self) -> np.ndarray:
        """Orthonormal basis Q of the slice ``C x = 0``, shape (n, n - m)."""
        _, _, vt = np.linalg.svd(self.phase)
        return vt[self.phase.shape[0] :].T.copy()


@dataclass(frozen=True, eq=False)
class System:
    """A real vector field ``f(x, p) -> dx/dt`` with named parameters.

    Args:
        f: JAX-traceable function of ``x`` (n,) and ``p`` (k,) returning (n,).
        parameters: the k parameter names, in the order of ``p``.
        n: state dimension.
        symmetry: optional :class:`Symmetry` (continue relative equilibria on its slice).
    """

    f: Callable[[Any, Any], Any]
    parameters: tuple[str, ...]
    n: int
    symmetry: Symmetry | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", tuple(self.parameters))
        check_int("n", self.n, minimum=1)
        if self.symmetry is not None and self.symmetry.generators.shape[1] != self.n:
            raise ValueError(
                f"Argument `symmetry` acts on dimension {self.symmetry.generators.shape[1]}, "
                f"but the system has n = {self.n}."
            )

    def index(self, name: str) -> int:
        """Position of parameter ``name`` in ``p`` (the message lists the valid names)."""
        return self.parameters.index(check_choice("parameter", name, self.parameters))

    @property
    def dim(self) -> int:
        """Dimension N of the (reduced) phase space continued."""
        return self.n - (0 if self.symmetry is None else self.symmetry.phase.shape[0])

    @property
    def aux(self) -> Any:
        """Arrays of the slice (Q, T, C) or None, passed to the compiled kernels."""
        s = self.symmetry
        return None if s is None else (s.basis, s.generators, s.phase)

    def reduce(self, x: np.ndarray) -> np.ndarray:
        """Full state (n,) on the slice -> coordinates y (N,)."""
        x = np.asarray(x, dtype=np.float64)
        return x if self.symmetry is None else x @ self.symmetry.basis

    def lift(self, y: np.ndarray) -> np.ndarray:
        """Coordinates y (..., N) -> full states x (..., n)."""
        y = np.asarray(y, dtype=np.float64)
        return y if self.symmetry is None else y @ self.symmetry.basis.T

    def params(self, values: Any) -> np.ndarray:
        """Parameter vector (k,) from a sequence or a mapping name -> value (all required)."""
        if isinstance(values, dict):
            missing = [n for n in self.parameters if n not in values]
            extra = [n for n in values if n not in self.parameters]
            if missing or extra:
                raise ValueError(
                    f"Argument `params` must give exactly {list(self.parameters)}, but "
                    f"{missing} are missing and {extra} are unknown."
                )
            values = [values[n] for n in self.parameters]
        p = np.asarray(check_finite("params", values), dtype=np.float64).reshape(-1)
        if p.shape != (len(self.parameters),):
            raise ValueError(
                f"Argument `params` must have {len(self.parameters)} entries "
                f"{list(self.parameters)}, but got shape {p.shape}."
            )
        return p


class Kernels:
    """Compiled field, Jacobian and residuals of one vector field (cached per ``f``)."""

    def __init__(self, f: Callable[[Any, Any], Any], m: int) -> None:
        def field(y: Any, p: Any, aux: Any) -> Any:
            if m == 0:
                return f(y, p)
            Q, T, C = aux
            x = Q @ y
            fx = f(x, p)
            Tx = T @ x  # (m, n)
            mu = jnp.linalg.solve(C @ Tx.T, C @ fx)
            return Q.T @ (fx - Tx.T @ mu)

        def frequency(y: Any, p: Any, aux: Any) -> Any:
            if m == 0:
                return jnp.zeros(0)
            Q, T, C = aux
            x = Q @ y
            Tx = T @ x
            return jnp.linalg.solve(C @ Tx.T, C @ f(x, p))

        def with_q(p: Any, idx: Any, q: Any) -> Any:
            # p with p[i] = q[0] and (if j != i) p[j] = q[1]; i, j = idx are traced
            r = jnp.arange(p.shape[0])
            ei = (r == idx[0]).astype(p.dtype)
            ej = ((r == idx[1]) & (idx[1] != idx[0])).astype(p.dtype)
            return p + ei * (q[0] - p[idx[0]]) + ej * (q[1] - p[idx[1]])

        def jac_q(y: Any, p: Any, aux: Any, idx: Any) -> tuple[Any, Any, Any]:
            q = p[idx]
            yq = jnp.concatenate([y, q])
            G = lambda u: field(u[:-2], with_q(p, idx, u[-2:]), aux)  # noqa: E731
            D = jax.jacfwd(G)(yq)
            return G(yq), D[:, :-2], D[:, -2:]

        def d_jac(y: Any, p: Any, aux: Any, idx: Any, L: Any, R: Any) -> Any:
            # rows k: gradient over (y, p_i, p_j) of L[k] . (D_y F) R[k]
            def s(u: Any, l: Any, r: Any) -> Any:
                pp = with_q(p, idx, u[-2:])
                return l @ jax.jvp(lambda yy: field(yy, pp, aux), (u[:-2],), (r,))[1]

            u = jnp.concatenate([y, p[idx]])
            return jax.vmap(jax.grad(s), in_axes=(None, 0, 0))(u, L, R)

        self.field = field
        self.F = jax.jit(field)
        self.J = jax.jit(jax.jacfwd(field))
        self.frequency = jax.jit(frequency)
        self.jac_q = jax.jit(jac_q)
        self.d_jac = jax.jit(d_jac)

    def eq_rj(self, z: np.ndarray, p: np.ndarray, aux: Any, i: int) -> tuple[Any, Any]:
        """F and its Jacobian over z = (y, p_i), shapes (N,) and (N, N+1)."""
        q = p.copy()
        q[i] = z[-1]
        F, Jy, Fq = self.jac_q(z[:-1], q, aux, np.array([i, i]))
        return np.asarray(F), np.concatenate([np.asarray(Jy), np.asarray(Fq)[:, :1]], 1)


@functools.lru_cache(maxsize=32)
def _kernels(f: Callable[[Any, Any], Any], m: int) -> Kernels:
    return Kernels(f, m)


def kernels(system: System) -> Kernels:
    """The compiled kernels of ``system`` (shared by systems with the same ``f``)."""
    m = 0 if system.symmetry is None else system.symmetry.phase.shape[0]
    return _kernels(system.f, m)


@dataclass(frozen=True)
class ContinuationSettings:
    """How to follow a branch (keyword-only settings of every continuation verb).

    Attributes:
        ds: initial arclength step.
        ds_min: smallest step; a step that fails below it ends the branch (status "failed").
        ds_max: largest step (also bounds how far apart events can be detected).
        max_steps: maximal number of accepted points (status "incomplete" beyond).
        tol: Newton tolerance on max |G|.
        max_newton: Newton iterations per corrector.
        max_angle: largest angle (rad) between consecutive tangents; larger steps are retried.
        locate_tol: arclength bracket at which an event's location stops (then polished).
        detect: detect and locate bifurcations.
    """

    ds: float = 0.01
    ds_min: float = 1e-8
    ds_max: float = 0.05
    max_steps: int = 2000
    tol: float = 1e-10
    max_newton: int = 8
    max_angle: float = 0.3
    locate_tol: float = 1e-11
    detect: bool = True

    def __post_init__(self) -> None:
        for name in ("ds", "ds_min", "ds_max", "tol", "max_angle", "locate_tol"):
            check_positive(name, getattr(self, name))
        check_int("max_steps", self.max_steps, minimum=1)
        check_int("max_newton", self.max_newton, minimum=1)
        if not self.ds_min <= self.ds <= self.ds_max:
            raise ValueError(
                "Settings must satisfy ds_min <= ds <= ds_max, but got "
                f"{self.ds_min}, {self.ds}, {self.ds_max}."
            )


# --------------------------------------------------------------------------------------
# the generic pseudo-arclength core
# --------------------------------------------------------------------------------------
def correct(
    rj: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    zp: np.ndarray,
    t: np.ndarray,
    settings: ContinuationSettings,
    *,
    fixed: tuple[int, float] | None = None,
) -> tuple[np.ndarray, np.ndarray | None, int, float]:
    """Newton corrector for ``G(z) = 0`` and ``t.(z - zp) = 0`` (or ``z[k] = value``).

    Returns ``(z, DG, iterations, residual)``; ``DG`` is None when Newton failed.
    """
    z = zp.copy()
    row = t
    if fixed is not None:
        row = np.zeros_like(zp)
        row[fixed[0]] = 1.0
    last = math.inf
    res0 = None
    for it in range(settings.max_newton + 1):
        G, DG = rj(z)
        c = z[fixed[0]] - fixed[1] if fixed is not None else float(t @ (z - zp))
        res = max(float(np.max(np.abs(G), initial=0.0)), abs(c))
        if not (np.isfinite(res) and np.all(np.isfinite(DG))):
            return z, None, it, math.inf
        res0 = res if res0 is None else res0
        if res < settings.tol and last < 1e3 * settings.tol * (1.0 + np.max(np.abs(z))):
            return z, DG, it, res
        if it == settings.max_newton or res > 1e4 * max(res0, 1e-3):
            return z, None, it, res
        try:
            dz = np.linalg.solve(np.vstack([DG, row]), np.append(G, c))
        except np.linalg.LinAlgError:
            return z, None, it, res
        z = z - dz
        last = float(np.max(np.abs(dz)))
    return z, None, settings.max_newton, math.inf  # pragma: no cover


def tangent(DG: np.ndarray, t_prev: np.ndarray) -> tuple[np.ndarray, float]:
    """Unit tangent (null vector of DG oriented along ``t_prev``) and det([DG; t])."""
    A = np.vstack([DG, t_prev])
    e = np.zeros(A.shape[0])
    e[-1] = 1.0
    try:
        t = np.linalg.solve(A, e)
    except np.linalg.LinAlgError:
        _, _, vt = np.linalg.svd(DG)
        t = vt[-1]
    t = t / np.linalg.norm(t)
    if t @ t_prev < 0:
        t = -t
    return t, float(np.linalg.det(np.vstack([DG, t])))


@dataclass
class Point:
    """An accepted point of a branch: solution z, unit tangent t, DG and the step h to it."""

    z: np.ndarray
    t: np.ndarray
    DG: np.ndarray
    det: float
    h: float
    record: dict[str, Any]


def locate(
    problem: Any, a: Point, h: float, name: str, settings: ContinuationSettings
) -> Point | None:
    """Illinois (modified regula falsi) on ``problem.test(name, point)`` along the arclength.

    The branch between ``a`` and the next point is parametrized by s = t_a.(z - z_a) in
    [0, h]; each evaluation is a Newton corrector from the predictor z_a + s t_a.
    """

    def at(s: float) -> Point | None:
        z, DG, _, _ = correct(problem.rj, a.z + s * a.t, a.t, settings)
        if DG is None:
            return None
        t, det = tangent(DG, a.t)
        p = Point(z, t, DG, det, s, {})
        p.record = problem.record(p)
        return p

    lo, flo = 0.0, problem.test(name, a)
    pb = at(h)
    if pb is None:
        return None
    hi, fhi = h, problem.test(name, pb)
    best = pb
    if not (np.isfinite(flo) and np.isfinite(fhi)) or flo * fhi > 0:
        return pb
    side = 0
    for _ in range(80):
        if hi - lo < settings.locate_tol * max(1.0, h) or fhi == flo:
            break
        s = (lo * fhi - hi * flo) / (fhi - flo)
        p = at(s)
        if p is None:  # singular exactly at the root (e.g. a branch point): nudge
            p = at(s + 1e-9 * (hi - lo))
        if p is None:
            break
        fs = problem.test(name, p)
        best = p
        if fs == 0 or not np.isfinite(fs):
            break
        if fs * fhi > 0:
            hi, fhi = s, fs
            if side == 1:
                flo *= 0.5
            side = 1
        else:
            lo, flo = s, fs
            if side == -1:
                fhi *= 0.5
            side = -1
    return best


@dataclass
class TraceResult:
    """Points of a traced branch, the events found, and how the branch ended."""

    points: list[Point]
    events: list[Any]
    status: str
    message: str


def trace(
    problem: Any,
    z0: np.ndarray,
    direction: np.ndarray,
    bounds: tuple[float, float],
    settings: ContinuationSettings,
    *,
    index: int = -1,
    marks: Any = (),
) -> TraceResult:
    """Follow ``problem.rj`` (z -> (G, DG)) from the solution ``z0`` (within ``bounds``).

    ``direction`` is the initial predictor direction (e.g. e_index towards the stop value);
    the branch ends when ``z[index]`` leaves ``bounds`` (the last point lies exactly on
    the bound), after ``max_steps`` points, or when a step fails below ``ds_min``. The
    problem provides ``record(point) -> dict``, ``events(rec_a, rec_b) -> list[name]``,
    ``test(name, point) -> float``, ``event(name, point) -> object | None`` and optionally
    ``accept(point)`` and ``stop(point) -> str | None``. At each value in ``marks`` that
    ``z[index]`` passes, an extra point is solved exactly there (``record["mark"] = True``).
    """
    lo, hi = bounds
    z, DG, _, res = correct(problem.rj, z0, direction / np.linalg.norm(direction), settings)
    if DG is None:
        return TraceResult([], [], "failed", f"the start is not a solution (residual {res:.3g})")
    t, det = tangent(DG, direction)
    cur = Point(z, t, DG, det, 0.0, {})
    cur.record = problem.record(cur)
    cur.record["mark"] = any(abs(cur.z[index] - m) < 1e-14 * (1 + abs(m)) for m in marks)
    getattr(problem, "accept", lambda p: None)(cur)
    points, events = [cur], []
    ds = settings.ds
    while True:
        if len(points) >= settings.max_steps:
            return TraceResult(
                points, events, "incomplete", f"stopped after max_steps = {settings.max_steps}"
            )
        z, DG, iters, res = correct(problem.rj, cur.z + ds * cur.t, cur.t, settings)
        ok = DG is not None
        if ok:
            t, det = tangent(DG, cur.t)
            ok = t @ cur.t > math.cos(settings.max_angle) or ds <= 2 * settings.ds_min
        if not ok:
            if ds <= settings.ds_min:
                return TraceResult(
                    points,
                    events,
                    "failed",
                    f"a step did not converge at {problem.describe(cur)} (residual {res:.3g})",
                )
            ds = max(0.5 * ds, settings.ds_min)
            continue
        new = Point(z, t, DG, det, ds, {})
        if not lo <= z[index] <= hi:  # land exactly on the bound
            bound = hi if z[index] > hi else lo
            guess = cur.z + (bound - cur.z[index]) / (z[index] - cur.z[index]) * (z - cur.z)
            zb, DGb, _, _ = correct(problem.rj, guess, cur.t, settings, fixed=(index, bound))
            if DGb is not None:
                tb, detb = tangent(DGb, cur.t)
                new = Point(zb, tb, DGb, detb, float(cur.t @ (zb - cur.z)), {})
            else:
                new.z[index] = bound  # cannot happen for a regular branch; keep honest
        new.record = problem.record(new)
        for m in sorted(marks, reverse=bool(new.z[index] < cur.z[index])):
            if (cur.z[index] - m) * (new.z[index] - m) < 0 or new.z[index] == m != cur.z[index]:
                w = (m - cur.z[index]) / (new.z[index] - cur.z[index])
                zm, DGm, _, _ = correct(
                    problem.rj, cur.z + w * (new.z - cur.z), cur.t, settings, fixed=(index, m)
                )
                if DGm is not None and new.z[index] != m:
                    tm, detm = tangent(DGm, cur.t)
                    pm = Point(zm, tm, DGm, detm, float(cur.t @ (zm - cur.z)), {})
                    pm.record = {**problem.record(pm), "mark": True}
                    points.append(pm)
                elif new.z[index] == m:
                    new.record["mark"] = True
        if settings.detect:
            for name in problem.events(cur.record, new.record):
                loc = locate(problem, cur, new.h, name, settings)
                ev = None if loc is None else problem.event(name, loc)
                if ev is not None:
                    events.append(ev)
        getattr(problem, "accept", lambda p: None)(new)
        points.append(new)
        cur = new
        if not lo <= z[index] <= hi:
            return TraceResult(points, events, "completed", "reached the end of the range")
        halt = getattr(problem, "stop", lambda p: None)(cur)
        if halt:
            return TraceResult(points, events, "completed", halt)
        ds = min(ds * (1.5 if iters <= 3 else 1.0 if iters <= 5 else 0.6), settings.ds_max)
