r"""Mean-field networks of groups of identical limit-cycle oscillators.

Nadolny & Bruder, PRL 131, 190402 (2023), Eq. 2, for any
:class:`~qsynchro.models.oscillator.Oscillator`: in the limit of many oscillators per group
(exact for :math:`N\to\infty`) every group :math:`\sigma` is one density matrix
:math:`\rho_\sigma` evolving under

.. math::

    \dot\rho_\sigma = -i\Big[\sum_k c_k H_k + d_\sigma N
        + \sum_\tau C_{\sigma\tau}\big(A\langle A^\dagger\rangle_\tau + \mathrm{h.c.}\big),
        \rho_\sigma\Big] + \sum_k r_k\mathcal{D}[L_k]\rho_\sigma .

For the paper's spin-1 oscillator (:func:`~qsynchro.models.oscillator.spin1`),
:math:`N = S^z`, :math:`A = S^+`, :math:`H = K|2\rangle\langle2|`, jumps
:math:`\gamma_+\mathcal{D}[|1\rangle\langle0|] + \gamma_-\mathcal{D}[|1\rangle\langle2|]`;
the two groups have :math:`d_{A,B} = \pm\delta/2`, :math:`C_{AA}=C_{BB}=V`,
:math:`C_{AB}=C_{BA}=V_{AB}`.

Code name -> paper symbol: ``detuning[..., sigma]`` -> :math:`\pm\delta/2`,
``coupling[..., sigma, tau]`` -> V (diagonal) / V_AB (off-diagonal), and the oscillator's
parameters (``K``, ``gamma_plus`` -> :math:`\gamma_+`, ``gamma_minus`` -> :math:`\gamma_-`).
The coupling matrix may be complex (a phase of the coupling) and non-symmetric
(nonreciprocal: ``C[A, B] != C[B, A]``; ``C[A, B] = 0`` means A does not feel B).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qsynchro._checks import check_finite, check_square
from qsynchro.models.oscillator import Oscillator, spin1

__all__ = ["Network"]


def _real(name: str, value: Any) -> np.ndarray:
    arr = check_finite(name, value)
    if arr.dtype.kind == "c":
        raise TypeError(f"Argument `{name}` must be real, but got {arr!r}.")
    return arr.astype(np.float64)


class Network:
    r"""G groups of identical oscillators, mean-field coupled (Eq. 2 for any oscillator).

    All numbers may carry leading batch dimensions (a batch of models is a sweep); they are
    broadcast together at construction. Instances are immutable.

    Args:
        oscillator: the oscillator of every group.
        detuning: :math:`d_\sigma`, coefficient of the detuning generator per group,
            shape (..., G).
        coupling: coupling matrix :math:`C_{\sigma\tau}`, real or complex, shape (..., G, G).
        **parameters: the oscillator's parameters (e.g. ``K``, ``gamma_plus``), shape (...);
            those not given take the oscillator's defaults.

    Attributes:
        G: number of groups (static).
        batch_shape: broadcast batch shape of all numbers.
        parameters: dict name -> array of shape ``batch_shape``.

    The oscillator's parameters are also attributes (``model.K``, ``model.gamma_plus``).
    """

    __slots__ = ("_frozen", "coupling", "detuning", "oscillator", "parameters")

    def __init__(
        self, oscillator: Oscillator, detuning: Any, coupling: Any, **parameters: Any
    ) -> None:
        if not isinstance(oscillator, Oscillator):
            raise TypeError(
                "Argument `oscillator` must be an Oscillator (e.g. qsynchro.spin1()), "
                f"but got {type(oscillator).__name__}."
            )
        det = _real("detuning", detuning)
        if det.ndim < 1 or det.shape[-1] < 1:
            raise ValueError(
                "Argument `detuning` must have a trailing group axis of length G >= 1, "
                f"but got an array of shape {det.shape}."
            )
        G = det.shape[-1]
        coup = check_square("coupling", check_finite("coupling", coupling))
        if coup.shape[-1] != G:
            raise ValueError(
                f"Argument `coupling` must have shape (..., {G}, {G}) to match `detuning` with "
                f"G = {G} groups, but got an array of shape {coup.shape}."
            )
        coup = coup.astype(np.complex128 if coup.dtype.kind == "c" else np.float64)
        if coup.dtype.kind == "c" and not np.any(coup.imag):
            coup = coup.real.copy()
        params = oscillator.resolve(parameters, where="network")
        try:
            batch = np.broadcast_shapes(
                det.shape[:-1], coup.shape[:-2], *(v.shape for v in params.values())
            )
        except ValueError:
            shapes = {k: v.shape for k, v in params.items()}
            raise ValueError(
                "Arguments `detuning` (..., G), `coupling` (..., G, G) and the parameters must "
                f"have broadcastable batch shapes, but got {det.shape[:-1]}, {coup.shape[:-2]}, "
                f"{shapes}."
            ) from None
        object.__setattr__(self, "oscillator", oscillator)
        object.__setattr__(self, "detuning", np.broadcast_to(det, (*batch, G)).copy())
        object.__setattr__(self, "coupling", np.broadcast_to(coup, (*batch, G, G)).copy())
        object.__setattr__(
            self, "parameters", {k: np.broadcast_to(v, batch).copy() for k, v in params.items()}
        )
        object.__setattr__(self, "_frozen", True)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Network is immutable; cannot set `{name}`.")

    def __getattr__(self, name: str) -> Any:
        if name != "parameters":
            try:
                return object.__getattribute__(self, "parameters")[name]
            except (KeyError, AttributeError):
                pass
        raise AttributeError(f"'Network' object has no attribute {name!r}")

    # ------------------------------------------------------------------ constructors
    @classmethod
    def two_groups(
        cls, delta: Any, K: Any, V: Any, V_AB: Any, gamma_plus: Any, gamma_minus: Any = 1.0
    ) -> Network:
        r"""The paper's two spin-1 groups A, B (Eq. 2): detunings :math:`\pm\delta/2`, V, V_AB.

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
        return cls(_SPIN1, det, coup, K=K, gamma_plus=gamma_plus, gamma_minus=gamma_minus)

    @classmethod
    def single_group(
        cls, K: Any, V: Any, gamma_plus: Any, gamma_minus: Any = 1.0, detuning: Any = 0.0
    ) -> Network:
        """One spin-1 group (G = 1) with intragroup coupling ``V``; shapes (...)."""
        V = _real("V", V)
        det = _real("detuning", detuning)
        shape = np.broadcast_shapes(V.shape, det.shape)
        return cls(
            _SPIN1,
            np.broadcast_to(det, shape)[..., None],
            np.broadcast_to(V, shape)[..., None, None],
            K=K,
            gamma_plus=gamma_plus,
            gamma_minus=gamma_minus,
        )

    # ------------------------------------------------------------------ properties
    @property
    def G(self) -> int:
        return int(self.detuning.shape[-1])

    @property
    def d(self) -> int:
        """Local dimension of the oscillator."""
        return self.oscillator.dim

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return tuple(self.detuning.shape[:-1])

    @property
    def u1_symmetric(self) -> bool:
        """True if the oscillator's U(1)-breaking terms (a drive) vanish at every batch point.

        Then locked states are fixed points in a rotating frame and the unsynchronized state
        carries no coherence.
        """
        return self.oscillator.u1_symmetric_at(self.parameters)

    @property
    def is_complex(self) -> bool:
        """True if the coupling matrix has an imaginary part."""
        return self.coupling.dtype.kind == "c"

    def replace(self, **changes: Any) -> Network:
        """A copy with some of ``oscillator``, ``detuning``, ``coupling`` or parameters changed."""
        kw: dict[str, Any] = {"detuning": self.detuning, "coupling": self.coupling}
        kw.update(self.parameters)
        osc = changes.pop("oscillator", self.oscillator)
        kw.update(changes)
        return Network(osc, kw.pop("detuning"), kw.pop("coupling"), **kw)

    def reshape(self, *shape: int) -> Network:
        """The same models with batch shape ``shape``."""
        G = self.G
        return Network(
            self.oscillator,
            self.detuning.reshape(*shape, G),
            self.coupling.reshape(*shape, G, G),
            **{k: v.reshape(shape) for k, v in self.parameters.items()},
        )

    def flat(self) -> Network:
        """The same models with a single flat batch axis of shape (B,)."""
        return self.reshape(int(np.prod(self.batch_shape, dtype=int)))

    def take(self, idx: Any) -> Network:
        """The models at positions ``idx`` of a flat batch (shape (B,))."""
        if len(self.batch_shape) != 1:
            raise ValueError(
                f"Network.take needs a flat batch (call .flat() first), but the batch shape is "
                f"{self.batch_shape}."
            )
        return Network(
            self.oscillator,
            self.detuning[idx],
            self.coupling[idx],
            **{k: v[idx] for k, v in self.parameters.items()},
        )

    def __repr__(self) -> str:
        return (
            f"Network({self.oscillator.name}, G={self.G}, batch_shape={self.batch_shape}"
            f"{', complex coupling' if self.is_complex else ''})"
        )


_SPIN1 = spin1()
