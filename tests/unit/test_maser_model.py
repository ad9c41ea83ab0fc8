"""The Maser parameter object (Murtadho et al., Eqs. 5-7): validation and derived quantities."""

import dataclasses
import math

import numpy as np
import pytest

from qsynchro.models.maser import Maser, bose_einstein

BASE = dict(N=3, lam=0.1, n_h=1.0, n_c=0.5, gamma_h=0.05, gamma_c=0.2)


def test_defaults_and_derived():
    m = Maser(**BASE)
    assert m.D == 5
    assert m.drive_frequency == 2.0 and m.Omega is None and m.detuning == 0.0 and m.resonant
    assert m.degenerate
    assert m.regime == "engine"
    assert Maser(**{**BASE, "n_h": 0.1}).regime == "refrigerator"
    assert Maser(**{**BASE, "n_h": 0.5}).regime == "neutral"
    assert m.lam_eff == pytest.approx(math.sqrt(3) * 0.1)
    assert m.k == pytest.approx(0.05 * 2.0 / 0.1)  # gamma_h (1 + n_h) / lam (below Eq. 11)
    np.testing.assert_allclose(m.energies, [0, 1, 3, 3, 3])
    assert (m.Gamma_h1, m.Gamma_h2, m.Gamma_c1, m.Gamma_c2) == pytest.approx(
        (0.05 * 2, 0.05 * 1, 0.2 * 1.5, 0.2 * 0.5)
    )


def test_detuning_and_ladder():
    m = Maser(**BASE, Omega=2.5, Delta=0.1)
    assert m.detuning == pytest.approx(0.5) and not m.resonant and not m.degenerate
    np.testing.assert_allclose(m.energies, [0, 1, 3.0, 3.1, 3.2])


def test_complex_lam_bright_state():
    lam = np.array([0.1, -0.2j, 0.05 + 0.05j])
    m = Maser(**{**BASE, "lam": lam})
    le = np.sqrt(np.sum(np.abs(lam) ** 2))
    assert m.lam_eff == pytest.approx(le)
    # V = sum_j lam_j |1><j| = lam_eff |1><B|  =>  <j|B> = conj(lam_j) / lam_eff
    np.testing.assert_allclose(m.bright_weights, np.conj(lam) / le)
    np.testing.assert_allclose(np.linalg.norm(m.bright_weights), 1.0)
    with pytest.raises(ValueError, match="homogeneous driving only"):
        _ = m.k
    assert Maser(**{**BASE, "lam": [0.2, 0.2, 0.2]}).k == pytest.approx(0.5)


def test_equality_hash_replace():
    a = Maser(**{**BASE, "lam": [0.1, 0.2, 0.3]})
    b = Maser(**{**BASE, "lam": (0.1, 0.2, 0.3)})
    assert a == b and hash(a) == hash(b)
    assert a != Maser(**BASE)
    c = dataclasses.replace(Maser(**BASE), omega_2=4.0)
    assert c.resonant and c.drive_frequency == 3.0


def test_from_temperatures():
    m = Maser.from_temperatures(2, 0.1, 0.05, 0.2, T_h=10.0, beta_c=2.0)
    assert m.n_h == pytest.approx(1 / (math.exp(3.0 / 10.0) - 1))  # n_h at omega_2
    assert m.n_c == pytest.approx(1 / (math.exp(2.0 * 1.0) - 1))  # n_c at omega_1
    z = Maser.from_temperatures(2, 0.1, 0.05, 0.2, T_h=0.0, beta_c=math.inf)
    assert z.n_h == 0.0 and z.n_c == 0.0
    assert bose_einstein(1.0, 1.0) == pytest.approx(1 / (math.e - 1))
    with pytest.raises(ValueError, match="exactly one of `T_h` and `beta_h`"):
        Maser.from_temperatures(2, 0.1, 0.05, 0.2, T_h=1.0, beta_h=1.0, T_c=1.0)
    with pytest.raises(ValueError, match="exactly one of `T_c` and `beta_c`"):
        Maser.from_temperatures(2, 0.1, 0.05, 0.2, T_h=1.0)
    with pytest.raises(ValueError, match="Argument `T_h` must be non-negative"):
        Maser.from_temperatures(2, 0.1, 0.05, 0.2, T_h=-1.0, T_c=1.0)
    with pytest.raises(ValueError, match="Argument `beta_c` must be a positive scalar"):
        Maser.from_temperatures(2, 0.1, 0.05, 0.2, T_h=1.0, beta_c=float("nan"))


@pytest.mark.parametrize(
    ("change", "exc", "match"),
    [
        ({"N": 0}, ValueError, r"Argument `N` must be at least 1, but got 0"),
        ({"N": 2.5}, TypeError, r"Argument `N` must be an integer"),
        ({"n_h": -0.1}, ValueError, r"Argument `n_h` must be non-negative, but got"),
        ({"n_c": float("nan")}, ValueError, r"Argument `n_c` must be finite"),
        ({"gamma_h": -1.0}, ValueError, r"Argument `gamma_h` must be non-negative"),
        ({"gamma_c": float("inf")}, ValueError, r"Argument `gamma_c` must be finite"),
        ({"lam": [0.1, 0.2]}, ValueError, r"`lam` must be a scalar or have length N = 3, .* 2"),
        ({"lam": [[0.1]]}, ValueError, r"Argument `lam` must be a scalar or a 1-D sequence"),
        ({"lam": float("nan")}, ValueError, r"Argument `lam` must be finite"),
        ({"omega_1": 0.0}, ValueError, r"Argument `omega_1` must be positive"),
        ({"omega_2": 0.5}, ValueError, r"Argument `omega_2` must be larger than `omega_1`"),
        ({"Omega": 1j}, TypeError, r"Argument `Omega` must be real"),
        ({"Omega": float("nan")}, ValueError, r"Argument `Omega` must be finite"),
        ({"Delta": -0.1}, ValueError, r"Argument `Delta` must be non-negative"),
        ({"n_h": [1.0, 2.0]}, ValueError, r"Argument `n_h` must be a scalar"),
    ],
)
def test_validation(change, exc, match):
    with pytest.raises(exc, match=match):
        Maser(**{**BASE, **change})
