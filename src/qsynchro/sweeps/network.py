r"""Sweep kernel ``"network"``: two groups of spin-1 oscillators (Nadolny & Bruder, Eq. 2).

A thin adapter: parameters -> :meth:`Network.two_groups` -> :func:`qsynchro.attractor`
(:mod:`qsynchro.solvers.attractor`, :mod:`qsynchro.measures.attractor`) -> the measures below.

Parameters (defaults): ``delta`` = 0, ``K`` = 0, ``V`` = 1, ``V_AB`` = 0.5,
``gamma_plus`` = 0.5, ``gamma_minus`` = 1. Group A has detuning +delta/2, B -delta/2. A single
group of the paper (Fig. 2) is ``V_AB = 0, delta = 0`` (then A and B are identical copies).

Protocol per point (documented choice; the paper does not state its windows):

1. Linear stability of :math:`|1\rangle\langle1|` (the charge sector of :math:`\langle S^+\rangle`,
   :mod:`qsynchro.solvers.stability`). With ``stable_shortcut`` (default), if the largest
   growth rate is below ``-settings.stability_margin`` the trajectory from the default
   initial state
   (:math:`|1\rangle\langle1|` plus a coherence of ``epsilon`` = 1e-2) decays back to it:
   the point is unsynchronized, nothing is integrated, every amplitude is exactly 0.
2. Otherwise Eq. 2 is integrated (fixed-step RK4, ``dt``, packed real elementwise form) for
   ``t_transient``. Then, repeatedly until the point is resolved or ``t_max`` is reached:

   a. (``locked_shortcut``) Newton's method for the fixed point in the frame rotating at the
      common frequency (:mod:`qsynchro.solvers.locked`), started from the current state. It is
      accepted if it converges, is linearly stable (apart from the neutral phase mode) and
      lies within ``lock_detect_tol`` of the current state. Its window is then exact:
      :math:`\langle S^+\rangle_\sigma(t) = a_\sigma e^{i\omega t}` (the limit of the
      integration for :math:`t\to\infty`).
   b. Otherwise a window of ``n_samples`` samples every ``sample_dt`` is integrated. The point
      is converged when the per-group order parameters of the two window halves agree to
      ``convergence_rtol`` (relative, with absolute floor ``convergence_atol``); else the
      next window follows.

   Points that reach ``t_max`` keep their last window with status ``not converged``.
   Resolved points are removed from the batch (which is re-padded to a few fixed sizes,
   so each size compiles once).

Measures (all from the window): ``order_parameter`` (mean over groups of the time-averaged
:math:`|\langle S^+\rangle_\sigma|`), ``order_parameter_A``/``_B``, ``global_order_parameter``
(time average of :math:`|(\langle S^+\rangle_A+\langle S^+\rangle_B)/2|`), ``omega_A``/``_B``
(dominant frequency of the Hann-windowed spectrum with sub-bin refinement; **0.0** for a
group whose order parameter is below ``amplitude_threshold``: mask with ``classification``
or the order parameters, NaN is reserved for failed points), ``frequency_difference`` =
omega_A - omega_B, ``relative_phase`` (arg of the window average of <S^+>_A <S^+>_B^*, i.e.
arg<S^+>_A - arg<S^+>_B for a locked state and its mean for a phase-locked but modulated
one; in (-pi, pi]; 0.0 unless both groups are synchronized; arbitrary when only partially
synchronized), ``classification`` (0 unsynchronized, 1 partial, 2 full; see
:func:`qsynchro.measures.order.classify`), ``coherence_02_A``, ``population_0_A``,
``population_2_A`` (and ``_B``; time averages over the window), ``critical_coupling``
(single group V_c at this point's gamma_plus, gamma_minus, K), ``max_re_eigenvalue`` (largest
real part of the Jacobian at :math:`|1\rangle\langle1|`), ``spectrum_A``/``_B`` over
``omega``, ``S_plus_A``/``_B`` (complex) over ``time``.

Diagnostics per point: ``residual`` (largest relative change of a group's order parameter
between the two halves of the last window; 0 for stable and locked points),
``frequency_resolution``, ``method`` (0 stable, 1 locked via Newton, 2 integrated),
``t_integrated`` (total simulated time of the point), ``phase_coherence``, ``dt``,
``attractor_kind`` (0 fixed point, 1 relative equilibrium, 2 periodic orbit in a rotating
frame, 3 not periodic, 4 unresolved; :mod:`qsynchro.measures.attractor_kind`) and
``modulation_frequency`` (its fundamental for kind 2, else 0).

The ``time`` coordinate of ``S_plus_A``/``_B`` is the time since the start of the point's
final window (``sample_dt * (1 .. n_samples)``); the absolute start differs between points.

Changes after the first commit (d8c94eb): settings ``convergence_tol``/``max_extensions``
became ``convergence_rtol``/``convergence_atol``/``t_max`` (repeated windows); default
``dt`` 0.02 -> 0.2 (rotating frame, automatic reduction), ``t_transient`` 1000 -> 200;
``omega_A``/``omega_B``/``relative_phase`` are 0.0 (not NaN) for unsynchronized groups;
``relative_phase`` is the arg of the window-averaged <S^+>_A <S^+>_B^*; the ``time``
coordinate is the time since the start of the final window; new setting
``stable_shortcut``.

Status: ``not converged`` when the window halves still differ at ``t_max`` (values are kept,
not NaN, so figures show them; the reason says by how much); ``failed`` (values NaN) when
the integration produced non-finite numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from qsynchro._jax import x64
from qsynchro.measures.attractor import measure_attractor
from qsynchro.measures.spectra import frequency_grid
from qsynchro.measures.spectra import spectrum as _spectrum
from qsynchro.models.network import Network
from qsynchro.solvers.attractor import find_attractor
from qsynchro.solvers.attractor_settings import AttractorSettings
from qsynchro.solvers.stability import critical_coupling
from qsynchro.sweeps.kernel import ChunkResult, register_kernel

__all__ = ["NetworkKernel", "NetworkSettings"]

#: the kernel's settings are the attractor pipeline's
NetworkSettings = AttractorSettings

_SCALAR = (
    "order_parameter",
    "order_parameter_A",
    "order_parameter_B",
    "global_order_parameter",
    "omega_A",
    "omega_B",
    "frequency_difference",
    "relative_phase",
    "classification",
    "coherence_02_A",
    "coherence_02_B",
    "population_0_A",
    "population_0_B",
    "population_2_A",
    "population_2_B",
    "critical_coupling",
    "max_re_eigenvalue",
)
MEASURES: dict[str, tuple[str, ...]] = {m: () for m in _SCALAR}
MEASURES.update(
    {
        "spectrum_A": ("omega",),
        "spectrum_B": ("omega",),
        "S_plus_A": ("time",),
        "S_plus_B": ("time",),
    }
)
DEFAULTS = {"delta": 0.0, "K": 0.0, "V": 1.0, "V_AB": 0.5, "gamma_plus": 0.5, "gamma_minus": 1.0}


def _params(params: Mapping[str, np.ndarray]) -> Network:
    return Network.two_groups(
        params["delta"],
        params["K"],
        params["V"],
        params["V_AB"],
        params["gamma_plus"],
        params["gamma_minus"],
    )


class NetworkKernel:
    """The ``"network"`` kernel (see module docstring)."""

    name = "network"
    defaults: Mapping[str, float] = DEFAULTS
    settings_type = NetworkSettings
    measures: Mapping[str, tuple[str, ...]] = MEASURES

    def coords(self, measures: tuple[str, ...], settings: NetworkSettings) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        if any(self.measures[m] == ("omega",) for m in measures):
            out["omega"] = frequency_grid(settings.n_samples, settings.sample_dt)
        if any(self.measures[m] == ("time",) for m in measures):
            out["time"] = settings.times()
        return out

    def bytes_per_point(self, measures: tuple[str, ...], settings: NetworkSettings) -> int:
        """Memory per point of one call, for the engine's chunk-size policy (an estimate)."""
        return settings.bytes_per_point()

    def validate(
        self, params: Mapping[str, np.ndarray], measures: tuple[str, ...], settings: NetworkSettings
    ) -> None:
        for m in measures:
            if m not in self.measures:
                raise ValueError(
                    f"Unknown measure {m!r} for kernel `network`; valid measures are "
                    f"{sorted(self.measures)}."
                )
        if not isinstance(settings, NetworkSettings):
            raise TypeError(
                f"Argument `settings` must be a NetworkSettings, but got {type(settings).__name__}."
            )
        _params(params)  # raises ValueError with the parameter named

    def __call__(
        self, params: Mapping[str, np.ndarray], measures: tuple[str, ...], settings: NetworkSettings
    ) -> ChunkResult:
        with x64():
            return _run(params, measures, settings)


