"""Fig. 4 of Nadolny & Bruder (synchronization blockade over (delta, K))."""

from __future__ import annotations

import json
from pathlib import Path

from qsynchro.experiments.nadolny2023._common import (
    ORDER_PARAMETER_DEFINITION,
    PREFIX,
    _cleanup,
    _curve_attrs,
    _finish,
    _fixed_json,
    _run,
    _write,
)
from qsynchro.experiments.nadolny2023.declare import sweeps
from qsynchro.experiments.nadolny2023.overlay import fig4_curves
from qsynchro.outputs.plots_nadolny import plot_fig4

__all__ = ["fig4"]


def fig4(out: Path, *, quick: bool = False, progress: bool = True) -> list[Path]:
    """Fig. 4 (V_AB = V = 2 gamma_+ = gamma_- = 1): frequency difference, order parameter
    and relative phase over (delta, K), with the stability boundary of |1><1| from
    continuation (Hopf curves, ``nadolny2023-fig4-curves.nc``) drawn on every panel."""
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
    curves = _curve_attrs(fig4_curves(), "fig4")
    files.append(_write(curves, out, "fig4-curves"))
    files.append(plot_fig4(ds, out / f"{PREFIX}-fig4.png", amplitude_threshold=thr, curves=curves))
    _cleanup(out, list(sw))
    return files
