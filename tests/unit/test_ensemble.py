"""Ensemble validation, the permutation-symmetric basis and the memory guard."""

import itertools
import math
import pickle

import numpy as np
import pytest

from qsynchro.equations.permutation import (
    estimate_memory,
    group_basis,
    permutation_liouvillian,
    sector_dim,
    units_of,
)
from qsynchro.equations.symmetric_counts import Units, _enumerate, _rank
from qsynchro.models.ensemble import Ensemble
from qsynchro.models.oscillator import Oscillator, spin1, van_der_pol


def test_defaults_and_coupling_matrix():
    ens = Ensemble(3, V=1.0, gamma_plus=0.5, G=2, V_AB=0.3, delta=0.4)
    assert ens.gamma_minus == 1.0
    np.testing.assert_array_equal(ens.coupling_matrix(), [[1.0, 0.3], [0.3, 1.0]])
    assert ens.detunings == (0.2, -0.2)
    assert ens.replace(N=5).N == 5


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"N": 0}, ValueError, r"Argument `N` must be at least 1, but got 0\."),
        ({"N": -3}, ValueError, r"Argument `N` must be at least 1, but got -3\."),
        ({"N": 2.5}, TypeError, r"Argument `N` must be an integer, but got 2\.5\."),
        ({"G": 3}, ValueError, r"Argument `G` must be at most 2, but got 3\."),
        ({"gamma_plus": -0.1}, ValueError, r"Argument `gamma_plus` must be non-negative"),
        ({"gamma_minus": np.nan}, ValueError, r"Argument `gamma_minus` must be finite"),
        ({"V": [1.0, 2.0]}, ValueError, r"Argument `V` must be a scalar, but got an array"),
        ({"V": 1j}, TypeError, r"Argument `V` must be real"),
        ({"V_AB": 0.5}, ValueError, r"Argument `V_AB` must be 0 for a single group"),
    ],
)
def test_bad_input(kwargs, exc, match):
    base = {"N": 2, "V": 1.0, "gamma_plus": 0.5}
    base.update(kwargs)
    with pytest.raises(exc, match=match):
        Ensemble(**base)


def test_sector_dims_sum_to_binomial():
    """The charge sectors partition the C(N+8, 8) count vectors; dims need no allocation."""
    for N in (1, 2, 5):
        total = sum(sector_dim(N, q) for q in range(-2 * N, 2 * N + 1))
        assert total == math.comb(N + 8, 8)
        assert sector_dim(N, 0) == group_basis(N, 0).dim
    assert sector_dim(16, 0) == 40817
    assert sector_dim(2, 0, G=2) == sum(sector_dim(2, q) * sector_dim(2, -q) for q in range(-4, 5))


def test_memory_error_before_allocation():
    """A too-large N fails at once with the memory it would need (no basis is built)."""
    ens = Ensemble(40, V=1.0, gamma_plus=0.5, G=2)  # ~1e11 states: would never fit
    with pytest.raises(ValueError, match=r"needs about [0-9.]+ GiB .* but only [0-9.]+ GiB"):
        permutation_liouvillian(ens)
    with pytest.raises(ValueError, match=r"Argument `N` = 4 with G = 1 \(d = 3\) needs about"):
        permutation_liouvillian(Ensemble(4, V=1.0, gamma_plus=0.5), max_memory=1000)
    assert estimate_memory(Ensemble(4, V=1.0)) > 1000
    vdp = Ensemble(30, 1.0, oscillator=van_der_pol(4))  # d = 5: 1e9 states in sector 0
    with pytest.raises(ValueError, match=r"Argument `N` = 30 with G = 1 \(d = 5\) needs about"):
        permutation_liouvillian(vdp)


def test_oscillator_parameters_and_symmetry():
    """Any oscillator: its parameters resolve over its defaults; U(1) splitting is decided
    at the given values (a zero drive keeps van der Pol symmetric)."""
    osc = van_der_pol(3, gain=1.0, loss=0.2)
    ens = Ensemble(3, 0.5, oscillator=osc, detuning=(0.1,), loss=0.3)
    assert ens.parameters == {"drive_detuning": 0.0, "drive": 0.0, "gain": 1.0, "loss": 0.3}
    assert ens.loss == 0.3 and ens.dim == 4 and ens.detunings == (0.1,)
    assert ens.u1_symmetric and ens.level_charges == (0, 1, 2, 3)
    assert not ens.replace(drive=0.2).u1_symmetric
    assert units_of(ens.replace(drive=0.2)) == Units(4, (0, 0, 0, 0))
    # spin-1 defaults are today's Ensemble defaults; spin-1 is split with charges 0, 1, 2
    e1 = Ensemble(2, 1.0)
    assert (e1.gamma_plus, e1.gamma_minus, e1.K) == (0.5, 1.0, 0.0)
    assert e1.level_charges == (0, 1, 2)
    # a complex V_AB gives the Hermitian coupling matrix
    C = Ensemble(2, 1.0, G=2, V_AB=0.3 + 0.4j).coupling_matrix()
    np.testing.assert_array_equal(C, [[1.0, 0.3 + 0.4j], [0.3 - 0.4j, 1.0]])


