"""Finite-N benchmark: steady state and one correlation spectrum versus N.

Methods, all in one run on the same model (one group, gamma_+ = 1/2, gamma_- = 1,
K = -1, V = 1, Eq. 1 of Nadolny & Bruder):

* ``qutip``: brute force in the full 3^N space (``qutip.steadystate``;
  ``qutip.correlation_2op_1t`` from that state), only where it runs (N <= 6);
* ``exact``: permutation-invariant sparse Liouvillian by charge sector
  (:func:`qsynchro.solvers.finite.exact_steady_state`, ``exact_correlation``);
* ``cumulant``: second-order cumulants (``cumulant_steady_state``,
  ``cumulant_correlation``).

"Spectrum" = the correlation <S^+(t) S^-(0)> on t in [0, 40] (401 points) from the
steady state plus its FFT; every timing includes building the Liouvillian (caches
cleared). Medians over ``--repeat`` runs (1 run for N >= 10). Ratios are
qutip / method (> 1: faster than QuTiP).

    /work/venv/bin/python benchmarks/finite_n.py [--nmin 2] [--nmax 16] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

import qsynchro.solvers.finite as F
from qsynchro.models.ensemble import Ensemble

PARAMS = {"gamma_plus": 0.5, "gamma_minus": 1.0, "K": -1.0, "V": 1.0}
TIMES = np.linspace(0.0, 40.0, 401)


def _clear() -> None:
    F._liouvillian.cache_clear()
    F._functionals.cache_clear()


def _median(fn, repeat: int) -> float:
    out = []
    for _ in range(repeat):
        _clear()
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def _qutip(N: int):
    import qutip as qt

    from qsynchro.operators import ket_bra, spin_plus

    def site(op, s):
        ops = [qt.qeye(3)] * N
        ops[s] = qt.Qobj(op)
        return qt.tensor(ops)

    Sp = spin_plus(2)
    H = PARAMS["K"] * sum(site(ket_bra(3, 2, 2), s) for s in range(N))
    for i in range(N):
        for j in range(i + 1, N):
            t = site(Sp, i) * site(Sp, j).dag()
            H += PARAMS["V"] / N * (t + t.dag())
    c_ops = [
        np.sqrt(g) * site(ket_bra(3, 1, k), s)
        for s in range(N)
        for g, k in ((PARAMS["gamma_plus"], 0), (PARAMS["gamma_minus"], 2))
    ]
    SP = sum(site(Sp, i) for i in range(N))

    def steady():
        return qt.steadystate(H, c_ops)

    def spectrum():
        rss = qt.steadystate(H, c_ops)
        g = qt.correlation_2op_1t(H, rss, TIMES, c_ops, SP, SP.dag())
        return np.fft.fft(g)

    return steady, spectrum


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nmin", type=int, default=2)
    ap.add_argument("--nmax", type=int, default=16)
    ap.add_argument("--qutip-max", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} (shared with other jobs)"
    )
    print(f"model: one group, {PARAMS}; spectrum = correlation on {TIMES.size} times + FFT")
    hdr = (
        f"{'N':>3} {'qutip ss':>9} {'exact ss':>9} {'cum ss':>8} {'q/e':>6} {'q/c':>6} | "
        f"{'qutip sp':>9} {'exact sp':>9} {'cum sp':>8} {'q/e':>6} {'q/c':>6}"
    )
    print(hdr)
    print("-" * len(hdr))
    Ns = [N for N in (2, 3, 4, 5, 6, 8, 10, 12, 14, 16) if args.nmin <= N <= args.nmax]
    for N in Ns:
        ens = Ensemble(N, **PARAMS)
        rep = args.repeat if N < 10 else 1
        e_ss = _median(lambda: F.exact_steady_state(ens), rep)  # noqa: B023
        e_sp = _median(lambda: np.fft.fft(F.exact_correlation(ens, TIMES)), rep)  # noqa: B023
        c_ss = _median(lambda: F.cumulant_steady_state(ens), rep)  # noqa: B023
        c_sp = _median(lambda: np.fft.fft(F.cumulant_correlation(ens, TIMES)), rep)  # noqa: B023
        if N <= args.qutip_max:
            qs, qp = _qutip(N)
            q_ss, q_sp = _median(qs, rep), _median(qp, rep)
            r = (
                f"{q_ss:9.3f} {e_ss:9.3f} {c_ss:8.3f} {q_ss / e_ss:6.1f} {q_ss / c_ss:6.1f} | "
                f"{q_sp:9.3f} {e_sp:9.3f} {c_sp:8.3f} {q_sp / e_sp:6.1f} {q_sp / c_sp:6.1f}"
            )
        else:
            r = (
                f"{'-':>9} {e_ss:9.3f} {c_ss:8.3f} {'-':>6} {'-':>6} | "
                f"{'-':>9} {e_sp:9.3f} {c_sp:8.3f} {'-':>6} {'-':>6}"
            )
        print(f"{N:>3} {r}", flush=True)
    print("times in seconds (median); q/e, q/c = qutip time / exact or cumulant time")


if __name__ == "__main__":
    main()
