r"""The S_max certificates hold: checked on the bounds themselves, against exact references.

* SDP dual bound: for every real ``d``, ``D lambda_max(C - diag d) + sum d`` bounds
  :math:`\max_{|z_n|=1} z^\dagger C z`. On exactly representable rank-one instances
  (``psi_n`` Gaussian integers times a unit in {1, i, -1, -i}) the relaxation is tight,
  the maximum is the integer :math:`(\sum|\psi_n|)^2 - \sum|\psi_n|^2` and the bound at the
  optimal multipliers equals it up to the eigenvalue's rounding: the raw bound (before any
  clamping) must be >= the exact maximum with *no* tolerance; only the safety margin makes
  that true.
* Branch and bound: the per-box Taylor bound is >= the maximum over the box found by dense
  sampling, including boxes where its first-order or its second-order term is tight.
* Maser: the upper bound holds for the exact steady state (extended precision, literal
  generator on the full space: ``tests/oracles.py``), in scaled and in paper units
  (through the log-space conversion, also where (2 pi)^-N underflows), and the forward
  error of the steady-state solve bounds the actual error; at n_h = n_c S_max is exactly 0.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import pytest

from oracles import maser_smax_scaled_mp, maser_steady_state_mp, random_density_matrix
from qsynchro.measures import smax as S
from qsynchro.measures import smax_quadratic as Q
from qsynchro.models.maser import Maser
from qsynchro.solvers.steady import structured_steady_state
from qsynchro.sweeps.kernel import get_kernel

EPS = np.finfo(float).eps
#: an extended-precision longdouble (x86: 80 bit) makes the forward-error bound tight
EXTENDED = np.finfo(np.longdouble).eps < EPS


# ------------------------------------------------------------------------ SDP dual bound
def _exact_rank_one(D: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, int]:
    """C = psi psi^+ - diag|psi|^2 with exactly representable entries; (C, z_opt, q*)."""
    m = rng.integers(1, 17, size=D)
    unit = np.array([1, 1j, -1, -1j])[rng.integers(0, 4, size=D)]
    psi = m * unit
    C = np.outer(psi, np.conj(psi))
    np.fill_diagonal(C, 0.0)
    q_exact = int(m.sum()) ** 2 - int((m * m).sum())
    return C.astype(np.complex128), unit.astype(np.complex128), q_exact


@pytest.mark.parametrize("D", [3, 4, 5, 8, 12, 20, 40])
def test_raw_dual_bound_is_above_the_exact_maximum(D: int) -> None:
    """Raw dual bound at the optimal phases >= the exact integer maximum (no tolerance).

    At the KKT multipliers of the optimum, lambda_max(C - diag d) = 0 exactly (the Cauchy-
    Schwarz argument in the module docstring), so the bound is q* + D (rounding of
    lambda_max + margin): without the margin ``8 D eps ||M||_F`` (or with its sign flipped)
    it falls below q* by about D times the margin, and with a margin D^2 times smaller
    (``8 eps ||M||_F / D``) the eigensolver's own error pushes it below q* for D >= 20.
    """
    rng = np.random.default_rng(D)
    for trial in range(30):
        C, z, q_exact = _exact_rank_one(D, rng)
        raw, d = Q._dual_bound(C, z)
        assert raw >= q_exact
        # the bound is tight to the margin: it is a certificate, not a loose estimate
        assert raw - q_exact <= 4 * D * 8 * D * EPS * np.linalg.norm(C - np.diag(d))
        if trial < 3 and D <= 20:  # public API: the value, and the certified bound above it
            r = S.s_max_from_quadratic(C)
            assert 8 * r.scaled_upper_bound >= q_exact
            assert 8 * r.scaled == pytest.approx(q_exact, rel=1e-12)


def _brute_force_q(C: np.ndarray, points: int) -> float:
    """max z^H C z over a phase grid (phi_D = 0), the best points refined by Newton steps
    on the phases (literal objective, independent of the library)."""
    from scipy.optimize import minimize

    D = C.shape[0]
    g = 2 * np.pi * np.arange(points) / points
    grid = np.stack(np.meshgrid(*([g] * (D - 1)), indexing="ij"), -1).reshape(-1, D - 1)
    Z = np.exp(1j * np.concatenate([grid, np.zeros((grid.shape[0], 1))], 1))
    vals = np.real(np.einsum("bn,nm,bm->b", np.conj(Z), C, Z))

    def f(ph):
        z = np.exp(1j * np.append(ph, 0.0))
        return -float(np.real(np.conj(z) @ C @ z))

    best = float(vals.max())
    for i in np.argsort(vals)[-4:]:
        res = minimize(f, grid[i], method="BFGS", options={"gtol": 1e-13})
        best = max(best, -float(res.fun))
    return best


@pytest.mark.parametrize("D", [3, 4])
def test_raw_dual_bound_above_brute_force_on_random_states(D: int) -> None:
    """Random density matrices (ranks 1..D): the raw dual bound is above the brute-force
    maximum with a tolerance of 2 eps sum|C| (the brute force's own rounding), which is
    below the margin D * 8 D eps ||C - diag d||_F >= 8 D eps sum|C|."""
    rng = np.random.default_rng(40 + D)
    for rank in (1, 2, None):
        rho = random_density_matrix(D, rng, rank)
        C = rho - np.diag(np.diag(rho))
        _, z = Q._local_max(C, 8, 0)
        raw, _ = Q._dual_bound(C, z)
        q_bf = _brute_force_q(C, 48 if D == 3 else 20)
        assert raw >= q_bf - 2 * EPS * np.abs(C).sum()


# ------------------------------------------------------------------------ branch and bound
def _sampled_box_max(C: np.ndarray, c: np.ndarray, h: np.ndarray, n: int) -> float:
    D = C.shape[0]
    axes = [np.linspace(c[k] - h[k], c[k] + h[k], n) for k in range(D - 1)]
    ph = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, D - 1)
    Z = np.exp(1j * np.concatenate([ph, np.zeros((ph.shape[0], 1))], 1))
    return float(np.max(np.real(np.einsum("bn,nm,bm->b", np.conj(Z), C, Z))))


def test_box_bound_two_levels_tight_second_order() -> None:
    """D = 2: f(phi) = 2|C_01| cos(arg C_01 - phi). In a box centred at the minimum the
    gradient vanishes and the curvature equals the bound's 2|C_01|: the exact box maximum
    is -2|C_01| cos h, the bound -2|C_01| + |C_01| h^2 (+ rounding). Any smaller second-
    order coefficient (e.g. halved) is below the sampled maximum."""
    C = np.array([[0.0, 0.3 - 0.4j], [0.3 + 0.4j, 0.0]])
    cmin = np.angle(C[0, 1]) + np.pi
    for h in (0.05, 0.2, 0.6):
        f, bound = Q._box_bounds(C, np.array([[cmin]]), np.array([[h]]))
        sampled = _sampled_box_max(C, np.array([cmin]), np.array([h]), 201)
        assert sampled == pytest.approx(-1.0 * math.cos(h), abs=1e-12)
        assert bound[0] >= sampled
        # tight: excess over the centre value is at most the bound's second-order term
        assert bound[0] - f[0] <= 1.0001 * 0.5 * h * h + 1e-12


@pytest.mark.parametrize("D", [3, 4])
def test_box_bound_above_dense_sampling_random_boxes(D: int) -> None:
    """Random Hermitian C with zero diagonal, random boxes (half-widths 0.01..0.5): the
    per-box bound is >= the maximum of f over a dense grid in the box (corners included).
    Small boxes make the first-order term nearly tight (a halved gradient term fails),
    boxes at local minima make the second-order term matter."""
    rng = np.random.default_rng(D)
    n = 21 if D == 3 else 9
    worst_ratio = 0.0
    for _ in range(40):
        A = rng.normal(size=(D, D)) + 1j * rng.normal(size=(D, D))
        C = A + A.conj().T
        np.fill_diagonal(C, 0.0)
        c = rng.uniform(0, 2 * np.pi, size=D - 1)
        h = rng.uniform(0.01, 0.5, size=D - 1)
        f, bound = Q._box_bounds(C, c[None], h[None])
        sampled = _sampled_box_max(C, c, h, n)
        assert bound[0] >= sampled
        if sampled > f[0]:
            worst_ratio = max(worst_ratio, (sampled - f[0]) / (bound[0] - f[0]))
    # the bound is not vacuous: on some box the sampled excess reaches most of it
    assert worst_ratio > 0.6


# ------------------------------------------------------------------------ maser: exact state
PAPER = {"n_c": 0.5, "gamma_h": 0.05, "gamma_c": 0.2, "omega_1": 1.0, "omega_2": 3.0}
REGIMES = {"engine": 10.0, "refrigerator": 0.4}  # n_h / n_c of Fig. 3


def _fig3_model(N: int, regime: str, realization: int = 0) -> tuple[Maser, dict]:
    """A Fig. 3 model (drive amplitudes as in the kernel's ``realization``)."""
    from qsynchro.sweeps.maser import drive_amplitudes

    lam = drive_amplitudes(N, 0.1, realization=realization, seed=0)
    n_h = REGIMES[regime] * PAPER["n_c"]
    return Maser(N, lam, n_h=n_h, **PAPER), {
        "N": float(N),
        "realization": float(realization),
        "nh_over_nc": REGIMES[regime],
    }


def _kernel(points: list[dict]) -> dict:
    k = get_kernel("maser")
    p = {n: np.full(len(points), float(v)) for n, v in k.defaults.items()}
    for i, pt in enumerate(points):
        for name, v in pt.items():
            p[name][i] = v
    ms = ("S_max", "S_max_scaled", "upper_bound", "upper_bound_scaled", "log_S_max")
    r = k(p, ms, k.settings_type())
    assert np.all(r.status == 0)
    return r.values


@pytest.mark.parametrize("N", [20, 40])
@pytest.mark.parametrize("regime", ["engine", "refrigerator"])
def test_upper_bound_holds_for_the_exact_steady_state(N: int, regime: str) -> None:
    """Against the 40-digit steady state of the literal generator (Eq. 8 on the full
    (N+2)-level space): the forward-error bound covers the actual error of the float64
    solve, and the certified upper bound, scaled and in paper units (Eq. 4 with
    (2 pi)^-N), from ``s_max(model)`` and from the ``"maser"`` kernel, is >= the exact
    S_max, while staying within 1e-11 (relative) of it (1e-8 where longdouble is plain
    double and the residual cannot be evaluated in extended precision)."""
    model, point = _fig3_model(N, regime)
    ref = maser_steady_state_mp(model.lam_vector, model.n_h, **PAPER)
    assert ref["residual"] < 1e-30  # the structured ansatz closes (Schur's lemma)
    st = structured_steady_state(model)
    computed = np.concatenate([st.block.reshape(-1), [st.p_dark]])
    with mp.workdps(40):
        actual = mp.sqrt(
            mp.fsum(abs(mp.mpc(complex(computed[i])) - ref["x"][i]) ** 2 for i in range(10))
        )
        assert st.forward_error >= actual
        # not vacuous: with an extended-precision residual the bound is ~||correction|| +
        # kappa * 1e-19 (~1e-15 here); a double-precision residual would give kappa * eps
        # (~1e-13), which is all that is possible where longdouble is plain double
        assert st.forward_error <= (1e-14 if EXTENDED else 1e-10)
        q_scaled = maser_smax_scaled_mp(ref)
        s_paper = q_scaled * (2 * mp.pi) ** (-N)
        r = S.s_max(model)
        kv = _kernel([point])
        for up_scaled, up in (
            (r.scaled_upper_bound, r.upper_bound),
            (kv["upper_bound_scaled"][0], kv["upper_bound"][0]),
        ):
            assert mp.mpf(float(up_scaled)) >= q_scaled
            assert mp.mpf(float(up)) >= s_paper
            assert (mp.mpf(float(up_scaled)) - q_scaled) / q_scaled < (1e-11 if EXTENDED else 1e-8)
            assert (mp.mpf(float(up)) - s_paper) / s_paper < (1e-11 if EXTENDED else 1e-8)


def test_upper_bound_survives_underflow_of_the_paper_units() -> None:
    """N = 1000: (2 pi)^-1000 ~ 1e-798 underflows float64, so S_max is 0.0 (its log is
    kept). The upper bound of a positive S_max must not round to 0: it is the smallest
    subnormals (>= the exact value), and the scaled bound is >= the scaled value."""
    model, point = _fig3_model(1000, "refrigerator")
    kv = _kernel([point])
    assert kv["S_max"][0] == 0.0 and np.isfinite(kv["log_S_max"][0])
    assert 0.0 < kv["upper_bound"][0] < 1e-320
    r = S.s_max(model)
    assert r.value == 0.0 and 0.0 < r.upper_bound < 1e-320
    assert r.scaled_upper_bound >= r.scaled > 0


def test_structured_margin_bounds_the_effect_of_a_state_error() -> None:
    """Perturb the structured state by a Hermitian block and p_dark change of 2-norm eps:
    the exact optimum moves by at most structured_state_margin(a_max, eps)."""
    rng = np.random.default_rng(3)
    for regime in REGIMES:
        model, _ = _fig3_model(12, regime, realization=2)
        st = structured_steady_state(model)
        s = np.abs(st.weights)
        a_max, a_min = s.sum(), max(0.0, 2 * s.max() - s.sum())

        def q_of(block, p_dark, a_min=a_min, a_max=a_max):
            q, _ = S.structured_max(block[2, 2].real - p_dark, abs(block[1, 2]), a_min, a_max)
            return float(q)

        q0 = q_of(st.block, st.p_dark)
        for eps in (1e-3, 1e-6):
            for _ in range(20):
                E = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))
                E = E + E.conj().T
                dp = rng.normal()
                scale = eps / math.sqrt(np.sum(np.abs(E) ** 2) + dp * dp)
                q1 = q_of(st.block + scale * E, st.p_dark + scale * dp)
                assert abs(q1 - q0) <= S.structured_state_margin(a_max, eps) + 1e-15


