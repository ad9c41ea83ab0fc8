r"""Van der Pol with dissipative coupling and Lorentzian disorder: the classical (Kuramoto) limit.

Mapping (``docs/networks.md``, section 2): in mean field each oscillator obeys
:math:`\dot\alpha_j = (i\omega_j + G/2 - \kappa/2 - \eta|\alpha_j|^2)\alpha_j +
(\kappa/2)\bar\alpha` plus quantum noise; for :math:`\kappa, w \ll G` the phases follow the
noisy Kuramoto model with :math:`K = \kappa/2` and phase diffusion D (the single oscillator's
coherence decay rate :math:`\Gamma`). Its Lorentzian threshold :math:`K_c = 2(w + D)` gives

    kappa_c(w) = 4 (w + Gamma),   d kappa_c / dw = 4,

with corrections of order :math:`\kappa/G \sim 1/\bar n`. The quantum onset (exact in the
continuum: the identical group's growth rate equals w) is computed on the sparse coherence
sector up to :math:`\bar n = 40` (n_max = 130). Measured (gain 1, :math:`\bar n = 1/(2\,
\mathrm{loss})`): slope 3.376, 3.652, 3.889, 3.955, 3.980 at :math:`\bar n` = 5, 10, 20, 40,
80; Richardson in :math:`1/\bar n` from 20 and 40: 4.021. A wrong mapping (K = kappa, or
kappa/4) would give 2 or 8.
"""

import numpy as np
import pytest

from qsynchro.models.dissipative import with_dissipative_coupling
from qsynchro.models.network import Network
from qsynchro.models.oscillator import van_der_pol
from qsynchro.solvers.disorder import single_sector
from qsynchro.solvers.sector import dissipative_growth_rate, dissipative_onset, sparse_sector
from qsynchro.solvers.stability import max_growth_rate


def test_sparse_sector_equals_dense_route():
    osc = van_der_pol(8)
    for L_s, L_d in zip(
        sparse_sector(osc, gain=1.0, loss=2.0), single_sector(osc, gain=1.0, loss=2.0), strict=True
    ):
        np.testing.assert_allclose(L_s, L_d, atol=1e-12)
    base = Network(osc, np.zeros(1), np.zeros((1, 1)), gain=1.0, loss=2.0)
    for k in (0.5, 3.0, 6.0):
        dense = float(max_growth_rate(with_dissipative_coupling(base, k)))
        assert abs(dissipative_growth_rate(osc, k, gain=1.0, loss=2.0) - dense) < 1e-10


@pytest.mark.slow
def test_classical_limit_is_kuramoto_with_phase_diffusion():
    out = {}
    for nbar, n_max in ((20, 80), (40, 130)):
        loss = 1.0 / (2 * nbar)
        kc0, slope = dissipative_onset(van_der_pol(n_max), 0.0, kappa_max=1.0, gain=1.0, loss=loss)
        L0, _ = sparse_sector(van_der_pol(n_max), gain=1.0, loss=loss)
        gamma = -np.max(np.linalg.eigvals(L0).real)  # phase diffusion of one oscillator
        out[nbar] = (kc0, slope, gamma)
    (k20, s20, g20), (k40, s40, g40) = out[20], out[40]
    # slope d kappa_c / dw -> 4: measured 3.8894, 3.9552; the deficit shrinks like 1/nbar
    assert 3.85 < s20 < s40 < 4.0
    assert 0.3 < (4 - s40) / (4 - s20) < 0.6
    richardson = 2 * s40 - s20  # 4.021
    assert abs(richardson - 4.0) < 0.06
    # intercept kappa_c(0) = 4 D: measured ratio 0.99665, 0.99932 (and Gamma nbar -> 3/8)
    assert abs(k40 / (4 * g40) - 1) < 2e-3 and abs(k20 / (4 * g20) - 1) < 5e-3
    assert abs(g40 * 40 - 0.375) < 1e-3
