r"""Figures 2 and 3 and an Arnold tongue of Murtadho, Vinjanampathy & Thingna, PRL 131, 030401.

Every panel is a declared :class:`~qsynchro.sweeps.grid.Sweep` over the ``"maser"`` kernel
(:mod:`qsynchro.sweeps.maser`) run by :func:`qsynchro.experiments.runner.run_sweep`: one
code path for figures, the CLI and user sweeps. Parameters of the Fig. 2 caption:
``omega_1 = 1``, ``omega_2 = omega_3 = 3``, resonant drive, ``gamma_c = 0.2``,
``gamma_h = 0.05``, ``n_c = 0.5``, ``lambda_2 = 0.1`` (the kernel defaults).

Files (``DIR`` = ``out``):

* ``murtadho2023-fig2a.nc``/``fig2b.nc``: ``phase_distribution`` S(varphi_21, varphi_31)
  (Eq. 3) at ``n_h/n_c = 100`` for ``k = 3`` and ``k = 0.75``, with ``S_max``, the
  optimal phases found and the Eq. (12) phases (attribute ``eq12_phases``);
* ``fig2c.nc``: ``S_max``, ``entrainment`` and the Eq. (11) line ``S_max_eq11`` over
  ``nh_over_nc``;
* ``fig2d.nc``: ``S_max`` and ``entrainment`` over (``nh_over_nc``, ``lam_ratio``): the ratio
  of the weaker to the stronger drive amplitude, the stronger one fixed at 0.1 (kernel:
  ``lambda_2 = 0.1``, ``lambda_3 = 0.1 lam_ratio``; S_max and the entrainment part are
  symmetric under relabelling 2 <-> 3, so this is the paper's ``|lambda_2/lambda_3| <= 1`` with
  the stronger drive at 0.1), engine ``n_h/n_c = 10`` and refrigerator ``0.4`` (the paper does
  not state the occupations of this panel; we use those of Fig. 3);
* ``fig3a.nc``/``fig3b.nc``: ``S_max_scaled`` and ``entrainment_scaled`` over (``N``,
  ``realization``), engine ``n_h/n_c = 10`` / refrigerator ``0.4``, random
  ``lambda_j/lambda_2 ~ U[0, 1)`` (``j = 3..N+1``, seeded), attribute ``alpha`` on
  ``S_max_scaled`` (least-squares fit of log mean S over log N, N = 2..20);
* ``fig3c.nc``/``fig3d.nc``: the optimal ``varphi`` (``varphi_{j1}``) for N = 20 over
  ``realization`` (same drive realizations as fig3a/b);
* ``murtadho2023-arnold.nc``: ``S_max_scaled`` over (``nh_over_nc``, ``lam``, ``detuning``)
  for N = 2, and the PNGs ``murtadho2023-fig2.png``, ``-fig3.png``, ``-arnold.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from qsynchro.experiments.runner import run_sweep
from qsynchro.measures.smax_closed_form import optimal_phases_N2, smax_N2
from qsynchro.models.maser import Maser
from qsynchro.outputs.plots_murtadho import plot_arnold, plot_fig2, plot_fig3
from qsynchro.outputs.store import write_dataset
from qsynchro.sweeps.grid import Axis, Sweep
from qsynchro.sweeps.maser import DEFAULTS

__all__ = ["ENGINE", "REFRIGERATOR", "arnold", "fig2", "fig3", "fit_power_law", "sweeps"]

PAPER = "T. Murtadho, S. Vinjanampathy and J. Thingna, Phys. Rev. Lett. 131, 030401 (2023)"
PREFIX = "murtadho2023"
#: n_h/n_c of the engine and refrigerator panels of Fig. 3 (caption)
ENGINE = 10.0
REFRIGERATOR = 0.4
#: Fig. 2(a),(b): n_h/n_c and the two dissipation-to-driving ratios
FIG2AB_NH_OVER_NC = 100.0
FIG2AB_K = (3.0, 0.75)
#: the paper's fitted exponents (Fig. 3 caption)
PAPER_ALPHA = {"engine": -0.72, "refrigerator": 0.69}


def _grids(quick: bool) -> dict[str, Any]:
    if quick:
        return {
            "phase_points": 17,
            "nh_over_nc": np.geomspace(0.1, 100.0, 9),
            "lam_ratio": np.linspace(0.1, 1.0, 4),
            "N": np.arange(2, 9),
            "realizations": 5,
            "detuning": np.linspace(-1.0, 1.0, 9),
            "lam": np.geomspace(0.01, 1.0, 5),
        }
    return {
        "phase_points": 129,
        "nh_over_nc": np.geomspace(0.05, 200.0, 61),
        "lam_ratio": np.linspace(0.025, 1.0, 40),
        "N": np.arange(2, 21),
        "realizations": 100,
        "detuning": np.linspace(-1.0, 1.0, 101),
        "lam": np.geomspace(0.005, 2.0, 61),
    }


def sweeps(quick: bool = False) -> dict[str, Sweep]:
    """Every panel's declared sweep (``run_sweep(sweeps()["fig3a"])`` runs one panel)."""
    g = _grids(quick)
    R = np.arange(float(g["realizations"]))
    fig3 = ("S_max_scaled", "entrainment_scaled", "gap_scaled", "l1_bound_scaled", "S_max")
    return {
        "fig2ab": Sweep(
            "maser",
            axes=(Axis("k", FIG2AB_K),),
            measures=("phase_distribution", "S_max", "varphi", "entrainment"),
            fixed={"N": 2, "nh_over_nc": FIG2AB_NH_OVER_NC},
            settings={"n_phases": 2, "phase_points": g["phase_points"]},
        ),
        "fig2c": Sweep(
            "maser",
            axes=(Axis("nh_over_nc", g["nh_over_nc"]),),
            measures=(
                "S_max",
                "entrainment",
                "S_max_scaled",
                "gap",
                "k_eff",
                "abs_rho_12",
                "abs_rho_23",
            ),
            fixed={"N": 2},
        ),
        "fig2d": Sweep(
            "maser",
            axes=(Axis("nh_over_nc", [ENGINE, REFRIGERATOR]), Axis("lam_ratio", g["lam_ratio"])),
            measures=("S_max", "entrainment", "gap"),
            fixed={"N": 2},
        ),
        "fig3a": Sweep(
            "maser",
            axes=(Axis("N", g["N"].astype(float)), Axis("realization", R)),
            measures=fig3,
            fixed={"nh_over_nc": ENGINE},
        ),
        "fig3b": Sweep(
            "maser",
            axes=(Axis("N", g["N"].astype(float)), Axis("realization", R)),
            measures=fig3,
            fixed={"nh_over_nc": REFRIGERATOR},
        ),
        "fig3c": Sweep(
            "maser",
            axes=(Axis("realization", R),),
            measures=("varphi", "S_max_scaled"),
            fixed={"N": 20, "nh_over_nc": ENGINE},
            settings={"n_phases": 20},
        ),
        "fig3d": Sweep(
            "maser",
            axes=(Axis("realization", R),),
            measures=("varphi", "S_max_scaled"),
            fixed={"N": 20, "nh_over_nc": REFRIGERATOR},
            settings={"n_phases": 20},
        ),
        "arnold": Sweep(
            "maser",
            axes=(
                Axis("nh_over_nc", [ENGINE, REFRIGERATOR]),
                Axis("lam", g["lam"]),
                Axis("detuning", g["detuning"]),
            ),
            measures=("S_max_scaled", "S_max", "entrainment_scaled"),
            fixed={"N": 2},
        ),
    }