def test_thermal_state_has_exactly_zero_smax() -> None:
    """n_h = n_c: equal Boltzmann factors n/(1+n) of |1> and of the manifold; the steady
    state is the thermal (diagonal) state for any drive, so S_max = 0 exactly: value and
    upper bound, from the model, from the kernel and from the dense steady state, resonant
    and detuned drive, near-degenerate ladder included."""
    from qsynchro.solvers.steady import steady_state

    lam = np.array([0.1, 0.05 + 0.02j, 0.3])
    for kw in ({}, {"Omega": 2.3}, {"Delta": 0.01}):
        m = Maser(3, lam, n_h=0.5, **PAPER, **kw)
        r = S.s_max(m)
        assert r.value == 0.0 and r.upper_bound == 0.0 and r.scaled_upper_bound == 0.0
        assert r.method == "zero"
    rho = steady_state(Maser(3, lam, n_h=0.5, **PAPER))
    np.testing.assert_array_equal(rho - np.diag(np.diag(rho)), 0.0)
    # closed form at n = 0.5, N = 3: rho_00 = (1+n)/(1+(N+2)n), the others n/(1+(N+2)n)
    np.testing.assert_allclose(np.diag(rho).real, [1.5 / 3.5] + [0.5 / 3.5] * 4, rtol=1e-15)
    assert S.s_max(rho).value == 0.0
    # the structured state itself is exactly thermal (a plain solve leaves ~1e-17
    # coherences here), so even the general routes give exactly 0
    for m in (Maser(2, 0.7, n_h=0.5, **PAPER), Maser(20, 0.1, n_h=0.5, **PAPER)):
        st = structured_steady_state(m)
        assert st.block[1, 2] == 0.0 and st.block[2, 2] == st.p_dark
        assert S.s_max_structured(st.block, st.p_dark, st.weights).value == 0.0
        dense = st.dense()
        np.testing.assert_array_equal(dense - np.diag(np.diag(dense)), 0.0)
    kv = _kernel([{"N": 20.0, "realization": 1.0, "nh_over_nc": 1.0}])
    assert kv["S_max"][0] == 0.0 and kv["upper_bound"][0] == 0.0
    assert kv["upper_bound_scaled"][0] == 0.0


