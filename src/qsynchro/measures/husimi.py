r"""SU(D) coherent states, the Husimi Q function and the phase distribution S(phi).

Murtadho, Vinjanampathy & Thingna, PRL 131, 030401 (2023), Eqs. (1)-(3).

Conventions (paper symbol -> code):

* levels ``n = 1 .. D`` of the paper are array indices ``0 .. D-1`` (for the maser,
  index 0 is its ground state ``|0>``, index 1 is ``|1>``, ...);
* population angles ``theta_1 .. theta_{D-1}`` -> ``theta`` (array of shape (..., D-1)),
  each in ``[0, pi/2]``;
* phases ``phi_1 .. phi_{D-1}`` -> ``phases`` (array of shape (..., D-1)), the reference
  phase ``phi_D = 0`` (Eq. 2) is implicit.

The coherent state (Eq. 2) is

.. math::
    \alpha_n = e^{i\phi_n}\cos\theta_n\prod_{k<n}\sin\theta_k \quad (n<D), \qquad
    \alpha_D = e^{i\phi_D}\prod_{k<D}\sin\theta_k,

and :math:`Q = (D!/\pi^{D-1})\langle\alpha|\rho|\alpha\rangle` (Eq. 1).

Haar measure. The SU(D)-invariant (Fubini-Study) measure on the coherent states in
these coordinates is

.. math::
    d\mu = \prod_{k=1}^{D-1}\cos\theta_k\,\sin^{2(D-k)-1}\theta_k\,d\theta_k
           \prod_{k=1}^{D-1} d\phi_k ,

(the moduli :math:`|\alpha_n|^2` are then uniform on the simplex, i.e. the state is
uniform on :math:`S^{2D-1}`). Its total volume is :math:`\pi^{D-1}/(D-1)!`, so that
:math:`\int Q\,d\mu = 1` with the paper's prefactor :math:`D!/\pi^{D-1}`. Integrating only
the :math:`\theta`'s (``d Theta``, the first product) and using the Dirichlet moments
:math:`E[|\alpha_n||\alpha_m|] = \pi/(4D)` (:math:`n\neq m`) gives Eq. (3):

.. math::
    S(\phi) = \int Q\,d\Theta - \frac{1}{(2\pi)^{D-1}}
            = \frac{1}{2^{D+1}\pi^{D-2}}\sum_{n\neq m}\rho_{nm}e^{i(\phi_m-\phi_n)} ,

a sum over *ordered* pairs, i.e. :math:`z^\dagger C z/(2^{D+1}\pi^{D-2})` with
:math:`z_n = e^{i\phi_n}` and :math:`C = \rho - \mathrm{diag}(\rho)`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qsynchro._checks import check_density_matrix, check_finite

__all__ = [
    "coherent_state",
    "haar_theta_weight",
    "husimi_q",
    "phase_distribution",
    "phase_prefactor",
]


def phase_prefactor(D: int) -> float:
    r"""The prefactor :math:`1/(2^{D+1}\pi^{D-2})` of Eq. (3) (underflows to 0 for huge D)."""
    return math.exp(-(D + 1) * math.log(2.0) - (D - 2) * math.log(math.pi))


def _angles(name: str, value: Any, D: int | None) -> np.ndarray:
    arr = np.asarray(check_finite(name, value), dtype=np.float64)
    if arr.ndim < 1:
        raise ValueError(f"Argument `{name}` must have shape (..., D-1), but got a scalar.")
    if D is not None and arr.shape[-1] != D - 1:
        raise ValueError(
            f"Argument `{name}` must have shape (..., {D - 1}) for D = {D}, "
            f"but got an array of shape {arr.shape}."
        )
    return arr


def coherent_state(theta: Any, phases: Any) -> np.ndarray:
    """SU(D) coherent state amplitudes ``alpha_n`` (Eq. 2), with ``phi_D = 0``.

    Args:
        theta: population angles ``theta_1..theta_{D-1}`` (array of shape (..., D-1)).
        phases: phases ``phi_1..phi_{D-1}`` (array of shape (..., D-1)), broadcast
            against ``theta``.

    Returns:
        Complex array of shape (..., D), unit norm along the last axis.
    """
    th = _angles("theta", theta, None)
    ph = _angles("phases", phases, th.shape[-1] + 1)
    th, ph = np.broadcast_arrays(th, ph)
    D = th.shape[-1] + 1
    s = np.sin(th)
    # prod_{k<n} sin(theta_k) for n = 1..D  (empty product = 1)
    cum = np.concatenate([np.ones((*th.shape[:-1], 1)), np.cumprod(s, axis=-1)], axis=-1)
    mod = cum.copy()
    mod[..., : D - 1] *= np.cos(th)
    phase = np.concatenate([ph, np.zeros((*ph.shape[:-1], 1))], axis=-1)
    return mod * np.exp(1j * phase)


def haar_theta_weight(theta: Any) -> np.ndarray:
    r"""Density of the Haar measure in the population angles (see module docstring).

    :math:`w(\theta) = \prod_{k=1}^{D-1}\cos\theta_k\sin^{2(D-k)-1}\theta_k`, so that
    ``d Theta = w(theta) d theta_1 ... d theta_{D-1}`` on ``[0, pi/2]^{D-1}``.

    Args:
        theta: array of shape (..., D-1).

    Returns:
        Array of shape (...).
    """
    th = _angles("theta", theta, None)
    D = th.shape[-1] + 1
    k = np.arange(1, D)
    return np.prod(np.cos(th) * np.sin(th) ** (2 * (D - k) - 1), axis=-1)


def husimi_q(rho: Any, theta: Any, phases: Any) -> np.ndarray:
    r"""Husimi Q function :math:`Q = (D!/\pi^{D-1})\langle\alpha|\rho|\alpha\rangle` (Eq. 1).

    Args:
        rho: density matrix (array of shape (D, D), NumPy/JAX/QuTiP).
        theta: population angles (array of shape (..., D-1)).
        phases: phases phi_1..phi_{D-1} (array of shape (..., D-1)).

    Returns:
        Real array of shape (...), normalized to 1 under the Haar measure.
    """
    r = check_density_matrix("rho", rho)
    if r.ndim != 2:
        raise ValueError(f"Argument `rho` must have shape (D, D), but got {r.shape}.")
    D = r.shape[-1]
    _angles("theta", theta, D)
    a = coherent_state(theta, phases)
    val = np.real(np.einsum("...n,nm,...m->...", np.conj(a), r, a))
    return math.factorial(D) / math.pi ** (D - 1) * val


def phase_distribution(rho: Any, phases: Any) -> np.ndarray:
    r"""Phase distribution :math:`S(\phi_1,\ldots,\phi_{D-1})` of Eq. (3), closed form.

    :math:`S = \frac{1}{2^{D+1}\pi^{D-2}}\sum_{n\neq m}\rho_{nm}e^{i(\phi_m-\phi_n)}`
    (ordered pairs), with ``phi_D = 0``.

    Args:
        rho: density matrix (array of shape (D, D); NumPy, JAX or QuTiP ``Qobj``).
        phases: ``phi_1..phi_{D-1}`` (array of shape (..., D-1)); any grid of phase points.

    Returns:
        Real array of shape (...).

    Example:
        >>> import numpy as np
        >>> rho = np.full((3, 3), 1 / 3)
        >>> float(phase_distribution(rho, np.zeros(2))) * 16 * np.pi  # 6 * (1/3)
        2.0
    """
    r = check_density_matrix("rho", rho)
    if r.ndim != 2:
        raise ValueError(f"Argument `rho` must have shape (D, D), but got {r.shape}.")
    D = r.shape[-1]
    ph = _angles("phases", phases, D)
    C = r - np.diag(np.diag(r))
    z = np.exp(1j * np.concatenate([ph, np.zeros((*ph.shape[:-1], 1))], axis=-1))
    q = np.real(np.einsum("...n,nm,...m->...", np.conj(z), C, z))
    return phase_prefactor(D) * q
