r"""Adapter: a mean-field network as a real vector field for the generic continuation engine.

This module is the **only** place where the continuation code touches the network model.
An :class:`Adapter` holds, for one network structure (oscillator, number of groups G):

- the parameter vector ``p`` and its names (below), and the map ``p -> MFParams`` in JAX;
- :meth:`Adapter.vector_field` -- ``f(x, p)`` on the trace-reduced real coordinates of
  :mod:`qsynchro.equations.meanfield` (:math:`d^2-1` numbers per group, coordinate-major
  ``x[c * G + g]``), i.e. on the manifold of Hermitian unit-trace matrices, so trace and
  hermiticity give no spurious eigenvalues. It is the generated right-hand side of the
  oscillator (Eq. 2 for spin-1);
- :meth:`Adapter.symmetry` -- the U(1) phase rotation :math:`e^{-i\theta N}` (charge
  :math:`q_i - q_j` of each coherence) and the phase condition
  :math:`\mathrm{Im}\,\langle A\rangle_r = 0` of a reference group r;
- :meth:`Adapter.observables` -- :math:`\langle A\rangle_\sigma` and density matrices;
- :func:`initial_state` -- the starting state from time integration (:func:`evolve`).

**Parameter names.** A model given as a dict uses the keyword arguments of
``Network.two_groups`` (``delta, K, V, V_AB, gamma_plus, gamma_minus``) or
``Network.single_group`` (``K, V, gamma_plus, gamma_minus, detuning``). A :class:`Network`
of any oscillator has the oscillator's parameters (e.g. ``gain``, ``loss``, ``kerr``),
``detuning[s]`` (:math:`d_s`) and ``coupling[s,t]`` (real part of :math:`C_{st}`; an
imaginary part is held fixed), s, t = 0..G-1, and the aliases ``V`` (every diagonal
:math:`C_{ss}` together, if they are equal), for G = 2 ``delta`` (:math:`d_0 - d_1`,
moved symmetrically, :math:`d_{0,1} = \bar d \pm \delta/2`) and ``V_AB`` (both
:math:`C_{01}, C_{10}`, if equal). An alias moves its entries by the change of its value.

Frames: a relative equilibrium :math:`x` with frame frequency :math:`\omega` is a locked
state :math:`\langle A\rangle_\sigma(t) = a_\sigma e^{i\omega t}` (``d -> d - omega`` in
:mod:`qsynchro.equations.meanfield`, so :math:`f_\omega = f - \omega T x`). A network
whose oscillator breaks the U(1) symmetry (a drive) has no locked states: it is continued
as fixed points in the lab (drive) frame.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping
from typing import Any

import jax.numpy as jnp
import numpy as np

from qsynchro.equations.meanfield import (
    MFParams,
    rotate,
    structure,
    to_real,
)
from qsynchro.models.network import Network
from qsynchro.models.oscillator import spin1
from qsynchro.solvers.continuation_adapter import Adapter
from qsynchro.solvers.evolve import evolve
from qsynchro.solvers.local import local_steady_state

__all__ = ["KINDS", "Adapter", "adapter_for", "initial_state", "model_kind"]

#: model constructors of :class:`Network` and their parameters (order of ``p``)
KINDS: dict[str, tuple[str, ...]] = {
    "two_groups": ("delta", "K", "V", "V_AB", "gamma_plus", "gamma_minus"),
    "single_group": ("K", "V", "gamma_plus", "gamma_minus", "detuning"),
}
_DEFAULTS = {"gamma_minus": 1.0, "detuning": 0.0}
_SPIN1 = spin1()


def model_kind(params: Mapping[str, Any]) -> tuple[str, dict[str, float]]:
    """Which constructor the parameters belong to, and all its parameters (defaults filled).

    ``delta`` or ``V_AB`` selects :meth:`Network.two_groups`, otherwise
    :meth:`Network.single_group`. Unknown or missing names raise a one-line error.
    """
    kind = "two_groups" if {"delta", "V_AB"} & set(params) else "single_group"
    names = KINDS[kind]
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise ValueError(
            f"Argument `model` has unknown parameter(s) {unknown} for Network.{kind}; "
            f"valid names are {list(names)}."
        )
    full = {**{k: v for k, v in _DEFAULTS.items() if k in names}, **params}
    missing = [n for n in names if n not in full]
    if missing:
        raise ValueError(f"Argument `model` is missing {missing} (Network.{kind} needs {names}).")
    return kind, {n: _scalar(n, full[n]) for n in names}


def _scalar(name: str, value: Any) -> float:
    v = np.asarray(value)
    if v.ndim or v.dtype.kind not in "biuf" or not np.isfinite(v):
        raise ValueError(
            f"Argument `model` must give a finite real scalar `{name}`, but got {value!r}."
        )
    return float(v)


def _spin1_mf(kind: str) -> Callable[[Any], MFParams]:
    names = _SPIN1_ST_NAMES

    def mf(p: Any) -> MFParams:
        if kind == "two_groups":
            delta, K, V, VAB, gp, gm = (p[k] for k in range(6))
            d = jnp.stack([0.5 * delta, -0.5 * delta])
            C = jnp.stack([jnp.stack([V, VAB]), jnp.stack([VAB, V])])
        else:
            K, V, gp, gm, det = (p[k] for k in range(5))
            d, C = det[None], V[None, None]
        G = d.shape[0]
        vals = {"K": K, "gamma_plus": gp, "gamma_minus": gm}
        coef = jnp.stack([d if n == "detuning" else jnp.broadcast_to(vals[n], (G,)) for n in names])
        return MFParams(coef, C, None)

    return mf


_SPIN1_ST_NAMES = structure(_SPIN1).names


@functools.cache
def spin1_adapter(kind: str) -> Adapter:
    """The adapter of ``Network.two_groups`` / ``Network.single_group`` (dict models)."""
    return Adapter(
        kind,
        _SPIN1,
        2 if kind == "two_groups" else 1,
        KINDS[kind],
        _spin1_mf(kind),
        lambda params: getattr(Network, kind)(**{n: params[n] for n in KINDS[kind]}),
        (),
        f"Network.{kind}",
    )


# ------------------------------------------------------------------ any Network
def _network_names(net: Network) -> tuple[list[str], dict[str, float]]:
    """Continuable names and values of a scalar network, aliases included."""
    G, C, det = net.G, np.asarray(net.coupling), net.detuning
    vals: dict[str, float] = {k: float(v) for k, v in net.parameters.items()}
    vals.update({f"detuning[{s}]": float(det[s]) for s in range(G)})
    vals.update({f"coupling[{s},{t}]": float(C[s, t].real) for s in range(G) for t in range(G)})
    diag = C.real[np.arange(G), np.arange(G)]
    if np.all(diag == diag[0]) and "V" not in vals:
        vals["V"] = float(diag[0])
    if G == 2 and "delta" not in vals:
        vals["delta"] = float(det[0] - det[1])
    if G == 2 and C[0, 1].real == C[1, 0].real and "V_AB" not in vals:
        vals["V_AB"] = float(C[0, 1].real)
    names = list(vals)
    aliases = [a for a in ("V", "delta", "V_AB") if a in vals and a not in net.parameters]
    vals.update({f"_{a}0": vals[a] for a in aliases})
    return names + [f"_{a}0" for a in aliases], vals


def _apply(p: Any, idx: dict[str, int], osc_names: tuple[str, ...], G: int, xp: Any):
    """Effective (detuning (G,), real coupling (G, G)) of p, aliases applied."""
    det = xp.stack([p[idx[f"detuning[{s}]"]] for s in range(G)])
    C = xp.stack([xp.stack([p[idx[f"coupling[{s},{t}]"]] for t in range(G)]) for s in range(G)])
    if "_delta0" in idx:
        dd = p[idx["delta"]] - p[idx["_delta0"]]
        det = det + xp.asarray([0.5, -0.5]) * dd
    if "_V0" in idx:
        C = C + xp.eye(G) * (p[idx["V"]] - p[idx["_V0"]])
    if "_V_AB0" in idx:
        C = C + (1.0 - xp.eye(G)) * (p[idx["V_AB"]] - p[idx["_V_AB0"]])
    return det, C


_ADAPTERS: dict[str, Adapter] = {}


def adapter_for(net: Network) -> tuple[Adapter, dict[str, float]]:
    """The :class:`Adapter` of a single (unbatched) network and its parameter values."""
    if not isinstance(net, Network):
        raise TypeError(
            f"Argument `model` must be a dict or a Network, but got {type(net).__name__}."
        )
    if net.batch_shape:
        raise ValueError(
            "Argument `model` must be a single network (empty batch shape), but got batch "
            f"shape {net.batch_shape}."
        )
    names, vals = _network_names(net)
    osc, G = net.oscillator, net.G
    Ci = np.asarray(net.coupling).imag if net.is_complex else None
    h = hashlib.sha1(repr((id(osc), G, tuple(names))).encode())
    if Ci is not None:
        h.update(Ci.tobytes())
    key = f"network-{h.hexdigest()[:12]}"
    if key not in _ADAPTERS:
        idx = {n: i for i, n in enumerate(names)}
        st_names = structure(osc).names
        onames = osc.parameters

        def mf(p: Any) -> MFParams:
            det, C = _apply(p, idx, onames, G, jnp)
            coef = jnp.stack(
                [det if n == "detuning" else jnp.broadcast_to(p[idx[n]], (G,)) for n in st_names]
            )
            return MFParams(coef, C, None if Ci is None else jnp.asarray(Ci))

        def build(params: Mapping[str, float]) -> Network:
            p = np.array([params[n] for n in names])
            det, C = _apply(p, idx, onames, G, np)
            return Network(
                osc, det, C if Ci is None else C + 1j * Ci, **{k: params[k] for k in onames}
            )

        label = f"Network({osc.name}, G={G})"
        _ADAPTERS[key] = Adapter(key, osc, G, tuple(names), mf, build, osc.symmetry_breaking, label)
    return _ADAPTERS[key], vals


# ------------------------------------------------------------------ starting state
def initial_state(
    ad: Adapter,
    params: Mapping[str, float],
    *,
    initial: Any = "attractor",
    t_final: float = 2000.0,
    dt: float = 0.05,
    sync_threshold: float = 1e-6,
    u1: bool = True,
) -> tuple[np.ndarray, bool, int, dict[str, Any]]:
    """Starting state: the attractor reached by :func:`evolve`, or |1><1|, or a given rho.

    Args:
        ad, params: the model.
        initial: "attractor" (integrate from the default initial state), "unsynchronized"
            (the steady state of uncoupled oscillators in every group: a fixed point of a
            U(1)-symmetric network for every parameter), or density matrices (G, d, d).
        t_final, dt: integration time and RK4 step for "attractor" (and for a given rho).
        sync_threshold: groups with |<A>| below it at the end count as unsynchronized.
        u1: False for a network without U(1) symmetry: the state is a fixed point.

    Returns:
        ``(x, locked, ref, info)``: reduced state ((d^2-1) G,), whether it is synchronized
        (continue as a relative equilibrium), the phase-reference group, and diagnostics
        (``drift``: max |d<A>/dt - i omega <A>| / |<A>| over the last samples, ``omega``).
    """
    G, st = ad.G, ad.st
    model = ad.build(params)
    if isinstance(initial, str) and initial == "unsynchronized":
        Y = np.moveaxis(to_real(local_steady_state(model)), 0, -1)  # (n, G)
        return ad._to_x(Y), False, 0, {"drift": 0.0, "omega": float("nan")}
    rho0 = None if isinstance(initial, str) else np.asarray(initial)
    if isinstance(initial, str) and initial != "attractor":
        raise ValueError(
            "Argument `initial` must be 'attractor', 'unsynchronized' or density matrices "
            f"of shape ({G}, {st.d}, {st.d}), but got {initial!r}."
        )
    tr = evolve(model, t_final, rho0=rho0, dt=dt, n_samples=64, sample_dt=dt)
    s = tr.s_plus  # (G, n)
    amp = np.abs(s[:, -1])
    Y = np.moveaxis(to_real(tr.rho_final), 0, -1)  # (n, G)
    if not u1:  # a fixed point in the lab frame: <A> must be stationary
        ds = np.abs(s[:, -1] - s[:, -2]) / dt
        drift = float(np.max(ds) / max(float(np.max(amp)), sync_threshold))
        return ad._to_x(Y), False, 0, {"drift": drift, "omega": 0.0}
    if np.all(amp < sync_threshold):
        return ad._to_x(Y), False, 0, {"drift": float(np.max(amp)), "omega": float("nan")}
    ref = int(np.argmax(amp))
    phase = np.unwrap(np.angle(s[ref]))
    omega = float((phase[-1] - phase[-2]) / dt)
    ds = (s[:, -1] - s[:, -2]) / dt - 1j * omega * 0.5 * (s[:, -1] + s[:, -2])
    drift = float(np.max(np.abs(ds)) / np.max(amp))
    Y = np.asarray(rotate(Y, -np.angle(s[ref, -1]), st))
    return ad._to_x(Y), True, ref, {"drift": drift, "omega": omega}
