"""Figure of the finite-N study (``nadolny2023-finite-size``); matplotlib lives only here.

PNG files are written to a temporary file in the target directory and moved into
place with :func:`os.replace` (atomic).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from qsynchro.outputs.figure_io import save_figure

__all__ = ["plot_finite_size"]


def _label(ax, text: str) -> None:
    ax.text(0.02, 0.96, text, transform=ax.transAxes, va="top", fontweight="bold")


def plot_finite_size(
    main: xr.Dataset, cum: xr.Dataset, traces: xr.Dataset, spec: xr.Dataset, path: str | Path
) -> Path:
    """Five panels: (a) |<S^+>|/N(t) exact, cumulant and mean field; (b) coherence
    lifetime vs N with the linear fit (above V_c) and below V_c; (c) spectra;
    (d) steady-state populations vs 1/N; (e) oscillation frequency vs 1/N."""
    fig = Figure(figsize=(15, 8.5), layout="constrained")
    axs = fig.subplots(2, 3)
    colors = [f"C{i}" for i in range(10)]

    ax = axs[0, 0]
    t = traces["time"].values
    for i, N in enumerate(traces["N"].values):
        ax.plot(t, np.abs(traces["s_plus_exact"].values[i]), color=colors[i], label=f"exact N={N}")
        ax.plot(t, np.abs(traces["s_plus_cumulant"].values[i]), color=colors[i], ls="--", lw=1)
    if "s_plus_cumulant_large" in traces:
        for j, Nl in enumerate(traces["N_large"].values):
            ax.plot(
                t,
                np.abs(traces["s_plus_cumulant_large"].values[j]),
                color="0.5",
                ls=":",
                lw=1 + j,
                label=f"cumulant N={Nl}",
            )
    ax.plot(t, np.abs(traces["s_plus_meanfield"].values), "k", lw=2, label="mean field (Eq. 2)")
    ax.set_xlabel(r"$\gamma_- t$")
    ax.set_ylabel(r"$|\langle S^+\rangle|/N$")
    ax.set_title("decay from the limit-cycle state (dashed: cumulant)", fontsize=9)
    ax.legend(fontsize=7)
    _label(ax, "(a)")

    ax = axs[0, 1]
    N = main["N"].values
    ax.plot(
        N,
        main["coherence_lifetime"].values,
        "o",
        color="C0",
        label=f"exact, V={main.attrs['param_V']:g} > V_c",
    )
    s, b = main.attrs["lifetime_slope"], main.attrs["lifetime_intercept"]
    nn = np.linspace(main.attrs["fit_N_min"], max(N.max(), cum["N"].values.max()), 50)
    ax.plot(nn, s * nn + b, color="C0", lw=1, label=f"fit: slope {s:.3f}")
    ax.plot(
        N,
        main["coherence_lifetime_below"].values,
        "s",
        color="C3",
        label=f"exact, V={main.attrs['V_below']:g} < V_c",
    )
    ax.plot(
        cum["N"].values,
        cum["coherence_lifetime"].values,
        "^",
        color="C2",
        label=f"cumulant (slope {cum.attrs['lifetime_slope']:.3f})",
    )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("N")
    ax.set_ylabel(r"coherence lifetime $1/\Gamma$ ($1/\gamma_-$)")
    ax.legend(fontsize=7)
    _label(ax, "(b)")

    ax = axs[0, 2]
    om = spec["omega"].values
    for i, Ns in enumerate(spec["N"].values):
        ax.plot(om, spec["spectrum"].values[i], color=colors[i], label=f"N={Ns}")
    ax.axvline(main.attrs["meanfield_frequency"], color="k", ls=":", label="mean-field freq.")
    ax.set_xlabel(r"$\omega/\gamma_-$")
    ax.set_ylabel(r"$S(\omega)$ of $\langle S^+(t)S^-(0)\rangle/N^2$")
    ax.legend(fontsize=7)
    _label(ax, "(c)")

    ax = axs[1, 0]
    pops_mf = np.asarray(main.attrs["meanfield_populations"])
    for a in range(3):
        ax.plot(1 / N, main["populations"].values[:, a], "o-", color=colors[a], label=f"exact p{a}")
        ax.plot(
            1 / cum["N"].values,
            cum["populations"].values[:, a],
            "^--",
            color=colors[a],
            lw=1,
            label=f"cumulant p{a}",
        )
        ax.plot([0], [pops_mf[a]], "*", ms=12, color=colors[a])
    ax.set_xlabel("1/N")
    ax.set_ylabel("steady-state population (stars: mean field)")
    ax.legend(fontsize=7, ncol=2)
    _label(ax, "(d)")

    ax = axs[1, 1]
    ax.plot(1 / N, main["coherence_frequency"].values, "o-", label="exact Im λ")
    ax.plot(1 / cum["N"].values, cum["coherence_frequency"].values, "^--", label="cumulant Im λ")
    ax.plot([0], [main.attrs["meanfield_frequency"]], "k*", ms=12, label="mean field")
    ax.set_xlabel("1/N")
    ax.set_ylabel(r"oscillation frequency of $\langle S^+\rangle$")
    ax.set_ylim(-0.5, 0.1)  # the cumulant's slowest pole can be a far-off mode (docs)
    ax.legend(fontsize=7)
    _label(ax, "(e)")

    ax = axs[1, 2]
    ax.plot(N, main["s_plus_s_minus"].values, "o-", label="exact")
    ax.plot(cum["N"].values, cum["s_plus_s_minus"].values, "^--", label="cumulant")
    ax.axhline(
        main.attrs["meanfield_amplitude"] ** 2,
        color="k",
        ls=":",
        label=r"mean field $|\langle S^+\rangle|^2$",
    )
    ax.set_xscale("log")
    ax.set_xlabel("N")
    ax.set_ylabel(r"$\langle S^+S^-\rangle/N^2$ (steady state)")
    ax.legend(fontsize=7)
    _label(ax, "(f)")

    a = main.attrs
    fig.suptitle(
        f"Finite N beyond mean field: one group, γ+={a['param_gamma_plus']:g}, "
        f"γ-={a['param_gamma_minus']:g}, K={a['param_K']:g}, V={a['param_V']:g} "
        f"(V_c={a['critical_coupling']:.3f})",
        fontsize=11,
    )
    return save_figure(fig, path, dpi=140)
