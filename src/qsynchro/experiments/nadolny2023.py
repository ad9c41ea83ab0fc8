r"""Figures 2-4 of T. Nadolny and C. Bruder, PRL 131, 190402 (2023).

Every panel is a declared :class:`~qsynchro.sweeps.grid.Sweep` over a registered kernel
(``"network"`` for the mean-field Eq. 2, ``"driven"`` for the single driven oscillator of
Fig. 2(d)) run by :func:`qsynchro.experiments.runner.run_sweep`: one code path for figures,
the CLI and user sweeps. Units: :math:`\gamma_- = 1` (rates, couplings, detunings and
frequencies in units of :math:`\gamma_-`, times in :math:`1/\gamma_-`).

The choices the paper leaves open (axis ranges, averaging windows, the two-group order
parameter, the drive of Fig. 2(d)) are documented in ``docs/nadolny2023.md`` and written
into the ``choices`` and ``settings`` attributes of every NetCDF file, next to the sweep
engine's provenance attributes (package version, full sweep declaration, fingerprint).

Files: ``DIR/nadolny2023-fig2a.nc`` ... ``-fig2d.nc`` and ``DIR/nadolny2023-fig2.png``;
``-fig3a..d.nc`` and ``-fig3.png``; ``-fig4a..c.nc`` and ``-fig4.png``. Resumable chunk
stores live in ``DIR/.sweeps/<panel>-<fingerprint>/`` while a figure computes and are
removed when it is complete.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

import qsynchro.sweeps.driven  # noqa: F401  (registers the "driven" kernel)
from qsynchro.experiments.runner import run_sweep
from qsynchro.outputs.plots_nadolny import plot_fig2, plot_fig3, plot_fig4
from qsynchro.outputs.store import write_dataset
from qsynchro.solvers.stability import critical_coupling
from qsynchro.sweeps.grid import Axis, Sweep
from qsynchro.sweeps.kernel import get_kernel
from qsynchro.sweeps.run import resolve_settings

__all__ = ["FIG2_V", "K_RELATIVE", "fig2", "fig3", "fig4", "sweeps"]

PAPER = "T. Nadolny and C. Bruder, Phys. Rev. Lett. 131, 190402 (2023)"
PREFIX = "nadolny2023"
#: K/(gamma_- + gamma_+) of the lines in Fig. 2(c) and the curves in Fig. 2(d)
K_RELATIVE = (-0.1, 0.0, 0.1)
#: Fig. 2(a): one coupling below and one above V_c = 0.530 (gamma_+ = gamma_-/2, K = 0)
FIG2_V = (0.25, 1.0)
#: Fig. 2(d): drive strength (weak: epsilon = gamma_-/10 << gamma_+ + gamma_- = 2)
FIG2D_EPSILON = 0.1

# numerical settings of the "network" kernel for --quick (the defaults are the kernel's)
_QUICK = {"n_samples": 512, "t_max": 1000.0}
# Fig. 2(a): from t = 0 (no transient), samples every 0.2 up to t = T
_FIG2A = {
    "t_transient": 0.0,
    "sample_dt": 0.2,
    "locked_shortcut": False,
    "stable_shortcut": False,  # integrate below V_c too: show the decay of <S^+>
}
_FIG2A_T = (102.4, 204.8)  # window length T for quick / default
# critical_coupling is the closed-form stability result; its sweep needs no integration
_NO_INTEGRATION = {
    "dt": 0.1,
    "t_transient": 0.0,
    "n_samples": 8,
    "sample_dt": 0.1,
    "t_max": 0.8,
    "locked_shortcut": False,
}

ORDER_PARAMETER_DEFINITION = (
    "order_parameter: time average over the sampling window of |<S^+>_sigma(t)|, averaged "
    "over the groups (single group: |<S^+>|_t of Fig. 2(b)); it vanishes only when no group "
    "is synchronized. global_order_parameter: time average of |(<S^+>_A + <S^+>_B)/2|."
)
FIG2D_DRIVE = (
    "H = K|2><2| + (epsilon/2)(exp(-i phi_d) S^+ + exp(i phi_d) S^-) in the frame of the "
    f"drive, resonant (detuning 0), phi_d = 0, epsilon = {FIG2D_EPSILON} gamma_-; this is the "
    "mean-field coupling V(S^+<S^-> + h.c.) of Eq. 2 for a mean field <S^+> = epsilon/(2V) > 0, "
    "so phi = 0 means in phase with the mean field. Standard dissipators gamma_+ D[|1><0|] + "
    "gamma_- D[|1><2|]; exact steady state (null space of the Liouvillian)."
)
PHASE_CONVENTION = (
    "phi is the azimuth of <S^+> = |<S^+>| exp(i phi); spin coherent states "
    "|theta,phi> = exp(-i phi S^z) exp(-i theta S^y)|m=1>; Q = 3/(4 pi) <theta,phi|rho|theta,phi>; "
    "s(phi) = int_0^pi Q sin(theta) dtheta - 1/(2 pi)."
)


# ------------------------------------------------------------------------------ helpers
def _settings_attrs(sweep: Sweep) -> dict[str, Any]:
    kernel = get_kernel(sweep.kernel)
    st = resolve_settings(kernel, sweep.settings)
    d = dataclasses.asdict(st)
    out: dict[str, Any] = {"settings": json.dumps(d, default=float)}
    if {"t_transient", "n_samples", "sample_dt"} <= set(d):
        n, sdt = d["n_samples"], d["sample_dt"]
        out["averaging_window"] = (
            f"time averages and spectra over the final window of {n} samples every {sdt:g} "
            f"(length {n * sdt:g}/gamma_minus). The first window starts after t_transient = "
            f"{d['t_transient']:g}; further windows follow until the per-group order "
            f"parameters of the two window halves agree (convergence_rtol = "
            f"{d.get('convergence_rtol', float('nan')):g}) or t_max = "
            f"{d.get('t_max', float('nan')):g} is reached (status 'not converged'); the "
            "per-point end time is in t_integrated. Points where |1><1| is stable are exactly "
            "0 without integration (method 0); phase-locked points are finished by Newton in "
            "the co-rotating frame (method 1, exact window). RK4 step "
            f"{d.get('dt', float('nan')):g}; initial state |1><1| plus a coherence epsilon = "
            f"{d.get('epsilon', float('nan')):g}."
        )
    return out


def _run(name: str, sweep: Sweep, out: Path, progress: bool) -> xr.Dataset:
    work = out / ".sweeps" / f"{name}-{sweep.fingerprint()[:12]}"
    ds = run_sweep(sweep, out=work, progress=progress, description=name)
    ds.attrs.update(_settings_attrs(sweep))
    return ds


def _finish(ds: xr.Dataset, panel: str, description: str, **attrs: Any) -> xr.Dataset:
    ds = ds.copy()
    ds.attrs.update(
        {
            "paper": PAPER,
            "figure": f"{PREFIX}-{panel[:-1]}",
            "panel": panel,
            "description": description,
            "units": "gamma_minus = 1",
        }
    )
    ds.attrs.update(attrs)
    return ds


def _write(ds: xr.Dataset, out: Path, panel: str) -> Path:
    return write_dataset(ds, out / f"{PREFIX}-{panel}.nc")


def _cleanup(out: Path, names: list[str]) -> None:
    root = out / ".sweeps"
    for name in names:
        for p in root.glob(f"{name}-*"):
            shutil.rmtree(p, ignore_errors=True)
    if root.exists() and not any(root.iterdir()):
        root.rmdir()


def _fixed_json(fixed: Mapping[str, float]) -> str:
    return json.dumps({k: float(v) for k, v in fixed.items()}, sort_keys=True)


# ------------------------------------------------------------------------------ sweeps
def sweeps(figure: str, *, quick: bool = False) -> dict[str, Sweep]:
    """The declared sweeps of ``figure`` ("fig2", "fig3" or "fig4"), keyed by sweep name.

    Useful to inspect or run a single panel (``run_sweep(sweeps("fig4")["fig4"])``).
    """
    q = quick
    net = None if not q else dict(_QUICK)
    out = _sweeps(figure, q, net)
    if q:  # one padded batch shape (16) for every quick sweep: a single compile per program
        out = {k: dataclasses.replace(v, chunk_size=16) for k, v in out.items()}
    return out


def _sweeps(figure: str, q: bool, net: dict[str, Any] | None) -> dict[str, Sweep]:
    if figure == "fig2":
        single = {"delta": 0.0, "V_AB": 0.0, "K": 0.0, "gamma_plus": 0.5, "gamma_minus": 1.0}
        ratio = np.linspace(0.25, 2.5, 10) if q else np.linspace(0.05, 2.5, 99)
        Vgrid_c = np.linspace(0.0, 2.0, 9 if q else 101)
        k_union = np.unique(np.concatenate([k * (1.0 + ratio) for k in K_RELATIVE]))
        T = _FIG2A_T[0] if q else _FIG2A_T[1]
        fig2a_settings = {**_FIG2A, "n_samples": round(T / 0.2), "t_max": T}
        return {
            "fig2a": Sweep(
                "network",
                (Axis("V", np.asarray(FIG2_V)),),
                ("S_plus_A",),
                fixed=single,
                settings=fig2a_settings,
            ),
            "fig2b": Sweep(
                "network",
                (Axis.linspace("V", 0.0, 2.0, 11 if q else 201),),
                (
                    "order_parameter",
                    "coherence_02_A",
                    "population_0_A",
                    "population_2_A",
                    "critical_coupling",
                ),
                fixed=single,
                settings=net,
            ),
            "fig2c": Sweep(
                "network",
                (Axis("V", Vgrid_c), Axis("gamma_plus", ratio)),
                ("order_parameter",),
                fixed={k: v for k, v in single.items() if k != "gamma_plus"},
                settings=net,
            ),
            "fig2c-critical": Sweep(
                "network",
                (Axis("gamma_plus", ratio), Axis("K", k_union)),
                ("critical_coupling",),
                fixed={"delta": 0.0, "V_AB": 0.0, "V": 1.0, "gamma_minus": 1.0},
                settings=dict(_NO_INTEGRATION),
            ),
            "fig2d": Sweep(
                "driven",
                (Axis("K", np.array(K_RELATIVE) * 2.0),),
                (
                    "phase_distribution",
                    "S_plus",
                    "coherence_20",
                    "population_0",
                    "population_1",
                    "population_2",
                ),
                fixed={
                    "gamma_plus": 1.0,
                    "gamma_minus": 1.0,
                    "epsilon": FIG2D_EPSILON,
                    "detuning": 0.0,
                    "drive_phase": 0.0,
                },
                settings={"n_phi": 73 if q else 361},
            ),
        }
    if figure == "fig3":
        fixed = {"K": 0.0, "V": 1.0, "gamma_plus": 0.5, "gamma_minus": 1.0}
        delta = Axis.linspace("delta", -1.0, 1.0, 21 if q else 201)
        return {
            "fig3abc": Sweep(
                "network",
                (delta,),
                (
                    "spectrum_A",
                    "spectrum_B",
                    "omega_A",
                    "omega_B",
                    "frequency_difference",
                    "order_parameter",
                    "classification",
                ),
                fixed={**fixed, "V_AB": 0.5},
                settings=net,
            ),
            "fig3d": Sweep(
                "network",
                (
                    Axis.linspace("delta", -1.0, 1.0, 11 if q else 201),
                    Axis.linspace("V_AB", 0.0, 2.0, 6 if q else 101),
                ),
                ("frequency_difference", "order_parameter", "classification"),
                fixed=fixed,
                settings=net,
            ),
        }
    if figure == "fig4":
        n = 11 if q else 201
        return {
            "fig4": Sweep(
                "network",
                (Axis.linspace("delta", -4.0, 4.0, n), Axis.linspace("K", -4.0, 4.0, n)),
                (
                    "frequency_difference",
                    "order_parameter",
                    "relative_phase",
                    "classification",
                    "global_order_parameter",
                    "omega_A",
                    "omega_B",
                ),
                fixed={"V": 1.0, "V_AB": 1.0, "gamma_plus": 0.5, "gamma_minus": 1.0},
                settings=net,
            ),
        }
    raise ValueError(
        f"Argument `figure` must be one of 'fig2', 'fig3', 'fig4', but got {figure!r}."
    )


# ------------------------------------------------------------------------------ figures
def fig2(out: Path, *, quick: bool = False, progress: bool = True) -> list[Path]:
    """Fig. 2 (single group): (a) <S^+>(t) below/above V_c, (b) order parameter, coherence
    and populations vs V, (c) order parameter over (V, gamma_ratio) with V_c lines, (d) s(phi).
    """
    out = Path(out)
    sw = sweeps("fig2", quick=quick)
    vc_single = float(critical_coupling(0.5, 1.0, 0.0))
    common = {
        "order_parameter_definition": ORDER_PARAMETER_DEFINITION,
        "critical_coupling_V_c": vc_single,
        "single_group": "one group = the network kernel with V_AB = 0 and delta = 0 "
        "(groups A and B are identical copies)",
    }
    files = []

    a = _run("fig2a", sw["fig2a"], out, progress)
    a = _finish(
        a,
        "fig2a",
        "Time evolution of <S^+> (group A) below and above V_c from the "
        "default initial state, gamma_+ = gamma_-/2, K = 0",
        **common,
        parameters=_fixed_json(sw["fig2a"].fixed),
        time_axis="time since t = 0 (default initial state): one window, no transient, "
        "no stable or locked shortcut (both points are integrated), t_max = window length; "
        "status 'not converged' only says that <S^+> still changes within the window, as it "
        "should while it grows or decays",
    )
    files.append(_write(a, out, "fig2a"))

    b = _run("fig2b", sw["fig2b"], out, progress)
    b = _finish(
        b,
        "fig2b",
        "Order parameter |<S^+>|_t, |<|0><2|>|_t and populations p0, p2 "
        "(time averages) vs V, gamma_+ = gamma_-/2, K = 0",
        **common,
        parameters=_fixed_json(sw["fig2b"].fixed),
    )
    files.append(_write(b, out, "fig2b"))

    c = _run("fig2c", sw["fig2c"], out, progress)
    c = c.rename({"gamma_plus": "gamma_ratio"})
    crit = _run("fig2c-critical", sw["fig2c-critical"], out, progress)
    crit = crit.rename({"gamma_plus": "gamma_ratio"})
    ratio = crit["gamma_ratio"].values
    kvals = crit["K"].values
    lines = np.empty((len(K_RELATIVE), ratio.size))
    for i, krel in enumerate(K_RELATIVE):
        kk = np.searchsorted(kvals, krel * (1.0 + ratio))
        lines[i] = crit["critical_coupling"].values[np.arange(ratio.size), kk]
    c["critical_coupling"] = crit["critical_coupling"]
    c["critical_coupling_line"] = (
        ("K_relative", "gamma_ratio"),
        lines,
        {
            "long_name": "V_c along K = K_relative * (gamma_minus + gamma_plus)",
            "note": "inf: |1><1| stable for every V (interference blockade)",
        },
    )
    c = c.assign_coords(
        K_relative=("K_relative", np.asarray(K_RELATIVE)),
        gamma_plus=("gamma_ratio", c["gamma_ratio"].values),
    )
    c.attrs["sweep_critical_coupling"] = crit.attrs["sweep"]
    c.attrs["critical_coupling_method"] = (
        "closed form of the linear stability of |1><1| (qsynchro.solvers.stability); the "
        "sweep over (gamma_ratio, K) takes K on the union of K_relative*(1 + gamma_ratio), so "
        "the lines are exact grid points; that sweep runs with no integration "
        f"({json.dumps(_NO_INTEGRATION)}) because V_c does not depend on it"
    )
    c = _finish(
        c,
        "fig2c",
        "Order parameter over (V, gamma_ratio = gamma_+/gamma_-) at K = 0 "
        "(gamma_minus = 1, so gamma_ratio = gamma_plus), and the critical coupling "
        "over (gamma_ratio, K) with lines for K/(gamma_- + gamma_+) = -1/10, 0, +1/10",
        **common,
        parameters=_fixed_json(sw["fig2c"].fixed),
    )
    files.append(_write(c, out, "fig2c"))

    d = _run("fig2d", sw["fig2d"], out, progress)
    d = d.assign_coords(K_relative=("K", d["K"].values / 2.0))
    d = _finish(
        d,
        "fig2d",
        "Phase distribution s(phi) (mean 1/(2 pi) subtracted) of one "
        "driven oscillator in its steady state, gamma_+ = gamma_- = 1, "
        "K/(gamma_- + gamma_+) = -1/10, 0, +1/10",
        drive=FIG2D_DRIVE,
        phase_convention=PHASE_CONVENTION,
        parameters=_fixed_json(sw["fig2d"].fixed),
    )
    files.append(_write(d, out, "fig2d"))

    files.append(plot_fig2(a, b, c, d, out / f"{PREFIX}-fig2.png"))
    _cleanup(out, list(sw))
    return files


def fig3(out: Path, *, quick: bool = False, progress: bool = True) -> list[Path]:
    """Fig. 3 (two groups, K = 0, V = 2 gamma_+ = gamma_- = 1): (a), (b) spectra over
    (delta, omega) and (c) omega_A, omega_B, omega_A - omega_B at V_AB = V/2; (d) the
    frequency difference over (delta, V_AB)."""
    out = Path(out)
    sw = sweeps("fig3", quick=quick)
    common = {
        "order_parameter_definition": ORDER_PARAMETER_DEFINITION,
        "frequency_convention": "angular frequencies in the frame rotating at omega_z, "
        "<S^+>(t) ~ exp(+i omega t); omega_sigma = argmax of the Hann-windowed spectrum "
        "with sub-bin refinement; 0.0 where the group is unsynchronized (mask with "
        "classification or the order parameters); NaN only where a point failed",
        "V": 1.0,
    }
    abc = _run("fig3abc", sw["fig3abc"], out, progress)
    par = _fixed_json(sw["fig3abc"].fixed)
    files = []
    keep_scalar = [
        "omega_A",
        "omega_B",
        "frequency_difference",
        "order_parameter",
        "classification",
        "status",
        "status_reason",
    ]
    diags = [v for v in abc.data_vars if v not in set(keep_scalar) and not v.startswith("spectrum")]
    for panel, var, what in (("fig3a", "spectrum_A", "A"), ("fig3b", "spectrum_B", "B")):
        ds = abc[[var, *keep_scalar, *diags]]
        ds = _finish(
            ds,
            panel,
            f"Spectrum P_{what}(omega) = |FT <S^+>_{what}(t)| over (delta, omega), V_AB = V/2",
            **common,
            parameters=par,
        )
        files.append(_write(ds, out, panel))
    c = _finish(
        abc[[*keep_scalar, *diags]],
        "fig3c",
        "Dominant frequencies omega_A, omega_B and omega_A - omega_B over delta, V_AB = V/2",
        **common,
        parameters=par,
    )
    files.append(_write(c, out, "fig3c"))
    d = _run("fig3d", sw["fig3d"], out, progress)
    d = _finish(
        d,
        "fig3d",
        "Frequency difference omega_A - omega_B over (delta, V_AB)",
        **common,
        parameters=_fixed_json(sw["fig3d"].fixed),
    )
    files.append(_write(d, out, "fig3d"))
    files.append(plot_fig3(abc, c, d, out / f"{PREFIX}-fig3.png"))
    _cleanup(out, list(sw))
    return files


def fig4(out: Path, *, quick: bool = False, progress: bool = True) -> list[Path]:
    """Fig. 4 (V_AB = V = 2 gamma_+ = gamma_- = 1): frequency difference, order parameter
    and relative phase over (delta, K)."""
    out = Path(out)
    sw = sweeps("fig4", quick=quick)
    ds = _run("fig4", sw["fig4"], out, progress)
    common = {
        "order_parameter_definition": ORDER_PARAMETER_DEFINITION,
        "relative_phase_definition": "arg of the window average of <S^+>_A conj(<S^+>_B), in "
        "(-pi, pi]; meaningful only where classification == 2 (fully synchronized)",
        "classification_definition": "0 unsynchronized, 1 partial (groups synchronized on "
        "their own), 2 fully synchronized (phase-locked); see qsynchro.measures.order.classify",
        "black_regions": "order_parameter below the kernel's amplitude_threshold",
        "parameters": _fixed_json(sw["fig4"].fixed),
    }
    files = []
    for panel, what in (
        ("fig4a", "Frequency difference omega_A - omega_B"),
        ("fig4b", "Order parameter"),
        ("fig4c", "Relative phase phi_A - phi_B"),
    ):
        files.append(_write(_finish(ds, panel, f"{what} over (delta, K)", **common), out, panel))
    thr = json.loads(ds.attrs["settings"]).get("amplitude_threshold", 1e-3)
    files.append(plot_fig4(ds, out / f"{PREFIX}-fig4.png", amplitude_threshold=thr))
    _cleanup(out, list(sw))
    return files
