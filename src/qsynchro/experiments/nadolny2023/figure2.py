"""Fig. 2 of Nadolny & Bruder (single group): <S^+>(t), order parameter, V_c, s(phi)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from qsynchro.experiments.nadolny2023._common import (
    _NO_INTEGRATION,
    FIG2D_DRIVE,
    K_RELATIVE,
    ORDER_PARAMETER_DEFINITION,
    PHASE_CONVENTION,
    PREFIX,
    _cleanup,
    _finish,
    _fixed_json,
    _run,
    _write,
)
from qsynchro.experiments.nadolny2023.declare import sweeps
from qsynchro.outputs.plots_nadolny import plot_fig2
from qsynchro.solvers.stability import critical_coupling

__all__ = ["fig2"]


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
