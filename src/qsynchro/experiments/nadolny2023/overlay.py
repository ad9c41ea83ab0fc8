r"""Continuation curves drawn over the grid panels of Figs. 3(d) and 4 (Nadolny & Bruder).

The grid panels say what happens at their points; these curves say where the state the
grid classifies loses stability and how (:mod:`qsynchro.solvers.curves`, method and
numbers in ``docs/continuation.md``):

- **Fig. 3(d)**, :math:`(\delta, V_{AB})`: the boundary of the stable locked state -- a fold
  (saddle-node) curve for :math:`V_{AB}` below the Bogdanov-Takens point (0.2104), a Hopf
  curve above it (subcritical up to the Bautin point 0.2167, supercritical beyond).
- **Fig. 4**, :math:`(\delta, K)`: the boundary of the black (unsynchronized) region, where
  |1><1| is linearly stable: Hopf curves of |1><1| (all supercritical).

Both are mirrored to :math:`\delta < 0` by the exchange symmetry of the groups
(:math:`\delta\to-\delta` swaps A and B). Only curve points that bound the stable region
(the rest of the spectrum stable) are kept. Dataset layout (``nadolny2023-fig3d-curves.nc``,
``nadolny2023-fig4-curves.nc``): dimension ``point`` with coordinates ``delta`` and the second
parameter, ``kind`` (0 fold, 1 Hopf), ``segment`` (a connected piece: draw each separately),
``l1`` (first Lyapunov coefficient, NaN on folds), ``frequency`` (Hopf frequency);
dimension ``special`` with ``special_kind`` ("bogdanov_takens", "bautin") and its position.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import xarray as xr

import qsynchro
from qsynchro.solvers.branch import continuation
from qsynchro.solvers.curves import Curve, bifurcation_curve, stability_boundary

__all__ = ["FIG3_MODEL", "FIG4_MODEL", "fig3_curves", "fig4_curves"]

FIG3_MODEL = {"K": 0.0, "V": 1.0, "gamma_plus": 0.5, "gamma_minus": 1.0, "delta": 0.0}
FIG4_MODEL = {"delta": 0.0, "K": 4.0, "V": 1.0, "V_AB": 1.0, "gamma_plus": 0.5, "gamma_minus": 1.0}
#: V_AB window of the Fig. 3(d) boundary: the fold curve from 0.02, the Hopf curve up to 2
FIG3_RANGE = (0.02, 1.0, 2.0)
#: V_AB at which the Fig. 3(d) boundary has exact points (benchmarks, tests)
FIG3_MARKS = (0.1, 0.15, 0.3, 0.5, 0.75, 1.0)
#: seeds (delta) of the Fig. 4 Hopf curves of |1><1|: every Hopf point along K at these
#: delta is followed in delta over [0, 4] unless a curve already passes through it
FIG4_SEEDS = (0.25, 1.0, 2.0, 3.0, 4.0)
SPECIAL = ("bogdanov_takens", "bautin")
KIND_NAMES = "0: fold (saddle-node), 1: Hopf"


def _pieces(c: Curve, first: str, second: str) -> list[dict[str, np.ndarray]]:
    """Connected runs of boundary points of curve ``c`` (first >= 0 only)."""
    d = c.data
    keep = (d.boundary.values == 1) & (d[first].values >= -1e-12)
    return [
        {
            first: d[first].values[sl],
            second: d[second].values[sl],
            "kind": np.full(sl.stop - sl.start, int(c.kind == "hopf"), np.int8),
            "l1": d.l1.values[sl],
            "frequency": d.frequency.values[sl],
        }
        for sl in _runs(keep)
    ]


def _dataset(curves: list[Curve], first: str, second: str, **attrs: Any) -> xr.Dataset:
    """Boundary pieces of ``curves`` and their mirror images (first -> -first)."""
    pieces = _dedupe([p for c in curves for p in _pieces(c, first, second)], first, second)
    pieces += [{**p, first: -p[first]} for p in pieces]
    seg = np.concatenate([np.full(p[first].size, i, np.int16) for i, p in enumerate(pieces)])
    cat = {k: np.concatenate([p[k] for p in pieces]) for k in (first, second, "kind", "l1")}
    freq = np.concatenate([p["frequency"] for p in pieces])
    specials: list[tuple[str, float, float]] = []
    for c in curves:
        for b in c.points:
            at = {b.parameter: b.value, **b.other}
            pos = (b.kind, abs(at[first]), at[second])
            if b.kind in SPECIAL and not any(
                s[0] == pos[0] and abs(s[2] - pos[2]) < 1e-6 for s in specials
            ):
                specials.append(pos)
    specials += [(k, -v, w) for k, v, w in specials]
    ds = xr.Dataset(
        {
            "kind": ("point", cat["kind"], {"long_name": KIND_NAMES}),
            "segment": ("point", seg, {"long_name": "connected piece of a curve (draw each)"}),
            "l1": ("point", cat["l1"], {"long_name": "first Lyapunov coefficient (< 0: super)"}),
            "frequency": ("point", freq, {"long_name": "Hopf frequency (NaN on folds)"}),
            "special_kind": ("special", np.array([s[0] for s in specials], dtype=str)),
            f"special_{first}": ("special", np.array([s[1] for s in specials], dtype=float)),
            f"special_{second}": ("special", np.array([s[2] for s in specials], dtype=float)),
        },
        coords={first: ("point", cat[first]), second: ("point", cat[second])},
    )
    ds.attrs.update(
        qsynchro_version=qsynchro.__version__,
        method="pseudo-arclength continuation of fold and Hopf points (minimally augmented "
        "systems, qsynchro.solvers.curves); points where the rest of the spectrum is stable "
        "(curve bounds the stable region); mirrored to delta < 0 by the exchange symmetry "
        "delta -> -delta (A <-> B)",
        curve_status=json.dumps([f"{c!r}: {c.status} {c.message}" for c in curves]),
        **attrs,
    )
    return ds


def fig3_curves(**settings: Any) -> xr.Dataset:
    """Boundary of the stable locked state of Fig. 3(d) in (delta, V_AB) (see module doc).

    Returns:
        Dataset over ``point`` (coordinates ``delta``, ``V_AB``) and ``special`` (the
        Bogdanov-Takens and Bautin points), see the module docstring.
    """
    lo, mid, hi = FIG3_RANGE
    bnd = stability_boundary(
        FIG3_MODEL, "delta", 0.0, 1.0, "V_AB", (lo, mid), marks=FIG3_MARKS, **settings
    )
    curves = list(bnd.curves)
    br = continuation({**FIG3_MODEL, "V_AB": mid}, "delta", 0.0, 1.0, **settings)
    first = next((b for b in br.bifurcations if b.kind in ("fold", "hopf")), None)
    if first is not None:  # the Hopf curve from V_AB = mid on to hi
        curves.append(bifurcation_curve(br, first, "V_AB", hi, **settings))
    return _dataset(
        curves,
        "delta",
        "V_AB",
        description="Boundary of the stable locked state over (delta, V_AB): fold curve "
        "below the Bogdanov-Takens point, Hopf curve above (subcritical up to the Bautin "
        "point, supercritical beyond)",
        model=json.dumps(FIG3_MODEL),
        continued_state="the locked state reached by time integration at delta = 0, "
        "continued in delta (its first fold or Hopf point), then in V_AB",
        settings=json.dumps(settings),
    )


def fig4_curves(**settings: Any) -> xr.Dataset:
    """Stability boundary of |1><1| in (delta, K) for Fig. 4: Hopf curves (module doc).

    Returns:
        Dataset over ``point`` (coordinates ``delta``, ``K``), see the module docstring.
    """
    settings = {"ds_max": 0.1, **settings}
    curves: list[Curve] = []
    for seed in FIG4_SEEDS:
        br = continuation(
            {**FIG4_MODEL, "delta": seed}, "K", 4.0, -4.0, initial="unsynchronized", **settings
        )
        for b in br.bifurcations:
            if b.kind != "hopf" or any(_passes(c, seed, b.value) for c in curves):
                continue
            for stop in (0.0, 4.0):
                if stop != seed:
                    curves.append(bifurcation_curve(br, b, "delta", stop, **settings))
    return _dataset(
        curves,
        "delta",
        "K",
        description="Stability boundary of the unsynchronized state |1><1| over (delta, K): "
        "Hopf curves of |1><1| (the black region of Fig. 4 is where |1><1| is stable)",
        model=json.dumps(FIG4_MODEL),
        continued_state="|1><1| (a fixed point for every parameter), continued in K from 4 "
        f"to -4 at delta in {list(FIG4_SEEDS)}; every Hopf point found is followed in delta",
        settings=json.dumps(settings),
    )


def _distance(P: np.ndarray, x: np.ndarray) -> float:
    """Distance from the point x (2,) to the polyline P (m, 2)."""
    if len(P) < 2:
        return float(np.min(np.linalg.norm(P - x, axis=-1))) if len(P) else np.inf
    a, ab = P[:-1], P[1:] - P[:-1]
    t = np.clip(np.sum((x - a) * ab, -1) / np.maximum(np.sum(ab * ab, -1), 1e-300), 0.0, 1.0)
    return float(np.min(np.linalg.norm(a + t[:, None] * ab - x, axis=-1)))


def _passes(c: Curve, delta: float, K: float, tol: float = 1e-3) -> bool:
    """True if curve ``c`` passes within ``tol`` of (delta, K) (a Hopf point already followed)."""
    P = np.stack([c.data["delta"].values, c.data["K"].values], -1)
    return _distance(P, np.array([delta, K])) < tol


def _runs(keep: np.ndarray) -> list[slice]:
    """Maximal runs of True in ``keep`` with at least two points."""
    out, start = [], None
    for k in range(keep.size + 1):
        if k < keep.size and keep[k]:
            start = k if start is None else start
        elif start is not None:
            if k - start >= 2:
                out.append(slice(start, k))
            start = None
    return out


def _dedupe(pieces: list[dict[str, np.ndarray]], first: str, second: str, tol: float = 1e-3):
    """Drop the parts of later pieces that run along earlier ones (a curve found twice)."""
    out: list[dict[str, np.ndarray]] = []
    for p in pieces:
        X = np.stack([p[first], p[second]], -1)
        new = np.array(
            [all(_distance(np.stack([q[first], q[second]], -1), x) > tol for q in out) for x in X]
        )
        # a run that starts or ends on an earlier piece keeps that junction point
        ext = [slice(max(sl.start - 1, 0), min(sl.stop + 1, new.size)) for sl in _runs(new)]
        out += [{k: v[sl] for k, v in p.items()} for sl in ext]
    return out
