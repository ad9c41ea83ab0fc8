r"""Jacobian of the trace-reduced mean-field equations (any oscillator network), by autodiff.

The linearization of :mod:`qsynchro.equations.meanfield` at a state (by default the
unsynchronized state of each group), in the frame rotating at ``omega``, on the manifold of
Hermitian unit-trace matrices (the trace-reduced real coordinates), so that the trace gives
no spurious zero eigenvalue. :mod:`qsynchro.solvers.stability` uses it for models without the
U(1) symmetry and :mod:`qsynchro.solvers.linear_stability` for any state.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from qsynchro._jax import x64
from qsynchro.equations.meanfield import (
    MFParams,
    expand,
    params_from_model,
    prepare,
    reduce,
    rhs,
    structure,
    to_real,
)
from qsynchro.models.network import Network
from qsynchro.solvers.local import local_steady_state

__all__ = ["jacobian", "jacobian_eigenvalues"]


def _reduced_field(x: Any, lc: Any, Cr: Any, Ci: Any, st: Any, G: int) -> Any:
    Y = expand(x.reshape(st.n - 1, G), st.d)
    return reduce(rhs(Y, lc, Cr, Ci, st)).reshape(-1)


def jacobian(model: Network, rho: Any = None, *, omega: Any = 0.0) -> np.ndarray:
    r"""Jacobian of the trace-reduced mean-field equations, shape (*batch, G(d^2-1), G(d^2-1)).

    Coordinates: for each real coordinate except :math:`\rho_{00}` (row-major in
    :mod:`qsynchro.equations.meanfield`), all groups (coordinate-major).

    Args:
        model: the network.
        rho: the state, shape (*batch, G, d, d); default the unsynchronized state.
        omega: frame frequency (scalar or (*batch,)); for a locked state its frequency.
    """
    st = structure(model.oscillator)
    G = model.G
    if rho is None:
        rho = local_steady_state(model)
    rho = np.broadcast_to(np.asarray(rho, dtype=np.complex128), (*model.batch_shape, G, st.d, st.d))
    flat = model.flat()
    B = flat.batch_shape[0]
    om = np.broadcast_to(np.asarray(omega, dtype=np.float64), model.batch_shape).reshape(B)
    with x64():
        p = params_from_model(flat)
        Y = np.moveaxis(to_real(rho.reshape(B, G, st.d, st.d)), (0, 1, 2), (2, 1, 0))
        x = jnp.asarray(reduce(Y).reshape(-1, B).T)  # (B, (n-1) G)
        J = np.asarray(_jacobians(x, p.coef, p.Cr, p.Ci, jnp.asarray(om), st=st, G=G))
    return J.reshape(*model.batch_shape, *J.shape[-2:])


@partial(jax.jit, static_argnames=("st", "G"))
def _jacobians(x: Any, coef: Any, Cr: Any, Ci: Any, om: Any, *, st: Any, G: int) -> Any:
    """Batched Jacobians of the reduced field: x (B, m), parameters batch-last, om (B,)."""

    def one(xx: Any, c: Any, cr: Any, ci: Any, o: Any) -> Any:
        lc = prepare(MFParams(c, cr, ci), st, o)
        return jax.jacfwd(_reduced_field)(xx, lc, cr, ci, st, G)

    return jax.vmap(one, in_axes=(0, -1, -1, -1, 0))(x, coef, Cr, Ci, om)


def jacobian_eigenvalues(model: Network, rho: Any = None, *, omega: Any = 0.0) -> np.ndarray:
    r"""Eigenvalues of :func:`jacobian`, sorted by decreasing real part, (*batch, G(d^2-1)).

    At the unsynchronized state of a spin-1 network this is the union of eig(A) of
    :func:`coherence_block` and its conjugate, :math:`-\gamma_\pm`, and
    :math:`i(2d_\sigma+K) - (\gamma_++\gamma_-)/2` with its conjugate, per group.
    """
    ev = np.linalg.eigvals(jacobian(model, rho, omega=omega))
    order = np.argsort(-ev.real, axis=-1, kind="stable")
    return np.take_along_axis(ev, order, axis=-1)
