r"""Finite ensembles of spin-1 oscillators beyond mean field (Nadolny & Bruder, Eq. 1).

:class:`Ensemble` holds the parameters of the full master equation, Eq. (1) of
Nadolny & Bruder, PRL 131, 190402 (2023), for ``G`` groups (1 or 2) of ``N``
identical three-level oscillators each:

.. math::

    H_0 = \sum_{\sigma,i} \pm\frac{\delta}{2} S^z_{\sigma,i} + K|2\rangle\langle2|_{\sigma,i},\qquad
    H_\mathrm{int} = \frac{V}{N}\sum_\sigma\sum_{i<j} S^+_{\sigma,i}S^-_{\sigma,j}
        + \frac{V_{AB}}{N}\sum_{i,j} S^+_{A,i}S^-_{B,j} + \mathrm{h.c.},

    \mathcal{L} = \sum_{\sigma,i}\gamma_+\mathcal{D}[|1\rangle\langle0|_{\sigma,i}]
        + \gamma_-\mathcal{D}[|1\rangle\langle2|_{\sigma,i}],

standard dissipator :math:`\mathcal{D}[o]\rho = o\rho o^\dagger - \{o^\dagger o,\rho\}/2`.
The sign of :math:`\delta/2` is + for group A and - for group B; with ``G = 1``
the single group has detuning :math:`+\delta/2` (a pure frame rotation).

Code name -> paper symbol: ``N`` -> N, ``delta`` -> :math:`\delta`, ``K`` -> K,
``V`` -> V, ``V_AB`` -> :math:`V_{AB}`, ``gamma_plus`` -> :math:`\gamma_+`,
``gamma_minus`` -> :math:`\gamma_-`. All numbers are scalars (no batch axes):
the exact method builds one sparse Liouvillian per model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qsynchro._checks import check_finite, check_int, check_nonnegative

__all__ = ["Ensemble"]


def _scalar(name: str, value: object, *, nonnegative: bool = False) -> float:
    arr = check_nonnegative(name, value) if nonnegative else check_finite(name, value)
    if arr.dtype.kind == "c":
        raise TypeError(f"Argument `{name}` must be real, but got {value!r}.")
    if arr.ndim != 0:
        raise ValueError(
            f"Argument `{name}` must be a scalar, but got an array of shape {arr.shape}."
        )
    return float(arr)


@dataclass(frozen=True)
class Ensemble:
    r"""``G`` groups of ``N`` identical spin-1 oscillators, full model of Eq. (1).

    Args:
        N: oscillators per group, :math:`N \ge 1`.
        V: intragroup coupling :math:`V` (Eq. 1 carries the factor :math:`V/N`).
        gamma_plus: gain rate :math:`\gamma_+ \ge 0` (:math:`|0\rangle\to|1\rangle`).
        gamma_minus: loss rate :math:`\gamma_- \ge 0` (:math:`|2\rangle\to|1\rangle`); default 1.
        K: level asymmetry (coefficient of :math:`|2\rangle\langle2|`); default 0.
        delta: detuning :math:`\delta` between the groups (group A gets
            :math:`+\delta/2 S^z`, group B :math:`-\delta/2 S^z`); default 0.
        V_AB: intergroup coupling :math:`V_{AB}` (only with ``G = 2``); default 0.
        G: number of groups, 1 or 2; default 1.
    """

    N: int
    V: float
    gamma_plus: float
    gamma_minus: float = 1.0
    K: float = 0.0
    delta: float = 0.0
    V_AB: float = 0.0
    G: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "N", check_int("N", self.N, minimum=1))
        object.__setattr__(self, "G", check_int("G", self.G, minimum=1, maximum=2))
        object.__setattr__(self, "V", _scalar("V", self.V))
        object.__setattr__(
            self, "gamma_plus", _scalar("gamma_plus", self.gamma_plus, nonnegative=True)
        )
        object.__setattr__(
            self, "gamma_minus", _scalar("gamma_minus", self.gamma_minus, nonnegative=True)
        )
        object.__setattr__(self, "K", _scalar("K", self.K))
        object.__setattr__(self, "delta", _scalar("delta", self.delta))
        object.__setattr__(self, "V_AB", _scalar("V_AB", self.V_AB))
        if self.G == 1 and self.V_AB != 0.0:
            raise ValueError(
                "Argument `V_AB` must be 0 for a single group (G = 1), but got "
                f"{self.V_AB!r}; pass G=2 for two coupled groups."
            )

    @property
    def detunings(self) -> tuple[float, ...]:
        r"""Coefficient of :math:`S^z` per group: :math:`(+\delta/2, -\delta/2)[:G]`."""
        return (self.delta / 2.0, -self.delta / 2.0)[: self.G]

    def coupling_matrix(self) -> np.ndarray:
        """Coupling matrix ``C`` of shape (G, G): V on the diagonal, V_AB off it."""
        C = np.full((self.G, self.G), self.V_AB)
        np.fill_diagonal(C, self.V)
        return C

    def replace(self, **changes: object) -> Ensemble:
        """A copy with some fields changed (validated again)."""
        fields = {f: getattr(self, f) for f in self.__dataclass_fields__}
        fields.update(changes)
        return Ensemble(**fields)  # type: ignore[arg-type]
