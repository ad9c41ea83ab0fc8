"""The JAX right-hand sides of Eq. 2 equal a literal NumPy oracle (``tests/oracles.py``).

The oracle builds, for each group sigma, the Hamiltonian
H_sigma = d_sigma S^z + K|2><2| + sum_tau C[sigma, tau] (S^+ <S^->_tau + h.c.)
with spin-1 matrices written out from the paper and applies
-i[H, rho] + gamma_plus D[|1><0|] rho + gamma_minus D[|1><2|] rho with the standard
dissipator as explicit matrix products. Nothing of the library enters the oracle.

Two right-hand sides are checked: the elementwise complex form (:func:`meanfield_rhs`) and
the packed real form that the integrators actually step (:func:`rhs_packed`, 8 rows with
p1 = 1 - p0 - p2 as used by the sweep kernel, and 9 rows with p1 explicit as used by
``evolve``).
"""

import jax.numpy as jnp
import numpy as np
import pytest

from oracles import meanfield_eq2, random_density_matrix, random_hermitian
from qsynchro._jax import x64
from qsynchro.equations.meanfield import (
    PACKED_ROWS,
    meanfield_rhs,
    packed_params,
    rhs_packed,
)
from qsynchro.models.network import Network


def _random_model(rng, B, G):
    det = rng.normal(size=(B, G)) * 2
    K = rng.normal(size=B) * 2
    C = rng.normal(size=(B, G, G))
    C = 0.5 * (C + np.swapaxes(C, -1, -2))
    gp = rng.uniform(0, 2, size=B)
    gm = rng.uniform(0, 2, size=B)
    return Network(det, K, C, gp, gm)


def _oracle(rho, model, omega=None):
    B = rho.shape[0]
    om = np.zeros(B) if omega is None else np.broadcast_to(omega, (B,))
    return np.stack(
        [
            meanfield_eq2(
                rho[b],
                model.detuning[b] - om[b],
                model.K[b],
                model.coupling[b],
                model.gamma_plus[b],
                model.gamma_minus[b],
            )
            for b in range(B)
        ]
    )


@pytest.mark.parametrize("G", [1, 2, 3])
def test_rhs_matches_literal_oracle(G):
    rng = np.random.default_rng(100 + G)
    B = 16
    model = _random_model(rng, B, G)
    rho = random_density_matrix(3, rng, shape=(B, G))
    got = meanfield_rhs(rho, model)
    # both are O(1) sums of a few double-precision products: agreement to ~1e-13
    np.testing.assert_allclose(got, _oracle(rho, model), atol=1e-12, rtol=0)


# packed rows -> (i, j, part) of the 3x3 matrix
_ROW_ENTRY = {
    "p0": (0, 0, "re"),
    "p2": (2, 2, "re"),
    "c01_re": (0, 1, "re"),
    "c01_im": (0, 1, "im"),
    "c12_re": (1, 2, "re"),
    "c12_im": (1, 2, "im"),
    "c02_re": (0, 2, "re"),
    "c02_im": (0, 2, "im"),
}


def _pack(rho, explicit_p1):
    """(B, G, 3, 3) -> (8 or 9, G, B), rows as documented in PACKED_ROWS (p1 last)."""
    rows = []
    for name in PACKED_ROWS:
        i, j, part = _ROW_ENTRY[name]
        x = rho[..., i, j]
        rows.append((x.real if part == "re" else x.imag).T)
    if explicit_p1:
        rows.append(rho[..., 1, 1].real.T)
    return np.stack(rows, 0)


@pytest.mark.parametrize("rows", [8, 9])
@pytest.mark.parametrize("G", [1, 2, 3])
def test_packed_rhs_that_is_integrated_matches_literal_oracle(G, rows):
    """rhs_packed (the function inside every RK4 step of the kernel and of ``evolve``) equals
    the literal oracle, in the lab frame and in a rotating frame (d -> d - omega). With 9 rows
    the state need not have unit trace (p1 is evolved by its own equation), so it is checked
    on Hermitian matrices of trace 1.3 as well, where a hidden p1 = 1 - p0 - p2 would fail."""
    rng = np.random.default_rng(7 * G + rows)
    B = 12
    model = _random_model(rng, B, G)
    rho = random_density_matrix(3, rng, shape=(B, G))
    if rows == 9:
        rho = 1.3 * rho
    omega = rng.normal(size=B)
    pp = packed_params(model, xp=np)
    for om in (None, omega):
        want = _oracle(rho, model, om)
        with x64():
            Y = jnp.asarray(_pack(rho, rows == 9))
            got = np.asarray(rhs_packed(Y, pp, 0.0 if om is None else jnp.asarray(om)))
        assert got.shape == (rows, G, B)
        np.testing.assert_allclose(got, _pack(want, rows == 9), atol=1e-12, rtol=0)


def test_packed_rhs_generic_hermitian_input_9_rows():
    """The 9-row form is linear in rho at fixed mean field: on non-positive Hermitian input
    (unit trace not assumed) it still equals the oracle entry by entry."""
    rng = np.random.default_rng(5)
    G, B = 2, 4
    model = _random_model(rng, B, G)
    rho = np.stack([[random_hermitian(rng, 3) for _ in range(G)] for _ in range(B)])
    pp = packed_params(model, xp=np)
    with x64():
        got = np.asarray(rhs_packed(jnp.asarray(_pack(rho, True)), pp))
    np.testing.assert_allclose(got, _pack(_oracle(rho, model), True), atol=1e-11, rtol=0)


def test_rotating_frame_is_a_detuning_shift():
    """omega shifts every S^z coefficient: rhs(rho; d, omega) == rhs(rho; d - omega, 0)."""
    rng = np.random.default_rng(7)
    rho = random_density_matrix(3, rng, shape=(5, 2))
    m = Network.two_groups(rng.normal(size=5), 0.3, 1.0, 0.5, 0.5)
    om = rng.normal(size=5)
    shifted = Network(m.detuning - om[:, None], m.K, m.coupling, m.gamma_plus, m.gamma_minus)
    np.testing.assert_allclose(meanfield_rhs(rho, m, om), meanfield_rhs(rho, shifted), atol=1e-13)
