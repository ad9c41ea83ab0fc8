r"""What kind of attractor an integrated window shows: stationary, periodic or neither.

The mean-field equations of a U(1)-symmetric network (:mod:`qsynchro.equations.meanfield`)
are invariant under :math:`\rho_\sigma\to e^{-i\theta N}\rho_\sigma e^{i\theta N}`, which turns
:math:`\langle A\rangle_\sigma` into :math:`e^{i\theta}\langle A\rangle_\sigma`. So a state is
judged by the **invariants** of its window, which do not see a common phase:

* the moduli :math:`|\langle A\rangle_\sigma(t)|` of every group, and
* the unit relative phasors :math:`u_\sigma(t) = e^{i(\phi_\sigma - \phi_r)}` of every
  synchronized group :math:`\sigma\ne r` against the strongest group :math:`r`.

For a model without the symmetry (a drive) the invariants are the amplitudes
:math:`\langle A\rangle_\sigma(t)` themselves, in the frame of the drive.

Kinds (``KINDS``):

0. **fixed point**: every invariant is constant over the window (to ``stationary_tol``) and,
   for a U(1) model, no group is synchronized (the unsynchronized state);
1. **relative equilibrium**: the invariants are constant and some group is synchronized:
   stationary in the frame rotating at the common frequency (a locked state);
2. **periodic orbit** (in a rotating frame; a limit cycle of the mean-field equations, a
   torus in the lab frame): the invariants vary and their spectrum lies on the lattice
   :math:`k\Omega` of one fundamental, the ``modulation_frequency`` :math:`\Omega` (a
   modulated locked state, or a relative phase that winds at :math:`\Omega`);
3. **not periodic**: the invariants vary and their spectrum is not on one lattice
   (quasi-periodic with several incommensurate frequencies, or irregular);
4. **unresolved**: the invariants vary, but more slowly than the window can tell apart
   (:math:`\Omega` below ``MIN_BINS`` spectral bins): lengthen ``n_samples``.

The lattice test: the spectra of the mean-free invariants (4-term Blackman-Harris window,
sidelobes at -92 dB) are summed into one power spectrum; its peaks above ``PEAK_FLOOR`` of
the strongest are located to a fraction of a bin (parabola through the log power).
Candidate fundamentals are the strongest peak's frequency divided by 1, ...,
``MAX_DIVISOR``, each refined by a power-weighted least-squares fit to the peaks it
explains; a candidate passes when the peaks farther than ``LATTICE_TOL_BINS`` from every
multiple :math:`k\Omega` carry at most ``OFF_LATTICE_TOL`` of the peaks' power. The
largest passing fundamental is reported; if it is below ``MIN_BINS`` the kind is
"unresolved". Two incommensurate frequencies closer to a ratio p/m (m <= ``MAX_DIVISOR``)
than the window resolves are reported as periodic: lengthen the window to tell them apart.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "KINDS",
    "KIND_FIXED_POINT",
    "KIND_NOT_PERIODIC",
    "KIND_PERIODIC",
    "KIND_RELATIVE_EQUILIBRIUM",
    "KIND_UNRESOLVED",
    "window_kind",
]

KINDS = ("fixed point", "relative equilibrium", "periodic orbit", "not periodic", "unresolved")
(
    KIND_FIXED_POINT,
    KIND_RELATIVE_EQUILIBRIUM,
    KIND_PERIODIC,
    KIND_NOT_PERIODIC,
    KIND_UNRESOLVED,
) = range(5)

#: smallest resolvable fundamental, in spectral bins 2 pi / (n dt): the window's main lobe
#: reaches 4 bins to each side, so neighbouring multiples closer than 8 bins merge
MIN_BINS = 8
#: largest distance (bins) of a refined peak from the nearest multiple k Omega
LATTICE_TOL_BINS = 0.25
#: largest fraction of the peaks' power allowed off the lattice (aliased high harmonics of
#: a strongly anharmonic orbit, remnants of a slowly decaying transient)
OFF_LATTICE_TOL = 1e-3
#: the strongest peak may be the MAX_DIVISOR-th harmonic of the fundamental at most
MAX_DIVISOR = 6
#: the strongest peaks fitted to a lattice; the power of weaker ones counts as off-lattice
PEAKS_KEPT = 48
#: peaks weaker than this fraction of the strongest (in power) are ignored (window
#: sidelobes are below 1e-9)
PEAK_FLOOR = 1e-7


def _window(T: int) -> np.ndarray:
    """4-term Blackman-Harris window (sidelobes -92 dB: every peak above PEAK_FLOOR is real)."""
    x = 2 * np.pi * np.arange(T) / T
    return 0.35875 - 0.48829 * np.cos(x) + 0.14128 * np.cos(2 * x) - 0.01168 * np.cos(3 * x)


def _peaks(P: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``PEAKS_KEPT`` strongest spectral peaks of windows P (n, T): refined positions
    (signed bins) and powers, (n, PEAKS_KEPT), power 0 where there are fewer peaks; and the
    total power of the peaks not kept, (n,)."""
    Pm, Pp = np.roll(P, 1, -1), np.roll(P, -1, -1)
    top = P.max(-1, keepdims=True)
    is_peak = (P > Pm) & (P >= Pp) & (P >= PEAK_FLOOR * top) & (np.abs(k) >= 4) & (top > 0)
    Pk = np.where(is_peak, P, 0.0)
    K = min(PEAKS_KEPT, P.shape[-1])
    j = np.argpartition(-Pk, K - 1, axis=-1)[:, :K]
    take = lambda x: np.take_along_axis(x, j, -1)  # noqa: E731
    power = take(Pk)
    lm, l0, lp = (np.log(np.maximum(take(x), 1e-300)) for x in (Pm, P, Pp))
    den = lm - 2 * l0 + lp
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.clip(np.where(den < 0, 0.5 * (lm - lp) / den, 0.0), -0.5, 0.5)
    pos = np.where(power > 0, k[j] + shift, 0.0)
    return pos, power, Pk.sum(-1) - power.sum(-1)