def fit_power_law(N: np.ndarray, S: np.ndarray) -> tuple[float, float]:
    """Least-squares fit ``S = A N^alpha`` in log-log space; returns ``(alpha, A)``."""
    N = np.asarray(N, dtype=float)
    S = np.asarray(S, dtype=float)
    ok = np.isfinite(S) & (S > 0)
    alpha, logA = np.polyfit(np.log(N[ok]), np.log(S[ok]), 1)
    return float(alpha), float(np.exp(logA))


def _run(sweep: Sweep, name: str, progress: bool) -> xr.Dataset:
    ds = run_sweep(sweep, progress=progress, description=f"{PREFIX}-{name}")
    ds.attrs["paper"] = PAPER
    ds.attrs["panel"] = name
    return ds


def _maser(n_h_over_n_c: float, lam: float, N: int = 2) -> Maser:
    d = DEFAULTS
    return Maser(
        N,
        lam,
        n_h=n_h_over_n_c * d["n_c"],
        n_c=d["n_c"],
        gamma_h=d["gamma_h"],
        gamma_c=d["gamma_c"],
        omega_1=d["omega_1"],
        omega_2=d["omega_2"],
    )


def fig2(out: Path, *, quick: bool = False, progress: bool = True) -> list[Path]:
    """Fig. 2: N = 2 phase distributions, S_max vs n_h/n_c (Eq. 11), S_max vs |lam_2/lam_3|."""
    out = Path(out)
    sw = sweeps(quick)
    files: list[Path] = []
    ab = _run(sw["fig2ab"], "fig2ab", progress)
    panels: dict[str, xr.Dataset] = {}
    for letter, k in zip("ab", FIG2AB_K):
        ds = ab.sel(k=k).expand_dims("k")
        lam = DEFAULTS["gamma_h"] * (1 + FIG2AB_NH_OVER_NC * DEFAULTS["n_c"]) / k
        eq12 = optimal_phases_N2(_maser(FIG2AB_NH_OVER_NC, lam))
        ds.attrs["eq12_phases"] = np.asarray(eq12, dtype=float).reshape(-1)
        ds.attrs["eq11_S_max"] = smax_N2(_maser(FIG2AB_NH_OVER_NC, lam))
        ds.attrs["lam"] = lam
        ds.attrs["panel"] = f"fig2{letter}"
        panels[letter] = ds
        files.append(write_dataset(ds, out / f"{PREFIX}-fig2{letter}.nc"))
    c = _run(sw["fig2c"], "fig2c", progress)
    eq11 = [smax_N2(_maser(float(r), DEFAULTS["lam"])) for r in c["nh_over_nc"].values]
    c["S_max_eq11"] = ("nh_over_nc", np.asarray(eq11))
    c["S_max_eq11"].attrs["description"] = "Eq. (11) with the closed-form coherences Eqs. (9)-(10)"
    c["entrainment"].attrs["description"] = "(|rho_12| + |rho_13|)/(16 pi^2)"
    files.append(write_dataset(c, out / f"{PREFIX}-fig2c.nc"))
    d = _run(sw["fig2d"], "fig2d", progress)
    d.attrs["lam_ratio_definition"] = (
        "weaker/stronger drive amplitude, stronger fixed at 0.1 (lambda_2 = 0.1, lambda_3 = "
        "0.1 lam_ratio); equal to the paper's |lambda_2/lambda_3| by the 2 <-> 3 symmetry"
    )
    files.append(write_dataset(d, out / f"{PREFIX}-fig2d.nc"))
    files.append(plot_fig2(panels["a"], panels["b"], c, d, out / f"{PREFIX}-fig2.png"))
    return files


