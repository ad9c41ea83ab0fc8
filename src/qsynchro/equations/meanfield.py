r"""Mean-field equations of motion of spin-1 oscillator networks (Nadolny & Bruder, Eq. 2).

The right-hand side is written *elementwise*: each group's 3x3 density matrix is held as
three real populations and three complex coherences,

.. math::

    \rho_\sigma = \begin{pmatrix} p_0 & c_{01} & c_{02}\\ c_{01}^* & p_1 & c_{12}\\
                  c_{02}^* & c_{12}^* & p_2 \end{pmatrix},\qquad
    \langle S^+\rangle_\sigma = \sqrt2\,(c_{01}+c_{12}),

and the commutator and dissipators of Eq. 2 are expanded by hand (hermiticity holds by
construction). With :math:`w_\sigma = 2\sum_\tau C_{\sigma\tau}\langle S^-\rangle_\tau/\sqrt2
= 2\sum_\tau C_{\sigma\tau}(c_{01}+c_{12})^*_\tau` (so that the coupling Hamiltonian is
:math:`w_\sigma L + w_\sigma^* L^\dagger` with :math:`L = |1\rangle\langle0| + |2\rangle\langle1|`
and :math:`S^+ = \sqrt2 L`), and level energies :math:`e = (-d_\sigma, 0, d_\sigma + K)`:

.. math::

    \dot p_0 &= -2\,\mathrm{Im}(w c_{01}) - \gamma_+ p_0,\\
    \dot p_1 &= 2\,\mathrm{Im}(w c_{01}) - 2\,\mathrm{Im}(w c_{12}) + \gamma_+ p_0 + \gamma_- p_2,\\
    \dot p_2 &= 2\,\mathrm{Im}(w c_{12}) - \gamma_- p_2,\\
    \dot c_{01} &= (i d - \gamma_+/2)\,c_{01} - i\,[w^*(p_1 - p_0) - w c_{02}],\\
    \dot c_{12} &= (i (d+K) - \gamma_-/2)\,c_{12} - i\,[w c_{02} + w^*(p_2 - p_1)],\\
    \dot c_{02} &= (i (2d+K) - (\gamma_+ + \gamma_-)/2)\,c_{02} - i\,w^*(c_{12} - c_{01}).

A frame rotating at angular frequency :math:`\omega` (so that :math:`\langle S^+\rangle\sim
e^{+i\omega t}` becomes static) is obtained by :math:`d_\sigma \to d_\sigma - \omega`; the
``omega`` argument does exactly that. On CPU this elementwise form is much faster than
batched 3x3 matrix products (see ``benchmarks/meanfield.py``).

Shapes: every component has shape (..., G); parameters broadcast against it.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from qsynchro.models.network import Network

__all__ = [
    "MFParams",
    "State",
    "from_components",
    "meanfield_rhs",
    "params_from_model",
    "rhs",
    "s_plus",
    "to_components",
]


class State(NamedTuple):
    """Elementwise mean-field state; each field has shape (..., G)."""

    p0: Any
    p1: Any
    p2: Any
    c01: Any
    c12: Any
    c02: Any


class MFParams(NamedTuple):
    """Numbers of a :class:`~qsynchro.models.network.Network` as arrays.

    Attributes:
        d: detunings, shape (..., G).
        K: asymmetry, shape (..., 1).
        C: coupling matrix, shape (..., G, G).
        gp: gain rate gamma_plus, shape (..., 1).
        gm: loss rate gamma_minus, shape (..., 1).
    """

    d: Any
    K: Any
    C: Any
    gp: Any
    gm: Any


def params_from_model(model: Network, xp: Any = jnp) -> MFParams:
    """Arrays of a :class:`Network` (float64), trailing axes as in :class:`MFParams`."""

    def f(a: Any) -> Any:
        return xp.asarray(np.asarray(a, dtype=np.float64))

    return MFParams(
        f(model.detuning),
        f(model.K)[..., None],
        f(model.coupling),
        f(model.gamma_plus)[..., None],
        f(model.gamma_minus)[..., None],
    )


def s_plus(state: State) -> Any:
    r""":math:`\langle S^+\rangle_\sigma = \sqrt2(c_{01}+c_{12})`, shape (..., G)."""
    return np.sqrt(2.0) * (state.c01 + state.c12)


def _field(C: Any, c01: Any, c12: Any) -> Any:
    # w_sigma = 2 sum_tau C[sigma, tau] conj(c01 + c12)_tau, elementwise over the small G axis
    s = (c01 + c12).conj()
    G = C.shape[-1]
    if G == 1:
        return 2.0 * C[..., 0] * s
    return 2.0 * sum(C[..., :, t] * s[..., t : t + 1] for t in range(G))


def rhs(state: State, p: MFParams, omega: Any = 0.0) -> State:
    """Elementwise right-hand side of Eq. 2 (see module docstring), optionally rotating.

    Args:
        state: the G groups' density matrices as components, each (..., G).
        p: parameters (:class:`MFParams`).
        omega: frame frequency (shape (...,1) or scalar); ``d -> d - omega``.

    Returns:
        time derivative as a :class:`State` with the same shapes.
    """
    p0, p1, p2, c01, c12, c02 = state
    d = p.d - omega
    w = _field(p.C, c01, c12)
    wc = w.conj()
    a = w * c01
    b = w * c12
    ia = a.imag
    ib = b.imag
    gp, gm = p.gp, p.gm
    dp0 = -2.0 * ia - gp * p0
    dp2 = 2.0 * ib - gm * p2
    dp1 = 2.0 * (ia - ib) + gp * p0 + gm * p2
    dc01 = (1j * d - 0.5 * gp) * c01 - 1j * (wc * (p1 - p0) - w * c02)
    dc12 = (1j * (d + p.K) - 0.5 * gm) * c12 - 1j * (w * c02 + wc * (p2 - p1))
    dc02 = (1j * (2.0 * d + p.K) - 0.5 * (gp + gm)) * c02 - 1j * wc * (c12 - c01)
    return State(dp0, dp1, dp2, dc01, dc12, dc02)


def to_components(rho: Any, xp: Any = jnp) -> State:
    """Density matrices of shape (..., G, 3, 3) -> :class:`State` (upper triangle read)."""
    rho = xp.asarray(rho)
    return State(
        rho[..., 0, 0].real,
        rho[..., 1, 1].real,
        rho[..., 2, 2].real,
        rho[..., 0, 1],
        rho[..., 1, 2],
        rho[..., 0, 2],
    )


def from_components(state: State, xp: Any = jnp) -> Any:
    """:class:`State` -> Hermitian density matrices of shape (..., G, 3, 3)."""
    p0, p1, p2, c01, c12, c02 = (xp.asarray(x) for x in state)
    z = lambda x: x.astype(xp.complex128)  # noqa: E731
    rows = [
        xp.stack([z(p0), c01, c02], -1),
        xp.stack([c01.conj(), z(p1), c12], -1),
        xp.stack([c02.conj(), c12.conj(), z(p2)], -1),
    ]
    return xp.stack(rows, -2)


def meanfield_rhs(rho: Any, model: Network, omega: Any = 0.0) -> np.ndarray:
    r"""Time derivative :math:`\dot\rho_\sigma` of Eq. 2 for density matrices.

    Convenience wrapper around :func:`rhs` (JAX, float64).

    Args:
        rho: density matrices, shape (*batch, G, 3, 3) with ``batch`` broadcastable
            against ``model.batch_shape``.
        model: the network.
        omega: frame frequency (scalar or shape (*batch,)).

    Returns:
        NumPy complex array of shape (*batch, G, 3, 3).
    """
    from qsynchro._jax import x64

    with x64():
        p = params_from_model(model)
        om = jnp.asarray(omega, dtype=jnp.float64)
        if om.ndim:
            om = om[..., None]
        out = rhs(to_components(jnp.asarray(rho, dtype=jnp.complex128)), p, om)
        return np.asarray(from_components(out))


# --------------------------------------------------------------------------------------
# Packed real form (fast path for long batched integrations)
# --------------------------------------------------------------------------------------
#: rows of the packed real state, each of shape (G, B); p1 = 1 - p0 - p2 (trace fixed)
PACKED_ROWS = ("p0", "p2", "c01_re", "c01_im", "c12_re", "c12_im", "c02_re", "c02_im")


class PackedParams(NamedTuple):
    """Parameters for :func:`rhs_packed`, batch axis *last*.

    Attributes:
        d: detunings, shape (G, B).
        K: asymmetry, shape (B,).
        C: coupling matrix, shape (G, G, B).
        gp: gamma_plus, shape (B,).
        gm: gamma_minus, shape (B,).
    """

    d: Any
    K: Any
    C: Any
    gp: Any
    gm: Any


def packed_params(model: Network, xp: Any = jnp) -> PackedParams:
    """Parameters of a flat model (batch shape (B,)) in the layout of :func:`rhs_packed`."""
    m = model.flat()
    f = lambda a: xp.asarray(np.ascontiguousarray(a, dtype=np.float64))  # noqa: E731
    return PackedParams(
        f(m.detuning.T),
        f(m.K),
        f(np.moveaxis(m.coupling, 0, -1)),
        f(m.gamma_plus),
        f(m.gamma_minus),
    )


def pack_state(state: State, xp: Any = jnp) -> Any:
    """:class:`State` with fields (B, G) -> packed real array (8, G, B)."""
    rows = [
        state.p0,
        state.p2,
        state.c01.real,
        state.c01.imag,
        state.c12.real,
        state.c12.imag,
        state.c02.real,
        state.c02.imag,
    ]
    return xp.stack([xp.asarray(r).T for r in rows], 0)


def unpack_state(Y: Any) -> State:
    """Packed real array (8, G, B) -> :class:`State` with fields (B, G)."""
    Y = jnp.asarray(Y)
    p0, p2 = Y[0].T, Y[1].T
    return State(
        p0, 1.0 - p0 - p2, p2, (Y[2] + 1j * Y[3]).T, (Y[4] + 1j * Y[5]).T, (Y[6] + 1j * Y[7]).T
    )


def rhs_packed(Y: Any, p: PackedParams, omega: Any = 0.0) -> Any:
    """Eq. 2 on the packed real state (8, G, B), all arithmetic real and elementwise.

    Same equations as :func:`rhs` (module docstring), split into real and imaginary parts;
    p1 = 1 - p0 - p2 (trace exactly one). ``omega`` (scalar or (B,)) is the frame frequency.
    With a ninth row holding p1 explicitly (shape (9, G, B)), p1 is evolved by its own
    equation, so that the trace is conserved only by the dynamics (a genuine diagnostic).
    """
    p0, p2, ar, ai, br, bi, cr, ci = (Y[k] for k in range(8))
    G = Y.shape[1]
    explicit_p1 = Y.shape[0] == 9
    p1 = Y[8] if explicit_p1 else 1.0 - p0 - p2
    sr = ar + br
    si = ai + bi
    # w = 2 sum_tau C[sigma, tau] conj(s_tau)
    wr = jnp.stack([2.0 * sum(p.C[s, t] * sr[t] for t in range(G)) for s in range(G)], 0)
    wi = jnp.stack([-2.0 * sum(p.C[s, t] * si[t] for t in range(G)) for s in range(G)], 0)
    d = p.d - omega
    K = p.K
    gp = p.gp
    gm = p.gm
    im_a = wr * ai + wi * ar  # Im(w c01)
    im_b = wr * bi + wi * br  # Im(w c12)
    dp0 = -2.0 * im_a - gp * p0
    dp2 = 2.0 * im_b - gm * p2
    u = p1 - p0
    v = p2 - p1
    wc_r = wr * cr - wi * ci  # w c02
    wc_i = wr * ci + wi * cr
    q_r = wr * u - wc_r  # q = w* u - w c02
    q_i = -wi * u - wc_i
    r_r = wc_r + wr * v  # r = w c02 + w* v
    r_i = wc_i - wi * v
    dK = d + K
    mr = br - ar
    mi = bi - ai
    e2 = 2.0 * d + K
    hg = 0.5 * (gp + gm)
    rows = [
        dp0,
        dp2,
        -d * ai - 0.5 * gp * ar + q_i,
        d * ar - 0.5 * gp * ai - q_r,
        -dK * bi - 0.5 * gm * br + r_i,
        dK * br - 0.5 * gm * bi - r_r,
        -e2 * ci - hg * cr + (wr * mi - wi * mr),
        e2 * cr - hg * ci - (wr * mr + wi * mi),
    ]
    if explicit_p1:
        rows.append(2.0 * (im_a - im_b) + gp * p0 + gm * p2)
    return jnp.stack(rows, 0)
