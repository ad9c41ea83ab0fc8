r"""Synchronization measures of spin-1 oscillator groups (Nadolny & Bruder, Figs. 2-4).

Plain arrays in, plain arrays out. Conventions (also in ``docs/meanfield.md``):

* ``order_parameter_group``: time average of :math:`|\langle S^+\rangle_\sigma(t)|` over the
  sampling window (the paper's :math:`|\langle S^+\rangle|_t`, Fig. 2(b)).
* ``order_parameter`` (two or more groups): mean over groups of the per-group order
  parameters; it vanishes only when no group is synchronized (Fig. 4(b) caption: black
  where "synchronization is absent").
* ``global_order_parameter``: time average of :math:`|\sum_\sigma\langle S^+\rangle_\sigma/G|`.
* ``relative_phase``: :math:`\arg \overline{\langle S^+\rangle_A\langle S^+\rangle_B^*}` (window
  average): :math:`\arg\langle S^+\rangle_A - \arg\langle S^+\rangle_B` for a locked state
  (Fig. 4(c)) and its mean value for a phase-locked state whose relative phase oscillates;
  in (-pi, pi]; meaningful only when locked.
* ``classify``: 0 unsynchronized (every group's order parameter below ``amplitude_threshold``),
  2 fully synchronized (all groups above the threshold and phase-locked: the phase coherence
  :math:`|\langle e^{i(\phi_A-\phi_B)}\rangle_t|` of every pair at least ``lock_threshold``),
  1 partial otherwise (groups synchronized on their own, or only some groups synchronized).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "DEFAULT_AMPLITUDE_THRESHOLD",
    "DEFAULT_LOCK_THRESHOLD",
    "classify",
    "coherence_02",
    "global_order_parameter",
    "order_parameter",
    "order_parameter_group",
    "phase_coherence",
    "populations",
    "relative_phase",
]

#: per-group order parameter below which a group counts as unsynchronized
DEFAULT_AMPLITUDE_THRESHOLD = 1e-3
#: pairwise phase coherence above which two synchronized groups count as locked
DEFAULT_LOCK_THRESHOLD = 0.9


def order_parameter_group(s_plus: Any) -> np.ndarray:
    """Time average of |<S^+>_sigma|; s_plus of shape (..., G, n) -> (..., G)."""
    return np.mean(np.abs(np.asarray(s_plus)), axis=-1)


def order_parameter(s_plus: Any) -> np.ndarray:
    """Mean over groups of :func:`order_parameter_group`; (..., G, n) -> (...)."""
    return np.mean(order_parameter_group(s_plus), axis=-1)


def global_order_parameter(s_plus: Any) -> np.ndarray:
    """Time average of |mean_sigma <S^+>_sigma|; (..., G, n) -> (...)."""
    return np.mean(np.abs(np.mean(np.asarray(s_plus), axis=-2)), axis=-1)


def relative_phase(s_a: Any, s_b: Any) -> np.ndarray:
    """arg of the time average of <S^+>_A conj(<S^+>_B), in (-pi, pi]; (..., n) -> (...)."""
    return np.angle(np.mean(np.asarray(s_a) * np.conj(np.asarray(s_b)), axis=-1))


def phase_coherence(s_a: Any, s_b: Any) -> np.ndarray:
    """|time average of exp(i(phi_A - phi_B))|, in [0, 1]; NaN if an amplitude vanishes."""
    a = np.asarray(s_a)
    b = np.asarray(s_b)
    u = np.exp(1j * (np.angle(a) - np.angle(b)))  # robust for tiny (denormal) amplitudes
    zero = np.any((a == 0) | (b == 0), axis=-1)
    return np.where(zero, np.nan, np.abs(np.mean(u, axis=-1)))


def classify(
    s_plus: Any,
    *,
    amplitude_threshold: float = DEFAULT_AMPLITUDE_THRESHOLD,
    lock_threshold: float = DEFAULT_LOCK_THRESHOLD,
) -> np.ndarray:
    """Classification 0 unsynchronized / 1 partial / 2 full per point; (..., G, n) -> (...) int8."""
    s = np.asarray(s_plus)
    op = order_parameter_group(s)
    synced = op >= amplitude_threshold
    G = s.shape[-2]
    locked = np.ones(s.shape[:-2], dtype=bool)
    for a in range(G):
        for b in range(a + 1, G):
            pc = phase_coherence(s[..., a, :], s[..., b, :])
            locked &= np.nan_to_num(pc, nan=0.0) >= lock_threshold
    out = np.where(np.all(synced, -1) & locked, 2, np.where(np.any(synced, -1), 1, 0))
    return out.astype(np.int8)


def coherence_02(rho: Any) -> np.ndarray:
    """|<|0><2|>| = |rho[2, 0]| of each 3x3 density matrix; (..., 3, 3) -> (...)."""
    return np.abs(np.asarray(rho)[..., 2, 0])


def populations(rho: Any) -> np.ndarray:
    """Diagonal (p_0, p_1, p_2) of each density matrix; (..., 3, 3) -> (..., 3)."""
    return np.real(np.diagonal(np.asarray(rho), axis1=-2, axis2=-1))
