"""Benchmark: maser steady state, structured vs dense vs qutip.steadystate.

Run:  /work/venv/bin/python benchmarks/maser_steady.py [--quick]

Prints median wall times (s) and ratios to the structured solver, measured in the
same run, for N = 2, 5, 10, 20, 40 (homogeneous-free random complex lam, engine
regime, resonant), plus the structured solver alone for N = 10^4 and 10^6.
The QuTiP peer time includes building the Liouvillian from Qobj operators
(the peer workflow), and is also given for steadystate() alone.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import qutip

from _maser_peer import qutip_liouvillian
from qsynchro.models.maser import Maser
from qsynchro.solvers.steady import steady_state_dense, structured_steady_state


def median_time(fn, repeats):
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats, N <= 20")
    args = ap.parse_args()
    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}, qutip {qutip.__version__}"
    )
    rng = np.random.default_rng(0)
    Ns = [2, 5, 10, 20] if args.quick else [2, 5, 10, 20, 40]
    print(
        f"{'N':>5} {'structured':>11} {'+dense()':>10} {'dense':>10} {'qutip':>10} "
        f"{'qutip ss':>10} {'dense/str':>10} {'qutip/str':>10} {'max|diff|':>10}"
    )
    for N in Ns:
        lam = 0.1 * (rng.normal(size=N) + 1j * rng.normal(size=N))
        m = Maser(N, lam, 5.0, 0.5, 0.05, 0.2)
        rep_fast = 5 if args.quick else 50
        rep_slow = 1 if args.quick else (3 if N >= 20 else 5)
        t_s = median_time(lambda m=m: structured_steady_state(m), rep_fast)
        t_sd = median_time(lambda m=m: structured_steady_state(m).dense(), rep_fast)
        t_d = median_time(lambda m=m: steady_state_dense(m), rep_slow)
        t_q = median_time(lambda m=m: qutip.steadystate(qutip_liouvillian(m)), rep_slow)
        L = qutip_liouvillian(m)
        t_qs = median_time(lambda L=L: qutip.steadystate(L), rep_slow)
        diff = max(
            np.abs(structured_steady_state(m).dense() - steady_state_dense(m)).max(),
            np.abs(structured_steady_state(m).dense() - qutip.steadystate(L).full()).max(),
        )
        print(
            f"{N:>5} {t_s:>11.2e} {t_sd:>10.2e} {t_d:>10.2e} {t_q:>10.2e} {t_qs:>10.2e} "
            f"{t_d / t_s:>10.0f} {t_q / t_s:>10.0f} {diff:>10.1e}"
        )
    print("structured solver alone (lam homogeneous / random real vector):")
    for N in [10**4, 10**6]:
        m_h = Maser(N, 0.01, 0.2, 0.5, 0.05, 0.2)
        m_v = Maser(N, 0.01 * rng.random(N), 0.2, 0.5, 0.05, 0.2)
        rep = 5 if args.quick else 21
        t_h = median_time(lambda m=m_h: structured_steady_state(m), rep)
        t_v = median_time(lambda m=m_v: structured_steady_state(m), rep)
        print(f"{N:>8}  homogeneous {t_h:.2e} s   vector lam {t_v:.2e} s")


if __name__ == "__main__":
    main()
