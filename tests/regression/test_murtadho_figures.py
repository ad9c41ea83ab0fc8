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


#: documented fitted exponents of Fig. 3(a),(b) (docs/murtadho2023.md, section 6)
DOCUMENTED_ALPHA = {"fig3a": -0.727, "fig3b": +0.705}


@pytest.mark.parametrize("panel", ["fig3a", "fig3b"])
def test_fig3_exponents_pinned_to_documented_values(panel: str) -> None:
    """Fig. 3(a),(b) on the full grid (N = 2..20, 100 seeded drive realizations): the fitted
    exponent of the mean S_max (least squares of log mean vs log N) equals the documented
    value to its three printed decimals, and the paper's value (engine -0.72, refrigerator
    +0.69) lies within 3 standard deviations of the realization statistics.

    Tolerances: the computation is deterministic (seeded draws, exact structured S_max), so
    5e-4 is the rounding of the documented value. The statistical spread is the standard
    deviation of the same fit over 200 bootstrap resamples of the 100 realizations
    (engine ~0.004, refrigerator ~0.011): the paper drew its own 100 realizations, so
    agreement is only expected to that precision.
    """
    from qsynchro.experiments.murtadho2023 import PAPER_ALPHA, fit_power_law, sweeps
    from qsynchro.experiments.runner import run_sweep

    ds = run_sweep(sweeps()[panel], progress=False)
    S = ds["S_max_scaled"].values  # (N, realization)
    N = ds["N"].values
    assert N.min() == 2 and N.max() == 20 and S.shape[1] == 100
    alpha, _ = fit_power_law(N, S.mean(axis=1))
    assert alpha == pytest.approx(DOCUMENTED_ALPHA[panel], abs=5e-4)
    rng = np.random.default_rng(0)
    boot = [fit_power_law(N, S[:, rng.integers(0, 100, 100)].mean(axis=1))[0] for _ in range(200)]
    paper = PAPER_ALPHA["engine" if panel == "fig3a" else "refrigerator"]
    assert abs(alpha - paper) < 3.0 * float(np.std(boot))
