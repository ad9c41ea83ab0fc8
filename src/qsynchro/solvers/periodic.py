r"""Periodic orbits by single shooting, Floquet multipliers, and their continuation.

A periodic orbit of :math:`\dot y = F(y, p)` (the field of a
:class:`~qsynchro.solvers.continuation.System`, reduced to its slice if it has a
symmetry, so that periodic orbits of a network in the co-rotating frame are *modulated
locked states*) with period T is a zero of

.. math::  G(y_0, T; p) = \big(\varphi_T(y_0; p) - y_0,\ F(y_r, p_r)\cdot(y_0 - y_r)\big),

where :math:`\varphi` is the flow, computed by ``steps`` classical RK4 steps of
:math:`dy/d\tau = T F(y, p)` on :math:`\tau\in[0, 1]` in ``lax.fori_loop``, and the second
row is a Poincaré phase condition through the previous solution :math:`y_r`. All
derivatives (the monodromy matrix :math:`M = \partial\varphi_T/\partial y_0`, and
:math:`\partial\varphi/\partial T`, :math:`\partial\varphi/\partial p`) come from
``jax.jacfwd`` through the integrator. The Floquet multipliers are the eigenvalues of
:math:`M` on the quotient by the flow direction (:math:`M F(y_0) = F(y_0)`, the trivial
multiplier 1 removed exactly, as for the neutral phase mode of relative equilibria).

Continuation follows :math:`z = (y_0, T, p_i)` with the pseudo-arclength core and detects
**cycle_fold** (the parameter component of the tangent changes sign; a multiplier passes
+1), **period_doubling** (a real multiplier passes -1: :math:`\det(M_r + I)` changes sign)
and **neimark_sacker** (a complex pair crosses the unit circle; its angle is reported as
``frequency``). A cycle is started from a Hopf point with the amplitude predicted by the
first Lyapunov coefficient (:func:`cycle_from_hopf`) or from a point on it.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import jax
import numpy as np

from qsynchro._checks import check_int
from qsynchro.solvers.arclength import Point, trace
from qsynchro.solvers.bifurcations import Bifurcation, first_lyapunov
from qsynchro.solvers.continuation import ContinuationSettings, Kernels, System, kernels

__all__ = ["CycleBranch", "continue_periodic", "cycle_from_hopf", "floquet", "solve_periodic"]


@functools.lru_cache(maxsize=32)
def _flow_kernel(k: Kernels, steps: int) -> Any:
    field = k.field

    def flow(y0: Any, T: Any, p: Any, aux: Any) -> Any:
        h = 1.0 / steps

        def step(_: int, y: Any) -> Any:
            k1 = T * field(y, p, aux)
            k2 = T * field(y + 0.5 * h * k1, p, aux)
            k3 = T * field(y + 0.5 * h * k2, p, aux)
            k4 = T * field(y + h * k3, p, aux)
            return y + (h / 6.0) * (k1 + 2.0 * (k2 + k3) + k4)

        return jax.lax.fori_loop(0, steps, step, y0)

    def flow_jac(u: Any, p: Any, aux: Any, i: Any) -> tuple[Any, Any]:
        # u = (y0, T, p_i); derivatives over all of u
        def g(v: Any) -> Any:
            return flow(v[:-2], v[-2], p.at[i].set(v[-1]), aux)

        return g(u), jax.jacfwd(g)(u)

    return jax.jit(flow_jac)


def floquet(M: np.ndarray, f0: np.ndarray) -> np.ndarray:
    """Nontrivial Floquet multipliers: spectrum of M on the quotient by span(f0), (N-1,).

    Sorted by decreasing modulus.
    """
    _, _, vt = np.linalg.svd(f0[None, :])
    Q = vt[1:].T  # orthonormal basis of f0^perp
    mu = np.linalg.eigvals(Q.T @ M @ Q)
    return mu[np.argsort(-np.abs(mu), kind="stable")]


class CycleProblem:
    """Zeros of the shooting map in z = (y0, T, p_i); records multipliers and tests."""

    def __init__(self, system: System, p: np.ndarray, i: int, steps: int, s: Any) -> None:
        self.system, self.p, self.i, self.settings = system, p, i, s
        self.k = kernels(system)
        self.fj = _flow_kernel(self.k, steps)
        self.aux = system.aux
        self.N = system.dim
        self.name = system.parameters[i]
        self.ref: tuple[np.ndarray, np.ndarray] | None = None
        self.collapsed: float | None = None

    def params_at(self, value: float) -> np.ndarray:
        q = self.p.copy()
        q[self.i] = value
        return q

    def f(self, y: np.ndarray, value: float) -> np.ndarray:
        return np.asarray(self.k.F(y, self.params_at(value), self.aux))

    def set_reference(self, z: np.ndarray) -> None:
        y = z[: self.N]
        self.ref = (y.copy(), self.f(y, z[-1]))

    def rj(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        phi, D = (np.asarray(a) for a in self.fj(z, self.p, self.aux, self.i))
        N = self.N
        yr, fr = self.ref
        G = np.append(phi - z[:N], fr @ (z[:N] - yr))
        DG = D.copy()
        DG[:, :N] -= np.eye(N)
        DG = np.vstack([DG, np.concatenate([fr, [0.0, 0.0]])])
        return G, DG

    def accept(self, pt: Point) -> None:
        self.set_reference(pt.z)

    def describe(self, pt: Point) -> str:
        return f"{self.name} = {pt.z[-1]:.10g} (period {pt.z[-2]:.6g})"

    def record(self, pt: Point) -> dict[str, Any]:
        M = pt.DG[: self.N, : self.N] + np.eye(self.N)
        mu = floquet(M, self.f(pt.z[: self.N], pt.z[-1]))
        cplx = mu[np.abs(mu.imag) > 1e-8]
        real = mu[np.abs(mu.imag) <= 1e-8].real
        crit = cplx[np.argmin(np.abs(np.abs(cplx) - 1.0))] if cplx.size else np.nan
        return {
            "multipliers": mu,
            "fold": float(pt.t[-1]),
            "period_doubling": float(np.prod(real + 1.0)) if real.size else 1.0,
            "n_pd": int(np.sum(real < -1.0)),
            "neimark_sacker": float(abs(crit) - 1.0) if cplx.size else np.nan,
            "n_ns": int(np.sum(np.abs(cplx) > 1.0)),
        }

    def events(self, a: dict[str, Any], b: dict[str, Any]) -> list[str]:
        out = []
        if a["fold"] * b["fold"] < 0:
            out.append("cycle_fold")
        if a["n_pd"] != b["n_pd"]:
            out.append("period_doubling")
        if a["n_ns"] != b["n_ns"]:
            out.append("neimark_sacker")
        return out

    def test(self, name: str, pt: Point) -> float:
        return float(pt.record["fold" if name == "cycle_fold" else name])

    def _length(self, z: np.ndarray) -> float:
        """Size of the cycle relative to its position: |F(y0)| T / (1 + |y0|)."""
        y = z[: self.N]
        return float(np.linalg.norm(self.f(y, z[-1])) * z[-2] / (1.0 + np.linalg.norm(y)))

    def event(self, name: str, pt: Point) -> Bifurcation | None:
        G, _ = self.rj(pt.z)
        mu = pt.record["multipliers"]
        freq = math.nan
        if name == "cycle_fold" and self._length(pt.z) < 1e-3:
            self.collapsed = float(pt.z[-1])  # through the equilibrium: not a cycle fold
            return None
        if name == "neimark_sacker":
            c = mu[np.abs(mu.imag) > 1e-8]
            freq = float(abs(np.angle(c[np.argmin(np.abs(np.abs(c) - 1.0))])))
        return Bifurcation(
            name,
            self.name,
            float(pt.z[-1]),
            self.system.lift(pt.z[: self.N]),
            frequency=freq,
            eigenvalues=mu,
            residual=float(np.max(np.abs(G))),
            other={"period": float(pt.z[-2])},
        )

    def stop(self, pt: Point) -> str | None:
        if pt.z[-2] <= 0:
            return "the period went through zero"
        if self.collapsed is not None:
            return (
                f"the cycle shrank to an equilibrium (a Hopf point) at {self.name} = "
                f"{self.collapsed:.8g}"
            )
        return None


def _steps(steps: int) -> int:
    return check_int("steps", steps, minimum=10)


def solve_periodic(
    system: System,
    x0: Any,
    T: float,
    params: Any,
    *,
    steps: int = 400,
    settings: ContinuationSettings | None = None,
) -> tuple[np.ndarray, float, np.ndarray, float]:
    """Newton shooting for a periodic orbit through (near) ``x0`` with period ~ ``T``.

    Returns ``(x0, T, multipliers, residual)`` (multipliers: :func:`floquet`).
    """
    settings = settings or ContinuationSettings()
    p = system.params(params)
    prob = CycleProblem(system, p, 0, _steps(steps), settings)
    z = np.concatenate([system.reduce(np.asarray(x0, float)), [float(T), p[0]]])
    prob.set_reference(z)
    res = math.inf
    for _ in range(3 * settings.max_newton):
        G, DG = prob.rj(z)
        res = float(np.max(np.abs(G)))
        if not np.isfinite(res) or res < settings.tol:
            break
        z[:-1] -= np.linalg.lstsq(DG[:, :-1], G, rcond=None)[0]
    M = DG[: prob.N, : prob.N] + np.eye(prob.N)
    if not (np.isfinite(res) and np.all(np.isfinite(M))):  # the flow blew up (too few steps?)
        return system.lift(z[: prob.N]), float(z[-2]), np.full(prob.N - 1, np.nan), math.inf
    mu = floquet(M, prob.f(z[: prob.N], z[-1]))
    return system.lift(z[: prob.N]), float(z[-2]), mu, res


def cycle_from_hopf(
    system: System,
    bif: Bifurcation,
    params: Any,
    *,
    offset: float = 1e-3,
    steps: int = 400,
    settings: ContinuationSettings | None = None,
) -> tuple[np.ndarray, float, np.ndarray]:
    """A small cycle near a Hopf point: amplitude from l1, then Newton shooting.

    At :math:`p = p_H + \\Delta p` (``offset`` times max(1, |p_H|), on the side where the
    cycle exists: :math:`\\mathrm{Re}\\,\\lambda(p)/l_1 < 0`), the cycle is
    :math:`x \\approx x_H + 2\\,\\mathrm{Re}(z q)` with :math:`|z|^2 = -\\mathrm{Re}\\,\\lambda
    /(\\omega l_1)` (Kuznetsov's normalization). Returns ``(x0, T, params)`` of the solved cycle.
    """
    k = kernels(system)
    p = system.params(params)
    i = system.index(bif.parameter)
    y = system.reduce(bif.state)
    p[i] = bif.value
    l1, q = first_lyapunov(k, y, p, system.aux, bif.frequency)
    dp = offset * max(1.0, abs(bif.value))
    for sign in (1.0, -1.0):
        pp = p.copy()
        pp[i] += sign * dp
        ev = np.linalg.eigvals(np.asarray(k.J(y, pp, system.aux)))
        lam = ev[np.argmin(np.abs(ev - 1j * bif.frequency))]
        if lam.real / l1 < 0:
            break
    r = math.sqrt(-lam.real / (bif.frequency * l1))
    x0 = system.lift(y + 2.0 * (r * q).real)
    xs, T, _, res = solve_periodic(
        system, x0, 2 * np.pi / abs(lam.imag), pp, steps=steps, settings=settings
    )
    if not res < 1e-8:
        raise RuntimeError(f"no cycle found near the Hopf point (shooting residual {res:.3g})")
    return xs, T, pp


@dataclass(frozen=True)
class CycleBranch:
    """A branch of periodic orbits: parameter values, periods, initial points, multipliers."""

    parameter: str
    values: np.ndarray
    period: np.ndarray
    states: np.ndarray
    multipliers: np.ndarray
    stable: np.ndarray
    bifurcations: list[Bifurcation]
    status: str
    message: str
    system: System | None = field(default=None, repr=False, compare=False)
    steps: int = 0

    def __repr__(self) -> str:
        kinds = ", ".join(f"{b.kind}@{b.value:.6g}" for b in self.bifurcations) or "none"
        return (
            f"CycleBranch({self.parameter}, {self.values.size} points, period "
            f"{self.period.min():.4g}..{self.period.max():.4g}, bifurcations: {kinds}, "
            f"status={self.status!r})"
            if self.values.size
            else f"CycleBranch(status={self.status!r}: {self.message})"
        )


def continue_periodic(
    system: System,
    x0: Any,
    T: float,
    params: Any,
    parameter: str,
    stop: float,
    *,
    steps: int = 400,
    settings: ContinuationSettings | None = None,
    max_period: float = math.inf,
) -> CycleBranch:
    """Follow the periodic orbit through ``x0`` (period ``T``) in ``parameter`` to ``stop``.

    The branch also ends (status "completed", with a message) when the period exceeds
    ``max_period`` (approach to a homoclinic orbit or a saddle-node on the cycle).
    """
    settings = settings or ContinuationSettings()
    p = system.params(params)
    i = system.index(parameter)
    start = float(p[i])
    prob = CycleProblem(system, p, i, _steps(steps), settings)
    base_stop = prob.stop
    prob.stop = lambda pt: (  # type: ignore[method-assign]
        f"the period exceeds max_period = {max_period:g} (homoclinic / SNIC ahead?)"
        if pt.z[-2] > max_period
        else base_stop(pt)
    )
    z0 = np.concatenate([system.reduce(np.asarray(x0, float)), [float(T), start]])
    prob.set_reference(z0)
    d = np.zeros_like(z0)
    d[-1] = 1.0 if stop > start else -1.0
    res = trace(prob, z0, d, (min(start, stop), max(start, stop)), settings)
    pts = res.points
    N = prob.N
    mu = np.array([q.record["multipliers"] for q in pts]).reshape(len(pts), N - 1)
    return CycleBranch(
        parameter,
        np.array([q.z[-1] for q in pts]),
        np.array([q.z[-2] for q in pts]),
        system.lift(np.array([q.z[:N] for q in pts]).reshape(len(pts), N)),
        mu,
        np.all(np.abs(mu) < 1.0, axis=-1),
        res.events,
        res.status,
        res.message,
        system,
        int(steps),
    )
