r"""Frequency disorder: distributions of detunings and their discretization into subgroups.

A *disordered group* is a group of oscillators whose detunings :math:`d_j` (the coefficient
of the oscillator's detuning generator, for spin-1 :math:`H_j = d_j S^z + K|2\rangle\langle2|`)
are drawn from a distribution :math:`g(d)` centred on the group's detuning. In the mean-field
limit every detuning class is its own subgroup and all subgroups share **one** mean field,

.. math::

    \dot\rho_d = \mathcal{L}_d\rho_d - i\big[V\,A\,\overline{\langle A^\dagger\rangle}
        + \mathrm{h.c.}, \rho_d\big],\qquad
    \overline{\langle A\rangle} = \int g(d)\,\langle A\rangle_d\,\mathrm{d}d,

(Nadolny & Bruder, Eq. 2, with the intragroup sum replaced by the average over the
distribution). :func:`disordered_group` discretizes :math:`g` into M subgroups
:math:`(d_k, w_k)` and returns a :class:`~qsynchro.models.network.Network` with coupling
:math:`C_{jk} = V w_k` (identical rows: the engine evaluates it as one weighted mean,
O(M) per step, see :mod:`qsynchro.equations.meanfield`).

Discretizations (:meth:`Distribution.discretize`):

* :class:`Gaussian`: Gauss-Hermite quadrature (nodes :math:`\sigma\sqrt2\,x_k`), exact for
  polynomials of degree 2M-1, exponential convergence for integrands analytic in a strip;
* :class:`Uniform`: Gauss-Legendre quadrature on :math:`[-h, h]`;
* :class:`Lorentzian`: equal-weight quantile midpoints
  :math:`d_k = w\tan(\pi((k+\tfrac12)/M - \tfrac12))` (the midpoint rule in the variable
  :math:`\theta = \arctan(d/w)`, in which the Lorentzian is uniform); the extreme nodes
  reach :math:`\approx 2Mw/\pi`, so integration steps shrink like 1/M;
* :class:`Samples`: the given values and weights (M must equal their number).

Convergence in M is reported in ``docs/networks.md`` and tested in
``tests/physics/test_disorder.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import roots_hermite, roots_legendre

from qsynchro._checks import check_finite, check_int
from qsynchro.models.network import Network
from qsynchro.models.oscillator import Oscillator

__all__ = [
    "MAX_COUPLING_BYTES",
    "Distribution",
    "Gaussian",
    "Lorentzian",
    "Samples",
    "Uniform",
    "disordered_group",
]

#: largest dense coupling array (batch x M x M float64) that disordered_group builds
MAX_COUPLING_BYTES = 2 * 1024**3


def _width(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"Argument `{name}` must be a real number, but got {value!r}.")
    v = float(value)
    if not math.isfinite(v) or v < 0:
        raise ValueError(f"Argument `{name}` must be finite and non-negative, but got {value!r}.")
    return v


class Distribution:
    """Base class of the detuning distributions (centred on zero)."""

    #: the width parameter's name (for messages and provenance)
    width_name: str = ""

    @property
    def scale(self) -> float:
        """The value of the width parameter (``width``, ``sigma`` or ``half_width``)."""
        return float(getattr(self, self.width_name))

    def discretize(self, M: int) -> tuple[np.ndarray, np.ndarray]:
        """Nodes and weights of an M-point discretization, each shape (M,), weights sum 1."""
        raise NotImplementedError

    def stieltjes(self, zeta: Any) -> np.ndarray:
        r""":math:`\int g(d)/(d-\zeta)\,\mathrm{d}d` for :math:`\mathrm{Im}\,\zeta < 0`."""
        raise NotImplementedError


def _m(M: Any) -> int:
    return check_int("M", M, minimum=1, maximum=1_000_000)


@dataclass(frozen=True)
class Lorentzian(Distribution):
    r"""Cauchy-Lorentz distribution :math:`g(d) = (w/\pi)/(d^2 + w^2)`.

    Args:
        width: half width at half maximum :math:`w \ge 0`.
    """

    width_name = "width"
    width: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "width", _width("width", self.width))

    def discretize(self, M: int) -> tuple[np.ndarray, np.ndarray]:
        M = _m(M)
        theta = np.pi * ((np.arange(M) + 0.5) / M - 0.5)
        return self.width * np.tan(theta), np.full(M, 1.0 / M)

    def stieltjes(self, zeta: Any) -> np.ndarray:
        # residue at the pole d = i w in the upper half plane (zeta is in the lower one)
        return 1.0 / (1j * self.width - np.asarray(zeta, dtype=np.complex128))


@dataclass(frozen=True)
class Gaussian(Distribution):
    r"""Normal distribution of standard deviation :math:`\sigma \ge 0`."""

    width_name = "sigma"
    sigma: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "sigma", _width("sigma", self.sigma))

    def discretize(self, M: int) -> tuple[np.ndarray, np.ndarray]:
        M = _m(M)
        # scipy's nodes stay finite for any M (numpy's hermgauss overflows above M ~ 300)
        x, w = roots_hermite(M)
        return self.sigma * math.sqrt(2.0) * x, w / w.sum()

    def stieltjes(self, zeta: Any) -> np.ndarray:
        r"""Via the Faddeeva function: for :math:`\mathrm{Im}\,u > 0`,
        :math:`\int g(d)/(d-\bar\zeta) = i\sqrt{\pi/2}\,w(u)/\sigma`,
        :math:`u=\bar\zeta/(\sigma\sqrt2)`;
        the value at :math:`\zeta` is its complex conjugate (g is real)."""
        from scipy.special import wofz

        z = np.asarray(zeta, dtype=np.complex128)
        if self.sigma == 0.0:
            return -1.0 / z
        u = np.conj(z) / (self.sigma * math.sqrt(2.0))
        return np.conj(1j * math.sqrt(math.pi / 2.0) * wofz(u) / self.sigma)


@dataclass(frozen=True)
class Uniform(Distribution):
    r"""Uniform distribution on :math:`[-h, h]`, :math:`h \ge 0` (``half_width``)."""

    width_name = "half_width"
    half_width: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "half_width", _width("half_width", self.half_width))

    def discretize(self, M: int) -> tuple[np.ndarray, np.ndarray]:
        M = _m(M)
        x, w = roots_legendre(M)
        return self.half_width * x, w / w.sum()

    def stieltjes(self, zeta: Any) -> np.ndarray:
        z = np.asarray(zeta, dtype=np.complex128)
        h = self.half_width
        if h == 0.0:
            return -1.0 / z
        # Im(d - zeta) > 0 along the path: the principal log has no branch crossing
        return (np.log(h - z) - np.log(-h - z)) / (2.0 * h)


@dataclass(frozen=True)
class Samples(Distribution):
    """Explicit detunings ``values`` (M,) with ``weights`` (M,) summing to one (default equal)."""

    width_name = "values"
    values: Any
    weights: Any = None

    def __post_init__(self) -> None:
        v = check_finite("values", self.values)
        if v.dtype.kind == "c" or v.ndim != 1 or v.size < 1:
            raise ValueError(
                f"Argument `values` must be a non-empty real 1-d array, but got shape {v.shape}."
            )
        v = v.astype(np.float64)
        if self.weights is None:
            w = np.full(v.size, 1.0 / v.size)
        else:
            w = check_finite("weights", self.weights)
            if w.dtype.kind == "c" or w.shape != v.shape:
                raise ValueError(
                    f"Argument `weights` must be real with the shape {v.shape} of `values`, "
                    f"but got shape {w.shape}."
                )
            w = w.astype(np.float64)
            if np.any(w < 0) or abs(w.sum() - 1.0) > 1e-10:
                raise ValueError(
                    "Argument `weights` must be non-negative and sum to 1 (within 1e-10), "
                    f"but got sum {w.sum()!r} and min {w.min()!r}."
                )
        object.__setattr__(self, "values", v)
        object.__setattr__(self, "weights", w)

    @property
    def scale(self) -> float:
        """Standard deviation of the samples."""
        mean = float(self.weights @ self.values)
        return math.sqrt(float(self.weights @ (self.values - mean) ** 2))

    def discretize(self, M: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        if M is not None and _m(M) != self.values.size:
            raise ValueError(
                f"Argument `M` must equal the number of samples {self.values.size}, but got {M}."
            )
        return self.values.copy(), self.weights.copy()

    def stieltjes(self, zeta: Any) -> np.ndarray:
        z = np.asarray(zeta, dtype=np.complex128)
        return np.sum(self.weights / (self.values - z[..., None]), -1)

    def __hash__(self) -> int:
        return hash((self.values.tobytes(), self.weights.tobytes()))

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Samples)
            and np.array_equal(self.values, other.values)
            and np.array_equal(self.weights, other.weights)
        )


def disordered_group(
    oscillator: Oscillator,
    V: Any,
    disorder: Distribution,
    M: int | None = None,
    *,
    detuning: float = 0.0,
    **parameters: Any,
) -> Network:
    r"""One disordered group as M subgroups sharing one mean field.

    Args:
        oscillator: the oscillator of every member.
        V: coupling to the group's mean field, real or complex, shape (...).
        disorder: a :class:`Distribution` of detuning offsets.
        M: number of subgroups (for :class:`Samples` None or its number of samples).
        detuning: the centre of the distribution.
        **parameters: the oscillator's parameters, shape (...).

    Returns:
        :class:`~qsynchro.models.network.Network` with G = M, ``detuning[..., k] = detuning +
        d_k`` and ``coupling[..., j, k] = V w_k``.
    """
    if not isinstance(disorder, Distribution):
        raise TypeError(
            "Argument `disorder` must be a Lorentzian, Gaussian, Uniform or Samples, "
            f"but got {type(disorder).__name__}."
        )
    if M is None and not isinstance(disorder, Samples):
        raise TypeError("Argument `M` (number of subgroups) is required for this distribution.")
    nodes, weights = disorder.discretize(M)
    Vv = check_finite("V", V)
    centre = float(check_finite("detuning", detuning))
    Mn = nodes.size
    batch = int(np.prod(np.broadcast_shapes(Vv.shape, *(np.shape(p) for p in parameters.values()))))
    nbytes = batch * Mn * Mn * (16 if Vv.dtype.kind == "c" else 8)
    if nbytes > MAX_COUPLING_BYTES:
        raise ValueError(
            f"Argument `M` = {Mn} with {batch} batch points needs a {nbytes / 1e9:.1f} GB "
            f"coupling array; allowed is at most {MAX_COUPLING_BYTES / 1e9:.1f} GB (use a smaller "
            "M or split the batch)."
        )
    coup = Vv[..., None, None] * np.broadcast_to(weights, (Mn, Mn))
    det = np.broadcast_to(centre + nodes, (*Vv.shape, Mn))
    return Network(oscillator, det, coup, **parameters)
