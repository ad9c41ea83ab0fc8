r"""Accurate location of cycle bifurcations: step refinement and Richardson extrapolation.

A cycle bifurcation (cycle fold, period doubling, Neimark-Sacker) found on a
:class:`~.periodic.CycleBranch` is located exactly for the *discretized* flow (``steps``
classical RK4 steps per period), so its parameter value carries the integrator's error
:math:`O(h^4)`, :math:`h = 1/\mathrm{steps}`. :func:`refine_cycle_bifurcation` locates it
again with 2, 4, ... times the steps: each level continues a short piece of the branch at
the finer step, from the branch point ``margin`` before the event (Newton re-converges it
to the finer flow) to ``margin`` beyond it, and locates the event on it as the branch
does (Illinois on the test function, to ``locate_tol``). Where the modulated cycles of
the network change fast (near a cycle fold) the shooting is pre-asymptotic at a few
hundred steps; the observed order then differs from 4 and says so. With the values
:math:`v_n, v_{2n}, v_{4n}` the differences :math:`d_k` shrink by :math:`2^4 = 16` per
level for a fourth-order method (``observed_order`` = :math:`\log_2(d_{k-1}/d_k)`), and
the Richardson extrapolation :math:`v_\infty = v_{\mathrm{last}} + d_{\mathrm{last}}/(2^p-1)`
with the observed order p of the last ratio (4 with a single refinement) removes the
leading term; its error estimate is :math:`|d_\mathrm{last}|/(2^p-1)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qsynchro._checks import check_int
from qsynchro.solvers.bifurcations import Bifurcation
from qsynchro.solvers.continuation import ContinuationSettings, System
from qsynchro.solvers.periodic import CycleBranch, continue_periodic

__all__ = ["Refinement", "refine_cycle_bifurcation"]


@dataclass(frozen=True)
class Refinement:
    """A cycle bifurcation located with increasing RK4 steps per period.

    Attributes:
        kind: "cycle_fold", "period_doubling" or "neimark_sacker". parameter: its name.
        steps: (L,) RK4 steps per period of each level; values: (L,) located parameter.
        differences: (L-1,) values[k+1] - values[k].
        observed_order: (L-2,) log2 of successive difference ratios (4 for RK4).
        extrapolated: Richardson value from the last two levels with the observed order
            p of the last ratio (clipped to [0.5, 8]; 4 with a single refinement):
            values[-1] + differences[-1] / (2^p - 1).
        error_estimate: |differences[-1]| / (2^p - 1).
        bifurcations: the located points of each level (NaN values where not found).
        events: per level, every (kind, value) found on its re-location branch, in
            branch order (the kind of the first loss of stability can change with steps).
    """

    kind: str
    parameter: str
    steps: np.ndarray
    values: np.ndarray
    differences: np.ndarray
    observed_order: np.ndarray
    extrapolated: float
    error_estimate: float
    bifurcations: tuple[Bifurcation | None, ...] = field(default=())
    events: tuple[tuple[tuple[str, float], ...], ...] = field(default=())

    def __repr__(self) -> str:
        rows = ", ".join(f"{n}: {v:.10f}" for n, v in zip(self.steps, self.values))
        return (
            f"Refinement({self.kind} in {self.parameter}: {rows}; extrapolated "
            f"{self.extrapolated:.10f} +- {self.error_estimate:.1e})"
        )


def _start_index(branch: CycleBranch, bif: Bifurcation, margin: float) -> int:
    """Index of the last branch point before the event at least ``margin`` away from it."""
    d = np.linalg.norm(branch.states - bif.state, axis=-1) + np.abs(branch.values - bif.value)
    j = int(np.argmin(d))
    far = np.nonzero(np.abs(branch.values[: j + 1] - bif.value) >= margin)[0]
    return int(far[-1]) if far.size else 0


def refine_cycle_bifurcation(
    system: System | None,
    branch: CycleBranch,
    bif: Bifurcation,
    params: Any,
    *,
    steps: int | None = None,
    levels: int = 2,
    margin: float | None = None,
    settings: ContinuationSettings | None = None,
) -> Refinement:
    """Locate ``bif`` (found on ``branch`` with ``steps``) again with steps * 2^k, k <= levels.

    Args:
        system: the system of the branch (None: ``branch.system``); params: its parameters
            (any value of the continued one).
        branch: the :class:`CycleBranch` on which ``bif`` was found (``steps`` per period).
        bif: one of ``branch.bifurcations`` (cycle fold, period doubling, Neimark-Sacker).
        steps: RK4 steps per period of ``branch`` (None: ``branch.steps``).
        levels: number of refinements (each doubles the steps).
        margin: each level continues from the branch point ``margin`` before the event to
            ``margin`` beyond it (default 2e-3 max(1, |value|)); it must exceed the shift of
            the event between levels.
        settings: continuation settings of the short re-location branches (default
            ``ds = margin/2``, ``ds_max = 2 margin`` (arclength in (state, period,
            parameter); larger steps can jump over a sharp turn of the branch),
            ``max_steps = 300``).

    Returns:
        :class:`Refinement` (the level-0 value is ``bif.value`` itself).
    """
    system = branch.system if system is None else system
    if system is None:
        raise ValueError("Argument `system` is required for a branch that does not carry one.")
    steps = check_int("steps", branch.steps if steps is None else steps, minimum=10)
    levels = check_int("levels", levels, minimum=1, maximum=6)
    if bif.kind not in ("cycle_fold", "period_doubling", "neimark_sacker"):
        raise ValueError(
            "Argument `bif` must be a cycle bifurcation (cycle_fold, period_doubling, "
            f"neimark_sacker), but got {bif.kind!r}."
        )
    if margin is None:
        margin = 2e-3 * max(1.0, abs(bif.value))
    s = _start_index(branch, bif, margin)
    p0 = float(branch.values[s])
    direction = math.copysign(1.0, bif.value - p0) if bif.value != p0 else 1.0
    stop = bif.value + direction * margin
    if settings is None:
        settings = ContinuationSettings(ds=margin / 2, ds_max=2 * margin, max_steps=300)
    p = system.params(params)
    p[system.index(bif.parameter)] = p0
    found: list[Bifurcation | None] = [bif]
    events: list[tuple[tuple[str, float], ...]] = [((bif.kind, float(bif.value)),)]
    values = [float(bif.value)]
    ns = [steps]
    for k in range(1, levels + 1):
        n = steps * 2**k
        cb = continue_periodic(
            system,
            branch.states[s],
            float(branch.period[s]),
            p,
            bif.parameter,
            stop,
            steps=n,
            settings=settings,
        )
        events.append(tuple((b.kind, float(b.value)) for b in cb.bifurcations))
        hits = [b for b in cb.bifurcations if b.kind == bif.kind]
        ref = next(x for x in reversed(values) if math.isfinite(x))
        best = min(hits, key=lambda b: abs(b.value - ref)) if hits else None
        found.append(best)
        values.append(best.value if best is not None else math.nan)
        ns.append(n)
    v = np.array(values)
    d = np.diff(v)
    with np.errstate(divide="ignore", invalid="ignore"):
        order = np.log2(np.abs(d[:-1] / d[1:])) if d.size > 1 else np.zeros(0)
    # Richardson with the observed order of the last two differences (4 for RK4 in the
    # asymptotic range; a pre-asymptotic shooting shows a smaller order and a larger error)
    last = order[-1] if order.size and np.isfinite(order[-1]) else 4.0
    factor = 2.0 ** float(np.clip(last, 0.5, 8.0)) - 1.0
    return Refinement(
        bif.kind,
        bif.parameter,
        np.array(ns),
        v,
        d,
        order,
        float(v[-1] + d[-1] / factor),
        float(abs(d[-1]) / factor),
        tuple(found),
        tuple(events),
    )
