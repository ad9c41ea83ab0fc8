"""Mean-field engine benchmark (Nadolny & Bruder, Eq. 2): batched JAX vs per-point solve_ivp.

Four parts, one run:

0. (a) The generic generated right-hand side (any oscillator; spin-1 here) against the frozen
   hand-written spin-1 kernel it replaced (``benchmarks/_legacy_spin1.py``), side by side:
   RK4 throughput on the same 4096 Fig. 4 points at dt = 0.2 (median of 5) and the largest
   difference of the final states. (b) The whole Fig. 4 pipeline (the ``"network"`` kernel on
   the grid of part 2) against the tree before the generic engine, extracted from git history
   and timed in fresh processes, alternately (``benchmarks/_pipeline_pair.py``): medians,
   ratio, and the number of points classified differently.

1. (printed second) Raw integrator throughput, in (points x simulated time) / s, on the
   same Fig. 4 points: the batched packed RK4 of qsynchro (dt = 0.2 in the rotating frame,
   as the kernel uses it) against a per-point ``scipy.integrate.solve_ivp`` loop with a
   literal matrix right-hand side (3x3 commutators and dissipators, the way one would write Eq. 2 by
   hand). The baseline runs on a subsample and is extrapolated per point-time unit.
   Accuracy of both is measured against a tight DOP853 reference (rtol 1e-11) on the same
   subsample and printed; the pairs (RK45 at scipy's default rtol 1e-3, RK4 dt 0.2 as in
   the kernel) and (rtol 1e-4, dt 0.1) have matching errors ("matched accuracy").
2. (run first, in a fresh process, so that its compile time is honest) The full Fig. 4
   pipeline through the ``"network"`` kernel: 201 x 201 points in
   (delta, K) in [-4, 4]^2, V = V_AB = 1, gamma_plus = 0.5, gamma_minus = 1, chunks of 4096
   as the sweep engine cuts them. Compile time (a warm-up call on a 41 x 41 grid that
   compiles every batch size) is reported separately. Method fractions (stable / locked
   via Newton / integrated) and simulated times are printed.
3. The ratio of the extrapolated per-point baseline (every point integrated to the
   pipeline's minimum time t_transient + window) to the pipeline.

Usage: ``python benchmarks/meanfield.py [--quick]`` (``--quick``: 61 x 61 grid, fewer
baseline points).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from typing import Any

import jax
import numpy as np
import scipy.integrate

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402

import _legacy_spin1 as legacy  # noqa: E402
from _pipeline_pair import pipeline_side_by_side  # noqa: E402
from qsynchro.equations.lindblad import dissipator  # noqa: E402
from qsynchro.equations.meanfield import (  # noqa: E402
    expand,
    expectation,
    params_from_model,
    prepare,
    structure,
    to_real,
)
from qsynchro.models.network import Network  # noqa: E402
from qsynchro.operators import ket_bra, spin_minus, spin_plus, spin_z  # noqa: E402
from qsynchro.solvers.evolve import advance, sample  # noqa: E402
from qsynchro.solvers.local import default_initial_state  # noqa: E402
from qsynchro.sweeps.network import NetworkKernel, NetworkSettings  # noqa: E402

SZ, SP, SM = spin_z(2), spin_plus(2), spin_minus(2)
P2 = ket_bra(3, 2, 2)
J0, J2 = ket_bra(3, 1, 0), ket_bra(3, 1, 2)
EPS = 1e-2


def rho0() -> np.ndarray:
    psi = np.array([EPS, np.sqrt(1 - 2 * EPS**2), EPS], complex)
    return np.outer(psi, psi.conj())


def literal_rhs(
    t: float, y: np.ndarray, delta: float, K: float, V: float, VAB: float, gp: float, gm: float
) -> np.ndarray:
    """Eq. 2 for two groups with 3x3 matrices (real vector of 2 x 18 entries)."""
    r = y[:18].reshape(2, 3, 3) + 1j * y[18:].reshape(2, 3, 3)
    sm = [np.trace(r[s] @ SM) for s in range(2)]
    out = np.empty_like(r)
    for s, (d, other) in enumerate(((delta / 2, 1), (-delta / 2, 0))):
        H = (
            d * SZ
            + K * P2
            + V * (SP * sm[s] + SM * np.conj(sm[s]))
            + VAB * (SP * sm[other] + SM * np.conj(sm[other]))
        )
        out[s] = -1j * (H @ r[s] - r[s] @ H) + gp * dissipator(J0, r[s]) + gm * dissipator(J2, r[s])
    return np.concatenate([out.real.ravel(), out.imag.ravel()])


def solve_point(
    delta: float, K: float, T: float, method: str, rtol: float, atol: float, t_eval: np.ndarray
) -> np.ndarray:
    r = np.stack([rho0(), rho0()])
    y0 = np.concatenate([r.real.ravel(), r.imag.ravel()])
    sol = scipy.integrate.solve_ivp(
        literal_rhs,
        (0, T),
        y0,
        method=method,
        rtol=rtol,
        atol=atol,
        t_eval=t_eval,
        args=(delta, K, 1.0, 1.0, 0.5, 1.0),
    )
    rr = (sol.y[:18] + 1j * sol.y[18:]).reshape(2, 3, 3, -1)
    return np.sqrt(2) * (rr[:, 1, 2] + rr[:, 0, 1])  # <S^+>_sigma(t), (2, n)


def observables(sp: np.ndarray) -> np.ndarray:
    """Window order parameters of both groups and group A's mean frequency (phase slope)."""
    op = np.abs(sp).mean(-1)
    ph = np.unwrap(np.angle(sp[..., 0, :]), axis=-1)
    w = (ph[..., -1] - ph[..., 0]) / (WIN_T[-1] - WIN_T[0])
    return np.concatenate([op, w[..., None]], -1)


