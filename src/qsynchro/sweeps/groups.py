r"""Sweep kernel ``"groups"``: two mean-field groups of any built-in oscillator.

A thin adapter like ``"network"``: parameters -> :class:`~qsynchro.models.network.Network`
-> :func:`qsynchro.solvers.attractor.find_attractor` -> measures. The oscillator is a setting
(``oscillator = "spin1"`` or ``"van_der_pol"``, with ``n_max`` for the Fock cutoff), so a TOML
sweep chooses it in its ``[settings]`` table and sets its parameters in ``[fixed]`` or
``[axes]``.

Parameters (defaults): ``delta`` = 0 (group A has detuning +delta/2, B -delta/2, as
coefficients of the oscillator's detuning generator), ``V`` = 0 (intragroup coupling),
``V_AB`` = 0.5 (intergroup coupling magnitude), ``coupling_phase`` = 0 (the intergroup
coupling is :math:`C_{AB} = C_{BA} = V_{AB} e^{i\,\mathrm{coupling\_phase}}`; a phase of
:math:`\pi/2` turns the reactive coupling into an attractive, dissipative-like one in the
mean-field equations: :math:`\dot\alpha_A \ni V_{AB}\alpha_B`), ``asymmetry`` = 0 (nonreciprocal
part: :math:`C_{AB} \to C_{AB}(1 - \mathrm{asymmetry})`, :math:`C_{BA}\to C_{BA}(1 +
\mathrm{asymmetry})`), and every parameter of every built-in oscillator (spin-1: ``K`` = 0,
``gamma_plus`` = 0.5, ``gamma_minus`` = 1; van der Pol: ``gain`` = 1, ``loss`` = 0.1,
``drive_detuning`` = 0, ``drive`` = 0). Setting a parameter of the other oscillator is an
error.

Measures: ``order_parameter`` (mean over the groups of the time-averaged :math:`|\langle
A\rangle_\sigma|`), ``order_parameter_A``/``_B``, ``omega_A``/``_B`` (dominant frequencies, 0.0
for an unsynchronized group), ``frequency_difference``, ``relative_phase``
(:math:`\arg\langle A\rangle_A - \arg\langle A\rangle_B`, 0.0 unless both synchronized),
``classification`` (0 unsynchronized, 1 partial, 2 full), ``max_re_eigenvalue`` (growth rate
at the unsynchronized state), ``top_population`` (largest population of the highest level:
the van der Pol truncation error; the status reason says when it exceeds 1e-6).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from qsynchro._checks import check_choice, check_int
from qsynchro._jax import x64
from qsynchro.measures.attractor import measure_attractor
from qsynchro.models.network import Network
from qsynchro.models.oscillator import TRUNCATION_TOLERANCE, Oscillator, spin1, van_der_pol
from qsynchro.solvers.attractor import find_attractor
from qsynchro.solvers.attractor_settings import AttractorSettings
from qsynchro.sweeps.kernel import STATUS_NOT_CONVERGED, STATUS_OK, ChunkResult, register_kernel

__all__ = ["GroupsKernel", "GroupsSettings"]

OSCILLATORS = ("spin1", "van_der_pol")
GROUP_DEFAULTS = {"delta": 0.0, "V": 0.0, "V_AB": 0.5, "coupling_phase": 0.0, "asymmetry": 0.0}
OSC_DEFAULTS = {
    "spin1": {"K": 0.0, "gamma_plus": 0.5, "gamma_minus": 1.0},
    "van_der_pol": {"gain": 1.0, "loss": 0.1, "drive_detuning": 0.0, "drive": 0.0},
}
MEASURES: dict[str, tuple[str, ...]] = {
    m: ()
    for m in (
        "order_parameter",
        "order_parameter_A",
        "order_parameter_B",
        "omega_A",
        "omega_B",
        "frequency_difference",
        "relative_phase",
        "classification",
        "max_re_eigenvalue",
        "top_population",
    )
}


@dataclass(frozen=True)
class GroupsSettings(AttractorSettings):
    """The attractor settings plus the oscillator: ``oscillator`` (one of ``spin1``,
    ``van_der_pol``) and ``n_max`` (van der Pol Fock cutoff)."""

    oscillator: str = "spin1"
    n_max: int = 12

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice("oscillator", self.oscillator, OSCILLATORS)
        check_int("n_max", self.n_max, minimum=2, maximum=200)

    def build(self) -> Oscillator:
        return spin1() if self.oscillator == "spin1" else van_der_pol(self.n_max)

    def bytes_per_point(self, G: int = 2, d: int = 3) -> int:
        d = 3 if self.oscillator == "spin1" else self.n_max + 1
        return super().bytes_per_point(2, d)


def _model(params: Mapping[str, np.ndarray], st: GroupsSettings) -> Network:
    p = {k: np.asarray(v, dtype=np.float64).reshape(-1) for k, v in params.items()}
    delta, V, VAB = p["delta"], p["V"], p["V_AB"]
    cab = VAB * np.exp(1j * p["coupling_phase"]) * (1.0 - p["asymmetry"])
    cba = VAB * np.exp(1j * p["coupling_phase"]) * (1.0 + p["asymmetry"])
    det = np.stack([delta / 2.0, -delta / 2.0], -1)
    C = np.stack([np.stack([V + 0j, cab], -1), np.stack([cba, V + 0j], -1)], -2)
    own = {k: p[k] for k in OSC_DEFAULTS[st.oscillator]}
    return Network(st.build(), det, C, **own)


class GroupsKernel:
    """The ``"groups"`` kernel (see module docstring)."""

    name = "groups"
    defaults: Mapping[str, float] = {
        **GROUP_DEFAULTS,
        **{k: v for d in OSC_DEFAULTS.values() for k, v in d.items()},
    }
    settings_type = GroupsSettings
    measures: Mapping[str, tuple[str, ...]] = MEASURES

    def coords(self, measures: tuple[str, ...], settings: GroupsSettings) -> dict[str, Any]:
        return {}

    def bytes_per_point(self, measures: tuple[str, ...], settings: GroupsSettings) -> int:
        return settings.bytes_per_point()

    def validate(
        self, params: Mapping[str, np.ndarray], measures: tuple[str, ...], settings: GroupsSettings
    ) -> None:
        if not isinstance(settings, GroupsSettings):
            raise TypeError(
                f"Argument `settings` must be a GroupsSettings, but got {type(settings).__name__}."
            )
        for other, names in OSC_DEFAULTS.items():
            if other == settings.oscillator:
                continue
            for k in names:
                if np.any(np.asarray(params[k]) != self.defaults[k]):
                    raise ValueError(
                        f"Parameter `{k}` belongs to the {other!r} oscillator, but the sweep "
                        f"uses oscillator = {settings.oscillator!r} (its parameters are "
                        f"{sorted(OSC_DEFAULTS[settings.oscillator])})."
                    )
        _model(params, settings)  # raises with the parameter named

    def __call__(
        self, params: Mapping[str, np.ndarray], measures: tuple[str, ...], settings: GroupsSettings
    ) -> ChunkResult:
        with x64():
            model = _model(params, settings)
            att = measure_attractor(find_attractor(model, settings), settings, with_signal=False)
        op, w = att.order_parameter, att.frequency
        top = att.populations[:, :, -1].max(-1)
        vals = {
            "order_parameter": op.mean(-1),
            "order_parameter_A": op[:, 0],
            "order_parameter_B": op[:, 1],
            "omega_A": w[:, 0],
            "omega_B": w[:, 1],
            "frequency_difference": w[:, 0] - w[:, 1],
            "relative_phase": np.angle(np.exp(-1j * att.relative_phase[:, 1])),
            "classification": att.classification,
            "max_re_eigenvalue": att.growth,
            "top_population": top,
        }
        status, reason = att.status.copy(), att.reason.astype(object)
        truncated = settings.oscillator == "van_der_pol"  # spin-1's top level is physical
        trunc = (status == STATUS_OK) & (top > TRUNCATION_TOLERANCE) & truncated
        status[trunc] = STATUS_NOT_CONVERGED
        reason[trunc] = [
            f"population {t:.2g} in |n_max> (truncation; raise n_max)" for t in top[trunc]
        ]
        finite = att.status != 2
        values = {}
        for m in measures:
            v = np.asarray(vals[m])
            if v.dtype.kind in "fc":
                v = np.where(finite, v, np.nan)
            values[m] = v
        return ChunkResult(
            values=values,
            status=status,
            reason=reason.astype(str),
            diagnostics={
                "method": att.path,
                "t_integrated": att.t_integrated,
                "attractor_kind": att.kind,
                "modulation_frequency": att.modulation_frequency,
            },
        )


register_kernel("groups", GroupsKernel)
