r"""Sweep kernel ``"disordered"``: mean-field groups with frequency disorder and an explicit,
possibly complex and nonreciprocal, coupling matrix.

The network has G groups (G = the size of the ``coupling`` setting; default one group) of one
built-in oscillator (``oscillator = "spin1"`` or ``"van_der_pol"`` with ``n_max``). Each group
is a disordered group (:mod:`qsynchro.models.disorder`): M subgroups with detunings
:math:`\delta_\sigma + w\,x_k` and weights :math:`w_k` (the M-point discretization of the
``distribution`` at unit width, scaled by the parameter ``width``; ``width = 0`` gives identical
oscillators, then use M = 1). Subgroup :math:`(\sigma, j)` couples to the mean field of group
:math:`\tau` through

.. math::

    C_{(\sigma j),(\tau k)} = V e^{i\,\mathrm{coupling\_phase}}\,c_{\sigma\tau}\,w_k

(Nadolny & Bruder, Eq. 2, with the intragroup sum replaced by the average over the
distribution), where :math:`c_{\sigma\tau}` is the ``coupling`` matrix: row :math:`\sigma` is
how group :math:`\sigma` is driven by the others (:math:`c_{AB} \ne c_{BA}` is nonreciprocal,
a complex entry gives the coupling a phase). ``kappa`` > 0 adds all-to-all collective decay
(:func:`~qsynchro.models.dissipative.with_dissipative_coupling`, every oscillator weighted
equally: fraction :math:`w_k/G`).

Settings (besides :class:`~qsynchro.solvers.attractor_settings.AttractorSettings`):

* ``oscillator``, ``n_max``: as in the ``"groups"`` kernel;
* ``distribution``: ``"lorentzian"`` (``width`` = half width at half maximum),
  ``"gaussian"`` (``width`` = standard deviation) or ``"uniform"`` (``width`` = half width);
* ``M``: subgroups per group (default 16);
* ``coupling``: the G x G matrix :math:`c`. In TOML a list of rows whose entries are numbers or
  complex numbers written as strings, ``coupling = [[0.5, "0.3+0.1j"], [0.1, 0.5]]`` (``j`` or
  ``i``, spaces allowed), or a table of two real matrices, ``coupling = { re = [[...]],
  im = [[...]] }``, or polar, ``coupling = { abs = [[...]], phase = [[...]] }`` (radians).
  Default ``[[1.0]]``;
* ``detunings``: the G group centres :math:`\delta_\sigma` (default all 0).

Parameters (defaults): ``V`` = 1 (scale of the coupling matrix), ``coupling_phase`` = 0,
``width`` = 0, ``kappa`` = 0, and every parameter of the built-in oscillators (as ``"groups"``).

Measures: ``order_parameter`` (:math:`\overline{|\frac1G\sum_\sigma Z_\sigma|}` with the group
mean fields :math:`Z_\sigma = \sum_k w_k\langle A\rangle_{\sigma k}`),
``group_order_parameter`` (:math:`\overline{|Z_\sigma|}`, dimension ``group``),
``group_frequency`` (dominant frequency of :math:`Z_\sigma`, 0.0 when
:math:`\overline{|Z_\sigma|}` is below ``amplitude_threshold``), ``relative_phase``
(:math:`\arg\overline{Z_\sigma Z_0^*}`, 0.0 unless both synchronized), ``classification``
(0: no group, 1: some, 2: every group synchronized), ``max_re_eigenvalue`` (largest growth rate
of the discretized network at its unsynchronized state), ``critical_coupling`` (one group,
kappa = 0: the continuum-limit onset of V, :func:`qsynchro.critical_coupling` with
``disorder=``), ``critical_kappa`` (one group, Lorentzian, V = 0: the continuum onset of the
dissipative coupling, :func:`~qsynchro.solvers.disorder.dissipative_critical_rate`),
``top_population`` (van der Pol truncation check).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from qsynchro._checks import check_choice, check_int
from qsynchro._jax import x64
from qsynchro.measures.attractor import measure_attractor
from qsynchro.measures.spectra import dominant_frequency, spectrum
from qsynchro.models.disorder import MAX_COUPLING_BYTES, Gaussian, Lorentzian, Uniform
from qsynchro.models.dissipative import with_dissipative_coupling
from qsynchro.models.network import Network
from qsynchro.models.oscillator import TRUNCATION_TOLERANCE
from qsynchro.solvers.attractor import find_attractor
from qsynchro.solvers.attractor_settings import AttractorSettings
from qsynchro.solvers.disorder import disordered_critical_coupling, dissipative_critical_rate
from qsynchro.sweeps.coupling_spec import canonical_matrix, parse_coupling_matrix
from qsynchro.sweeps.groups import OSC_DEFAULTS, GroupsSettings
from qsynchro.sweeps.kernel import STATUS_NOT_CONVERGED, STATUS_OK, ChunkResult, register_kernel

__all__ = ["DisorderedKernel", "DisorderedSettings", "parse_coupling_matrix"]  # re-exported

DISTRIBUTIONS = {"lorentzian": Lorentzian, "gaussian": Gaussian, "uniform": Uniform}
NETWORK_DEFAULTS = {"V": 1.0, "coupling_phase": 0.0, "width": 0.0, "kappa": 0.0}
MEASURES: dict[str, tuple[str, ...]] = {
    "order_parameter": (),
    "group_order_parameter": ("group",),
    "group_frequency": ("group",),
    "relative_phase": ("group",),
    "classification": (),
    "max_re_eigenvalue": (),
    "critical_coupling": (),
    "critical_kappa": (),
    "top_population": (),
}


@dataclass(frozen=True)
class DisorderedSettings(GroupsSettings):
    """:class:`~qsynchro.sweeps.groups.GroupsSettings` plus the network's structure:
    ``distribution``, ``M``, ``coupling`` (G x G, see the module doc), ``detunings`` (G)."""

    distribution: str = "gaussian"
    M: int = 16
    coupling: Any = ((1.0,),)
    detunings: Any = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        check_choice("distribution", self.distribution, tuple(DISTRIBUTIONS))
        check_int("M", self.M, minimum=1, maximum=100_000)
        C = parse_coupling_matrix(self.coupling)
        object.__setattr__(self, "coupling", canonical_matrix(C))
        G = C.shape[0]
        det = self.detunings
        if isinstance(det, (int, float)) and not isinstance(det, bool):
            det = (det,)
        if not isinstance(det, (list, tuple, np.ndarray)) or not all(
            isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool)
            for x in det
        ):
            raise ValueError(
                f"Setting `detunings` must be a list of G = {G} numbers, but got {det!r}."
            )
        det = tuple(float(x) for x in det) or (0.0,) * G
        if len(det) != G or not all(math.isfinite(x) for x in det):
            raise ValueError(
                f"Setting `detunings` must hold G = {G} finite numbers (one per row of "
                f"`coupling`), but got {list(det)}."
            )
        object.__setattr__(self, "detunings", det)
        nbytes = (G * self.M) ** 2 * 16
        if nbytes > MAX_COUPLING_BYTES:
            raise ValueError(
                f"Setting `M` = {self.M} with G = {G} groups needs a {nbytes / 1e9:.1f} GB "
                f"coupling matrix per point; allowed is at most {MAX_COUPLING_BYTES / 1e9:.1f} GB."
            )

    @property
    def G(self) -> int:
        return len(self.coupling)

    def matrix(self) -> np.ndarray:
        """The coupling matrix c, (G, G) complex."""
        return parse_coupling_matrix(self.coupling)

    def unit_nodes(self) -> tuple[np.ndarray, np.ndarray]:
        """Nodes at unit width and weights, each (M,)."""
        return DISTRIBUTIONS[self.distribution](1.0).discretize(self.M)

    def bytes_per_point(self, G: int = 2, d: int = 3) -> int:
        d = 3 if self.oscillator == "spin1" else self.n_max + 1
        GM = self.G * self.M
        return (
            AttractorSettings.bytes_per_point(self, GM, d) + 16 * GM * GM + 16 * self.n_samples * GM
        )


def _checked(params: Mapping[str, np.ndarray], st: DisorderedSettings) -> dict[str, np.ndarray]:
    """Flat float64 parameters, with width and kappa checked (one-line errors)."""
    p = {k: np.asarray(v, dtype=np.float64).reshape(-1) for k, v in params.items()}
    for name in ("width", "kappa"):
        v = p[name]
        bad = ~np.isfinite(v) | (v < 0)
        if np.any(bad):
            raise ValueError(
                f"Parameter `{name}` must be finite and non-negative, but got {float(v[bad][0])!r}."
            )
    return p


def _model(params: Mapping[str, np.ndarray], st: DisorderedSettings) -> tuple[Network, np.ndarray]:
    p = _checked(params, st)
    x, w = st.unit_nodes()
    G, M = st.G, x.size
    centre = np.repeat(np.asarray(st.detunings), M)  # (G M,)
    det = centre + p["width"][:, None] * np.tile(x, G)  # (B, G M)
    block = np.kron(st.matrix(), np.broadcast_to(w, (M, M)))  # (G M, G M)
    C = (p["V"] * np.exp(1j * p["coupling_phase"]))[:, None, None] * block
    own = {k: p[k] for k in OSC_DEFAULTS[st.oscillator]}
    net = Network(st.build(), det, C, **own)
    fractions = np.tile(w, G) / G
    return with_dissipative_coupling(net, p["kappa"], fractions), w


def _by_point(params: Mapping[str, np.ndarray], names: list[str], fn: Any) -> np.ndarray:
    """``fn(**point)`` once per distinct combination of ``names``, broadcast to (B,)."""
    cols = np.stack([np.asarray(params[n], dtype=np.float64).reshape(-1) for n in names], -1)
    uniq, inv = np.unique(cols, axis=0, return_inverse=True)
    vals = np.array([fn(**dict(zip(names, row, strict=True))) for row in uniq])
    return vals[np.asarray(inv).reshape(-1)]


class DisorderedKernel:
    """The ``"disordered"`` kernel (see module docstring)."""

    name = "disordered"
    defaults: Mapping[str, float] = {
        **NETWORK_DEFAULTS,
        **{k: v for d in OSC_DEFAULTS.values() for k, v in d.items()},
    }
    settings_type = DisorderedSettings
    measures: Mapping[str, tuple[str, ...]] = MEASURES

    def coords(self, measures: tuple[str, ...], settings: DisorderedSettings) -> dict[str, Any]:
        return {"group": np.arange(settings.G)}

    def bytes_per_point(self, measures: tuple[str, ...], settings: DisorderedSettings) -> int:
        return settings.bytes_per_point()

    def validate(
        self,
        params: Mapping[str, np.ndarray],
        measures: tuple[str, ...],
        settings: DisorderedSettings,
    ) -> None:
        if not isinstance(settings, DisorderedSettings):
            raise TypeError(
                "Argument `settings` must be a DisorderedSettings, but got "
                f"{type(settings).__name__}."
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
        if "critical_coupling" in measures or "critical_kappa" in measures:
            if settings.G != 1:
                raise ValueError(
                    "Measures `critical_coupling` and `critical_kappa` need one group (a 1 x 1 "
                    f"`coupling`), but got G = {settings.G}."
                )
        if "critical_coupling" in measures and np.any(np.asarray(params["kappa"]) != 0):
            raise ValueError(
                "Measure `critical_coupling` needs kappa = 0 (the onset of V without "
                "dissipative coupling); use `critical_kappa` at V = 0 instead."
            )
        if "critical_kappa" in measures:
            if settings.distribution != "lorentzian" or np.any(np.asarray(params["V"]) != 0):
                raise ValueError(
                    "Measure `critical_kappa` needs distribution = 'lorentzian' and V = 0, but "
                    f"got distribution = {settings.distribution!r}."
                )
        # the oscillator's parameters, checked on a one-subgroup network (validation runs on
        # blocks of 65536 points: the full (B, G M, G M) coupling would not fit)
        p = _checked(params, settings)
        B = p["V"].size
        V = p["V"] * np.exp(1j * p["coupling_phase"])
        own = {k: p[k] for k in OSC_DEFAULTS[settings.oscillator]}
        Network(settings.build(), np.zeros((B, 1)), V[:, None, None], **own)

    def _critical(self, params: Mapping[str, np.ndarray], st: DisorderedSettings, which: str):
        osc = st.build()
        c00 = complex(st.matrix()[0, 0])
        own = list(OSC_DEFAULTS[st.oscillator])
        dist = DISTRIBUTIONS[st.distribution]
        centre = st.detunings[0]

        def vc(width: float, coupling_phase: float, **p: float) -> float:
            if abs(c00) == 0:
                return math.inf
            kc = disordered_critical_coupling(
                osc, dist(width), phase=coupling_phase + np.angle(c00), centre=centre, **p
            )
            return kc / abs(c00)

        def kc(width: float, **p: float) -> float:
            return dissipative_critical_rate(osc, width, **p)

        if which == "critical_coupling":
            return _by_point(params, ["width", "coupling_phase", *own], vc)
        return _by_point(params, ["width", *own], kc)

    def __call__(
        self,
        params: Mapping[str, np.ndarray],
        measures: tuple[str, ...],
        settings: DisorderedSettings,
    ) -> ChunkResult:
        st = settings
        with x64():
            model, w = _model(params, st)
            att = measure_attractor(find_attractor(model, st), st, with_signal=True)
        B, G, M = att.status.shape[0], st.G, w.size
        Z = np.einsum("k,bgkt->bgt", w, att.signal.reshape(B, G, M, -1))  # group mean fields
        gop = np.mean(np.abs(Z), -1)
        synced = gop >= st.amplitude_threshold
        omega, P = spectrum(Z, st.sample_dt)
        freq = np.nan_to_num(dominant_frequency(omega, P))
        exact = att.path != 2  # stable or locked by Newton: one exact common frequency
        best = np.argmax(att.order_parameter, -1)
        freq[exact] = np.nan_to_num(att.frequency[np.arange(B), best])[exact, None]
        freq = np.where(synced, freq, 0.0)
        cross = np.mean(Z * np.conj(Z[:, :1]), -1)
        relph = np.where(synced & synced[:, :1], np.angle(cross), 0.0)
        top = att.populations[:, :, -1].max(-1)
        vals: dict[str, Any] = {
            "order_parameter": np.mean(np.abs(Z.mean(1)), -1),
            "group_order_parameter": gop,
            "group_frequency": freq,
            "relative_phase": relph,
            "classification": np.where(synced.all(-1), 2, np.where(synced.any(-1), 1, 0)).astype(
                np.int8
            ),
            "max_re_eigenvalue": att.growth,
            "top_population": top,
        }
        for m in ("critical_coupling", "critical_kappa"):
            if m in measures:
                vals[m] = self._critical(params, st, m)
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
                v = np.where(finite.reshape((B,) + (1,) * (v.ndim - 1)), v, np.nan)
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


register_kernel("disordered", DisorderedKernel)
