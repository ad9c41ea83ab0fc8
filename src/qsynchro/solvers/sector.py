r"""Sparse coherence sector of one U(1)-symmetric oscillator: onsets for large Fock spaces.

The onset of synchronization of a (disordered) group is decided in the sector of
:math:`\langle A\rangle` at the unsynchronized state (:mod:`qsynchro.solvers.disorder`):
:math:`\dot x = L_0 x + C^* R\,x` with :math:`R = -i\,b\,a^T` rank one,
:math:`b = [A^\dagger, \rho^*]`, :math:`a_{(ij)} = A_{ji}`. For van der Pol the sector is the
first off-diagonal, d - 1 numbers, and :math:`\rho^*` is diagonal, but the dense route
(:func:`~qsynchro.solvers.stability.coherence_block`) builds d^2 x d^2 objects. Here
:math:`L_0` is the restriction of the sparse Liouvillian (row-major vec,
:mod:`qsynchro.equations.lindblad`) to the sector's entries and :math:`\rho^*` comes from the
sparse steady state (:func:`~qsynchro.solvers.local.oscillator_steady_state`), so n_max of a
few hundred costs well under a second.

:func:`dissipative_growth_rate` is the largest growth rate of an identical group with the
mean-field dissipative coupling (local :math:`\kappa\mathcal{D}[A^\dagger]` plus
:math:`C = i\kappa/2`, :mod:`qsynchro.models.dissipative`). By the Lorentzian shift theorem a
group with Lorentzian disorder of half width w has the growth rates shifted by -w, so its
onset solves :math:`\lambda(\kappa_c) = w` and :math:`d\kappa_c/dw = 1/\lambda'(\kappa_c)`
(:func:`dissipative_onset`). The classical (Kuramoto) limit of this slope is derived in
``docs/networks.md``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.optimize
import scipy.sparse

from qsynchro.models.dissipative import COLLECTIVE_RATE, with_collective_decay
from qsynchro.models.oscillator import Oscillator
from qsynchro.solvers.local import oscillator_steady_state, sparse_liouvillian

__all__ = ["dissipative_growth_rate", "dissipative_onset", "sparse_sector"]


def sparse_sector(osc: Oscillator, **parameters: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""The sector block :math:`L_0` (detuning 0, no coupling) and the rank-one :math:`R`,
    each (m, m) complex, m the number of entries :math:`\rho_{ij}` with
    :math:`q_i - q_j = -1` (van der Pol: m = n_max, entries :math:`\rho_{n,n+1}`).

    Equal to :func:`~qsynchro.solvers.disorder.single_sector` (same ordering), without
    dense d^2 x d^2 objects.
    """
    vals = osc.resolve(parameters, where="sparse_sector")
    q = osc.charges
    if np.any(np.isnan(q)):
        raise ValueError(f"sparse_sector needs a U(1)-symmetric oscillator, but got {osc.name!r}.")
    d = osc.dim
    S = [(i, j) for i in range(d) for j in range(d) if abs(q[i] - q[j] + 1.0) < 1e-9]
    idx = np.array([i * d + j for i, j in S])
    L0 = sparse_liouvillian(osc, vals)[idx][:, idx].toarray()
    rho = oscillator_steady_state(osc, **{k: float(v) for k, v in vals.items()})
    A = osc.coupling_operator
    Ad = A.conj().T
    comm = Ad @ rho - rho @ Ad
    b = np.array([comm[i, j] for i, j in S])
    a = np.array([A[j, i] for i, j in S])
    return L0, -1j * np.outer(b, a)


def dissipative_growth_rate(osc: Oscillator, kappa: float, **parameters: Any) -> float:
    r"""Largest growth rate of an identical group with mean-field dissipative coupling
    :math:`\kappa` at its unsynchronized state: :math:`\max\mathrm{Re\,eig}(L_0(\kappa) +
    (i\kappa/2)^* R(\kappa))` (the local decay enters :math:`L_0` and :math:`\rho^*`)."""
    osc_k = with_collective_decay(osc)
    L0, R = sparse_sector(osc_k, **{**parameters, COLLECTIVE_RATE: float(kappa)})
    return float(np.max(np.linalg.eigvals(L0 + np.conj(0.5j * kappa) * R).real))


def dissipative_onset(
    osc: Oscillator,
    width: float = 0.0,
    *,
    kappa_max: float = 1e3,
    rel_step: float = 1e-4,
    **parameters: Any,
) -> tuple[float, float]:
    r"""Continuum onset :math:`\kappa_c(w)` for Lorentzian disorder of half width ``width``
    and the slope :math:`d\kappa_c/dw = 1/\lambda'(\kappa_c)` there (central difference with
    relative step ``rel_step``). ``(inf, nan)`` if no onset below ``kappa_max``."""

    def s(k: float) -> float:
        return dissipative_growth_rate(osc, k, **parameters) - width

    grid = np.geomspace(1e-4, kappa_max, 60)
    vals = [s(k) for k in grid]
    up = [i for i in range(1, grid.size) if vals[i - 1] <= 0 < vals[i]]
    if not up:
        return math.inf, math.nan
    i = up[0]
    kc = float(scipy.optimize.brentq(s, grid[i - 1], grid[i], xtol=1e-14, rtol=1e-13))
    h = rel_step * kc
    dl = (s(kc + h) - s(kc - h)) / (2 * h)
    return kc, 1.0 / dl
