"""The disorder transition of quantum van der Pol oscillators (``networks-disorder-vdp``).

A Lorentzian-disordered group with dissipative coupling, in the quantum regime and toward
the classical limit: the order parameter vanishes below the onset of the discretized group
(found from the growth rate alone) and r^2 rises linearly from it (a continuous,
square-root transition), so a linear fit of r^2 extrapolates to the onset.
"""

from __future__ import annotations

import numpy as np
import pytest

import qsynchro as q


@pytest.mark.slow  # about 75 s
def test_reproduce_networks_disorder_vdp_quick(tmp_path):
    import xarray as xr

    files = q.reproduce("networks-disorder-vdp", tmp_path, quick=True, progress=False)
    assert {f.suffix for f in files} == {".nc", ".png"}
    ds = xr.open_dataset(tmp_path / "networks-disorder-vdp.nc")
    x = ds.kappa_over_kappa_c.values
    r = ds.order_parameter.values
    assert np.all(ds.status.values == 0)
    assert np.all(r[:, x < 1] < 1e-6) and np.all(r[:, x > 1] > 1e-2)
    np.testing.assert_allclose(ds.onset_fit.values, 1.0, atol=0.01)  # measured 0.997
    assert np.all(ds.kind.values[:, x > 1] == 1)  # locked: a relative equilibrium
    assert np.all(ds.top_population.values < 1e-3)  # the Fock cutoff holds
    # the discretized onset lies below the continuum one (the quantiles cut the tails)
    assert np.all(ds.critical_kappa_M.values < ds.critical_kappa.values)
