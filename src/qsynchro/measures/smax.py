r"""Certified synchronization measure S_max (Eq. 4 of Murtadho et al., PRL 131, 030401).

.. math::
    S_{\max} = \max_{\phi}\frac{1}{2^{D+1}\pi^{D-2}}\sum_{n\neq m}\rho_{nm}e^{i(\phi_m-\phi_n)}
             = \frac{\max_{|z_n|=1} z^\dagger C z}{2^{D+1}\pi^{D-2}},
    \qquad C = \rho - \mathrm{diag}(\rho),\ z_n = e^{i\phi_n}.

The scaled measure is :math:`\mathbb{S}_{\max} = (2\pi)^{D-2} S_{\max} = \max z^\dagger C z/8`
(for the maser, ``D = N + 2`` and this is the paper's :math:`(2\pi)^N S_{\max}`); it is
computed directly, so it stays representable when ``value`` underflows.

Two routes, both returning a lower bound (attained by the reported phases) and a
rigorous upper bound:

* **Any density matrix** (NumPy, JAX or QuTiP): a local optimizer (shifted power
  iteration on the phases from several starts, including the rounded top eigenvectors,
  then quasi-Newton polishing) gives the lower bound. The upper bound is the dual of the
  SDP relaxation: for *every* real vector ``d``,
  :math:`\max_{|z_n|=1} z^\dagger C z \le D\,\lambda_{\max}(C-\mathrm{diag}\,d)+\sum_n d_n`
  (since :math:`z^\dagger(C-\mathrm{diag}\,d)z\le\lambda_{\max}|z|^2 = D\lambda_{\max}`). We
  start from the KKT multipliers of the best phases, :math:`d_n=\mathrm{Re}(\bar z_n(Cz)_n)`
  (for which the bound equals the value whenever the relaxation is tight), otherwise solve
  the SDP with a primal-dual interior point method (HRVW) and polish with L-BFGS; the
  eigenvalue is evaluated with a safety margin
  ``8 D eps ||M||_F`` that covers the backward error of the symmetric eigensolver. If a gap
  remains and ``D`` is small, a branch and bound over phase boxes closes it with a
  second-order Taylor bound (:math:`|\partial_k\partial_l f|\le 2|C_{kl}|`,
  :math:`|\partial_k^2 f|\le 2\sum_m|C_{km}|`). ``D = 2`` is solved in closed form.
* **The degenerate maser** (a :class:`~qsynchro.models.maser.Maser` model or its
  structured steady state): exact, see :func:`s_max_structured` and
  ``docs/murtadho2023.md``. The dense D x D matrix is never formed.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from qsynchro._checks import check_density_matrix, check_int, check_nonnegative
from qsynchro.measures.smax_quadratic import s_max_from_quadratic
from qsynchro.measures.smax_result import SMaxResult, _from_q, exp_upper, log_rounding
from qsynchro.measures.smax_structured import (
    s_max_structured,
    structured_max,
    structured_rounding,
    structured_state_margin,
)
from qsynchro.models.maser import Maser

__all__ = [
    "SMaxResult",
    "exp_upper",
    "log_rounding",
    "s_max",
    "s_max_from_quadratic",
    "s_max_structured",
    "structured_max",
    "structured_rounding",
    "structured_state_margin",
]


def _is_maser_state(x: Any) -> bool:
    return all(hasattr(x, k) for k in ("block", "p_dark", "weights")) and not isinstance(
        x, np.ndarray
    )


def s_max(
    x: Any, *, starts: int = 8, seed: int = 0, rtol: float = 1e-9, branch_and_bound_max_dim: int = 6
) -> SMaxResult:
    """Certified S_max (Eq. 4) of any density matrix, or of a maser model (structured).

    Args:
        x: a density matrix (array of shape (D, D): NumPy, JAX or QuTiP ``Qobj``; must be
            Hermitian, positive semidefinite, unit trace), or a
            :class:`~qsynchro.models.maser.Maser` model (its steady state is computed with
            the structured solver and the exact reduction is used; the D x D matrix is never
            formed, and the certificate includes the forward error of the steady-state solve,
            so it holds for the exact steady state; at ``n_h == n_c`` or without drive the
            steady state is diagonal and the result is exactly 0; with a near-degenerate
            ladder ``Delta != 0`` the dense steady state and the general certified optimizer
            are used, and the certificate is for that computed matrix), or a structured maser
            steady state (``block``, ``p_dark``, ``weights``, optional ``forward_error``).
        starts: random starts of the local optimizer (dense route).
        seed: seed for those starts.
        rtol: target certificate gap relative to the l1 norm of the coherences.
        branch_and_bound_max_dim: largest D for which a remaining gap is closed by branch
            and bound (dense route).

    Returns:
        :class:`SMaxResult` (``value``, ``scaled``, ``phases``, ``upper_bound``, ``gap``,
        ``certificate`` ...).

    Example:
        >>> import numpy as np
        >>> r = s_max(np.full((3, 3), 1 / 3))
        >>> round(r.scaled * 8, 12)  # max z^H C z = 6 * 1/3
        2.0
    """
    starts = check_int("starts", starts, minimum=0)
    seed = check_int("seed", seed, minimum=0)
    rtol = float(check_nonnegative("rtol", rtol))
    branch_and_bound_max_dim = check_int(
        "branch_and_bound_max_dim", branch_and_bound_max_dim, minimum=0
    )
    if isinstance(x, Maser):
        from qsynchro.solvers.steady import steady_state_dense, structured_steady_state

        if x.n_h == x.n_c or x.lam_eff == 0.0:  # diagonal steady state: S_max = 0
            why = (
                "n_h = n_c, the steady state is the thermal state (equal Boltzmann factors of "
                "|1> and the manifold make any drive inactive)"
                if x.n_h == x.n_c
                else "no drive, the steady state is diagonal"
            )
            return _from_q(
                x.D,
                0.0,
                0.0,
                np.ones(x.D, complex),
                f"exact: {why}; S(phi) = 0 for all phases",
                "zero",
            )
        if not x.degenerate:  # near-degenerate ladder (Delta != 0): no structure, dense route
            dense = s_max(
                steady_state_dense(x),
                starts=starts,
                seed=seed,
                rtol=rtol,
                branch_and_bound_max_dim=branch_and_bound_max_dim,
            )
            return dataclasses.replace(
                dense,
                certificate=dense.certificate + " (for the computed dense steady state; "
                "the forward error of its null-space solve is not included)",
            )
        else:
            st = structured_steady_state(x)
            return s_max_structured(st.block, st.p_dark, st.weights, state_error=st.forward_error)
    if _is_maser_state(x):
        return s_max_structured(
            x.block, x.p_dark, x.weights, state_error=getattr(x, "forward_error", 0.0)
        )
    rho = check_density_matrix("x", x)
    if rho.ndim != 2:
        raise ValueError(
            f"Argument `x` must be a single (D, D) density matrix, but got shape {rho.shape}."
        )
    C = rho - np.diag(np.diag(rho))
    C = 0.5 * (C + C.conj().T)
    return s_max_from_quadratic(
        C, starts=starts, seed=seed, rtol=rtol, branch_and_bound_max_dim=branch_and_bound_max_dim
    )
