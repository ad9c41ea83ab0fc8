"""The shipped TOML examples of the ``"disordered"`` kernel, run on small grids, against physics.

* ``examples/disorder_spin1.toml`` (Gaussian disorder, spin-1): the order parameter of the
  integrated dynamics (no stability shortcut) is zero below the continuum onset
  ``critical_coupling(gamma_+, gamma_-, K, disorder=Gaussian(width))`` and finite above it,
  at couplings 7-8 % below and above the onset of each of two widths (scaling the widths by
  1.5 in the kernel fails it).
* ``examples/disorder_vdp_dissipative.toml`` (Lorentzian disorder, van der Pol, dissipative
  coupling): zero below the continuum ``dissipative_critical_rate`` and finite above.
* the reciprocal and nonreciprocal two-group limits equal the ``"groups"`` kernel (same
  order parameters, frequency differences to 1e-3).
* ``examples/nonreciprocal_matrix.toml`` (one-way complex coupling): the driving group is
  exactly an isolated group (same order parameter as ``attractor`` of the single group, and
  zero below that group's closed-form onset), and the driven group locks to its frequency.
"""

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from qsynchro.measures.attractor import attractor
from qsynchro.models.disorder import Gaussian
from qsynchro.models.network import Network
from qsynchro.models.oscillator import spin1, van_der_pol
from qsynchro.solvers.disorder import dissipative_critical_rate
from qsynchro.solvers.stability import critical_coupling
from qsynchro.sweeps.grid import Axis
from qsynchro.sweeps.run import run_sweep
from qsynchro.sweeps.toml import load_sweep

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _small(name, axes, **settings):
    sw = load_sweep(EXAMPLES / name)
    st = {**(sw.settings or {}), "t_max": 700.0, "n_samples": 256, **settings}
    return dataclasses.replace(sw, axes=tuple(Axis(k, np.asarray(v)) for k, v in axes), settings=st)


@pytest.mark.slow
def test_spin1_example_order_parameter_sets_in_at_the_continuum_onset():
    widths = np.array([0.1, 0.3])  # continuum V_c = 0.591, 1.032 (K = 0)
    V = np.array([0.55, 0.64, 0.96, 1.10])  # 0.93 and 1.07-1.08 V_c for each width
    sw = _small("disorder_spin1.toml", [("width", widths), ("V", V)], stable_shortcut=False, M=12)
    ds = run_sweep(sw, progress=False)
    vc = np.array([critical_coupling(0.5, 1.0, 0.0, disorder=Gaussian(w)) for w in widths])
    np.testing.assert_allclose(ds["critical_coupling"].values[:, 0], vc, rtol=1e-10)
    r = ds["order_parameter"].values
    ratio = V[None, :] / vc[:, None]
    assert np.all(ds["status"].values != 2)
    # integrated without the stability shortcut: the incoherent state decays below the
    # continuum onset, the group synchronizes above it (7-8 % either side)
    assert np.all(r[ratio < 1] < 1e-3), r
    assert np.all(r[ratio > 1] > 0.02), r
    assert np.count_nonzero(ratio < 1) == 4 and np.all(np.abs(ratio - 1) > 0.06)


@pytest.mark.slow
def test_vdp_dissipative_example_sets_in_at_the_continuum_onset():
    w = 0.05
    kc = dissipative_critical_rate(van_der_pol(6), w, gain=1.0, loss=1.0)
    # 0.8 kc lies below the identical group's onset (3.19): also below the finite-M onset,
    # which the M = 6 Lorentzian quantiles put below the continuum value (tails cut)
    kappa = np.array([0.8, 1.4]) * kc
    sw = _small("disorder_vdp_dissipative.toml", [("width", [w]), ("kappa", kappa)], n_max=6, M=6)
    ds = run_sweep(sw, progress=False)
    np.testing.assert_allclose(ds["critical_kappa"].values, kc, rtol=1e-10)
    r = ds["order_parameter"].values[0]
    assert r[0] < 1e-4 and r[1] > 0.05, r


@pytest.mark.slow
def test_one_way_matrix_example_driver_is_an_isolated_group():
    V = np.array([0.9, 1.6])  # group A alone: onset V_c(0.5, 1, 0) / 0.5 = 1.061
    sw = _small("nonreciprocal_matrix.toml", [("V", V), ("width", [0.0])], M=1)
    ds = run_sweep(sw, progress=False)
    g = ds["group_order_parameter"].values[:, 0]  # (V, group)
    vc_A = critical_coupling(0.5, 1.0, 0.0) / 0.5
    assert V[0] < vc_A < V[1]
    alone = attractor(
        Network(spin1(), np.array([0.3]), np.array([[0.5 * V[1]]]), K=0.0),
        t_transient=200.0,
        n_samples=256,
        t_max=700.0,
    )
    assert np.all(g[0] < 1e-4), g  # A below its own onset: nothing synchronizes B either
    np.testing.assert_allclose(g[1, 0], alone.order_parameter[0], rtol=1e-5)
    f = ds["group_frequency"].values[1, 0]
    np.testing.assert_allclose(f[0], alone.frequency[0], atol=2e-3)
    np.testing.assert_allclose(f[1], f[0], atol=2e-3)  # B locked to its driver
    assert g[1, 1] > 0.03


@pytest.mark.slow
def test_symmetric_matrix_reproduces_the_two_group_kernel():
    """Reciprocal limit: coupling [[V, V_AB], [V_AB, V]] with detunings (+delta/2, -delta/2)
    and M = 1 is the ``"groups"`` network of Nadolny & Bruder (Eq. 2); a nonreciprocal matrix
    [[V, V_AB (1 - a)], [V_AB (1 + a), V]] is its ``asymmetry = a``."""
    from qsynchro.sweeps.grid import Sweep

    st = {"t_transient": 200.0, "n_samples": 256, "t_max": 700.0}
    delta = np.array([0.2, 0.6, 1.2])
    for a in (0.0, 0.4):
        ref = run_sweep(
            Sweep(
                "groups",
                axes=(Axis("delta", delta),),
                measures=("order_parameter_A", "order_parameter_B", "frequency_difference"),
                fixed={"V": 1.0, "V_AB": 0.5, "K": -0.5, "asymmetry": a},
                settings=st,
            ),
            progress=False,
        )
        mine = []
        for d in delta:
            sw = Sweep(
                "disordered",
                axes=(Axis("V", [1.0]),),
                measures=("group_order_parameter", "group_frequency"),
                fixed={"K": -0.5},
                settings={
                    **st,
                    "M": 1,
                    "coupling": [[1.0, 0.5 * (1 - a)], [0.5 * (1 + a), 1.0]],
                    "detunings": [d / 2, -d / 2],
                },
            )
            mine.append(run_sweep(sw, progress=False))
        g = np.array([m["group_order_parameter"].values[0] for m in mine])
        f = np.array([m["group_frequency"].values[0] for m in mine])
        np.testing.assert_allclose(g[:, 0], ref["order_parameter_A"].values, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(g[:, 1], ref["order_parameter_B"].values, rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(f[:, 0] - f[:, 1], ref["frequency_difference"].values, atol=1e-3)
