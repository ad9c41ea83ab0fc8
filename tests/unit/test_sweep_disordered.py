"""The ``"disordered"`` sweep kernel: TOML declarations of disorder and coupling matrices.

Parsing (the three spellings of a complex coupling matrix give the same matrix; the
canonical form survives a TOML round trip), the kernel's continuum onset against the spin-1
Lorentzian closed form, and every bad-input path (one line naming the parameter or setting,
the value and the allowed range, raised by ``validate_sweep`` before anything is computed).
"""

import numpy as np
import pytest

from qsynchro.solvers.stability import critical_coupling
from qsynchro.sweeps.disordered import DisorderedSettings, parse_coupling_matrix
from qsynchro.sweeps.run import run_sweep, validate_sweep
from qsynchro.sweeps.toml import dump_sweep, loads_sweep

BASE = """
kernel = "disordered"
measures = {measures}
[axes]
{axes}
[fixed]
{fixed}
[settings]
{settings}
"""


def _sweep(axes="V = [0.5]", fixed="", settings="", measures='["order_parameter"]'):
    return loads_sweep(BASE.format(axes=axes, fixed=fixed, settings=settings, measures=measures))


def test_three_spellings_of_a_complex_matrix_agree():
    strings = parse_coupling_matrix([[0, "0.3+0.1j"], ["-0.2 - 0.5i", 1]])
    table = parse_coupling_matrix({"re": [[0, 0.3], [-0.2, 1]], "im": [[0, 0.1], [-0.5, 0]]})
    want = np.array([[0, 0.3 + 0.1j], [-0.2 - 0.5j, 1]])
    np.testing.assert_array_equal(strings, want)
    np.testing.assert_array_equal(table, want)
    polar = parse_coupling_matrix({"abs": [[1.0, 2.0]] * 2, "phase": [[0.0, np.pi / 2]] * 2})
    np.testing.assert_allclose(polar, [[1.0, 2.0j], [1.0, 2.0j]], atol=1e-15)


def test_canonical_matrix_round_trips_through_toml():
    sw = _sweep(settings="coupling = { re = [[0.5, 0.0], [0.6, 0.5]], im = [[0, 0], [0.3, 0]] }")
    again = loads_sweep(dump_sweep(validate_sweep(sw)[1] and sw))
    s1 = validate_sweep(sw)[1]
    s2 = validate_sweep(again)[1]
    np.testing.assert_array_equal(s1.matrix(), s2.matrix())
    assert s1.matrix()[1, 0] == 0.6 + 0.3j
    assert s1.G == 2 and s1.detunings == (0.0, 0.0)


