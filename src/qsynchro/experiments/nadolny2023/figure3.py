"""Fig. 3 of Nadolny & Bruder (two groups, K = 0): spectra, frequencies, Arnold tongue."""

from __future__ import annotations

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
from qsynchro.experiments.nadolny2023.overlay import fig3_curves
from qsynchro.outputs.plots_nadolny import plot_fig3

__all__ = ["fig3"]


def fig3(out: Path, *, quick: bool = False, progress: bool = True) -> list[Path]:
    """Fig. 3 (two groups, K = 0, V = 2 gamma_+ = gamma_- = 1): (a), (b) spectra over
    (delta, omega) and (c) omega_A, omega_B, omega_A - omega_B at V_AB = V/2; (d) the
    frequency difference over (delta, V_AB), with the locking boundary from continuation
    (``nadolny2023-fig3d-curves.nc``, :func:`.overlay.fig3_curves`) drawn over (d)."""
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
    curves = _curve_attrs(fig3_curves(), "fig3d")
    files.append(_write(curves, out, "fig3d-curves"))
    files.append(plot_fig3(abc, c, d, out / f"{PREFIX}-fig3.png", curves=curves))
    _cleanup(out, list(sw))
    return files
