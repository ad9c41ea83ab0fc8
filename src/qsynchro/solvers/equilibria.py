r"""One-parameter continuation of equilibria (and relative equilibria) with bifurcations.

:func:`continue_equilibria` follows a branch of zeros of :math:`F(y, p)` (the field of a
:class:`~qsynchro.solvers.continuation.System`, reduced to its slice if it has a symmetry)
in one parameter by pseudo-arclength, computes the spectrum of :math:`D_yF` at every
point (neutral modes already removed by the slice) and detects:

- **fold**: the parameter component of the tangent changes sign; located by the Illinois
  method on it, then polished by Newton on the minimally augmented fold system;
- **hopf**: the number of complex-conjugate pairs with positive real part changes; located
  on the real part of the critical pair, polished on the complex minimally augmented
  system :math:`(y, p, \omega)`, with :math:`\omega` and the first Lyapunov coefficient;
- **branch_point**: :math:`\det\begin{pmatrix}D_zG\\ t^\top\end{pmatrix}` changes sign
  (it does not at a fold); located by Illinois on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qsynchro.solvers.arclength import Point, trace
from qsynchro.solvers.bifurcations import (
    Bifurcation,
    borders,
    first_lyapunov,
    newton_square,
    special_kernels,
)
from qsynchro.solvers.continuation import ContinuationSettings, System, kernels

__all__ = ["EquilibriumBranch", "continue_equilibria", "solve_equilibrium"]

#: |Im lambda| below which an eigenvalue counts as real in the Hopf count
IMAG_TOL = 1e-8


def _sorted(ev: np.ndarray) -> np.ndarray:
    return ev[np.lexsort((-ev.imag, -ev.real))]


def _critical_pair(ev: np.ndarray) -> complex:
    c = ev[ev.imag > IMAG_TOL]
    return complex(c[np.argmin(np.abs(c.real))]) if c.size else complex(np.nan, np.nan)


class EquilibriumProblem:
    """Zeros of F(y, p) with p_i = z[-1]; records spectra and tests (see module doc)."""

    def __init__(self, system: System, params: np.ndarray, i: int, settings: Any) -> None:
        self.system, self.p, self.i, self.settings = system, params, i, settings
        self.k = kernels(system)
        self.aux = system.aux
        self.name = system.parameters[i]

    def rj(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        G, DG = self.k.eq_rj(z, self.p, self.aux, self.i)
        return np.asarray(G), np.asarray(DG)

    def params_at(self, value: float) -> np.ndarray:
        p = self.p.copy()
        p[self.i] = value
        return p

    def describe(self, pt: Point) -> str:
        return f"{self.name} = {pt.z[-1]:.10g}"

    def record(self, pt: Point) -> dict[str, Any]:
        ev = _sorted(np.linalg.eigvals(pt.DG[:, :-1]))
        unstable = ev.real > 0
        return {
            "eigenvalues": ev,
            "n_unstable": int(np.sum(unstable)),
            "n_pairs": int(np.sum(unstable & (ev.imag > IMAG_TOL))),
            "fold": float(pt.t[-1]),
            "det": pt.det,
        }

    def events(self, a: dict[str, Any], b: dict[str, Any]) -> list[str]:
        out = []
        if a["fold"] * b["fold"] < 0:
            out.append("fold")
        if a["det"] * b["det"] < 0:
            out.append("branch_point")
        if a["n_pairs"] != b["n_pairs"]:
            out.append("hopf")
        return out

    def test(self, name: str, pt: Point) -> float:
        if name == "fold":
            return float(pt.t[-1])
        if name == "branch_point":
            return pt.det
        return _critical_pair(pt.record["eigenvalues"]).real

    def event(self, name: str, pt: Point) -> Bifurcation | None:
        y, value = pt.z[:-1], float(pt.z[-1])
        sp = special_kernels(self.k)
        res, extra = math.nan, {}
        omega, l1 = math.nan, math.nan
        j = -1
        if name == "fold":
            v, w = borders(pt.DG[:, :-1])
            z = np.concatenate([pt.z, [0.0]])
            zz, res, ok = newton_square(
                lambda zq: sp.fold(zq, self.p, self.aux, self.i, j, v, w), z, self.settings
            )
            if ok and abs(zz[-2] - value) < 1e-3 * (1 + abs(value)):
                y, value = zz[:-2], float(zz[-2])
        elif name == "hopf":
            lam = _critical_pair(pt.record["eigenvalues"])
            if not np.isfinite(lam.real) or abs(lam.real) > 1e-3 * max(1.0, abs(lam.imag)):
                return None
            A = pt.DG[:, :-1]
            v, w = borders(A, lam.imag)
            z = np.concatenate([pt.z, [lam.imag, 0.0]])
            zz, res, ok = newton_square(
                lambda zq: sp.hopf(zq, self.p, self.aux, self.i, j, v, w), z, self.settings
            )
            omega = lam.imag
            if ok and abs(zz[-3] - value) < 1e-3 * (1 + abs(value)):
                y, value, omega = zz[:-3], float(zz[-3]), float(zz[-2])
            l1, _ = first_lyapunov(self.k, y, self.params_at(value), self.aux, omega)
        else:
            G, _ = self.rj(pt.z)
            res = float(np.max(np.abs(G)))
        pv = self.params_at(value)
        ev = _sorted(np.linalg.eigvals(np.asarray(self.k.J(y, pv, self.aux))))
        freq = np.asarray(self.k.frequency(y, pv, self.aux))
        if freq.size:
            extra["frame_frequency"] = float(freq[0])
        return Bifurcation(
            name,
            self.name,
            value,
            self.system.lift(y),
            frequency=omega,
            l1=l1,
            eigenvalues=ev,
            residual=res,
            other=extra,
        )


@dataclass(frozen=True)
class EquilibriumBranch:
    """A branch of (relative) equilibria.

    Attributes:
        parameter: name of the continued parameter.
        values: its values along the branch, shape (P,).
        states: full states x, shape (P, n).
        frequency: frame frequencies of relative equilibria, shape (P, m) (m = 0 without
            symmetry).
        eigenvalues: spectra of the (reduced) Jacobian sorted by decreasing real part,
            shape (P, N).
        stable: all real parts < 0, shape (P,).
        bifurcations: located bifurcations in the order found.
        status: "completed", "incomplete" or "failed". message: why the branch ended.
        params: full parameter vector at the start, names in ``parameter_names``.
        arclength: (P,) Euclidean arclength in (y, p). marked: (P,) points at ``marks``.
    """

    parameter: str
    values: np.ndarray
    states: np.ndarray
    frequency: np.ndarray
    eigenvalues: np.ndarray
    stable: np.ndarray
    bifurcations: list[Bifurcation]
    status: str
    message: str
    params: np.ndarray
    parameter_names: tuple[str, ...]
    arclength: np.ndarray = field(default_factory=lambda: np.zeros(0))
    marked: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    def __repr__(self) -> str:
        kinds = ", ".join(f"{b.kind}@{b.value:.6g}" for b in self.bifurcations) or "none"
        lo, hi = (self.values.min(), self.values.max()) if self.values.size else (np.nan,) * 2
        return (
            f"EquilibriumBranch({self.parameter} in [{lo:.6g}, {hi:.6g}], "
            f"{self.values.size} points, bifurcations: {kinds}, status={self.status!r})"
        )


def solve_equilibrium(
    system: System, x0: Any, params: Any, *, settings: ContinuationSettings | None = None
) -> tuple[np.ndarray, float]:
    """Newton for a (relative) equilibrium near ``x0`` at fixed parameters.

    Returns ``(x, residual)``; the state is on the slice if the system has a symmetry
    (``x0`` is projected onto it).
    """
    settings = settings or ContinuationSettings()
    k = kernels(system)
    p = system.params(params)
    y = system.reduce(np.asarray(x0, dtype=np.float64))
    res = math.inf
    for _ in range(4 * settings.max_newton):
        F = np.asarray(k.F(y, p, system.aux))
        res = float(np.max(np.abs(F)))
        if not np.isfinite(res):
            break
        if res < settings.tol:
            break
        J = np.asarray(k.J(y, p, system.aux))
        try:
            y = y - np.linalg.solve(J, F)
        except np.linalg.LinAlgError:
            break
    return system.lift(y), res


def continue_equilibria(
    system: System,
    x0: Any,
    params: Any,
    parameter: str,
    stop: float,
    *,
    settings: ContinuationSettings | None = None,
    bounds: tuple[float, float] | None = None,
    marks: Any = (),
) -> EquilibriumBranch:
    """Follow the (relative) equilibrium ``x0`` in ``parameter`` from its value towards ``stop``.

    Args:
        system: the vector field.
        x0: an equilibrium (or relative equilibrium on the slice) at ``params``, shape (n,).
        params: all parameters (sequence or mapping); ``params[parameter]`` is the start.
        parameter: name of the parameter to vary.
        stop: the value to continue to.
        settings: :class:`ContinuationSettings`.
        bounds: parameter window (default: [start, stop]); the branch ends when it leaves it.
        marks: parameter values at which a point is computed exactly (``marked``).

    Returns:
        :class:`EquilibriumBranch` (status "failed" with a message if ``x0`` is not an
        equilibrium to the Newton tolerance or a step fails to converge).
    """
    settings = settings or ContinuationSettings()
    p = system.params(params)
    i = system.index(parameter)
    start = float(p[i])
    stop = float(np.asarray(stop, dtype=np.float64))
    if not math.isfinite(stop) or stop == start:
        raise ValueError(
            f"Argument `stop` must be finite and differ from the start {start}, but got {stop}."
        )
    lo, hi = bounds if bounds is not None else (min(start, stop), max(start, stop))
    prob = EquilibriumProblem(system, p, i, settings)
    y0 = system.reduce(np.asarray(x0, dtype=np.float64))
    if y0.shape != (system.dim,):
        raise ValueError(f"Argument `x0` must have shape ({system.n},), but got {np.shape(x0)}.")
    z0 = np.append(y0, start)
    G0, _ = prob.rj(z0)
    r0 = float(np.max(np.abs(G0)))
    names = system.parameters
    if not r0 < 1e3 * settings.tol * max(1.0, float(np.max(np.abs(z0)))) + 1e-8:
        return EquilibriumBranch(
            parameter,
            np.zeros(0),
            np.zeros((0, system.n)),
            np.zeros((0, 0)),
            np.zeros((0, system.dim), complex),
            np.zeros(0, bool),
            [],
            "failed",
            f"the start is not an equilibrium: max |f| = {r0:.3g} at {parameter} = {start}",
            p,
            names,
        )
    direction = np.zeros_like(z0)
    direction[-1] = 1.0 if stop > start else -1.0
    res = trace(prob, z0, direction, (lo, hi), settings, marks=marks)
    pts = res.points
    k = kernels(system)
    ys = np.array([q.z[:-1] for q in pts]).reshape(len(pts), system.dim)
    vals = np.array([q.z[-1] for q in pts])
    freq = np.array(
        [np.asarray(k.frequency(y, prob.params_at(v), system.aux)) for y, v in zip(ys, vals)]
    ).reshape(len(pts), -1)
    ev = np.array([q.record["eigenvalues"] for q in pts]).reshape(len(pts), system.dim)
    zs = np.array([q.z for q in pts]).reshape(len(pts), -1)
    s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(zs, axis=0), axis=-1))])
    return EquilibriumBranch(
        parameter,
        vals,
        system.lift(ys),
        freq,
        ev,
        np.all(ev.real < 0, axis=-1),
        res.events,
        res.status,
        res.message,
        p,
        names,
        s[: len(pts)],
        np.array([bool(q.record.get("mark")) for q in pts], dtype=bool),
    )
