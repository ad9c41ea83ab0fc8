r"""Two-parameter curves of the network: fold and Hopf curves, and stability boundaries.

:func:`bifurcation_curve` follows a fold or Hopf point of a :class:`~.branch.Branch` in a
second parameter (e.g. the locking boundary of Fig. 3(d) in :math:`(\delta, V_{AB})`).
:func:`stability_boundary` assembles the boundary of the region where the continued state
is stable from such curves: a curve point belongs to it when the rest of the spectrum
(the critical eigenvalues removed) is stable (``boundary`` variable). Codimension-two
points (Bogdanov-Takens, cusp, Bautin, zero-Hopf) are where the kind of the boundary can
change. The numerics are generic (:mod:`.codim2`); the model enters only through
:mod:`.continuation_network`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from qsynchro.solvers.bifurcations import Bifurcation
from qsynchro.solvers.branch import N_EIG, Branch, continuation, split_settings
from qsynchro.solvers.codim2 import BifurcationCurve, continue_bifurcation
from qsynchro.solvers.continuation_network import Adapter
from qsynchro.solvers.periodic import CycleBranch, continue_periodic, cycle_from_hopf
from qsynchro.solvers.periodic_refine import Refinement, refine_cycle_bifurcation

__all__ = [
    "Boundary",
    "Curve",
    "bifurcation_curve",
    "cycle_branch",
    "refine_cycle",
    "stability_boundary",
]


@dataclass(frozen=True, eq=False)
class Curve:
    """A fold or Hopf curve of the network in two parameters.

    Attributes:
        data: ``xarray.Dataset`` over ``point`` with coordinates for both parameters and
            ``frequency`` (Hopf), ``l1``, ``frame_frequency``, ``amplitude``, ``boundary``.
        points: codimension-two points (``value``: first parameter, ``other``: second).
        kind: "fold" or "hopf". parameters: (first, second). status, message.
    """

    data: xr.Dataset
    points: tuple[Bifurcation, ...]
    kind: str
    parameters: tuple[str, str]
    status: str
    message: str

    def __repr__(self) -> str:
        p, q = self.parameters
        n = self.data.sizes.get("point", 0)
        pts = "; ".join(f"{b.kind} at {p}={b.value:.8g}, {q}={b.other[q]:.8g}" for b in self.points)
        return (
            f"Curve({self.kind} in ({p}, {q}), {n} points, status={self.status!r}"
            f"{'; ' + pts if pts else ''})"
        )


def _curve(c: BifurcationCurve, ad: Adapter, model: dict, locked: bool, settings: str) -> Curve:
    p, q = c.parameters
    obs = ad.observables(c.states)
    amp = np.abs(obs["s_plus"])
    ev = c.eigenvalues[:, :N_EIG]
    ff = c.frame_frequency[:, 0] if locked and c.frame_frequency.size else np.full(len(amp), np.nan)
    ds = xr.Dataset(
        {
            "frequency": ("point", c.frequency),
            "l1": ("point", c.l1),
            "frame_frequency": ("point", ff),
            "amplitude": (("point", "group"), amp),
            "min_eigenvalue": (
                "point",
                np.linalg.eigvalsh(obs["rho"]).min(axis=(-1, -2)) if amp.size else amp[:, 0],
            ),
            "boundary": ("point", c.boundary.astype(np.int8)),
            "marked": ("point", c.marked.astype(np.int8)),
            "eigenvalue_real": (("point", "mode"), ev.real),
            "eigenvalue_imag": (("point", "mode"), ev.imag),
            "state": (("point", "component"), c.states),
            "codim2_kind": ("codim2", np.array([b.kind for b in c.points], dtype=str)),
            f"codim2_{p}": ("codim2", np.array([b.value for b in c.points], dtype=float)),
            f"codim2_{q}": ("codim2", np.array([b.other[q] for b in c.points], dtype=float)),
        },
        coords={p: ("point", c.values[:, 0]), q: ("point", c.values[:, 1])},
    )
    ds["frequency"].attrs["long_name"] = "Hopf frequency (imaginary part of the critical pair)"
    ds["l1"].attrs["long_name"] = "first Lyapunov coefficient along a Hopf curve (< 0: super)"
    ds["boundary"].attrs["long_name"] = (
        "1 where the rest of the spectrum is stable: the curve bounds the stable region"
    )
    ds.attrs.update(
        curve_kind=c.kind,
        status=c.status,
        message=c.message,
        model=json.dumps(model),
        parameter=p,
        second=q,
        network=ad.key,
        network_label=ad.label,
        branch_kind="locked" if locked else "fixed_point",
        settings=settings,
    )
    pts = tuple(
        dataclasses.replace(b, state=ad.observables(b.state)["rho"], other=dict(b.other))
        for b in c.points
    )
    return Curve(ds, pts, c.kind, (p, q), c.status, c.message)


def bifurcation_curve(
    branch: Branch, bifurcation: int | Bifurcation, second: str, stop: float, **settings: Any
) -> Curve:
    """Follow a fold or Hopf point of ``branch`` in the parameter ``second`` up to ``stop``.

    Args:
        branch: a :class:`Branch` from :func:`qsynchro.continuation`.
        bifurcation: index into ``branch.bifurcations`` or one of its elements.
        second: another parameter of the model.
        stop: the value of ``second`` to continue to (from its value in ``branch.model``).
        **settings: continuation settings, plus ``marks``: values of ``second`` at which
            curve points are computed exactly.
    """
    from qsynchro._jax import x64

    bif = branch.bifurcations[bifurcation] if isinstance(bifurcation, int) else bifurcation
    if bif.kind not in ("fold", "hopf"):
        raise ValueError(f"Argument `bifurcation` must be a fold or Hopf point, got {bif.kind!r}.")
    ad = branch.adapter
    locked = branch.kind == "locked"
    system = ad.system(locked, int(branch.data.attrs["reference_group"]))
    cs, st = split_settings(settings)
    # generic engine: positive Hopf frequency (the network reports the signed onset one)
    generic = dataclasses.replace(
        bif, state=bif.other["packed_state"], frequency=abs(bif.frequency)
    )
    with x64():
        c = continue_bifurcation(
            system, generic, branch.model, second, stop, settings=cs, marks=st["marks"]
        )
    return _curve(c, ad, branch.model, locked, json.dumps(dataclasses.asdict(cs)))


@dataclass(frozen=True, eq=False)
class Boundary:
    """The stability boundary of a branch in two parameters (:func:`stability_boundary`).

    Attributes:
        curves: the fold/Hopf curves used.
        data: boundary points (``boundary == 1`` points of all curves on the side of
            ``parameter`` where the branch starts), sorted by the second parameter, with
            ``kind`` (0 fold, 1 Hopf) and ``frequency``.
        transitions: codimension-two points on the boundary (where its kind can change).
    """

    curves: tuple[Curve, ...]
    data: xr.Dataset
    transitions: tuple[Bifurcation, ...]

    def __repr__(self) -> str:
        p, q = self.curves[0].parameters if self.curves else ("?", "?")
        tr = "; ".join(f"{b.kind} at {q}={b.other[q]:.8g}" for b in self.transitions)
        return f"Boundary({p} vs {q}, {self.data.sizes.get('point', 0)} points; {tr or 'none'})"


def _first_loss(branch: Branch) -> Bifurcation | None:
    for b in branch.bifurcations:
        if b.kind in ("fold", "hopf"):
            return b
    return None


def stability_boundary(
    model: Mapping[str, Any],
    parameter: str,
    start: float,
    stop: float,
    second: str,
    second_range: tuple[float, float],
    **settings: Any,
) -> Boundary:
    """Boundary of the stable region of the state continued from ``parameter = start``.

    At both ends of ``second_range`` the state is continued in ``parameter`` and its first
    fold or Hopf point is followed in ``second`` across the range; the boundary is made of
    the curve points where the rest of the spectrum is stable (e.g. the Fig. 3(d) locking
    boundary: a fold at weak V_AB, a Hopf curve beyond a Bogdanov-Takens point).

    Args:
        model, parameter, start, stop: as for :func:`qsynchro.continuation`.
        second: the second parameter; second_range: (first, last) values.
        **settings: continuation settings (``marks`` apply to ``second``).
    """
    lo, hi = (float(v) for v in second_range)
    settings = dict(settings)
    marks = settings.pop("marks", ())
    curves: list[Curve] = []
    for a, b in ((lo, hi), (hi, lo)):
        br = continuation({**model, second: a}, parameter, start, stop, **settings)
        if br.status == "failed":
            raise RuntimeError(f"continuation at {second} = {a} failed: {br.message}")
        first = _first_loss(br)
        if first is None:
            continue
        if any(_covers(c, first, parameter, second, a) for c in curves):
            break  # the curve from the other end already passes through this point
        curves.append(bifurcation_curve(br, first, second, b, marks=marks, **settings))
        if np.all(curves[-1].data.boundary.values == 1) and curves[-1].status == "completed":
            break
    parts = []
    for k, c in enumerate(curves):
        d = c.data
        pv = d[parameter].values
        keep = (d.boundary.values == 1) & (pv >= min(start, stop)) & (pv <= max(start, stop))
        if keep.any():
            part = xr.Dataset(
                {
                    "kind": ("point", np.full(keep.sum(), int(c.kind == "hopf"), np.int8)),
                    "frequency": ("point", d.frequency.values[keep]),
                    "frame_frequency": ("point", d.frame_frequency.values[keep]),
                    "curve": ("point", np.full(keep.sum(), k, np.int8)),
                    "marked": ("point", d.marked.values[keep]),
                },
                coords={
                    parameter: ("point", d[parameter].values[keep]),
                    second: ("point", d[second].values[keep]),
                },
            )
            parts.append(part)
    if parts:
        ds = xr.concat(parts, "point").sortby(second)
    else:
        ds = xr.Dataset(coords={parameter: ("point", []), second: ("point", [])})
    ds["kind"].attrs["long_name"] = "0: fold (saddle-node), 1: Hopf" if parts else ""
    trans: list[Bifurcation] = []
    for c in curves:
        for b in c.points:
            inside = min(start, stop) <= b.value <= max(start, stop)
            dup = any(abs(t.other[second] - b.other[second]) < 1e-5 for t in trans)
            if b.kind == "bogdanov_takens" and inside and not dup:
                trans.append(b)
    ds.attrs.update(parameter=parameter, second=second, model=json.dumps(dict(model)))
    return Boundary(tuple(curves), ds, tuple(trans))


def _covers(c: Curve, b: Bifurcation, parameter: str, second: str, at: float) -> bool:
    d = c.data
    close = np.abs(d[second].values - at) < 1e-9
    return bool(np.any(close & (np.abs(d[parameter].values - b.value) < 1e-6)))


def cycle_branch(
    branch: Branch,
    bifurcation: int | Bifurcation,
    stop: float,
    *,
    steps: int = 400,
    max_period: float = float("inf"),
    reference_group: int | None = None,
    **settings: Any,
) -> CycleBranch:
    """Periodic orbits born at a Hopf point of ``branch``, continued to ``stop``.

    For a locked branch these are *modulated locked states* (periodic in the co-rotating
    frame, on the slice Im <A>_ref = 0); for |1><1| the rotating waves born at V_c.
    ``states`` are packed states (``branch.adapter.observables`` gives <S^+> and rho).
    ``steps``: RK4 steps per period; ``max_period`` ends the branch (approach to a global
    bifurcation). ``reference_group``: the group whose phase defines the slice (default:
    the branch's). Choose a group whose |<A>| stays away from 0 along the cycles: where it
    dips, the frame frequency on the slice becomes large and the fixed RK4 step resolves
    the orbit poorly (Fig. 3 at V_AB = 1 near the cycle fold: |<S+>_A| dips to 1e-3, so
    use group B).
    """
    from qsynchro._jax import x64

    bif = branch.bifurcations[bifurcation] if isinstance(bifurcation, int) else bifurcation
    if bif.kind != "hopf":
        raise ValueError(f"Argument `bifurcation` must be a Hopf point, but got {bif.kind!r}.")
    ad = branch.adapter
    locked = branch.kind == "locked"
    own = int(branch.data.attrs["reference_group"])
    ref = own if reference_group is None or not locked else int(reference_group)
    if not 0 <= ref < ad.G:
        raise ValueError(
            f"Argument `reference_group` must be in [0, {ad.G - 1}], but got {reference_group}."
        )
    system = ad.system(locked, ref)
    cs, _ = split_settings(settings)
    x = bif.other["packed_state"]
    if ref != own:
        x = ad.rephase(x, ref)
    # generic engine: positive Hopf frequency (the network reports the signed onset one)
    generic = dataclasses.replace(bif, state=x, frequency=abs(bif.frequency))
    with x64():
        x0, T, pp = cycle_from_hopf(system, generic, branch.model, steps=steps, settings=cs)
        return continue_periodic(
            system, x0, T, pp, bif.parameter, stop, steps=steps, settings=cs, max_period=max_period
        )


def refine_cycle(
    branch: Branch,
    cycles: CycleBranch,
    bifurcation: int | Bifurcation,
    *,
    levels: int = 2,
    margin: float | None = None,
) -> Refinement:
    """Locate a cycle bifurcation of ``cycles`` (from :func:`cycle_branch` of ``branch``)
    again with 2^k times its RK4 steps, k = 1..levels, and extrapolate
    (:func:`.periodic_refine.refine_cycle_bifurcation`)."""
    from qsynchro._jax import x64

    bif = cycles.bifurcations[bifurcation] if isinstance(bifurcation, int) else bifurcation
    with x64():
        return refine_cycle_bifurcation(
            None, cycles, bif, branch.model, levels=levels, margin=margin
        )
