r"""The disorder transition of quantum van der Pol oscillators (``networks-disorder-vdp``).

One group of van der Pol oscillators (gain :math:`\mathcal{D}[a^\dagger]`, loss
:math:`\mathcal{D}[a^2]`, gain = 1) with Lorentzian detuning disorder (half width ``WIDTH``,
M equal-weight quantile subgroups) and all-to-all dissipative coupling of rate
:math:`\kappa` (in mean field a local decay :math:`\kappa\mathcal{D}[a]` plus the coupling
:math:`i\kappa/2` to the mean field, :mod:`qsynchro.models.dissipative`; reactive coupling
alone never synchronizes identical van der Pol oscillators). Two regimes:

* quantum: loss = 1 (:math:`\langle n\rangle \approx 0.6`), ``n_max`` = 6;
* toward the classical limit: loss = 0.1 (:math:`\langle n\rangle \approx 5.5`), ``n_max``
  = 14 (quick: loss = 0.2, ``n_max`` = 10); the population of :math:`|n_{max}\rangle` is
  stored (``top_population``).

Order parameter :math:`r = \overline{|\sum_k w_k\langle a\rangle_k|}` from
:func:`qsynchro.attractor` against :math:`\kappa/\kappa_c^{(M)}`, where
:math:`\kappa_c^{(M)}` is the onset of the discretized group (the root of
:func:`qsynchro.solvers.stability.max_growth_rate`); the continuum onset
(:func:`qsynchro.solvers.sector.dissipative_onset`) is stored next to it. Near onset
:math:`r^2` is fitted linearly (``onset_fit``, in units of :math:`\kappa_c^{(M)}`): a
continuous, square-root transition puts the intercept at 1. :math:`r` is also divided by
:math:`\sqrt{\langle n\rangle}` of the uncoupled oscillator, the classical amplitude scale.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import scipy.optimize
import xarray as xr
from tqdm.auto import tqdm

import qsynchro
from qsynchro.measures.attractor import attractor
from qsynchro.measures.disorder import disorder_order_parameter, onset_fit
from qsynchro.models.disorder import Lorentzian, disordered_group
from qsynchro.models.dissipative import with_dissipative_coupling
from qsynchro.models.oscillator import van_der_pol
from qsynchro.outputs.plots_networks import plot_disorder_vdp
from qsynchro.outputs.store import write_dataset
from qsynchro.solvers.local import oscillator_steady_state
from qsynchro.solvers.sector import dissipative_onset
from qsynchro.solvers.stability import max_growth_rate

__all__ = ["disorder_vdp"]

PREFIX = "networks-disorder-vdp"
WIDTH = 0.05
M = 8


def _onset(osc: object, w: np.ndarray, guess: float) -> float:
    """kappa at which the discretized group's unsynchronized state loses stability."""
    base = disordered_group(osc, np.zeros(1), Lorentzian(WIDTH), M)

    def growth(k: float) -> float:
        return float(max_growth_rate(with_dissipative_coupling(base, np.array([k]), w))[0])

    return float(scipy.optimize.brentq(growth, 0.3 * guess, 3.0 * guess, xtol=1e-12))


def disorder_vdp(out: Path, *, quick: bool = False, progress: bool = True) -> list[Path]:
    """Order parameter against dissipative coupling in two regimes (module docstring)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    regimes = (("quantum", 1.0, 6), ("classical", 0.2, 10) if quick else ("classical", 0.1, 14))
    x = np.array([0.8, 0.95, 1.02, 1.05, 1.1, 1.2, 1.5, 2.0])
    if quick:
        x = np.array([0.98, 1.02, 1.05, 1.1, 1.5])
    _, w = Lorentzian(WIDTH).discretize(M)
    r = np.zeros((2, x.size))
    top = np.zeros_like(r)
    status = np.zeros_like(r, dtype=np.int8)
    kind = np.zeros_like(r, dtype=np.int8)
    kc_M, kc, nbar, fit = (np.zeros(2) for _ in range(4))
    for i, (_, loss, n_max) in enumerate(tqdm(regimes, desc=PREFIX, disable=not progress)):
        osc = van_der_pol(n_max, gain=1.0, loss=loss)
        wide = van_der_pol(4 * n_max, gain=1.0, loss=loss)  # <n> of the uncoupled oscillator
        nbar[i] = float(np.real(np.trace(wide.detuning_generator @ oscillator_steady_state(wide))))
        kc[i] = dissipative_onset(osc, WIDTH)[0]
        kc_M[i] = _onset(osc, w, kc[i])
        net = disordered_group(osc, np.zeros(x.size), Lorentzian(WIDTH), M)
        att = attractor(
            with_dissipative_coupling(net, kc_M[i] * x, w),
            t_transient=400.0,
            t_max=3000.0,
            n_samples=512,
        )
        r[i] = disorder_order_parameter(att.signal, w)
        top[i] = att.populations[..., -1].max(-1)
        status[i], kind[i] = att.status, att.kind
        fit[i] = onset_fit(x, r[i], 1.0)
    names = [name for name, _, _ in regimes]
    dims = ("regime", "kappa_over_kappa_c")
    ds = xr.Dataset(
        {
            "order_parameter": (dims, r, {"long_name": "time average of |sum_k w_k <a>_k|"}),
            "order_parameter_scaled": (
                dims,
                r / np.sqrt(nbar)[:, None],
                {"long_name": "r / sqrt(<n>) of the uncoupled oscillator"},
            ),
            "top_population": (dims, top, {"long_name": "largest population of |n_max>"}),
            "status": (dims, status, {"long_name": "0 ok, 1 not converged, 2 failed"}),
            "kind": (dims, kind, {"long_name": "0 fixed point, 1 locked, 2 limit cycle, ..."}),
            "critical_kappa_M": (
                ("regime",),
                kc_M,
                {"long_name": "onset of the M-subgroup discretization (x axis unit)"},
            ),
            "critical_kappa": (("regime",), kc, {"long_name": "continuum onset"}),
            "mean_photon_number": (("regime",), nbar, {"long_name": "<n> uncoupled"}),
            "onset_fit": (
                ("regime",),
                fit,
                {"long_name": "kappa/kappa_c^(M) where a linear fit of r^2 crosses 0"},
            ),
            "loss": (("regime",), [loss for _, loss, _ in regimes]),
            "n_max": (("regime",), [n for _, _, n in regimes]),
        },
        coords={"regime": names, "kappa_over_kappa_c": x},
        attrs={
            "figure": PREFIX,
            "paper": "extension of Nadolny & Bruder, PRL 131, 190402 (2023), Eq. 2",
            "qsynchro_version": qsynchro.__version__,
            "units": "gain = 1",
            "width": WIDTH,
            "distribution": "Lorentzian, equal-weight quantile midpoints",
            "M": M,
            "quick": int(quick),
        },
    )
    files = [write_dataset(ds, out / f"{PREFIX}.nc")]
    files.append(plot_disorder_vdp(ds, out / f"{PREFIX}.png"))
    return files
