"""Grid numbering and chunk plans (hypothesis): every point exactly once, C order,
the same as NumPy's meshgrid with ``indexing="ij"``; fingerprints ignore chunk size."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qsynchro.sweeps.grid import Axis, Sweep
from qsynchro.sweeps.run import device_info

shapes = st.lists(st.integers(1, 6), min_size=1, max_size=3)


def _sweep(shape: list[int], chunk: int | None = None) -> Sweep:
    axes = tuple(Axis(f"p{i}", np.arange(n) * (i + 1.5)) for i, n in enumerate(shape))
    return Sweep("toy", axes, ("f",), chunk_size=chunk)


@settings(max_examples=40, deadline=None)
@given(shape=shapes, chunk=st.integers(1, 50))
def test_chunks_cover_every_point_once_in_c_order(shape, chunk):
    sweep = _sweep(shape)
    plan = sweep.chunks(chunk)
    starts = [a for a, _ in plan]
    assert starts == list(range(0, sweep.size, chunk)) and plan[-1][1] == sweep.size
    assert all(0 < b - a <= chunk for a, b in plan)
    grids = np.meshgrid(*[a.values for a in sweep.axes], indexing="ij")
    pts = {k: np.concatenate([sweep.points(a, b)[k] for a, b in plan]) for k in sweep.dims}
    for name, g in zip(sweep.dims, grids):
        np.testing.assert_array_equal(pts[name], g.ravel())


@settings(max_examples=20, deadline=None)
@given(shape=shapes, c1=st.integers(1, 9), c2=st.integers(1, 9))
def test_fingerprint_ignores_chunk_size_only(shape, c1, c2):
    assert _sweep(shape, c1).fingerprint() == _sweep(shape, c2).fingerprint()
    assert _sweep(shape).fingerprint() != _sweep([*shape[:-1], shape[-1] + 1]).fingerprint()
    assert Sweep.from_dict(_sweep(shape, c1).to_dict()).fingerprint() == _sweep(shape).fingerprint()


def test_device_info_reports_platform_and_free_memory():
    info = device_info()
    assert info["platform"] in {"cpu", "gpu", "tpu", "cuda", "rocm"} and info["memory"] > 0
