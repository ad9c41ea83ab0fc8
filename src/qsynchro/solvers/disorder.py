r"""Onset of synchronization in a disordered group, in the continuum limit of the distribution.

Derivation (any U(1)-symmetric oscillator; full text in ``docs/networks.md``)
----------------------------------------------------------------------------
Linearize the disordered group (:mod:`qsynchro.models.disorder`) at its unsynchronized state.
In the sector of :math:`\langle A\rangle` (:func:`~qsynchro.solvers.stability.coherence_block`)
a member of detuning :math:`d` obeys :math:`\dot x_d = (L_0 + i d)x_d + V^* R\,\bar x`,
where :math:`L_0` is the single-oscillator block at d = 0, :math:`R = -i\,b\,a^T`
(rank one: :math:`a` reads :math:`\langle A\rangle`, :math:`b = [A^\dagger,\rho^*]`) and
:math:`\bar x` enters only through the mean field :math:`\overline{\langle A\rangle} =
\int g(d)\,a\cdot x_d`. (The detuning generator acts as :math:`+i d` on the whole sector
because :math:`[N, A] = A`.) With :math:`x_d\propto e^{\lambda t}`, the mean field is
self-consistent when

.. math::

    1 = V^*\int g(d)\,\chi_0(\lambda - i d)\,\mathrm{d}d,\qquad
    \chi_0(z) = \mathrm{tr}\big[(z - L_0)^{-1}R\big] = \sum_j \frac{c_j}{z - \mu_j},

with :math:`\mu_j` the eigenvalues of :math:`L_0` and :math:`c_j = (P^{-1}RP)_{jj}`. Each term
is a Stieltjes transform: :math:`\int g(d)/(\lambda - i d - \mu)\,\mathrm{d}d =
i\,G(\zeta)`, :math:`G(\zeta) = \int g(d)/(d - \zeta)\,\mathrm{d}d`,
:math:`\zeta = -i(\lambda - \mu)`, with :math:`\mathrm{Im}\,\zeta < 0` for
:math:`\mathrm{Re}\,\lambda \ge 0` (the unsynchronized state is stable at V = 0, so
:math:`\mathrm{Re}\,\mu_j < 0`). :math:`G` is closed form for every built-in distribution
(:meth:`~qsynchro.models.disorder.Distribution.stieltjes`: residue for the Lorentzian, the
Faddeeva function for the Gaussian, a logarithm for the uniform distribution).

**Lorentzian.** Closing the d-contour in the upper half plane picks only the pole
:math:`d = d_0 + iw`: :math:`1 = V^*\chi_0(\lambda + w - i d_0)`. The growth rates of the
disordered group are those of an identical group shifted by :math:`-w`, so the onset is where
the identical group's largest growth rate equals :math:`w`; for spin-1 this is the closed form
of :func:`~qsynchro.solvers.stability.critical_coupling` with
:math:`\gamma_\pm\to\gamma_\pm + 2w` (the coherence block contains the rates only as
:math:`-\gamma_\pm/2` on its diagonal, and :math:`b` depends only on
:math:`\rho^* = |1\rangle\langle1|`).

**Threshold.** On the imaginary axis :math:`\lambda = iy`, with :math:`V = \kappa e^{i\varphi}`
(:math:`\kappa > 0`, fixed phase): :math:`\mathrm{Im}(e^{-i\varphi}F(iy)) = 0` and
:math:`\kappa = 1/\mathrm{Re}(e^{-i\varphi}F(iy)) > 0`; the onset :math:`\kappa_c` is the
smallest such :math:`\kappa` (roots in y by a scan and Brent's method).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import scipy.optimize

from qsynchro.models.disorder import Distribution, Lorentzian
from qsynchro.models.network import Network
from qsynchro.models.oscillator import Oscillator, spin1
from qsynchro.solvers.stability import _brent_threshold, _rates, coherence_block, critical_coupling

__all__ = [
    "critical_coupling_with_disorder",
    "disordered_critical_coupling",
    "dispersion",
    "dissipative_critical_rate",
    "single_sector",
]


def single_sector(oscillator: Oscillator, **parameters: Any) -> tuple[np.ndarray, np.ndarray]:
    r"""The single-oscillator block :math:`L_0` (d = 0, V = 0) and the rank-one coupling
    matrix :math:`R` (block at V = 1 minus :math:`L_0`), each (m, m) complex."""
    base = Network(oscillator, np.zeros(1), np.zeros((1, 1)), **parameters)
    if base.batch_shape:
        raise ValueError(
            "The disordered critical coupling needs scalar oscillator parameters, but got "
            f"batch shape {base.batch_shape}."
        )
    L0 = coherence_block(base)
    R = coherence_block(base.replace(coupling=np.ones((1, 1)))) - L0
    return L0, R


_SPIN1 = spin1()


def dispersion(
    lam: Any, L0: np.ndarray, R: np.ndarray, disorder: Distribution, centre: float = 0.0
) -> np.ndarray:
    r""":math:`F(\lambda) = \int g(d)\,\chi_0(\lambda - i d)\,\mathrm{d}d` (see module doc).

    The incoherent state has a mode :math:`e^{\lambda t}` (:math:`\mathrm{Re}\,\lambda\ge 0`)
    iff :math:`V^* F(\lambda) = 1`. ``lam`` has any shape; returns complex of that shape.
    """
    mu, P = np.linalg.eig(L0)
    c = np.diag(np.linalg.solve(P, R @ P))
    lam = np.asarray(lam, dtype=np.complex128)
    zeta = -1j * (lam[..., None] - mu)  # (..., m)
    return np.sum(c * 1j * disorder.stieltjes(zeta - centre), -1)


def disordered_critical_coupling(
    oscillator: Oscillator,
    disorder: Distribution,
    *,
    phase: float = 0.0,
    centre: float = 0.0,
    n_scan: int = 4001,
    **parameters: Any,
) -> float:
    r"""Continuum-limit onset :math:`\kappa_c` of a disordered group, coupling
    :math:`V = \kappa e^{i\,\mathrm{phase}}` (see module doc).

    Returns ``math.inf`` if no :math:`\kappa > 0` destabilizes the incoherent state, and 0.0
    if it is already marginal at V = 0.
    """
    L0, R = single_sector(oscillator, **parameters)
    mu = np.linalg.eigvals(L0)
    if np.max(mu.real) >= -1e-12:
        return 0.0
    spread = disorder.scale
    if hasattr(disorder, "values"):
        spread = float(np.max(np.abs(disorder.values)))
    Y = float(np.max(np.abs(mu.imag)) + 20.0 * (spread + np.max(np.abs(mu.real))) + 1.0)
    y = centre + np.linspace(-Y, Y, n_scan)
    rot = np.exp(-1j * phase)

    def h(yy: float) -> float:
        return float((rot * dispersion(1j * yy, L0, R, disorder, centre)).imag)

    F = rot * dispersion(1j * y, L0, R, disorder, centre)
    hv = F.imag
    roots = list(y[np.abs(hv) <= 1e-13 * np.abs(F)])
    for i in np.nonzero(np.sign(hv[:-1]) * np.sign(hv[1:]) < 0)[0]:
        roots.append(scipy.optimize.brentq(h, y[i], y[i + 1], xtol=1e-14, rtol=1e-14))
    best = math.inf
    for r in roots:
        re = float((rot * dispersion(1j * r, L0, R, disorder, centre)).real)
        if re > 0:
            best = min(best, 1.0 / re)
    return best


def spin1_lorentzian_critical_coupling(
    gamma_plus: Any, gamma_minus: Any, K: Any, width: float
) -> Any:
    r"""Spin-1 closed form with Lorentzian disorder:
    :math:`V_c(\gamma_+ + 2w, \gamma_- + 2w, K)`."""
    return critical_coupling(
        np.asarray(gamma_plus, dtype=np.float64) + 2.0 * width,
        np.asarray(gamma_minus, dtype=np.float64) + 2.0 * width,
        K,
    )


def dissipative_critical_rate(
    oscillator: Oscillator, width: float = 0.0, *, kappa_max: float = 1e3, **parameters: Any
) -> float:
    r"""Onset :math:`\kappa_c` of all-to-all dissipative coupling
    (:func:`~qsynchro.models.dissipative.with_dissipative_coupling`) for a group with
    Lorentzian disorder of half width ``width`` (continuum limit).

    The local decay :math:`\kappa\mathcal{D}[A^\dagger]` makes the single-oscillator block
    depend on :math:`\kappa`, so the onset is the root of
    :math:`s(\kappa) = \max\mathrm{Re}\,\mathrm{eig}(\text{identical group at }\kappa) - w`
    (the Lorentzian shift theorem of the module doc), found by a scan and Brent's method.
    Returns ``math.inf`` if none below ``kappa_max``.
    """
    from qsynchro.models.dissipative import with_dissipative_coupling
    from qsynchro.solvers.stability import max_growth_rate

    w = float(Lorentzian(width).width)
    base = Network(oscillator, np.zeros(1), np.zeros((1, 1)), **parameters)

    def s(k: float) -> float:
        return float(max_growth_rate(with_dissipative_coupling(base, k))) - w

    return _brent_threshold(s, kappa_max, 1e-12, n_grid=200, V_min=1e-4, rtol=1e-12)


def critical_coupling_with_disorder(
    gp: Any, gm: Any, K: Any, disorder: Any, parameters: dict[str, Any]
) -> Any:
    """``critical_coupling(..., disorder=...)``: spin-1 closed form (Lorentzian) or the
    continuum dispersion root (see the module docstring)."""
    if not isinstance(disorder, Distribution):
        raise TypeError(
            "Argument `disorder` must be a Lorentzian, Gaussian, Uniform or Samples, "
            f"but got {type(disorder).__name__}."
        )
    if isinstance(gp, Oscillator):
        if gm is not None or K is not None:
            raise TypeError("critical_coupling(oscillator, disorder=...) takes keywords only.")
        return disordered_critical_coupling(gp, disorder, **parameters)
    if isinstance(gp, Network):
        raise TypeError(
            "critical_coupling(network, disorder=...) is not supported: pass the oscillator "
            "(a disordered network's own threshold is critical_coupling(network))."
        )
    if parameters or gp is None or gm is None or K is None:
        raise TypeError("critical_coupling(gamma_plus, gamma_minus, K, disorder=...) for spin-1.")
    if isinstance(disorder, Lorentzian):
        return spin1_lorentzian_critical_coupling(gp, gm, K, disorder.width)
    gp, gm, K = _rates(gp, gm, K)
    out = np.vectorize(
        lambda a, b, c: disordered_critical_coupling(
            _SPIN1, disorder, gamma_plus=a, gamma_minus=b, K=c
        )
    )(gp, gm, K)
    return float(out) if out.ndim == 0 else out
