r"""Networks of all-to-all coupled spin-1 limit-cycle oscillators.

Nadolny & Bruder, PRL 131, 190402 (2023).

In the mean-field limit (exact for :math:`N\to\infty`, Eq. 2 of the paper) every
group :math:`\sigma` of identical oscillators is described by one 3x3 density matrix
:math:`\rho_\sigma` that evolves under

.. math::

    \dot\rho_\sigma = -i\Big[d_\sigma S^z + K|2\rangle\langle2|
        + \sum_\tau C_{\sigma\tau}\big(S^+\langle S^-\rangle_\tau + \mathrm{h.c.}\big),
        \rho_\sigma\Big] + \gamma_+\mathcal{D}[|1\rangle\langle0|]\rho_\sigma
        + \gamma_-\mathcal{D}[|1\rangle\langle2|]\rho_\sigma ,

with the standard dissipator :math:`\mathcal{D}[o]\rho = o\rho o^\dagger - \{o^\dagger o,\rho\}/2`.
For the paper's two groups, :math:`d_{A,B} = \pm\delta/2`, :math:`C_{AA}=C_{BB}=V` and
:math:`C_{AB}=C_{BA}=V_{AB}`.

Code name -> paper symbol: ``detuning[..., sigma]`` -> :math:`\pm\delta/2`, ``K`` -> K,
``coupling[..., sigma, tau]`` -> V (diagonal) / V_AB (off-diagonal), ``gamma_plus`` ->
:math:`\gamma_+`, ``gamma_minus`` -> :math:`\gamma_-`. Units: :math:`\gamma_- = 1` unless stated.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qsynchro._checks import check_finite, check_nonnegative, check_square

__all__ = ["Network"]


def _real(name: str, value: Any) -> np.ndarray:
    arr = check_finite(name, value)
    if arr.dtype.kind == "c":
        raise TypeError(f"Argument `{name}` must be real, but got {arr!r}.")
    return arr.astype(np.float64)


@dataclass(frozen=True, eq=False)
class Network:
    r"""G groups of identical spin-1 oscillators, mean-field coupled (paper Eq. 2).

    All numbers may carry leading batch dimensions (a batch of models is a sweep);
    they are broadcast together at construction.

    Args:
        detuning: :math:`d_\sigma`, coefficient of :math:`S^z` per group, shape (..., G).
        K: level asymmetry :math:`K` (coefficient of :math:`|2\rangle\langle2|`), shape (...).
        coupling: real symmetric coupling matrix :math:`C_{\sigma\tau}` (V on the
            diagonal, V_AB off the diagonal), shape (..., G, G).
        gamma_plus: gain rate :math:`\gamma_+ \ge 0` (|0> -> |1>), shape (...).
        gamma_minus: loss rate :math:`\gamma_- \ge 0` (|2> -> |1>), shape (...); default 1.

    Attributes:
        G: number of groups (static).
        batch_shape: broadcast batch shape of all numbers.
    """

    detuning: np.ndarray
    K: np.ndarray
    coupling: np.ndarray
    gamma_plus: np.ndarray
    gamma_minus: np.ndarray = 1.0  # type: ignore[assignment]

    def __post_init__(self) -> None:
        det = _real("detuning", self.detuning)
        if det.ndim < 1 or det.shape[-1] < 1:
            raise ValueError(
                "Argument `detuning` must have a trailing group axis of length G >= 1, "
                f"but got an array of shape {det.shape}."
            )
        G = det.shape[-1]
        coup = check_square("coupling", _real("coupling", self.coupling))
        if coup.shape[-1] != G:
            raise ValueError(
                f"Argument `coupling` must have shape (..., {G}, {G}) to match `detuning` with "
                f"G = {G} groups, but got an array of shape {coup.shape}."
            )
        asym = np.max(np.abs(coup - np.swapaxes(coup, -1, -2))) if coup.size else 0.0
        if asym > 1e-12 * max(1.0, float(np.max(np.abs(coup)))):
            raise ValueError(
                "Argument `coupling` must be a symmetric matrix, but got one with "
                f"max |C - C^T| = {asym:.3g}."
            )
        K = _real("K", self.K)
        gp = check_nonnegative("gamma_plus", _real("gamma_plus", self.gamma_plus))
        gm = check_nonnegative("gamma_minus", _real("gamma_minus", self.gamma_minus))
        try:
            batch = np.broadcast_shapes(
                det.shape[:-1], coup.shape[:-2], K.shape, gp.shape, gm.shape
            )
        except ValueError:
            raise ValueError(
                "Arguments `detuning` (..., G), `K`, `coupling` (..., G, G), `gamma_plus` and "
                "`gamma_minus` must have broadcastable batch shapes, but got "
                f"{det.shape[:-1]}, {K.shape}, {coup.shape[:-2]}, {gp.shape}, {gm.shape}."
            ) from None
        object.__setattr__(self, "detuning", np.broadcast_to(det, (*batch, G)).copy())
        object.__setattr__(self, "coupling", np.broadcast_to(coup, (*batch, G, G)).copy())
        object.__setattr__(self, "K", np.broadcast_to(K, batch).copy())
        object.__setattr__(self, "gamma_plus", np.broadcast_to(gp, batch).copy())
        object.__setattr__(self, "gamma_minus", np.broadcast_to(gm, batch).copy())

    # ------------------------------------------------------------------ constructors
    @classmethod
    def two_groups(
        cls, delta: Any, K: Any, V: Any, V_AB: Any, gamma_plus: Any, gamma_minus: Any = 1.0
    ) -> Network:
        r"""The paper's two groups A, B (Eq. 2): detunings :math:`\pm\delta/2`, couplings V, V_AB.

        Args:
            delta: detuning :math:`\delta` between the groups, shape (...).
            K: level asymmetry, shape (...).
            V: intragroup coupling, shape (...).
            V_AB: intergroup coupling, shape (...).
            gamma_plus: gain rate, shape (...).
            gamma_minus: loss rate, shape (...); default 1.
        """
        delta = _real("delta", delta)
        V = _real("V", V)
        V_AB = _real("V_AB", V_AB)
        try:
            shape = np.broadcast_shapes(delta.shape, V.shape, V_AB.shape)
        except ValueError:
            raise ValueError(
                "Arguments `delta`, `V` and `V_AB` must have broadcastable shapes, but got "
                f"{delta.shape}, {V.shape}, {V_AB.shape}."
            ) from None
        delta, V, V_AB = (np.broadcast_to(x, shape) for x in (delta, V, V_AB))
        det = np.stack([delta / 2.0, -delta / 2.0], axis=-1)
        coup = np.stack([np.stack([V, V_AB], -1), np.stack([V_AB, V], -1)], -2)
        return cls(det, K, coup, gamma_plus, gamma_minus)

    @classmethod
    def single_group(
        cls, K: Any, V: Any, gamma_plus: Any, gamma_minus: Any = 1.0, detuning: Any = 0.0
    ) -> Network:
        """One group (G = 1) with intragroup coupling ``V``; shapes (...)."""
        V = _real("V", V)
        det = _real("detuning", detuning)
        shape = np.broadcast_shapes(V.shape, det.shape)
        return cls(
            np.broadcast_to(det, shape)[..., None],
            K,
            np.broadcast_to(V, shape)[..., None, None],
            gamma_plus,
            gamma_minus,
        )

    # ------------------------------------------------------------------ properties
    @property
    def G(self) -> int:
        return int(self.detuning.shape[-1])

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return tuple(self.K.shape)

    def reshape(self, *shape: int) -> Network:
        """The same models with batch shape ``shape``."""
        G = self.G
        return Network(
            self.detuning.reshape(*shape, G),
            self.K.reshape(shape),
            self.coupling.reshape(*shape, G, G),
            self.gamma_plus.reshape(shape),
            self.gamma_minus.reshape(shape),
        )

    def flat(self) -> Network:
        """The same models with a single flat batch axis of shape (B,)."""
        return self.reshape(int(np.prod(self.batch_shape, dtype=int)))

    def __repr__(self) -> str:
        return f"Network(G={self.G}, batch_shape={self.batch_shape})"
