"""Regression: the --quick grids of the Murtadho et al. figures against small golden files.

Regenerate the golden files with ``QSYNCHRO_REGEN_GOLDEN=1 pytest tests/regression`` (and
look at the PNGs before committing them). Tolerance rtol 1e-9: every value is an exact
structured computation (linear 10 x 10 solve and a closed-form maximization), so only
rounding differences across BLAS builds are expected.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from qsynchro.experiments import reproduce
from qsynchro.outputs.store import read_dataset, write_dataset

GOLDEN = Path(__file__).parent / "golden"
REGEN = os.environ.get("QSYNCHRO_REGEN_GOLDEN") == "1"

PANELS = {
    "murtadho2023-fig2": {
        "fig2a": ["phase_distribution", "S_max"],
        "fig2b": ["phase_distribution", "S_max"],
        "fig2c": ["S_max", "entrainment", "S_max_eq11"],
        "fig2d": ["S_max", "entrainment"],
    },
    "murtadho2023-fig3": {
        "fig3a": ["S_max_scaled", "entrainment_scaled"],
        "fig3b": ["S_max_scaled", "entrainment_scaled"],
        "fig3c": ["S_max_scaled"],
        "fig3d": ["S_max_scaled", "varphi"],
    },
    "murtadho2023-arnold": {"arnold": ["S_max_scaled"]},
}


@pytest.mark.parametrize("figure", sorted(PANELS))
def test_quick_figure_matches_golden(figure: str, tmp_path: Path) -> None:
    files = reproduce(figure, tmp_path, quick=True, progress=False)
    names = {p.name for p in files}
    assert f"{figure}.png" in names
    for panel, variables in PANELS[figure].items():
        path = tmp_path / f"murtadho2023-{panel}.nc"
        assert path.name in names
        ds = read_dataset(path)
        assert int(ds.attrs["n_failed"]) == 0
        golden = GOLDEN / f"murtadho2023-{panel}.nc"
        if REGEN:
            write_dataset(ds[variables], golden)
            continue
        ref = read_dataset(golden)
        for v in variables:
            assert ds[v].dims == ref[v].dims
            for d in ds[v].dims:
                np.testing.assert_allclose(ds[d].values, ref[d].values, rtol=1e-12)
            np.testing.assert_allclose(ds[v].values, ref[v].values, rtol=1e-9, atol=1e-300)


def test_fig3_fit_attributes(tmp_path: Path) -> None:
    """Fig. 3(a),(b): S_max_scaled over (N, realization) with the fitted exponent `alpha`."""
    reproduce("murtadho2023-fig3", tmp_path, quick=True, progress=False)
    for panel, sign in (("fig3a", -1), ("fig3b", +1)):
        ds = read_dataset(tmp_path / f"murtadho2023-{panel}.nc")
        assert ds["S_max_scaled"].dims == ("N", "realization")
        alpha = float(ds["S_max_scaled"].attrs["alpha"])
        assert np.sign(alpha) == sign  # engine decays, refrigerator grows (Fig. 3)
