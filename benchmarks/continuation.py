"""Continuation benchmark: the Fig. 3(d) locking boundary (Nadolny & Bruder) in one run.

1. ``qsynchro.solvers.curves.stability_boundary``: the boundary of the stable locked state
   in (delta, V_AB) for V_AB in [0.05, 1] (V = 1, gamma_+ = 0.5, K = 0): two 1-parameter
   continuations in delta (at V_AB = 0.05 and 1), a fold curve and a Hopf curve in V_AB,
   and exact points at a few V_AB. Timed from a cold start (JAX compilation included;
   the compile share is printed) and again warm.
2. Accuracy: (a) each marked boundary point against an independent 1-parameter
   continuation in delta at that V_AB; (b) against bisection with long time integration
   (parallel k-section in delta, T = 4000, window 3000: "locked" = no phase slip and a
   decaying variation of |<S^+>_A|, see ``locked_stationary``).
3. The grid: the Fig. 3(d) kernel on delta in [0, 1] with the figure's step 0.01 at the
   same V_AB values (the boundary read off the grid = first delta with
   classification != 2), and its time; ``--full`` also times the whole default Fig. 3(d)
   panel (201 x 101).

Usage: ``python benchmarks/continuation.py [--full] [--no-bisection]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import jax

jax.config.update("jax_enable_x64", True)

import numpy as np  # noqa: E402

from qsynchro.models.network import Network  # noqa: E402
from qsynchro.solvers.branch import continuation  # noqa: E402
from qsynchro.solvers.curves import stability_boundary  # noqa: E402
from qsynchro.solvers.evolve import evolve  # noqa: E402

FIG3 = {"K": 0.0, "V": 1.0, "gamma_plus": 0.5, "delta": 0.0}
MARKS = (0.1, 0.3, 0.5, 0.75, 1.0)


def _compile_seconds() -> float:
    from jax._src import monitoring

    total = [0.0]

    def listen(event: str, duration: float, **kw: object) -> None:
        if event == "/jax/compilation_cache/compile_time_saved_sec":
            return
        if "backend_compile" in event:
            total[0] += duration

    monitoring.register_event_duration_secs_listener(listen)
    return total  # type: ignore[return-value]


def boundary_run() -> tuple[object, float]:
    t0 = time.perf_counter()
    b = stability_boundary(FIG3, "delta", 0.0, 1.0, "V_AB", (0.05, 1.0), marks=MARKS)
    return b, time.perf_counter() - t0


def locked_stationary(delta: np.ndarray, vab: float) -> np.ndarray:
    """Time integration: True where the attractor is a stationary locked state.

    From the default initial state to T = 4000: no phase slip of <S^+>_A <S^+>_B^* in the
    last 3000, and in the last 1000 the variation (max - min) of |<S^+>_A| over the second
    half is below 0.9 times that over the first half (decaying towards a fixed point in the
    rotating frame) or below 1e-9 (converged).
    """
    m = Network.two_groups(delta, 0.0, 1.0, vab, 0.5)
    tr = evolve(m, 4000.0, dt=0.05, n_samples=2001, sample_dt=1.5)
    s = tr.s_plus  # (B, 2, n)
    ph = np.unwrap(np.angle(s[:, 0] * np.conj(s[:, 1])), axis=-1)
    slip = np.abs(ph[:, -1] - ph[:, 0]) > np.pi
    a = np.abs(s[:, 0, -668:])  # the last 1000
    half = a.shape[-1] // 2
    v1 = np.ptp(a[:, :half], -1)
    v2 = np.ptp(a[:, half:], -1)
    return ~slip & ((v2 < 0.9 * v1) | (v2 < 1e-9)) & (a.mean(-1) > 1e-3)


def bisection(vab: float, lo: float, hi: float, rounds: int = 4, k: int = 8) -> float:
    """Parallel k-section: the bracket shrinks by k + 1 per round (one batched evolve)."""
    for _ in range(rounds):
        d = np.linspace(lo, hi, k + 2)[1:-1]
        ok = locked_stationary(d, vab)
        inside = d[ok]
        outside = d[~ok]
        lo = max(lo, inside.max()) if inside.size else lo
        hi = min(hi, outside[outside > lo].min()) if np.any(outside > lo) else hi
    return 0.5 * (lo + hi)


def grid_boundary(full: bool) -> tuple[dict[float, float], float, float | None]:
    from qsynchro.experiments.nadolny2023 import sweeps
    from qsynchro.experiments.runner import run_sweep
    from qsynchro.sweeps.grid import Axis, Sweep

    base = sweeps("fig3")["fig3d"]
    sw = Sweep(
        base.kernel,
        (Axis.linspace("delta", 0.0, 1.0, 101), Axis("V_AB", np.array(MARKS))),
        base.measures,
        fixed=base.fixed,
        settings=base.settings,
    )
    t0 = time.perf_counter()
    ds = run_sweep(sw, progress=False)
    t_cols = time.perf_counter() - t0
    out = {}
    for v in MARKS:
        c = ds.classification.sel(V_AB=v).values
        d = ds.delta.values
        out[v] = float(d[np.argmax(c != 2)]) if np.any(c != 2) else np.nan
    t_full = None
    if full:
        t0 = time.perf_counter()
        run_sweep(base, progress=False)
        t_full = time.perf_counter() - t0
    return out, t_cols, t_full


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--full", action="store_true", help="also time the full Fig. 3(d) grid")
    ap.add_argument("--no-bisection", action="store_true")
    args = ap.parse_args()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}; jax {jax.__version__}"
    )
    comp = _compile_seconds()
    cpu0 = time.process_time()
    b, t_cold = boundary_run()
    cpu_cold = time.process_time() - cpu0
    c_cold = comp[0]
    _, t_warm = boundary_run()
    print("\n== 1. stability boundary of the locked state, V_AB in [0.05, 1] ==")
    print(b)
    for c in b.curves:
        print("  ", c)
    print(
        f"cold: {t_cold:.2f} s wall ({cpu_cold:.2f} s CPU, of which XLA compile "
        f"{c_cold:.2f} s); warm: {t_warm:.2f} s"
    )
    d = b.data
    print(f"{d.sizes['point']} boundary points; kind 0 = fold, 1 = Hopf")
    print("\n== 2. accuracy at the marked V_AB ==")
    grid, t_grid, t_full = grid_boundary(args.full)
    print(
        f"{'V_AB':>6} {'kind':>5} {'delta (curve)':>15} {'1-par cont.':>15} {'|diff|':>9} "
        f"{'bisection':>10} {'|diff|':>9} {'grid 0.01':>9}"
    )
    t_bis = 0.0
    for v in MARKS:
        sel = (np.abs(d.V_AB.values - v) < 1e-12) & (d.marked.values == 1)
        if not np.any(sel):
            print(f"{v:6.2f}  (no marked boundary point)")
            continue
        i = int(np.nonzero(sel)[0][0])
        dc, kind = float(d.delta.values[i]), "fold" if d.kind.values[i] == 0 else "hopf"
        br = continuation({**FIG3, "V_AB": v}, "delta", 0.0, 1.0)
        first = next(x for x in br.bifurcations if x.kind in ("fold", "hopf"))
        bis = np.nan
        if not args.no_bisection:
            t0 = time.perf_counter()
            bis = bisection(v, max(dc - 0.02, 0.0), dc + 0.02)
            t_bis += time.perf_counter() - t0
        print(
            f"{v:6.2f} {kind:>5} {dc:15.10f} {first.value:15.10f} {abs(first.value - dc):9.1e} "
            f"{bis:10.6f} {abs(bis - dc):9.1e} {grid[v]:9.2f}"
        )
    print(
        "transitions:",
        "; ".join(
            f"{x.kind} at V_AB={x.other['V_AB']:.8f}, delta={x.value:.8f}" for x in b.transitions
        ),
    )
    for c in b.curves:
        for x in c.points:
            if x.kind == "bautin":
                print(
                    f"bautin (l1 = 0) on the Hopf curve at V_AB={x.other['V_AB']:.8f}, "
                    f"delta={x.value:.8f}"
                )
    print("\n== 3. times ==")
    print(f"continuation (cold, compile included): {t_cold:.2f} s; warm: {t_warm:.2f} s")
    if not args.no_bisection:
        print(f"bisection by time integration ({len(MARKS)} V_AB, 4 rounds x 8): {t_bis:.1f} s")
    print(f"grid, delta step 0.01 at the {len(MARKS)} V_AB (101 x {len(MARKS)}): {t_grid:.1f} s")
    if t_full is not None:
        print(f"grid, full Fig. 3(d) panel 201 x 101: {t_full:.1f} s")


if __name__ == "__main__":
    main()
