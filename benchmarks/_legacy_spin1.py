"""Frozen copy of the hand-written spin-1 mean-field kernel that the generic engine replaced.

Benchmark-only (``benchmarks/meanfield.py`` part 0 measures the generic generated right-hand
side against it, side by side in one run). Not part of the library; not imported by tests.
State: packed real array (8, G, B) = (p0, p2, Re c01, Im c01, Re c12, Im c12, Re c02, Im c02)
with p1 = 1 - p0 - p2. Parameters: d (G, B), K (B,), C (G, G, B), gp (B,), gm (B,).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp


class PackedParams(NamedTuple):
    d: Any
    K: Any
    C: Any
    gp: Any
    gm: Any


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


def rk4_step_packed(Y: Any, p: PackedParams, h: Any) -> Any:
    k1 = rhs_packed(Y, p)
    k2 = rhs_packed(Y + (0.5 * h) * k1, p)
    k3 = rhs_packed(Y + (0.5 * h) * k2, p)
    k4 = rhs_packed(Y + h * k3, p)
    return Y + (h / 6.0) * (k1 + 2.0 * (k2 + k3) + k4)


@jax.jit
def advance_packed(Y: Any, p: PackedParams, dt: Any, n: Any) -> Any:
    return jax.lax.fori_loop(0, n, lambda _, z: rk4_step_packed(z, p, dt), Y)
