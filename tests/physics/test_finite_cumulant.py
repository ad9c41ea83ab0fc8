"""Second-order cumulant equations: exactness where the closure is exact, the
mean-field limit (Eq. 2 of Nadolny & Bruder) and convergence to the exact method.

* N = 2 (one group) and N = 1 per group (two groups): there is no third site, so
  the cumulant hierarchy closes exactly and must equal the exact method.
* At a product state the closure rho_3 = rho_1 rho_1 rho_1 is exact, so the time
  derivatives of rho_1 and rho_2 must equal those of the full 3^N master equation.
* N = inf with zero correlations: the one-site equation is the mean-field Eq. (2),
  checked against the literal NumPy transcription of Eq. (2) in tests/oracles.py.
* For finite N the error against the exact method on a fixed time window shrinks
  with N (third cumulants are higher order in 1/N).
"""

import itertools

import numpy as np
import pytest
import qutip as qt

import qsynchro.solvers.finite as F
from oracles import dissipator, random_density_matrix, two_group_eq2
from qsynchro.equations.cumulant import (
    cumulant_jacobian,
    cumulant_rhs,
    pack,
    product_variables,
    unpack,
)
from qsynchro.models.ensemble import Ensemble
from qsynchro.operators import ket_bra, spin_plus, spin_z

PSI = np.array([np.sqrt(0.3), np.sqrt(0.5), 1j * np.sqrt(0.2)])
RHO0 = np.outer(PSI, PSI.conj())


@pytest.mark.parametrize(
    "ens",
    [
        Ensemble(2, V=1.3, gamma_plus=0.5, K=0.2, delta=0.4),
        pytest.param(  # ~5 s: the same closure argument as N2G1, two groups
            Ensemble(1, V=1.0, gamma_plus=0.5, K=0.1, delta=0.7, V_AB=0.6, G=2),
            marks=pytest.mark.slow,
        ),
    ],
    ids=["N2G1", "N1G2"],
)
def test_exact_without_third_site(ens):
    times = np.linspace(0.0, 3.0, 7)
    e = F.exact_evolve(ens, RHO0, times)
    c = F.cumulant_evolve(ens, RHO0, times)
    for key in ("s_plus", "populations", "s_plus_s_minus"):
        np.testing.assert_allclose(c[key], e[key], atol=1e-8)
    cs, xs = F.exact_steady_state(ens), F.cumulant_steady_state(ens)
    np.testing.assert_allclose(
        F.cumulant_observables(ens, xs)["populations"],
        F.exact_observables(ens, cs)["populations"],
        atol=1e-8,
    )
    np.testing.assert_allclose(
        F.cumulant_correlation(ens, times, x_ss=xs),
        F.exact_correlation(ens, times, c_ss=cs),
        atol=1e-8,
    )
    assert F.cumulant_decay_rate(ens, x_ss=xs) == pytest.approx(F.exact_decay_rate(ens), abs=1e-8)


def test_derivatives_exact_at_product_state():
    """Against the full 3^3-dimensional Liouvillian of Eq. (1) (QuTiP), N = 3."""
    rng = np.random.default_rng(7)
    ens = Ensemble(3, V=1.3, gamma_plus=0.5, K=0.2, delta=0.4)
    Sp = spin_plus(2)

    def site(op, s):
        ops = [qt.qeye(3)] * 3
        ops[s] = qt.Qobj(op)
        return qt.tensor(ops)

    H = sum(0.2 * site(spin_z(2), s) + 0.2 * site(ket_bra(3, 2, 2), s) for s in range(3))
    for i, j in itertools.combinations(range(3), 2):
        t = site(Sp, i) * site(Sp, j).dag()
        H += 1.3 / 3 * (t + t.dag())
    c_ops = [
        np.sqrt(g) * site(ket_bra(3, 1, k), s) for s in range(3) for g, k in ((0.5, 0), (1.0, 2))
    ]
    L = qt.liouvillian(H, c_ops)
    r = random_density_matrix(3, rng)
    drho = qt.vector_to_operator(L * qt.operator_to_vector(qt.tensor([qt.Qobj(r)] * 3)))
    d1, d2 = unpack(cumulant_rhs(product_variables(r[None]), ens), 1)
    np.testing.assert_allclose(d1[0], drho.ptrace([0]).full(), atol=1e-13)
    np.testing.assert_allclose(d2[0, 0], drho.ptrace([0, 1]).full(), atol=1e-13)


