r"""Frequency disorder: discretization, one shared mean field, and the onset of synchronization.

Continuum onset (derivation in solvers/disorder.py and docs/networks.md): the incoherent state
has a mode e^{lambda t} iff 1 = V^* \int g(d) chi_0(lambda - i d) dd. For a Lorentzian of
half width w the integral is chi_0(lambda + w): the growth rates are those of identical
oscillators shifted by -w, so for spin-1 V_c(w) = V_c(gamma_+ + 2w, gamma_- + 2w, K).
"""

import math

import numpy as np
import pytest
from scipy.integrate import quad

import qsynchro as q
from qsynchro.equations import meanfield as mf
from qsynchro.models.disorder import Gaussian, Lorentzian, Samples, Uniform, disordered_group
from qsynchro.solvers.disorder import disordered_critical_coupling
from qsynchro.solvers.stability import critical_coupling, max_growth_rate

GP, GM = 0.5, 1.0


@pytest.mark.parametrize("dist", [Lorentzian(0.3), Gaussian(0.3), Uniform(0.3)])
def test_stieltjes_matches_quadrature(dist):
    """Closed-form G(zeta) = int g(d)/(d - zeta) (residue / Faddeeva / log) vs scipy quad."""
    pdf = {
        Lorentzian: lambda d: (0.3 / np.pi) / (d * d + 0.09),
        Gaussian: lambda d: np.exp(-d * d / 0.18) / np.sqrt(2 * np.pi * 0.09),
        Uniform: lambda d: np.where(abs(d) <= 0.3, 1 / 0.6, 0.0),
    }[type(dist)]
    lim = 0.3 if isinstance(dist, Uniform) else np.inf
    for z in (0.2 - 0.4j, -1.3 - 0.05j, 0.0 - 2.0j):
        ref = quad(lambda d, z=z: (pdf(d) / (d - z)).real, -lim, lim, limit=400)[0]
        ref += 1j * quad(lambda d, z=z: (pdf(d) / (d - z)).imag, -lim, lim, limit=400)[0]
        assert dist.stieltjes(z) == pytest.approx(ref, rel=1e-8, abs=1e-10)


@pytest.mark.parametrize("dist", [Lorentzian(0.2), Gaussian(0.2), Uniform(0.2)])
def test_discretization_weights_and_moments(dist):
    """Weights sum to one, nodes symmetric; Gauss rules reproduce the second moment exactly."""
    x, w = dist.discretize(12)
    assert w.sum() == pytest.approx(1.0, abs=1e-14)
    assert np.allclose(np.sort(x), -np.sort(x)[::-1], atol=1e-14)
    if isinstance(dist, Gaussian):
        assert w @ x**2 == pytest.approx(0.04, rel=1e-12)
    if isinstance(dist, Uniform):
        assert w @ x**2 == pytest.approx(0.04 / 3, rel=1e-12)


def test_shared_row_field_equals_dense_contraction():
    """The O(G) shared-mean-field path equals the dense O(G^2) contraction (complex V)."""
    net = disordered_group(q.spin1(), 0.7 + 0.2j, Gaussian(0.4), 16, K=-0.5, gamma_plus=0.3)
    p = mf.params_from_model(net, xp=np)
    assert isinstance(p.Cr, mf.SharedRow) and isinstance(p.Ci, mf.SharedRow)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 3, 3)) + 1j * rng.normal(size=(16, 3, 3))
    rho = X @ X.conj().transpose(0, 2, 1)
    rho /= np.trace(rho, axis1=1, axis2=2)[:, None, None]
    st = mf.structure(net.oscillator)
    Y = np.moveaxis(mf.to_real(rho), -1, 0)
    C = net.coupling
    dense = mf.rhs(Y, mf.prepare(p, st), C.real.copy(), C.imag.copy(), st)
    fast = mf.rhs(Y, mf.prepare(p, st), p.Cr, p.Ci, st)
    assert np.max(np.abs(fast - dense)) < 1e-14
    # literal oracle: every subgroup feels w = V sum_k w_k conj(<S+>_k)
    Sp = net.oscillator.coupling_operator
    a = np.einsum("ij,kji->k", Sp, rho)
    _, wts = Gaussian(0.4).discretize(16)
    w = (0.7 + 0.2j) * np.sum(wts * a.conj())
    Hc = w * Sp + np.conj(w) * Sp.T
    lit = mf.from_real(np.moveaxis(fast, 0, -1)) - mf.meanfield_rhs(
        rho, net.replace(coupling=0 * C)
    )
    assert np.allclose(lit, -1j * (Hc @ rho - rho @ Hc), atol=1e-13)


