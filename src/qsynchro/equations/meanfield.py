r"""Mean-field equations of any oscillator network (Nadolny & Bruder, Eq. 2, generalized).

Every group :math:`\sigma` of identical oscillators is one :math:`d\times d` density matrix
:math:`\rho_\sigma` evolving under

.. math::

    \dot\rho_\sigma = -i\Big[\sum_k c_k H_k + d_\sigma N + w_\sigma A + w_\sigma^* A^\dagger,
        \rho_\sigma\Big] + \sum_k r_k \mathcal{D}[L_k]\rho_\sigma,\qquad
    w_\sigma = \sum_\tau C_{\sigma\tau}\langle A^\dagger\rangle_\tau ,

with the operators of an :class:`~qsynchro.models.oscillator.Oscillator` (for spin-1,
:math:`N = S^z`, :math:`A = S^+`, and this is Eq. 2 of the paper). :math:`C` may be complex
and non-symmetric (nonreciprocal coupling).

**Real coordinates.** A Hermitian :math:`\rho` is held as :math:`d^2` real numbers: the
diagonal :math:`\rho_{ii}` (``i = 0..d-1``), then for each ``i < j`` (row-major)
:math:`\mathrm{Re}\,\rho_{ij}` and :math:`\mathrm{Im}\,\rho_{ij}`. Every term of the equation
is a real :math:`d^2\times d^2` matrix in these coordinates, built once per oscillator from its
operators (:class:`Structure`). The right-hand side is **generated** from their sparsity: at
trace time it is unrolled into elementwise multiply-adds over the trailing batch axes, so XLA
fuses it into one loop (on CPU much faster than batched tiny matrix products; see
``benchmarks/meanfield.py``). No oscillator has a hand-written kernel.

**Layout.** Arrays are *batch-last*: a state is ``Y`` of shape (d^2, G, *batch); the linear
coefficients of a model are combined once per integration (:func:`prepare`), because only
the mean field changes in time. The trace-reduced coordinates (:func:`reduce`,
:func:`expand`) drop :math:`\rho_{00}` (fixed by :math:`\mathrm{Tr}\rho = 1`); Newton solves,
Jacobians and continuation use them so that the trace gives no spurious zero eigenvalue.

A frame rotating at :math:`\omega` (so that :math:`\langle A\rangle\sim e^{i\omega t}` becomes
static) is :math:`d_\sigma\to d_\sigma-\omega` (requires :math:`[N, A] = A`).
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any, NamedTuple

import jax.numpy as jnp
import numpy as np

from qsynchro.equations.real_coords import (
    commutator_map,
    dissipator_map,
    expand,
    from_real,
    pairs,
    real_matrix,
    reduce,
    to_real,
)
from qsynchro.models.network import Network
from qsynchro.models.oscillator import Oscillator

__all__ = [
    "MFParams",
    "SharedRow",
    "Structure",
    "expand",
    "expectation",
    "from_real",
    "meanfield_rhs",
    "params_from_model",
    "prepare",
    "reduce",
    "rhs",
    "rotate",
    "structure",
    "to_real",
]

#: above this many groups the mean field is a contraction instead of unrolled sums
UNROLL_GROUPS = 8
#: above this local dimension the terms are dense matrix products instead of unrolled sums
#: (unrolling d = 11 gives thousands of scalar operations: slow to compile, no faster)
UNROLL_DIM = 4


class Structure:
    r"""The real matrices of an oscillator's mean-field terms (static: hashable by content).

    Attributes:
        d: local dimension.
        names: coefficient names in order: Hamiltonian terms, jump rates, then ``"detuning"``.
        M: (n_terms, d^2, d^2) real matrices of :math:`-i[H_k,\cdot]`, :math:`\mathcal{D}[L_k]`
            and :math:`-i[N,\cdot]`.
        MX, MY: (d^2, d^2) real matrices of :math:`-i[X,\cdot]`, :math:`-i[Y,\cdot]` with
            :math:`X = A + A^\dagger`, :math:`Y = i(A - A^\dagger)` (so that
            :math:`wA + w^*A^\dagger = \mathrm{Re}\,w\,X + \mathrm{Im}\,w\,Y`).
        a_re, a_im: (d^2,) with
            :math:`\langle A\rangle = a_\mathrm{re}\cdot y + i\,a_\mathrm{im}\cdot y`.
        lin: tuple of (row, column) pairs where some linear term is nonzero.
        W: (n_lin, n_terms) weights: combined coefficient of pair k is ``W[k] @ coefficients``.
    """

    def __init__(self, osc: Oscillator) -> None:
        d = osc.dim
        self.d = d
        self.names = (*osc.hamiltonian, *osc.jumps, "detuning")
        mats = [real_matrix(commutator_map(h), d) for h in osc.hamiltonian.values()]
        mats += [real_matrix(dissipator_map(L), d) for L in osc.jumps.values()]
        mats.append(real_matrix(commutator_map(osc.detuning_generator), d))
        self.M = np.stack(mats)
        A = osc.coupling_operator
        self.MX = real_matrix(commutator_map(A + A.conj().T), d)
        self.MY = real_matrix(commutator_map(1j * (A - A.conj().T)), d)
        # <A> = Tr(A rho) = sum_k y_k Tr(A E_k)
        n = d * d
        tr = np.array([np.trace(A @ from_real(np.eye(n)[k])) for k in range(n)])
        self.a_re = np.where(np.abs(tr.real) < 1e-15, 0.0, tr.real)
        self.a_im = np.where(np.abs(tr.imag) < 1e-15, 0.0, tr.imag)
        q = osc.charges
        self.pair_charge = np.array([q[i] - q[j] for i, j in pairs(d)])
        nz = np.any(self.M != 0, axis=0)
        self.lin = tuple((int(i), int(j)) for i, j in zip(*np.nonzero(nz), strict=True))
        self.W = np.stack([self.M[:, i, j] for i, j in self.lin]) if self.lin else np.zeros((0, 0))
        # distinct coefficient combinations up to a sign (spin-1: 16 pairs, 8 combinations)
        uniq: list[np.ndarray] = []
        lin_map = []
        for row in self.W:
            for u, r in enumerate(uniq):
                if np.allclose(row, r, rtol=0, atol=1e-14):
                    lin_map.append((u, 1.0))
                    break
                if np.allclose(row, -r, rtol=0, atol=1e-14):
                    lin_map.append((u, -1.0))
                    break
            else:
                uniq.append(row)
                lin_map.append((len(uniq) - 1, 1.0))
        self.W_unique = np.array(uniq).reshape(len(uniq), len(self.names))
        self.lin_map = tuple(lin_map)
        h = hashlib.sha1()
        for arr in (self.M, self.MX, self.MY, self.a_re, self.a_im):
            h.update(np.ascontiguousarray(arr).tobytes())
        h.update(repr(self.names).encode())
        self._key = h.hexdigest()

    @property
    def n(self) -> int:
        return self.d * self.d

    @property
    def dense(self) -> bool:
        """Whether :func:`rhs` uses dense matrix products (d > UNROLL_DIM) or unrolled sums."""
        return self.d > UNROLL_DIM

    def __hash__(self) -> int:
        return hash(self._key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Structure) and other._key == self._key

    def __repr__(self) -> str:
        return f"Structure(d={self.d}, terms={self.names}, linear_nonzeros={len(self.lin)})"


@functools.lru_cache(maxsize=64)
def structure(osc: Oscillator) -> Structure:
    """The :class:`Structure` of an oscillator (cached per oscillator object)."""
    return Structure(osc)


# ------------------------------------------------------------------ parameters
class SharedRow(NamedTuple):
    """A coupling matrix whose rows are all equal, :math:`C_{st} = v_t` (one shared mean field).

    Used for more than ``UNROLL_GROUPS`` groups (a disordered group discretized into
    subgroups): the mean field is one weighted sum, O(G) per step instead of O(G^2).

    Attributes:
        v: the common row, (G, *batch).
    """

    v: Any


class MFParams(NamedTuple):
    """Numbers of a network in the batch-last layout.

    Attributes:
        coef: (n_terms, G, *batch) coefficient of each term (order of ``Structure.names``).
        Cr, Ci: (G, G, *batch) real and imaginary parts of the coupling matrix (``Ci`` is
            None when the coupling is real: one compilation per kind, no wasted work); or
            :class:`SharedRow` (the common row, (G, *batch)) when G > ``UNROLL_GROUPS`` and
            all rows of the coupling matrix are equal.
    """

    coef: Any
    Cr: Any
    Ci: Any


def params_from_model(model: Network, xp: Any = jnp) -> MFParams:
    """The arrays of a network (float64), batch axes moved last: (n_terms, G, *batch) etc."""
    G = model.G
    vals = []
    for name in structure(model.oscillator).names:
        if name == "detuning":
            v = model.detuning  # (*batch, G)
        else:
            v = np.broadcast_to(model.parameters[name][..., None], (*model.batch_shape, G))
        vals.append(np.moveaxis(v, -1, 0))
    coef = np.stack(vals).astype(np.float64)
    C = np.moveaxis(np.asarray(model.coupling), (-2, -1), (0, 1))  # (G, G, *batch), C[s, t]
    f = lambda a: xp.asarray(np.ascontiguousarray(a, dtype=np.float64))  # noqa: E731
    if G > UNROLL_GROUPS and np.array_equal(C, np.broadcast_to(C[:1], C.shape)):
        row = C[0]  # (G, *batch): every group feels the same weighted mean field
        ci = SharedRow(f(row.imag)) if model.is_complex else None
        return MFParams(f(coef), SharedRow(f(row.real)), ci)
    return MFParams(f(coef), f(C.real), f(C.imag) if model.is_complex else None)


def prepare(p: MFParams, st: Structure, omega: Any = 0.0) -> Any:
    """Combined linear coefficients in the frame rotating at ``omega`` (for :func:`rhs`).

    A tuple with one array per distinct combination (``Structure.W_unique``), of shape
    (G, *batch), or (1, *batch) where the combination is the same in every group. For a dense
    structure (``st.dense``) the term coefficients (n_terms, G, *batch).

    ``omega`` broadcasts against (G, *batch) (e.g. a scalar or shape (1, *batch)).
    """
    xp = np if isinstance(p.coef, np.ndarray) else jnp
    coef = p.coef
    if not (isinstance(omega, (int, float)) and omega == 0.0):
        coef = xp.concatenate([coef[:-1], (coef[-1] - omega)[None]], 0)
    if st.dense:
        return coef
    return _combine(st.W_unique, coef)


def _combine(W: np.ndarray, coef: Any) -> tuple[Any, ...]:
    """Distinct weighted sums of the coefficients, a tuple of arrays.

    A combination without the detuning (the last term) is the same in every group: it is kept
    with a group axis of length 1 (less memory traffic in the integration loop).
    """
    out = []
    for k in range(W.shape[0]):
        nz = np.nonzero(W[k])[0]
        per_group = W[k, -1] != 0.0
        out.append(sum(float(W[k, t]) * (coef[t] if per_group else coef[t][:1]) for t in nz))
    return tuple(out)


# ------------------------------------------------------------------ right-hand side
def expectation(Y: Any, st: Structure) -> tuple[Any, Any]:
    r"""Real and imaginary parts of :math:`\langle A\rangle` per group, each (G, *batch)."""
    if st.dense:
        xp = np if isinstance(Y, np.ndarray) else jnp
        return xp.tensordot(st.a_re, Y, 1), xp.tensordot(st.a_im, Y, 1)
    sr = sum(float(v) * Y[j] for j, v in enumerate(st.a_re) if v != 0.0)
    si = sum(float(v) * Y[j] for j, v in enumerate(st.a_im) if v != 0.0)
    zero = 0.0 * Y[0]
    return (zero + sr, zero + si)


def _field(Cr: Any, Ci: Any, sr: Any, si: Any) -> tuple[Any, Any]:
    # w_s = sum_t C[s, t] conj(<A>_t): wr = sum(Cr sr + Ci si), wi = sum(Ci sr - Cr si)
    G = sr.shape[0]
    xp = np if isinstance(sr, np.ndarray) else jnp
    if isinstance(Cr, SharedRow):  # one mean field for all groups: shapes (1, *batch)
        wr = xp.sum(Cr.v * sr, 0, keepdims=True)
        wi = -xp.sum(Cr.v * si, 0, keepdims=True)
        if Ci is not None:
            wr = wr + xp.sum(Ci.v * si, 0, keepdims=True)
            wi = wi + xp.sum(Ci.v * sr, 0, keepdims=True)
        return wr, wi
    if G <= UNROLL_GROUPS:
        wr = [sum(Cr[s, t] * sr[t] for t in range(G)) for s in range(G)]
        wi = [-sum(Cr[s, t] * si[t] for t in range(G)) for s in range(G)]
        if Ci is not None:
            wr = [wr[s] + sum(Ci[s, t] * si[t] for t in range(G)) for s in range(G)]
            wi = [wi[s] + sum(Ci[s, t] * sr[t] for t in range(G)) for s in range(G)]
        return xp.stack(wr), xp.stack(wi)
    wr = xp.einsum("st...,t...->s...", Cr, sr)
    wi = -xp.einsum("st...,t...->s...", Cr, si)
    if Ci is not None:
        wr = wr + xp.einsum("st...,t...->s...", Ci, si)
        wi = wi + xp.einsum("st...,t...->s...", Ci, sr)
    return wr, wi


def rhs(Y: Any, lc: Any, Cr: Any, Ci: Any, st: Structure) -> Any:
    """Generated right-hand side in real coordinates, batch-last.

    Args:
        Y: states, shape (d^2, G, *batch).
        lc: combined linear coefficients from :func:`prepare`.
        Cr, Ci: coupling matrix parts, shape (G, G, *batch); ``Ci`` is None for a real
            coupling matrix.
        st: the oscillator's :class:`Structure` (static).

    Returns:
        dY/dt with the shape of ``Y``.
    """
    xp = np if isinstance(Y, np.ndarray) else jnp
    sr, si = expectation(Y, st)
    wr, wi = _field(Cr, Ci, sr, si)
    if st.dense:
        out = wr * xp.tensordot(st.MX, Y, 1) + wi * xp.tensordot(st.MY, Y, 1)
        for t in range(st.M.shape[0]):
            out = out + lc[t] * xp.tensordot(st.M[t], Y, 1)
        return out
    rows: list[Any] = [None] * st.n
    for (i, j), (u, sign) in zip(st.lin, st.lin_map, strict=True):
        t = (lc[u] if sign > 0 else -lc[u]) * Y[j]
        rows[i] = t if rows[i] is None else rows[i] + t
    for M, w in ((st.MX, wr), (st.MY, wi)):
        for i in range(st.n):
            nz = np.nonzero(M[i])[0]
            if nz.size == 0:
                continue
            t = w * sum(float(M[i, j]) * Y[j] for j in nz)
            rows[i] = t if rows[i] is None else rows[i] + t
    zero = 0.0 * Y[0]
    return xp.stack([zero if r is None else r for r in rows], 0)


def rotate(Y: Any, theta: Any, st: Structure) -> Any:
    r"""Phase rotation :math:`e^{-i\theta N}\rho\, e^{i\theta N}` in real coordinates.

    :math:`\rho_{ij}\to e^{-i\theta(q_i - q_j)}\rho_{ij}`, so
    :math:`\langle A\rangle\to e^{i\theta}\langle A\rangle`. ``theta`` broadcasts against
    Y[0] (G, *batch); needs a diagonal detuning generator.
    """
    xp = np if isinstance(Y, np.ndarray) else jnp
    d = st.d
    rows = [Y[i] for i in range(d)]
    for k, dq in enumerate(st.pair_charge):
        c, s_ = xp.cos(theta * dq), xp.sin(theta * dq)
        re, im = Y[d + 2 * k], Y[d + 2 * k + 1]
        rows += [c * re + s_ * im, c * im - s_ * re]
    return xp.stack(rows, 0)


# ------------------------------------------------------------------ convenience
def meanfield_rhs(rho: Any, model: Network, omega: Any = 0.0) -> np.ndarray:
    r"""Time derivative :math:`\dot\rho_\sigma` for density matrices (NumPy evaluation).

    Args:
        rho: density matrices, shape (*batch, G, d, d), ``batch`` equal to the model's
            batch shape (or broadcastable to it).
        model: the network.
        omega: frame frequency (scalar or shape (*batch,)).

    Returns:
        complex array of shape (*batch, G, d, d).
    """
    st = structure(model.oscillator)
    p = params_from_model(model, xp=np)
    rho = np.asarray(rho, dtype=np.complex128)
    batch = model.batch_shape
    rho = np.broadcast_to(rho, (*batch, model.G, st.d, st.d))
    Y = np.moveaxis(to_real(rho), -1, 0)  # (n, *batch, G)
    Y = np.moveaxis(Y, -1, 1)  # (n, G, *batch)
    om = np.asarray(omega, dtype=np.float64)
    lc = prepare(p, st, om[None] if om.ndim else float(om))
    dY = rhs(Y, lc, p.Cr, p.Ci, st)
    dY = np.moveaxis(np.moveaxis(dY, 1, -1), 0, -1)  # (*batch, G, n)
    return from_real(dY)