def test_lorentzian_onset_measure_is_the_shifted_closed_form():
    """Spin-1 with Lorentzian disorder of half width w: V_c = V_c(gamma_+ + 2w, gamma_- + 2w,
    K) (docs/networks.md); the kernel's measure goes through the dispersion relation."""
    sw = _sweep(
        axes="width = [0.0, 0.1, 0.3]\nK = [-1.0, 0.5]",
        fixed="V = 0.01",
        settings='distribution = "lorentzian"\nM = 2',
        measures='["critical_coupling"]',
    )
    ds = run_sweep(sw, progress=False)
    w = ds["width"].values[:, None]
    K = ds["K"].values[None, :]
    want = critical_coupling(0.5 + 2 * w, 1.0 + 2 * w, K)
    np.testing.assert_allclose(ds["critical_coupling"].values, want, rtol=1e-8)


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        (
            {"axes": "width = [0.1, -0.1]"},
            r"Parameter `width` must be finite and non-negative, but got -0.1",
        ),
        (
            {"axes": "kappa = [-1.0]"},
            r"Parameter `kappa` must be finite and non-negative, but got -1.0",
        ),
        (
            {"settings": "coupling = [[0, 1], [1]]"},
            r"Setting `coupling` must be square \(2 rows of 2 entries\),"
            r" but got rows of lengths \[2, 1\]",
        ),
        (
            {"settings": 'coupling = [[0, "abc"], [1, 0]]'},
            r"Setting `coupling` entry \[0\]\[1\] must be a finite number"
            r' or a complex number written as a string like "0.3\+0.1j", but got \'abc\'',
        ),
        ({"settings": 'coupling = [[0, "nan"], [1, 0]]'}, r"entry \[0\]\[1\] .* but got 'nan'"),
        (
            {"settings": "coupling = { re = [[1]], imag = [[0]] }"},
            r"Setting `coupling` as a table must have the keys re, im"
            r" or abs, phase, but got \['imag', 're'\]",
        ),
        (
            {"settings": "coupling = { re = [[1, 0], [0, 1]], im = [[0]] }"},
            r"`re` and `im` must have the same shape, but got \(2, 2\) and \(1, 1\)",
        ),
        (
            {"settings": "coupling = { abs = [[-1]], phase = [[0]] }"},
            r"Setting `coupling.abs` must be non-negative",
        ),
        (
            {"settings": "coupling = 3"},
            r"Setting `coupling` must be a square matrix given as a list of rows, but got 3",
        ),
        (
            {"settings": "coupling = [[1, 0], [0, 1]]\ndetunings = [0.1]"},
            r"Setting `detunings` must hold G = 2 finite numbers \(one"
            r" per row of `coupling`\), but got \[0.1\]",
        ),
        (
            {"settings": 'distribution = "cauchy"'},
            r"`distribution` must be one of .*lorentzian.*gaussian.*uniform.*but got 'cauchy'",
        ),
        ({"settings": "M = 0"}, r"`M` must be .*1.*but got 0"),
        (
            {"settings": "M = 20000"},
            r"Setting `M` = 20000 with G = 1 groups needs a 6.4 GB coupling"
            r" matrix per point; allowed is at most 2.1 GB",
        ),
        ({"fixed": "gain = 2.0"}, r"Parameter `gain` belongs to the 'van_der_pol' oscillator"),
        (
            {"settings": "coupling = [[1, 0], [0, 1]]", "measures": '["critical_coupling"]'},
            r"Measures `critical_coupling` and `critical_kappa` need one"
            r" group \(a 1 x 1 `coupling`\), but got G = 2",
        ),
        (
            {"fixed": "kappa = 0.5", "measures": '["critical_coupling"]'},
            r"Measure `critical_coupling` needs kappa = 0",
        ),
        (
            {"measures": '["critical_kappa"]'},
            r"Measure `critical_kappa` needs distribution = 'lorentzian' and V = 0",
        ),
    ],
)
def test_bad_input_is_one_line_naming_the_value(kw, match):
    with pytest.raises((ValueError, TypeError), match=match) as exc:
        validate_sweep(_sweep(**kw))
    assert "\n" not in str(exc.value)


def test_settings_default_is_one_identical_group():
    st = DisorderedSettings()
    assert st.G == 1 and st.matrix().tolist() == [[1.0]] and st.detunings == (0.0,)


def test_oscillator_parameters_are_checked_by_the_network():
    with pytest.raises(ValueError, match=r"`gamma_plus` must be non-negative, but got"):
        validate_sweep(_sweep(fixed="gamma_plus = -0.1"))


def test_validation_of_a_large_grid_does_not_build_the_subgroup_coupling():
    """90000 points at M = 64 would need 5.9 GB of (B, M, M) couplings in validation."""
    sw = _sweep(
        axes="width = { linspace = [0.0, 0.3, 300] }\nV = { linspace = [0.1, 2.0, 300] }",
        settings="M = 64\nlocked_shortcut = false",
    )
    validate_sweep(sw)


@pytest.mark.parametrize(("kind", "cls"), [("gaussian", "Gaussian"), ("uniform", "Uniform")])
def test_width_means_the_distributions_own_parameter(kind, cls):
    """``width`` is the standard deviation (Gaussian) or the half width (uniform): the
    kernel's onset equals critical_coupling(..., disorder=cls(width)), and the subgroup
    detunings are the distribution's own M-point nodes."""
    import qsynchro
    from qsynchro.sweeps.disordered import _model

    sw = _sweep(
        axes="width = [0.2]",
        fixed="V = 0.01\nK = -1.0",
        settings=f'distribution = "{kind}"\nM = 3',
        measures='["critical_coupling"]',
    )
    ds = run_sweep(sw, progress=False)
    dist = getattr(qsynchro, cls)(0.2)
    want = critical_coupling(0.5, 1.0, -1.0, disorder=dist)
    np.testing.assert_allclose(ds["critical_coupling"].values, [want], rtol=1e-8)
    kernel, st = validate_sweep(sw)
    net, w = _model(sw.param_grid(kernel.defaults), st)
    nodes, weights = dist.discretize(3)
    np.testing.assert_allclose(net.detuning[0], nodes, atol=1e-14)
    np.testing.assert_allclose(w, weights, atol=1e-14)
