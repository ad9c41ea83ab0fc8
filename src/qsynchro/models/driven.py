r"""A single spin-1 limit-cycle oscillator under a weak external drive (Fig. 2(d)).

Nadolny & Bruder (PRL 131, 190402) explain the macroscopic interference blockade
with the phase response of *one* oscillator of Eq. (1) driven by an external
field (text around Fig. 2(d)). The paper does not write the drive down; our
choice is the mean field of Eq. (2) frozen at a fixed phase: in the frame
rotating with the drive (frequency :math:`\omega_z`, resonant by default),

.. math::

    H = \Delta S^z + K |2\rangle\langle 2|
        + \frac{\epsilon}{2}\left(e^{-i\phi_d} S^+ + e^{i\phi_d} S^-\right),

    \dot\rho = -i[H, \rho] + \gamma_+ \mathcal{D}[|1\rangle\langle 0|]\rho
               + \gamma_- \mathcal{D}[|1\rangle\langle 2|]\rho ,

with the standard dissipator :math:`\mathcal{D}[o]\rho = o\rho o^\dagger -
\{o^\dagger o, \rho\}/2` (below Eq. 1). The drive term equals the coupling
:math:`V(S^+\langle S^-\rangle + \mathrm{H.c.})` of Eq. (2) for a mean field
:math:`\langle S^+\rangle = \epsilon/(2V)\, e^{i\phi_d}`, so "phase 0" of the
oscillator (:math:`\arg\langle S^+\rangle = \phi_d`) means *in phase with the
mean field*. A global rotation :math:`e^{-i\chi S^z}` maps ``drive_phase`` to
``drive_phase + chi`` and rotates :math:`\langle S^+\rangle` by :math:`e^{i\chi}`.

Code names -> paper symbols: ``K`` = :math:`K`, ``gamma_plus`` = :math:`\gamma_+`,
``gamma_minus`` = :math:`\gamma_-`, ``epsilon`` = drive strength :math:`\epsilon`,
``detuning`` = :math:`\Delta` (oscillator minus drive frequency; the paper's
group A has :math:`\Delta = \delta/2`), ``drive_phase`` = :math:`\phi_d`.
Basis: ``|0>, |1>, |2>`` = :math:`m = -1, 0, +1` (``operators.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from qsynchro._checks import check_finite, check_nonnegative
from qsynchro.operators import ket_bra, spin_ops

__all__ = ["DrivenOscillator"]


def _real(name: str, value: ArrayLike, *, nonnegative: bool = False) -> np.ndarray:
    arr = check_nonnegative(name, value) if nonnegative else check_finite(name, value)
    if arr.dtype.kind == "c":
        raise TypeError(f"Argument `{name}` must be real, but got {value!r}.")
    return np.asarray(arr, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class DrivenOscillator:
    """One spin-1 oscillator of Eq. (1) with an external drive (see the module docstring).

    Every number may be an array; the batch shape is their broadcast shape.

    Args:
        K: level asymmetry :math:`K` (energy of ``|2>`` in the rotating frame).
        gamma_plus: gain rate :math:`\\gamma_+` of ``D[|1><0|]`` (>= 0).
        gamma_minus: loss rate :math:`\\gamma_-` of ``D[|1><2|]`` (>= 0).
        epsilon: drive strength :math:`\\epsilon` (>= 0); weak means
            ``epsilon << gamma_plus + gamma_minus``.
        detuning: oscillator frequency minus drive frequency, :math:`\\Delta`.
        drive_phase: drive phase :math:`\\phi_d` in radians.
    """

    K: ArrayLike = 0.0
    gamma_plus: ArrayLike = 1.0
    gamma_minus: ArrayLike = 1.0
    epsilon: ArrayLike = 0.1
    detuning: ArrayLike = 0.0
    drive_phase: ArrayLike = 0.0

    def __post_init__(self) -> None:
        vals = {
            "K": _real("K", self.K),
            "gamma_plus": _real("gamma_plus", self.gamma_plus, nonnegative=True),
            "gamma_minus": _real("gamma_minus", self.gamma_minus, nonnegative=True),
            "epsilon": _real("epsilon", self.epsilon, nonnegative=True),
            "detuning": _real("detuning", self.detuning),
            "drive_phase": _real("drive_phase", self.drive_phase),
        }
        try:
            np.broadcast_shapes(*(v.shape for v in vals.values()))
        except ValueError:
            shapes = {k: v.shape for k, v in vals.items()}
            raise ValueError(
                "Parameters of `DrivenOscillator` must broadcast together, "
                f"but got shapes {shapes}."
            ) from None
        for k, v in vals.items():
            object.__setattr__(self, k, v)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Broadcast shape of the parameters."""
        return np.broadcast_shapes(
            *(
                np.shape(getattr(self, k))
                for k in ("K", "gamma_plus", "gamma_minus", "epsilon", "detuning", "drive_phase")
            )
        )

    def hamiltonian(self) -> np.ndarray:
        r"""Hamiltonian in the drive frame, complex array of shape (*batch_shape, 3, 3)."""
        Sz, Sp, Sm = spin_ops(2)
        P2 = ket_bra(3, 2, 2)
        e = lambda a: np.asarray(a)[..., None, None]  # noqa: E731
        phase = np.exp(-1j * e(self.drive_phase))
        H = (
            e(self.detuning) * Sz
            + e(self.K) * P2
            + 0.5 * e(self.epsilon) * (phase * Sp + np.conj(phase) * Sm)
        )
        return np.broadcast_to(H, (*self.batch_shape, 3, 3)).astype(np.complex128)

    def jump_operators(self) -> tuple[np.ndarray, np.ndarray]:
        """Jump operators and rates: ``(c_ops (2, 3, 3), rates (*batch_shape, 2))``.

        ``c_ops[0] = |1><0|`` with rate ``gamma_plus``, ``c_ops[1] = |1><2|`` with
        rate ``gamma_minus`` (standard dissipator, Eq. 1).
        """
        c_ops = np.stack([ket_bra(3, 1, 0), ket_bra(3, 1, 2)])
        rates = np.stack(
            np.broadcast_arrays(
                np.broadcast_to(self.gamma_plus, self.batch_shape),
                np.broadcast_to(self.gamma_minus, self.batch_shape),
            ),
            axis=-1,
        )
        return c_ops, np.asarray(rates, dtype=np.float64)