WIN_T = np.linspace(100.0, 200.0, 501)


def _engine(delta: np.ndarray, K: np.ndarray) -> tuple[Any, ...]:
    """Initial state (n, 2, B), parameters and frame (K/2) of the generic engine."""
    m = Network.two_groups(delta, K, 1.0, 1.0, 0.5)
    wf = 0.5 * np.asarray(K)
    p = params_from_model(m.replace(detuning=m.detuning - wf[:, None]))
    st = structure(m.oscillator)
    Y = np.moveaxis(to_real(default_initial_state(m, EPS)), (0, 1, 2), (2, 1, 0))
    return jnp.asarray(Y), p, prepare(p, st), st, wf


def engine_window(delta: np.ndarray, K: np.ndarray, dt: float) -> np.ndarray:
    """<S^+>_sigma on WIN_T from the batched engine (frame rotating at K/2), (B, 2, 501)."""
    Y, p, lc, st, wf = _engine(delta, K)
    n_every = round(0.2 / dt)
    Y = advance(Y, lc, p.Cr, p.Ci, dt, round(WIN_T[0] / dt) - n_every, st=st)
    _, sp, _ = sample(Y, lc, p.Cr, p.Ci, dt, st=st, n_every=n_every, n_samples=WIN_T.size)
    sp = np.transpose(np.asarray(sp), (2, 1, 0))
    return sp * np.exp(1j * wf[:, None, None] * WIN_T)


def engine_samples(delta: np.ndarray, K: np.ndarray, T: float, dt: float) -> np.ndarray:
    """<S^+> at time T from the batched generic RK4 in the frame rotating at K/2, in the
    trace-reduced coordinates that the attractor pipeline integrates."""
    Y, p, lc, st, wf = _engine(delta, K)
    X = advance(Y[1:], lc, p.Cr, p.Ci, dt, round(T / dt), st=st, reduced=True)
    Y = expand(np.asarray(X), st.d)
    sr, si = (np.asarray(v) for v in expectation(Y, st))  # (2, B)
    return ((sr + 1j * si) * np.exp(1j * wf * T)).T