@pytest.mark.parametrize("G", [1, 2])
def test_infinite_N_without_correlations_is_meanfield(G):
    rng = np.random.default_rng(G)
    ens = Ensemble(
        5,
        V=1.1,
        gamma_plus=0.4,
        gamma_minus=0.9,
        K=-0.3,
        delta=0.6,
        G=G,
        V_AB=0.7 if G == 2 else 0.0,
    )
    rhos = np.array([random_density_matrix(3, rng) for _ in range(G)])
    d1, d2 = unpack(cumulant_rhs(product_variables(rhos), ens, N=np.inf), G)
    ref = two_group_eq2(rhos, 0.6, -0.3, 1.1, 0.7, 0.4, 0.9)
    np.testing.assert_allclose(d1, ref, atol=1e-13)
    # and the product form is preserved: d(rho1 x rho1) = d rho1 x rho1 + rho1 x d rho1
    for s, t in itertools.product(range(G), repeat=2):
        np.testing.assert_allclose(
            d2[s, t], np.kron(d1[s], rhos[t]) + np.kron(rhos[s], d1[t]), atol=1e-13
        )
    # H1's mean-field engine, when present, gives the same right-hand side
    try:
        from qsynchro.equations.meanfield import meanfield_rhs
        from qsynchro.models.network import Network
    except ImportError:  # pragma: no cover
        return
    if G == 2:
        net = Network.two_groups(0.6, -0.3, 1.1, 0.7, 0.4, 0.9)
    else:
        net = Network.single_group(-0.3, 1.1, 0.4, 0.9, detuning=0.3)
    np.testing.assert_allclose(meanfield_rhs(rhos, net), ref, atol=1e-12)


def test_jacobian_matches_finite_difference():
    ens = Ensemble(4, V=1.0, gamma_plus=0.5, K=-1.0, delta=0.3)
    rng = np.random.default_rng(3)
    x = product_variables(random_density_matrix(3, rng)[None]) + 0.01 * (rng.normal(size=90) + 0j)
    J = cumulant_jacobian(x, ens)
    v = rng.normal(size=90) + 1j * rng.normal(size=90)
    h = 1e-6
    fd = (cumulant_rhs(x + h * v, ens) - cumulant_rhs(x - h * v, ens)) / (2 * h)
    np.testing.assert_allclose(J @ v, fd, atol=1e-7)


def test_error_against_exact_shrinks_with_N():
    """max |<S^+>/N| and population errors on t <= 1.5 decrease monotonically in N."""
    times = np.linspace(0.0, 1.5, 7)
    errs = []
    for N in (3, 6, 10):
        ens = Ensemble(N, V=1.0, gamma_plus=0.5, K=0.0)
        e = F.exact_evolve(ens, RHO0, times)
        c = F.cumulant_evolve(ens, RHO0, times)
        errs.append(
            max(
                np.max(np.abs(e["s_plus"] - c["s_plus"])),
                np.max(np.abs(e["populations"] - c["populations"])),
            )
        )
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 0.5 * errs[0]


def test_pack_roundtrip_and_bad_N():
    rng = np.random.default_rng(0)
    r1 = rng.normal(size=(2, 3, 3)) + 0j
    r2 = rng.normal(size=(2, 2, 9, 9)) + 0j
    a, b = unpack(pack(r1, r2), 2)
    np.testing.assert_array_equal(a, r1)
    np.testing.assert_array_equal(b, r2)
    ens = Ensemble(3, V=1.0, gamma_plus=0.5)
    with pytest.raises(ValueError, match=r"Argument `N` must be at least 1 \(or inf\)"):
        F.cumulant_evolve(ens, RHO0, [0.0, 1.0], N=0.5)


def test_spectrum_exact_at_N2():
    """The cumulant resolvent spectrum equals the exact one where the closure is exact."""
    ens = Ensemble(2, V=1.0, gamma_plus=0.5, K=-1.0)
    omegas = np.array([-1.0, -0.2, 0.0, 0.3])
    np.testing.assert_allclose(
        F.cumulant_spectrum(ens, omegas), F.exact_spectrum(ens, omegas), atol=1e-8
    )


# ------------------------------------------------------------------ any oscillator
def _vdp_ens(N, G=1, **kw):
    from qsynchro.models.oscillator import van_der_pol

    return Ensemble(N, 1.1, oscillator=van_der_pol(3, gain=0.8, loss=0.5), G=G, **kw)


def _rho4():
    r = np.diag([0.4, 0.3, 0.2, 0.1]).astype(complex)
    r[0, 1] = r[1, 0] = 0.2
    r[1, 2], r[2, 1] = 0.1j, -0.1j
    return r


