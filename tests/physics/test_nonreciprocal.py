r"""Nonreciprocal coupling between two spin-1 groups (C[A, B] != C[B, A]).

Checks: with one-way coupling (C[A, B] = 0) group A evolves exactly as an isolated group, so
its attractor signal equals the single-group one; in the reciprocal limit the general
constructor reproduces ``Network.two_groups``.
"""

import numpy as np
import pytest

import qsynchro as q

OPTS = dict(locked_shortcut=False, t_transient=200.0, t_max=800.0, n_samples=256)


@pytest.mark.slow
def test_one_way_coupling_leaves_the_driver_unaffected():
    K, V, gp, delta = -1.0, 0.4, 0.5, 0.3
    V_BA = np.array([0.0, 0.2, 0.6])  # how strongly B feels A
    C = np.zeros((3, 2, 2))
    C[:, 0, 0] = C[:, 1, 1] = V
    C[:, 1, 0] = V_BA  # C[A, B] = 0: A does not feel B
    net = q.Network(q.spin1(), [delta / 2, -delta / 2], C, K=K, gamma_plus=gp)
    att = q.attractor(net, **OPTS)
    alone = q.attractor(q.Network.single_group(K, V, gp, detuning=delta / 2), **OPTS)
    for b in range(3):
        assert np.allclose(att.signal[b, 0], alone.signal[0], atol=1e-10)
    # the driven group is not unaffected: B's order parameter changes with V_BA
    assert np.ptp(att.order_parameter[:, 1]) > 1e-3


def test_reciprocal_limit_reproduces_two_groups():
    delta, K, V, V_AB, gp = 0.2, -0.5, 0.4, 0.1, 0.5
    ref = q.Network.two_groups(delta, K, V, V_AB, gp)
    gen = q.Network(q.spin1(), [delta / 2, -delta / 2], [[V, V_AB], [V_AB, V]], K=K, gamma_plus=gp)
    a, b = q.attractor(ref, **OPTS), q.attractor(gen, **OPTS)
    assert np.allclose(a.signal, b.signal, atol=1e-12)
    assert a.classification == b.classification


@pytest.mark.slow
def test_reproduce_networks_nonreciprocal_quick(tmp_path):
    """Figure entry: NetCDF + PNG; the reciprocal column (a = 0) is fully synchronized and
    locked (a fixed point in the rotating frame), and some nonreciprocal points are not."""
    import xarray as xr

    files = q.reproduce("networks-nonreciprocal", tmp_path, quick=True, progress=False)
    assert {f.suffix for f in files} == {".nc", ".png"}
    ds = xr.open_dataset(tmp_path / "networks-nonreciprocal.nc")
    assert np.all(ds.classification.sel(a=0.0).values == 2)
    assert np.all(ds.path.sel(a=0.0).values == 1)
    assert np.any(ds.path.values == 2) and np.all(ds.status.values <= 1)
    # the integrated points near the a > s corner are limit cycles, with a frequency
    assert np.all(ds.kind.sel(a=0.0).values == 1)
    cyc = ds.kind.values == 2
    assert np.any(cyc) and np.all(ds.modulation_frequency.values[cyc] > 0)