@pytest.mark.parametrize("K", [-1.0, 0.0, 1.0])
def test_lorentzian_closed_form_equals_dispersion_root(K):
    """Spin-1 Lorentzian closed form (gamma -> gamma + 2w) vs the generic dispersion root."""
    for w in (0.05, 0.3):
        cf = critical_coupling(GP, GM, K, disorder=Lorentzian(w))
        num = disordered_critical_coupling(q.spin1(), Lorentzian(w), gamma_plus=GP, K=K)
        assert num == pytest.approx(cf, rel=1e-10)
        # and via the oscillator entry point of critical_coupling
        assert critical_coupling(q.spin1(gamma_plus=GP, K=K), disorder=Lorentzian(w)) == (
            pytest.approx(cf, rel=1e-10)
        )


def test_zero_width_recovers_identical_oscillators():
    for K in (-1.0, 0.0, 1.0):
        ref = critical_coupling(GP, GM, K)
        for dist in (Lorentzian(0.0), Gaussian(0.0), Uniform(0.0), Samples([0.0])):
            assert critical_coupling(GP, GM, K, disorder=dist) == pytest.approx(ref, rel=1e-10)
    # the blockade (gamma_+ = gamma_-, K >= 0) survives Lorentzian disorder
    assert critical_coupling(1.0, 1.0, 0.5, disorder=Lorentzian(0.2)) == math.inf


def test_lorentzian_growth_rates_shift_by_width():
    """Discretized linearization at large M: largest growth rate = identical rate - w."""
    w, V = 0.15, 0.9
    ident = float(max_growth_rate(q.Network.single_group(-1.0, V, GP)))
    net = disordered_group(q.spin1(), V, Lorentzian(w), 128, K=-1.0, gamma_plus=GP)
    # midpoint-rule error in theta ~ 1/M^2 (0.2 % here)
    assert float(max_growth_rate(net)) == pytest.approx(ident - w, abs=2e-3)


def test_discretized_linearization_converges_to_continuum():
    """Eigenvalues of the 2M x 2M coherence block (an independent route: no dispersion
    relation) give the onset of the M-subgroup network; it converges to the continuum value.
    Gauss-Hermite: exponential in M; Lorentzian quantiles: algebraic (tails)."""
    cont = critical_coupling(GP, GM, -1.0, disorder=Gaussian(0.3))
    errs = []
    for M in (4, 8, 16):
        net = disordered_group(q.spin1(), 1.0, Gaussian(0.3), M, K=-1.0, gamma_plus=GP)
        errs.append(abs(critical_coupling(net) - cont) / cont)
    assert errs[-1] < 1e-3 and errs[0] > errs[-1]
    # the secular equation on the same nodes equals the eigenvalue route
    x, wt = Gaussian(0.3).discretize(8)
    sec = disordered_critical_coupling(q.spin1(), Samples(x, wt), gamma_plus=GP, K=-1.0)
    net = disordered_group(q.spin1(), 1.0, Gaussian(0.3), 8, K=-1.0, gamma_plus=GP)
    assert sec == pytest.approx(critical_coupling(net), rel=1e-8)
    lor = critical_coupling(GP, GM, -1.0, disorder=Lorentzian(0.3))
    x, wt = Lorentzian(0.3).discretize(256)
    sec = disordered_critical_coupling(q.spin1(), Samples(x, wt), gamma_plus=GP, K=-1.0)
    assert sec == pytest.approx(lor, rel=1e-8)


def test_disorder_raises_threshold_monotonically():
    """Kuramoto-like: V_c grows with the width; Lorentzian K = 0 closed form
    V_c = Gamma' sqrt(g') / (4 |Delta|), Gamma' = Gamma + 4w, g' = (gp+2w)(gm+2w): for large w
    V_c ~ 2 w^2 / |Delta| (quadratic, unlike Kuramoto's linear K_c = 2w)."""
    ws = np.array([0.0, 0.1, 0.2, 0.4, 0.8])
    for K in (-1.0, 0.0):
        vc = [critical_coupling(GP, GM, K, disorder=Lorentzian(w)) for w in ws]
        assert np.all(np.diff(vc) > 0)
    w = 50.0
    assert critical_coupling(GP, GM, 0.0, disorder=Lorentzian(w)) == pytest.approx(
        2 * w**2 / 0.5, rel=0.05
    )


