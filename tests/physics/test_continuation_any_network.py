"""Continuation of any Network: parameter names, user-defined oscillators, van der Pol.

The generic adapter (``continuation_network.adapter_for``) builds the vector field from the
oscillator's generated mean-field right-hand side; the spin-1 dict models use a hand-written
parameter map. Independent checks: the numeric critical coupling (Brent on the largest
growth rate, ``critical_coupling(oscillator)``), the dict path, and ``attractor()`` (time
integration plus classification) on a grid across a continued boundary.
"""

from __future__ import annotations

import numpy as np
import pytest

import qsynchro as qs
from qsynchro.models.dissipative import with_dissipative_coupling
from qsynchro.operators import ket_bra, spin_ops
from qsynchro.solvers.branch import continuation


def spin32() -> qs.Oscillator:
    """The spin-3/2 oscillator of docs/tutorials/own-oscillator.md."""
    Sz, Sp, _ = spin_ops(3)
    return qs.Oscillator(
        "spin32",
        hamiltonian={"kerr": Sz @ Sz},
        jumps={"gain": ket_bra(4, 1, 0), "loss": ket_bra(4, 1, 2), "decay": ket_bra(4, 2, 3)},
        detuning_generator=Sz,
        coupling_operator=Sp,
        defaults={"kerr": -0.5, "gain": 0.4, "loss": 1.0, "decay": 1.0},
    )


@pytest.mark.parametrize("kerr", [-0.5, pytest.param(0.0, marks=pytest.mark.slow)])
def test_user_oscillator_hopf_point_is_numeric_critical_coupling(kerr):
    """One group of the spin-3/2 oscillator: continuing the unsynchronized state (the
    uncoupled steady state, a fixed point for every V) in V, the Hopf point equals
    critical_coupling(oscillator) (Brent to 1e-12 on the largest growth rate of the <A>
    sector); Hopf points are located to ~1e-10 by Newton on the Hopf system."""
    osc = spin32()
    Vc = qs.critical_coupling(osc, kerr=kerr)
    net = qs.Network(osc, np.zeros(1), np.zeros((1, 1)), kerr=kerr)
    b = continuation(net, "V", 0.0, 2.0 * Vc, initial="unsynchronized")
    hopf = [x for x in b.bifurcations if x.kind == "hopf"]
    assert b.status == "completed" and b.kind == "fixed_point"
    assert len(hopf) == 1
    assert hopf[0].value == pytest.approx(Vc, abs=1e-9)
    assert hopf[0].l1 < 0  # supercritical: the order parameter switches on continuously
    assert b.data.attrs["network_label"] == "Network(spin32, G=1)"


@pytest.mark.slow  # two compilations of the continuation kernels (~15 s)
def test_network_aliases_equal_the_spin1_dict_path():
    """Network.two_groups continued in the alias ``delta`` (generic adapter: d_0 - d_1,
    moved symmetrically) gives the Hopf point of the dict path (Fig. 3, V_AB = 0.5:
    0.3594477172, docs/continuation.md); ``detuning[0]`` alone moves only group A, which at
    fixed d_B = 0 is the same relative detuning up to the common frame frequency."""
    m = {"delta": 0.0, "K": 0.0, "V": 1.0, "V_AB": 0.5, "gamma_plus": 0.5}
    ref = continuation(m, "delta", 0.0, 1.0, t_final=500.0).bifurcations[0]
    net = qs.Network.two_groups(0.0, 0.0, 1.0, 0.5, 0.5)
    b = continuation(net, "delta", 0.0, 1.0, t_final=500.0)
    assert b.bifurcations[0].kind == ref.kind == "hopf"
    assert b.bifurcations[0].value == pytest.approx(ref.value, abs=1e-9)
    assert ref.value == pytest.approx(0.3594477172, abs=1e-9)
    one = continuation(net, "detuning[0]", 0.0, 1.0, t_final=500.0).bifurcations[0]
    assert one.kind == "hopf" and one.value == pytest.approx(ref.value, abs=1e-8)
    # the intergroup coupling entry: both entries via V_AB vs one entry via coupling[0,1]
    assert "coupling[0,1]" in b.adapter.public and "V_AB" in b.adapter.public


def test_unknown_parameter_lists_the_names():
    net = qs.Network(spin32(), np.zeros(2), np.array([[1.0, 0.2], [0.3, 1.0]]))
    with pytest.raises(ValueError, match=r"must be one of \['kerr', 'gain', .*'coupling\[1,0\]'"):
        continuation(net, "V_AB", 0.0, 1.0)  # C_01 != C_10: no V_AB alias
    with pytest.raises(ValueError, match="single network"):
        continuation(qs.Network(spin32(), np.zeros((3, 1)), np.ones((3, 1, 1))), "V", 0, 1)


@pytest.mark.slow
def test_van_der_pol_locking_boundary_agrees_with_attractor():
    """Two van der Pol groups (n_max = 8, gain = loss = 1) with dissipative coupling
    kappa = 6 (C = i kappa/4 for every pair, local decay kappa D[a]): the locked state
    continued in delta is lost at a fold (saddle-node) at delta_L. attractor() (time
    integration from the default initial state, classification) on a grid across it: fully
    synchronized one grid step (0.02) below, not synchronized one step above."""
    vdp = qs.van_der_pol(8, gain=1.0, loss=1.0)
    net = with_dissipative_coupling(qs.Network(vdp, np.zeros(2), np.zeros((2, 2))), 6.0)
    b = continuation(net, "delta", 0.0, 6.0, dt=0.01, t_final=300.0, ds_max=0.1)
    assert b.kind == "locked"
    folds = [x for x in b.bifurcations if x.kind == "fold"]
    assert folds, b
    dL = folds[0].value
    delta = dL + np.array([-0.04, -0.02, 0.02, 0.04])
    grid = with_dissipative_coupling(
        qs.Network(vdp, np.stack([delta / 2, -delta / 2], -1), np.zeros((4, 2, 2))), 6.0
    )
    a = qs.attractor(grid, t_max=3000.0, n_samples=1024)
    assert list(a.classification) == [2, 2, 0, 0], (dL, a.classification)
    # on the branch the two groups are locked with equal amplitudes (exchange symmetry)
    amp = b.data.amplitude.values
    np.testing.assert_allclose(amp[:, 0], amp[:, 1], rtol=1e-8)


@pytest.mark.slow
def test_driven_van_der_pol_continues_fixed_points():
    """A drive breaks the U(1) symmetry: there are no locked states, the branch holds fixed
    points in the drive frame, and at the start it equals the attractor of time
    integration (order parameter |<a>| to 1e-6)."""
    vdp = qs.van_der_pol(12, gain=1.0, loss=1.0, drive=0.3)
    net = qs.Network(vdp, np.zeros(1), np.zeros((1, 1)))
    b = continuation(net, "drive_detuning", 0.0, 0.5, dt=0.01, t_final=200.0)
    assert b.kind == "fixed_point" and b.status == "completed", b.message
    a = qs.attractor(net, t_max=1000.0)
    assert float(b.data.amplitude.values[0, 0]) == pytest.approx(
        float(a.order_parameter[0]), abs=1e-6
    )
    assert np.all(np.isnan(b.data.frequency.values))  # lab frame: no frame frequency
