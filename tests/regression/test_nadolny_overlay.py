"""Continuation curves over the Nadolny & Bruder grid panels agree with the grids.

The curves (``nadolny2023-fig3d-curves.nc``, ``-fig4-curves.nc``) come from continuation
(Newton on the fold/Hopf defining systems); the grids from time integration and the
linear-stability shortcut of the sweep kernel. They are independent methods, so a curve
drawn in the wrong place fails these tests.
"""

from __future__ import annotations

import numpy as np
import pytest

from qsynchro.experiments.nadolny2023 import sweeps
from qsynchro.experiments.runner import run_sweep
from qsynchro.outputs.store import read_dataset
from qsynchro.sweeps.grid import Axis, Sweep


def _segments(curves, x: str, y: str) -> np.ndarray:
    """All straight pieces of all curve segments, shape (m, 2, 2): [piece, end, (x, y)]."""
    out = []
    seg = curves["segment"].values
    for s in np.unique(seg):
        P = np.stack([curves[x].values[seg == s], curves[y].values[seg == s]], -1)
        out.append(np.stack([P[:-1], P[1:]], 1))
    return np.concatenate(out)


def _crossings(S: np.ndarray, a: np.ndarray, b: np.ndarray) -> int:
    """Number of pieces of S that cross the straight edge from a to b (proper crossings)."""

    def orient(p, q, r):  # sign of the cross product (q - p) x (r - p), vectorized over S
        return np.sign((q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1])
                       - (q[..., 1] - p[..., 1]) * (r[..., 0] - p[..., 0]))  # fmt: skip

    p, q = S[:, 0], S[:, 1]
    o1, o2 = orient(p, q, a), orient(p, q, b)
    o3, o4 = orient(a, b, p), orient(a, b, q)
    return int(np.sum((o1 * o2 < 0) & (o3 * o4 < 0)))


def test_curve_files_have_provenance(nadolny_quick):
    for name, second in (("fig3d-curves", "V_AB"), ("fig4-curves", "K")):
        ds = read_dataset(nadolny_quick / f"nadolny2023-{name}.nc")
        for key in ("qsynchro_version", "paper", "method", "model", "description"):
            assert key in ds.attrs, (name, key)
        assert ds["delta"].dims == ("point",) and ds[second].dims == ("point",)
        assert set(np.unique(ds["kind"].values)) <= {0, 1}
        # mirrored by the exchange symmetry delta -> -delta
        np.testing.assert_allclose(np.sort(ds["delta"].values), np.sort(-ds["delta"].values))


def test_fig4_hopf_curves_bound_the_unsynchronized_grid_region(nadolny_quick):
    """Fig. 4: along every edge between neighbouring grid points, the unsynchronized status
    (classification 0) changes exactly when an odd number of curve pieces crosses the edge.

    The grid calls a point unsynchronized when |1><1| is linearly stable (the kernel's
    stability shortcut: eigenvalues of the linearization), the curves are Hopf points of
    |1><1| located by continuation in (delta, K). On the quick 11 x 11 grid (step 0.8)
    this checks about 220 edges; a curve shifted by a fraction of a step breaks it."""
    grid = read_dataset(nadolny_quick / "nadolny2023-fig4a.nc").transpose("delta", "K")
    curves = read_dataset(nadolny_quick / "nadolny2023-fig4-curves.nc")
    assert np.all(curves["kind"].values == 1)  # only Hopf curves bound |1><1|'s region
    assert np.all(curves["l1"].values < 0)  # all supercritical
    S = _segments(curves, "delta", "K")
    unsync = grid["classification"].values == 0
    D, K = grid["delta"].values, grid["K"].values
    changes = bad = 0
    for i in range(D.size):
        for j in range(K.size):
            for i2, j2 in ((i + 1, j), (i, j + 1)):
                if i2 == D.size or j2 == K.size:
                    continue
                # curves end on the lines delta = 0 (mirror image) and delta = +-4 (window):
                # move the edge off them by 1e-8 so that a crossing there is a proper one
                a = np.array([D[i] * (1 - 1e-8) + 1e-9, K[j]])
                b = np.array([D[i2] * (1 - 1e-8) + 1e-9, K[j2]])
                changed = unsync[i, j] != unsync[i2, j2]
                changes += changed
                bad += changed != (_crossings(S, a, b) % 2 == 1)
    assert changes >= 20  # the test has something to check
    assert bad == 0


@pytest.mark.slow
def test_fig3d_fold_and_hopf_curves_against_the_grid_classifier(nadolny_quick):
    """Fig. 3(d): the fold curve (V_AB < 0.21) is where the grid's classification leaves
    "fully synchronized": one grid step (0.01) below it the grid says 2, one step above it
    does not. The Hopf curve (V_AB > 0.21) bounds the stable *stationary* locked state: one
    step below it the grid says 2; at V_AB = 1 one step above it the grid still says 2 (a
    stable modulated locked state, whose phase coherence falls below the classifier's
    threshold only at delta = 0.473, 0.037 beyond the Hopf point), so the grid's boundary
    there is not this bifurcation."""
    curves = read_dataset(nadolny_quick / "nadolny2023-fig3d-curves.nc")
    pos = curves["delta"].values > 0
    at = {}
    for kind, vabs in ((0, (0.1, 0.15)), (1, (0.5, 1.0))):
        m = pos & (curves["kind"].values == kind)
        order = np.argsort(curves["V_AB"].values[m])
        for v in vabs:
            at[v] = float(
                np.interp(v, curves["V_AB"].values[m][order], curves["delta"].values[m][order])
            )
    # the Adler-like linear tongue at weak coupling (docs/continuation.md: 0.0750039 at 0.1)
    assert at[0.1] == pytest.approx(0.0750039494, abs=1e-8)  # an exact point (FIG3_MARKS)
    base = sweeps("fig3", quick=True)["fig3d"]
    step = 0.01
    for v, d0 in at.items():
        sw = Sweep(
            "network",
            (Axis("delta", np.array([d0 - step, d0 + step])),),
            ("classification",),
            fixed={**base.fixed, "V_AB": v},
            settings=dict(base.settings or {}, t_max=2000.0),
            chunk_size=16,
        )
        cls = run_sweep(sw, progress=False)["classification"].values
        assert cls[0] == 2, (v, d0, cls)
        if v < 0.21:
            assert cls[1] != 2, (v, d0, cls)
        elif v == 1.0:  # modulated but locked: coherence >= 0.9 up to delta = 0.473
            assert cls[1] == 2, (v, d0, cls)
