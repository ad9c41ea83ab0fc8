r"""Spin-s Husimi Q function and phase distribution s(phi) (Nadolny & Bruder, Fig. 2(d)).

Orientation convention (stated precisely because it is easy to get wrong):

* Levels ``|k>``, ``k = 0 .. 2s``, carry :math:`m = k - s` (``operators.py``).
* The spin coherent state pointing along :math:`(\theta, \phi)` is
  :math:`|\theta,\phi\rangle = e^{-i\phi S^z} e^{-i\theta S^y} |s, m=s\rangle`,
  with components

  .. math:: \langle m|\theta,\phi\rangle = \sqrt{\binom{2s}{s+m}}
            \cos^{s+m}(\theta/2)\,\sin^{s-m}(\theta/2)\, e^{-im\phi}

  (global phase dropped), so that
  :math:`\langle\theta,\phi|S^+|\theta,\phi\rangle = s \sin\theta\, e^{+i\phi}`.
  Hence **phi is the azimuth of** :math:`\langle S^+\rangle = |\langle S^+\rangle| e^{i\phi}`,
  the phase :math:`\phi_i` of the paper (text above Fig. 2), and a state with
  :math:`\langle S^+\rangle \propto e^{i\phi_0}` has its Q function and its
  :math:`s(\phi)` peaked at :math:`\phi_0`.
* :math:`Q(\theta,\phi) = \frac{2s+1}{4\pi}\langle\theta,\phi|\rho|\theta,\phi\rangle`,
  normalized as :math:`\int Q \sin\theta\, d\theta\, d\phi = 1`.
* :math:`s(\phi) = \int_0^\pi Q(\theta,\phi)\sin\theta\,d\theta - \frac{1}{2\pi}`
  (the uniform mean subtracted, as in Fig. 2(d)), so :math:`\int_0^{2\pi} s\,d\phi = 0`.

Closed form: only coherences :math:`\rho_{m,m-k}` with :math:`k\ge 1` depend on
phi,

.. math:: s(\phi) = \frac{2s+1}{4\pi} \sum_{k=1}^{2s} 2\,\mathrm{Re}\Big[e^{ik\phi}
          \sum_{m} \rho_{m,m-k}\, I_{m,m-k}\Big],\qquad
          I_{m,m'} = 2\sqrt{\binom{2s}{s+m}\binom{2s}{s+m'}}\;
          B\!\left(s+1+\tfrac{m+m'}{2},\, s+1-\tfrac{m+m'}{2}\right),

with the Beta function :math:`B`. For spin 1 (the paper's three-level
oscillator, :math:`\langle S^+\rangle = \mathrm{Tr}\,\rho S^+`,
:math:`c_{20} = \langle |2\rangle\langle 0| \rangle = \rho_{02}`):

.. math:: s(\phi) = \tfrac{3}{16}\,|\langle S^+\rangle| \cos(\phi - \arg\langle S^+\rangle)
          + \tfrac{1}{2\pi}\,|c_{20}| \cos(2\phi - \arg c_{20}).

All functions take plain arrays (NumPy), batch dimensions leading.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.special
from numpy.typing import ArrayLike

from qsynchro._checks import check_finite, check_int, check_square

__all__ = [
    "spin_coherent_state",
    "spin_husimi_q",
    "spin_phase_distribution",
    "spin_phase_distribution_numeric",
]


def _two_s(n: int) -> int:
    if n < 2:
        raise ValueError(
            f"Argument `rho` must be at least 2 x 2 (spin s >= 1/2), but got {n} x {n}."
        )
    return n - 1


def _angles(name: str, value: ArrayLike) -> np.ndarray:
    arr = check_finite(name, value)
    if arr.dtype.kind == "c":
        raise TypeError(f"Argument `{name}` must be real, but got a complex array.")
    return np.asarray(arr, dtype=np.float64)


def spin_coherent_state(theta: ArrayLike, phi: ArrayLike, two_s: int = 2) -> np.ndarray:
    r"""Spin coherent states :math:`|\theta,\phi\rangle` (see the module docstring).

    Args:
        theta: polar angles (any shape, broadcast with ``phi``).
        phi: azimuths, the phase of :math:`\langle S^+\rangle`.
        two_s: twice the spin (2 for the paper's spin-1 oscillator).

    Returns:
        complex array of shape (*broadcast(theta, phi).shape, 2s+1), ascending ``m``.
    """
    two_s = check_int("two_s", two_s, minimum=1)
    theta, phi = np.broadcast_arrays(_angles("theta", theta), _angles("phi", phi))
    k = np.arange(two_s + 1)  # k = s + m
    m = k - two_s / 2.0
    binom = np.array([math.comb(two_s, int(j)) for j in k], dtype=np.float64)
    c, s = np.cos(theta / 2.0)[..., None], np.sin(theta / 2.0)[..., None]
    amp = np.sqrt(binom) * c**k * s ** (two_s - k)
    return amp * np.exp(-1j * m * phi[..., None])


def spin_husimi_q(rho: ArrayLike, theta: ArrayLike, phi: ArrayLike) -> np.ndarray:
    r"""Husimi function :math:`Q = \frac{2s+1}{4\pi}\langle\theta,\phi|\rho|\theta,\phi\rangle`.

    Args:
        rho: density matrices, shape (..., n, n) with ``n = 2s + 1``.
        theta: polar angles, shape (Nt,).
        phi: azimuths, shape (Np,).

    Returns:
        real array of shape (..., Nt, Np).
    """
    rho = check_square("rho", rho).astype(np.complex128)
    n = rho.shape[-1]
    two_s = _two_s(n)
    theta = _angles("theta", theta).reshape(-1)
    phi = _angles("phi", phi).reshape(-1)
    psi = spin_coherent_state(theta[:, None], phi[None, :], two_s)  # (Nt, Np, n)
    val = np.einsum("tpi,...ij,tpj->...tp", psi.conj(), rho, psi, optimize=True)
    return (n / (4.0 * np.pi)) * val.real


def _overlap_integrals(two_s: int) -> np.ndarray:
    """``I[a, b] = int_0^pi a_m(theta) a_m'(theta) sin(theta) dtheta`` (a = s+m, b = s+m')."""
    k = np.arange(two_s + 1)
    binom = np.array([math.comb(two_s, int(j)) for j in k], dtype=np.float64)
    a, b = np.meshgrid(k, k, indexing="ij")
    # cos^(a+b)(x) sin^(2*two_s-a-b)(x) * 2 sin x cos x * 2 dx over x in [0, pi/2]
    beta = scipy.special.beta((a + b) / 2.0 + 1.0, (2 * two_s - a - b) / 2.0 + 1.0)
    return 2.0 * np.sqrt(np.outer(binom, binom)) * beta


def spin_phase_distribution(rho: ArrayLike, phi: ArrayLike) -> np.ndarray:
    r"""Closed-form phase distribution :math:`s(\phi)` with the mean :math:`1/2\pi` removed.

    See the module docstring for the formula and the orientation convention
    (phi = arg of :math:`\langle S^+\rangle`). Exact for any spin s.

    Args:
        rho: density matrices, shape (..., n, n) with ``n = 2s + 1``.
        phi: azimuths, shape (Np,).

    Returns:
        real array of shape (..., Np).
    """
    rho = check_square("rho", rho).astype(np.complex128)
    n = rho.shape[-1]
    two_s = _two_s(n)
    phi = _angles("phi", phi).reshape(-1)
    I = _overlap_integrals(two_s)
    out = np.zeros((*rho.shape[:-2], phi.size))
    for k in range(1, two_s + 1):
        a = np.arange(k, n)  # index of m; m' = m - k has index a - k
        ck = np.sum(rho[..., a, a - k] * I[a, a - k], axis=-1)  # (...)
        out += 2.0 * np.real(ck[..., None] * np.exp(1j * k * phi))
    return (n / (4.0 * np.pi)) * out


def spin_phase_distribution_numeric(
    rho: ArrayLike, phi: ArrayLike, *, n_theta: int = 64
) -> np.ndarray:
    r"""Phase distribution by quadrature of :func:`spin_husimi_q` over theta.

    Gauss-Legendre in :math:`\theta\in[0,\pi]`; the integrand is a trigonometric
    polynomial of degree <= 2s + 1 in :math:`\theta`, so ``n_theta`` of a few dozen
    reaches machine precision. An independent check of
    :func:`spin_phase_distribution`.

    Args:
        rho: density matrices, shape (..., n, n).
        phi: azimuths, shape (Np,).
        n_theta: number of Gauss-Legendre nodes.

    Returns:
        real array of shape (..., Np).
    """
    n_theta = check_int("n_theta", n_theta, minimum=2)
    x, w = np.polynomial.legendre.leggauss(n_theta)
    theta = 0.5 * np.pi * (x + 1.0)
    w = 0.5 * np.pi * w
    Q = spin_husimi_q(rho, theta, phi)  # (..., Nt, Np)
    return np.einsum("t,...tp->...p", w * np.sin(theta), Q) - 1.0 / (2.0 * np.pi)
