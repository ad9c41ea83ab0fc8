"""Physics through the ``"network"`` kernel: Fig. 3 locking and convergence of the shortcuts."""

import numpy as np
import pytest

from qsynchro.sweeps.kernel import get_kernel
from qsynchro.sweeps.network import NetworkSettings


def _params(**kw):
    k = get_kernel("network")
    B = max(np.size(v) for v in kw.values())
    out = {name: np.full(B, float(v)) for name, v in k.defaults.items()}
    out.update({n: np.broadcast_to(np.asarray(v, dtype=float), (B,)).copy() for n, v in kw.items()})
    return out


def test_fig3_locking_and_adler_limit():
    """Fig. 3 (K = 0, V = 2 gamma_+ = gamma_- = 1 > V_c, V_AB = V/2): the groups lock at
    small delta (omega_A = omega_B, classification 2), and far from locking
    omega_A - omega_B approaches delta like the Adler equation,
    sqrt(delta^2 - delta_c^2) <= delta (within 3% at delta = 8)."""
    k = get_kernel("network")
    delta = np.array([0.0, 0.1, 0.2, 8.0])
    ms = ("frequency_difference", "classification", "omega_A", "omega_B", "order_parameter")
    r = k(_params(delta=delta), ms, NetworkSettings(n_samples=1024))
    v = r.values
    np.testing.assert_array_equal(v["classification"][:3], 2)
    np.testing.assert_allclose(v["frequency_difference"][:3], 0.0, atol=1e-9)
    # one common frequency (shifted from 0 by the nonlinear mean-field dynamics)
    np.testing.assert_allclose(v["omega_A"][:3], v["omega_B"][:3], atol=1e-9)
    assert v["classification"][3] == 1
    fd = v["frequency_difference"][3]
    assert 0.97 * 8.0 < fd <= 8.0 + 0.01
    assert np.all(v["order_parameter"] > 0.05)


@pytest.mark.slow
def test_shortcuts_agree_with_plain_long_integration():
    """Default settings (stability skip, Newton for locked points, dt 0.2, 1% window
    criterion) against plain integration (dt 0.05, t_transient 2000, no shortcuts) on an
    11 x 11 Fig. 4 grid: identical classification; order parameters within 5e-2 (max;
    the largest differences are at multi-frequency partially synchronized points) and
    within 1e-6 at locked points."""
    k = get_kernel("network")
    d = np.linspace(-4, 4, 11)
    D, K = (x.ravel() for x in np.meshgrid(d, d, indexing="ij"))
    p = _params(delta=D, K=K, V_AB=1.0)
    ms = ("order_parameter", "classification", "relative_phase")
    a = k(p, ms, NetworkSettings())
    b = k(
        p,
        ms,
        NetworkSettings(
            dt=0.05, t_transient=2000.0, t_max=8000.0, locked_shortcut=False, stable_shortcut=False
        ),
    )
    np.testing.assert_array_equal(a.values["classification"], b.values["classification"])
    dop = np.abs(a.values["order_parameter"] - b.values["order_parameter"])
    assert dop.max() < 5e-2
    locked = a.diagnostics["method"] == 1
    assert locked.sum() > 10
    assert dop[locked].max() < 1e-6


def test_kernel_matches_evolve_for_a_single_group():
    """Two independent code paths: the kernel (packed real RK4, rotating frame, Newton
    shortcut) and ``evolve`` (complex elementwise RK4, lab frame) give the same locked
    single-group amplitude |<S^+>| (Fig. 2(b), gamma_+ = gamma_-/2, K = 0, V = 1 and 0.7)
    and the same populations; the time-averaged |<S^+>| of ``evolve`` over [800, 1000]
    has converged to ~1e-9 at these couplings."""
    from qsynchro.models.network import Network
    from qsynchro.solvers.evolve import evolve

    V = np.array([0.7, 1.0])
    k = get_kernel("network")
    r = k(
        _params(V=V, V_AB=0.0),
        ("order_parameter", "population_0_A", "population_2_A"),
        NetworkSettings(n_samples=256),
    )
    assert list(r.diagnostics["method"]) == [1, 1]
    tr = evolve(Network.single_group(0.0, V, 0.5), 1000.0, dt=0.05, n_samples=201, sample_dt=1.0)
    op = np.abs(tr.s_plus[:, 0]).mean(-1)
    np.testing.assert_allclose(r.values["order_parameter"], op, atol=1e-7)
    pops = np.real(np.diagonal(tr.rho_final[:, 0], axis1=-2, axis2=-1))
    np.testing.assert_allclose(r.values["population_0_A"], pops[:, 0], atol=1e-7)
    np.testing.assert_allclose(r.values["population_2_A"], pops[:, 2], atol=1e-7)
