r"""Literal NumPy oracles shared by the tests: slow, obvious, independent of the library.

Nothing here imports :mod:`qsynchro`: every operator is written out from the papers, so a
bug in the library's operators, dissipators or equations cannot cancel in a comparison.

* spin-1 operators in the convention of Nadolny & Bruder (below Eq. 1):
  :math:`S^z = |2\rangle\langle2| - |0\rangle\langle0|`,
  :math:`S^+ = \sqrt2(|2\rangle\langle1| + |1\rangle\langle0|)`;
* the standard Lindblad dissipator :math:`D[L]\rho = L\rho L^\dagger - \{L^\dagger L,\rho\}/2`
  and the commutator, as matrix products;
* Eq. 2 of Nadolny & Bruder (mean-field spin-1 groups) built from those;
* random density matrices and Hermitian matrices.
"""

from __future__ import annotations

import numpy as np

SQRT2 = np.sqrt(2.0)


def ket_bra(n: int, i: int, j: int) -> np.ndarray:
    """|i><j| in an n-level space (complex)."""
    out = np.zeros((n, n), dtype=np.complex128)
    out[i, j] = 1.0
    return out


#: spin-1 operators, basis |0>, |1>, |2> (m = -1, 0, +1), Nadolny & Bruder below Eq. 1
SZ = np.diag([-1.0, 0.0, 1.0]).astype(np.complex128)
SP = SQRT2 * (ket_bra(3, 2, 1) + ket_bra(3, 1, 0))
SM = SP.conj().T


def commutator(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a @ b - b @ a


def dissipator(L: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """Standard Lindblad dissipator L rho L^+ - {L^+ L, rho}/2 (written out)."""
    Ld = L.conj().T
    return L @ rho @ Ld - 0.5 * (Ld @ L @ rho + rho @ Ld @ L)


def lindblad_rhs(H: np.ndarray, rho: np.ndarray, jumps, rates) -> np.ndarray:
    """-i[H, rho] + sum_k rate_k D[L_k] rho."""
    out = -1j * commutator(H, rho)
    for L, g in zip(jumps, rates, strict=True):
        out = out + g * dissipator(L, rho)
    return out


def meanfield_eq2(rho: np.ndarray, det, K: float, C, gp: float, gm: float) -> np.ndarray:
    r"""Eq. 2 of Nadolny & Bruder for one parameter point, literally.

    For each group sigma:
    :math:`H_\sigma = d_\sigma S^z + K|2\rangle\langle2|
    + \sum_\tau C_{\sigma\tau}(S^+\langle S^-\rangle_\tau + S^-\langle S^+\rangle_\tau)` and
    :math:`\dot\rho_\sigma = -i[H_\sigma,\rho_\sigma] + \gamma_+ D[|1\rangle\langle0|]\rho_\sigma
    + \gamma_- D[|1\rangle\langle2|]\rho_\sigma`.

    Args:
        rho: (G, 3, 3) density matrices.
        det: (G,) detunings; K, gp, gm scalars; C: (G, G) coupling matrix.

    Returns:
        (G, 3, 3) time derivative.
    """
    G = rho.shape[0]
    C = np.asarray(C, dtype=float).reshape(G, G)
    det = np.asarray(det, dtype=float).reshape(G)
    sm = [np.trace(rho[t] @ SM) for t in range(G)]  # <S^->_tau
    P2 = ket_bra(3, 2, 2)
    out = np.zeros_like(rho, dtype=np.complex128)
    for s in range(G):
        H = det[s] * SZ + K * P2
        for t in range(G):
            H = H + C[s, t] * (SP * sm[t] + SM * np.conj(sm[t]))
        out[s] = lindblad_rhs(H, rho[s], [ket_bra(3, 1, 0), ket_bra(3, 1, 2)], [gp, gm])
    return out


def two_group_eq2(rho: np.ndarray, delta, K, V, V_AB, gp, gm) -> np.ndarray:
    """Eq. 2 for the paper's two groups (detunings +-delta/2), or one group if G == 1."""
    G = rho.shape[0]
    C = np.array([[V, V_AB], [V_AB, V]])[:G, :G]
    det = np.array([0.5 * delta, -0.5 * delta])[:G]
    return meanfield_eq2(rho, det, K, C, gp, gm)


def random_density_matrix(
    D: int, rng: np.random.Generator, rank: int | None = None, shape: tuple[int, ...] = ()
) -> np.ndarray:
    """Random density matrix G G^+ / tr (complex Gaussian G of shape (*shape, D, rank))."""
    k = rank or D
    A = rng.normal(size=(*shape, D, k)) + 1j * rng.normal(size=(*shape, D, k))
    r = A @ np.conj(np.swapaxes(A, -1, -2))
    return r / np.trace(r, axis1=-2, axis2=-1).real[..., None, None]


def random_hermitian(rng: np.random.Generator, n: int) -> np.ndarray:
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    return a + a.conj().T


def s_plus_spin1(rho: np.ndarray) -> np.ndarray:
    """<S^+> = tr(rho S^+) for spin-1 density matrices (..., 3, 3)."""
    return np.einsum("...ij,ji->...", rho, SP)
