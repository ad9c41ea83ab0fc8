r"""Linear stability of the unsynchronized state (Eq. 2 of Nadolny & Bruder, any oscillator).

Any oscillator
--------------
The unsynchronized state is the steady state :math:`\rho^*_\sigma` of each uncoupled group
(:mod:`qsynchro.solvers.local`). For a U(1)-symmetric oscillator it is diagonal in the charge
basis of :math:`N` and the linearization splits into charge sectors; the sector that carries
:math:`\langle A\rangle` holds the entries :math:`\rho_{ij}` with :math:`q_i - q_j = -1` and
obeys the complex-linear system

.. math::

    \dot x_\sigma = \mathcal{L}^{(-1)}_\sigma x_\sigma
        - i\Big(\sum_\tau C^*_{\sigma\tau}\,a\cdot x_\tau\Big)\,
          [A^\dagger, \rho^*_\sigma]^{(-1)},\qquad \langle A\rangle_\tau = a\cdot x_\tau,

(:func:`coherence_block`), because the coupling Hamiltonian :math:`wA + w^*A^\dagger` acts
on :math:`\rho^*` through :math:`w^* = \sum_\tau C^*_{\sigma\tau}\langle A\rangle_\tau`.
Without U(1) symmetry (a drive) the full Jacobian of the trace-reduced equations is used
(:func:`jacobian`).

Spin-1 (the paper's oscillator)
-------------------------------

Linearization
-------------
Perturb :math:`\rho_\sigma = |1\rangle\langle1| + \delta\rho_\sigma`. Because Eq. 2 is
invariant under the U(1) rotation :math:`e^{-i\theta S^z}`, the linearized equations split
into charge sectors. The charge +1 coherences :math:`x_\sigma = (c_{01}, c_{12})_\sigma`
(with :math:`\langle S^+\rangle_\sigma = \sqrt2(c_{01}+c_{12})`) obey a *complex-linear*
system (the mean field enters through :math:`w^*_\sigma = 2\sum_\tau C_{\sigma\tau}
(c_{01}+c_{12})_\tau`, no complex conjugate of x):

.. math::

    \dot c_{01,\sigma} &= (i d_\sigma - \gamma_+/2)\,c_{01,\sigma}
                          - 2i\textstyle\sum_\tau C_{\sigma\tau} s_\tau,\\
    \dot c_{12,\sigma} &= (i (d_\sigma + K) - \gamma_-/2)\,c_{12,\sigma}
                          + 2i\textstyle\sum_\tau C_{\sigma\tau} s_\tau,
    \qquad s_\tau = c_{01,\tau} + c_{12,\tau}.

This is the 2G x 2G complex matrix :math:`A` returned by :func:`coherence_block`. The
charge -1 sector is its complex conjugate, and the remaining directions decouple at linear
order: populations decay at :math:`-\gamma_+` (:math:`p_0`) and :math:`-\gamma_-`
(:math:`p_2`), and :math:`c_{02}` at :math:`i(2d_\sigma+K) - (\gamma_++\gamma_-)/2`.

Closed form of V_c (single group)
---------------------------------
For one group (:math:`d = 0` without loss of generality: a common detuning only shifts
imaginary parts) :math:`A = \begin{pmatrix}-\gamma_+/2 - 2iV & -2iV\\ 2iV & iK - \gamma_-/2
+ 2iV\end{pmatrix}`, with

.. math::

    \mathrm{tr}A = -\Gamma/2 + iK, \qquad
    \det A = g/4 + 2VK + i\,[V\Delta - \gamma_+K/2],

where :math:`\Gamma = \gamma_++\gamma_-`, :math:`\Delta = \gamma_- - \gamma_+`,
:math:`g = \gamma_+\gamma_-`. An eigenvalue crosses the imaginary axis, :math:`\lambda = iy`,
when :math:`-y^2 - iy\,\mathrm{tr}A + \det A = 0`. The imaginary part gives
:math:`y = (\gamma_+K - 2V\Delta)/\Gamma`; inserting it into the real part,
:math:`-y^2 + Ky + g/4 + 2VK = 0`, and multiplying by :math:`\Gamma^2` (using
:math:`\Gamma^2 - \Delta^2 = 4g`) leaves the quadratic

.. math::

    4\Delta^2 V^2 - 8gK\,V - g\,(K^2 + \Gamma^2/4) = 0 .

For :math:`g > 0` the product of its roots is negative, so exactly one root is positive; at
V = 0 both eigenvalues (:math:`-\gamma_+/2`, :math:`iK - \gamma_-/2`) are stable, hence

.. math::

    V_c = \frac{2gK + R}{2\Delta^2}
        = \frac{g\,(K^2 + \Gamma^2/4)}{2\,(R - 2gK)},\qquad
    R = \sqrt{4g^2K^2 + g\Delta^2(K^2 + \Gamma^2/4)}

(the second form is used for K <= 0, where it is free of cancellation). At
:math:`\gamma_+ = \gamma_-` (:math:`\Delta = 0`) the quadratic becomes linear,
:math:`V_c = (K^2 + \Gamma^2/4)/(8|K|)` for K < 0 and no positive root for K >= 0:
V_c = inf, the macroscopic interference blockade of Fig. 2(c). For K = 0,
:math:`V_c = \Gamma\sqrt{g}/(4|\Delta|)`. Limits: gamma_plus = 0 or gamma_minus = 0 gives
g = 0 and V_c = 0 (the state is then only marginally stable at V = 0).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import scipy.optimize

from qsynchro._checks import check_finite, check_nonnegative
from qsynchro.equations.meanfield import (
    params_from_model,
)
from qsynchro.models.network import Network
from qsynchro.models.oscillator import Oscillator
from qsynchro.solvers.jacobian import jacobian, jacobian_eigenvalues
from qsynchro.solvers.local import local_steady_state
from qsynchro.solvers.stability_shared import has_shared_rows, shared_growth_rate

__all__ = [
    "coherence_block",
    "critical_coupling",
    "critical_coupling_numeric",
    "jacobian",
    "jacobian_eigenvalues",
    "max_growth_rate",
]


#: above this many coherence-sector unknowns (G m) a shared mean field uses the dispersion
#: relation instead of a dense eigensolve (stability_shared)
SHARED_DENSE_MAX = 128


# ---------------------------------------------------------------------- charge sector
def _sector(osc: Oscillator) -> list[tuple[int, int]]:
    q = osc.charges
    d = osc.dim
    return [(i, j) for i in range(d) for j in range(d) if abs(q[i] - q[j] + 1.0) < 1e-9]


@functools.lru_cache(maxsize=64)
def _sector_matrices(osc: Oscillator) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    """Complex matrices of every term restricted to the charge -1 sector, and the vector a."""
    S = _sector(osc)
    d = osc.dim
    ops: list[Any] = []
    for h in osc.hamiltonian.values():
        ops.append(lambda r, h=h: -1j * (h @ r - r @ h))
    for L in osc.jumps.values():
        Ld = L.conj().T
        ops.append(lambda r, L=L, Ld=Ld: L @ r @ Ld - 0.5 * (Ld @ L @ r + r @ Ld @ L))
    N = osc.detuning_generator
    ops.append(lambda r: -1j * (N @ r - r @ N))
    mats = np.zeros((len(ops), len(S), len(S)), dtype=np.complex128)
    for c, (i, j) in enumerate(S):
        E = np.zeros((d, d), dtype=np.complex128)
        E[i, j] = 1.0
        for t, op in enumerate(ops):
            out = op(E)
            mats[t, :, c] = [out[k, l] for k, l in S]
    A = osc.coupling_operator
    a = np.array([A[j, i] for i, j in S])  # <A> = sum_{(i,j) in S} A_ji rho_ij
    return mats, a, S


def coherence_block(model: Network) -> np.ndarray:
    r"""Complex-linear Jacobian block of the sector of :math:`\langle A\rangle` at the
    unsynchronized state, shape (*batch, mG, mG) with m the sector size (spin-1: m = 2).

    Ordering of the unknowns: group-major, :math:`(x_{1}, \dots, x_{G})` with
    :math:`x_\sigma` the sector entries :math:`\rho_{ij}` (:math:`q_i - q_j = -1`,
    row-major); for spin-1 :math:`(c_{01}, c_{12})_\sigma`.

    Raises:
        ValueError: if the oscillator is not U(1) symmetric (use :func:`jacobian`).
    """
    osc = model.oscillator
    if not model.u1_symmetric:
        raise ValueError(
            f"coherence_block needs a U(1)-symmetric model, but the {osc.name!r} oscillator has "
            f"nonzero symmetry-breaking terms {list(osc.symmetry_breaking)}; use jacobian()."
        )
    L, b, a = _block_parts(model)
    m, G = a.size, model.G
    C = np.conj(model.coupling)  # (*batch, G, G)
    J = -1j * np.einsum("...st,...si,j->...sitj", C, b, a)
    J = J.reshape(*model.batch_shape, G * m, G * m).astype(np.complex128)
    for s in range(G):
        J[..., s * m : (s + 1) * m, s * m : (s + 1) * m] += L[..., s, :, :]
    return J


def _block_parts(model: Network) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Local blocks L (*batch, G, m, m), mean-field vectors b (*batch, G, m) and the form a (m,).

    The coherence block is ``blockdiag(L) - i conj(C[s, t]) b_s a^T``.
    """
    osc = model.oscillator
    mats, a, S = _sector_matrices(osc)
    p = params_from_model(model, xp=np)
    coef = np.moveaxis(np.asarray(p.coef), (0, 1), (-1, -2))  # (*batch, G, n_terms)
    L = np.tensordot(coef, mats, axes=(-1, 0))  # (*batch, G, m, m)
    rho = local_steady_state(model)  # (*batch, G, d, d)
    Ad = osc.coupling_operator.conj().T
    comm = np.einsum("ij,...jk->...ik", Ad, rho) - np.einsum("...ij,jk->...ik", rho, Ad)
    b = np.stack([comm[..., i, j] for i, j in S], -1)  # (*batch, G, m)
    return np.broadcast_to(L, (*model.batch_shape, *L.shape[-3:])), b, a