def side_by_side(D: np.ndarray, KK: np.ndarray, rng: np.random.Generator) -> None:
    """Part 0: generated rhs vs the frozen hand-written spin-1 kernel, same points and dt.

    Only the compiled integration is timed (states and parameters are prepared once, outside
    the timing, for both); the final <S^+> of both is compared.
    """
    Bn, T, dt = 4096, 100.0, 0.2
    n = round(T / dt)
    sel = rng.choice(D.size, Bn, replace=D.size < Bn)
    d, k = D[sel], KK[sel]
    # generic: trace-reduced coordinates, frame K/2, as in the attractor pipeline
    Y, p, lc, st, _ = _engine(d, k)
    X0 = Y[1:]
    # hand-written: the same initial state in its packed rows
    m = Network.two_groups(d, k, 1.0, 1.0, 0.5)
    f = lambda a: jnp.asarray(np.ascontiguousarray(a, dtype=np.float64))  # noqa: E731
    pl = legacy.PackedParams(
        f(m.detuning.T - 0.5 * k),
        f(m.K),
        f(np.moveaxis(m.coupling, 0, -1)),
        f(m.gamma_plus),
        f(m.gamma_minus),
    )
    Yl = jnp.asarray(np.asarray(Y)[[0, 2, 3, 4, 7, 8, 5, 6]])  # p0 p2 c01 c12 c02 (re, im)
    runs = {
        "hand-written spin-1 (replaced)": lambda: legacy.advance_packed(Yl, pl, dt, n),
        "generic generated": lambda: advance(X0, lc, p.Cr, p.Ci, dt, n, st=st, reduced=True),
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    res = {name: fn().block_until_ready() for name, fn in runs.items()}  # compile
    for _ in range(7):  # interleaved, so that the load of a shared machine hits both alike
        for name, fn in runs.items():
            t0 = time.perf_counter()
            res[name] = fn().block_until_ready()
            times[name].append(time.perf_counter() - t0)
    out = {name: (float(np.median(times[name])), np.asarray(res[name])) for name in runs}
    (t_old, r_old), (t_new, r_new) = out.values()
    s_old = np.sqrt(2) * ((r_old[2] + r_old[4]) + 1j * (r_old[3] + r_old[5]))
    Yn = expand(r_new, st.d)
    s_new = np.sqrt(2) * ((Yn[3] + Yn[7]) + 1j * (Yn[4] + Yn[8]))
    print(f"\n0. RK4 dt {dt} to T = {T}, {Bn} Fig. 4 points, median of 7 interleaved runs")
    print("| right-hand side | wall [s] | (points x time)/s |")
    print("|---|---:|---:|")
    for name, (t, _) in out.items():
        print(f"| {name} | {t:.3f} | {Bn * T / t:.3g} |")
    print(f"   ratio generic / hand-written wall time: {t_new / t_old:.2f}")
    print(f"   max |<S^+>(T)| difference between the two: {np.max(np.abs(s_new - s_old)):.1e}")


def machine() -> str:
    load = os.getloadavg()
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, load average "
        f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f}, Python {platform.python_version()}, "
        f"JAX {jax.__version__} ({jax.devices()[0].platform})"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--side-by-side-only", action="store_true", help="run part 0 only")
    args = ap.parse_args()
    N = 61 if args.quick else 201
    n_base = 4 if args.quick else 8
    print("machine:", machine())
    rng = np.random.default_rng(0)
    d_all = np.linspace(-4, 4, N)
    D, KK = (x.ravel() for x in np.meshgrid(d_all, d_all, indexing="ij"))
    if args.side_by_side_only:
        side_by_side(D, KK, rng)
        return

    # ---------------------------------------------------------------- 2. Fig. 4 pipeline
    k = NetworkKernel()
    st = NetworkSettings()
    ms = ("order_parameter", "frequency_difference", "relative_phase", "classification")

    def params(d: np.ndarray, K: np.ndarray) -> dict[str, np.ndarray]:
        B = d.size
        return {
            "delta": d,
            "K": K,
            "V": np.ones(B),
            "V_AB": np.ones(B),
            "gamma_plus": np.full(B, 0.5),
            "gamma_minus": np.ones(B),
        }

    w = np.linspace(-4, 4, 41)
    Dw, Kw = (x.ravel() for x in np.meshgrid(w, w, indexing="ij"))
    t0 = time.perf_counter()
    k(params(Dw, Kw), ms, st)
    t_warm = time.perf_counter() - t0
    t0 = time.perf_counter()
    k(params(Dw, Kw), ms, st)
    t_warm2 = time.perf_counter() - t0
    chunk = 4096
    meth, tint, status = [], [], []
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    for s in range(0, D.size, chunk):
        sl = slice(s, s + chunk)
        r = k(params(D[sl], KK[sl]), ms, st)
        meth.append(r.diagnostics["method"])
        tint.append(r.diagnostics["t_integrated"])
        status.append(r.status)
    t_pipe = time.perf_counter() - t0
    cpu_pipe = time.process_time() - cpu0
    meth, tint, status = (np.concatenate(x) for x in (meth, tint, status))
    print(f"\n2. Fig. 4 pipeline, {N} x {N} = {D.size} points, chunks of {chunk}")
    print(f"compile (41 x 41 warm-up, first call minus second call): {t_warm - t_warm2:.1f} s")
    print(f"pipeline wall time (compiled): {t_pipe:.1f} s (process CPU time {cpu_pipe:.1f} s)")
    names = [
        "stable (|1><1| linearly stable, nothing integrated)",
        "locked (Newton in rotating frame)",
        "integrated (window converged)",
    ]
    for i, nm in enumerate(names):
        f = np.mean(meth == i)
        ti = tint[meth == i]
        extra = (
            (
                f", simulated time median {np.median(ti):.0f}, 90% {np.percentile(ti, 90):.0f},"
                f" max {ti.max():.0f}"
            )
            if ti.size and i
            else ""
        )
        print(f"  {nm}: {f:.3f}{extra}")
    print(
        f"  status ok {np.mean(status == 0):.4f}, not converged {np.mean(status == 1):.4f}, "
        f"failed {np.mean(status == 2):.4f}"
    )
    sim = float(np.sum(tint))
    print(
        f"  total simulated time {sim:.3g} (points x time); "
        f"effective {sim / t_pipe:.3g} (points x time)/s"
    )

    # ---------------------------------------------------------------- 0. side by side
    side_by_side(D, KK, rng)
    pipeline_side_by_side(N, rounds=3, repeats=3 if args.quick else 2)

    # ---------------------------------------------------------------- 1. raw integrator
    T = 200.0
    sub = rng.choice(D.size, n_base, replace=False)
    ref_w = np.array([solve_point(D[i], KK[i], T, "DOP853", 1e-11, 1e-13, WIN_T) for i in sub])
    ref = ref_w[:, :, -1]
    obs_ref = observables(ref_w)
    Bn = 4096
    sel = rng.choice(D.size, Bn, replace=D.size < Bn)
    rows = []
    thr = {}
    # matched pairs: scipy's default tolerance vs the kernel's dt, and 10x tighter vs dt/2
    for (rtol, atol), dt in (((1e-3, 1e-6), 0.2), ((1e-4, 1e-7), 0.1)):
        t0 = time.perf_counter()
        base_w = np.array([solve_point(D[i], KK[i], T, "RK45", rtol, atol, WIN_T) for i in sub])
        t_base = time.perf_counter() - t0
        base = base_w[:, :, -1]
        obs_base = np.max(np.abs(observables(base_w) - obs_ref), -1)
        obs_eng = np.max(np.abs(observables(engine_window(D[sub], KK[sub], dt)) - obs_ref), -1)
        thr_base = n_base * T / t_base
        err_base = np.median(np.max(np.abs(base - ref), -1))
        eng_sub = engine_samples(D[sub], KK[sub], T, dt)
        err_eng = np.median(np.max(np.abs(eng_sub - ref), -1))
        engine_samples(D[sel], KK[sel], 2 * dt, dt)  # compile
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            engine_samples(D[sel], KK[sel], T, dt)
            times.append(time.perf_counter() - t0)
        t_eng = float(np.median(times))
        thr_eng = Bn * T / t_eng
        thr[dt] = (thr_base, thr_eng)
        rows.append(
            f"| solve_ivp RK45 rtol {rtol:g} atol {atol:g}, literal 3x3 rhs, per point | "
            f"{n_base} | {t_base:.2f} | {thr_base:.3g} | {err_base:.1e} | "
            f"{np.median(obs_base):.1e} / {np.max(obs_base):.1e} | 1 |"
        )
        rows.append(
            f"| qsynchro packed RK4 dt {dt}, batched (median of 3) | {Bn} | {t_eng:.2f} | "
            f"{thr_eng:.3g} | {err_eng:.1e} | "
            f"{np.median(obs_eng):.1e} / {np.max(obs_eng):.1e} | "
            f"{thr_eng / thr_base:.0f} |"
        )
    print(
        "\n1. raw integration of Eq. 2 to T = 200 (two groups, Fig. 4 points). Errors against "
        "DOP853 rtol 1e-11 on the baseline points: 'state' = median of max_sigma "
        "|<S^+>_sigma(T) - ref| (dominated by limit-cycle phase drift); 'measures' = median / "
        "max of the largest error in the window [100, 200] order parameters and group A's "
        "mean frequency"
    )
    print(
        "| method | points | wall [s] | (points x time)/s | state error | measures error | ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    thr_base, thr_eng = thr[0.2]

    # ---------------------------------------------------------------- 3. ratio
    T_min = st.t_transient + st.n_samples * st.sample_dt
    t_base_fig4 = D.size * T_min / thr_base
    print(
        f"\n3. per-point solve_ivp loop for the same grid, every point to T = {T_min:.1f} "
        f"(extrapolated from part 1): {t_base_fig4:.3g} s = {t_base_fig4 / 3600:.1f} h"
    )
    print(
        f"   ratio baseline / pipeline: {t_base_fig4 / t_pipe:.0f}x "
        f"(raw integrator ratio {thr_eng / thr_base:.0f}x)"
    )


if __name__ == "__main__":
    main()
