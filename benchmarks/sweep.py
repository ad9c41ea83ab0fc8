"""Sweep engine overhead and Dask scaling.

1. Overhead: the same 10^4 points of the real ``"maser"`` kernel (N = 2, certified
   S_max over a 100 x 100 grid in (n_h/n_c, k)) computed
   (a) by one bare batched kernel call,
   (b) by the engine in process, without a store (chunks, padding, status checks, assembly),
   (c) by the engine with the Zarr store and result.nc (what the CLI does).
   Ratio = engine / bare; target < 1.10 for (b).
2. Scaling: the ``"network"`` kernel (mean-field, two groups; 64 points that all need
   integration, 8 chunks of 8) in process, on a LocalCluster with 1 worker and with 2
   workers. Every worker is warmed up (compiled) before timing; cluster startup is
   reported separately. Needs ``qsynchro[distributed]`` (skipped without it).
3. Memory (``--memory``): peak resident memory of sweeps of 10^6, 10^7 and 10^8 points
   (square grids) of the NumPy-only ``"cheap"`` kernel of ``tests/sweep_kernels.py``
   (g = sin(x) y + 1, one float per point), streamed into the Zarr store with the
   automatic chunk size, each in a fresh process. The baseline is the same process
   after imports and a small warm-up sweep; the in-memory run (no store) of 10^7 points
   is the comparison. ``--memory-max N`` caps the largest grid.

Usage: python benchmarks/sweep.py [--quick] [--repeats R] [--memory [--memory-max N]]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)

from qsynchro._jax import x64  # noqa: E402
from qsynchro.experiments.runner import run_sweep  # noqa: E402
from qsynchro.sweeps.dask import dask_client  # noqa: E402
from qsynchro.sweeps.grid import Axis, Sweep  # noqa: E402
from qsynchro.sweeps.kernel import kernel_module  # noqa: E402
from qsynchro.sweeps.run import compute_chunk, prepare_sweep  # noqa: E402

TESTS = Path(__file__).resolve().parents[1] / "tests"


def _median(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def overhead(repeats: int, n_side: int) -> None:
    sweep = Sweep(
        "maser",
        (Axis.logspace("nh_over_nc", 0.1, 1000.0, n_side), Axis.logspace("k", 0.1, 10.0, n_side)),
        ("S_max_scaled", "upper_bound_scaled", "entrainment_scaled", "abs_rho_12"),
        fixed={"N": 2},
    )
    canon, kernel, settings = prepare_sweep(sweep)
    params = canon.param_grid(kernel.defaults)

    def bare() -> None:
        with x64():
            kernel(params, canon.measures, settings)

    def engine() -> None:
        run_sweep(sweep, progress=False)

    def stored() -> None:
        with tempfile.TemporaryDirectory() as d:
            run_sweep(sweep, d, progress=False)

    for f in (bare, engine, stored):  # warm-up
        f()
    tb, te, ts = (_median(f, repeats) for f in (bare, engine, stored))
    n = canon.size
    print(f"\n## overhead: maser kernel, {n} points, median of {repeats}")
    print("| variant | time [s] | points/s | ratio to bare |")
    print("|---|---:|---:|---:|")
    for name, t in (
        ("bare batched kernel call", tb),
        ("engine, in process", te),
        ("engine + Zarr store + result.nc", ts),
    ):
        print(f"| {name} | {t:.3f} | {n / t:,.0f} | {t / tb:.3f} |")


def scaling(repeats: int, n_points: int) -> None:
    side = round(np.sqrt(n_points))
    sweep = Sweep(
        "network",
        (Axis.linspace("delta", 1.6, 3.0, side), Axis.linspace("K", -2.0, -0.5, side)),
        ("frequency_difference", "order_parameter"),
        fixed={"V": 1.0, "V_AB": 1.0, "gamma_plus": 0.5, "gamma_minus": 1.0},
        settings={"t_transient": 200.0, "n_samples": 512, "locked_shortcut": False},
        chunk_size=max(1, side * side // 8),
    )
    canon = prepare_sweep(sweep)[0]
    decl = {**canon.to_dict(), "chunk_size": canon.chunk_size}
    module = kernel_module(canon.kernel)
    print(
        f"\n## scaling: network kernel, {canon.size} points in chunks of {canon.chunk_size},"
        f" median of {repeats}"
    )
    print("| executor | startup [s] | time [s] | points/s | speed-up vs 1 worker |")
    print("|---|---:|---:|---:|---:|")
    compute_chunk(decl, module, 0, canon.chunk_size, canon.chunk_size)  # compile here
    t_in = _median(lambda: run_sweep(sweep, progress=False), repeats)
    print(f"| in process | 0 | {t_in:.2f} | {canon.size / t_in:.1f} | |")
    t1 = None
    for workers in (1, 2):
        t0 = time.perf_counter()
        with dask_client(workers=workers) as client:
            client.run(compute_chunk, decl, module, 0, canon.chunk_size, canon.chunk_size)
            start = time.perf_counter() - t0
            t = _median(lambda c=client: run_sweep(sweep, progress=False, client=c), repeats)
        t1 = t1 or t
        print(
            f"| LocalCluster, {workers} worker(s) | {start:.1f} | {t:.2f} | "
            f"{canon.size / t:.1f} | {t1 / t:.2f} |"
        )


def _max_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


def _memory_child(points: int, store: bool) -> None:
    """One sweep of ``points`` points in this (fresh) process; prints a JSON line."""
    sys.path.insert(0, str(TESTS))
    import sweep_kernels as sk

    side = round(points**0.5)
    with tempfile.TemporaryDirectory(dir=os.environ.get("QSYNCHRO_BENCH_TMP")) as d:
        run_sweep(sk.cheap_sweep(50, 50), Path(d) / "warm", progress=False, memory_limit=0)
        base = _max_rss()
        out = Path(d) / "big" if store else None
        t0 = time.perf_counter()
        ds = run_sweep(
            sk.cheap_sweep(side, side), out, progress=False, memory_limit=0 if store else None
        )
        seconds = time.perf_counter() - t0
        peak = _max_rss()
        chunk = json.loads(ds.attrs["sweep"])["chunk_size"]
        disk = (
            sum(f.stat().st_size for f in Path(d, "big").rglob("*") if f.is_file()) if store else 0
        )
        check = float(ds["g"].isel(x=-1, y=-1).values)  # sin(3) * 1 + 1
    print(
        json.dumps(
            {
                "points": side * side,
                "chunk": chunk,
                "seconds": seconds,
                "base": base,
                "peak": peak,
                "disk": disk,
                "ok": abs(check - (np.sin(3.0) + 1.0)) < 1e-15 and ds.attrs["n_ok"] == side * side,
            }
        )
    )


def memory(max_points: int) -> None:
    print("\n## memory: cheap kernel (one float per point), peak RSS per fresh process")
    cols = (
        "points | store | chunk | time [s] | points/s | RSS after warm-up [MB] | peak RSS [MB]"
        " | peak - baseline [MB] | on disk [MB] | values ok"
    )
    print(f"| {cols} |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
    runs = [(p, True) for p in (10**6, 10**7, 10**8) if p <= max_points]
    runs.insert(min(2, len(runs)), (min(10**7, max_points), False))
    for points, store in runs:
        env = dict(os.environ, JAX_PLATFORMS="cpu", OMP_NUM_THREADS="1")
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--memory-child",
                str(points),
                *([] if store else ["--no-store"]),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode:
            why = proc.stderr.strip().splitlines()[-1]
            print(f"| {points:.0e} | {'Zarr' if store else 'memory'} | failed: {why} |")
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        mb, kind = 1e6, "Zarr" if store else "memory"
        print(
            f"| {r['points']:.0e} | {kind} | {r['chunk']} | {r['seconds']:.1f} | "
            f"{r['points'] / r['seconds']:,.0f} | {r['base'] / mb:.0f} | {r['peak'] / mb:.0f} | "
            f"{(r['peak'] - r['base']) / mb:.0f} | {r['disk'] / mb:.0f} | {r['ok']} |"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--memory", action="store_true", help="only the peak-memory table")
    ap.add_argument("--memory-max", type=int, default=10**8, help="largest grid (points)")
    ap.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--no-store", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        _memory_child(args.memory_child, not args.no_store)
        return
    repeats = args.repeats or (2 if args.quick else 5)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()}, "
        f"Python {platform.python_version()}, JAX {jax.__version__} "
        f"({jax.devices()[0].platform}), load average {os.getloadavg()[0]:.1f}"
    )
    if args.memory:
        memory(args.memory_max)
        return
    overhead(repeats, 40 if args.quick else 100)
    if shutil.which("dask") or _has_distributed():
        scaling(max(1, repeats // 2) if not args.quick else 1, 16 if args.quick else 64)
    else:
        print("\n## scaling: skipped (install qsynchro[distributed])")


def _has_distributed() -> bool:
    import importlib.util

    return importlib.util.find_spec("distributed") is not None


if __name__ == "__main__":
    main()