def max_growth_rate(model: Network) -> np.ndarray:
    """Largest growth rate of perturbations of the unsynchronized state, shape (*batch,).

    For a U(1)-symmetric oscillator: the sector of <A> (:func:`coherence_block`), and for
    more than ``SHARED_DENSE_MAX`` sector unknowns with one shared mean field (identical
    coupling rows) the dispersion relation of
    :mod:`qsynchro.solvers.stability_shared` instead of a dense eigensolve (exact for an
    outlier, else the right edge of the local spectrum, an upper bound); otherwise the
    full Jacobian.
    """
    if not model.u1_symmetric:
        return np.max(jacobian_eigenvalues(model).real, axis=-1)
    n_sector = len(_sector(model.oscillator))
    if model.G * n_sector > SHARED_DENSE_MAX and has_shared_rows(model.coupling):
        flat = model.flat()
        L, b, a = _block_parts(flat)
        C = np.broadcast_to(flat.coupling, (flat.batch_shape[0], flat.G, flat.G))
        out = np.empty(flat.batch_shape[0])
        for i in range(out.size):
            g = shared_growth_rate(L[i], b[i], a, C[i, 0])
            if g is None:  # the argument principle did not resolve: dense eigensolve
                g = np.max(np.linalg.eigvals(coherence_block(flat.take(np.array([i])))).real)
            out[i] = g
        return out.reshape(model.batch_shape)
    return np.max(np.linalg.eigvals(coherence_block(model)).real, axis=-1)


