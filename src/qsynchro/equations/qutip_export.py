r"""``to_qutip(model)``: any linear qsynchro model as a QuTiP Hamiltonian and collapse operators.

So anyone can cross-check a result with QuTiP in one line::

    H, c_ops = qsynchro.to_qutip(model)
    rho = qutip.steadystate(H, c_ops)

* :class:`~qsynchro.models.oscillator.Oscillator`: one oscillator, ``H = sum_k c_k H_k``,
  ``c_ops = [sqrt(r_k) L_k]`` in our basis (spin-1: ``|0>, |1>, |2>`` = m = -1, 0, +1, the
  *reverse* of ``qutip.jmat(1)``'s order m = +1, 0, -1: ``O_ours = P O_qutip P`` with ``P``
  the reversal, :func:`qsynchro.models.qutip_bridge.reversal`; van der Pol: Fock states as
  ``qutip.destroy``).
* :class:`~qsynchro.models.ensemble.Ensemble`: the full N-oscillator model (small N).
* :class:`~qsynchro.models.maser.Maser`: the rotating-frame Hamiltonian of Eq. 8 and the
  jump operators of Eq. 7 as ``sqrt(2 Gamma) X`` (the paper's dissipator carries a factor 2).

A mean-field :class:`~qsynchro.models.network.Network` has no Hamiltonian (it is nonlinear):
build the corresponding finite ensemble with :class:`~qsynchro.models.ensemble.Ensemble`.
QuTiP is imported only inside the function (it is a test dependency, not a core one).
"""

from __future__ import annotations

import math
from typing import Any

from qsynchro._checks import reject_parameters, unsupported_model
from qsynchro.equations.maser import jump_operators, rotating_hamiltonian
from qsynchro.models.ensemble import Ensemble
from qsynchro.models.maser import Maser
from qsynchro.models.oscillator import Oscillator
from qsynchro.models.qutip_bridge import QutipModel, ensemble_to_qutip, oscillator_to_qutip

__all__ = ["to_qutip"]


def to_qutip(model: Any, **parameters: float) -> QutipModel:
    """``(H, c_ops)`` of an Oscillator, an Ensemble or a Maser as ``qutip.Qobj``.

    Args:
        model: the model.
        **parameters: an Oscillator's coefficients and rates (others: its defaults).
    """
    if isinstance(model, Oscillator):
        return oscillator_to_qutip(model, **parameters)
    reject_parameters("to_qutip", model, parameters)
    if isinstance(model, Ensemble):
        return ensemble_to_qutip(model)
    if isinstance(model, Maser):
        import qutip as qt

        D = model.D
        ops, rates = jump_operators(model)
        H = qt.Qobj(rotating_hamiltonian(model), dims=[[D], [D]])
        c_ops = [qt.Qobj(math.sqrt(2.0 * r) * o, dims=[[D], [D]]) for o, r in zip(ops, rates)]
        return QutipModel(H, c_ops)
    raise unsupported_model(
        "to_qutip",
        model,
        "Oscillator, Ensemble and Maser",
        hint="A mean-field Network is nonlinear: use Ensemble(N, ...) for a finite-N model.",
    )
