r"""Master equations of the degenerate thermal maser (Murtadho et al., PRL 131, 030401).

Conventions (``docs/maser.md``):

* Basis ``|0>, |1>, |2>, ..., |N+1>``, ``rho[n, m] = <n|rho|m>``, ``D = N + 2``.
* **Dissipator convention "murtadho"** (Eq. 7): :math:`\mathcal{L}[X]\rho = 2X\rho X^\dagger
  - \{X^\dagger X,\rho\}`, i.e. twice the standard :math:`\mathcal{D}[X]`. A rate
  ``Gamma`` of Eq. 7 therefore contributes ``2 Gamma X rho X^dag - Gamma {X^dag X, rho}``.
  (A QuTiP peer uses collapse operators ``sqrt(2 Gamma) X``.)
* Rotating frame (Eq. 8):
  :math:`\tilde H = (\Omega/2)(\sum_j |j\rangle\langle j| - |1\rangle\langle 1|)` and
  :math:`\tilde\rho = e^{i\tilde H t}\rho\, e^{-i\tilde H t}`. This sign is the one for which
  :math:`\tilde V = \sum_j\lambda_j|1\rangle\langle j| + \mathrm{h.c.}` is time independent and the
  generator is :math:`H_0 - \tilde H + \tilde V` as printed in Eq. 8. (The paper writes
  :math:`\tilde O = e^{-i\tilde H t} O e^{i\tilde H t}`, which would give :math:`H_0 + \tilde H`;
  we follow Eq. 8.) Consequently the lab-frame coherences are
  :math:`\rho_{1j}(t) = \tilde\rho_{1j}\,e^{+i\Omega t}` and :math:`\rho_{jl} = \tilde\rho_{jl}`.
* Liouvillians use the row-major vectorization of :mod:`qsynchro.equations.lindblad`:
  ``vec(rho)[i*D + j] = rho[i, j]``.
"""

from __future__ import annotations

import numpy as np

from qsynchro.models.maser import Maser

__all__ = [
    "dissipator",
    "dissipator_superoperator",
    "frame_phases",
    "jump_operators",
    "lab_hamiltonian",
    "lab_liouvillian",
    "lab_rhs",
    "rotating_hamiltonian",
    "rotating_liouvillian",
    "rotating_rhs",
    "to_lab_frame",
    "to_rotating_frame",
]


def _drive(model: Maser, phase: complex = 1.0) -> np.ndarray:
    D = model.D
    V = np.zeros((D, D), dtype=np.complex128)
    lam = model.lam_vector * phase
    V[1, 2:] = lam
    V[2:, 1] = np.conj(lam)
    return V


def rotating_hamiltonian(model: Maser) -> np.ndarray:
    r"""Rotating-frame Hamiltonian :math:`H_0 - \tilde H + \tilde V` of Eq. 8, shape (D, D).

    Diagonal ``(0, omega_1 + Omega/2, omega_j - Omega/2)``, drive
    :math:`\tilde V = \sum_j \lambda_j |1\rangle\langle j| + \mathrm{h.c.}`.
    """
    H = _drive(model)
    H[np.diag_indices(model.D)] += model.energies - _htilde_diag(model)
    return H


def _htilde_diag(model: Maser) -> np.ndarray:
    """Diagonal of :math:`\\tilde H = (\\Omega/2)(\\sum_j |j><j| - |1><1|)`, shape (D,)."""
    h = np.full(model.D, 0.5 * model.drive_frequency)
    h[0] = 0.0
    h[1] = -0.5 * model.drive_frequency
    return h


def lab_hamiltonian(model: Maser, t: float) -> np.ndarray:
    r"""Lab-frame Hamiltonian :math:`H_0 + V(t)` (Eqs. 5, 6), shape (D, D).

    :math:`V(t) = \sum_j \lambda_j e^{i\Omega t}|1\rangle\langle j| + \mathrm{h.c.}`
    """
    H = _drive(model, np.exp(1j * model.drive_frequency * t))
    H[np.diag_indices(model.D)] += model.energies
    return H


def jump_operators(model: Maser) -> tuple[list[np.ndarray], np.ndarray]:
    r"""Jump operators and rates of Eq. 7 (for the factor-2 dissipator).

    Returns:
        ``(ops, rates)``: ``ops`` = ``[c_1, c_2, h_1^2, ..., h_1^{N+1}, h_2^2, ..., h_2^{N+1}]``
        (each (D, D)) with ``c_1 = |0><1|``, ``c_2 = |1><0|``, ``h_1^j = |0><j|``,
        ``h_2^j = |j><0|``; ``rates`` (2N + 2,) = ``Gamma_c1, Gamma_c2, Gamma_h1 (N times),
        Gamma_h2 (N times)``. Use with ``lindblad.liouvillian(..., convention="murtadho")``.
    """
    D, N = model.D, model.N
    ops = []

    def unit(a: int, b: int) -> np.ndarray:
        x = np.zeros((D, D), dtype=np.complex128)
        x[a, b] = 1.0
        return x

    ops.append(unit(0, 1))
    ops.append(unit(1, 0))
    ops.extend(unit(0, j) for j in range(2, D))
    ops.extend(unit(j, 0) for j in range(2, D))
    rates = np.array([model.Gamma_c1, model.Gamma_c2] + [model.Gamma_h1] * N + [model.Gamma_h2] * N)
    return ops, rates


def _k_diag(model: Maser) -> np.ndarray:
    """Diagonal of ``K = sum_X Gamma_X X^dag X``, shape (D,)."""
    k = np.empty(model.D)
    k[0] = model.N * model.Gamma_h2 + model.Gamma_c2
    k[1] = model.Gamma_c1
    k[2:] = model.Gamma_h1
    return k