def _rates(gamma_plus: Any, gamma_minus: Any, K: Any) -> tuple[np.ndarray, ...]:
    gp = check_nonnegative("gamma_plus", gamma_plus).astype(np.float64)
    gm = check_nonnegative("gamma_minus", gamma_minus).astype(np.float64)
    Kv = check_finite("K", K)
    if Kv.dtype.kind == "c":
        raise TypeError(f"Argument `K` must be real, but got {K!r}.")
    return np.broadcast_arrays(gp, gm, Kv.astype(np.float64))


def critical_coupling(
    gamma_plus: Any = None,
    gamma_minus: Any = None,
    K: Any = None,
    *,
    V_max: float = 1e4,
    xtol: float = 1e-12,
    disorder: Any = None,
    **parameters: Any,
) -> Any:
    r"""Critical intragroup coupling :math:`V_c` of a single group (closed form, see module doc).

    :math:`|1\rangle\langle1|` is linearly stable for :math:`0 \le V < V_c` and unstable
    for :math:`V > V_c`.

    Also accepts an :class:`~qsynchro.models.oscillator.Oscillator` or a
    :class:`~qsynchro.models.network.Network` as the first argument: then the threshold is
    computed numerically (scan of the largest growth rate, then Brent to ``xtol``) for any
    oscillator. For an oscillator it is the intragroup coupling V of one group (oscillator
    parameters from its defaults or ``**parameters``); for a network it is the factor
    :math:`\kappa_c` by which its whole coupling matrix must be scaled.

    Args:
        gamma_plus: gain rate :math:`\gamma_+ \ge 0` (float or array).
        gamma_minus: loss rate :math:`\gamma_- \ge 0` (float or array).
        K: level asymmetry (float or array).
        disorder: a detuning distribution (:mod:`qsynchro.models.disorder`): the onset of a
            disordered group in the continuum limit (:mod:`qsynchro.solvers.disorder`;
            spin-1 with a Lorentzian: closed form with :math:`\gamma_\pm\to\gamma_\pm+2w`).

    Returns:
        float (``math.inf`` where the state is stable for every V) for scalar input, else a
        float64 array of the broadcast shape.
    """
    if disorder is not None:
        return _disordered(gamma_plus, gamma_minus, K, disorder, parameters)
    if isinstance(gamma_plus, (Oscillator, Network)):
        if gamma_minus is not None or K is not None:
            raise TypeError(
                "critical_coupling(oscillator_or_network, **parameters) takes the oscillator's "
                "parameters by keyword only."
            )
        return _oscillator_threshold(gamma_plus, V_max, xtol, parameters)
    if parameters:
        raise TypeError(
            f"Unexpected keyword argument(s) {sorted(parameters)} for the spin-1 closed form "
            "critical_coupling(gamma_plus, gamma_minus, K)."
        )
    if gamma_plus is None or gamma_minus is None or K is None:
        raise TypeError(
            "critical_coupling needs (gamma_plus, gamma_minus, K) for the spin-1 closed form, "
            "or an Oscillator or Network as its first argument."
        )
    gp, gm, K = _rates(gamma_plus, gamma_minus, K)
    scalar = gp.ndim == 0
    g = gp * gm
    Gam = gp + gm
    Dl = gm - gp
    c = K**2 + Gam**2 / 4.0
    R = np.sqrt(4.0 * g**2 * K**2 + g * Dl**2 * c)
    with np.errstate(divide="ignore", invalid="ignore"):
        neg = g * c / (2.0 * (R - 2.0 * g * K))  # K <= 0 form
        pos = (2.0 * g * K + R) / (2.0 * Dl**2)  # K > 0 form
    out = np.where(K <= 0, neg, pos)
    out = np.where((K > 0) & (Dl == 0), np.inf, out)
    out = np.where((K <= 0) & (R - 2.0 * g * K == 0) & (g > 0), np.inf, out)
    out = np.where(g == 0, 0.0, out)
    out = out.astype(np.float64)
    if scalar:
        v = float(out)
        return math.inf if math.isinf(v) else v
    return out


