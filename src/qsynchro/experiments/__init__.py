"""Reproducible paper figures: one module per paper, one entry per figure.

Every entry writes ``DIR/<name><panel>.nc`` for each panel and ``DIR/<name>.png``
for the whole figure. Figures are sweeps over the registered kernels, so they
share the engine of :mod:`qsynchro.sweeps` (one code path).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from qsynchro._checks import check_choice

__all__ = ["FIGURES", "Figure", "reproduce"]


@dataclass(frozen=True)
class Figure:
    name: str
    module: str
    function: str
    description: str


FIGURES: dict[str, Figure] = {
    f.name: f
    for f in [
        Figure(
            "nadolny2023-fig2",
            "qsynchro.experiments.nadolny2023",
            "fig2",
            "Single group: <S^+>(t), order parameter vs V, V_c(gamma+/gamma-, K), s(phi)",
        ),
        Figure(
            "nadolny2023-fig3",
            "qsynchro.experiments.nadolny2023",
            "fig3",
            "Two groups, K=0: spectra vs delta, omega_A - omega_B, Arnold tongue",
        ),
        Figure(
            "nadolny2023-fig4",
            "qsynchro.experiments.nadolny2023",
            "fig4",
            "Synchronization blockade: frequency difference, order parameter, "
            "relative phase over (delta, K)",
        ),
        Figure(
            "nadolny2023-finite-size",
            "qsynchro.experiments.finite_size",
            "finite_size",
            "Beyond mean field: exact permutation-invariant and cumulant dynamics vs N",
        ),
        Figure(
            "networks-disorder",
            "qsynchro.experiments.networks",
            "disorder",
            "Disordered spin-1 group: order parameter vs V for several widths, V_c marked",
        ),
        Figure(
            "networks-disorder-vdp",
            "qsynchro.experiments.networks_vdp",
            "disorder_vdp",
            "Disordered van der Pol group, dissipative coupling: r vs kappa, quantum and "
            "toward the classical limit",
        ),
        Figure(
            "networks-critical",
            "qsynchro.experiments.networks",
            "critical",
            "Continuum critical coupling vs disorder width: spin-1 at several K, van der Pol",
        ),
        Figure(
            "networks-nonreciprocal",
            "qsynchro.experiments.networks",
            "nonreciprocal",
            "Two groups, C_AB = s + a, C_BA = s - a: classification, path, relative phase",
        ),
        Figure(
            "murtadho2023-fig2",
            "qsynchro.experiments.murtadho2023",
            "fig2",
            "N=2 maser: phase distributions, S_max vs n_h/n_c, S_max vs |lambda_2/lambda_3|",
        ),
        Figure(
            "murtadho2023-fig3",
            "qsynchro.experiments.murtadho2023",
            "fig3",
            "Scaled S_max vs N with random drives, power-law fits, optimal phases",
        ),
        Figure(
            "murtadho2023-arnold",
            "qsynchro.experiments.murtadho2023",
            "arnold",
            "Arnold tongue of S_max over drive detuning and drive strength",
        ),
    ]
}


def reproduce(
    name: str, out: str | Path = ".", *, quick: bool = False, progress: bool = True
) -> list[Path]:
    """Reproduce figure ``name`` into ``out``; returns the files written."""
    check_choice("figure", name, FIGURES)
    fig = FIGURES[name]
    func = getattr(importlib.import_module(fig.module), fig.function)
    out = Path(out)
    return func(out, quick=quick, progress=progress)
