r"""Adapter: the mean-field network of Eq. 2 as a real vector field for the generic engine.

This module is the **only** place where the continuation code touches today's spin-1
model; porting continuation to another oscillator means rewriting these few functions:

- :func:`vector_field` -- ``f(x, p)`` on the packed real state of
  :mod:`qsynchro.solvers.locked` (8 numbers per group: :math:`p_0, p_2` and the real and
  imaginary parts of :math:`c_{01}, c_{12}, c_{02}`; :math:`p_1 = 1-p_0-p_2`), i.e. on the
  manifold of Hermitian unit-trace matrices, so trace and hermiticity give no spurious
  eigenvalues;
- :func:`symmetry` -- the U(1) phase rotation :math:`e^{-i\theta S^z}` (charge 1 for
  :math:`c_{01}, c_{12}`, charge 2 for :math:`c_{02}`) and the phase condition
  :math:`\mathrm{Im}\,\langle S^+\rangle_r = 0` of a reference group r;
- :func:`observables` -- :math:`\langle S^+\rangle_\sigma` and density matrices of states;
- :func:`initial_state` -- the starting state from time integration (:func:`evolve`).

Frames: a relative equilibrium :math:`x` with frame frequency :math:`\omega` is a locked
state :math:`\langle S^+\rangle_\sigma(t) = a_\sigma e^{i\omega t}` (``d -> d - omega`` in
:mod:`qsynchro.equations.meanfield`, so :math:`f_\omega = f - \omega T x`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import jax.numpy as jnp
import numpy as np

from qsynchro.equations.meanfield import MFParams, params_from_model, rhs, s_plus
from qsynchro.models.network import Network
from qsynchro.solvers.continuation import Symmetry, System
from qsynchro.solvers.evolve import evolve
from qsynchro.solvers.locked import pack, unpack

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


def _mf_params(kind: str, p: Any) -> MFParams:
    """MFParams (unbatched: d (G,), K (1,), C (G, G), gp (1,), gm (1,)) from ``p`` in JAX."""
    if kind == "two_groups":
        delta, K, V, VAB, gp, gm = (p[k] for k in range(6))
        d = jnp.stack([0.5 * delta, -0.5 * delta])
        C = jnp.stack([jnp.stack([V, VAB]), jnp.stack([VAB, V])])
    else:
        K, V, gp, gm, det = (p[k] for k in range(5))
        d, C = det[None], V[None, None]
    return MFParams(d, K[None], C, gp[None], gm[None])


@functools.cache
def vector_field(kind: str) -> Callable[[Any, Any], Any]:
    """``f(x, p)``: Eq. 2 on the packed real state x (8G,), parameters ``p`` in KINDS order.

    Cached per kind, so compiled continuation kernels are shared by every call.
    """
    G = GROUPS[kind]

    def f(x: Any, p: Any) -> Any:
        return pack(rhs(unpack(x, G), _mf_params(kind, p)))

    return f


def check_vector_field(kind: str, params: Mapping[str, float]) -> None:
    """Guard: the JAX parameter map equals ``params_from_model`` of the constructor."""
    m = build_model(kind, params)
    ref = params_from_model(m, xp=np)
    got = _mf_params(kind, jnp.asarray([params[n] for n in KINDS[kind]]))
    for a, b in zip(ref, got):
        if not np.allclose(np.asarray(a).reshape(-1), np.asarray(b).reshape(-1), atol=1e-14):
            raise RuntimeError(f"continuation adapter out of sync with Network.{kind}")


def symmetry(G: int, ref: int) -> Symmetry:
    """U(1) generator (c01, c12 -> i c, c02 -> 2i c) and phase condition Im s_ref = 0."""
    n = 8 * G
    T = np.zeros((n, n))
    for g in range(G):
        for blk, q in ((2, 1.0), (4, 1.0), (6, 2.0)):
            re, im = blk * G + g, (blk + 1) * G + g
            T[re, im], T[im, re] = -q, q
    c = np.zeros(n)
    c[3 * G + ref] = c[5 * G + ref] = 1.0
    return Symmetry(T, c)


@functools.cache
def network_system(kind: str, locked: bool, ref: int = 0) -> System:
    """The :class:`System` of ``kind``: fixed points (``locked=False``, lab frame) or locked
    states (relative equilibria on the slice Im <S^+>_ref = 0)."""
    G = GROUPS[kind]
    sym = symmetry(G, ref) if locked else None
    return System(vector_field(kind), KINDS[kind], 8 * G, sym)


def observables(x: np.ndarray, G: int) -> dict[str, np.ndarray]:
    """<S^+> (..., G) complex, density matrices rho (..., G, 3, 3) and populations of x."""
    y = unpack(np.asarray(x, dtype=np.float64), G)
    rho = np.zeros((*y.p0.shape, 3, 3), complex)
    for (i, j), v in {(0, 1): y.c01, (1, 2): y.c12, (0, 2): y.c02}.items():
        rho[..., i, j], rho[..., j, i] = v, np.conj(v)
    for i, v in enumerate((y.p0, y.p1, y.p2)):
        rho[..., i, i] = v
    return {"s_plus": np.asarray(s_plus(y)), "rho": rho}


def charge_one_sign(q: np.ndarray, G: int) -> float:
    """+1 if the complex mode q (A q = i w q) makes <S^+> rotate as exp(+i w t), else -1."""
    a = unpack(np.real(q), G)
    b = unpack(np.imag(q), G)
    # x(t) = q e^{iwt} + c.c.; s = sqrt2 (c01 + c12) is real-linear in x
    s_re = np.asarray(a.c01 + a.c12)  # s(Re q)
    s_im = np.asarray(b.c01 + b.c12)  # s(Im q)
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
        ``(x, locked, ref, info)``: packed state (8G,), whether it is synchronized (continue
        as a relative equilibrium), the phase-reference group, and diagnostics (``drift``:
        max |d<S^+>/dt - i omega <S^+>| / |<S^+>| over the last samples, ``omega``).
    """
    G = GROUPS[kind]
    model = build_model(kind, params)
    if isinstance(initial, str) and initial == "unsynchronized":
        rho = np.zeros((G, 3, 3), complex)
        rho[:, 1, 1] = 1.0
        return pack(_components(rho)), False, 0, {"drift": 0.0, "omega": float("nan")}
    rho0 = None if isinstance(initial, str) else np.asarray(initial)
    if isinstance(initial, str) and initial != "attractor":
        raise ValueError(
            "Argument `initial` must be 'attractor', 'unsynchronized' or density matrices "
            f"of shape ({G}, 3, 3), but got {initial!r}."
        )
    tr = evolve(model, t_final, rho0=rho0, dt=dt, n_samples=64, sample_dt=dt)
    s = tr.s_plus  # (G, n)
    amp = np.abs(s[:, -1])
    x = pack(_components(tr.rho_final))
    if np.all(amp < sync_threshold):
        return x, False, 0, {"drift": float(np.max(amp)), "omega": float("nan")}
    ref = int(np.argmax(amp))
    phase = np.unwrap(np.angle(s[ref]))
    omega = float((phase[-1] - phase[-2]) / dt)
    ds = (s[:, -1] - s[:, -2]) / dt - 1j * omega * 0.5 * (s[:, -1] + s[:, -2])
    drift = float(np.max(np.abs(ds)) / np.max(amp))
    y = unpack(x, G)
    e = np.exp(-1j * np.angle(s[ref, -1]))
    y = y._replace(c01=y.c01 * e, c12=y.c12 * e, c02=y.c02 * e * e)
    return pack(y), True, ref, {"drift": drift, "omega": omega}


def _components(rho: np.ndarray) -> Any:
    from qsynchro.equations.meanfield import to_components

    return to_components(np.asarray(rho), xp=np)
