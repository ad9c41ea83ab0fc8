r"""Continuation of the mean-field network's fixed points and locked states (public verbs).

``qsynchro.continuation(model, parameter, start, stop, **settings)`` follows the state that
time integration reaches at ``parameter = start`` (|1><1| or a locked state) to ``stop``
and returns a :class:`Branch`: an ``xarray.Dataset`` (the parameter, per-group
:math:`|\langle S^+\rangle|`, the frame frequency of locked states, leading eigenvalues,
stability) and the located bifurcations (fold, Hopf with frequency and first Lyapunov
coefficient, branch points). The model-specific part is :mod:`.continuation_network`;
the numerics are the generic engine (:mod:`.equilibria`, :mod:`.continuation`).

Conventions: frequencies are angular, in the paper's rotating frame
(:math:`\langle S^+\rangle\sim e^{+i\omega t}`). For a Hopf point of |1><1| the reported
``frequency`` is signed: it is the imaginary part of the critical eigenvalue of the charge
+1 block (:func:`qsynchro.solvers.stability.coherence_block`), i.e. the rotation
frequency of :math:`\langle S^+\rangle` at onset. For a Hopf point of a locked state it is
the (positive) modulation frequency in the co-rotating frame.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from qsynchro.models.network import Network
from qsynchro.solvers.bifurcations import Bifurcation, first_lyapunov
from qsynchro.solvers.continuation import ContinuationSettings, kernels
from qsynchro.solvers.continuation_network import (
    Adapter,
    adapter_for,
    initial_state,
    model_kind,
    spin1_adapter,
)
from qsynchro.solvers.equilibria import EquilibriumBranch, continue_equilibria, solve_equilibrium

__all__ = ["Branch", "continuation", "split_settings"]

#: number of leading eigenvalues stored per point
N_EIG = 6
_START = {"initial": "attractor", "t_final": 2000.0, "dt": 0.05, "start_tol": 1e-3, "marks": ()}


@dataclass(frozen=True, eq=False)
class Branch:
    """A continued branch of the network (result of :func:`continuation`).

    Attributes:
        data: ``xarray.Dataset`` over ``point`` (see :func:`continuation`).
        bifurcations: located bifurcations; ``state`` holds density matrices (G, 3, 3).
        status: "completed", "incomplete" or "failed"; ``message`` says why.
        parameter: the continued parameter; ``model``: all model parameters at the start.
        kind: "fixed_point" or "locked".
        adapter: the network structure (:class:`.continuation_network.Adapter`).
    """

    data: xr.Dataset
    bifurcations: tuple[Bifurcation, ...]
    status: str
    message: str
    parameter: str
    model: dict[str, float]
    kind: str
    adapter: Adapter | None = None

    def __repr__(self) -> str:
        n = self.data.sizes.get("point", 0)
        v = self.data[self.parameter].values if n else np.array([np.nan])
        bif = "; ".join(
            f"{b.kind} at {b.parameter}={b.value:.8g}"
            + (f" (frequency {b.frequency:.6g}, {b.criticality})" if b.kind == "hopf" else "")
            for b in self.bifurcations
        )
        return (
            f"Branch({self.kind}, {self.parameter} from {v[0]:.6g} to {v[-1]:.6g}, {n} points, "
            f"status={self.status!r}{'; ' + bif if bif else ''})"
        )


def split_settings(settings: Mapping[str, Any]) -> tuple[ContinuationSettings, dict[str, Any]]:
    """Split keyword settings into ContinuationSettings and start-state settings."""
    cont = {f.name for f in dataclasses.fields(ContinuationSettings)}
    unknown = sorted(set(settings) - cont - set(_START))
    if unknown:
        raise ValueError(
            f"Unknown setting(s) {unknown}; valid settings are {sorted(cont | set(_START))}."
        )
    cs = ContinuationSettings(**{k: v for k, v in settings.items() if k in cont})
    return cs, {**_START, **{k: v for k, v in settings.items() if k in _START}}


def _network_bifurcation(
    b: Bifurcation, ad: Adapter, locked: bool, u1: bool, params: dict
) -> Bifurcation:
    """Generic bifurcation -> network one: rho (G, d, d) state, signed onset frequency."""
    other = dict(b.other)
    freq = b.frequency
    if b.kind == "hopf" and not locked and u1:  # sign of the <A> rotation at onset
        sys_ = ad.system(False)
        p = np.array([params[n] for n in ad.names])
        p[ad.names.index(b.parameter)] = b.value
        _, q = first_lyapunov(kernels(sys_), b.state, p, None, b.frequency)
        freq = ad.charge_one_sign(q) * b.frequency
    other["packed_state"] = b.state
    rho = ad.observables(b.state)["rho"]
    return dataclasses.replace(b, state=rho, frequency=freq, other=other)


def group_names(G: int) -> list[str]:
    """A, B, ... for up to 26 groups, else 0, 1, ..."""
    return [chr(65 + g) for g in range(G)] if G <= 26 else [str(g) for g in range(G)]


def _dataset(br: EquilibriumBranch, ad: Adapter, locked: bool, ref: int) -> xr.Dataset:
    G = ad.G
    obs = ad.observables(br.states)
    amp = np.abs(obs["s_plus"])  # (P, G)
    groups = group_names(G)
    ev = br.eigenvalues[:, :N_EIG]
    ds = xr.Dataset(
        {
            "amplitude": (("point", "group"), amp),
            "order_parameter": ("point", amp.mean(-1)),
            "frequency": ("point", br.frequency[:, 0] if locked else np.full(amp.shape[0], np.nan)),
            "growth": ("point", br.eigenvalues[:, 0].real if ev.size else np.zeros(0)),
            "eigenvalue_real": (("point", "mode"), ev.real),
            "eigenvalue_imag": (("point", "mode"), ev.imag),
            "stable": ("point", br.stable.astype(np.int8)),
            "arclength": ("point", br.arclength),
            "marked": ("point", br.marked.astype(np.int8)),
            "state": (("point", "component"), br.states),
        },
        coords={br.parameter: ("point", br.values), "group": groups},
    )
    if G == 2:
        s = obs["s_plus"]
        ds["relative_phase"] = ("point", np.angle(s[:, 0] * np.conj(s[:, 1])))
        ds["relative_phase"].attrs["long_name"] = "arg <S+>_A - arg <S+>_B"
    ds["min_eigenvalue"] = (
        "point",
        np.linalg.eigvalsh(obs["rho"]).min(axis=(-1, -2)) if amp.size else np.zeros(0),
    )
    ds["min_eigenvalue"].attrs["long_name"] = (
        "smallest eigenvalue of any group's rho: < 0 marks an unphysical (non-positive) state; "
        "Eq. 2 keeps positivity for physical initial states, but solution branches can leave it"
    )
    ds["amplitude"].attrs["long_name"] = "|<S+>_sigma| per group"
    ds["frequency"].attrs["long_name"] = (
        "frame frequency omega of a locked state, <S+>(t) ~ exp(+i omega t); NaN for fixed points"
    )
    ds["growth"].attrs["long_name"] = (
        "largest real part of the Jacobian spectrum (phase mode removed)"
    )
    ds["state"].attrs["long_name"] = (
        "packed real state: p0, p2, Re/Im c01, Re/Im c12, Re/Im c02 per group (p1 = 1 - p0 - p2)"
    )
    ds.attrs.update(reference_group=int(ref))
    return ds


def _bifurcation_vars(ds: xr.Dataset, bifs: tuple[Bifurcation, ...]) -> xr.Dataset:
    ds = ds.assign(
        bifurcation_kind=("bifurcation", np.array([b.kind for b in bifs], dtype=str)),
        bifurcation_value=("bifurcation", np.array([b.value for b in bifs], dtype=float)),
        bifurcation_frequency=("bifurcation", np.array([b.frequency for b in bifs], dtype=float)),
        bifurcation_l1=("bifurcation", np.array([b.l1 for b in bifs], dtype=float)),
        bifurcation_residual=("bifurcation", np.array([b.residual for b in bifs], dtype=float)),
    )
    ds["bifurcation_frequency"].attrs["long_name"] = (
        "Hopf: imaginary part of the critical eigenvalue (signed onset frequency of <S+> for "
        "fixed points, modulation frequency for locked states)"
    )
    ds["bifurcation_l1"].attrs["long_name"] = "first Lyapunov coefficient (< 0: supercritical)"
    return ds


def continuation(
    model: Mapping[str, Any] | Network,
    parameter: str,
    start: float,
    stop: float,
    **settings: Any,
) -> Branch:
    r"""Continue the network's attractor at ``parameter = start`` up to ``stop`` (Eq. 2).

    Args:
        model: a :class:`~qsynchro.models.network.Network` of any oscillator (a single
            model, empty batch shape), or a dict of keyword arguments of
            :meth:`Network.two_groups` (``delta``, ``K``, ``V``, ``V_AB``, ``gamma_plus``,
            ``gamma_minus``) or :meth:`Network.single_group` (``K``, ``V``, ``gamma_plus``,
            ``gamma_minus``, ``detuning``); the value of ``parameter`` in it is replaced by
            ``start``.
        parameter: name of the parameter to vary. For a Network: an oscillator parameter
            (e.g. ``gain``), ``detuning[s]``, ``coupling[s,t]`` (real part of C[s, t]) or
            an alias ``V`` (all diagonal couplings), ``delta`` (G = 2: d_0 - d_1, moved
            symmetrically), ``V_AB`` (G = 2: both off-diagonal couplings); see
            :mod:`.continuation_network`.
        start: first value of ``parameter``.
        stop: last value of ``parameter``.
        **settings: :class:`~qsynchro.solvers.continuation.ContinuationSettings` fields
            (``ds``, ``ds_max``, ``max_steps``, ``tol``, ...) and the start-state settings
            ``initial`` ("attractor", "unsynchronized" or density matrices (G, d, d)),
            ``t_final`` (2000), ``dt`` (0.05) and ``start_tol`` (1e-3: max relative drift of
            <A> in the rotating frame for the attractor to count as locked, or in the lab
            frame for a network without U(1) symmetry), ``marks`` (values of ``parameter``
            at which points are computed exactly).

    Returns:
        :class:`Branch`: locked states (relative equilibria) of a U(1)-symmetric network
        whose attractor is synchronized, otherwise fixed points. Its status is "failed" with
        a message when the start is not a fixed point or locked state or a step fails to
        converge (the points found until then are kept); "incomplete" after ``max_steps``.
    """
    from qsynchro._jax import x64

    if isinstance(model, Network):
        ad, params = adapter_for(model)
        ad.check_parameter(parameter)
    else:
        model = dict(model)
        kind = "two_groups" if {"delta", "V_AB"} & (set(model) | {parameter}) else "single_group"
        spin1_adapter(kind).check_parameter(parameter)
        kind, params = model_kind({**model, parameter: start})
        ad = spin1_adapter(kind)
    params[parameter] = float(start)
    cs, st = split_settings(settings)
    ad.build(params)  # validates the start values
    u1 = ad.u1(params, (parameter,))
    with x64():
        ad.check(params)
        x, locked, ref, info = initial_state(
            ad, params, initial=st["initial"], t_final=st["t_final"], dt=st["dt"], u1=u1
        )
        system = ad.system(locked, ref)
        label = "locked" if locked else "fixed_point"
        if info["drift"] > st["start_tol"] and (locked or not u1):
            br = None
            msg = (
                f"the state reached at {parameter} = {start} is not a "
                + (
                    "locked state: <A> is not stationary in any rotating frame"
                    if locked
                    else "fixed point: <A> is not stationary (no U(1) symmetry, so no locked "
                    "states in a rotating frame)"
                )
                + f" (relative drift {info['drift']:.3g} > start_tol = {st['start_tol']:g}); "
                "it may be a modulated or partially synchronized state (a periodic orbit)"
            )
        else:
            x, res = solve_equilibrium(system, x, params, settings=cs)
            if not res < cs.tol * 100:
                br, msg = (
                    None,
                    (
                        f"Newton did not converge to a {label.replace('_', ' ')} at {parameter} = "
                        f"{start} (residual {res:.3g})"
                    ),
                )
            else:
                br = continue_equilibria(
                    system, x, params, parameter, stop, settings=cs, marks=st["marks"]
                )
                msg = br.message
        if br is None:
            br = EquilibriumBranch(
                parameter,
                np.zeros(0),
                np.zeros((0, system.n)),
                np.zeros((0, 1)),
                np.zeros((0, system.dim), complex),
                np.zeros(0, bool),
                [],
                "failed",
                msg,
                system.params(params),
                system.parameters,
            )
        bifs = tuple(_network_bifurcation(b, ad, locked, u1, params) for b in br.bifurcations)
    ds = _bifurcation_vars(_dataset(br, ad, locked, ref), bifs)
    st_json = {k: v for k, v in st.items() if k != "initial" or isinstance(v, str)}
    ds.attrs.update(
        parameter=parameter,
        model=json.dumps(params),
        network=ad.key,
        network_label=ad.label,
        oscillator=ad.oscillator.name,
        branch_kind=label,
        status=br.status,
        message=msg,
        start=float(start),
        stop=float(stop),
        settings=json.dumps({**dataclasses.asdict(cs), **st_json}),
    )
    if math.isfinite(info.get("omega", math.nan)):
        ds.attrs["start_frequency_estimate"] = info["omega"]
    return Branch(ds, bifs, br.status, msg, parameter, params, label, ad)
