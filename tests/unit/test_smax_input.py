"""Bad input to s_max, the coherence measures and the structured reduction: clear messages."""

from __future__ import annotations

import numpy as np
import pytest

from qsynchro.measures.coherence import entrainment, l1_bound, l1_coherence
from qsynchro.measures.smax import s_max, s_max_structured


def rho3() -> np.ndarray:
    return np.array([[0.5, 0.1, 0.0], [0.1, 0.3, 0.05j], [0.0, -0.05j, 0.2]])


def test_non_hermitian() -> None:
    r = rho3()
    r[0, 1] = 0.2
    with pytest.raises(ValueError, match=r"Argument `x` must be Hermitian, but got .*max \|rho"):
        s_max(r)


def test_not_positive() -> None:
    r = np.array([[0.5, 0.8], [0.8, 0.5]])
    with pytest.raises(ValueError, match="Argument `x` must be positive semidefinite"):
        s_max(r)


def test_trace() -> None:
    with pytest.raises(ValueError, match="Argument `x` must have unit trace, but got trace 2"):
        s_max(2 * rho3())


def test_nan_and_shape() -> None:
    r = rho3()
    r[1, 1] = np.nan
    with pytest.raises(ValueError, match="Argument `x` must be finite"):
        s_max(r)
    with pytest.raises(ValueError, match="Argument `x` must be a square matrix"):
        s_max(np.ones((2, 3)) / 2)
    with pytest.raises(ValueError, match=r"Argument `x` must be a single \(D, D\) density"):
        s_max(np.stack([rho3(), rho3()]))
    with pytest.raises(TypeError, match="Argument `x` must be numeric"):
        s_max("rho")


def test_settings() -> None:
    with pytest.raises(ValueError, match="Argument `starts` must be at least 0"):
        s_max(rho3(), starts=-1)
    with pytest.raises(ValueError, match="Argument `rtol` must be non-negative"):
        s_max(rho3(), rtol=-1e-3)
    with pytest.raises(TypeError, match="Argument `seed` must be an integer"):
        s_max(rho3(), seed=0.5)


def test_structured_inputs() -> None:
    blk = np.diag([0.5, 0.3, 0.1]).astype(complex)
    w = np.ones(2) / np.sqrt(2)
    with pytest.raises(ValueError, match=r"Argument `block` must have shape \(3, 3\)"):
        s_max_structured(np.eye(2), 0.05, w)
    with pytest.raises(ValueError, match="Argument `weights` must have unit norm"):
        s_max_structured(blk, 0.05, np.ones(2))
    with pytest.raises(ValueError, match="Argument `p_dark` must be non-negative"):
        s_max_structured(blk, -0.1, w)
    bad = blk.copy()
    bad[0, 1] = bad[1, 0] = 0.01
    with pytest.raises(ValueError, match="Argument `block` must have no coherence with"):
        s_max_structured(bad, 0.05, w)
    bad = blk.copy()
    bad[1, 2] = 0.01
    with pytest.raises(ValueError, match="Argument `block` must be Hermitian"):
        s_max_structured(bad, 0.05, w)


def test_coherence_measures_validate() -> None:
    r = rho3()
    r[0, 1] = 0.3
    for f in (l1_coherence, l1_bound, entrainment):
        with pytest.raises(ValueError, match="Argument `x` must be Hermitian"):
            f(r)
    with pytest.raises(ValueError, match=r"Argument `level` must be an integer in \[0, 2\]"):
        entrainment(rho3(), level=3)
