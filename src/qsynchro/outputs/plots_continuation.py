"""Bifurcation diagrams of continued branches and two-parameter curves (PNG).

Panel (a): the order parameter (per-group |<S^+>|) along a branch against the continued
parameter, solid where the state is stable and dashed where it is unstable, with the
located bifurcations marked (fold: square, Hopf: circle, branch point: triangle; filled
for supercritical Hopf points). Panel (b), when curves are given: the fold (blue) and Hopf
(red) curves in the two-parameter plane, thick where they bound the stable region
(``boundary == 1``), with codimension-two points marked and labelled.
Input: the Datasets written by :mod:`qsynchro.experiments.continuation`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from qsynchro.outputs.figure_io import panel_label, save_figure

__all__ = ["plot_bifurcation_diagram"]

_MARK = {"fold": "s", "hopf": "o", "branch_point": "^"}
_CODIM2 = {"bogdanov_takens": "BT", "cusp": "CP", "bautin": "GH", "zero_hopf": "ZH"}
_OFFSET = {"bogdanov_takens": (6, -12), "cusp": (6, 6), "bautin": (-12, 10), "zero_hopf": (6, -22)}


def _segments(x: np.ndarray, y: np.ndarray, stable: np.ndarray):
    """Split a polyline where stability changes (the switch point joins both pieces)."""
    start = 0
    for i in range(1, len(x) + 1):
        if i == len(x) or stable[i] != stable[start]:
            stop = min(i + 1, len(x))
            yield x[start:stop], y[start:stop], bool(stable[start])
            start = i


def _branch_panel(ax, ds: xr.Dataset) -> None:
    p = ds.attrs["parameter"]
    x = ds[p].values
    stable = ds.stable.values.astype(bool)
    colors = ["tab:blue", "tab:orange"]
    for g, name in enumerate(ds.group.values):
        y = ds.amplitude.values[:, g]
        label = f"|<S+>_{name}| (dashed: unstable)"
        for xs, ys, st in _segments(x, y, stable):
            ax.plot(
                xs,
                ys,
                color=colors[g % 2],
                ls="-" if st else "--",
                lw=1.6 if st else 1.0,
                label=label,
            )
            label = None
    for k, v in enumerate(ds.bifurcation_value.values):
        kind = str(ds.bifurcation_kind.values[k])
        i = np.argmin(np.abs(x - v))
        filled = kind == "hopf" and ds.bifurcation_l1.values[k] < 0
        ax.plot(
            [v],
            [ds.amplitude.values[i].mean()],
            _MARK.get(kind, "x"),
            color="k",
            mfc="k" if filled or kind != "hopf" else "w",
            ms=7,
            zorder=5,
        )
        ax.annotate(
            f"{kind} {v:.6g}",
            (v, ds.amplitude.values[i].mean()),
            fontsize=7,
            xytext=(4, 6),
            textcoords="offset points",
        )
    ax.set_xlabel(p)
    ax.set_ylabel("|<S+>| per group")
    ax.set_title(
        f"{ds.attrs.get('branch_kind', '')} branch: {ds.attrs.get('status', '')}", fontsize=9
    )
    ax.legend(fontsize=7, loc="best")


def _curves_panel(ax, curves: list[xr.Dataset], parameter: str, second: str) -> None:
    seen: set[tuple[str, float, float]] = set()
    for ds in curves:
        kind = ds.attrs.get("curve_kind", "")
        color = "tab:blue" if kind == "fold" else "tab:red"
        x, y = ds[parameter].values, ds[second].values
        b = ds.boundary.values.astype(bool)
        ax.plot(x, y, color=color, lw=0.8, ls=":")
        xb, yb = np.where(b, x, np.nan), np.where(b, y, np.nan)
        ax.plot(xb, yb, color=color, lw=2.0, label=f"{kind} (stability boundary)")
        for k, name in enumerate(ds.codim2_kind.values):
            px, py = ds[f"codim2_{parameter}"].values[k], ds[f"codim2_{second}"].values[k]
            ax.plot([px], [py], "k*", ms=8, zorder=5)
            if (str(name), round(px, 4), round(py, 4)) in seen:
                continue
            seen.add((str(name), round(px, 4), round(py, 4)))
            ax.annotate(
                _CODIM2.get(str(name), str(name)),
                (px, py),
                fontsize=7,
                xytext=_OFFSET.get(str(name), (6, 6)),
                textcoords="offset points",
            )
    ax.set_xlabel(parameter)
    ax.set_ylabel(second)
    ax.set_title("fold / Hopf curves (thick: bound the stable region); *: codim 2", fontsize=9)
    ax.legend(fontsize=7, loc="best")


def plot_bifurcation_diagram(
    branch: xr.Dataset, path: str | Path, curves: list[xr.Dataset] | None = None
) -> Path:
    """Draw the branch (and optional curves) into ``path`` (PNG, atomic write)."""
    curves = curves or []
    n = 2 if curves else 1
    fig = Figure(figsize=(5.2 * n, 4.0), layout="constrained")
    axes = [fig.add_subplot(1, n, k + 1) for k in range(n)]
    if branch.sizes.get("point", 0):
        _branch_panel(axes[0], branch)
    else:
        axes[0].text(
            0.5,
            0.5,
            f"branch failed:\n{branch.attrs.get('message', '')}",
            ha="center",
            va="center",
            wrap=True,
            fontsize=8,
        )
    panel_label(axes[0], "(a)")
    if curves:
        first = curves[0]
        parameter = first.attrs["parameter"]
        second = first.attrs["second"]
        _curves_panel(axes[1], curves, parameter, second)
        panel_label(axes[1], "(b)")
    desc = branch.attrs.get("description", "")
    if desc:
        fig.suptitle(desc, fontsize=9)
    return save_figure(fig, path)