def test_van_der_pol_reactive_coupling_never_synchronizes():
    assert critical_coupling(q.van_der_pol(10, loss=1.0), disorder=Lorentzian(0.1)) == math.inf


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: Lorentzian(-0.1), "`width` must be finite and non-negative, but got -0.1"),
        (lambda: Gaussian(float("nan")), "`sigma` must be finite"),
        (lambda: Uniform(float("inf")), "`half_width` must be finite"),
        (lambda: Samples([0.0, 1.0], [0.3, 0.3]), "`weights` must be non-negative and sum to 1"),
        (lambda: Samples([0.0, 1.0], [0.5]), "`weights` must be real with the shape"),
        (lambda: Lorentzian(0.1).discretize(0), "`M` must be at least 1"),
        (
            lambda: disordered_group(q.spin1(), np.ones(300), Lorentzian(0.1), 2000),
            "Argument `M` = 2000 with 300 batch points needs",
        ),
    ],
)
def test_bad_input(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.slow
def test_attractor_onset_is_continuous_at_the_continuum_threshold():
    """Integrated attractors of an M = 8 Gauss-Hermite group (K = -1, sigma = 0.2): r = 0
    below the continuum V_c, r > 0 just above, and r^2 grows linearly (square-root onset,
    supercritical): r^2(1.12 V_c) / r^2(1.06 V_c) = 2 within 25 % (curvature of r^2(V))."""
    from qsynchro.measures.disorder import disorder_order_parameter

    dist = Gaussian(0.2)
    vc = critical_coupling(GP, GM, -1.0, disorder=dist)
    x = np.array([0.95, 1.06, 1.12])
    net = disordered_group(q.spin1(), vc * x, dist, 8, K=-1.0, gamma_plus=GP)
    att = q.attractor(net, locked_shortcut=False, t_transient=300.0, t_max=2000.0, n_samples=512)
    r = disorder_order_parameter(att.signal, dist.discretize(8)[1])
    assert np.all(att.status == 0)
    assert r[0] < 1e-6 and r[1] > 0.05
    assert r[2] ** 2 / r[1] ** 2 == pytest.approx(2.0, rel=0.25)


@pytest.mark.slow
def test_reproduce_networks_disorder_quick(tmp_path):
    """The figure entry writes NetCDF + PNG; the fitted onsets agree with V_c within 3 %."""
    import xarray as xr

    files = q.reproduce("networks-disorder", tmp_path, quick=True, progress=False)
    assert {f.suffix for f in files} == {".nc", ".png"}
    ds = xr.open_dataset(tmp_path / "networks-disorder.nc")
    assert np.all(ds.status.values == 0)
    assert np.allclose(ds.onset_fit.values, ds.critical_coupling.values, rtol=0.03)


@pytest.mark.slow
def test_reproduce_networks_critical_quick(tmp_path):
    """V_c against width: zero width equals the identical-group closed form; Lorentzian
    V_c >= Gaussian V_c at equal width parameter for K = -1, 0."""
    import xarray as xr

    q.reproduce("networks-critical", tmp_path, quick=True, progress=False)
    ds = xr.open_dataset(tmp_path / "networks-critical.nc")
    for i, K in enumerate(ds.K.values):
        assert ds.V_c_lorentzian.values[i, 0] == pytest.approx(critical_coupling(GP, GM, K))
    assert np.all(ds.V_c_lorentzian.values[:2] >= ds.V_c_gaussian.values[:2] - 1e-12)
    assert np.isfinite(ds.kappa_c_van_der_pol.values[0])


@pytest.mark.parametrize("M", [7, 300, 1024, 4096])
def test_quadrature_nodes_stay_exact_for_large_M(M):
    # Gauss-Hermite / Gauss-Legendre integrate low moments exactly at every M
    # (numpy's hermgauss overflowed to NaN above M ~ 300)
    x, w = q.Gaussian(0.3).discretize(M)
    assert np.all(np.isfinite(x)) and np.all(w >= 0) and abs(w.sum() - 1) < 1e-13
    assert abs(w @ x**2 - 0.09) < 1e-12 and abs(w @ x**4 - 3 * 0.3**4) < 1e-12
    x, w = q.Uniform(0.5).discretize(M)
    assert np.all(np.isfinite(x)) and abs(w.sum() - 1) < 1e-13
    assert abs(w @ x**2 - 0.25 / 3) < 1e-12


def test_onset_fit_recovers_a_square_root_onset():
    from qsynchro.measures.disorder import onset_fit

    x = np.linspace(1.0, 2.0, 11)
    r = np.sqrt(np.clip(2.0 * (x - 1.3), 0.0, None))
    assert onset_fit(x, r, 1.25) == pytest.approx(1.3, abs=1e-12)
    assert np.isnan(onset_fit(x, 0 * x, 1.25))  # no synchronized points
