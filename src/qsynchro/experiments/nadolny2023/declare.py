"""The declared sweeps of Figs. 2-4 (Nadolny & Bruder): one :class:`Sweep` per panel."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

import qsynchro.sweeps.driven  # noqa: F401  (registers the "driven" kernel)
from qsynchro.experiments.nadolny2023._common import (
    _FIG2A,
    _FIG2A_T,
    _NO_INTEGRATION,
    _QUICK,
    FIG2_V,
    FIG2D_EPSILON,
    K_RELATIVE,
)
from qsynchro.sweeps.grid import Axis, Sweep

__all__ = ["sweeps"]


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