@pytest.mark.parametrize(
    "ens",
    [
        _vdp_ens(2, detuning=(0.3,), drive_detuning=0.1),
        pytest.param(
            _vdp_ens(1, G=2, V_AB=0.6 - 0.3j, detuning=(0.2, -0.3)),
            marks=pytest.mark.slow,  # ~10 s; the two-group complex case also runs against QuTiP
        ),
        _vdp_ens(2, drive=0.3, drive_detuning=0.2),
    ],
    ids=["vdp-N2", "vdp-N1G2-complex", "vdp-driven-N2"],
)
def test_exact_without_third_site_any_oscillator(ens):
    """d = 4 (van der Pol, n_max = 3): no third site, so cumulants equal the exact method;
    with a complex V_AB and without U(1) symmetry (drive) too."""
    rho = _rho4()
    times = np.linspace(0.0, 2.0, 5)
    e = F.exact_evolve(ens, rho, times)
    c = F.cumulant_evolve(ens, rho, times)
    for key in ("s_plus", "populations", "s_plus_s_minus"):
        np.testing.assert_allclose(c[key], e[key], atol=1e-8)
    cs, xs = F.exact_steady_state(ens), F.cumulant_steady_state(ens)
    ex, cu = F.exact_observables(ens, cs), F.cumulant_observables(ens, xs)
    for key in ("populations", "s_plus_s_minus"):
        np.testing.assert_allclose(cu[key], ex[key], atol=1e-8)
    np.testing.assert_allclose(
        F.cumulant_correlation(ens, times, x_ss=xs),
        F.exact_correlation(ens, times, c_ss=cs),
        atol=1e-8,
    )
    omegas = np.array([-0.4, 0.0, 0.5])
    np.testing.assert_allclose(
        F.cumulant_spectrum(ens, omegas, x_ss=xs), F.exact_spectrum(ens, omegas, c_ss=cs), atol=1e-7
    )
    # real parts only: with N = 1 per group the slowest pair of modes is degenerate in Re
    # (lambda and its mirror about the mean detuning), so which one is "slowest" is arbitrary
    lam_c, lam_e = F.cumulant_decay_rate(ens, x_ss=xs), F.exact_decay_rate(ens)
    assert lam_c.real == pytest.approx(lam_e.real, abs=1e-8)


def test_derivatives_exact_at_product_state_vdp():
    """d = 4, N = 3 against the full 4^3-dimensional Liouvillian built from qt.destroy."""
    rng = np.random.default_rng(11)
    ens = _vdp_ens(3, detuning=(0.4,), drive_detuning=-0.2, drive=0.3)
    a = qt.destroy(4)

    def site(op, s):
        ops = [qt.qeye(4)] * 3
        ops[s] = op
        return qt.tensor(ops)

    loc = (0.4 + 0.2) * a.dag() * a + 0.3j * (a - a.dag())
    H = sum(site(loc, s) for s in range(3))
    for i, j in itertools.combinations(range(3), 2):
        t = site(a.dag(), i) * site(a.dag(), j).dag()
        H += 1.1 / 3 * (t + t.dag())
    c_ops = [np.sqrt(0.8) * site(a.dag(), s) for s in range(3)]
    c_ops += [np.sqrt(0.5) * site(a * a, s) for s in range(3)]
    L = qt.liouvillian(H, c_ops)
    r = random_density_matrix(4, rng)
    drho = qt.vector_to_operator(L * qt.operator_to_vector(qt.tensor([qt.Qobj(r)] * 3)))
    d1, d2 = unpack(cumulant_rhs(product_variables(r[None]), ens), 1)
    np.testing.assert_allclose(d1[0], drho.ptrace([0]).full(), atol=1e-13)
    np.testing.assert_allclose(d2[0, 0], drho.ptrace([0, 1]).full(), atol=1e-13)


def test_infinite_N_is_meanfield_any_oscillator():
    """N = inf without correlations: group s feels sum_t C[s,t] A <A^dag>_t + h.c. with the
    Hermitian C = [[V, V_AB], [V_AB^*, V]] (literal NumPy, van der Pol, complex V_AB)."""
    rng = np.random.default_rng(5)
    ens = _vdp_ens(4, G=2, V_AB=0.7 + 0.4j, detuning=(0.3, -0.2), drive=0.2)
    rhos = np.array([random_density_matrix(4, rng) for _ in range(2)])
    a = np.diag(np.sqrt([1.0, 2.0, 3.0]), 1).astype(complex)
    ad = a.conj().T
    C = np.array([[1.1, 0.7 + 0.4j], [0.7 - 0.4j, 1.1]])
    ref = []
    for s, det in enumerate((0.3, -0.2)):
        H = det * ad @ a + 0.2j * (a - ad)
        for t in range(2):
            m = C[s, t] * ad * np.trace(a @ rhos[t])  # C A <A^dag>, A = a^dag
            H = H + m + m.conj().T
        r = rhos[s]
        ref.append(-1j * (H @ r - r @ H) + 0.8 * dissipator(ad, r) + 0.5 * dissipator(a @ a, r))
    d1, _ = unpack(cumulant_rhs(product_variables(rhos), ens, N=np.inf), 2)
    np.testing.assert_allclose(d1, np.array(ref), atol=1e-13)
