"""The JAX right-hand side of Eq. 2 equals a literal NumPy oracle (``tests/oracles.py``).

The oracle builds, for each group sigma, the Hamiltonian
H_sigma = d_sigma S^z + K|2><2| + sum_tau C[sigma, tau] (S^+ <S^->_tau + h.c.)
with spin-1 matrices written out from the paper and applies
-i[H, rho] + gamma_plus D[|1><0|] rho + gamma_minus D[|1><2|] rho with the standard
dissipator as explicit matrix products. Nothing of the library enters the oracle.

Two forms are checked: the density-matrix convenience form (:func:`meanfield_rhs`) and the
generated real-coordinate form that the integrators actually step
(:func:`qsynchro.equations.meanfield.rhs` with :func:`prepare`, batch-last, all d^2
coordinates, as inside every RK4 step of ``evolve`` and of the attractor pipeline), in the
lab frame and in a rotating frame, and on Hermitian input of trace 1.3 (the trace is not
assumed: every population has its own equation).
"""

import jax.numpy as jnp
import numpy as np
import pytest

from oracles import meanfield_eq2, random_density_matrix, random_hermitian
from qsynchro._jax import x64
from qsynchro.equations.meanfield import (
    from_real,
    meanfield_rhs,
    params_from_model,
    prepare,
    rhs,
    structure,
    to_real,
)
from qsynchro.models.network import Network
from qsynchro.models.oscillator import spin1


def _random_model(rng, B, G):
    det = rng.normal(size=(B, G)) * 2
    K = rng.normal(size=B) * 2
    C = rng.normal(size=(B, G, G))
    C = 0.5 * (C + np.swapaxes(C, -1, -2))
    gp = rng.uniform(0, 2, size=B)
    gm = rng.uniform(0, 2, size=B)
    return Network(spin1(), det, C, K=K, gamma_plus=gp, gamma_minus=gm)


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


def _integrated_rhs(rho, model, omega=None):
    """The function stepped by RK4: real coordinates (d^2, G, B), jitted JAX arrays."""
    st = structure(model.oscillator)
    with x64():
        p = params_from_model(model)
        om = 0.0 if omega is None else jnp.asarray(omega)[None]
        lc = prepare(p, st, om)
        Y = jnp.asarray(np.moveaxis(to_real(rho), (0, 1, 2), (2, 1, 0)))
        dY = np.asarray(rhs(Y, lc, p.Cr, p.Ci, st))
    return from_real(np.moveaxis(dY, (0, 1, 2), (2, 1, 0)))


@pytest.mark.parametrize("trace", [1.0, 1.3])
@pytest.mark.parametrize("G", [1, 2, 3])
def test_integrated_rhs_matches_literal_oracle(G, trace):
    """The generated rhs inside every RK4 step equals the literal oracle, in the lab frame and
    in a rotating frame (d -> d - omega), also at trace 1.3 (no hidden trace elimination)."""
    rng = np.random.default_rng(7 * G + int(10 * trace))
    B = 12
    model = _random_model(rng, B, G)
    rho = trace * random_density_matrix(3, rng, shape=(B, G))
    omega = rng.normal(size=B)
    for om in (None, omega):
        got = _integrated_rhs(rho, model, om)
        np.testing.assert_allclose(got, _oracle(rho, model, om), atol=1e-12, rtol=0)


def test_integrated_rhs_generic_hermitian_input():
    """At fixed mean field the equation is linear in rho: on non-positive Hermitian input it
    still equals the oracle entry by entry."""
    rng = np.random.default_rng(5)
    G, B = 2, 4
    model = _random_model(rng, B, G)
    rho = np.stack([[random_hermitian(rng, 3) for _ in range(G)] for _ in range(B)])
    np.testing.assert_allclose(_integrated_rhs(rho, model), _oracle(rho, model), atol=1e-11, rtol=0)


def test_rotating_frame_is_a_detuning_shift():
    """omega shifts every S^z coefficient: rhs(rho; d, omega) == rhs(rho; d - omega, 0)."""
    rng = np.random.default_rng(7)
    rho = random_density_matrix(3, rng, shape=(5, 2))
    m = Network.two_groups(rng.normal(size=5), 0.3, 1.0, 0.5, 0.5)
    om = rng.normal(size=5)
    shifted = m.replace(detuning=m.detuning - om[:, None])
    np.testing.assert_allclose(meanfield_rhs(rho, m, om), meanfield_rhs(rho, shifted), atol=1e-13)