@pytest.mark.parametrize(
    ("N", "n_h", "n_c", "gamma_c", "lam"),
    [(5, 1e4, 0.5, 1e-5, 30.0), (5, 1e4, 1e-3, 0.2, 1e-4), (2, 1e4, 1e-3, 0.2, 1e-4)],
)
def test_upper_bound_holds_where_the_solve_error_exceeds_rounding(N, n_h, n_c, gamma_c, lam):
    """Extreme rates (a very hot bath, a very weak cold bath or drive): here the float64
    steady state is off by more than the rounding allowance of the exact reduction (the
    bound without the forward error is below the exact S_max by ~1e-10 relative on this
    machine), so only the forward-error term keeps the certificate valid. The bound is
    still informative (within 1e-6 relative)."""
    rng = np.random.default_rng(N)
    lam_j = lam * np.concatenate([[1.0], rng.random(N - 1)])
    kw = {"gamma_h": 0.05, "omega_1": 1.0, "omega_2": 3.0}
    model = Maser(N, lam_j, n_h=n_h, n_c=n_c, gamma_c=gamma_c, **kw)
    ref = maser_steady_state_mp(model.lam_vector, n_h, n_c, kw["gamma_h"], gamma_c)
    with mp.workdps(40):
        q_scaled = maser_smax_scaled_mp(ref)
        r = S.s_max(model)
        assert mp.mpf(float(r.scaled_upper_bound)) >= q_scaled
        assert (mp.mpf(float(r.scaled_upper_bound)) - q_scaled) / q_scaled < 1e-6
        assert mp.mpf(float(r.upper_bound)) >= q_scaled * (2 * mp.pi) ** (-N)