def _fit_fundamental(pos: np.ndarray, power: np.ndarray, guess: np.ndarray) -> np.ndarray:
    """Least-squares fundamental of the peaks assigned to multiples of ``guess`` (power
    weights), so that high harmonics do not accumulate the error of one peak's position;
    pos, power (n, n_peaks), guess (n,) -> (n,)."""
    g = guess[:, None]
    order = np.round(pos / g)
    near = (order != 0) & (np.abs(pos - order * g) <= 0.5 * np.maximum(g, 1.0))
    w = np.where(near, power, 0.0)
    num, den = np.sum(w * order * pos, -1), np.sum(w * order**2, -1)
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), guess)


def _lattice(P: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fundamental (bins; 0 if none) and the "too slow" flag of power spectra P (n, T)."""
    pos, power, rest = _peaks(P, k)
    n = P.shape[0]
    has = np.any(power > 0, -1)
    top = np.abs(np.take_along_axis(pos, np.argmax(power, -1)[:, None], -1)[:, 0])
    best = np.zeros(n)
    slow = ~has  # all the variation within a few bins of zero frequency
    todo = has.copy()
    total = power.sum(-1) + rest  # peaks beyond the kept ones count as off the lattice
    for m in range(1, MAX_DIVISOR + 1):  # the first (largest) passing fundamental wins
        fund = _fit_fundamental(pos, power, np.where(todo, top / m, 1.0))
        order = np.round(pos / fund[:, None])
        off = np.abs(pos - order * fund[:, None]) > LATTICE_TOL_BINS
        off_power = np.sum(np.where(off, power, 0.0), -1) + rest
        passing = todo & (off_power <= OFF_LATTICE_TOL * total)
        best = np.where(passing & (fund >= MIN_BINS), fund, best)
        slow |= passing & (fund < MIN_BINS)
        todo &= ~passing
    slow |= todo & (top < MIN_BINS)
    return best, slow


def _invariants(sp: np.ndarray, a: np.ndarray, thr: float, u1: bool) -> np.ndarray:
    """U(1)-invariant signals of windows sp (n, G, T) with moduli a = |sp|: (n, n_inv, T)
    complex, scale ~1."""
    if not u1:
        scale = np.maximum(np.max(a, axis=(1, 2)), thr)
        return sp / scale[:, None, None]
    op = a.mean(-1)  # (n, G)
    scale = np.maximum(op.max(-1), thr)  # (n,)
    inv = [a / scale[:, None, None]]
    G = sp.shape[1]
    if G > 1:
        ref = np.argmax(op, -1)
        sr = np.take_along_axis(sp, ref[:, None, None], 1)  # (n, 1, T)
        ar = np.take_along_axis(a, ref[:, None, None], 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            u = sp * np.conj(sr) / (a * ar)
        synced = (op >= thr) & (np.arange(G)[None, :] != ref[:, None])
        inv.append(np.where(synced[:, :, None] & np.isfinite(u), u, 0.0))
    return np.concatenate(inv, 1)


def window_kind(
    sp: np.ndarray,
    sample_dt: float,
    *,
    amplitude_threshold: float,
    u1: bool = True,
    stationary_tol: float = 1e-2,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Kind of attractor (module docstring) and modulation frequency of windows.

    Args:
        sp: :math:`\langle A\rangle_\sigma(t_k)`, shape (n, G, T), complex, uniform samples.
        sample_dt: sample spacing.
        amplitude_threshold: order parameter below which a group is unsynchronized.
        u1: the model has the U(1) symmetry (else the amplitudes are the invariants).
        stationary_tol: largest deviation of an invariant from its window mean (relative
            to the largest order parameter; absolute for the unit phasors) that still counts
            as constant.

    Returns:
        ``(kind (n,) int8, modulation_frequency (n,))``; the frequency :math:`\Omega > 0` is
        set for kind 2 (periodic orbit) and 0.0 otherwise.
    """
    n, G, T = sp.shape
    kind = np.full(n, KIND_NOT_PERIODIC, dtype=np.int8)
    freq = np.zeros(n)
    k = np.fft.fftfreq(T) * T  # signed bin numbers
    win = _window(T)
    step = max(1, 2**20 // (T * G))  # chunks of ~16 MB per complex array: cache-friendly
    for s0 in range(0, n, step):
        sl = slice(s0, s0 + step)
        kind[sl], freq[sl] = _kind_chunk(
            sp[sl], k, win, sample_dt, amplitude_threshold, u1, stationary_tol
        )
    return kind, freq


def _kind_chunk(
    sp: np.ndarray,
    k: np.ndarray,
    win: np.ndarray,
    sample_dt: float,
    thr: float,
    u1: bool,
    stationary_tol: float,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`window_kind` of one chunk of windows (n, G, T)."""
    n, _, T = sp.shape
    kind = np.full(n, KIND_NOT_PERIODIC, dtype=np.int8)
    freq = np.zeros(n)
    a = np.abs(sp)
    z = _invariants(sp, a, thr, u1)
    zc = z - z.mean(-1, keepdims=True)
    constant = np.max(np.abs(zc), axis=(1, 2)) <= stationary_tol
    synced = np.any(a.mean(-1) >= thr, -1)
    kind[constant] = np.where(synced[constant] & u1, KIND_RELATIVE_EQUILIBRIUM, KIND_FIXED_POINT)
    idx = np.nonzero(~constant)[0]
    if idx.size == 0:
        return kind, freq
    X = np.fft.fft(zc[idx] * win, axis=-1)
    best, slow = _lattice(np.sum(X.real**2 + X.imag**2, axis=1), k)
    periodic = best > 0
    kind[idx[periodic]] = KIND_PERIODIC
    kind[idx[slow]] = KIND_UNRESOLVED
    freq[idx[periodic]] = best[periodic] * 2 * np.pi / (T * sample_dt)
    return kind, freq