def test_value_semantics():
    a = Ensemble(3, 1.0, gamma_plus=0.4, delta=0.2, G=2, V_AB=0.1)
    b = Ensemble(3, 1.0, gamma_plus=0.4, delta=0.2, G=2, V_AB=0.1)
    assert a == b and hash(a) == hash(b) and a != a.replace(K=0.1)
    assert pickle.loads(pickle.dumps(a)) == a
    assert a.replace(detuning=(0.3, 0.0)).detunings == (0.3, 0.0)
    assert a.replace(detuning=(0.3, 0.0)).replace(delta=0.4).detunings == (0.2, -0.2)
    with pytest.raises(AttributeError, match=r"Ensemble is immutable"):
        a.V = 2.0
    assert "Ensemble(N=3, V=1.0, G=2" in repr(a) and "gamma_plus=0.4" in repr(a)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"gain": 1.0}, ValueError, r"Unknown parameter\(s\) \['gain'\] for the 'spin1'"),
        ({"oscillator": "spin1"}, TypeError, r"Argument `oscillator` must be an Oscillator"),
        ({"detuning": (0.1, 0.2)}, ValueError, r"Argument `detuning` must be 1 real number"),
        ({"detuning": (0.1,), "delta": 0.2}, ValueError, r"`delta` \(0.2\) and `detuning`"),
        ({"K": [0.1, 0.2]}, ValueError, r"Argument `K` must be a scalar, but got an array"),
    ],
)
def test_bad_oscillator_input(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Ensemble(2, 1.0, **kwargs)


def test_parameter_name_clash():
    Sz = np.diag([-0.5, 0.5])
    Sp = np.array([[0, 0], [1, 0]])
    osc = Oscillator("two", {"V": Sz}, {"gain": Sp}, Sz, Sp)
    with pytest.raises(ValueError, match=r"parameter\(s\) \['V'\] clash with Ensemble"):
        Ensemble(2, 1.0, oscillator=osc)


@pytest.mark.parametrize("n_max", [2, 3, 4])
def test_sectors_partition_the_basis_any_d(n_max):
    """d = n_max + 1: the U(1) sectors partition the C(N + d^2 - 1, d^2 - 1) count vectors;
    the pruned enumeration equals filtering all compositions (itertools), and the colex rank
    is a bijection onto [0, C(N + d^2 - 1, d^2 - 1))."""
    ens = Ensemble(3, 1.0, oscillator=van_der_pol(n_max))
    units = units_of(ens)
    d, N = n_max + 1, 3
    m = d * d
    total = math.comb(N + m - 1, m - 1)
    qs = range(-N * n_max, N * n_max + 1)
    assert sum(sector_dim(N, q, units=units) for q in qs) == total
    everything = np.array(
        [c for c in itertools.product(range(N + 1), repeat=m) if sum(c) == N]
        if m <= 9
        else [
            np.bincount(p, minlength=m)
            for p in itertools.combinations_with_replacement(range(m), N)
        ]
    )
    assert len(everything) == total
    ranks = np.sort(_rank(everything, N))
    np.testing.assert_array_equal(ranks, np.arange(total))
    for q in (-1, 0, 2):
        mine = _enumerate(units, N, q)
        ref = everything[everything @ units.charge == q]
        assert sorted(map(tuple, mine.tolist())) == sorted(map(tuple, ref.tolist()))
        assert group_basis(N, q, units=units).dim == sector_dim(N, q, units=units) == len(ref)


def test_spin1_units_are_the_default():
    assert units_of(Ensemble(2, 1.0)) == units_of(Ensemble(2, 1.0, oscillator=spin1()))


def test_solver_input_validation():
    import qsynchro.solvers.finite as F

    ens = Ensemble(2, V=1.0, gamma_plus=0.5)
    rho = np.diag([0.2, 0.6, 0.2])
    with pytest.raises(TypeError, match=r"Argument `ens` must be an Ensemble, but got str\."):
        F.exact_evolve("ens", rho, [0.0, 1.0])
    with pytest.raises(ValueError, match=r"Argument `times` must be uniformly spaced"):
        F.exact_evolve(ens, rho, [0.0, 1.0, 3.0])
    with pytest.raises(ValueError, match=r"Argument `times` must start at t >= 0"):
        F.exact_evolve(ens, rho, [-1.0, 0.0])
    with pytest.raises(ValueError, match=r"`rho0` must have shape \(3, 3\) or \(1, 3, 3\)"):
        F.exact_evolve(ens, np.eye(2) / 2, [0.0])
    with pytest.raises(ValueError, match=r"Argument `rho0` must have unit trace"):
        F.exact_evolve(ens, np.eye(3), [0.0])
    with pytest.raises(ValueError, match=r"Argument `group` must be at most 0, but got 1\."):
        F.exact_correlation(ens, [0.0], group=1)