def test_box_bound_covers_the_centre_and_is_first_order_tight():
    """A box of zero width contains only its centre: the bound must still be >= the value
    there (the rounding allowance is added, never subtracted). For tiny boxes the bound is
    tight to first order: the sampled excess over the centre value approaches the bound's
    (ratio > 0.97 at h = 1e-4), so an inflated gradient term would be visible."""
    rng = np.random.default_rng(11)
    for D in (2, 3, 5):
        A = rng.normal(size=(D, D)) + 1j * rng.normal(size=(D, D))
        C = A + A.conj().T
        np.fill_diagonal(C, 0.0)
        centers = rng.uniform(0, 2 * np.pi, size=(50, D - 1))
        f, bound = Q._box_bounds(C, centers, np.zeros_like(centers))
        assert np.all(bound > f)
        h = np.full(D - 1, 1e-4)
        for c in centers[:10]:
            f1, b1 = Q._box_bounds(C, c[None], h[None])
            # the box maximum of a nearly linear function is at the corner along the gradient
            g = np.array(
                [
                    (Q._box_bounds(C, (c + 1e-7 * e)[None], 0 * h[None])[0][0] - f1[0])
                    for e in np.eye(D - 1)
                ]
            )
            corner = c + h * np.sign(g)
            fc = Q._box_bounds(C, corner[None], 0 * h[None])[0][0]
            assert b1[0] >= fc
            assert (fc - f1[0]) / (b1[0] - f1[0]) > 0.97


