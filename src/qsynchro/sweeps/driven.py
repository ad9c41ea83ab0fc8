r"""Sweep kernel ``"driven"``: one spin-1 oscillator under a weak drive (Fig. 2(d)).

Parameters (defaults): ``K`` = 0, ``gamma_plus`` = 1, ``gamma_minus`` = 1, ``epsilon`` = 0.1,
``detuning`` = 0, ``drive_phase`` = 0; the model and the drive are documented in
:mod:`qsynchro.models.driven` (drive :math:`H_d = \frac{\epsilon}{2}(e^{-i\phi_d}S^+ +
\mathrm{H.c.})` in the frame of the drive). Each point is the exact steady state
(:func:`qsynchro.solvers.driven.driven_steady_state`), so every status is ``ok``.

Measures: ``phase_distribution`` over ``phi`` (:math:`s(\phi)`, the mean :math:`1/2\pi`
subtracted, closed form of :mod:`qsynchro.measures.spin_husimi`), ``S_plus`` (complex
:math:`\langle S^+\rangle`), ``coherence_20`` (complex :math:`\langle|2\rangle\langle0|\rangle`),
``population_0``/``_1``/``_2``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from qsynchro._checks import check_finite, check_int
from qsynchro.measures.spin_husimi import spin_phase_distribution
from qsynchro.models.driven import DrivenOscillator
from qsynchro.operators import spin_plus
from qsynchro.solvers.driven import check_unique, driven_steady_state
from qsynchro.sweeps.kernel import STATUS_OK, ChunkResult, register_kernel

__all__ = ["DrivenKernel", "DrivenSettings"]

DEFAULTS = {
    "K": 0.0,
    "gamma_plus": 1.0,
    "gamma_minus": 1.0,
    "epsilon": 0.1,
    "detuning": 0.0,
    "drive_phase": 0.0,
}
MEASURES: dict[str, tuple[str, ...]] = {
    "phase_distribution": ("phi",),
    "S_plus": (),
    "coherence_20": (),
    "population_0": (),
    "population_1": (),
    "population_2": (),
}


@dataclass(frozen=True)
class DrivenSettings:
    """Settings of the ``"driven"`` kernel.

    Args:
        n_phi: number of phi values (endpoints included).
        phi_start: first phi; the grid covers ``[phi_start, phi_start + 2 pi]`` (default
            ``-pi/2``, so that both phi = 0 and phi = pi are interior points).
    """

    n_phi: int = 361
    phi_start: float = -np.pi / 2

    def __post_init__(self) -> None:
        check_int("n_phi", self.n_phi, minimum=2)
        check_finite("phi_start", self.phi_start)

    def phi(self) -> np.ndarray:
        """The phi grid, shape (n_phi,)."""
        return self.phi_start + np.linspace(0.0, 2 * np.pi, self.n_phi)


def _model(params: Mapping[str, np.ndarray]) -> DrivenOscillator:
    return DrivenOscillator(
        params["K"],
        params["gamma_plus"],
        params["gamma_minus"],
        params["epsilon"],
        params["detuning"],
        params["drive_phase"],
    )


class DrivenKernel:
    """The ``"driven"`` kernel (see the module docstring)."""

    name = "driven"
    defaults: Mapping[str, float] = DEFAULTS
    settings_type = DrivenSettings
    measures: Mapping[str, tuple[str, ...]] = MEASURES

    def coords(self, measures: tuple[str, ...], settings: DrivenSettings) -> dict[str, np.ndarray]:
        if "phase_distribution" in measures:
            return {"phi": settings.phi()}
        return {}

    def validate(
        self, params: Mapping[str, np.ndarray], measures: tuple[str, ...], settings: DrivenSettings
    ) -> None:
        for m in measures:
            if m not in self.measures:
                raise ValueError(
                    f"Unknown measure {m!r} for kernel `driven`; valid measures are "
                    f"{sorted(self.measures)}."
                )
        check_unique(_model(params))

    def __call__(
        self, params: Mapping[str, np.ndarray], measures: tuple[str, ...], settings: DrivenSettings
    ) -> ChunkResult:
        rho = driven_steady_state(_model(params))  # (B, 3, 3)
        B = rho.shape[0]
        vals = {
            "S_plus": np.einsum("bij,ji->b", rho, spin_plus(2)),
            "coherence_20": rho[:, 0, 2],  # <|2><0|> = Tr(rho |2><0|) = rho[0, 2]
            "population_0": rho[:, 0, 0].real,
            "population_1": rho[:, 1, 1].real,
            "population_2": rho[:, 2, 2].real,
        }
        if "phase_distribution" in measures:
            vals["phase_distribution"] = spin_phase_distribution(rho, settings.phi())
        return ChunkResult(
            values={m: vals[m] for m in measures},
            status=np.full(B, STATUS_OK, dtype=np.int8),
            reason=np.full(B, "", dtype=str),
        )


register_kernel("driven", DrivenKernel)
