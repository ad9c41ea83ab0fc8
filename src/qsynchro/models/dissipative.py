r"""Dissipative (collective-decay) coupling in the mean-field limit.

All-to-all pairwise collective dissipation among N oscillators with the jump operator
:math:`L = A^\dagger` (the lowering partner of the coupling operator: spin-1 :math:`S^-`,
van der Pol :math:`a`),

.. math::

    \mathcal{D}_\mathrm{coll}\rho = \frac{\kappa}{N}\sum_{i<j}\mathcal{D}[L_i - L_j]\rho .

Mean-field limit (derivation in ``docs/networks.md``). Expanding
:math:`\mathcal{D}[L_i - L_j] = \mathcal{D}[L_i] + \mathcal{D}[L_j] - (L_i\rho L_j^\dagger
+ L_j\rho L_i^\dagger - \tfrac12\{L_i^\dagger L_j + L_j^\dagger L_i, \rho\})` and tracing
out every oscillator but :math:`i` in a product state, each of its N - 1 pairs gives

* the **local** dissipator :math:`\mathcal{D}[L]\rho_i`, and
* :math:`-\tfrac{\kappa}{2N}\big[\langle L_j\rangle^* L - \langle L_j\rangle L^\dagger,
  \rho_i\big]` (the anticommutator parts combine with the sandwich terms into a
  commutator): a Hamiltonian :math:`w A + w^* A^\dagger` with
  :math:`w = \tfrac{i\kappa}{2}\,\overline{\langle A\rangle^*}`.

So :math:`\dot\rho_i \supset \kappa\frac{N-1}{N}\big(\mathcal{D}[L]\rho_i
- i[\tfrac{i}{2}\bar\alpha^* A + \mathrm{h.c.}, \rho_i]\big)`: as N -> infinity a local decay
at rate :math:`\kappa` plus a coupling of **imaginary** coefficient :math:`C = i\kappa/2` to
the network's mean :math:`\langle A\rangle` (weighted by the group fractions). The exact
finite-N statement (product states) is tested in ``tests/physics/test_dissipative.py``.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from qsynchro._checks import check_finite, check_nonnegative
from qsynchro.models.network import Network
from qsynchro.models.oscillator import Oscillator

__all__ = ["COLLECTIVE_RATE", "with_collective_decay", "with_dissipative_coupling"]

#: the name of the local jump rate added by the dissipative coupling
COLLECTIVE_RATE = "kappa"


@functools.lru_cache(maxsize=32)
def with_collective_decay(oscillator: Oscillator) -> Oscillator:
    r"""The oscillator with one more jump, :math:`\kappa\,\mathcal{D}[A^\dagger]` (rate name
    ``"kappa"``, default 0)."""
    if COLLECTIVE_RATE in oscillator.parameters:
        return oscillator
    A = oscillator.coupling_operator
    return Oscillator(
        f"{oscillator.name}+collective_decay",
        hamiltonian=dict(oscillator.hamiltonian),
        jumps={**oscillator.jumps, COLLECTIVE_RATE: A.conj().T},
        detuning_generator=oscillator.detuning_generator,
        coupling_operator=A,
        defaults={**oscillator.defaults, COLLECTIVE_RATE: 0.0},
    )


def with_dissipative_coupling(network: Network, kappa: Any, fractions: Any = None) -> Network:
    r"""Add all-to-all collective decay of rate :math:`\kappa` to a network (mean field).

    Every oscillator gets the local jump :math:`\kappa\,\mathcal{D}[A^\dagger]` and
    :math:`C_{\sigma\tau} \to C_{\sigma\tau} + \tfrac{i\kappa}{2} f_\tau` (module doc).

    Args:
        network: the network (any oscillator, any batch shape).
        kappa: collective rate :math:`\kappa \ge 0`, shape (...) broadcastable to the batch.
        fractions: the fraction :math:`f_\tau` of all oscillators in group :math:`\tau`,
            shape (..., G), non-negative, summing to one; default equal (1/G). For a
            disordered group pass the discretization weights (or use the rows of its
            coupling matrix).

    Returns:
        a new :class:`~qsynchro.models.network.Network` (its oscillator has the extra rate
        ``kappa``).
    """
    G = network.G
    k = check_nonnegative("kappa", kappa).astype(np.float64)
    if fractions is None:
        f = np.full(G, 1.0 / G)
    else:
        f = check_finite("fractions", fractions)
        if f.dtype.kind == "c" or f.shape[-1:] != (G,):
            raise ValueError(
                f"Argument `fractions` must be real with a trailing axis of length G = {G}, "
                f"but got shape {f.shape}."
            )
        if np.any(f < 0) or np.max(np.abs(f.sum(-1) - 1.0)) > 1e-10:
            raise ValueError(
                "Argument `fractions` must be non-negative and sum to 1 over groups, but got "
                f"sums {np.unique(np.round(f.sum(-1), 12))}."
            )
    extra = 0.5j * k[..., None, None] * np.broadcast_to(f[..., None, :], (*f.shape[:-1], G, G))
    params = dict(network.parameters)
    params[COLLECTIVE_RATE] = params.get(COLLECTIVE_RATE, 0.0) + k
    return Network(
        with_collective_decay(network.oscillator),
        network.detuning,
        network.coupling + extra,
        **params,
    )
