"""Benchmark: certified S_max of the degenerate maser, qsynchro vs the peer workflow.

Run:  /work/venv/bin/python benchmarks/maser.py [--quick]

1. Per N = 2, 5, 10, 20, 40 (engine regime n_h/n_c = 10, random lam_j/lam_2 in [0, 1),
   the paper's Fig. 2 parameters), median wall time of
   * qsynchro ``s_max(Maser(...))``: structured steady state + exact reduction (certified);
   * qsynchro dense route ``s_max(steady_state_dense(model))``: general certified optimizer
     (local optimizer + SDP dual bound) on the dense matrix, for information;
   * the peer workflow: ``qutip.steadystate`` on the Liouvillian built from Qobj operators,
     then ``scipy.optimize.minimize`` (BFGS, finite-difference gradients) of -S(phi) from 20
     random starts (no certificate).
   Ratios peer / qsynchro are printed; the peer's best value is compared with the certified
   optimum (relative shortfall). ``--quick`` runs the peer only up to N = 20.
2. All of Fig. 3 (N = 2..20, 100 realizations, both regimes: 3800 certified S_max) through
   the sweep engine, and the complete ``reproduce("murtadho2023-fig3")`` with files and PNG.
3. A certified S_max for N = 10^4 and N = 10^6 (random lam_j).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time

import numpy as np
import qutip
import scipy
from scipy.optimize import minimize

from _maser_peer import qutip_liouvillian
from qsynchro.experiments import reproduce
from qsynchro.experiments.murtadho2023 import sweeps
from qsynchro.experiments.runner import run_sweep
from qsynchro.measures.smax import s_max
from qsynchro.models.maser import Maser
from qsynchro.solvers.steady import steady_state_dense

PAPER = {"n_c": 0.5, "gamma_h": 0.05, "gamma_c": 0.2}


def median_time(fn, repeats: int) -> tuple[float, object]:
    ts, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts), out


def model(N: int, seed: int = 0, ratio: float = 10.0) -> Maser:
    rng = np.random.default_rng(seed)
    lam = 0.1 * np.concatenate([[1.0], rng.random(N - 1)])
    return Maser(N, lam, n_h=ratio * PAPER["n_c"], **PAPER)


def peer(m: Maser, restarts: int = 20, seed: int = 0) -> float:
    """qutip.steadystate + scipy.optimize with random restarts: best S found (Eq. 4)."""
    rho = qutip.steadystate(qutip_liouvillian(m)).full()
    D = rho.shape[0]
    C = rho - np.diag(np.diag(rho))
    pref = 1.0 / (2 ** (D + 1) * np.pi ** (D - 2))

    # the objective is optimized in units of 1/pref (S itself is ~1e-5 and BFGS's default
    # gtol = 1e-5 would stop at the first step: a fair peer rescales)
    def neg_q(ph: np.ndarray) -> float:
        z = np.exp(1j * np.append(ph, 0.0))
        return -float(np.real(np.conj(z) @ C @ z))

    rng = np.random.default_rng(seed)
    best = -np.inf
    for _ in range(restarts):
        res = minimize(neg_q, rng.uniform(0, 2 * np.pi, D - 1), method="BFGS")
        best = max(best, -float(res.fun))
    return pref * best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="peer only up to N = 20")
    args = ap.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}"
        f"; Python {platform.python_version()}, NumPy {np.__version__}, SciPy "
        f"{scipy.__version__}, QuTiP {qutip.__version__}"
    )
    s_max(model(3))  # warm up imports

    print("\n1. certified S_max vs the peer (engine, n_h/n_c = 10, random lam); times in s")
    print(
        f"{'N':>3} | {'qsynchro':>9} | {'dense':>9} | {'peer':>9} | {'peer/qs':>8} | "
        f"{'dense/qs':>8} | {'gap (rel)':>9} | {'peer shortfall':>14}"
    )
    for N in (2, 5, 10, 20, 40):
        m = model(N)
        t_q, r = median_time(lambda m=m: s_max(m), 7)
        t_d, rd = median_time(lambda m=m: s_max(steady_state_dense(m)), 3 if N < 40 else 1)
        run_peer = not (args.quick and N > 20)
        if run_peer:
            t_p, best = median_time(lambda m=m: peer(m), 3 if N <= 10 else 1)
            short = (r.value - best) / r.value
            pe = f"{t_p:9.3g}"
            ratio = f"{t_p / t_q:8.0f}"
            sh = f"{short:14.2e}"
        else:
            pe, ratio, sh = f"{'skipped':>9}", f"{'':>8}", f"{'':>14}"
        assert abs(rd.value - r.value) <= 1e-9 * r.value, (rd.value, r.value)
        print(
            f"{N:>3} | {t_q:9.3g} | {t_d:9.3g} | {pe} | {ratio} | {t_d / t_q:8.0f} | "
            f"{r.scaled_gap / r.scaled:9.1e} | {sh}"
        )

    print("\n2. Fig. 3 (N = 2..20, 100 realizations, both regimes = 3800 certified S_max)")
    sw = sweeps(quick=False)
    t0 = time.perf_counter()
    gaps = []
    for panel in ("fig3a", "fig3b"):
        ds = run_sweep(sw[panel], progress=False)
        gaps.append(float((ds.gap_scaled / ds.S_max_scaled).max()))
    t_sweeps = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        reproduce("murtadho2023-fig3", tmp, progress=False)
        t_fig = time.perf_counter() - t0
    print(
        f"   sweeps fig3a+fig3b: {t_sweeps:.2f} s (max relative gap {max(gaps):.1e}); "
        f"complete reproduce('murtadho2023-fig3') incl. (c),(d), NetCDF, PNG: {t_fig:.2f} s"
    )

    print("\n3. certified S_max at large N (random lam_j/lam_2 in [0, 1), engine)")
    for N in (10**4, 10**6):
        m = model(N, seed=1)
        t, r = median_time(lambda m=m: s_max(m), 3)
        print(
            f"   N = {N:>7}: {t:.3g} s incl. steady state; scaled = {r.scaled:.6g}, "
            f"relative gap {r.scaled_gap / r.scaled:.1e}, value = {r.value} "
            f"(log_value = {r.log_value:.6g})"
        )


if __name__ == "__main__":
    main()
