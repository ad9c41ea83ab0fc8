"""Figures of the network extensions (``networks-disorder``); matplotlib lives only here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from qsynchro.outputs.figure_io import panel_label, save_figure

__all__ = ["plot_critical", "plot_disorder", "plot_nonreciprocal"]


def plot_disorder(ds: xr.Dataset, path: str | Path) -> Path:
    """One panel per K: order parameter against V for each width, V_c marked (dashed)."""
    Ks = ds["K"].values
    fig = Figure(figsize=(4.2 * len(Ks), 3.6), layout="constrained")
    axs = fig.subplots(1, len(Ks), squeeze=False)[0]
    for i, (ax, K) in enumerate(zip(axs, Ks, strict=True)):
        for j, s in enumerate(ds["sigma"].values):
            vc = float(ds["critical_coupling"].values[i, j])
            V = vc * ds["V_over_Vc"].values
            ax.plot(
                V,
                ds["order_parameter"].values[i, j],
                "o-",
                ms=3,
                color=f"C{j}",
                label=f"sigma = {s:g}",
            )
            ax.axvline(vc, color=f"C{j}", ls="--", lw=1)
        ax.set_xlabel("V")
        ax.set_ylabel("r = |sum_k w_k <S+>_k|")
        ax.set_title(f"K = {K:g}")
        ax.legend(fontsize=8)
        panel_label(ax, f"({'abc'[i]})")
    return save_figure(fig, path)


def plot_disorder_vdp(ds: xr.Dataset, path: str | Path) -> Path:
    """(a) r / sqrt(<n>) against kappa / kappa_c per regime; (b) r^2 / <n> near onset."""
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax, bx = fig.subplots(1, 2)
    x = ds["kappa_over_kappa_c"].values
    for i, name in enumerate(ds["regime"].values):
        nbar = float(ds["mean_photon_number"].values[i])
        lab = f"{name}: <n> = {nbar:.2g}, n_max = {int(ds['n_max'].values[i])}"
        ax.plot(x, ds["order_parameter_scaled"].values[i], "o-", ms=3, color=f"C{i}", label=lab)
        y2 = ds["order_parameter_scaled"].values[i] ** 2
        near = x <= 1.25
        bx.plot(x[near], y2[near], "o-", ms=3, color=f"C{i}", label=lab)
    for a in (ax, bx):
        a.axvline(1.0, color="k", ls="--", lw=1)
        a.set_xlabel("kappa / kappa_c (M subgroups)")
    ax.set_ylabel("r / sqrt(<n>)")
    bx.set_ylabel("r^2 / <n> (linear: square-root onset)")
    ax.legend(fontsize=8)
    panel_label(ax, "(a)")
    panel_label(bx, "(b)")
    return save_figure(fig, path)


def plot_nonreciprocal(ds: xr.Dataset, path: str | Path) -> Path:
    """Three panels over (s, a): classification, attractor kind, relative phase."""
    fig = Figure(figsize=(13, 3.8), layout="constrained")
    axs = fig.subplots(1, 3)
    ext = [float(ds.a[0]), float(ds.a[-1]), float(ds.s[0]), float(ds.s[-1])]
    # categorical panels on fixed scales; the phase on a cyclic map over (-pi, pi]
    panels = (
        ("classification", "viridis", -0.5, 2.5),
        ("kind", "cividis", -0.5, 4.5),
        ("relative_phase", "twilight", -np.pi, np.pi),
    )
    for i, (name, cmap, lo, hi) in enumerate(panels):
        ax = axs[i]
        im = ax.imshow(
            ds[name].values, origin="lower", extent=ext, aspect="auto", cmap=cmap, vmin=lo, vmax=hi
        )
        labels = {
            "classification": ("unsync.", "partial", "full"),
            "kind": ("fixed point", "locked", "limit cycle", "not periodic", "unresolved"),
        }.get(name)
        if labels:
            cb = fig.colorbar(im, ax=ax)
            cb.set_ticks(range(len(labels)), labels=labels)
            ax.set_title("attractor kind" if name == "kind" else name)
        else:
            fig.colorbar(im, ax=ax, label=ds[name].attrs.get("long_name", name))
        ax.set_xlabel("nonreciprocal part a")
        ax.set_ylabel("reciprocal part s")
        panel_label(ax, f"({'abc'[i]})")
    return save_figure(fig, path)


def plot_critical(ds: xr.Dataset, path: str | Path) -> Path:
    """(a) spin-1 V_c against width (solid Lorentzian, dashed Gaussian) per K, log scale;
    (b) van der Pol kappa_c against the Lorentzian width."""
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    ax, bx = fig.subplots(1, 2)
    w = ds["width"].values
    for i, K in enumerate(ds["K"].values):
        ax.plot(w, ds["V_c_lorentzian"].values[i], "-", color=f"C{i}", label=f"K = {K:g}")
        ax.plot(w, ds["V_c_gaussian"].values[i], "--", color=f"C{i}")
    ax.set_yscale("log")
    ax.set_xlabel("width (Lorentzian HWHM solid, Gaussian sigma dashed)")
    ax.set_ylabel("V_c")
    ax.legend(fontsize=8)
    panel_label(ax, "(a)")
    bx.plot(w, ds["kappa_c_van_der_pol"].values, "o-", ms=3)
    bx.set_xlabel("Lorentzian HWHM")
    bx.set_ylabel("kappa_c (dissipative)")
    panel_label(bx, "(b)")
    return save_figure(fig, path)
