"""The Network model: construction, broadcasting and validation messages."""

import numpy as np
import pytest

from qsynchro.models.network import Network
from qsynchro.models.oscillator import spin1


def test_two_groups_maps_paper_parameters():
    """Group A gets +delta/2, B -delta/2 on S^z; V on the diagonal, V_AB off it (Eq. 2)."""
    m = Network.two_groups(np.array([1.0, -2.0]), 0.3, 1.0, 0.5, 0.25)
    assert m.G == 2 and m.batch_shape == (2,)
    np.testing.assert_array_equal(m.detuning, [[0.5, -0.5], [-1.0, 1.0]])
    np.testing.assert_array_equal(m.coupling[0], [[1.0, 0.5], [0.5, 1.0]])
    np.testing.assert_array_equal(m.gamma_minus, [1.0, 1.0])
    assert m.flat().batch_shape == (2,)


def test_single_group():
    m = Network.single_group(K=0.0, V=np.array([0.5, 1.0]), gamma_plus=0.5)
    assert m.G == 1 and m.batch_shape == (2,)
    np.testing.assert_array_equal(m.coupling[:, 0, 0], [0.5, 1.0])


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"coupling": np.ones((2, 3))}, ValueError, "`coupling` must be a square matrix"),
        ({"coupling": np.ones((3, 3))}, ValueError, r"`coupling` must have shape \(\.\.\., 2, 2\)"),
        (
            {"coupling": np.array([[np.nan, 0.5], [0.5, 1.0]])},
            ValueError,
            "`coupling` must be finite",
        ),
        ({"gamma_plus": -0.1}, ValueError, "`gamma_plus` must be non-negative, but got -0.1"),
        ({"gamma_minus": np.nan}, ValueError, "`gamma_minus` must be finite"),
        ({"K": 1j}, TypeError, "`K` must be real"),
        ({"detuning": 0.0}, ValueError, "`detuning` must have a trailing group axis"),
        ({"Q": 1.0}, ValueError, r"Unknown parameter\(s\) \['Q'\] for the 'spin1' oscillator"),
        ({"K": np.zeros(3), "gamma_plus": np.zeros(2)}, ValueError, "broadcastable batch shapes"),
    ],
)
def test_validation(kwargs, exc, match):
    args = {
        "detuning": np.zeros(2),
        "K": 0.0,
        "coupling": np.eye(2),
        "gamma_plus": 0.5,
        "gamma_minus": 1.0,
    }
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        Network(spin1(), **args)


def test_nonreciprocal_complex_coupling_is_accepted():
    """Nonsymmetric and complex coupling matrices are valid models (nonreciprocal coupling)."""
    C = np.array([[1.0, 0.0], [0.7 * np.exp(0.3j), 1.0]])
    m = Network(spin1(), np.zeros(2), C, K=0.0, gamma_plus=0.5)
    assert m.is_complex and m.coupling[1, 0] == C[1, 0] and m.coupling[0, 1] == 0
    assert m.gamma_minus == 1.0  # the oscillator's default
    with pytest.raises(TypeError, match="`oscillator` must be an Oscillator"):
        Network(np.zeros(2), np.eye(2), 0.5)


def test_two_groups_validation():
    with pytest.raises(ValueError, match="`V_AB` must be finite"):
        Network.two_groups(0.0, 0.0, 1.0, np.inf, 0.5)
    with pytest.raises(ValueError, match="broadcastable shapes"):
        Network.two_groups(np.zeros(3), 0.0, np.zeros(2), 0.5, 0.5)
