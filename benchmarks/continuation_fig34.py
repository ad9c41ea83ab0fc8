"""Which boundaries of Figs. 3-4 (Nadolny & Bruder) are local bifurcations: the numbers.

1. Fig. 3 (V = 1, gamma_+ = 0.5, K = 0), at V_AB = 0.5 and 1: the locked state is lost at
   a supercritical Hopf point; the modulated locked states born there (periodic orbits in
   the co-rotating frame of group B, :func:`qsynchro.solvers.curves.cycle_branch`) are
   followed in delta; along them the winding of the relative phase and the
   phase coherence |<exp(i(phi_A - phi_B))>| over one period is computed (the quantity
   that ``classify`` thresholds at 0.9), and compared with the grid's boundary (first delta
   with classification != 2 at the figure's step 0.01).
2. Fig. 4 (V = V_AB = 1, gamma_+ = 0.5): the boundary of the black (unsynchronized) region
   is where |1><1| is linearly stable; its stability boundary from continuation (Hopf
   curves of |1><1| in (delta, K)) against Brent root finding of the largest growth rate
   of the charge +1 block (``max_growth_rate``) at a few delta.
3. On the slice of group A (singular where |<S+>_A| -> 0) the spurious first cycle fold at
   V_AB = 1, located again with 2x, 4x, 8x the RK4 steps
   (:func:`qsynchro.solvers.curves.refine_cycle`): it does not converge.

Usage: ``python benchmarks/continuation_fig34.py`` (a few minutes: shooting over
hundreds of cycles).
"""

from __future__ import annotations

import time

import jax

jax.config.update("jax_enable_x64", True)

import numpy as np  # noqa: E402
import scipy.optimize  # noqa: E402

from qsynchro.measures.order import phase_coherence  # noqa: E402
from qsynchro.models.network import Network  # noqa: E402
from qsynchro.solvers.branch import continuation  # noqa: E402
from qsynchro.solvers.continuation_network import spin1_adapter  # noqa: E402
from qsynchro.solvers.curves import cycle_branch, refine_cycle, stability_boundary  # noqa: E402
from qsynchro.solvers.evolve import evolve  # noqa: E402
from qsynchro.solvers.stability import max_growth_rate  # noqa: E402

FIG3 = {"K": 0.0, "V": 1.0, "gamma_plus": 0.5, "delta": 0.0}
#: RK4 steps per period of the shooting
STEPS = 600


def along(cb, vab: float) -> tuple[np.ndarray, np.ndarray]:
    """Phase coherence and winding of phi_A - phi_B over one period of each cycle."""
    coh, wind = [], []
    for x, d, T in zip(cb.states, cb.values, cb.period):
        rho = spin1_adapter("two_groups").observables(x)["rho"]
        dt = T / 2000
        m = Network.two_groups(d, 0.0, 1.0, vab, 0.5)
        s = evolve(m, T, rho0=rho, dt=dt, n_samples=2001, sample_dt=dt).s_plus
        coh.append(float(phase_coherence(s[0], s[1])))
        rel = np.unwrap(np.angle(s[0] * np.conj(s[1])))
        wind.append(round(float(rel[-1] - rel[0]) / (2 * np.pi)))
    return np.array(coh), np.array(wind)


def fig3(vab: float, stop: float, grid: float) -> None:
    t0 = time.perf_counter()
    b = continuation({**FIG3, "V_AB": vab}, "delta", 0.0, 1.0)
    h = b.bifurcations[0]
    # the slice of group B: |<S+>_A| passes through 0 along these cycles (docs/continuation.md)
    cb = cycle_branch(
        b, 0, stop, steps=STEPS, ds_max=0.02, max_steps=400, reference_group=1
    )  # fmt: skip
    coh, wind = along(cb, vab)
    below = np.nonzero(coh < 0.9)[0]
    d09 = cb.values[below[0]] if below.size else np.nan
    w = np.nonzero(wind != 0)[0]
    print(f"\nV_AB = {vab}: locked state lost at {h!r}")
    print(f"  modulated locked states (slice of B): {cb!r} ({cb.message}); all stable: "
          f"{bool(np.all(cb.stable))}")  # fmt: skip
    print(f"  coherence from {coh[0]:.4f} to {coh[-1]:.4f}; < 0.9 from delta = {d09:.4f}")
    if w.size:
        print(f"  relative phase winds (1 per period) from delta in "
              f"[{cb.values[w[0] - 1]:.5f}, {cb.values[w[0]]:.5f}]")  # fmt: skip
    print(f"  grid (step 0.01): first delta not classified 'full' = {grid}")
    print(f"  time {time.perf_counter() - t0:.1f} s")


def artifact() -> None:
    """V_AB = 1 on the slice of group A: the spurious first cycle fold under refinement."""
    t0 = time.perf_counter()
    b = continuation({**FIG3, "V_AB": 1.0}, "delta", 0.0, 1.0)
    cb = cycle_branch(b, 0, 0.6, steps=STEPS, ds_max=0.02, max_steps=300)
    bif = next(x for x in cb.bifurcations if x.kind == "cycle_fold")
    r = refine_cycle(b, cb, bif, levels=3)
    print(f"\nslice of A, V_AB = 1: {r!r}; differences {r.differences}; observed order "
          f"{r.observed_order}; first events per level "
          f"{[e[:2] for e in r.events]} ({time.perf_counter() - t0:.1f} s)")  # fmt: skip


def fig4() -> None:
    t0 = time.perf_counter()
    model = {"delta": 0.0, "K": 4.0, "V": 1.0, "V_AB": 1.0, "gamma_plus": 0.5}
    bnd = stability_boundary(
        model, "K", 4.0, -4.0, "delta", (0.1, 4.0), initial="unsynchronized", ds_max=0.1,
        marks=(0.5, 1.0, 2.0, 3.0, 4.0),
    )  # fmt: skip
    print(f"\nFig. 4: stability boundary of |1><1| in (delta, K): {bnd!r}")
    for c in bnd.curves:
        print(f"  {c!r}; l1 range [{np.nanmin(c.data.l1.values):.3g}, "
              f"{np.nanmax(c.data.l1.values):.3g}]")  # fmt: skip
    d = bnd.data
    for v in (0.5, 1.0, 2.0, 3.0, 4.0):
        sel = np.nonzero((np.abs(d.delta.values - v) < 1e-12) & (d.marked.values == 1))[0]
        if not sel.size:
            continue
        K = float(d.K.values[sel[0]])

        def g(k: float, v: float = v) -> float:
            return float(max_growth_rate(Network.two_groups(v, k, 1.0, 1.0, 0.5)))

        Kb = scipy.optimize.brentq(g, K - 0.05, K + 0.05, xtol=1e-13)
        print(f"  delta = {v}: K_H = {K:.10f} (continuation), {Kb:.10f} (Brent on the "
              f"growth rate), |diff| = {abs(K - Kb):.1e}, K - delta = {K - v:+.4f}")  # fmt: skip
    print(f"  time {time.perf_counter() - t0:.1f} s")


def main() -> None:
    fig4()
    fig3(0.5, 0.42, 0.37)
    fig3(1.0, 0.6, 0.48)
    artifact()


if __name__ == "__main__":
    main()