def test_structured_smax_of_a_given_state_certifies_that_state():
    """Without a state error the structured certificate is for the given (block, p_dark):
    its upper bound is the optimum up to rounding (relative 1e-12)."""
    model, _ = _fig3_model(8, "engine", realization=3)
    st = structured_steady_state(model)
    r = S.s_max_structured(st.block, st.p_dark, st.weights)
    assert r.scaled <= r.scaled_upper_bound <= r.scaled * (1 + 1e-12)


def test_reduced_steady_state_defaults_are_the_model_defaults():
    """The batched solver's keyword defaults (resonant drive, omega_1 = 1, omega_2 = 3)
    are those of a Maser model built with its defaults."""
    from qsynchro.solvers.steady import reduced_steady_state

    m = Maser(4, 0.1, n_h=5.0, n_c=0.5, gamma_h=0.05, gamma_c=0.2)
    block, p_dark = reduced_steady_state(m.N, m.lam_eff, m.n_h, m.n_c, m.gamma_h, m.gamma_c)
    st = structured_steady_state(m)
    np.testing.assert_allclose(block, st.block, atol=1e-15)
    assert p_dark == pytest.approx(st.p_dark, abs=1e-15)


def test_forward_error_default_lam_bound_and_thermal_state():
    """Without a bound on lam_eff's rounding the generic one is used: finite, and at least
    the tight one; at n_h = n_c (closed form) the bound is finite and at rounding level."""
    from qsynchro.solvers.steady import lam_eff_error, reduced_steady_state

    m = Maser(6, np.linspace(0.05, 0.2, 6), n_h=5.0, n_c=0.5, gamma_h=0.05, gamma_c=0.2)
    args = (m.N, m.lam_eff, m.n_h, m.n_c, m.gamma_h, m.gamma_c)
    generic = reduced_steady_state(*args, return_error=True)[2]
    tight = reduced_steady_state(
        *args, return_error=True, lam_error=lam_eff_error(m.lam_vector, m.lam_eff)
    )[2]
    assert np.isfinite(generic) and generic >= tight > 0
    thermal = structured_steady_state(Maser(6, 0.1, n_h=0.5, n_c=0.5, gamma_h=0.05, gamma_c=0.2))
    assert 0.0 < thermal.forward_error <= 1e-14
