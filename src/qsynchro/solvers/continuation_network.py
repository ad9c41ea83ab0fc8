r"""Adapter: the mean-field network as a real vector field for the generic continuation engine.

This module is the **only** place where the continuation code touches the network model:

- :func:`vector_field` -- ``f(x, p)`` on the trace-reduced real coordinates of
  :mod:`qsynchro.equations.meanfield` (:math:`d^2-1` numbers per group, coordinate-major
  ``x[c * G + g]``), i.e. on the manifold of Hermitian unit-trace matrices, so trace and
  hermiticity give no spurious eigenvalues. It is the generated right-hand side of the
  oscillator (spin-1 here: the parameter sets of ``Network.two_groups`` and
  ``Network.single_group``);
- :func:`symmetry` -- the U(1) phase rotation :math:`e^{-i\theta N}` (charge
  :math:`q_i - q_j` of each coherence) and the phase condition
  :math:`\mathrm{Im}\,\langle A\rangle_r = 0` of a reference group r;
- :func:`observables` -- :math:`\langle A\rangle_\sigma` and density matrices of states;
- :func:`initial_state` -- the starting state from time integration (:func:`evolve`).

Frames: a relative equilibrium :math:`x` with frame frequency :math:`\omega` is a locked
state :math:`\langle A\rangle_\sigma(t) = a_\sigma e^{i\omega t}` (``d -> d - omega`` in
:mod:`qsynchro.equations.meanfield`, so :math:`f_\omega = f - \omega T x`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import jax.numpy as jnp
import numpy as np

from qsynchro.equations.meanfield import (
    MFParams,
    expand,
    expectation,
    from_real,
    params_from_model,
    prepare,
    reduce,
    rhs,
    rotate,
    structure,
    to_real,
)
from qsynchro.models.network import Network
from qsynchro.models.oscillator import spin1
from qsynchro.solvers.continuation import Symmetry, System
from qsynchro.solvers.evolve import evolve
from qsynchro.solvers.local import local_steady_state

__all__ = [
    "KINDS",
    "initial_state",
    "model_kind",
    "network_system",
    "observables",
    "symmetry",
    "vector_field",
]

#: model constructors of :class:`Network` and their parameters (order of ``p``)
KINDS: dict[str, tuple[str, ...]] = {
    "two_groups": ("delta", "K", "V", "V_AB", "gamma_plus", "gamma_minus"),
    "single_group": ("K", "V", "gamma_plus", "gamma_minus", "detuning"),
}
_DEFAULTS = {"gamma_minus": 1.0, "detuning": 0.0}
GROUPS = {"two_groups": 2, "single_group": 1}


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
    out = {}
    for n in names:
        v = np.asarray(full[n], dtype=np.float64)
        if v.ndim or not np.isfinite(v):
            raise ValueError(f"Argument `model` must give a finite scalar `{n}`, but got {v!r}.")
        out[n] = float(v)
    return kind, out


def build_model(kind: str, params: Mapping[str, float]) -> Network:
    """The :class:`Network` of ``kind`` at ``params`` (validated by its constructor)."""
    return getattr(Network, kind)(**params)


#: the oscillator of Network.two_groups / Network.single_group
OSCILLATOR = spin1()
_ST = structure(OSCILLATOR)
#: real coordinates per group after the trace reduction
N_RED = _ST.n - 1


def _mf_params(kind: str, p: Any) -> MFParams:
    """MFParams (unbatched: coef (n_terms, G), Cr (G, G), Ci None) from ``p`` in JAX."""
    if kind == "two_groups":
        delta, K, V, VAB, gp, gm = (p[k] for k in range(6))
        d = jnp.stack([0.5 * delta, -0.5 * delta])
        C = jnp.stack([jnp.stack([V, VAB]), jnp.stack([VAB, V])])
    else:
        K, V, gp, gm, det = (p[k] for k in range(5))
        d, C = det[None], V[None, None]
    G = d.shape[0]
    vals = {"K": K, "gamma_plus": gp, "gamma_minus": gm}
    coef = jnp.stack([d if n == "detuning" else jnp.broadcast_to(vals[n], (G,)) for n in _ST.names])
    return MFParams(coef, C, None)


def _to_x(Y: Any) -> Any:
    """Full real coordinates (n, G) -> reduced flat x ((n-1) G,), coordinate-major."""
    return reduce(Y).reshape(-1)


def _from_x(x: Any, G: int) -> Any:
    """Reduced flat x (..., (n-1) G) -> full coordinates (n, G, ...)."""
    X = jnp.moveaxis(jnp.reshape(x, (*x.shape[:-1], N_RED, G)), (-2, -1), (0, 1))
    return expand(X, _ST.d)


@functools.cache
def vector_field(kind: str) -> Callable[[Any, Any], Any]:
    """``f(x, p)``: the mean-field equations on the reduced state x ((d^2-1) G,), parameters
    ``p`` in KINDS order. Cached per kind, so compiled continuation kernels are shared."""
    G = GROUPS[kind]

    def f(x: Any, p: Any) -> Any:
        mp = _mf_params(kind, p)
        Y = _from_x(x, G)
        return _to_x(rhs(Y, prepare(mp, _ST), mp.Cr, mp.Ci, _ST))

    return f


def check_vector_field(kind: str, params: Mapping[str, float]) -> None:
    """Guard: the JAX parameter map equals ``params_from_model`` of the constructor."""
    m = build_model(kind, params)
    ref = params_from_model(m, xp=np)
    got = _mf_params(kind, jnp.asarray([params[n] for n in KINDS[kind]]))
    for a, b in ((ref.coef, got.coef), (ref.Cr, got.Cr)):
        if not np.allclose(np.asarray(a).reshape(-1), np.asarray(b).reshape(-1), atol=1e-14):
            raise RuntimeError(f"continuation adapter out of sync with Network.{kind}")


def symmetry(G: int, ref: int) -> Symmetry:
    """U(1) generator T (d/dtheta of the phase rotation) and phase condition Im <A>_ref = 0."""
    n = N_RED * G
    T = np.zeros((n, n))
    d = _ST.d
    for k, dq in enumerate(_ST.pair_charge):
        re, im = d + 2 * k - 1, d + 2 * k  # reduced coordinate indices (rho_00 dropped)
        for g in range(G):
            T[re * G + g, im * G + g] = dq
            T[im * G + g, re * G + g] = -dq
    c = np.zeros(n)
    for j, v in enumerate(_ST.a_im):
        if v != 0.0:
            c[(j - 1) * G + ref] = v
    return Symmetry(T, c)


@functools.cache
def network_system(kind: str, locked: bool, ref: int = 0) -> System:
    """The :class:`System` of ``kind``: fixed points (``locked=False``, lab frame) or locked
    states (relative equilibria on the slice Im <A>_ref = 0)."""
    G = GROUPS[kind]
    sym = symmetry(G, ref) if locked else None
    return System(vector_field(kind), KINDS[kind], N_RED * G, sym)


def observables(x: np.ndarray, G: int) -> dict[str, np.ndarray]:
    """<A> (..., G) complex and density matrices rho (..., G, d, d) of reduced states x."""
    x = np.asarray(x, dtype=np.float64)
    X = np.moveaxis(x.reshape(*x.shape[:-1], N_RED, G), (-2, -1), (0, 1))
    Y = expand(X, _ST.d)  # (n, G, ...)
    sr, si = expectation(Y, _ST)
    rho = from_real(np.moveaxis(Y, 0, -1))  # (G, ..., d, d)
    return {
        "s_plus": np.moveaxis(np.asarray(sr + 1j * si), 0, -1),
        "rho": np.moveaxis(rho, 0, -3),
    }


def charge_one_sign(q: np.ndarray, G: int) -> float:
    """+1 if the complex mode q (A q = i w q) makes <A> rotate as exp(+i w t), else -1."""

    def amp(v: np.ndarray) -> np.ndarray:  # <A> is linear in the coherences (no diagonal)
        V = np.concatenate([np.zeros((1, G)), np.asarray(v).reshape(N_RED, G)], 0)
        sr, si = expectation(V, _ST)
        return np.asarray(sr + 1j * si)

    s_re, s_im = amp(np.real(q)), amp(np.imag(q))
    plus = np.sum(np.abs(s_re + 1j * s_im) ** 2)  # coefficient of e^{+iwt}: s(q)
    minus = np.sum(np.abs(s_re - 1j * s_im) ** 2)  # coefficient of e^{-iwt}: s(conj q)
    return 1.0 if plus >= minus else -1.0


def initial_state(
    kind: str,
    params: Mapping[str, float],
    *,
    initial: Any = "attractor",
    t_final: float = 2000.0,
    dt: float = 0.05,
    sync_threshold: float = 1e-6,
) -> tuple[np.ndarray, bool, int, dict[str, Any]]:
    """Starting state: the attractor reached by :func:`evolve`, or |1><1|, or a given rho.

    Args:
        kind, params: the model.
        initial: "attractor" (integrate from the default initial state), "unsynchronized"
            (|1><1| in every group, a fixed point for every parameter), or density matrices
            of shape (G, 3, 3).
        t_final, dt: integration time and RK4 step for "attractor" (and for a given rho).
        sync_threshold: groups with |<S^+>| below it at the end count as unsynchronized.

    Returns:
        ``(x, locked, ref, info)``: reduced state ((d^2-1) G,), whether it is synchronized (continue
        as a relative equilibrium), the phase-reference group, and diagnostics (``drift``:
        max |d<S^+>/dt - i omega <S^+>| / |<S^+>| over the last samples, ``omega``).
    """
    G = GROUPS[kind]
    model = build_model(kind, params)
    if isinstance(initial, str) and initial == "unsynchronized":
        Y = np.moveaxis(to_real(local_steady_state(model)), 0, -1)  # (n, G)
        return _to_x(Y), False, 0, {"drift": 0.0, "omega": float("nan")}
    rho0 = None if isinstance(initial, str) else np.asarray(initial)
    if isinstance(initial, str) and initial != "attractor":
        raise ValueError(
            "Argument `initial` must be 'attractor', 'unsynchronized' or density matrices "
            f"of shape ({G}, {_ST.d}, {_ST.d}), but got {initial!r}."
        )
    tr = evolve(model, t_final, rho0=rho0, dt=dt, n_samples=64, sample_dt=dt)
    s = tr.s_plus  # (G, n)
    amp = np.abs(s[:, -1])
    Y = np.moveaxis(to_real(tr.rho_final), 0, -1)  # (n, G)
    if np.all(amp < sync_threshold):
        return _to_x(Y), False, 0, {"drift": float(np.max(amp)), "omega": float("nan")}
    ref = int(np.argmax(amp))
    phase = np.unwrap(np.angle(s[ref]))
    omega = float((phase[-1] - phase[-2]) / dt)
    ds = (s[:, -1] - s[:, -2]) / dt - 1j * omega * 0.5 * (s[:, -1] + s[:, -2])
    drift = float(np.max(np.abs(ds)) / np.max(amp))
    Y = np.asarray(rotate(Y, -np.angle(s[ref, -1]), _ST))
    return _to_x(Y), True, ref, {"drift": drift, "omega": omega}