def _run(
    params: Mapping[str, np.ndarray], measures: tuple[str, ...], st: NetworkSettings
) -> ChunkResult:
    model = _params({k: np.asarray(v, dtype=np.float64).reshape(-1) for k, v in params.items()})
    signal = any(m in measures for m in ("spectrum_A", "spectrum_B", "S_plus_A", "S_plus_B"))
    att = measure_attractor(find_attractor(model, st), st, with_signal=signal)
    op, w, pops, coh = att.order_parameter, att.frequency, att.populations, att.coherences
    vals: dict[str, Any] = {
        "order_parameter": op.mean(-1),
        "order_parameter_A": op[:, 0],
        "order_parameter_B": op[:, 1],
        "global_order_parameter": att.global_order_parameter,
        "omega_A": w[:, 0],
        "omega_B": w[:, 1],
        "frequency_difference": w[:, 0] - w[:, 1],
        # arg<S+>_A - arg<S+>_B in (-pi, pi]; the generic measure is relative to group A
        "relative_phase": np.angle(np.exp(-1j * att.relative_phase[:, 1])),
        "classification": att.classification,
        "coherence_02_A": coh[:, 0, 1],  # pairs (0,1), (0,2), (1,2)
        "coherence_02_B": coh[:, 1, 1],
        "population_0_A": pops[:, 0, 0],
        "population_0_B": pops[:, 1, 0],
        "population_2_A": pops[:, 0, 2],
        "population_2_B": pops[:, 1, 2],
        "critical_coupling": np.asarray(
            critical_coupling(model.gamma_plus, model.gamma_minus, model.K), dtype=np.float64
        ),
        "max_re_eigenvalue": att.growth,
    }
    if any(m in measures for m in ("spectrum_A", "spectrum_B")):
        P = _spectrum(np.nan_to_num(att.signal), st.sample_dt)[1]
        vals.update({"spectrum_A": P[:, 0], "spectrum_B": P[:, 1]})
    if signal:
        vals.update({"S_plus_A": att.signal[:, 0], "S_plus_B": att.signal[:, 1]})
    finite = att.status != 2
    values = {}
    for m in measures:
        v = np.asarray(vals[m])
        if v.dtype.kind in "fc":
            v = np.where(finite.reshape((-1,) + (1,) * (v.ndim - 1)), v, np.nan)
        values[m] = v
    diagnostics = {
        "residual": att.residual,
        "frequency_resolution": np.full(att.status.shape, att.frequency_resolution),
        "method": att.path,
        "t_integrated": att.t_integrated,
        "phase_coherence": att.phase_coherence,
        "dt": att.dt,
        "attractor_kind": att.kind,
        "modulation_frequency": att.modulation_frequency,
    }
    return ChunkResult(values=values, status=att.status, reason=att.reason, diagnostics=diagnostics)


register_kernel("network", NetworkKernel)
