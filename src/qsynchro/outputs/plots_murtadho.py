"""Figures of Murtadho, Vinjanampathy & Thingna (PRL 131, 030401), drawn from the panel Datasets.

The only matplotlib user for this paper. No pyplot and no global backend change: figures
are :class:`matplotlib.figure.Figure` objects rendered by the Agg canvas, and every PNG is
written to a temporary file in the target directory and moved into place with
:func:`os.replace` (atomic).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from qsynchro.outputs.figure_io import panel_label as _label
from qsynchro.outputs.figure_io import save_figure

__all__ = ["plot_arnold", "plot_fig2", "plot_fig3"]

ENGINE_COLOR = "tab:red"
FRIDGE_COLOR = "tab:blue"


def _phase_panel(fig: Figure, ax, ds: xr.Dataset, letter: str) -> None:
    S = ds["phase_distribution"].squeeze(drop=True).transpose("varphi_31", "varphi_21")
    x = ds["varphi_21"].values / np.pi
    y = ds["varphi_31"].values / np.pi
    m = ax.pcolormesh(
        x,
        y,
        S.values * 1e4,
        shading="nearest",
        cmap="RdBu_r",
        vmin=-float(np.max(np.abs(S.values))) * 1e4,
        vmax=float(np.max(np.abs(S.values))) * 1e4,
        rasterized=True,
    )
    fig.colorbar(m, ax=ax, label=r"$S(\varphi_{21},\varphi_{31})\times 10^4$")
    eq12 = np.asarray(ds.attrs.get("eq12_phases", []), dtype=float).reshape(-1, 2)
    if eq12.size:
        ax.plot(eq12[:, 0] / np.pi, eq12[:, 1] / np.pi, "k+", ms=12, mew=2, label="Eq. (12)")
    if "varphi" in ds:
        vp = np.asarray(ds["varphi"].squeeze(drop=True).values) / np.pi
        ax.plot([vp[0]], [vp[1]], "o", mfc="none", mec="k", ms=9, label="certified optimum")
    k = float(np.asarray(ds["k"].values).reshape(-1)[0])
    ax.set_title(f"engine, $n_h/n_c=100$, $k={k:g}$", fontsize=9)
    ax.set_xlabel(r"$\varphi_{21}/\pi$")
    ax.set_ylabel(r"$\varphi_{31}/\pi$")
    ax.set_aspect("equal")
    ax.legend(loc="lower left", fontsize=7)
    _label(ax, f"({letter})")


def plot_fig2(a: xr.Dataset, b: xr.Dataset, c: xr.Dataset, d: xr.Dataset, path: str | Path) -> Path:
    """Fig. 2: (a),(b) S(varphi_21, varphi_31); (c) S_max vs n_h/n_c; (d) vs |lam_2/lam_3|."""
    fig = Figure(figsize=(10, 8.4), layout="constrained")
    axs = fig.subplots(2, 2)
    _phase_panel(fig, axs[0, 0], a, "a")
    _phase_panel(fig, axs[0, 1], b, "b")
    ax = axs[1, 0]
    x = c["nh_over_nc"].values
    scale = 1e5
    ax.plot(x, c["S_max_eq11"].values * scale, "k-", lw=1.2, label="Eq. (11)")
    ax.plot(x, c["S_max"].values * scale, "o", ms=4, color="tab:purple", label=r"$S_{\max}$")
    ax.plot(
        x,
        c["entrainment"].values * scale,
        "k--",
        lw=1,
        label=r"$(|\rho_{12}|+|\rho_{13}|)/16\pi^2$",
    )
    ax.axvline(1.0, color="gray", lw=0.8, ls=":")
    ax.set_xscale("log")
    ax.set_xlabel(r"$n_h/n_c$")
    ax.set_ylabel(r"$S_{\max}\times 10^5$")
    ax.text(
        0.3,
        0.03,
        "refrigerator",
        transform=ax.transAxes,
        color=FRIDGE_COLOR,
        fontsize=8,
        ha="right",
    )
    ax.text(0.5, 0.03, "engine", transform=ax.transAxes, color=ENGINE_COLOR, fontsize=8)
    ax.legend(fontsize=7, loc="upper right")
    _label(ax, "(c)")
    ax = axs[1, 1]
    for r, col, name in (
        (float(d["nh_over_nc"].values[0]), ENGINE_COLOR, "engine"),
        (float(d["nh_over_nc"].values[1]), FRIDGE_COLOR, "refrigerator"),
    ):
        sel = d.sel(nh_over_nc=r)
        ax.plot(
            sel["lam_ratio"].values,
            sel["S_max"].values * scale,
            "o",
            ms=4,
            color=col,
            label=rf"$S_{{\max}}$ {name} ($n_h/n_c={r:g}$)",
        )
        ax.plot(
            sel["lam_ratio"].values,
            sel["entrainment"].values * scale,
            "--",
            color=col,
            lw=1,
            label="entrainment part",
        )
    ax.set_xlabel(r"$|\lambda_2/\lambda_3|$  (stronger drive fixed at 0.1)")
    ax.set_ylabel(r"$S_{\max}\times 10^5$")
    ax.legend(fontsize=7)
    _label(ax, "(d)")
    return save_figure(fig, path, dpi=130)


def plot_fig3(a: xr.Dataset, b: xr.Dataset, c: xr.Dataset, d: xr.Dataset, path: str | Path) -> Path:
    """Fig. 3: (a),(b) scaled S_max vs N with fits; (c),(d) optimal phases at N = 20."""
    fig = Figure(figsize=(10, 8.4), layout="constrained")
    axs = fig.subplots(2, 2)
    for ax, ds, letter, col in (
        (axs[0, 0], a, "a", ENGINE_COLOR),
        (axs[0, 1], b, "b", FRIDGE_COLOR),
    ):
        N = ds["N"].values
        S = ds["S_max_scaled"]
        E = ds["entrainment_scaled"]
        ax.errorbar(
            N,
            S.mean("realization"),
            yerr=S.std("realization"),
            fmt="o",
            color=col,
            ms=5,
            capsize=2,
            label=r"$\mathbb{S}_{\max}=(2\pi)^N S_{\max}$",
        )
        ax.errorbar(
            N,
            E.mean("realization"),
            yerr=E.std("realization"),
            fmt="o",
            mfc="none",
            color=col,
            ms=5,
            capsize=2,
            label=r"entrainment $\frac{1}{4}\sum_j|\rho_{1j}|$",
        )
        alpha = float(S.attrs["alpha"])
        A = float(S.attrs["prefactor"])
        NN = np.linspace(N.min(), N.max(), 100)
        ax.plot(
            NN,
            A * NN**alpha,
            "-",
            color="k",
            lw=1,
            label=rf"fit $N^{{{alpha:.2f}}}$ (paper {float(S.attrs['alpha_paper']):+.2f})",
        )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ticks = [t for t in (2, 3, 5, 10, 20, 50, 100) if N.min() <= t <= N.max()]
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.minorticks_off()
        ax.set_xlabel("N")
        ax.set_ylabel(r"$\mathbb{S}_{\max}$")
        ax.set_title(str(ds.attrs.get("regime", "")), fontsize=9)
        ax.legend(fontsize=7)
        _label(ax, f"({letter})")
    for idx, ds, letter, col in ((2, c, "c", ENGINE_COLOR), (3, d, "d", FRIDGE_COLOR)):
        ax = fig.add_subplot(2, 2, idx + 1, projection="polar")
        axs.flat[idx].remove()
        vp = np.asarray(ds["varphi"].values)
        R = vp.shape[0]
        for i in range(R):
            ax.plot(
                vp[i],
                np.ones(vp.shape[1]),
                "o",
                color=col,
                ms=4,
                alpha=max(0.05, min(1.0, 3.0 / R)) if R > 1 else 1.0,
            )
        ax.set_rticks([])
        ax.set_ylim(0, 1.15)
        ax.set_title(rf"optimal $\varphi_{{j1}}$, N = 20, {ds.attrs.get('regime', '')}", fontsize=9)
        _label(ax, f"({letter})")
    return save_figure(fig, path, dpi=130)


def plot_arnold(ds: xr.Dataset, path: str | Path) -> Path:
    """Arnold tongue: scaled S_max over (detuning, lam) for each n_h/n_c."""
    fig = Figure(figsize=(10, 4.2), layout="constrained")
    ratios = ds["nh_over_nc"].values
    axs = fig.subplots(1, len(ratios))
    for ax, r in zip(np.atleast_1d(axs), ratios):
        S = ds["S_max_scaled"].sel(nh_over_nc=r).transpose("lam", "detuning")
        m = ax.pcolormesh(
            ds["detuning"].values,
            ds["lam"].values,
            S.values,
            shading="nearest",
            cmap="viridis",
            rasterized=True,
        )
        fig.colorbar(m, ax=ax, label=r"$(2\pi)^2 S_{\max}$")
        ax.set_yscale("log")
        ax.set_xlabel(r"$\Omega-(\omega_2-\omega_1)$")
        ax.set_ylabel(r"$\lambda$")
        ax.set_title(
            f"N = 2, {'engine' if r > 1 else 'refrigerator'} ($n_h/n_c = {r:g}$)", fontsize=9
        )
    return save_figure(fig, path, dpi=130)
