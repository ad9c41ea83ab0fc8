"""Grid numbering and chunk plans (hypothesis): every point exactly once, C order,
the same as NumPy's meshgrid with ``indexing="ij"``; fingerprints ignore chunk size;
a chunk's flat range cut into boxes writes exactly those points (oracle: NumPy's
C-order ravel), and aligned chunk sizes give chunks that are whole storage blocks."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qsynchro.sweeps.grid import Axis, Sweep, aligned_chunk_size, block_shape, flat_boxes
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


@settings(max_examples=200, deadline=None)
@given(shape=st.lists(st.integers(1, 7), min_size=1, max_size=4), data=st.data())
def test_flat_boxes_write_exactly_the_range(shape, data):
    """Writing range values box by box equals assigning them to the raveled grid."""
    size = int(np.prod(shape))
    start = data.draw(st.integers(0, size))
    stop = data.draw(st.integers(start, size))
    values = np.arange(start, stop) + 1.0
    grid = np.zeros(shape)
    boxes = flat_boxes(shape, start, stop)
    for off, index in boxes:
        box = tuple(s.stop - s.start for s in index)
        grid[index] = values[off : off + int(np.prod(box))].reshape(box)
    oracle = np.zeros(size)
    oracle[start:stop] = values
    np.testing.assert_array_equal(grid.reshape(-1), oracle)
    assert len(boxes) <= 2 * len(shape) - 1
    assert sum(int(np.prod([s.stop - s.start for s in ix])) for _, ix in boxes) == stop - start


@settings(max_examples=100, deadline=None)
@given(shape=st.lists(st.integers(1, 12), min_size=1, max_size=3), size=st.integers(1, 400))
def test_aligned_chunks_fill_storage_blocks(shape, size):
    """An aligned size never grows, shrinks by at most 3x, equals one storage block, and
    its chunks are at most 2 boxes (one when the rows per chunk divide the row count)."""
    total = int(np.prod(shape))
    chunk = aligned_chunk_size(shape, size)
    assert 1 <= chunk <= min(size, total) and chunk >= min(size, total) // 3
    block = block_shape(shape, chunk)
    assert int(np.prod(block)) == chunk
    for start in range(0, total, chunk):
        boxes = flat_boxes(shape, start, min(start + chunk, total))
        assert len(boxes) <= 2


def test_aligned_chunks_of_typical_grids_are_single_blocks():
    for shape, size, want in [
        ((10_000, 10_000), 24_415, 20_000),  # the 10^8 benchmark: 2 rows per chunk
        ((201, 201), 4096, 4020),  # Fig. 4: 20 rows (201 has no divisor in 10..20)
        ((1000, 100), 256, 200),
        ((7, 5), 4, 4),
    ]:
        chunk = aligned_chunk_size(shape, size)
        assert chunk == want
        if int(np.prod(shape)) % chunk == 0:
            assert all(
                len(flat_boxes(shape, a, a + chunk)) == 1
                for a in range(0, int(np.prod(shape)), chunk)
            )
