"""Shared constants and helpers of the Nadolny & Bruder figures (one module per figure).

See the package docstring (:mod:`qsynchro.experiments.nadolny2023`) for units and files.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import xarray as xr

from qsynchro.experiments.runner import run_sweep
from qsynchro.outputs.store import write_dataset
from qsynchro.sweeps.grid import Sweep
from qsynchro.sweeps.kernel import get_kernel
from qsynchro.sweeps.run import resolve_settings

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


def _curve_attrs(ds: xr.Dataset, panel: str) -> xr.Dataset:
    """Provenance of a continuation-curve Dataset drawn over ``panel`` (overlay.py)."""
    ds.attrs.update(
        paper=PAPER,
        figure=f"{PREFIX}-{panel[:4]}",
        panel=panel,
        units="gamma_minus = 1",
        drawn_over=f"{PREFIX}-{panel}{'' if panel[-1] in 'abcd' else 'a'}.nc",
    )
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
