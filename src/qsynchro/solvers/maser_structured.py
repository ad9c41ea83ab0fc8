r"""Exact steady state of the exactly degenerate thermal maser (rotating frame, Eq. 8).

The structured route of :func:`qsynchro.solvers.steady.steady_state` (``Delta = 0``, any
complex :math:`\lambda_j`, resonant or detuned drive): O(1) work plus O(N) for the
bright-state weights, so N = 10^6 takes milliseconds. :func:`structured_steady_state`
validates and returns a :class:`MaserState`; :func:`reduced_steady_state` is the batched,
unvalidated fast path of the sweeps (with a rigorous forward-error bound from
:mod:`qsynchro.solvers.maser_forward_error`). :func:`check_unique` is shared with the
dense route.

Derivation of the structured solver (``docs/maser.md``). Write the drive as
:math:`\tilde V = \lambda_\mathrm{eff}|1\rangle\langle B| + \mathrm{h.c.}` with the bright state
:math:`|B\rangle = \sum_j \lambda_j^*|j\rangle/\lambda_\mathrm{eff}` (equal to the paper's
:math:`|J\rangle` for real :math:`\lambda_j`). With ``Delta = 0`` the bare and rotating-frame
Hamiltonians are proportional to the identity on the manifold ``M``, and the baths act
on ``M`` through :math:`\sum_j \mathcal{L}[|0\rangle\langle j|]\rho = 2\,\mathrm{Tr}(P_M\rho)
|0\rangle\langle 0| - \{P_M,\rho\}` and :math:`\sum_j\mathcal{L}[|j\rangle\langle 0|]\rho =
2\rho_{00}P_M - N\{|0\rangle\langle 0|,\rho\}`, which are invariant under any unitary ``U``
acting inside ``M``. If ``U`` also fixes ``|B>`` it commutes with the full generator. A
unique steady state is then invariant under every such ``U`` (the group ``U(N-1)`` on
the dark subspace ``M ⊖ |B>``), hence commutes with it: by Schur's lemma

.. math:: \tilde\rho = \rho_\mathrm{block} \oplus p_\mathrm{dark} P_\mathrm{dark},

with a 3x3 block on ``(|0>, |1>, |B>)`` and no dark-bright or dark-other coherence.
Inserting this ansatz into Eq. 8 closes on 10 unknowns (9 block entries and
``p_dark``): the block obeys a 3-level master equation with
:math:`\tilde H_b = \mathrm{diag}(0, \omega_1 + \Omega/2, \omega_2 - \Omega/2) +
\lambda_\mathrm{eff}(|1\rangle\langle B| + \mathrm{h.c.})`, the decay
:math:`2\Gamma_{h1}(\rho_{BB} + (N-1)p_\mathrm{dark})` into ``|0>``, and
:math:`\dot p_\mathrm{dark} = 2\Gamma_{h2}\rho_{00} - 2\Gamma_{h1}p_\mathrm{dark}`; the trace is
:math:`\mathrm{Tr}\rho_\mathrm{block} + (N-1)p_\mathrm{dark} = 1`. This 10x10 linear problem is
solved here for any N (batched over parameters in :func:`reduced_steady_state`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qsynchro._checks import check_int
from qsynchro.models.maser import Maser
from qsynchro.solvers.maser_forward_error import (
    _EPS,
    _default_lam_error,
    _forward_error,
    lam_eff_error,
)

__all__ = [
    "MaserState",
    "check_unique",
    "reduced_steady_state",
    "structured_steady_state",
]


@dataclass(frozen=True)
class MaserState:
    """Rotating-frame steady state of the exactly degenerate maser, in structured form.

    :math:`\\tilde\\rho = \\sum_{a,b\\in\\{0,1,B\\}} \\mathrm{block}_{ab}|a\\rangle\\langle b|
    + p_\\mathrm{dark}(P_M - |B\\rangle\\langle B|)`, with ``P_M`` the projector on the
    degenerate manifold and ``|B> = sum_j weights[j-2] |j>``.

    Attributes:
        block: (3, 3) complex, :math:`\\tilde\\rho` on the basis ``(|0>, |1>, |B>)``.
        p_dark: population of EACH of the ``N - 1`` dark states (0 for N = 1).
        weights: (N,) complex, ``weights[j-2] = <j|B> = conj(lam_j) / lam_eff``.
        forward_error: rigorous bound on the 2-norm distance between ``(block, p_dark)``
            (9 entries and ``p_dark``) and those of the exact steady state of the model
            (see :func:`reduced_steady_state`); 0 when not known (a state built by hand).
    """

    block: np.ndarray
    p_dark: float
    weights: np.ndarray
    forward_error: float = 0.0

    @property
    def N(self) -> int:
        """Number of degenerate levels."""
        return int(self.weights.shape[0])

    @property
    def D(self) -> int:
        """Dimension ``N + 2``."""
        return self.N + 2

    def dense(self) -> np.ndarray:
        """The full density matrix, shape (N+2, N+2), basis ``|0>, |1>, |2>, ..., |N+1>``."""
        b, w, pd = self.block, self.weights, self.p_dark
        D = self.D
        rho = np.empty((D, D), dtype=np.complex128)
        rho[:2, :2] = b[:2, :2]
        rho[:2, 2:] = b[:2, 2:3] * np.conj(w)[None, :]
        rho[2:, :2] = w[:, None] * b[2:3, :2]
        rho[2:, 2:] = (b[2, 2] - pd) * np.outer(w, np.conj(w))
        idx = np.arange(2, D)
        rho[idx, idx] += pd
        return rho

    def element(self, n: int, m: int) -> complex:
        """``<n|rho|m>`` without forming the dense matrix (0 <= n, m <= N+1)."""
        D = self.D
        n = check_int("n", n, minimum=0, maximum=D - 1)
        m = check_int("m", m, minimum=0, maximum=D - 1)
        b, w = self.block, self.weights
        # amplitude of |n> in the block basis: <a|n> for a in (0, 1, B)
        an = (1.0, 0.0, 0.0) if n == 0 else (0.0, 1.0, 0.0) if n == 1 else (0.0, 0.0, w[n - 2])
        am = (1.0, 0.0, 0.0) if m == 0 else (0.0, 1.0, 0.0) if m == 1 else (0.0, 0.0, w[m - 2])
        # <n|rho_block|m> = sum_ab <n|a> b_ab <b|m>, with <n|B> = w and <B|m> = conj(w)
        val = complex(np.asarray(an) @ b @ np.conj(np.asarray(am)))
        if n >= 2 and m >= 2:
            val += self.p_dark * ((1.0 if n == m else 0.0) - w[n - 2] * np.conj(w[m - 2]))
        return complex(val)

    def populations(self) -> np.ndarray:
        """Diagonal of the density matrix, shape (N+2,) (real), without forming it."""
        w2 = np.abs(self.weights) ** 2
        p = np.empty(self.D)
        p[0] = self.block[0, 0].real
        p[1] = self.block[1, 1].real
        p[2:] = self.block[2, 2].real * w2 + self.p_dark * (1.0 - w2)
        return p


def check_unique(model: Maser) -> None:
    """Raise ``ValueError`` if the steady state of ``model`` is not unique.

    Non-unique cases: without hot bath (``gamma_h = 0``) the dark states (N >= 2)
    or an undriven manifold never relax; without cold bath and drive (``gamma_c = 0``
    and ``lam_eff = 0``) the level ``|1>`` never relaxes; with neither bath nothing does.
    """
    if model.gamma_h == 0.0 and (model.N >= 2 or model.lam_eff == 0.0 or model.gamma_c == 0.0):
        raise ValueError(
            "The steady state is not unique for `gamma_h` = 0 (levels of the degenerate "
            f"manifold never relax; N = {model.N}); use a positive `gamma_h`."
        )
    if model.gamma_c == 0.0 and model.lam_eff == 0.0:
        raise ValueError(
            "The steady state is not unique for `gamma_c` = 0 without drive (`lam` = 0): "
            "level |1> never relaxes."
        )


def _reduced_matrix(N, lam_eff, E1, E2, G_h1, G_h2, G_c1, G_c2, dtype=np.float64):
    """The 10x10 reduced generator (before the trace row), shape (..., 10, 10).

    ``dtype`` is the real precision (float64, or longdouble for the residual of
    :func:`_forward_error`); the matrix is complex of the matching precision.
    """
    N, lam_eff, E1, E2, G_h1, G_h2, G_c1, G_c2 = np.broadcast_arrays(
        *(np.asarray(x, dtype=dtype) for x in (N, lam_eff, E1, E2, G_h1, G_h2, G_c1, G_c2))
    )
    cdtype = np.result_type(dtype, np.complex64)
    shape = N.shape
    H = np.zeros((*shape, 3, 3), dtype=cdtype)
    H[..., 1, 1] = E1
    H[..., 2, 2] = E2
    H[..., 1, 2] = lam_eff
    H[..., 2, 1] = lam_eff
    eye = np.eye(3, dtype=dtype)
    # vec row-major: [(i,j),(k,l)] = H_ik d_jl - d_ik H_lj
    Hs = np.einsum("...ik,jl->...ijkl", H, eye) - np.einsum("ik,...lj->...ijkl", eye, H)
    M = np.zeros((*shape, 10, 10), dtype=cdtype)
    M[..., :9, :9] = -1j * Hs.reshape(*shape, 9, 9)
    K = np.stack([N * G_h2 + G_c2, G_c1, G_h1], axis=-1)
    anti = (K[..., :, None] + K[..., None, :]).reshape(*shape, 9)
    M[..., np.arange(9), np.arange(9)] -= anti
    M[..., 0, 4] += 2 * G_c1  # |0><0| <- rho_11
    M[..., 0, 8] += 2 * G_h1  # |0><0| <- rho_BB
    M[..., 0, 9] += 2 * G_h1 * (N - 1)  # |0><0| <- dark populations
    M[..., 4, 0] += 2 * G_c2  # |1><1| <- rho_00
    M[..., 8, 0] += 2 * G_h2  # |B><B| <- rho_00
    M[..., 9, 0] += 2 * G_h2  # each dark state <- rho_00
    M[..., 9, 9] -= 2 * G_h1
    one = N == 1  # no dark states: pin p_dark = 0
    M[one, 9, :] = 0.0
    M[one, 9, 9] = 1.0
    # trace row replaces the (redundant) rho_00 equation
    M[..., 0, :] = 0.0
    M[..., 0, 0] = M[..., 0, 4] = M[..., 0, 8] = 1.0
    M[..., 0, 9] = N - 1
    return M


def _matrix_from_parameters(N, lam_eff, n_h, n_c, gamma_h, gamma_c, detuning, w1, w2, dtype):
    """The reduced system of :func:`reduced_steady_state`, rates formed in ``dtype``."""
    f = lambda x: np.asarray(x, dtype=dtype)  # noqa: E731
    n_h, n_c, gamma_h, gamma_c, w1, w2 = (f(x) for x in (n_h, n_c, gamma_h, gamma_c, w1, w2))
    Omega = w2 - w1 + f(detuning)
    return _reduced_matrix(
        N,
        f(lam_eff),
        w1 + Omega / 2,
        w2 - Omega / 2,
        gamma_h * (1 + n_h),
        gamma_h * n_h,
        gamma_c * (1 + n_c),
        gamma_c * n_c,
        dtype=dtype,
    )


def reduced_steady_state(
    N: Any,
    lam_eff: Any,
    n_h: Any,
    n_c: Any,
    gamma_h: Any,
    gamma_c: Any,
    detuning: Any = 0.0,
    *,
    omega_1: Any = 1.0,
    omega_2: Any = 3.0,
    return_error: bool = False,
    lam_error: Any = None,
) -> tuple[np.ndarray, ...]:
    r"""Batched structured steady state: the 3x3 block and ``p_dark``.

    All arguments broadcast (batch = leading dims). ``detuning`` is
    ``Omega - (omega_2 - omega_1)``. Points whose steady state is not unique
    (singular reduced system) come back as NaN. No validation: this is the
    fast path for sweeps; :func:`structured_steady_state` validates.

    At ``n_h == n_c`` the steady state is the thermal state (exactly diagonal, for any
    drive: |1> and the manifold have equal Boltzmann factors ``n/(1+n)``, so the state is
    proportional to the identity on them and commutes with the drive):
    ``rho_00 = (1+n)/(1+(N+2)n)``, every other population ``n/(1+(N+2)n)``; it is returned
    in this closed form, with coherences exactly 0.

    Args:
        return_error: also return a rigorous bound on the distance between the computed
            and the exact ``(block, p_dark)`` (2-norm over the 9 block entries and
            ``p_dark``; see :func:`_forward_error`). The parameters are taken as exact,
            and ``lam_eff`` as a float64 approximation of ``sqrt(sum |lam_j|^2)``.
        lam_error: bound on the error of ``lam_eff`` (broadcasting; see
            :func:`lam_eff_error`); default the generic ``(log2 N + 10) eps lam_eff``.

    Returns:
        ``(block, p_dark)`` with shapes (..., 3, 3) complex and (...) float, and with
        ``return_error`` the bound, shape (...) float.
    """
    args = (N, lam_eff, n_h, n_c, gamma_h, gamma_c, detuning, omega_1, omega_2)
    M = _matrix_from_parameters(*args, dtype=np.float64)
    rhs = np.zeros(M.shape[:-1], dtype=np.complex128)
    rhs[..., 0] = 1.0
    s = np.linalg.svd(M, compute_uv=False)
    singular = s[..., -1] <= 1e-13 * s[..., 0]
    M = np.where(singular[..., None, None], np.eye(10), M)
    x = np.linalg.solve(M, rhs[..., None])[..., 0]
    if return_error:
        M_ld = _matrix_from_parameters(*args, dtype=np.longdouble)
        if lam_error is None:
            lam_error = _default_lam_error(N, lam_eff)
        lam_error = np.broadcast_to(np.asarray(lam_error, dtype=np.float64), x.shape[:-1])
        err = _forward_error(M, s[..., -1], x, M_ld, lam_error)
    block = x[..., :9].reshape(*x.shape[:-1], 3, 3)
    block = 0.5 * (block + np.conj(np.swapaxes(block, -1, -2)))
    p_dark = x[..., 9].real.copy()
    # thermal point: closed form, exactly diagonal
    n_h_b, n_c_b, N_b = np.broadcast_arrays(
        np.asarray(n_h, float), np.asarray(n_c, float), np.asarray(N, float)
    )
    thermal = (n_h_b == n_c_b) & ~singular
    if np.any(thermal):
        n, Nt = n_h_b[thermal], N_b[thermal]
        p = n / (1.0 + (Nt + 2.0) * n)
        bt = np.zeros((n.size, 3, 3), dtype=np.complex128)
        bt[:, 0, 0] = (1.0 + n) / (1.0 + (Nt + 2.0) * n)
        bt[:, 1, 1] = p
        bt[:, 2, 2] = p
        block[thermal] = bt
        p_dark[thermal] = np.where(Nt > 1, p, 0.0)
        if return_error:  # populations: a few roundings each; coherences exact
            err[thermal] = 8.0 * _EPS
    block[singular] = np.nan
    p_dark[singular] = np.nan
    if return_error:
        err = np.where(singular, np.nan, err)
        return block, p_dark, err
    return block, p_dark


def structured_steady_state(model: Maser) -> MaserState:
    """Exact steady state of an exactly degenerate maser (``Delta = 0``), any ``lam_j``.

    Resonant or detuned drive; derivation in the module docstring and ``docs/maser.md``.

    Args:
        model: a :class:`~qsynchro.models.maser.Maser` with ``Delta == 0``.

    Returns:
        :class:`MaserState` (rotating frame). ``.dense()`` gives the (D, D) matrix.

    Raises:
        ValueError: ``Delta != 0`` or a non-unique steady state.
    """
    if not isinstance(model, Maser):
        raise TypeError(f"Argument `model` must be a Maser, but got {type(model).__name__}.")
    if not model.degenerate:
        raise ValueError(
            "The structured solver needs an exactly degenerate manifold, but got "
            f"`Delta` = {model.Delta!r}; use steady_state_dense."
        )
    check_unique(model)
    block, p_dark, err = reduced_steady_state(
        model.N,
        model.lam_eff,
        model.n_h,
        model.n_c,
        model.gamma_h,
        model.gamma_c,
        model.detuning,
        omega_1=model.omega_1,
        omega_2=model.omega_2,
        return_error=True,
        lam_error=lam_eff_error(model.lam_vector, model.lam_eff),
    )
    if not np.all(np.isfinite(block)):
        raise ValueError(
            "The steady state is numerically not unique for these parameters (the reduced "
            "system is singular to 1e-13, e.g. a relaxation rate many orders of magnitude "
            "below the others)."
        )
    return MaserState(
        block=block,
        p_dark=float(p_dark),
        weights=model.bright_weights,
        forward_error=float(err),
    )
