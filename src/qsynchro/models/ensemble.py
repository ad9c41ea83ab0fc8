r"""Finite ensembles of any oscillator beyond mean field (Nadolny & Bruder, Eq. 1, generalized).

:class:`Ensemble` holds the full master equation of ``G`` groups (1 or 2) of ``N``
identical oscillators each, one :class:`~qsynchro.models.oscillator.Oscillator`
(local dimension d) per site:

.. math::

    H = \sum_{\sigma,i} \Big(d_\sigma N_{\sigma,i} + \sum_k c_k H_{k;\sigma,i}\Big)
        + \frac{V}{N}\sum_\sigma\sum_{i<j} A_{\sigma,i}A^\dagger_{\sigma,j}
        + \frac{V_{AB}}{N}\sum_{i,j} A_{A,i}A^\dagger_{B,j} + \mathrm{h.c.},
    \qquad
    \mathcal{L} = \sum_{\sigma,i}\sum_k r_k\,\mathcal{D}[L_{k;\sigma,i}]
        + \frac{\kappa}{N}\sum_\sigma\sum_{i<j}\mathcal{D}[A^\dagger_{\sigma,i}
        - A^\dagger_{\sigma,j}],

with the oscillator's detuning generator :math:`N`, Hamiltonian terms :math:`H_k`
(coefficients :math:`c_k`), jumps :math:`L_k` (rates :math:`r_k`), coupling operator
:math:`A`, the all-to-all collective decay of rate :math:`\kappa` (``dissipative``; its
mean-field limit is :func:`~qsynchro.models.dissipative.with_dissipative_coupling`) and
:math:`\mathcal{D}[o]\rho = o\rho o^\dagger - \{o^\dagger o,\rho\}/2`.
Because the sum over :math:`i<j` plus its Hermitian conjugate is the sum over ordered
pairs, the coupling is :math:`\frac1N\sum_{p\ne q} C_{\sigma_p\sigma_q}A_pA_q^\dagger` with
the Hermitian coupling matrix :math:`C = [[V, V_{AB}], [V_{AB}^*, V]]`; its mean-field
limit is the network of :mod:`qsynchro.models.network` (group :math:`\sigma` feels
:math:`\sum_\tau C_{\sigma\tau} A\langle A^\dagger\rangle_\tau + \mathrm{h.c.}`).

With the default oscillator, :func:`~qsynchro.models.oscillator.spin1`, this is Eq. (1)
of Nadolny & Bruder, PRL 131, 190402 (2023): :math:`A = S^+`, :math:`N = S^z`, the
Hamiltonian term ``K`` (:math:`K|2\rangle\langle2|`) and the rates ``gamma_plus``
(:math:`\mathcal{D}[|1\rangle\langle0|]`) and ``gamma_minus``
(:math:`\mathcal{D}[|1\rangle\langle2|]`). ``delta`` is the paper's detuning between the
groups: group A gets :math:`d_A = +\delta/2`, group B :math:`d_B = -\delta/2`; with
``G = 1`` the single group has :math:`+\delta/2` (a pure frame rotation). ``detuning``
gives the coefficients :math:`d_\sigma` directly instead.

The model is **U(1) symmetric** (:attr:`Ensemble.u1_symmetric`) when, at the given
parameter values, the local Hamiltonian commutes with a diagonal :math:`N` and every jump
with a non-zero rate changes its charge by a definite amount; the exact solver then
splits into charge sectors. A drive breaks the symmetry: still correct, no splitting.

All numbers are scalars (no batch axes): the exact method builds one sparse Liouvillian
per model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from qsynchro._checks import check_finite, check_int
from qsynchro.models.oscillator import Oscillator, spin1

__all__ = ["Ensemble"]

#: the default oscillator: spin-1 with the defaults of today's ``Ensemble`` (shared, so that
#: caches keyed by the oscillator hit across ensembles)
_SPIN1 = spin1(gamma_plus=0.5, gamma_minus=1.0, K=0.0)
_FIELDS = ("N", "V", "G", "V_AB", "delta", "detuning", "oscillator", "dissipative")


def _scalar(name: str, value: object, *, complex_ok: bool = False) -> float | complex:
    arr = check_finite(name, value)
    if arr.ndim != 0:
        raise ValueError(
            f"Argument `{name}` must be a scalar, but got an array of shape {arr.shape}."
        )
    if arr.dtype.kind == "c":
        if not complex_ok:
            raise TypeError(f"Argument `{name}` must be real, but got {value!r}.")
        z = complex(arr)
        return z if z.imag != 0.0 else z.real
    return float(arr)


class Ensemble:
    r"""``G`` groups of ``N`` identical oscillators, the full master equation (module docstring).

    Args:
        N: oscillators per group, :math:`N \ge 1`.
        V: intragroup coupling :math:`V` (real; the Hamiltonian carries :math:`V/N`).
        oscillator: the oscillator on every site (default: spin-1 of Nadolny & Bruder).
        G: number of groups, 1 or 2; default 1.
        V_AB: intergroup coupling :math:`V_{AB}` (only with ``G = 2``; may be complex, the
            phase of the coupling); default 0.
        delta: detuning between the groups: coefficients :math:`(+\delta/2, -\delta/2)` of
            the detuning generator; default 0.
        detuning: the coefficient of the detuning generator per group, shape (G,), instead
            of ``delta``.
        dissipative: rate :math:`\kappa \ge 0` of the collective decay
            :math:`(\kappa/N)\sum_{i<j}\mathcal{D}[A_i^\dagger - A_j^\dagger]` within each
            group (dissipative coupling); default 0.
        **parameters: the oscillator's coefficients and rates (for spin-1 ``gamma_plus``,
            ``gamma_minus``, ``K``); missing ones take the oscillator's defaults.

    Attributes:
        parameters: every coefficient and rate of the oscillator, name -> float.
        dim: local dimension d. Parameter names are also attributes (``ens.gamma_plus``).
    """

    __slots__ = (
        "G",
        "N",
        "V",
        "V_AB",
        "_level_charges",
        "_osc_key",
        "delta",
        "detuning",
        "dissipative",
        "oscillator",
        "parameters",
    )

    def __init__(
        self,
        N: int,
        V: float,
        *,
        oscillator: Oscillator | None = None,
        G: int = 1,
        V_AB: complex = 0.0,
        delta: float = 0.0,
        detuning: Sequence[float] | None = None,
        dissipative: float = 0.0,
        **parameters: Any,
    ) -> None:
        osc = _SPIN1 if oscillator is None else oscillator
        if not isinstance(osc, Oscillator):
            raise TypeError(
                f"Argument `oscillator` must be an Oscillator (e.g. qsynchro.spin1()), "
                f"but got {type(osc).__name__}."
            )
        clash = sorted(set(osc.parameters) & {*_FIELDS, "parameters", "dim"})
        if clash:
            raise ValueError(
                f"The {osc.name!r} oscillator's parameter(s) {clash} clash with Ensemble "
                f"arguments; rename them (Ensemble arguments: {list(_FIELDS)})."
            )
        set_ = object.__setattr__
        set_(self, "oscillator", osc)
        set_(self, "_osc_key", _structure(osc))
        set_(self, "N", check_int("N", N, minimum=1))
        set_(self, "G", check_int("G", G, minimum=1, maximum=2))
        set_(self, "V", _scalar("V", V))
        set_(self, "V_AB", _scalar("V_AB", V_AB, complex_ok=True))
        set_(self, "delta", _scalar("delta", delta))
        kap = _scalar("dissipative", dissipative)
        if kap < 0:
            raise ValueError(f"Argument `dissipative` must be non-negative, but got {kap!r}.")
        set_(self, "dissipative", kap)
        if self.G == 1 and self.V_AB != 0.0:
            raise ValueError(
                "Argument `V_AB` must be 0 for a single group (G = 1), but got "
                f"{self.V_AB!r}; pass G=2 for two coupled groups."
            )
        if detuning is not None:
            det = np.atleast_1d(check_finite("detuning", detuning))
            if det.dtype.kind == "c" or det.shape != (self.G,):
                raise ValueError(
                    f"Argument `detuning` must be {self.G} real number(s), one per group, "
                    f"but got {detuning!r}."
                )
            if self.delta != 0.0:
                raise ValueError(
                    f"Arguments `delta` ({self.delta!r}) and `detuning` exclude each other; "
                    "give one of them."
                )
            detuning = tuple(float(x) for x in det)
        set_(self, "detuning", detuning)
        values = osc.resolve(parameters, where="Ensemble")
        for k, v in values.items():
            if v.ndim:
                raise ValueError(
                    f"Argument `{k}` must be a scalar, but got an array of shape {v.shape}."
                )
        set_(self, "parameters", {k: float(v) for k, v in values.items()})
        set_(self, "_level_charges", self._find_level_charges())

    # ------------------------------------------------------------------ value semantics
    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Ensemble is immutable; use ens.replace({name}=...).")

    def __getattr__(self, name: str) -> float:
        if not name.startswith("_"):
            try:
                return object.__getattribute__(self, "parameters")[name]
            except (KeyError, AttributeError):
                pass
        raise AttributeError(f"'Ensemble' object has no attribute {name!r}")

    def _key(self) -> tuple[Any, ...]:
        return (
            self.N,
            self.V,
            self.G,
            self.V_AB,
            self.detunings,
            self._osc_key,
            tuple(sorted(self.parameters.items())),
            self.dissipative,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ensemble) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        det = f"detuning={self.detuning}" if self.detuning is not None else f"delta={self.delta}"
        par = ", ".join(f"{k}={v!r}" for k, v in self.parameters.items())
        if self.dissipative:
            par += f", dissipative={self.dissipative!r}"
        return (
            f"Ensemble(N={self.N}, V={self.V!r}, G={self.G}, V_AB={self.V_AB!r}, {det}, "
            f"oscillator={self.oscillator.name!r}, {par})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self._fields(),))

    def _fields(self) -> dict[str, Any]:
        return {**{f: getattr(self, f) for f in _FIELDS}, **self.parameters}

    def replace(self, **changes: Any) -> Ensemble:
        """A copy with some fields or parameters changed (validated again)."""
        fields = self._fields()
        if "detuning" in changes and changes["detuning"] is not None:
            fields["delta"] = 0.0
        elif "delta" in changes:
            fields["detuning"] = None
        fields.update(changes)
        return _rebuild(fields)

    # ------------------------------------------------------------------ model
    @property
    def dim(self) -> int:
        return self.oscillator.dim

    @property
    def detunings(self) -> tuple[float, ...]:
        r"""Coefficient of the detuning generator per group: ``detuning`` or
        :math:`(+\delta/2, -\delta/2)[:G]`."""
        if self.detuning is not None:
            return self.detuning
        return (self.delta / 2.0, -self.delta / 2.0)[: self.G]

    def coupling_matrix(self) -> np.ndarray:
        """Hermitian coupling matrix ``C`` of shape (G, G): V on the diagonal, V_AB off it.

        Real (float64) unless ``V_AB`` is complex.
        """
        C = np.full((self.G, self.G), self.V_AB)
        np.fill_diagonal(C, self.V)
        if self.G == 2:
            C[1, 0] = np.conj(self.V_AB)
        return C

    def local_hamiltonian(self, g: int = 0) -> np.ndarray:
        r"""Single-site Hamiltonian of group ``g``: :math:`d_g N + \sum_k c_k H_k`, (d, d)."""
        osc = self.oscillator
        H = self.detunings[g] * osc.detuning_generator
        for k, h in osc.hamiltonian.items():
            if self.parameters[k] != 0.0:
                H = H + self.parameters[k] * h
        return np.asarray(H, dtype=np.complex128)

    def jumps(self) -> list[tuple[float, np.ndarray]]:
        """``(rate, L)`` for every jump with a non-zero rate, L of shape (d, d)."""
        return [
            (self.parameters[k], L)
            for k, L in self.oscillator.jumps.items()
            if self.parameters[k] != 0.0
        ]

    @property
    def level_charges(self) -> tuple[int, ...] | None:
        """Integer charge of each level (relative to level 0) if U(1) symmetric, else None."""
        return self._level_charges

    def _find_level_charges(self) -> tuple[int, ...] | None:
        osc = self.oscillator
        q = osc.charges
        if np.any(np.isnan(q)):
            return None
        rel = q - q[0]
        if np.max(np.abs(rel - np.round(rel))) > 1e-9:
            return None
        Nop = osc.detuning_generator
        for g in range(self.G):
            H = self.local_hamiltonian(g)
            if np.max(np.abs(Nop @ H - H @ Nop)) > 1e-10 * max(1.0, np.max(np.abs(H))):
                return None
        for _, L in self.jumps():
            i, j = np.nonzero(np.abs(L) > 1e-14)
            if i.size and np.ptp(rel[i] - rel[j]) > 1e-9:
                return None
        return tuple(int(x) for x in np.round(rel))

    @property
    def u1_symmetric(self) -> bool:
        """True if the model conserves the total charge of the detuning generator."""
        return self.level_charges is not None


def _structure(osc: Oscillator) -> tuple[Any, ...]:
    """A hashable key of the oscillator's operators (equal oscillators, equal keys)."""

    def op(a: np.ndarray) -> tuple[tuple[int, ...], bytes]:
        return a.shape, np.ascontiguousarray(a, dtype=np.complex128).tobytes()

    return (
        osc.name,
        tuple((k, op(h)) for k, h in osc.hamiltonian.items()),
        tuple((k, op(L)) for k, L in osc.jumps.items()),
        op(osc.detuning_generator),
        op(osc.coupling_operator),
    )


def _rebuild(fields: Mapping[str, Any]) -> Ensemble:
    f = dict(fields)
    return Ensemble(f.pop("N"), f.pop("V"), **f)
