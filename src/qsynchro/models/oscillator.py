r"""The oscillator protocol: one few-level limit-cycle oscillator, described by operators.

An :class:`Oscillator` is everything an engine needs to know about one oscillator:

* ``hamiltonian``: named Hamiltonian terms, coefficient name -> Hermitian operator
  :math:`H_k`; the local Hamiltonian is :math:`\sum_k c_k H_k`.
* ``jumps``: named jump operators, rate name -> operator :math:`L_k`; the local dissipator
  is :math:`\sum_k r_k \mathcal{D}[L_k]` with the standard
  :math:`\mathcal{D}[o]\rho = o\rho o^\dagger - \{o^\dagger o,\rho\}/2` (rates must be
  non-negative).
* ``detuning_generator`` :math:`N`: the operator whose coefficient is an oscillator's
  detuning in a network (group :math:`\sigma` gets :math:`d_\sigma N`).
* ``coupling_operator`` :math:`A`: group :math:`\sigma` of a mean-field network feels
  :math:`\sum_\tau C_{\sigma\tau}\,A\,\langle A^\dagger\rangle_\tau + \mathrm{h.c.}`
  (Nadolny & Bruder, Eq. 2, with :math:`A = S^+`). :math:`|\langle A\rangle|` is the order
  parameter. :math:`[N, A] = A` is required, so that a detuning ``d`` makes
  :math:`\langle A\rangle \sim e^{+i d t}` and a frame rotating at :math:`\omega` is
  ``d -> d - omega``.
* ``defaults``: default values of the coefficients and rates (a name without a default must
  be given wherever the oscillator is used).

Operators may be NumPy arrays or QuTiP ``Qobj``. Everything is validated at construction.

The oscillator is **U(1) symmetric** (:attr:`Oscillator.u1_symmetric`) when every
Hamiltonian term commutes with :math:`N` and every jump operator changes the charge of
:math:`N` by a fixed amount; then locked states are fixed points in a rotating frame and
finite-N solvers split into charge sectors. A coherent drive breaks it; such an oscillator
still runs through every engine, with frequencies measured in the frame of the drive.

Built-ins: :func:`spin1` (Nadolny & Bruder) and :func:`van_der_pol`.
"""

from __future__ import annotations

import keyword
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qsynchro._checks import check_finite, check_int, check_nonnegative
from qsynchro.operators import ket_bra, spin_ops

__all__ = ["Oscillator", "TruncationWarning", "spin1", "van_der_pol", "warn_truncation"]

#: population of |n_max> above which a truncated Fock space warns
TRUNCATION_TOLERANCE = 1e-6

#: names an oscillator's coefficients may not use (they are network or engine names)
RESERVED = frozenset({"detuning", "coupling", "omega", "model", "oscillator"})


class TruncationWarning(UserWarning):
    """A truncated Fock space holds non-negligible population in its highest level."""


def _operator(name: str, op: Any, dim: int | None = None) -> np.ndarray:
    if hasattr(op, "full") and callable(op.full):  # a QuTiP Qobj
        op = op.full()
    arr = check_finite(name, op)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] < 2:
        raise ValueError(
            f"Argument `{name}` must be a square operator of dimension >= 2, "
            f"but got an array of shape {arr.shape}."
        )
    if dim is not None and arr.shape[0] != dim:
        raise ValueError(
            f"Argument `{name}` must have shape ({dim}, {dim}) like the other operators, "
            f"but got {arr.shape}."
        )
    return np.array(arr, dtype=np.complex128)


def _hermitian(name: str, op: np.ndarray) -> None:
    err = float(np.max(np.abs(op - op.conj().T)))
    if err > 1e-12 * max(1.0, float(np.max(np.abs(op)))):
        raise ValueError(
            f"Argument `{name}` must be Hermitian, but got max |O - O^dag| = {err:.3g}."
        )


def _name(kind: str, name: Any) -> str:
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"{kind} names must be Python identifiers, but got {name!r}.")
    if name in RESERVED:
        raise ValueError(
            f"{kind} name {name!r} is reserved; reserved names are {sorted(RESERVED)}."
        )
    return name


