"""Finite-N benchmark: steady state and one correlation spectrum versus N, for any oscillator.

Methods, all in one run on the same model (one group, V = 1):

* ``qutip``: brute force in the full d^N space (``qsynchro.models.qutip_bridge``,
  ``qutip.steadystate``; ``qutip.correlation_2op_1t`` from that state), only where it
  runs (N <= ``--qutip-max``);
* ``exact``: permutation-invariant sparse Liouvillian by charge sector
  (:func:`qsynchro.solvers.finite.exact_steady_state`, ``exact_correlation``);
* ``cumulant``: second-order cumulants (``cumulant_steady_state``,
  ``cumulant_correlation``); skipped with ``--no-cumulant``.

Models (``--model``): ``spin1`` (Nadolny & Bruder, gamma_+ = 1/2, gamma_- = 1, K = -1),
``vdp3`` / ``vdp4`` (van der Pol truncated at n_max = 3 / 4, gain = 1, loss = 1).

"Spectrum" = the correlation <A(t) A^dag(0)> on t in [0, 40] (401 points) from the
steady state plus its FFT; every timing includes building the Liouvillian and the basis
(caches cleared). Medians over ``--repeat`` runs (1 run for N >= 10). Ratios are
qutip / method (> 1: faster than QuTiP). ``D0`` is the dimension of the charge-0 sector.

    python benchmarks/finite_n.py [--model spin1] [--nmin 2] [--nmax 16] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

import qsynchro.equations.symmetric_basis as B
import qsynchro.solvers.finite as F
from qsynchro.equations.permutation import sector_dim, units_of
from qsynchro.models.ensemble import Ensemble
from qsynchro.models.oscillator import van_der_pol

MODELS = {
    "spin1": lambda N: Ensemble(N, 1.0, gamma_plus=0.5, gamma_minus=1.0, K=-1.0),
    "vdp3": lambda N: Ensemble(N, 1.0, oscillator=van_der_pol(3), gain=1.0, loss=1.0),
    "vdp4": lambda N: Ensemble(N, 1.0, oscillator=van_der_pol(4), gain=1.0, loss=1.0),
}
TIMES = np.linspace(0.0, 40.0, 401)


def _clear() -> None:
    for f in (F._liouvillian, F._functionals_cached, B.group_basis, B._sector_table):
        f.cache_clear()


def _median(fn, repeat: int) -> float:
    out = []
    for _ in range(repeat):
        _clear()
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def _qutip(ens: Ensemble):
    import qutip as qt

    from qsynchro.models.qutip_bridge import ensemble_to_qutip

    H, c_ops = ensemble_to_qutip(ens)
    d, N = ens.dim, ens.N

    def site(op, s):
        ops = [qt.qeye(d)] * N
        ops[s] = qt.Qobj(op)
        return qt.tensor(ops)

    SA = sum(site(ens.oscillator.coupling_operator, i) for i in range(N))

    def steady():
        return qt.steadystate(H, c_ops)

    def spectrum():
        rss = qt.steadystate(H, c_ops)
        g = qt.correlation_2op_1t(H, rss, TIMES, c_ops, SA, SA.dag())
        return np.fft.fft(g)

    return steady, spectrum


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=sorted(MODELS), default="spin1")
    ap.add_argument("--nmin", type=int, default=2)
    ap.add_argument("--nmax", type=int, default=16)
    ap.add_argument("--qutip-max", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-cumulant", action="store_true")
    args = ap.parse_args()
    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} (shared with other jobs)"
    )
    print(f"model: {args.model}, one group, {MODELS[args.model](2).parameters}, V = 1")
    print(f"spectrum = correlation on {TIMES.size} times + FFT")
    hdr = (
        f"{'N':>3} {'D0':>7} {'qutip ss':>9} {'exact ss':>9} {'cum ss':>8} {'q/e':>6} | "
        f"{'qutip sp':>9} {'exact sp':>9} {'cum sp':>8} {'q/e':>6}"
    )
    print(hdr)
    print("-" * len(hdr))
    Ns = [N for N in (2, 3, 4, 5, 6, 8, 10, 12, 14, 16) if args.nmin <= N <= args.nmax]
    nan = float("nan")
    for N in Ns:
        ens = MODELS[args.model](N)
        D0 = sector_dim(N, 0, units=units_of(ens))
        rep = args.repeat if N < 10 else 1
        e_ss = _median(lambda: F.exact_steady_state(ens), rep)  # noqa: B023
        e_sp = _median(lambda: np.fft.fft(F.exact_correlation(ens, TIMES)), rep)  # noqa: B023
        c_ss = c_sp = nan
        if not args.no_cumulant:
            c_ss = _median(lambda: F.cumulant_steady_state(ens), rep)  # noqa: B023
            c_sp = _median(lambda: np.fft.fft(F.cumulant_correlation(ens, TIMES)), rep)  # noqa: B023
        q_ss = q_sp = nan
        if N <= args.qutip_max:
            qs, qp = _qutip(ens)
            q_ss, q_sp = _median(qs, rep), _median(qp, rep)
        print(
            f"{N:>3} {D0:>7} {q_ss:9.3f} {e_ss:9.3f} {c_ss:8.3f} {q_ss / e_ss:6.1f} | "
            f"{q_sp:9.3f} {e_sp:9.3f} {c_sp:8.3f} {q_sp / e_sp:6.1f}",
            flush=True,
        )
    print("times in seconds (median); q/e = qutip time / exact time; nan = not run")


if __name__ == "__main__":
    main()
