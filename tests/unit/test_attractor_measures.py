"""The attractor's measures against the reference functions of :mod:`qsynchro.measures.order`.

``measure_attractor`` computes order parameters, the pairwise phase coherence and the
classification inline from compact windows (only integrated points store one). Here they
are recomputed from the returned window signal with the plain functions of
``measures.order`` (literal loops over pairs), for three groups with all three paths
(stable, locked by Newton, integrated) present in one batch.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import qsynchro as q
from qsynchro.measures.attractor import measure_attractor
from qsynchro.measures.order import classify, order_parameter_group, phase_coherence
from qsynchro.solvers.attractor import find_attractor
from qsynchro.solvers.attractor_settings import AttractorSettings

SETTINGS = dict(t_transient=60.0, t_max=240.0, n_samples=256, sample_dt=0.2)


@pytest.fixture(scope="module")
def three_groups():
    # spread of detunings from 0 (identical groups: locked) to large (groups drift apart),
    # and a weak coupling where the unsynchronized state is stable
    spread = np.array([0.0, 0.3, 1.5, 3.0, 0.0, 2.0])
    V = np.array([1.0, 1.0, 1.0, 1.0, 0.02, 1.0])
    det = spread[:, None] * np.array([-1.0, 0.2, 1.0])
    C = np.array([[1.0, 0.8, 0.5], [0.8, 1.0, 0.6], [0.5, 0.6, 1.0]])
    net = q.Network(q.spin1(), det, V[:, None, None] * C, K=-0.5, gamma_plus=0.5)
    st = AttractorSettings(**SETTINGS)
    return net, st, find_attractor(net, st)


def test_all_paths_are_exercised(three_groups):
    _, _, raw = three_groups
    assert set(np.unique(raw.method)) == {0, 1, 2}
    n_int = np.count_nonzero(raw.method == 2)
    assert raw.samples.shape == (n_int, 3, SETTINGS["n_samples"])


def test_measures_equal_the_reference_functions(three_groups):
    _, st, raw = three_groups
    att = measure_attractor(raw, st)
    sig = att.signal
    np.testing.assert_allclose(att.order_parameter, order_parameter_group(sig), atol=1e-12)
    ref_cls = classify(
        sig, amplitude_threshold=st.amplitude_threshold, lock_threshold=st.lock_threshold
    )
    np.testing.assert_array_equal(att.classification, ref_cls)
    integ = raw.method == 2
    pcs = [
        np.nan_to_num(phase_coherence(sig[:, a], sig[:, b]), nan=0.0)
        for a, b in itertools.combinations(range(3), 2)
    ]
    np.testing.assert_allclose(att.phase_coherence[integ], np.min(pcs, 0)[integ], atol=1e-12)
    np.testing.assert_array_equal(att.phase_coherence[~integ], 1.0)
    # the integrated windows are the raw compact samples, in the order of the batch
    np.testing.assert_array_equal(sig[integ], raw.samples)


def test_measures_do_not_depend_on_building_the_signal(three_groups):
    _, st, raw = three_groups
    a = measure_attractor(raw, st)
    b = measure_attractor(raw, st, with_signal=False)
    assert b.signal.shape == (raw.method.size, 3, 0)
    for name in ("order_parameter", "frequency", "relative_phase", "phase_coherence"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    np.testing.assert_array_equal(a.classification, b.classification)


def test_large_networks_skip_newton_and_lock_by_integration():
    from qsynchro.models.disorder import Gaussian, disordered_group
    from qsynchro.solvers.attractor import LOCKED_MAX_UNKNOWNS

    dist = Gaussian(0.05)
    vc = q.critical_coupling(0.5, 1.0, -1.0, disorder=dist)
    net = disordered_group(q.spin1(), np.array([1.5, 2.0]) * vc, dist, 51, K=-1.0, gamma_plus=0.5)
    assert net.G * 8 > LOCKED_MAX_UNKNOWNS
    att = q.attractor(net, t_transient=300.0, t_max=2000.0, n_samples=256)
    assert np.all(att.path == 2)  # no Newton, even with the default locked_shortcut
    assert np.all(att.kind == 1) and np.all(att.status == 0)  # locked, found by integration