def _comm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a @ b - b @ a


@dataclass(frozen=True, eq=False)
class Oscillator:
    r"""One few-level limit-cycle oscillator (see the module docstring).

    Args:
        name: a short name used in reprs and provenance.
        hamiltonian: coefficient name -> Hermitian operator (d, d).
        jumps: rate name -> jump operator (d, d).
        detuning_generator: Hermitian operator N (d, d), the generator of detunings.
        coupling_operator: operator A (d, d) with [N, A] = A; the order parameter is |<A>|.
        defaults: default value of each coefficient or rate (rates >= 0).

    Attributes:
        dim: local dimension d.
        parameters: all coefficient and rate names, Hamiltonian terms first.
    """

    name: str
    hamiltonian: Mapping[str, Any]
    jumps: Mapping[str, Any]
    detuning_generator: Any
    coupling_operator: Any
    defaults: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"Argument `name` must be a non-empty string, but got {self.name!r}.")
        N = _operator("detuning_generator", self.detuning_generator)
        _hermitian("detuning_generator", N)
        d = N.shape[0]
        A = _operator("coupling_operator", self.coupling_operator, d)
        if not np.any(A):
            raise ValueError("Argument `coupling_operator` must be nonzero, but got all zeros.")
        err = float(np.max(np.abs(_comm(N, A) - A)))
        if err > 1e-10 * max(1.0, float(np.max(np.abs(A)))):
            raise ValueError(
                "Argument `coupling_operator` A must raise the charge of `detuning_generator` N "
                f"by one ([N, A] = A), but got max |[N, A] - A| = {err:.3g}."
            )
        H = {}
        for k, op in dict(self.hamiltonian).items():
            H[_name("Hamiltonian term", k)] = _operator(f"hamiltonian[{k!r}]", op, d)
            _hermitian(f"hamiltonian[{k!r}]", H[k])
        J = {}
        for k, op in dict(self.jumps).items():
            if _name("Jump rate", k) in H:
                raise ValueError(f"Name {k!r} is used both as a Hamiltonian term and a jump rate.")
            J[k] = _operator(f"jumps[{k!r}]", op, d)
        if not J:
            raise ValueError(
                "Argument `jumps` must hold at least one jump operator (a limit "
                "cycle needs gain and loss), but got none."
            )
        names = (*H, *J)
        defaults = {}
        for k, v in dict(self.defaults).items():
            if k not in names:
                raise ValueError(
                    f"Argument `defaults` names {k!r}, which is not a parameter of this "
                    f"oscillator; its parameters are {list(names)}."
                )
            arr = check_finite(f"defaults[{k!r}]", v)
            if arr.ndim or arr.dtype.kind == "c":
                raise ValueError(
                    f"Argument `defaults[{k!r}]` must be a real scalar, but got {v!r}."
                )
            if k in J:
                check_nonnegative(k, arr)
            defaults[k] = float(arr)
        for attr, val in (
            ("detuning_generator", N),
            ("coupling_operator", A),
            ("hamiltonian", H),
            ("jumps", J),
            ("defaults", defaults),
        ):
            object.__setattr__(self, attr, val)

    # ------------------------------------------------------------------ properties
    @property
    def dim(self) -> int:
        return int(self.detuning_generator.shape[0])

    @property
    def parameters(self) -> tuple[str, ...]:
        return (*self.hamiltonian, *self.jumps)

    @property
    def charges(self) -> np.ndarray:
        """Eigenvalues of N if N is diagonal (the basis is its eigenbasis), else NaN; (d,)."""
        N = self.detuning_generator
        if np.max(np.abs(N - np.diag(np.diag(N)))) > 1e-12:
            return np.full(self.dim, np.nan)
        return np.diag(N).real.copy()

    @property
    def symmetry_breaking(self) -> tuple[str, ...]:
        """Names of the terms that break the U(1) symmetry generated by N (e.g. a drive).

        A Hamiltonian term breaks it if it does not commute with N; a jump operator if it does
        not change the charge of N by one fixed amount (needs N diagonal).
        """
        N = self.detuning_generator
        q = self.charges
        out = [k for k, h in self.hamiltonian.items() if np.max(np.abs(_comm(N, h))) > 1e-10]
        for k, L in self.jumps.items():
            i, j = np.nonzero(np.abs(L) > 1e-14)
            if i.size and (np.any(np.isnan(q)) or np.ptp(q[i] - q[j]) > 1e-10):
                out.append(k)
        return tuple(out)

    @property
    def u1_symmetric(self) -> bool:
        """True if no term breaks the U(1) symmetry (at any parameter values)."""
        return not self.symmetry_breaking

    def u1_symmetric_at(self, values: Mapping[str, Any]) -> bool:
        """True if every symmetry-breaking term has coefficient exactly 0 in ``values``."""
        if np.any(np.isnan(self.charges)):
            return False
        return all(not np.any(np.asarray(values[k])) for k in self.symmetry_breaking)

    def __repr__(self) -> str:
        return (
            f"Oscillator({self.name!r}, dim={self.dim}, hamiltonian={list(self.hamiltonian)}, "
            f"jumps={list(self.jumps)}, defaults={self.defaults})"
        )

    # ------------------------------------------------------------------ parameters
    def bind(self, **values: Any) -> Oscillator:
        """A copy with new default values (validated like the constructor)."""
        return Oscillator(
            self.name,
            self.hamiltonian,
            self.jumps,
            self.detuning_generator,
            self.coupling_operator,
            {**self.defaults, **values},
        )

    def resolve(
        self, values: Mapping[str, Any], *, where: str = "oscillator"
    ) -> dict[str, np.ndarray]:
        """Every parameter as a float64 array: ``values`` over the defaults; errors name the gaps.

        Rates are checked non-negative; all values finite and real.
        """
        unknown = sorted(set(values) - set(self.parameters))
        if unknown:
            raise ValueError(
                f"Unknown parameter(s) {unknown} for the {self.name!r} oscillator; "
                f"its parameters are {list(self.parameters)}."
            )
        out = {}
        for k in self.parameters:
            if k in values and values[k] is not None:
                v = values[k]
            elif k in self.defaults:
                v = self.defaults[k]
            else:
                raise ValueError(
                    f"Parameter `{k}` of the {self.name!r} oscillator has no default and must be "
                    f"given to the {where}."
                )
            arr = check_finite(k, v)
            if arr.dtype.kind == "c":
                raise TypeError(f"Argument `{k}` must be real, but got {v!r}.")
            if k in self.jumps:
                check_nonnegative(k, arr)
            out[k] = np.asarray(arr, dtype=np.float64)
        return out

    def local_operators(
        self, values: Mapping[str, Any] | None = None
    ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Hamiltonian (d, d) and collapse operators sqrt(rate) L (scalar parameters only)."""
        p = self.resolve(values or {})
        for k, v in p.items():
            if v.ndim:
                raise ValueError(f"Argument `{k}` must be a scalar here, but got shape {v.shape}.")
        H = sum(float(p[k]) * h for k, h in self.hamiltonian.items()) + 0 * self.detuning_generator
        c_ops = [math.sqrt(float(p[k])) * L for k, L in self.jumps.items()]
        return np.asarray(H), c_ops


# ---------------------------------------------------------------------- built-ins
def spin1(*, gamma_plus: float = 0.5, gamma_minus: float = 1.0, K: float = 0.0) -> Oscillator:
    r"""The spin-1 oscillator of Nadolny & Bruder (PRL 131, 190402, Eq. 1).

    Basis :math:`|0\rangle, |1\rangle, |2\rangle` (:math:`m = -1, 0, +1`),
    :math:`S^z = |2\rangle\langle2| - |0\rangle\langle0|`,
    :math:`S^+ = \sqrt2(|2\rangle\langle1| + |1\rangle\langle0|)`.
    Hamiltonian :math:`K|2\rangle\langle2|` (``K``); jumps ``gamma_plus``
    :math:`\mathcal{D}[|1\rangle\langle0|]` (gain) and ``gamma_minus``
    :math:`\mathcal{D}[|1\rangle\langle2|]` (loss); detuning generator :math:`S^z`;
    coupling operator :math:`S^+`.
    """
    Sz, Sp, _ = spin_ops(2)
    return Oscillator(
        "spin1",
        hamiltonian={"K": ket_bra(3, 2, 2)},
        jumps={"gamma_plus": ket_bra(3, 1, 0), "gamma_minus": ket_bra(3, 1, 2)},
        detuning_generator=Sz,
        coupling_operator=Sp,
        defaults={"gamma_plus": gamma_plus, "gamma_minus": gamma_minus, "K": K},
    )


def van_der_pol(
    n_max: int, *, gain: float = 1.0, loss: float = 0.1, detuning: float = 0.0, drive: float = 0.0
) -> Oscillator:
    r"""The quantum van der Pol oscillator in a Fock space truncated at ``n_max``.

    :math:`\dot\rho = -i[H,\rho] + \mathrm{gain}\,\mathcal{D}[a^\dagger]\rho
    + \mathrm{loss}\,\mathcal{D}[a^2]\rho` with
    :math:`H = -\mathrm{detuning}\,a^\dagger a + i\,\mathrm{drive}\,(a - a^\dagger)` in the frame
    of the drive (Lee & Sadeghpour, PRL 111, 234101 (2013); Walter, Nunnenkamp & Bruder,
    PRL 112, 094102 (2014), who write gain :math:`\gamma_1` and loss :math:`\gamma_2`).
    The keyword ``detuning`` is stored as the coefficient ``drive_detuning`` of
    :math:`-a^\dagger a` (drive minus oscillator frequency, the literature's :math:`\Delta`);
    a network's per-group detuning :math:`d_\sigma` adds :math:`d_\sigma a^\dagger a` on top.
    Detuning generator :math:`a^\dagger a`; coupling operator :math:`a^\dagger` (so the order
    parameter is :math:`|\langle a\rangle|`). Basis: Fock states :math:`|0\rangle, \dots,
    |n_\mathrm{max}\rangle`, as QuTiP's ``destroy(n_max + 1)``.

    Limits (derived in ``docs/oscillators.md``): for loss << gain (classical limit)
    :math:`\langle n\rangle \to \mathrm{gain}/(2\,\mathrm{loss}) + 1/2`, the classical
    amplitude being :math:`|\alpha|^2 = \mathrm{gain}/(2\,\mathrm{loss})`; for loss >> gain
    (quantum limit) :math:`\rho \to \tfrac23|0\rangle\langle0| + \tfrac13|1\rangle\langle1|`,
    :math:`\langle n\rangle \to 1/3`.
    Truncation: solvers report the population of :math:`|n_\mathrm{max}\rangle` and warn
    (:class:`TruncationWarning`) where it exceeds 1e-6.
    """
    n_max = check_int("n_max", n_max, minimum=2, maximum=400)
    n = n_max + 1
    a = np.diag(np.sqrt(np.arange(1, n, dtype=np.float64)), 1).astype(np.complex128)
    ad = a.conj().T
    return Oscillator(
        "van_der_pol",
        hamiltonian={"drive_detuning": -(ad @ a), "drive": 1j * (a - ad)},
        jumps={"gain": ad, "loss": a @ a},
        detuning_generator=ad @ a,
        coupling_operator=ad,
        defaults={"drive_detuning": detuning, "drive": drive, "gain": gain, "loss": loss},
    )


def warn_truncation(osc: Oscillator, top_population: Any) -> None:
    """Warn (:class:`TruncationWarning`) if a van der Pol |n_max> population exceeds 1e-6."""
    p = np.asarray(top_population, dtype=np.float64)
    if osc.name == "van_der_pol" and p.size and np.nanmax(p) > TRUNCATION_TOLERANCE:
        warnings.warn(
            f"The van der Pol Fock space truncated at n_max = {osc.dim - 1} holds population "
            f"{float(np.nanmax(p)):.2g} in |n_max> (tolerance {TRUNCATION_TOLERANCE:g}); "
            "raise n_max.",
            TruncationWarning,
            stacklevel=3,
        )
