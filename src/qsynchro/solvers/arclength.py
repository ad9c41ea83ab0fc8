r"""The generic pseudo-arclength core: corrector, tangent, event location, branch tracing.

Solutions of :math:`G(z) = 0`, :math:`G:\mathbb R^{N+1}\to\mathbb R^N`, are followed by a
tangent predictor and a Newton corrector on the hyperplane orthogonal to the tangent
(Keller's pseudo-arclength); the step grows after quick Newton convergence and shrinks
after slow convergence, failure or a turn of more than ``max_angle``. The tangent is the
null vector of :math:`D_zG` oriented along the previous one, and
:math:`\det\begin{pmatrix}D_zG\\ t^\top\end{pmatrix}` (which changes sign at a simple
branch point but not at a fold) is returned with it. Events between two accepted points are
located by the Illinois method on a test function along the arclength. The problem
(equilibria, fold/Hopf curves, periodic orbits) provides the residual and the tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from qsynchro.solvers.continuation import ContinuationSettings

__all__ = ["Point", "TraceResult", "correct", "locate", "tangent", "trace"]


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
