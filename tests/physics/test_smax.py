r"""Certified S_max (Eq. 4) for arbitrary density matrices.

Checks: the lower bound is attained by the reported phases (Eq. 3 evaluated there), the
upper bound is never below an independent brute-force maximum (dense phase grid + local
refinement, a literal oracle), the certificate gap is small, S_max = 0 exactly for a
diagonal state and > 0 otherwise, the l1 bound, and the branch and bound on instances
where the SDP relaxation is not tight.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

from oracles import random_density_matrix
from qsynchro.measures.coherence import l1_bound, l1_coherence
from qsynchro.measures.husimi import phase_distribution, phase_prefactor
from qsynchro.measures.smax import s_max, s_max_from_quadratic


def brute_force_max(rho: np.ndarray, points: int, seed: int = 0) -> float:
    """Oracle: max of S over a phase grid, each of the best 5 points refined by BFGS."""
    D = rho.shape[0]
    g = 2 * np.pi * np.arange(points) / points
    grid = np.stack(np.meshgrid(*([g] * (D - 1)), indexing="ij"), -1).reshape(-1, D - 1)
    vals = phase_distribution(rho, grid)
    best = float(vals.max())
    for i in np.argsort(vals)[-5:]:
        res = minimize(
            lambda p: -float(phase_distribution(rho, p)),
            grid[i],
            method="BFGS",
            options={"gtol": 1e-14},
        )
        best = max(best, -float(res.fun))
    return best


@pytest.mark.parametrize("D", [3, 4])
@pytest.mark.parametrize("rank", [1, 2, None])
def test_smax_matches_brute_force(D: int, rank: int | None) -> None:
    rng = np.random.default_rng(10 * D + (rank or 0))
    rho = random_density_matrix(D, rng, rank)
    res = s_max(rho)
    oracle = brute_force_max(rho, 48 if D == 3 else 20)
    scale = phase_prefactor(D)
    assert res.value >= oracle - 1e-12 * scale  # lower bound is as good as the oracle
    assert res.upper_bound >= oracle - 1e-14 * scale  # rigorous bound above the oracle
    assert res.value == pytest.approx(oracle, rel=1e-9)
    assert res.gap <= 1e-8 * res.value


@pytest.mark.parametrize("D", [3, 5, 8, 12])
def test_phases_attain_value_and_bounds_are_ordered(D: int) -> None:
    rng = np.random.default_rng(D)
    for rank in (1, 2, None):
        rho = random_density_matrix(D, rng, rank)
        res = s_max(rho)
        assert res.phases.shape == (D,)
        assert res.phases[-1] == 0.0  # paper reference phi_D = 0
        assert np.all((res.phases >= 0) & (res.phases < 2 * np.pi))
        at = float(phase_distribution(rho, res.phases[:-1]))
        assert at == pytest.approx(res.value, rel=1e-12)
        assert res.value <= res.upper_bound
        assert res.gap == pytest.approx(res.upper_bound - res.value, abs=1e-30)
        # scaled measure (2 pi)^{D-2} S_max
        assert res.scaled == pytest.approx((2 * np.pi) ** (D - 2) * res.value, rel=1e-12)
        assert isinstance(res.certificate, str) and res.certificate
        assert res.value <= l1_bound(rho) * (1 + 1e-12)


def test_branch_and_bound_closes_a_relaxation_gap() -> None:
    """Instances (rank-2, D = 4..6) where the SDP dual alone leaves a gap."""
    rng = np.random.default_rng(5)
    closed = 0
    for _ in range(400):
        D = int(rng.integers(4, 6))
        rho = random_density_matrix(D, rng, 2)
        C = rho - np.diag(np.diag(rho))
        sdp = s_max_from_quadratic(C, branch_and_bound_max_dim=0)
        if sdp.scaled_gap <= 1e-6 * sdp.scaled:
            continue
        bb = s_max_from_quadratic(C)
        assert bb.method == "branch-and-bound"
        assert bb.scaled_upper_bound <= sdp.scaled_upper_bound
        assert bb.scaled_gap <= 1e-8 * bb.scaled
        if D == 4:
            assert bb.value == pytest.approx(brute_force_max(rho, 24), rel=1e-9)
        closed += 1
        if closed == 2:
            break
    assert closed == 2


def test_zero_exactly_for_diagonal_states() -> None:
    res = s_max(np.diag([0.1, 0.2, 0.3, 0.4]))
    assert res.value == 0.0 and res.upper_bound == 0.0 and res.gap == 0.0
    assert res.method == "zero"
    # any coherence makes S_max strictly positive (S averages to 0 over the torus)
    rho = np.diag([0.25, 0.25, 0.25, 0.25]).astype(complex)
    rho[1, 3] = 1e-9j
    rho[3, 1] = -1e-9j
    assert s_max(rho).value > 0


def test_d2_closed_form() -> None:
    """D = 2: S_max = 2|rho_12| / (8 pi^0) = |rho_12| / 4."""
    rho = np.array([[0.6, 0.2 - 0.1j], [0.2 + 0.1j, 0.4]])
    res = s_max(rho)
    assert res.value == pytest.approx(abs(rho[0, 1]) / 4, rel=1e-15)
    # scaled units are exact; paper units are rounded up (log-space conversion) by ulps
    assert res.scaled_upper_bound == res.scaled
    assert res.method == "exact-2" and "closed form" in res.certificate
    assert res.value <= res.upper_bound <= res.value * (1 + 1e-14)
    assert float(phase_distribution(rho, res.phases[:-1])) == pytest.approx(res.value)


def test_l1_bound_and_pure_uniform_state() -> None:
    """|psi> = uniform superposition: all phase preferences compatible -> bound saturated."""
    D = 6
    rho = np.full((D, D), 1.0 / D)
    res = s_max(rho)
    assert l1_coherence(rho) == pytest.approx(D * (D - 1) / 2 / D)
    assert res.value == pytest.approx(l1_bound(rho), rel=1e-12)
    assert res.scaled == pytest.approx(l1_coherence(rho) / 4, rel=1e-12)
    np.testing.assert_allclose(np.mod(res.phases + 1e-9, 2 * np.pi), 1e-9, atol=1e-7)


def test_inputs_numpy_jax_qutip_agree() -> None:
    qutip = pytest.importorskip("qutip")
    import jax.numpy as jnp

    rho = random_density_matrix(4, np.random.default_rng(3))
    ref = s_max(rho)
    for x in (jnp.asarray(rho), qutip.Qobj(rho)):
        r = s_max(x)
        assert r.value == pytest.approx(ref.value, rel=1e-12)
        assert r.upper_bound == pytest.approx(ref.upper_bound, rel=1e-12)


def test_sdp_interior_point_is_primal_dual_consistent() -> None:
    """The HRVW interior point reaches the SDP value: tr(C X) = sum(y), X feasible."""
    from qsynchro.measures.smax_quadratic import _sdp_ipm

    rng = np.random.default_rng(8)
    for D, rank in ((6, 3), (12, 3), (20, 2)):
        rho = random_density_matrix(D, rng, rank)
        C = rho - np.diag(np.diag(rho))
        y, X = _sdp_ipm(C)
        np.testing.assert_allclose(np.real(np.diag(X)), 1.0, atol=1e-9)
        assert np.linalg.eigvalsh(X)[0] >= -1e-9
        assert np.linalg.eigvalsh(np.diag(y) - C)[0] >= -1e-9
        primal = float(np.real(np.trace(C @ X)))
        assert primal == pytest.approx(float(np.sum(y)), rel=1e-8)
        res = s_max(rho)
        # the certified upper bound is the SDP value (or better, after branch and bound)
        assert res.scaled_upper_bound * 8 <= float(np.sum(y)) * (1 + 1e-8)
        assert res.scaled * 8 <= primal * (1 + 1e-8)  # IPM stops at a relative gap 1e-11
