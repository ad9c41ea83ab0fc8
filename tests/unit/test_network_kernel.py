"""The ``"network"`` sweep kernel: contract, validation and small physics checks."""

import numpy as np
import pytest

from qsynchro.sweeps.kernel import STATUS_OK, get_kernel
from qsynchro.sweeps.network import NetworkSettings


def _params(B, **kw):
    k = get_kernel("network")
    out = {name: np.full(B, float(v)) for name, v in k.defaults.items()}
    out.update({n: np.asarray(v, dtype=float) for n, v in kw.items()})
    return out


def test_registered_with_contract():
    k = get_kernel("network")
    assert k.name == "network"
    assert set(k.defaults) == {"delta", "K", "V", "V_AB", "gamma_plus", "gamma_minus"}
    st = NetworkSettings(n_samples=64)
    c = k.coords(("spectrum_A", "S_plus_A"), st)
    assert c["omega"].shape == (64,) and c["time"].shape == (64,)
    assert np.all(np.diff(c["omega"]) > 0)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"dt": -1.0}, "`dt` must be positive"),
        ({"sample_dt": 0.15}, "`sample_dt` must be a multiple of `dt`"),
        ({"n_samples": 2}, "`n_samples` must be at least 8"),
        ({"lock_threshold": 2.0}, "`lock_threshold` must be at most 1"),
    ],
)
def test_settings_validation(kw, match):
    with pytest.raises(ValueError, match=match):
        NetworkSettings(**kw)


def test_validate_rejects_bad_parameters():
    k = get_kernel("network")
    p = _params(3, gamma_plus=[0.5, -0.1, 0.5])
    with pytest.raises(ValueError, match="`gamma_plus` must be non-negative"):
        k.validate(p, ("order_parameter",), NetworkSettings())
    with pytest.raises(ValueError, match="Unknown measure 'nope'"):
        k.validate(_params(1), ("nope",), NetworkSettings())


def test_stable_points_are_unsynchronized_without_integration():
    """K = 4 with V = 1, gamma_plus = 0.5, delta = 0 (and V_AB = 0.5): |1><1| is linearly
    stable (single-group V_c(K=4) = 16.5, and the symmetric two-group mode grows with
    V + V_AB = 1.5 < V_c), so every amplitude is exactly zero."""
    k = get_kernel("network")
    st = NetworkSettings(n_samples=64)
    r = k(_params(2, K=[4.0, 4.0]), ("order_parameter", "classification", "omega_A"), st)
    assert np.all(r.status == STATUS_OK)
    assert np.all(r.values["order_parameter"] == 0)
    assert np.all(r.values["classification"] == 0)
    assert np.all(r.diagnostics["method"] == 0)


def test_locked_shortcut_matches_integration():
    """Newton in the rotating frame gives the same locked state as plain integration
    (Fig. 3 parameters, small delta: fully locked), and large delta gives omega_A - omega_B
    close to delta (Adler-like, Fig. 3(c))."""
    k = get_kernel("network")
    delta = np.array([0.0, 0.3, 4.0])
    ms = ("order_parameter", "omega_A", "frequency_difference", "classification")
    fast = k(
        _params(3, delta=delta), ms, NetworkSettings(t_transient=400.0, n_samples=512, t_max=600.0)
    )
    slow = k(
        _params(3, delta=delta),
        ms,
        NetworkSettings(
            t_transient=400.0, n_samples=512, t_max=600.0, locked_shortcut=False, dt=0.05
        ),
    )
    assert list(fast.diagnostics["method"]) == [1, 1, 2]
    np.testing.assert_array_equal(fast.values["classification"], [2, 2, 1])
    # locked points: integration converged exponentially after 400 time units; RK4 error at
    # dt = 0.05 is ~1e-9 (it is 1e-7 at the default dt = 0.2)
    np.testing.assert_allclose(
        fast.values["order_parameter"][:2], slow.values["order_parameter"][:2], atol=1e-8
    )
    np.testing.assert_allclose(fast.values["frequency_difference"][:2], 0.0, atol=1e-9)
    # frequency resolution 2 pi / 102.4 = 0.06; sub-bin refinement is far better than a bin
    assert abs(fast.values["frequency_difference"][2] - 4.0) < 0.15


def test_stable_shortcut_off_gives_the_decaying_trajectory():
    """Below V_c (single group, V = 0.25 < V_c = 0.53) the amplitude decays; with
    stable_shortcut=False the kernel integrates it from t = 0 (Fig. 2(a) use) instead of
    returning exact zeros."""
    k = get_kernel("network")
    p = _params(1, V=[0.25], V_AB=[0.0])
    st = NetworkSettings(
        t_transient=0.0,
        n_samples=100,
        sample_dt=0.2,
        t_max=20.0,
        locked_shortcut=False,
        stable_shortcut=False,
    )
    r = k(p, ("S_plus_A",), st)
    a = np.abs(r.values["S_plus_A"][0])
    assert a[0] > 1e-3 and a[-1] < a[0] and np.all(np.diff(a) < 0)
    r0 = k(p, ("S_plus_A",), NetworkSettings(t_transient=0.0, n_samples=100, t_max=20.0))
    assert np.all(r0.values["S_plus_A"] == 0)


def test_not_converged_status_keeps_values():
    """A window too short to converge at t_max is flagged, with a reason, not NaN."""
    k = get_kernel("network")
    st = NetworkSettings(
        t_transient=0.0, n_samples=16, sample_dt=0.2, t_max=3.2, locked_shortcut=False
    )
    r = k(_params(1), ("order_parameter",), st)
    assert r.status[0] == 1
    assert "between window halves" in r.reason[0]
    assert np.isfinite(r.values["order_parameter"][0])


def test_float64_without_global_x64():
    """The library never relies on the global x64 flag: in a fresh process without it (and
    with warnings as errors) the kernel still computes in float64, including in its worker
    threads, and finds the locked states by Newton (method 1)."""
    import subprocess
    import sys

    code = (
        "import numpy as np\n"
        "from qsynchro.sweeps.network import NetworkKernel, NetworkSettings\n"
        "k = NetworkKernel()\n"
        "p = {n: np.full(2, v) for n, v in k.defaults.items()}\n"
        "r = k(p, ('order_parameter',), NetworkSettings(n_samples=64, t_max=300.0))\n"
        "import jax; assert not jax.config.jax_enable_x64\n"
        "assert list(r.diagnostics['method']) == [1, 1], r.diagnostics['method']\n"
    )
    out = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
