r"""The degenerate (N+2)-level thermal maser (Murtadho, Vinjanampathy & Thingna, PRL 131, 030401).

A generalized Scovil–Schulz-DuBois maser (Fig. 1 of the paper). Basis and
conventions (see ``docs/maser.md``):

* levels ``|0>`` (ground, energy 0), ``|1>`` (first excited, ``omega_1``) and the
  degenerate manifold ``|2>, ..., |N+1>`` (energies ``omega_j = omega_2 + (j-2) Delta``;
  the paper's case is ``Delta = 0``), so the dimension is ``D = N + 2`` and
  ``rho[n, m] = <n|rho|m>`` (Eq. 5);
* drive :math:`V(t) = \sum_j \lambda_j e^{i\Omega t}|1\rangle\langle j| + \mathrm{h.c.}` (Eq. 6);
* baths with the paper's dissipator
  :math:`\mathcal{L}[X]\rho = 2X\rho X^\dagger - \{X^\dagger X,\rho\}` (**twice** the
  standard Lindblad dissipator) and rates (Eq. 7)
  ``Gamma_h1 = gamma_h (1 + n_h)`` for ``h_1^j = |0><j|``,
  ``Gamma_h2 = gamma_h n_h`` for ``h_2^j = |j><0|``,
  ``Gamma_c1 = gamma_c (1 + n_c)`` for ``c_1 = |0><1|`` and
  ``Gamma_c2 = gamma_c n_c`` for ``c_2 = |1><0|``.

This module holds parameters only; the master equations are in
:mod:`qsynchro.equations.maser` and the steady states in :mod:`qsynchro.solvers.steady`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from qsynchro._checks import check_finite, check_int, check_nonnegative, check_positive

__all__ = ["Maser", "bose_einstein"]


def _scalar(name: str, value: Any, check: Any) -> float:
    arr = check(name, value)
    if arr.ndim != 0:
        raise ValueError(
            f"Argument `{name}` must be a scalar, but got an array of shape {arr.shape}."
        )
    return float(arr)


def bose_einstein(beta: float, omega: float) -> float:
    r"""Bose-Einstein occupation :math:`n = 1/(e^{\beta\omega} - 1)` (text below Eq. 7).

    ``beta = inf`` (zero temperature) gives ``n = 0``.
    """
    x = beta * omega
    if math.isinf(x):
        return 0.0
    return float(1.0 / math.expm1(x))


@dataclass(frozen=True, eq=False)
class Maser:
    r"""Parameters of the degenerate thermal maser (Eqs. 5-8).

    Args:
        N: number of degenerate levels (``>= 1``); the dimension is ``D = N + 2``.
        lam: drive amplitudes :math:`\lambda_j`. A scalar means homogeneous driving
            :math:`\lambda_j = \lambda`; otherwise a length-``N`` sequence (real or
            complex), ``lam[j - 2]`` = :math:`\lambda_j`.
        n_h: hot-bath occupation :math:`n_h` (at frequency ``omega_2``).
        n_c: cold-bath occupation :math:`n_c` (at frequency ``omega_1``).
        gamma_h: hot-bath coupling :math:`\gamma_h`.
        gamma_c: cold-bath coupling :math:`\gamma_c`.
        omega_1: energy of ``|1>`` (:math:`\omega_1 > 0`).
        omega_2: energy of the degenerate manifold (:math:`\omega_2 > \omega_1`).
        Omega: drive frequency :math:`\Omega`; ``None`` means resonant,
            ``omega_2 - omega_1`` (then ``Omega`` stays ``None`` so that
            ``dataclasses.replace`` keeps the drive resonant; use
            :attr:`drive_frequency` for the number).
        Delta: optional near-degenerate ladder spacing, ``omega_j = omega_2 + (j-2) Delta``
            (``>= 0``; the paper's results are for ``Delta = 0``).

    All numbers are plain scalars (float64). Instances compare equal when all
    parameters are equal, and are hashable.
    """

    N: int
    lam: Any
    n_h: float
    n_c: float
    gamma_h: float
    gamma_c: float
    omega_1: float = 1.0
    omega_2: float = 3.0
    Omega: float | None = None
    Delta: float = 0.0

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        N = check_int("N", self.N, minimum=1)
        set_(self, "N", N)
        for name in ("n_h", "n_c", "gamma_h", "gamma_c", "Delta"):
            set_(self, name, _scalar(name, getattr(self, name), check_nonnegative))
        omega_1 = _scalar("omega_1", self.omega_1, check_positive)
        omega_2 = _scalar("omega_2", self.omega_2, check_positive)
        if not omega_2 > omega_1:
            raise ValueError(
                f"Argument `omega_2` must be larger than `omega_1` ({omega_1!r}), "
                f"but got {omega_2!r}."
            )
        set_(self, "omega_1", omega_1)
        set_(self, "omega_2", omega_2)
        if self.Omega is not None:
            set_(self, "Omega", _scalar("Omega", self.Omega, _check_real))
        lam = check_finite("lam", self.lam)
        if lam.ndim == 0:
            value = complex(lam) if lam.dtype.kind == "c" else float(lam)
            set_(self, "lam", value)
        elif lam.ndim == 1:
            if lam.shape[0] != N:
                raise ValueError(
                    f"Argument `lam` must be a scalar or have length N = {N}, "
                    f"but got a sequence of length {lam.shape[0]}."
                )
            lam = np.array(lam, dtype=np.complex128 if lam.dtype.kind == "c" else np.float64)
            lam.setflags(write=False)
            set_(self, "lam", lam)
        else:
            raise ValueError(
                f"Argument `lam` must be a scalar or a 1-D sequence of length N = {N}, "
                f"but got an array of shape {lam.shape}."
            )

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_temperatures(
        cls,
        N: int,
        lam: Any,
        gamma_h: float,
        gamma_c: float,
        *,
        T_h: float | None = None,
        beta_h: float | None = None,
        T_c: float | None = None,
        beta_c: float | None = None,
        omega_1: float = 1.0,
        omega_2: float = 3.0,
        Omega: float | None = None,
        Delta: float = 0.0,
    ) -> Maser:
        r"""Build a maser from bath temperatures (``k_B = hbar = 1``).

        :math:`n_h = 1/(e^{\beta_h\omega_2} - 1)` and :math:`n_c = 1/(e^{\beta_c\omega_1} - 1)`
        (text below Eq. 7). Give exactly one of ``T_h``/``beta_h`` and one of
        ``T_c``/``beta_c``; ``T = 0`` (or ``beta = inf``) means ``n = 0``.
        """
        omega_1 = _scalar("omega_1", omega_1, check_positive)
        omega_2 = _scalar("omega_2", omega_2, check_positive)
        beta = {}
        for side, T, b in (("h", T_h, beta_h), ("c", T_c, beta_c)):
            if (T is None) == (b is None):
                raise ValueError(
                    f"Give exactly one of `T_{side}` and `beta_{side}`, "
                    f"but got T_{side}={T!r} and beta_{side}={b!r}."
                )
            if T is not None:
                T = _scalar(f"T_{side}", T, check_nonnegative)
                beta[side] = math.inf if T == 0.0 else 1.0 / T
            else:
                b = np.asarray(b, dtype=float)
                if b.ndim != 0 or np.isnan(b) or b <= 0:
                    raise ValueError(
                        f"Argument `beta_{side}` must be a positive scalar (inf allowed), "
                        f"but got {b!r}."
                    )
                beta[side] = float(b)
        return cls(
            N,
            lam,
            n_h=bose_einstein(beta["h"], omega_2),
            n_c=bose_einstein(beta["c"], omega_1),
            gamma_h=gamma_h,
            gamma_c=gamma_c,
            omega_1=omega_1,
            omega_2=omega_2,
            Omega=Omega,
            Delta=Delta,
        )

    # ------------------------------------------------------------------ equality
    def _key(self) -> tuple[Any, ...]:
        out = []
        for f in fields(self):
            v = getattr(self, f.name)
            out.append(("array", v.dtype.str, v.tobytes()) if isinstance(v, np.ndarray) else v)
        return tuple(out)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Maser):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    # ------------------------------------------------------------------ derived
    @property
    def D(self) -> int:
        """Hilbert-space dimension ``N + 2``."""
        return self.N + 2

    @property
    def homogeneous(self) -> bool:
        """True when ``lam`` was given as a scalar (:math:`\\lambda_j = \\lambda`)."""
        return not isinstance(self.lam, np.ndarray)

    @property
    def lam_vector(self) -> np.ndarray:
        """Drive amplitudes :math:`\\lambda_j`, ``j = 2..N+1``, shape (N,) (complex128)."""
        if self.homogeneous:
            return np.full(self.N, self.lam, dtype=np.complex128)
        return self.lam.astype(np.complex128)

    @property
    def lam_eff(self) -> float:
        r""":math:`\lambda_\mathrm{eff} = \sqrt{\sum_j |\lambda_j|^2}` (below Eq. 6)."""
        if self.homogeneous:
            return math.sqrt(self.N) * abs(self.lam)
        return float(np.sqrt(np.sum(np.abs(self.lam) ** 2)))

    @property
    def bright_weights(self) -> np.ndarray:
        r"""``<j|B>`` for the bright state, shape (N,) (complex128).

        The drive is :math:`\tilde V = \lambda_\mathrm{eff}|1\rangle\langle B| + \mathrm{h.c.}`
        with :math:`|B\rangle = \sum_j \lambda_j^* |j\rangle / \lambda_\mathrm{eff}`
        (the paper's ``|J>`` written for real ``lambda_j``). Without drive
        (``lam_eff = 0``) the uniform superposition is returned (any unit vector
        is then equivalent).
        """
        le = self.lam_eff
        if le == 0.0:
            return np.full(self.N, 1.0 / math.sqrt(self.N), dtype=np.complex128)
        if self.homogeneous:
            return np.full(self.N, np.conj(self.lam) / le, dtype=np.complex128)
        return np.conj(self.lam).astype(np.complex128) / le

    @property
    def drive_frequency(self) -> float:
        """The drive frequency :math:`\\Omega` (``omega_2 - omega_1`` when ``Omega`` is None)."""
        return self.omega_2 - self.omega_1 if self.Omega is None else float(self.Omega)

    @property
    def detuning(self) -> float:
        """``Omega - (omega_2 - omega_1)`` (zero for resonant driving)."""
        return 0.0 if self.Omega is None else float(self.Omega) - (self.omega_2 - self.omega_1)

    @property
    def resonant(self) -> bool:
        """True when ``Omega == omega_2 - omega_1``."""
        return self.detuning == 0.0

    @property
    def degenerate(self) -> bool:
        """True for an exactly degenerate manifold (``Delta == 0``)."""
        return self.Delta == 0.0

    @property
    def energies(self) -> np.ndarray:
        """Bare energies ``(0, omega_1, omega_2, omega_2 + Delta, ...)``, shape (D,) (Eq. 5)."""
        e = np.empty(self.D)
        e[0] = 0.0
        e[1] = self.omega_1
        e[2:] = self.omega_2 + self.Delta * np.arange(self.N)
        return e

    @property
    def regime(self) -> str:
        """``"engine"`` if ``n_h > n_c`` (population inversion), ``"refrigerator"`` if
        ``n_h < n_c``, ``"neutral"`` if equal (then the steady state is diagonal)."""
        if self.n_h > self.n_c:
            return "engine"
        if self.n_h < self.n_c:
            return "refrigerator"
        return "neutral"

    @property
    def k(self) -> float:
        r"""Dissipation-to-driving ratio :math:`k = \gamma_h(1+n_h)/\lambda` (below Eq. 11).

        Defined for homogeneous driving (``lam`` a scalar, or all entries equal);
        uses :math:`|\lambda|`.
        """
        lam = self.lam
        if not self.homogeneous:
            if not np.all(lam == lam[0]):
                raise ValueError(
                    "The ratio `k` is defined for homogeneous driving only, but `lam` "
                    "has unequal entries."
                )
            lam = lam[0]
        if lam == 0:
            return math.inf
        return self.gamma_h * (1.0 + self.n_h) / abs(lam)

    # rates of Eq. 7 (to be used with the factor-2 dissipator L[X] = 2 D[X])
    @property
    def Gamma_h1(self) -> float:
        """``gamma_h (1 + n_h)``, rate of ``h_1^j = |0><j|`` (Eq. 7)."""
        return self.gamma_h * (1.0 + self.n_h)

    @property
    def Gamma_h2(self) -> float:
        """``gamma_h n_h``, rate of ``h_2^j = |j><0|`` (Eq. 7)."""
        return self.gamma_h * self.n_h

    @property
    def Gamma_c1(self) -> float:
        """``gamma_c (1 + n_c)``, rate of ``c_1 = |0><1|`` (Eq. 7)."""
        return self.gamma_c * (1.0 + self.n_c)

    @property
    def Gamma_c2(self) -> float:
        """``gamma_c n_c``, rate of ``c_2 = |1><0|`` (Eq. 7)."""
        return self.gamma_c * self.n_c


def _check_real(name: str, value: Any) -> np.ndarray:
    arr = check_finite(name, value)
    if arr.dtype.kind == "c":
        raise TypeError(f"Argument `{name}` must be real, but got {value!r}.")
    return arr
