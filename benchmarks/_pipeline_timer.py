"""Time the Fig. 4 pipeline of whichever qsynchro is on PYTHONPATH (helper of meanfield.py).

Prints one JSON line: the CPU and wall times of ``repeats`` compiled calls of the
``"network"`` sweep kernel on an N x N grid of (delta, K) in [-4, 4]^2 (V = V_AB = 1,
gamma_plus = 0.5, gamma_minus = 1), after a warm-up call on the same grid, and the
classification of every point (so the two trees can be compared point by point).
Usage: ``python _pipeline_timer.py N repeats threads``.
"""

from __future__ import annotations

import json
import sys
import time

import jax
import numpy as np

jax.config.update("jax_enable_x64", True)

from qsynchro.sweeps.network import NetworkKernel, NetworkSettings  # noqa: E402


def main() -> None:
    N, repeats, threads = (int(a) for a in sys.argv[1:4])
    k = NetworkKernel()
    st = NetworkSettings(threads=threads)
    ms = ("order_parameter", "frequency_difference", "relative_phase", "classification")
    g = np.linspace(-4, 4, N)
    D, KK = (x.ravel() for x in np.meshgrid(g, g, indexing="ij"))
    one = np.ones(D.size)
    p = {"delta": D, "K": KK, "V": one, "V_AB": one, "gamma_plus": 0.5 * one, "gamma_minus": one}
    r = k(p, ms, st)  # compile every batch size
    cpu, wall = [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        r = k(p, ms, st)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - t0)
    cls = np.asarray(r.values["classification"]).astype(int).tolist()
    print(json.dumps({"cpu": cpu, "wall": wall, "classification": cls}))


if __name__ == "__main__":
    main()