def dissipator(model: Maser, rho: np.ndarray) -> np.ndarray:
    r"""The bath term :math:`\mathcal{D}[\rho]` of Eq. 7 (factor-2 convention), shape (..., D, D).

    Written out: :math:`-(K\rho + \rho K) + 2\Gamma_{c1}\rho_{11}|0\rangle\langle 0|
    + 2\Gamma_{c2}\rho_{00}|1\rangle\langle 1| + 2\Gamma_{h1}\sum_j\rho_{jj}|0\rangle\langle 0|
    + 2\Gamma_{h2}\rho_{00}\sum_j|j\rangle\langle j|` with the diagonal
    :math:`K = (N\Gamma_{h2} + \Gamma_{c2})|0\rangle\langle 0| + \Gamma_{c1}|1\rangle\langle 1|
    + \Gamma_{h1}\sum_j |j\rangle\langle j|`. Cost O(D^2).
    """
    rho = np.asarray(rho)
    k = _k_diag(model)
    out = -(k[:, None] + k[None, :]) * rho
    r00 = rho[..., 0, 0]
    out[..., 0, 0] += 2 * model.Gamma_c1 * rho[..., 1, 1] + 2 * model.Gamma_h1 * np.einsum(
        "...jj->...", rho[..., 2:, 2:]
    )
    out[..., 1, 1] += 2 * model.Gamma_c2 * r00
    idx = np.arange(2, model.D)
    out[..., idx, idx] += 2 * model.Gamma_h2 * r00[..., None]
    return out


def rotating_rhs(model: Maser, rho: np.ndarray) -> np.ndarray:
    """Right-hand side of the rotating-frame master equation (Eq. 8), shape (D, D)."""
    H = rotating_hamiltonian(model)
    return -1j * (H @ rho - rho @ H) + dissipator(model, rho)


def lab_rhs(model: Maser, t: float, rho: np.ndarray) -> np.ndarray:
    r"""Lab-frame master equation :math:`\dot\rho = -i[H_0 + V(t), \rho] + \mathcal{D}[\rho]`.

    Returns an array of shape (D, D).
    """
    H = lab_hamiltonian(model, t)
    return -1j * (H @ rho - rho @ H) + dissipator(model, rho)


def dissipator_superoperator(model: Maser) -> np.ndarray:
    """The bath term of Eq. 7 as a dense (D^2, D^2) matrix (row-major vec).

    Built directly from matrix units (each jump operator is one); equals
    ``lindblad.liouvillian(0, *jump_operators(model), convention="murtadho")``.
    """
    D = model.D
    k = _k_diag(model)
    L = np.zeros((D * D, D * D), dtype=np.complex128)
    L[np.diag_indices(D * D)] = -(k[:, None] + k[None, :]).ravel()

    def jump(a: int, b: int, rate: float) -> None:  # 2 rate |a><b| rho |b><a|
        L[a * D + a, b * D + b] += 2.0 * rate

    jump(0, 1, model.Gamma_c1)
    jump(1, 0, model.Gamma_c2)
    for j in range(2, D):
        jump(0, j, model.Gamma_h1)
        jump(j, 0, model.Gamma_h2)
    return L


def _commutator_superoperator(H: np.ndarray) -> np.ndarray:
    D = H.shape[0]
    eye = np.eye(D)
    return -1j * (np.kron(H, eye) - np.kron(eye, H.T))


def rotating_liouvillian(model: Maser) -> np.ndarray:
    """Dense rotating-frame Liouvillian of Eq. 8, shape (D^2, D^2), row-major vec.

    Memory ``16 D^4`` bytes (N = 40: 50 MB).
    """
    return _commutator_superoperator(rotating_hamiltonian(model)) + dissipator_superoperator(model)


def lab_liouvillian(model: Maser, t: float) -> np.ndarray:
    """Dense lab-frame generator at time ``t`` (Eqs. 5-7), shape (D^2, D^2), row-major vec."""
    return _commutator_superoperator(lab_hamiltonian(model, t)) + dissipator_superoperator(model)


def frame_phases(model: Maser, t: np.ndarray) -> np.ndarray:
    r"""Phase factors ``P[..., n, m] = exp(-i (h_n - h_m) t)`` with ``h = diag(H~)``.

    ``rho_lab = P * rho_rot`` elementwise, since :math:`\rho = e^{-i\tilde H t}\tilde\rho
    e^{i\tilde H t}`. Shape ``(*t.shape, D, D)``.
    """
    h = _htilde_diag(model)
    t = np.asarray(t, dtype=float)[..., None, None]
    return np.exp(-1j * (h[:, None] - h[None, :]) * t)


def to_lab_frame(model: Maser, rho_rot: np.ndarray, t: np.ndarray) -> np.ndarray:
    r"""Rotating-frame state(s) at time(s) ``t`` -> lab frame.

    :math:`\rho(t) = e^{-i\tilde H t}\tilde\rho(t) e^{i\tilde H t}`; in particular
    :math:`\rho_{1j} = \tilde\rho_{1j} e^{i\Omega t}` and :math:`\rho_{jl} = \tilde\rho_{jl}`.

    Args:
        rho_rot: shape (..., D, D), broadcast against ``t`` (shape (...)).
        t: time(s).
    """
    return frame_phases(model, t) * np.asarray(rho_rot)


def to_rotating_frame(model: Maser, rho_lab: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Inverse of :func:`to_lab_frame`."""
    return np.conj(frame_phases(model, t)) * np.asarray(rho_lab)
