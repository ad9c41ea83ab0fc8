"""Operators, validation messages and the literal Lindblad superoperator."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oracles import dissipator as literal_dissipator
from oracles import random_hermitian
from qsynchro._checks import check_density_matrix, check_nonnegative
from qsynchro.equations.lindblad import dissipator, liouvillian, unvec, vec
from qsynchro.operators import ket_bra, spin_minus, spin_plus, spin_z
from qsynchro.solvers.nullspace import steady_state_dense


def test_spin1_matches_paper_convention():
    """Nadolny & Bruder below Eq. 1: S^z = |2><2| - |0><0|, S^+ = sqrt2(|2><1| + |1><0|)."""
    sz = ket_bra(3, 2, 2) - ket_bra(3, 0, 0)
    sp = np.sqrt(2) * (ket_bra(3, 2, 1) + ket_bra(3, 1, 0))
    np.testing.assert_allclose(spin_z(2), sz)
    np.testing.assert_allclose(spin_plus(2), sp)
    np.testing.assert_allclose(spin_minus(2), sp.conj().T)


@given(st.integers(min_value=1, max_value=9))
def test_spin_algebra(two_s):
    """[S^+, S^-] = 2 S^z and [S^z, S^+] = S^+ for every spin s, and the Casimir s(s+1)."""
    sz, sp, sm = spin_z(two_s), spin_plus(two_s), spin_minus(two_s)
    np.testing.assert_allclose(sp @ sm - sm @ sp, 2 * sz, atol=1e-12)
    np.testing.assert_allclose(sz @ sp - sp @ sz, sp, atol=1e-12)
    s = two_s / 2
    cas = sz @ sz + 0.5 * (sp @ sm + sm @ sp)
    np.testing.assert_allclose(cas, s * (s + 1) * np.eye(two_s + 1), atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(min_value=2, max_value=5),
    st.integers(0, 2**31 - 1),
    st.sampled_from(["standard", "murtadho"]),
)
def test_liouvillian_equals_literal_master_equation(n, seed, convention):
    rng = np.random.default_rng(seed)
    H = random_hermitian(rng, n)
    cs = [rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n)) for _ in range(2)]
    rates = rng.uniform(0, 2, size=2)
    rho = random_hermitian(rng, n)
    L = liouvillian(H, cs, rates, convention=convention)
    factor = 2.0 if convention == "murtadho" else 1.0  # L[X] = 2 D[X] (Murtadho et al.)
    literal = -1j * (H @ rho - rho @ H) + sum(
        factor * r * literal_dissipator(c, rho) for c, r in zip(cs, rates, strict=True)
    )
    np.testing.assert_allclose(unvec(L @ vec(rho)), literal, atol=1e-10)
    # trace preservation: the trace functional is a left null vector of L
    tr = np.eye(n).reshape(-1)
    np.testing.assert_allclose(tr @ L, 0, atol=1e-10)


def test_murtadho_convention_is_twice_standard():
    rng = np.random.default_rng(1)
    c, rho = rng.normal(size=(3, 3)), random_hermitian(rng, 3)
    np.testing.assert_allclose(
        dissipator(c, rho, convention="murtadho"), 2 * dissipator(c, rho), atol=1e-12
    )


def test_two_level_decay_steady_state_analytic():
    """Gain g |1><0| and loss l |0><1| (standard D): p1 = g / (g + l)."""
    g, l = 0.3, 1.7
    L = liouvillian(np.zeros((2, 2)), [ket_bra(2, 1, 0), ket_bra(2, 0, 1)], [g, l])
    rho = steady_state_dense(L)
    np.testing.assert_allclose(np.diag(rho).real, [l / (g + l), g / (g + l)], atol=1e-12)


def test_check_messages():
    with pytest.raises(ValueError, match=r"Argument `gamma_plus` must be non-negative, but got"):
        check_nonnegative("gamma_plus", -0.1)
    with pytest.raises(ValueError, match=r"`gamma_plus` must be finite"):
        check_nonnegative("gamma_plus", float("nan"))
    with pytest.raises(ValueError, match=r"`rho` must be Hermitian"):
        check_density_matrix("rho", np.array([[0.5, 0.2], [0.0, 0.5]]))
    with pytest.raises(ValueError, match=r"`rho` must be positive semidefinite"):
        check_density_matrix("rho", np.array([[1.5, 0.0], [0.0, -0.5]]))
    with pytest.raises(ValueError, match=r"`rho` must be a square matrix"):
        check_density_matrix("rho", np.ones((2, 3)))
