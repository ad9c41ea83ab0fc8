r"""Two-parameter continuation of fold and Hopf points (minimally augmented systems).

A fold point found in parameter :math:`p_i` is followed in :math:`(p_i, p_j)` as the
solution curve of :math:`(F(y, p), g(y, p)) = 0`, :math:`z = (y, p_i, p_j)` (fold system of
:mod:`.bifurcations`); a Hopf point as :math:`(F, \mathrm{Re}\,g, \mathrm{Im}\,g) = 0`,
:math:`z = (y, p_i, \omega, p_j)`. The bordering vectors are refreshed after every accepted
point (null vectors of the new Jacobian, phase-aligned with the previous ones), so the
bordered matrices stay well conditioned. Codimension-two points detected along the curves:

- on a fold curve: **cusp** (the normal-form coefficient :math:`a = \langle p, B(q,q)\rangle/2`
  changes sign), **bogdanov_takens** (:math:`\langle l, r\rangle` of the bordered left and
  right null vectors changes sign: the null vectors of a Jordan block are orthogonal) and
  **zero_hopf** (a complex pair crosses the imaginary axis on the fold curve);
- on a Hopf curve: **bautin** (generalized Hopf: :math:`l_1` changes sign),
  **zero_hopf** (a real eigenvalue crosses zero) and the end of the curve at a
  **bogdanov_takens** point (:math:`\omega \to 0` with a Jordan block; the curve stops
  there). When :math:`\omega` passes through 0 with a *semisimple* double zero (as at a
  U(1)-symmetric state such as |1><1|, where the critical eigenvalue of the charge +1 block
  just crosses the imaginary axis at frequency 0), the curve goes on with :math:`-\omega`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qsynchro.solvers.arclength import Point, trace
from qsynchro.solvers.bifurcations import (
    Bifurcation,
    borders,
    first_lyapunov,
    special_kernels,
)
from qsynchro.solvers.continuation import ContinuationSettings, System, kernels
from qsynchro.solvers.equilibria import IMAG_TOL, _critical_pair, _sorted

__all__ = ["BifurcationCurve", "continue_bifurcation"]

#: omega below which a Hopf curve is taken to end at a Bogdanov-Takens point
OMEGA_MIN = 1e-4


def _align(new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """Multiply ``new`` by the unit phase that maximizes its overlap with ``old``."""
    c = np.vdot(new, old)
    return new * (c / abs(c)) if abs(c) > 0 else new


class _CurveProblem:
    def __init__(self, system: System, p: np.ndarray, i: int, j: int, kind: str, s: Any) -> None:
        self.system, self.p, self.i, self.j, self.kind, self.settings = system, p, i, j, kind, s
        self.k = kernels(system)
        self.sp = special_kernels(self.k)
        self.aux = system.aux
        self.N = system.dim
        self.v = self.w = None
        self.omega0 = 1.0
        self.names = (system.parameters[i], system.parameters[j])

    # z = (y, p_i, p_j) for folds, (y, p_i, omega, p_j) for Hopf points
    def split(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        p = self.p.copy()
        p[self.i], p[self.j] = z[self.N], z[-1]
        return z[: self.N], p, (float(z[self.N + 1]) if self.kind == "hopf" else 0.0)

    def set_borders(self, z: np.ndarray) -> None:
        y, p, om = self.split(z)
        A = np.asarray(self.k.J(y, p, self.aux))
        v, w = borders(A, om)
        if self.v is not None:
            v, w = _align(v, self.v), _align(w, self.w)
        self.v, self.w = v, w

    def rj(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        fun = self.sp.hopf if self.kind == "hopf" else self.sp.fold
        G, DG = fun(z, self.p, self.aux, self.i, self.j, self.v, self.w)
        return np.asarray(G), np.asarray(DG)

    def accept(self, pt: Point) -> None:
        self.set_borders(pt.z)

    def describe(self, pt: Point) -> str:
        return f"{self.names[0]} = {pt.z[self.N]:.10g}, {self.names[1]} = {pt.z[-1]:.10g}"

    def record(self, pt: Point) -> dict[str, Any]:
        y, p, om = self.split(pt.z)
        A = pt.DG[: self.N, : self.N]
        ev = _sorted(np.linalg.eigvals(A))
        rec: dict[str, Any] = {"eigenvalues": ev, "omega": om}
        if self.kind == "fold":
            M = np.block([[A, self.w[:, None]], [self.v[None, :], np.zeros((1, 1))]])
            e = np.zeros(self.N + 1)
            e[-1] = 1.0
            r, l = np.linalg.solve(M, e)[: self.N], np.linalg.solve(M.T, e)[: self.N]
            # oriented by the borders, so both tests are continuous along the curve
            rec["cusp"] = float(l @ np.asarray(self.sp.B(y, p, self.aux, r, r)))
            rec["bogdanov_takens"] = float(l @ r)
            near0 = np.argmin(np.abs(ev))
            rest = np.delete(ev, near0)
            rec["n_pairs"] = int(np.sum((rest.real > 0) & (rest.imag > IMAG_TOL)))
            rec["rest_stable"] = bool(np.all(rest.real < 0))
            rec["zero_hopf"] = _critical_pair(rest).real
        else:
            rec["bautin"], _ = first_lyapunov(self.k, y, p, self.aux, abs(om))
            crit = np.argsort(np.abs(ev - 1j * om))[0], np.argsort(np.abs(ev + 1j * om))[0]
            rest = np.delete(ev, crit)
            real = rest[np.abs(rest.imag) <= IMAG_TOL]
            rec["n_real"] = int(np.sum(real.real > 0))
            rec["rest_stable"] = bool(np.all(rest.real < 0))
            rec["zero_hopf"] = float(real.real[np.argmin(np.abs(real.real))]) if real.size else 1.0
        return rec

    def events(self, a: dict[str, Any], b: dict[str, Any]) -> list[str]:
        out = []
        if self.kind == "fold":
            for name in ("cusp", "bogdanov_takens"):
                if a[name] * b[name] < 0:
                    out.append(name)
            if a["n_pairs"] != b["n_pairs"]:
                out.append("zero_hopf")
        elif a["omega"] * b["omega"] < 0:  # through omega = 0: the mirror image of the curve
            out.append("bogdanov_takens")
        else:
            if a["bautin"] * b["bautin"] < 0:
                out.append("bautin")
            if a["n_real"] != b["n_real"]:
                out.append("zero_hopf")
        return out

    def test(self, name: str, pt: Point) -> float:
        if self.kind == "hopf" and name == "bogdanov_takens":
            return float(pt.record["omega"])
        return float(pt.record[name])

    def event(self, name: str, pt: Point) -> Bifurcation | None:
        y, p, om = self.split(pt.z)
        G, _ = self.rj(pt.z)
        if self.kind == "hopf" and name == "bogdanov_takens":
            sv = np.linalg.svd(np.asarray(self.k.J(y, p, self.aux)), compute_uv=False)
            if sv[-2] < 1e-6 * sv[0]:
                # a semisimple double zero (e.g. forced by a U(1) symmetry of the state):
                # the pair +-i omega passes through 0 and the Hopf curve goes on
                self.omega0 = -self.omega0
                return None
        other = {self.names[1]: float(pt.z[-1])}
        if self.kind == "hopf":
            other["omega"] = om
        return Bifurcation(
            name,
            self.names[0],
            float(pt.z[self.N]),
            self.system.lift(y),
            eigenvalues=pt.record["eigenvalues"],
            residual=float(np.max(np.abs(G))),
            other=other,
        )

    def stop(self, pt: Point) -> str | None:
        om = pt.record["omega"] if self.kind == "hopf" else 1.0
        if abs(om) < OMEGA_MIN or om * self.omega0 < 0:
            return "the Hopf curve ends at a Bogdanov-Takens point (omega -> 0)"
        return None


@dataclass(frozen=True)
class BifurcationCurve:
    """A fold or Hopf curve in two parameters.

    Attributes:
        kind: "fold" or "hopf". parameters: (p_i, p_j) names.
        values: (P, 2) values of (p_i, p_j) along the curve.
        states: (P, n) full states. frequency: (P,) Hopf frequency omega (NaN for folds).
        l1: (P,) first Lyapunov coefficient along a Hopf curve (NaN for folds).
        frame_frequency: (P, m) frequencies of relative equilibria.
        eigenvalues: (P, N). points: codimension-two points found.
        status, message: how the curve ended.
        params: all parameters at the start.
        boundary: (P,) the rest of the spectrum (critical eigenvalues removed) is stable, so
            the curve bounds the region where the equilibrium is stable.
        marked: (P,) points computed exactly at ``marks``.
    """

    kind: str
    parameters: tuple[str, str]
    values: np.ndarray
    states: np.ndarray
    frequency: np.ndarray
    l1: np.ndarray
    frame_frequency: np.ndarray
    eigenvalues: np.ndarray
    points: list[Bifurcation]
    status: str
    message: str
    params: np.ndarray = field(default_factory=lambda: np.zeros(0))
    boundary: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    marked: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    def __repr__(self) -> str:
        pts = (
            ", ".join(
                f"{b.kind}@({b.value:.6g}, {next(iter(b.other.values())):.6g})" for b in self.points
            )
            or "none"
        )
        return (
            f"BifurcationCurve({self.kind} in {self.parameters}, {len(self.values)} points, "
            f"codim-2: {pts}, status={self.status!r})"
        )


def continue_bifurcation(
    system: System,
    bif: Bifurcation,
    params: Any,
    second: str,
    stop: float,
    *,
    settings: ContinuationSettings | None = None,
    bounds: tuple[float, float] | None = None,
    marks: Any = (),
) -> BifurcationCurve:
    """Follow a fold or Hopf point ``bif`` (found in ``bif.parameter``) in ``second``.

    Args:
        system: the vector field. bif: a "fold" or "hopf" :class:`Bifurcation` of it.
        params: all parameters at the bifurcation (``bif.value`` replaces ``bif.parameter``).
        second: the second parameter; the curve is followed from its value to ``stop``.
        settings: :class:`ContinuationSettings`.
        bounds: window of ``second`` (default [start, stop]).
        marks: values of ``second`` at which a curve point is computed exactly.
    """
    settings = settings or ContinuationSettings()
    if bif.kind not in ("fold", "hopf"):
        raise ValueError(f"Argument `bif` must be a fold or Hopf point, but got {bif.kind!r}.")
    p = system.params(params)
    i, j = system.index(bif.parameter), system.index(second)
    if i == j:
        raise ValueError(f"Argument `second` must differ from {bif.parameter!r}.")
    p[i] = bif.value
    start = float(p[j])
    lo, hi = bounds if bounds is not None else (min(start, stop), max(start, stop))
    prob = _CurveProblem(system, p, i, j, bif.kind, settings)
    y = system.reduce(bif.state)
    mid = [bif.value] + ([bif.frequency] if bif.kind == "hopf" else [])
    z0 = np.concatenate([y, mid, [start]])
    prob.set_borders(z0)
    prob.omega0 = bif.frequency if bif.kind == "hopf" else 1.0
    direction = np.zeros_like(z0)
    direction[-1] = 1.0 if stop > start else -1.0
    res = trace(prob, z0, direction, (lo, hi), settings, marks=marks)
    pts = res.points
    if bif.kind == "hopf" and pts and pts[-1].record["omega"] * prob.omega0 < 0:
        pts = pts[:-1]  # past omega = 0: the mirror image (-omega) of the last point
    P, N = len(pts), system.dim
    ys = np.array([q.z[:N] for q in pts]).reshape(P, N)
    vals = np.array([[q.z[N], q.z[-1]] for q in pts]).reshape(P, 2)
    om = np.array([q.record["omega"] for q in pts]) if bif.kind == "hopf" else np.full(P, np.nan)
    l1 = np.array([q.record["bautin"] for q in pts]) if bif.kind == "hopf" else np.full(P, np.nan)
    ff = []
    for q in pts:
        yy, pp, _ = prob.split(q.z)
        ff.append(np.asarray(prob.k.frequency(yy, pp, system.aux)))
    ev = np.array([q.record["eigenvalues"] for q in pts]).reshape(P, N)
    if res.status == "failed" and P > 1 and bif.kind == "hopf" and om[-1] < 10 * OMEGA_MIN:
        res.message += "; omega -> 0: probably a Bogdanov-Takens point"
    return BifurcationCurve(
        bif.kind,
        (bif.parameter, second),
        vals,
        system.lift(ys),
        om,
        l1,
        np.array(ff).reshape(P, -1) if P else np.zeros((0, 0)),
        ev,
        res.events,
        res.status,
        res.message,
        p,
        np.array([q.record["rest_stable"] for q in pts], dtype=bool),
        np.array([bool(q.record.get("mark")) for q in pts], dtype=bool),
    )
