"""Ensemble validation and the memory guard of the exact finite-N method."""

import math

import numpy as np
import pytest

from qsynchro.equations.permutation import (
    estimate_memory,
    group_basis,
    permutation_liouvillian,
    sector_dim,
)
from qsynchro.models.ensemble import Ensemble


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
    with pytest.raises(ValueError, match=r"Argument `N` = 4 with G = 1 needs about"):
        permutation_liouvillian(Ensemble(4, V=1.0, gamma_plus=0.5), max_memory=1000)
    assert estimate_memory(4) > 1000


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