def _disordered(gp: Any, gm: Any, K: Any, disorder: Any, parameters: dict[str, Any]) -> Any:
    from qsynchro.solvers.disorder import critical_coupling_with_disorder

    return critical_coupling_with_disorder(gp, gm, K, disorder, parameters)


def _spin1_growth(V: float, gp: float, gm: float, K: float) -> float:
    return float(max_growth_rate(Network.single_group(K, V, gp, gm)))


def _brent_threshold(
    f: Any, V_max: float, xtol: float, n_grid: int = 400, V_min: float = 1e-6, rtol: float = 1e-13
) -> float:
    """First sign change of ``f`` on 0 and a geometric grid V_min..V_max, refined by Brent.

    ``math.inf`` if ``f`` stays non-positive, 0 if it is positive at 0.
    """
    grid = np.concatenate([[0.0], np.geomspace(V_min, V_max, n_grid)])
    vals = np.array([f(V) for V in grid])
    idx = np.nonzero(vals > 0)[0]
    if idx.size == 0:
        return math.inf
    i = int(idx[0])
    if i == 0:
        return 0.0
    return float(scipy.optimize.brentq(f, grid[i - 1], grid[i], xtol=xtol, rtol=rtol))


def critical_coupling_numeric(
    gamma_plus: float, gamma_minus: float, K: float, *, V_max: float = 1e4, xtol: float = 1e-12
) -> float:
    """Spin-1 V_c by root-finding the largest growth rate (an independent check).

    Scans V on a geometric grid up to ``V_max`` for the first sign change of
    :func:`max_growth_rate` of a single group, then refines it with Brent's method.
    Returns ``math.inf`` if no instability is found below ``V_max``.
    """
    gp, gm, K = (float(x) for x in _rates(gamma_plus, gamma_minus, K))
    return _brent_threshold(lambda V: _spin1_growth(V, gp, gm, K), V_max, xtol)


def _oscillator_threshold(
    target: Oscillator | Network, V_max: float, xtol: float, parameters: dict[str, Any]
) -> float:
    if isinstance(target, Oscillator):
        base = Network(target, np.zeros(1), np.ones((1, 1)), **parameters)
    else:
        if target.batch_shape:
            raise ValueError(
                "critical_coupling(network) needs a single model (empty batch shape), but got "
                f"batch shape {target.batch_shape}."
            )
        base = target.replace(**parameters) if parameters else target
    C = base.coupling

    def growth(V: float) -> float:
        return float(max_growth_rate(base.replace(coupling=V * C)))

    # 120 geometric steps (ratio 1.2 over 1e-6..1e4): an instability window narrower than
    # that is missed; the spin-1 closed form is the check (tests/physics/test_stability.py)
    return _brent_threshold(growth, V_max, xtol, n_grid=120)
