"""Order parameter over 101 couplings of one disordered spin-1 group, M = 256 subgroups.

qsynchro: one batched ``attractor`` call (shared mean field: O(G d^2) per step) against a
per-point SciPy ``solve_ivp`` (RK45, rtol 1e-6) loop on the same equations
(``equations.meanfield.meanfield_rhs``, NumPy), timed on a few points and extrapolated to
101; the SciPy loop integrates only the transient + window that attractor's first stage uses.
Also the per-subgroup cost next to the two-group pipeline (101 two-group points).

    python benchmarks/disorder.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import jax
import numpy as np
from scipy.integrate import solve_ivp

jax.config.update("jax_enable_x64", True)

import qsynchro as q  # noqa: E402
from qsynchro.equations import meanfield as mf  # noqa: E402
from qsynchro.measures.disorder import disorder_order_parameter  # noqa: E402
from qsynchro.models.disorder import Gaussian, disordered_group  # noqa: E402
from qsynchro.solvers.local import default_initial_state  # noqa: E402

GP, K, SIGMA = 0.5, -1.0, 0.2
T_TR, T_WIN = 300.0, 102.4  # transient + one window of 512 samples at 0.2


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    M = 64 if a.quick else 256
    n_pts = 101
    dist = Gaussian(SIGMA)
    vc = q.critical_coupling(GP, 1.0, K, disorder=dist)
    V = vc * np.linspace(0.5, 2.0, n_pts)
    net = disordered_group(q.spin1(), V, dist, M, K=K, gamma_plus=GP)
    opts = dict(locked_shortcut=False, t_transient=T_TR, t_max=T_TR + 4 * T_WIN, n_samples=512)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(f"one disordered group: M = {M} subgroups, {n_pts} couplings, V_c = {vc:.6f}")
    small = disordered_group(q.spin1(), V[-2:], dist, M, K=K, gamma_plus=GP)
    t0 = time.perf_counter()
    q.attractor(small, **opts)  # compile
    t_compile = time.perf_counter() - t0
    t0 = time.perf_counter()
    att = q.attractor(net, **opts)
    t_q = time.perf_counter() - t0
    r = disorder_order_parameter(att.signal, dist.discretize(M)[1])
    print(
        f"qsynchro attractor: {t_q:.2f} s for {n_pts} points "
        f"(compile + 2 points above V_c: {t_compile:.2f} s)"
    )
    print(f"  order parameter: 0 below V_c: {np.all(r[V < 0.99 * vc] < 1e-6)}, max {r.max():.3f}")

    # SciPy per-point loop on the same equations, a few points, extrapolated
    n_scipy = 2 if a.quick else 3
    idx = np.linspace(n_pts // 2, n_pts - 1, n_scipy).astype(int)
    t_sc = []
    for i in idx:
        one = disordered_group(q.spin1(), V[i], dist, M, K=K, gamma_plus=GP)
        y0 = mf.to_real(default_initial_state(one.reshape(1), 1e-3)[0]).ravel()

        def f(t, y, one=one):
            rho = mf.from_real(y.reshape(M, 9))
            return mf.to_real(mf.meanfield_rhs(rho, one)).ravel()

        t0 = time.perf_counter()
        solve_ivp(f, (0.0, T_TR + T_WIN), y0, rtol=1e-6, atol=1e-9, method="RK45")
        t_sc.append(time.perf_counter() - t0)
    per = float(np.median(t_sc))
    print(
        f"SciPy solve_ivp loop: {per:.2f} s per point (median of {n_scipy}), "
        f"extrapolated {per * n_pts:.1f} s for {n_pts}; ratio {per * n_pts / t_q:.1f}x"
    )

    two = q.Network.two_groups(0.05, K, np.linspace(0.1, 0.6, n_pts), 0.1, GP)
    q.attractor(two.take(np.arange(n_pts - 2, n_pts)), **opts)
    t0 = time.perf_counter()
    q.attractor(two, **opts)
    t_two = time.perf_counter() - t0
    print(f"two-group pipeline: {t_two:.2f} s for {n_pts} points")
    print(
        f"per (sub)group and point: disordered {t_q / (n_pts * M) * 1e6:.1f} us, "
        f"two groups {t_two / (n_pts * 2) * 1e6:.1f} us"
    )


if __name__ == "__main__":
    main()
