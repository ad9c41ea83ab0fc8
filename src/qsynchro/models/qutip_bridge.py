r"""QuTiP versions of our models, for one-line cross-checks (QuTiP is imported lazily).

>>> import qutip as qt
>>> from qsynchro import spin1
>>> from qsynchro.models.ensemble import Ensemble
>>> H, c_ops = ensemble_to_qutip(Ensemble(3, V=1.0, gamma_plus=0.5))
>>> rho = qt.steadystate(H, c_ops)          # the full 3^3-dimensional steady state
>>> H1, c1 = oscillator_to_qutip(spin1(), gamma_plus=0.5)

Conventions: both functions return ``(H, c_ops)`` for
:math:`\dot\rho = -i[H,\rho] + \sum_k \mathcal{D}[c_k]\rho`, the collapse operators being
:math:`\sqrt{r_k}L_k` (QuTiP's ``mesolve``/``steadystate`` convention, equal to ours,
:math:`\mathcal{D}[o]\rho = o\rho o^\dagger - \{o^\dagger o,\rho\}/2`).

Basis ordering against QuTiP's ``jmat``. Our spin-s levels are ``|k>``, ``k = 0..2s``,
with :math:`m = k - s` *increasing* (spin-1: ``|0>, |1>, |2>`` = m = -1, 0, +1, so
:math:`S^z = \mathrm{diag}(-1, 0, 1)`); ``qutip.jmat(s)`` orders m *decreasing*
(``jmat(1, 'z') = diag(1, 0, -1)``). The two are related by the reversal permutation
:math:`P_{kl} = \delta_{k, 2s - l}` (the anti-diagonal identity, :math:`P = P^{-1}`):

.. math::

    O_\mathrm{ours} = P\,O_\mathrm{qutip}\,P, \qquad\text{spin-1: }
    P = \begin{pmatrix}0&0&1\\0&1&0\\1&0&0\end{pmatrix},\quad
    S^+_\mathrm{ours} = P\,\mathtt{jmat(1, '+')}\,P = \sqrt2(|2\rangle\langle1|
    + |1\rangle\langle0|).

So QuTiP's basis state ``basis(3, 0)`` (m = +1) is our ``|2>``. The van der Pol Fock
basis is QuTiP's (``destroy(n_max + 1)``). The returned Qobj are in *our* basis; in the
tensor product, site ``i`` of group A is factor ``i`` and site ``j`` of group B is
factor ``N + j``.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from qsynchro._checks import check_int
from qsynchro.models.ensemble import Ensemble
from qsynchro.models.oscillator import Oscillator

__all__ = ["QutipModel", "ensemble_to_qutip", "oscillator_to_qutip", "reversal"]


class QutipModel(NamedTuple):
    """Hamiltonian and collapse operators as ``qutip.Qobj`` (unpacks as ``H, c_ops``)."""

    H: Any
    c_ops: list[Any]


def reversal(dim: int) -> np.ndarray:
    """The permutation ``P`` (dim, dim) with ``O_ours = P O_qutip P`` for ``qutip.jmat``."""
    return np.eye(check_int("dim", dim, minimum=1))[::-1].copy()


def oscillator_to_qutip(osc: Oscillator, **params: float) -> QutipModel:
    """One oscillator: ``H = sum_k c_k H_k`` and ``c_ops = [sqrt(r_k) L_k]`` as Qobj (d, d).

    Args:
        osc: the oscillator.
        **params: its coefficients and rates (scalars; missing ones take the defaults).
    """
    import qutip as qt

    if not isinstance(osc, Oscillator):
        raise TypeError(f"Argument `osc` must be an Oscillator, but got {type(osc).__name__}.")
    H, c_ops = osc.local_operators(params)
    d = osc.dim
    return QutipModel(qt.Qobj(H, dims=[[d], [d]]), [qt.Qobj(c, dims=[[d], [d]]) for c in c_ops])


def ensemble_to_qutip(ens: Ensemble, *, max_dim: int = 20000) -> QutipModel:
    r"""The full G N-site model of an :class:`Ensemble` as Qobj (brute force, small N only).

    :math:`H = \sum_{\sigma,i} H_{\sigma,i} + \frac VN\sum_\sigma\sum_{i<j}(A_iA_j^\dagger
    + \mathrm{h.c.}) + \frac{V_{AB}}N\sum_{i,j}(A_{A,i}A_{B,j}^\dagger + \mathrm{h.c.})`
    with the local Hamiltonian :math:`H_\sigma = d_\sigma N + \sum_k c_kH_k` and collapse
    operators :math:`\sqrt{r_k}L_{k;\sigma,i}` (rates > 0 only) on every site, plus
    :math:`\sqrt{\kappa/N}(A_i^\dagger - A_j^\dagger)` for every pair i < j of a group when
    ``ens.dissipative`` = :math:`\kappa` > 0.

    Args:
        ens: the ensemble.
        max_dim: largest Hilbert-space dimension :math:`d^{GN}` allowed (default 20000).

    Returns:
        ``(H, c_ops)``, Qobj of dimension :math:`d^{GN}` with dims ``[[d]*GN, [d]*GN]``.
    """
    import qutip as qt

    if not isinstance(ens, Ensemble):
        raise TypeError(f"Argument `ens` must be an Ensemble, but got {type(ens).__name__}.")
    d, N, G = ens.dim, ens.N, ens.G
    n = G * N
    if d**n > max_dim:
        raise ValueError(
            f"Argument `ens` has Hilbert-space dimension d^(G N) = {d}^{n} = {d**n}, but at "
            f"most `max_dim` = {max_dim} is allowed for the brute-force QuTiP model."
        )
    eye = qt.qeye(d)

    def site(op: np.ndarray, s: int) -> Any:
        ops = [eye] * n
        ops[s] = qt.Qobj(op, dims=[[d], [d]])
        return qt.tensor(ops)

    A = ens.oscillator.coupling_operator
    H = 0 * site(np.eye(d), 0)
    c_ops = []
    for g in range(G):
        Hg = ens.local_hamiltonian(g)
        for i in range(N):
            s = g * N + i
            H += site(Hg, s)
            c_ops += [math.sqrt(r) * site(L, s) for r, L in ens.jumps()]
    Aops = [site(A, s) for s in range(n)]
    for g in range(G):
        for i in range(N):
            for j in range(i + 1, N):
                t = Aops[g * N + i] * Aops[g * N + j].dag()
                H += ens.V / N * (t + t.dag())
    if ens.dissipative != 0.0:  # (kappa/N) sum_{i<j} D[A_i^dag - A_j^dag], literally
        for g in range(G):
            for i in range(N):
                for j in range(i + 1, N):
                    diff = Aops[g * N + i].dag() - Aops[g * N + j].dag()
                    c_ops.append(math.sqrt(ens.dissipative / N) * diff)
    if G == 2 and ens.V_AB != 0.0:
        for i in range(N):
            for j in range(N):
                t = ens.V_AB / N * Aops[i] * Aops[N + j].dag()
                H += t + t.dag()
    return QutipModel(H, c_ops)