def fig3(out: Path, *, quick: bool = False, progress: bool = True) -> list[Path]:
    """Fig. 3: scaled S_max vs N (random drives), power-law fits, optimal phases at N = 20."""
    out = Path(out)
    sw = sweeps(quick)
    files: list[Path] = []
    panels: dict[str, xr.Dataset] = {}
    for letter, regime in (("a", "engine"), ("b", "refrigerator")):
        ds = _run(sw[f"fig3{letter}"], f"fig3{letter}", progress)
        mean = ds["S_max_scaled"].mean("realization").values
        alpha, A = fit_power_law(ds["N"].values, mean)
        NN = np.repeat(ds["N"].values[:, None], ds.sizes["realization"], axis=1)
        alpha_pooled, _ = fit_power_law(NN.ravel(), ds["S_max_scaled"].values.ravel())
        alpha_ent, _ = fit_power_law(
            ds["N"].values, ds["entrainment_scaled"].mean("realization").values
        )
        ds["S_max_scaled"].attrs.update(
            {
                "alpha": alpha,
                "prefactor": A,
                "alpha_pooled": alpha_pooled,
                "alpha_paper": PAPER_ALPHA[regime],
                "fit": "least squares of log(mean over realizations) vs log N",
            }
        )
        ds["entrainment_scaled"].attrs["alpha"] = alpha_ent
        ds.attrs["regime"] = regime
        print(
            f"{PREFIX}-fig3{letter} ({regime}): alpha = {alpha:+.3f} (fit of the mean), "
            f"{alpha_pooled:+.3f} (pooled), paper {PAPER_ALPHA[regime]:+.2f}; "
            f"max certificate gap (scaled) {float(ds['gap_scaled'].max()):.2g}"
        )
        panels[letter] = ds
        files.append(write_dataset(ds, out / f"{PREFIX}-fig3{letter}.nc"))
    for letter, regime in (("c", "engine"), ("d", "refrigerator")):
        ds = _run(sw[f"fig3{letter}"], f"fig3{letter}", progress)
        ds.attrs["regime"] = regime
        panels[letter] = ds
        files.append(write_dataset(ds, out / f"{PREFIX}-fig3{letter}.nc"))
    files.append(
        plot_fig3(panels["a"], panels["b"], panels["c"], panels["d"], out / f"{PREFIX}-fig3.png")
    )
    return files


def arnold(out: Path, *, quick: bool = False, progress: bool = True) -> list[Path]:
    """Arnold tongue: S_max over (Omega - (omega_2 - omega_1), lambda), N = 2, both regimes."""
    out = Path(out)
    ds = _run(sweeps(quick)["arnold"], "arnold", progress)
    files = [write_dataset(ds, out / f"{PREFIX}-arnold.nc")]
    files.append(plot_arnold(ds, out / f"{PREFIX}-arnold.png"))
    return files
