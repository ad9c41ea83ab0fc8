r"""Coherence measures next to S_max (Murtadho et al., PRL 131, 030401).

* l1-norm of coherence :math:`C_{l_1} = \sum_{i<j}|\rho_{ij}|` and the bound it gives,
  :math:`S_{\max}\le C_{l_1}/(2^D\pi^{D-2})` (each of the two ordered terms of a pair in
  Eq. 4 is at most :math:`|\rho_{ij}|`; the prefactor is :math:`1/(2^{D+1}\pi^{D-2})`).
  In scaled units :math:`(2\pi)^{D-2}S_{\max}\le C_{l_1}/4`.
* Entrainment contribution: the part of S_max carried by the coherences with the driven
  level ``|1>``, :math:`\frac14\sum_{j\ge2}|\rho_{1j}|` in scaled units (Fig. 3 caption;
  its sum starts at ``j = 1`` in print, but ``rho_11`` is a population) and
  :math:`(|\rho_{12}|+|\rho_{13}|)/(16\pi^2)` for N = 2 (Fig. 2 caption), i.e.
  :math:`\sum_{j\ge2}|\rho_{1j}|/(4(2\pi)^{D-2})` in the units of S_max.

Every function accepts a density matrix (NumPy, JAX, QuTiP), a structured maser state
(``block``, ``p_dark``, ``weights``) or a :class:`~qsynchro.models.maser.Maser` model;
the structured routes are O(N) and never form the dense matrix.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qsynchro._checks import check_density_matrix
from qsynchro.models.maser import Maser

__all__ = ["entrainment", "l1_bound", "l1_coherence"]


def _log_pref(D: int) -> float:
    """log of (2 pi)^{-(D-2)}: converts scaled units to S_max units."""
    return -(D - 2) * math.log(2.0 * math.pi)


def _structured(x: Any) -> Any | None:
    if isinstance(x, Maser):
        from qsynchro.solvers.maser_structured import structured_steady_state

        return structured_steady_state(x)
    if all(hasattr(x, k) for k in ("block", "p_dark", "weights")) and not isinstance(x, np.ndarray):
        return x
    return None


def _to_units(scaled_value: float, D: int, scaled: bool) -> float:
    if scaled or scaled_value == 0.0:
        return float(scaled_value)
    return math.exp(math.log(scaled_value) + _log_pref(D))


def l1_coherence(x: Any) -> float:
    r""":math:`C_{l_1} = \sum_{i<j}|\rho_{ij}|` (real >= 0).

    For the maser structure: :math:`|\rho_{1B}|\sum_j|w_j| + |\rho_{BB}-p_{\rm dark}|
    ((\sum_j|w_j|)^2-1)/2` (no coherence with ``|0>``).

    Args:
        x: density matrix (D, D), structured maser state or ``Maser`` model.
    """
    st = _structured(x)
    if st is not None:
        b = np.asarray(st.block)
        s = np.abs(np.asarray(st.weights))
        T = float(np.sum(s))
        c = abs(float(np.real(b[2, 2])) - float(st.p_dark))
        return float(
            abs(b[0, 1])
            + abs(b[0, 2]) * T
            + abs(b[1, 2]) * T
            + c * max(T * T - float(np.sum(s * s)), 0.0) / 2.0
        )
    rho = check_density_matrix("x", x)
    return float(np.sum(np.abs(np.triu(rho, 1))))


def l1_bound(x: Any, *, scaled: bool = False) -> float:
    r"""Upper bound on S_max from the l1 norm: :math:`C_{l_1}/(2^D\pi^{D-2})`.

    Args:
        x: density matrix (D, D), structured maser state or ``Maser`` model.
        scaled: return :math:`(2\pi)^{D-2}` times the bound, i.e. :math:`C_{l_1}/4`.
    """
    st = _structured(x)
    D = st.D if st is not None else check_density_matrix("x", x).shape[-1]
    return _to_units(l1_coherence(x) / 4.0, D, scaled)


def entrainment(x: Any, *, scaled: bool = False, level: int = 1) -> float:
    r"""Entrainment contribution :math:`\sum_{j\ne\ell,\,j\ge1}|\rho_{\ell j}|/(4(2\pi)^{D-2})`.

    With ``level = 1`` (the driven level |1>) and the maser basis this is
    :math:`\sum_{j=2}^{N+1}|\tilde\rho_{1j}|/(4(2\pi)^N)` (Fig. 2 and Fig. 3 captions);
    coherences with the ground state ``|0>`` are not counted (they vanish for the maser).

    Args:
        x: density matrix (D, D), structured maser state or ``Maser`` model.
        scaled: return :math:`\frac14\sum_j|\rho_{1j}|` (the paper's scaled units).
        level: index of the driven level in the matrix (default 1).
    """
    st = _structured(x)
    if st is not None:
        if level != 1:
            raise ValueError(f"Argument `level` must be 1 for a maser state, but got {level}.")
        tot = abs(complex(np.asarray(st.block)[1, 2])) * float(np.sum(np.abs(st.weights)))
        return _to_units(tot / 4.0, st.D, scaled)
    rho = check_density_matrix("x", x)
    D = rho.shape[-1]
    if not (isinstance(level, (int, np.integer)) and 0 <= level < D):
        raise ValueError(f"Argument `level` must be an integer in [0, {D - 1}], but got {level!r}.")
    row = np.abs(rho[level])
    mask = np.arange(D) > 0
    mask[level] = False
    return _to_units(float(np.sum(row[mask])) / 4.0, D, scaled)
