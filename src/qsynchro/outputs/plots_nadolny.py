"""Figures of Nadolny & Bruder (PRL 131, 190402), drawn from the panel Datasets.

The only matplotlib user for this paper. No pyplot and no global backend
change: figures are :class:`matplotlib.figure.Figure` objects, written by the shared
:func:`qsynchro.outputs.figure_io.save_figure` (Agg canvas; temporary file in the target
directory moved into place with :func:`os.replace`, so every PNG appears atomically).

Each ``plot_fig*`` function takes the Datasets written by
:mod:`qsynchro.experiments.nadolny2023` (or any Dataset with the same variable
and dimension names) and returns the path of the PNG.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from qsynchro.outputs.figure_io import panel_label as _label
from qsynchro.outputs.figure_io import save_figure

__all__ = ["draw_curves", "plot_fig2", "plot_fig3", "plot_fig4"]

#: line colours of Fig. 2(c)/(d): K/(gamma_- + gamma_+) = -1/10, 0, +1/10 (paper: orange,
#: black dashed, blue)
K_COLORS = {-0.1: "tab:orange", 0.0: "black", 0.1: "tab:blue"}


def _mesh(ax, da: xr.DataArray, x: str, y: str, **kw):
    """pcolormesh of a 2-D DataArray with x, y named dimensions (nearest shading)."""
    da = da.transpose(y, x)
    return ax.pcolormesh(
        da[x].values, da[y].values, np.asarray(da.values), shading="nearest", rasterized=True, **kw
    )


def _k_color(krel: float) -> str:
    for k, c in K_COLORS.items():
        if abs(krel - k) < 1e-9:
            return c
    return "gray"


#: line styles of continuation curves: (kind, supercritical) -> matplotlib keywords
CURVE_STYLES = {
    (0, None): {"color": "black", "ls": "-", "label": "fold (saddle-node)"},
    (1, True): {"color": "tab:green", "ls": "-", "label": "Hopf, supercritical"},
    (1, False): {"color": "tab:purple", "ls": "--", "label": "Hopf, subcritical"},
}
SPECIAL_STYLES = {
    "bogdanov_takens": {"marker": "s", "color": "black", "label": "Bogdanov-Takens"},
    "bautin": {"marker": "D", "color": "white", "label": "Bautin (generalized Hopf)"},
}


def _style_key(kind: int, l1: float) -> tuple[int, bool | None]:
    return (0, None) if kind == 0 else (1, bool(not l1 > 0))


def draw_curves(ax, curves: xr.Dataset, x: str, y: str, *, what: str = "", lw: float = 1.6):
    """Draw the continuation curves of a ``*-curves.nc`` Dataset (one line per segment,
    style by kind and by the sign of the first Lyapunov coefficient) and its special
    points; labels (prefixed by ``what``) once per style for the legend."""
    seen: set = set()
    seg = curves["segment"].values
    for s in np.unique(seg):
        m = np.nonzero(seg == s)[0]
        xs, ys = curves[x].values[m], curves[y].values[m]
        keys = [
            _style_key(int(k), float(v))
            for k, v in zip(curves["kind"].values[m], curves["l1"].values[m])
        ]
        start = 0
        for i in range(1, len(m) + 1):
            if i == len(m) or keys[i] != keys[start]:
                st = dict(CURVE_STYLES[keys[start]])
                label = st.pop("label")
                stop = min(i + 1, len(m))  # overlap one point: the line stays connected
                ax.plot(
                    xs[start:stop],
                    ys[start:stop],
                    lw=lw,
                    label=None if keys[start] in seen else what + label,
                    **st,
                )
                seen.add(keys[start])
                start = i
    kinds = curves["special_kind"].values if "special_kind" in curves else []
    for k in SPECIAL_STYLES:
        sel = np.array([str(v) == k for v in kinds], dtype=bool)
        if sel.any():
            st = dict(SPECIAL_STYLES[k])
            ax.plot(
                curves[f"special_{x}"].values[sel], curves[f"special_{y}"].values[sel], ls="none",
                markersize=5, markeredgecolor="black", **st,
            )  # fmt: skip


# --------------------------------------------------------------------------------- Fig. 2
def plot_fig2(a: xr.Dataset, b: xr.Dataset, c: xr.Dataset, d: xr.Dataset, path: str | Path) -> Path:
    """Fig. 2: (a) <S^+>(t) below/above V_c, (b) order parameter, |c02|, populations vs V,
    (c) order parameter over (gamma_ratio, V) with V_c lines, (d) s(phi)."""
    fig = Figure(figsize=(10, 7.5), layout="constrained")
    axs = fig.subplots(2, 2)

    ax = axs[0, 0]
    sp = a["S_plus_A"]
    Vc = float(a.attrs.get("critical_coupling_V_c", np.nan))
    for i, V in enumerate(a["V"].values):
        z = sp.isel(V=i).values
        lab = "below" if np.isfinite(Vc) and V < Vc else "above"
        col = "tab:gray" if lab == "below" else "tab:red"
        ax.plot(a["time"].values, z.real, color=col, lw=0.9, label=f"Re<S+>, V={V:g} ({lab} V_c)")
        ax.plot(a["time"].values, np.abs(z), color=col, lw=1.4, ls="--", label=f"|<S+>|, V={V:g}")
    ax.set_xlabel(r"time $t\,\gamma_-$")
    ax.set_ylabel(r"$\langle S^+\rangle$")
    ax.legend(fontsize=7, loc="lower right")
    _label(ax, "(a)")

    ax = axs[0, 1]
    V = b["V"].values
    ax.plot(V, b["order_parameter"].values, color="black", label=r"$|\langle S^+\rangle|_t$")
    if "coherence_02_A" in b:
        ax.plot(
            V,
            b["coherence_02_A"].values,
            color="tab:purple",
            label=r"$|\langle |0\rangle\langle 2| \rangle|_t$",
        )
    if "population_0_A" in b:
        ax.plot(V, b["population_0_A"].values, color="tab:green", ls="--", label=r"$p_0$")
    if "population_2_A" in b:
        ax.plot(V, b["population_2_A"].values, color="tab:olive", ls=":", label=r"$p_2$")
    Vc = float(b.attrs.get("critical_coupling_V_c", np.nan))
    if np.isfinite(Vc):
        ax.axvline(Vc, color="gray", lw=0.8, ls="-.", label=r"$V_c$ (stability)")
    ax.set_xlabel(r"coupling $V/\gamma_-$")
    ax.set_ylabel("time average")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0.0, 0.9))
    _label(ax, "(b)")

    ax = axs[1, 0]
    m = _mesh(ax, c["order_parameter"], "gamma_ratio", "V", cmap="gray_r", vmin=0)
    fig.colorbar(m, ax=ax, label=r"$|\langle S^+\rangle|_t$")
    if "critical_coupling_line" in c:
        lines = c["critical_coupling_line"]
        for krel in lines["K_relative"].values:
            vc = lines.sel(K_relative=krel).values
            ls = "--" if abs(krel) < 1e-12 else "-"
            ax.plot(
                c["gamma_ratio"].values,
                np.where(np.isfinite(vc), vc, np.nan),
                color=_k_color(krel),
                ls=ls,
                lw=1.6,
                label=rf"$V_c$, $K/(\gamma_-+\gamma_+)={krel:+g}$",
            )
    ax.set_ylim(float(c["V"].min()), float(c["V"].max()))
    ax.set_xlim(float(c["gamma_ratio"].min()), float(c["gamma_ratio"].max()))
    ax.set_xlabel(r"$\gamma_+/\gamma_-$")
    ax.set_ylabel(r"coupling $V/\gamma_-$")
    ax.legend(fontsize=7, loc="upper right")
    _label(ax, "(c)")

    ax = axs[1, 1]
    s = d["phase_distribution"]
    phi = d["phi"].values
    for k in d["K"].values:
        krel = float(d["K_relative"].sel(K=k)) if "K_relative" in d.coords else np.nan
        ax.plot(
            phi / np.pi,
            s.sel(K=k).values,
            color=_k_color(krel),
            lw=1.6,
            ls="--" if abs(krel) < 1e-12 else "-",
            label=rf"$K/(\gamma_-+\gamma_+)={krel:+g}$",
        )
    ax.axhline(0, color="gray", lw=0.5)
    ax.set_xlabel(r"$\phi/\pi$")
    ax.set_ylabel(r"$s(\phi)$")
    ax.legend(fontsize=8, loc="lower right")
    _label(ax, "(d)")
    return save_figure(fig, path)


# --------------------------------------------------------------------------------- Fig. 3
def plot_fig3(
    ab: xr.Dataset,
    c: xr.Dataset,
    d: xr.Dataset,
    path: str | Path,
    *,
    omega_max: float = 2.0,
    curves: xr.Dataset | None = None,
) -> Path:
    """Fig. 3: (a), (b) spectra over (delta, omega) (log colour scale, omega within
    +-omega_max), (c) omega_A, omega_B and their difference over delta, (d) the frequency
    difference over (delta, V_AB), with the locking boundary from continuation (``curves``,
    a ``nadolny2023-fig3d-curves.nc`` Dataset) drawn over it when given."""
    fig = Figure(figsize=(10, 7.5), layout="constrained")
    axs = fig.subplots(2, 2)
    for ax, grp, lab in ((axs[0, 0], "A", "(a)"), (axs[0, 1], "B", "(b)")):
        P = ab[f"spectrum_{grp}"].sel(omega=slice(-omega_max, omega_max))
        P = P / P.max("omega").where(P.max("omega") > 0, 1.0)
        logP = np.log10(P.clip(min=1e-4))
        m = _mesh(ax, logP, "delta", "omega", cmap="magma", vmin=-4, vmax=0)
        fig.colorbar(m, ax=ax, label=rf"$\log_{{10}} P_{grp}(\omega)/\max_\omega P_{grp}$")
        ax.set_xlabel(r"detuning $\delta/\gamma_-$")
        ax.set_ylabel(r"$\omega/\gamma_-$")
        _label(ax, lab)

    ax = axs[1, 0]
    dl = c["delta"].values
    ax.plot(dl, c["omega_A"].values, color="tab:red", label=r"$\omega_A$")
    ax.plot(dl, c["omega_B"].values, color="tab:blue", label=r"$\omega_B$")
    ax.plot(dl, c["frequency_difference"].values, color="black", lw=2, label=r"$\omega_A-\omega_B$")
    ax.plot(dl, dl, color="gray", lw=0.8, ls=":", label=r"$\delta$")
    ax.set_xlabel(r"detuning $\delta/\gamma_-$")
    ax.set_ylabel(r"frequency$/\gamma_-$")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(0.0, 0.9))
    _label(ax, "(c)")

    ax = axs[1, 1]
    fd = d["frequency_difference"]
    lim = float(np.nanmax(np.abs(fd.values))) if np.any(np.isfinite(fd.values)) else 1.0
    cmap = _with_bad("RdBu_r", "black")
    m = _mesh(ax, fd, "delta", "V_AB", cmap=cmap, vmin=-lim, vmax=lim)
    fig.colorbar(m, ax=ax, label=r"$(\omega_A-\omega_B)/\gamma_-$")
    V = float(d.attrs.get("V", np.nan))
    if np.isfinite(V):
        ax.axhline(V, color="gray", lw=0.8, ls="--")
    if curves is not None and curves.sizes.get("point", 0):
        draw_curves(ax, curves, "delta", "V_AB", what="locked state: ")
        ax.set_xlim(float(d["delta"].min()), float(d["delta"].max()))
        ax.set_ylim(float(d["V_AB"].min()), float(d["V_AB"].max()))
        ax.legend(fontsize=6, loc="upper right", framealpha=0.8)
    ax.set_xlabel(r"detuning $\delta/\gamma_-$")
    ax.set_ylabel(r"$V_{AB}/\gamma_-$")
    _label(ax, "(d)")
    return save_figure(fig, path)


def _with_bad(name: str, bad: str):
    import matplotlib

    return matplotlib.colormaps[name].with_extremes(bad=bad)


# --------------------------------------------------------------------------------- Fig. 4
def plot_fig4(
    ds: xr.Dataset,
    path: str | Path,
    *,
    amplitude_threshold: float = 1e-3,
    curves: xr.Dataset | None = None,
) -> Path:
    """Fig. 4 over (delta, K): (a) omega_A - omega_B, (b) order parameter, (c) relative phase.

    ``curves`` (a ``nadolny2023-fig4-curves.nc`` Dataset): the stability boundary of |1><1|
    from continuation, drawn on every panel when given.

    Black: the order parameter is below ``amplitude_threshold`` (no synchronization), as in
    the paper. In (c) light gray marks points where both groups are synchronized but not
    locked to each other (``classification`` = 1), where the relative phase is arbitrary.
    """
    fig = Figure(figsize=(15, 4.6), layout="constrained")
    axs = fig.subplots(1, 3)
    unsync = ds["order_parameter"] < amplitude_threshold

    ax = axs[0]
    fd = ds["frequency_difference"].where(~unsync)
    lim = float(np.nanmax(np.abs(fd.values))) if np.any(np.isfinite(fd.values)) else 1.0
    m = _mesh(ax, fd, "delta", "K", cmap=_with_bad("RdBu_r", "black"), vmin=-lim, vmax=lim)
    fig.colorbar(m, ax=ax, label=r"$(\omega_A-\omega_B)/\gamma_-$")
    _label(ax, "(a)")

    ax = axs[1]
    m = _mesh(ax, ds["order_parameter"], "delta", "K", cmap="inferno", vmin=0)
    fig.colorbar(m, ax=ax, label=r"order parameter $|\langle S^+\rangle|_t$")
    _label(ax, "(b)")

    ax = axs[2]
    ph = ds["relative_phase"].where(~unsync)
    full = ds["classification"] == 2 if "classification" in ds else ~unsync
    partial = (~unsync) & (~full)
    m = _mesh(
        ax, ph.where(full), "delta", "K", cmap=_with_bad("hsv", "black"), vmin=-np.pi, vmax=np.pi
    )
    if bool(partial.any()):
        _mesh(
            ax,
            partial.where(partial).astype(float),
            "delta",
            "K",
            cmap=ListedColormap(["lightgray"]),
            vmin=0,
            vmax=1,
        )
    cb = fig.colorbar(m, ax=ax, label=r"$\phi_A-\phi_B$")
    cb.set_ticks([-np.pi, 0, np.pi], labels=[r"$-\pi$", "0", r"$\pi$"])
    _label(ax, "(c)")
    for ax in axs:
        ax.set_xlabel(r"detuning $\delta/\gamma_-$")
        ax.set_ylabel(r"asymmetry $K/\gamma_-$")
        if curves is not None and curves.sizes.get("point", 0):
            draw_curves(ax, curves, "delta", "K", what=r"$|1\rangle\langle1|$: ", lw=1.2)
            ax.set_xlim(float(ds["delta"].min()), float(ds["delta"].max()))
            ax.set_ylim(float(ds["K"].min()), float(ds["K"].max()))
        ax.set_aspect("equal")
    if curves is not None and curves.sizes.get("point", 0):
        axs[1].legend(fontsize=7, loc="lower left", framealpha=0.8)
    return save_figure(fig, path)
