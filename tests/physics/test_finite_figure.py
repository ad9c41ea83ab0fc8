"""The nadolny2023-finite-size figure: output contract and the physics it must show."""

import numpy as np
import pytest

from qsynchro.experiments import reproduce
from qsynchro.outputs.store import read_dataset


@pytest.mark.slow
def test_quick_figure_contract(tmp_path):
    files = reproduce("nadolny2023-finite-size", tmp_path, quick=True, progress=False)
    names = {p.name for p in files}
    assert "nadolny2023-finite-size.nc" in names and "nadolny2023-finite-size.png" in names
    ds = read_dataset(tmp_path / "nadolny2023-finite-size.nc")
    assert ds["coherence_lifetime"].dims == ("N",)
    for key in (
        "qsynchro_version",
        "param_V",
        "param_K",
        "param_gamma_plus",
        "param_gamma_minus",
        "critical_coupling",
        "lifetime_slope",
    ):
        assert key in ds.attrs
    assert ds.attrs["param_V"] > ds.attrs["critical_coupling"]
    tau = ds["coherence_lifetime"].values
    assert np.all(np.diff(tau[ds["N"].values >= 4]) > 0)  # grows with N above V_c
    assert ds.attrs["lifetime_slope"] > 0.1
    below = ds["coherence_lifetime_below"].values
    assert np.ptp(below[ds["N"].values >= 4]) < 0.1 * below.mean()  # saturates below V_c
    tr = read_dataset(tmp_path / "nadolny2023-finite-size-traces.nc")
    assert tr["s_plus_exact"].dims == ("N", "time")
