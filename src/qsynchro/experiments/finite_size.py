r"""Beyond mean field: finite ensembles of N spin-1 oscillators (Nadolny & Bruder, Eq. 1).

``qsynchro reproduce nadolny2023-finite-size --out DIR`` writes

* ``DIR/nadolny2023-finite-size.nc``: exact method over ``N`` for a single group
  above :math:`V_c`: ``coherence_lifetime`` :math:`\tau_c = 1/\Gamma` (slowest
  charge -1 Liouvillian mode, i.e. the HWHM :math:`\Gamma` of the line of
  :math:`\langle S^+(t)S^-(0)\rangle`), ``coherence_frequency``, the lifetime below
  :math:`V_c` (``coherence_lifetime_below``), steady-state ``populations`` and
  ``s_plus_s_minus``; the linear fit of :math:`\tau_c(N)` is in the attributes
  (``lifetime_slope``, ``lifetime_intercept``, ``fit_N_min``);
* ``DIR/nadolny2023-finite-size-cumulant.nc``: the same from the second-order
  cumulant equations over larger ``N``;
* ``DIR/nadolny2023-finite-size-traces.nc``: :math:`\langle S^+\rangle/N` and the
  populations over ``time`` from the mean-field limit-cycle state (product state),
  exact and cumulant per ``N``, with the mean-field trace (Eq. 2);
* ``DIR/nadolny2023-finite-size-spectra.nc``: :math:`S(\omega)` per ``N`` (exact);
* ``DIR/nadolny2023-finite-size.png``: all panels.

Parameters (stated in every file): :math:`\gamma_- = 1`, :math:`\gamma_+ = 1/2`,
K = -1, V = 1 (above :math:`V_c \approx 0.19`), and V = 0.1 below :math:`V_c`.
K = -1 is chosen over the paper's K = 0 because its order parameter
:math:`|\langle S^+\rangle| \approx 0.48` is large enough that the linear growth of
:math:`\tau_c` sets in already at N of a few; at K = 0 (:math:`|\langle S^+\rangle|
\approx 0.14`) the exact N <= 16 are pre-asymptotic (see ``docs/finite_size.md``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from tqdm.auto import tqdm

import qsynchro
from qsynchro.models.ensemble import Ensemble
from qsynchro.outputs.plots_finite import plot_finite_size
from qsynchro.outputs.store import write_dataset
from qsynchro.solvers import finite as F

__all__ = ["PARAMS", "finite_size"]

PREFIX = "nadolny2023-finite-size"
PAPER = "Nadolny & Bruder, PRL 131, 190402 (2023), Eq. (1); finite-size claim of the supplement"
PARAMS: dict[str, float] = {"gamma_plus": 0.5, "gamma_minus": 1.0, "K": -1.0, "V": 1.0}
V_BELOW = 0.1


def _critical_coupling() -> float:
    from qsynchro.solvers.stability import critical_coupling

    return float(critical_coupling(PARAMS["gamma_plus"], PARAMS["gamma_minus"], PARAMS["K"]))


def _meanfield(times: np.ndarray) -> dict[str, Any]:
    """Mean-field limit cycle (Eq. 2, via the cumulant equations at N = inf without
    correlations): the state after 150 time units, its trace over ``times``, the
    time-averaged populations, |<S^+>| and the rotation frequency of <S^+>."""
    ens = Ensemble(2, **PARAMS)
    psi = np.array([np.sqrt(0.3), np.sqrt(0.5), np.sqrt(0.2)])
    warm = F.cumulant_evolve(ens, np.outer(psi, psi), [0.0, 150.0], N=np.inf)
    from qsynchro.equations.cumulant import unpack

    rho_lc = unpack(warm["x"][-1], 1)[0][0]
    rho_lc = 0.5 * (rho_lc + rho_lc.conj().T)
    rho_lc /= np.trace(rho_lc).real
    tr = F.cumulant_evolve(ens, rho_lc, times, N=np.inf)
    sp = tr["s_plus"][:, 0]
    phase = np.unwrap(np.angle(sp))
    freq = float(np.polyfit(times, phase, 1)[0])
    return {
        "rho": rho_lc,
        "s_plus": sp,
        "populations": tr["populations"][:, 0],
        "pop_mean": tr["populations"][:, 0].mean(axis=0),
        "amplitude": float(np.mean(np.abs(sp))),
        "frequency": freq,
    }


def _attrs(extra: dict[str, Any]) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "paper": PAPER,
        "figure": PREFIX,
        "qsynchro_version": qsynchro.__version__,
        "units": "gamma_minus = 1",
        "G": 1,
        **{f"param_{k}": v for k, v in PARAMS.items()},
        "V_below": V_BELOW,
    }
    attrs.update(extra)
    return attrs


def finite_size(out: Path, *, quick: bool = False, progress: bool = True) -> list[Path]:
    """Coherence lifetime, convergence to mean field and spectra versus N (module docstring)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if quick:
        n_exact, n_cum, n_trace, n_spec = [2, 4, 6, 8], [10, 20], [4, 8], [2, 4]
        times = np.linspace(0.0, 12.0, 49)
        omegas = np.linspace(-1.5, 1.0, 41)
    else:
        n_exact = [2, 4, 6, 8, 10, 12, 14, 16]
        n_cum = [10, 20, 50, 100, 200, 400]
        n_trace, n_spec = [4, 8, 12, 16], [2, 4, 6, 8]
        times = np.linspace(0.0, 20.0, 161)
        omegas = np.linspace(-1.5, 1.0, 201)
    n_large = [100] if quick else [50, 200, 1000]
    V_c = _critical_coupling()
    mf = _meanfield(times)

    jobs = (
        [("exact", n) for n in n_exact]
        + [("cumulant", n) for n in n_cum]
        + [("trace", n) for n in n_trace]
        + [("spectrum", n) for n in n_spec]
        + [("large", n) for n in n_large]
    )
    ex: dict[str, list[Any]] = {"lam": [], "lam_below": [], "pops": [], "spsm": []}
    cu: dict[str, list[Any]] = {"lam": [], "lam_slow": [], "pops": [], "spsm": []}
    tr: dict[str, list[Any]] = {"exact": [], "cumulant": [], "pops": []}
    spectra: list[np.ndarray] = []
    large: list[np.ndarray] = []
    bar = tqdm(jobs, desc=PREFIX, unit="N", disable=not progress)
    for kind, N in bar:
        bar.set_postfix_str(f"{kind} N={N}")
        ens = Ensemble(N, **PARAMS)
        if kind == "exact":
            c = F.exact_steady_state(ens)
            obs = F.exact_observables(ens, c)
            ex["lam"].append(F.exact_decay_rate(ens))
            ex["lam_below"].append(F.exact_decay_rate(ens.replace(V=V_BELOW)))
            ex["pops"].append(obs["populations"][0])
            ex["spsm"].append(obs["s_plus_s_minus"][0])
        elif kind == "cumulant":
            x = F.cumulant_steady_state(ens)
            obs = F.cumulant_observables(ens, x)
            cu["lam"].append(F.cumulant_decay_rate(ens, x_ss=x))
            cu["lam_slow"].append(F.cumulant_decay_rate(ens, x_ss=x, weighted=False))
            cu["pops"].append(obs["populations"][0])
            cu["spsm"].append(obs["s_plus_s_minus"][0])
        elif kind == "trace":
            e = F.exact_evolve(ens, mf["rho"], times)
            k = F.cumulant_evolve(ens, mf["rho"], times)
            tr["exact"].append(e["s_plus"][:, 0])
            tr["cumulant"].append(k["s_plus"][:, 0])
            tr["pops"].append(e["populations"][:, 0])
        elif kind == "spectrum":
            spectra.append(F.exact_spectrum(ens, omegas))
        else:
            large.append(F.cumulant_evolve(ens, mf["rho"], times)["s_plus"][:, 0])
    bar.close()

    lam = np.array(ex["lam"])
    tau = -1.0 / lam.real
    n_arr = np.array(n_exact, dtype=float)
    fit_min = 6 if max(n_exact) >= 10 else 4
    sel = n_arr >= fit_min
    slope, intercept = np.polyfit(n_arr[sel], tau[sel], 1)
    lam_c = np.array(cu["lam_slow"])
    tau_c = -1.0 / lam_c.real
    nc = np.array(n_cum, dtype=float)
    cslope, cint = np.polyfit(
        nc[nc >= 20] if nc.size > 2 else nc, tau_c[nc >= 20] if nc.size > 2 else tau_c, 1
    )
    mf_attrs = {
        "meanfield_amplitude": mf["amplitude"],
        "meanfield_frequency": mf["frequency"],
        "meanfield_populations": np.asarray(mf["pop_mean"]),
        "critical_coupling": V_c,
    }
    level = [0, 1, 2]
    main = xr.Dataset(
        {
            "coherence_lifetime": ("N", tau, {"long_name": "1/Gamma, exact, V above V_c"}),
            "coherence_frequency": ("N", lam.imag, {"long_name": "Im lambda (rotating frame)"}),
            "coherence_lifetime_below": (
                "N",
                -1.0 / np.array(ex["lam_below"]).real,
                {"long_name": "1/Gamma, exact, V = V_below < V_c"},
            ),
            "populations": (("N", "level"), np.array(ex["pops"])),
            "s_plus_s_minus": (
                "N",
                np.array(ex["spsm"]),
                {"long_name": "<S^+ S^->/N^2 in the steady state"},
            ),
        },
        coords={"N": np.array(n_exact), "level": level},
        attrs=_attrs(
            {
                "description": "exact permutation-invariant method; lifetime = -1/Re(lambda) of "
                "the slowest charge -1 Liouvillian eigenvalue",
                "method": "exact permutation-invariant Liouvillian (charge sectors)",
                "lifetime_slope": float(slope),
                "lifetime_intercept": float(intercept),
                "fit_N_min": fit_min,
                **mf_attrs,
            }
        ),
    )
    cum = xr.Dataset(
        {
            "coherence_lifetime": (
                "N",
                tau_c,
                {"long_name": "-1/Re of the slowest pole of the charge -1 cumulant Jacobian"},
            ),
            "coherence_frequency": ("N", lam_c.imag),
            "correlation_lifetime": (
                "N",
                -1.0 / np.array(cu["lam"]).real,
                {"long_name": "slowest pole with visible weight in <S^+(t)S^-(0)>"},
            ),
            "populations": (("N", "level"), np.array(cu["pops"])),
            "s_plus_s_minus": ("N", np.array(cu["spsm"])),
        },
        coords={"N": np.array(n_cum), "level": level},
        attrs=_attrs(
            {
                "description": "second-order cumulant expansion",
                "method": "second-order cumulants, regression with linearized closure",
                "lifetime_slope": float(cslope),
                "lifetime_intercept": float(cint),
                **mf_attrs,
            }
        ),
    )
    traces = xr.Dataset(
        {
            "s_plus_exact": (("N", "time"), np.array(tr["exact"])),
            "s_plus_cumulant": (("N", "time"), np.array(tr["cumulant"])),
            "s_plus_meanfield": ("time", mf["s_plus"]),
            "s_plus_cumulant_large": (
                ("N_large", "time"),
                np.array(large),
                {"long_name": "<S^+>/N, second-order cumulants, large N"},
            ),
            "populations_exact": (("N", "time", "level"), np.array(tr["pops"])),
            "populations_meanfield": (("time", "level"), mf["populations"]),
        },
        coords={
            "N": np.array(n_trace),
            "N_large": np.array(n_large),
            "time": times,
            "level": level,
        },
        attrs=_attrs(
            {
                "description": "<S^+>/N from the mean-field limit-cycle product state",
                "initial_state": "rho_lc^(x N), rho_lc the mean-field state at t=150",
                **mf_attrs,
            }
        ),
    )
    spec = xr.Dataset(
        {
            "spectrum": (
                ("N", "omega"),
                np.array(spectra),
                {"long_name": "2 Re int_0^inf e^{i w t} <S^+(t) S^-(0)>/N^2 dt"},
            )
        },
        coords={"N": np.array(n_spec), "omega": omegas},
        attrs=_attrs({"description": "steady-state spectrum of the coherence (exact)"}),
    )
    files = [
        write_dataset(main, out / f"{PREFIX}.nc"),
        write_dataset(cum, out / f"{PREFIX}-cumulant.nc"),
        write_dataset(traces, out / f"{PREFIX}-traces.nc"),
        write_dataset(spec, out / f"{PREFIX}-spectra.nc"),
    ]
    files.append(plot_finite_size(main, cum, traces, spec, out / f"{PREFIX}.png"))
    return files
