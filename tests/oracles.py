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


# ------------------------------------------------------------------------------------------
# the degenerate maser (Murtadho et al., Eq. 8) in extended precision
# ------------------------------------------------------------------------------------------
def maser_steady_state_mp(
    lam, n_h, n_c, gamma_h, gamma_c, omega_1=1.0, omega_2=3.0, detuning=0.0, dps=40
):
    r"""Exact (``dps`` digits) rotating-frame steady state of the degenerate maser.

    The rotating-frame generator of Eq. 8 is written out literally on the full
    (N+2)-dimensional space in mpmath, with the paper's factor-2 dissipator
    :math:`\mathcal L[X]\rho = 2X\rho X^\dagger - \{X^\dagger X, \rho\}` and rates
    :math:`\gamma_h(1+n_h)` (``|0><j|``), :math:`\gamma_h n_h` (``|j><0|``),
    :math:`\gamma_c(1+n_c)` (``|0><1|``), :math:`\gamma_c n_c` (``|1><0|``); drive
    :math:`\sum_j\lambda_j|1\rangle\langle j| + \mathrm{h.c.}`, energies
    ``(0, omega_1 + Omega/2, omega_2 - Omega/2, ...)``. It is applied to the ten matrices
    of the structured ansatz (3x3 block on |0>, |1>, |B> plus p_dark on the dark states) and
    projected back; the steady state solves that 10x10 system with the trace condition.
    The float64 inputs are taken as exact.

    Returns:
        dict with ``x`` (mpmath vector: the 9 block entries row-major and p_dark),
        ``weights`` (list of mpc, ``<j|B>``), and ``residual`` (max |L rho| off the
        ansatz, a check that the ansatz closes).
    """
    import mpmath as mp

    with mp.workdps(dps):
        lam = [mp.mpc(complex(x)) for x in np.atleast_1d(np.asarray(lam, dtype=complex))]
        N, D = len(lam), len(lam) + 2
        le = mp.sqrt(mp.fsum(abs(x) ** 2 for x in lam))
        w = [mp.conj(x) / le for x in lam]
        nh, nc, gh, gc = (mp.mpf(float(v)) for v in (n_h, n_c, gamma_h, gamma_c))
        Gh1, Gh2, Gc1, Gc2 = gh * (1 + nh), gh * nh, gc * (1 + nc), gc * nc
        w1, w2 = mp.mpf(float(omega_1)), mp.mpf(float(omega_2))
        Om = w2 - w1 + mp.mpf(float(detuning))
        E = [mp.mpf(0), w1 + Om / 2] + [w2 - Om / 2] * N
        # total rate out of each level (anticommutator terms of all jumps)
        kap = [N * Gh2 + Gc2, Gc1] + [Gh1] * N

        def gen(rho):
            out = mp.matrix(D, D)
            for n in range(D):
                for k in range(D):
                    hr = E[n] * rho[n, k]  # (H rho)_nk
                    if n == 1:
                        hr += mp.fsum(lam[j] * rho[j + 2, k] for j in range(N))
                    elif n >= 2:
                        hr += mp.conj(lam[n - 2]) * rho[1, k]
                    rh = rho[n, k] * E[k]  # (rho H)_nk
                    if k == 1:
                        rh += mp.fsum(rho[n, j + 2] * mp.conj(lam[j]) for j in range(N))
                    elif k >= 2:
                        rh += rho[n, 1] * lam[k - 2]
                    out[n, k] = -1j * (hr - rh) - (kap[n] + kap[k]) * rho[n, k]
            out[0, 0] += 2 * Gc1 * rho[1, 1] + 2 * Gh1 * mp.fsum(rho[j, j] for j in range(2, D))
            out[1, 1] += 2 * Gc2 * rho[0, 0]
            for j in range(2, D):
                out[j, j] += 2 * Gh2 * rho[0, 0]
            return out

        e0 = mp.matrix(D, 1)
        e0[0] = 1
        e1 = mp.matrix(D, 1)
        e1[1] = 1
        B = mp.matrix(D, 1)
        for j in range(N):
            B[j + 2] = w[j]
        kets = [e0, e1, B]
        dark = None
        if N >= 2:  # one dark state, orthogonal to |B>
            dark = mp.matrix(D, 1)
            dark[2], dark[3] = mp.conj(w[1]), -mp.conj(w[0])
            dark = dark / mp.sqrt(abs(w[0]) ** 2 + abs(w[1]) ** 2)

        def dense(x):
            rho = mp.matrix(D, D)
            for a in range(3):
                for b in range(3):
                    if x[3 * a + b] != 0:
                        rho += x[3 * a + b] * kets[a] * kets[b].H
            if x[9] != 0:
                for j in range(2, D):
                    rho[j, j] += x[9]
                rho -= x[9] * B * B.H
            return rho

        def proj(r):
            y = [(kets[a].H * r * kets[b])[0] for a in range(3) for b in range(3)]
            y.append((dark.H * r * dark)[0] if dark is not None else mp.mpf(0))
            return y

        A = mp.matrix(10, 10)
        for k in range(10):
            x = [0] * 10
            x[k] = 1
            col = proj(gen(dense(x)))
            for i in range(10):
                A[i, k] = col[i]
        if N == 1:  # no dark states: p_dark = 0
            for k in range(10):
                A[9, k] = 0
            A[9, 9] = 1
        for k in range(10):
            A[0, k] = 0
        A[0, 0] = A[0, 4] = A[0, 8] = 1
        A[0, 9] = N - 1
        rhs = mp.matrix(10, 1)
        rhs[0] = 1
        x = mp.lu_solve(A, rhs)
        Lr = gen(dense(list(x)))
        res = max(abs(Lr[n, k]) for n in range(D) for k in range(D))
        return {"x": x, "weights": w, "residual": res}


def maser_smax_scaled_mp(state, dps=40):
    r"""Exact :math:`\max_{|z_n|=1} z^\dagger C z / 8` (scaled S_max) of that state.

    The reduction of ``docs/murtadho2023.md``: :math:`c(r^2-1) + 2|\rho_{1B}|r` maximized
    over :math:`r\in[\max(0, 2\max|w|-\sum|w|), \sum|w|]` (ends and the clipped vertex).
    """
    import mpmath as mp

    with mp.workdps(dps):
        x, w = state["x"], state["weights"]
        c = mp.re(x[8]) - mp.re(x[9])
        b = abs(x[5])
        s = [abs(v) for v in w]
        T = mp.fsum(s)
        a_min = max(mp.mpf(0), 2 * max(s) - T)
        cands = [a_min, T]
        if c < 0:
            cands.append(min(max(b / (-c), a_min), T))
        q = max(c * (r * r - 1) + 2 * b * r for r in cands)
        return q / 8
