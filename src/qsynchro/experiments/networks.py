r"""Networks beyond two identical groups: the disorder transition (``networks-disorder``) and
the nonreciprocal phase diagram (``networks-nonreciprocal``, :func:`nonreciprocal`).

Order parameter :math:`r = \overline{|\sum_k w_k\langle S^+\rangle_k|}` of one spin-1 group
with Gaussian detuning disorder (standard deviation ``sigma``), discretized into M subgroups
by Gauss-Hermite quadrature, against the coupling V, for K = -1, 0, +1 and several widths,
with the continuum critical coupling :math:`V_c(\sigma)` marked
(:func:`qsynchro.critical_coupling` with ``disorder=``). Each curve comes from
:func:`qsynchro.attractor` (integration, no Newton shortcut). Near onset
:math:`r^2` is fitted linearly in V (a continuous, square-root transition gives an
intercept at :math:`V_c`): ``onset_fit`` holds the fitted onset per (K, sigma).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from tqdm.auto import tqdm

import qsynchro
from qsynchro.measures.attractor import attractor
from qsynchro.measures.disorder import disorder_order_parameter, onset_fit
from qsynchro.models.disorder import Gaussian, disordered_group
from qsynchro.models.network import Network
from qsynchro.models.oscillator import spin1
from qsynchro.outputs.plots_networks import plot_critical, plot_disorder, plot_nonreciprocal
from qsynchro.outputs.store import write_dataset
from qsynchro.solvers.stability import critical_coupling

__all__ = ["critical", "disorder", "nonreciprocal"]

PREFIX = "networks-disorder"
GAMMA_PLUS = 0.5
KS = (-1.0, 0.0, 1.0)
SIGMAS = (0.0, 0.1, 0.3)


def disorder(out: Path, *, quick: bool = False, progress: bool = True) -> list[Path]:
    """Order parameter against coupling for several disorder widths (module docstring)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    M = 12 if quick else 32
    x = np.array([0.5, 0.9, 1.01, 1.03, 1.06, 1.1, 1.2, 1.4, 1.7, 2.0])
    if not quick:
        x = np.concatenate([[0.3, 0.7, 0.95, 0.99], x[1:], [2.5, 3.0]])
        x = np.unique(x)
    r = np.zeros((len(KS), len(SIGMAS), x.size))
    status = np.zeros_like(r, dtype=np.int8)
    vcs = np.zeros((len(KS), len(SIGMAS)))
    fit = np.zeros_like(vcs)
    bar = tqdm(total=len(KS) * len(SIGMAS), desc=PREFIX, disable=not progress)
    for i, K in enumerate(KS):
        for j, s in enumerate(SIGMAS):
            dist = Gaussian(s)
            vc = critical_coupling(GAMMA_PLUS, 1.0, K, disorder=dist)
            vcs[i, j] = vc
            net = disordered_group(spin1(), vc * x, dist, M, K=K, gamma_plus=GAMMA_PLUS)
            att = attractor(
                net,
                locked_shortcut=False,
                t_transient=150.0 if quick else 400.0,
                t_max=1500.0 if quick else 5000.0,
                n_samples=512 if quick else 2048,
            )
            r[i, j] = disorder_order_parameter(att.signal, dist.discretize(M)[1])
            status[i, j] = att.status
            fit[i, j] = onset_fit(vc * x, r[i, j], vc)
            bar.update()
    bar.close()
    ds = xr.Dataset(
        {
            "order_parameter": (
                ("K", "sigma", "V_over_Vc"),
                r,
                {"long_name": "time average of |sum_k w_k <S+>_k|"},
            ),
            "status": (("K", "sigma", "V_over_Vc"), status, {"long_name": "0 ok, 1 not conv."}),
            "critical_coupling": (
                ("K", "sigma"),
                vcs,
                {"long_name": "continuum V_c (critical_coupling(..., disorder=Gaussian))"},
            ),
            "onset_fit": (
                ("K", "sigma"),
                fit,
                {"long_name": "V where a linear fit of r^2 on 3 points above V_c crosses 0"},
            ),
        },
        coords={"K": list(KS), "sigma": list(SIGMAS), "V_over_Vc": x},
        attrs={
            "figure": PREFIX,
            "paper": "extension of Nadolny & Bruder, PRL 131, 190402 (2023), Eq. 2",
            "qsynchro_version": qsynchro.__version__,
            "units": "gamma_minus = 1",
            "gamma_plus": GAMMA_PLUS,
            "M": M,
            "discretization": "Gauss-Hermite",
            "quick": int(quick),
        },
    )
    files = [write_dataset(ds, out / f"{PREFIX}.nc")]
    files.append(plot_disorder(ds, out / f"{PREFIX}.png"))
    return files


NR_PREFIX = "networks-nonreciprocal"


def nonreciprocal(out: Path, *, quick: bool = False, progress: bool = True) -> list[Path]:
    r"""Two spin-1 groups (K = -1, V = 0.4, gamma_+ = 0.5, no detuning) with intergroup
    couplings :math:`C_{AB} = s + a`, :math:`C_{BA} = s - a` (reciprocal part s,
    nonreciprocal part a): classification, resolution path, attractor kind (a limit cycle
    in the rotating frame is kind 2, a valid result) with its modulation frequency, relative
    phase and frequency difference from :func:`qsynchro.attractor` per point."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    n = 9 if quick else 41
    s = np.linspace(0.0, 0.4, n)
    a = np.linspace(0.0, 0.4, n)
    S, A = np.meshgrid(s, a, indexing="ij")
    V = 0.4
    C = np.zeros((*S.shape, 2, 2))
    C[..., 0, 0] = C[..., 1, 1] = V
    C[..., 0, 1] = S + A
    C[..., 1, 0] = S - A
    net = Network(spin1(), [0.0, 0.0], C, K=-1.0, gamma_plus=GAMMA_PLUS)
    att = attractor(net, t_max=3000.0, n_samples=1024 if quick else 2048)
    dims = ("s", "a")
    ds = xr.Dataset(
        {
            "classification": (
                dims,
                att.classification,
                {"long_name": "0 unsync, 1 partial, 2 full"},
            ),
            "path": (dims, att.path, {"long_name": "0 stable, 1 locked (Newton), 2 integrated"}),
            "kind": (
                dims,
                att.kind,
                {
                    "long_name": "0 fixed point, 1 locked, 2 limit cycle, 3 not periodic, "
                    "4 unresolved"
                },
            ),
            "modulation_frequency": (
                dims,
                att.modulation_frequency,
                {"long_name": "fundamental of the limit cycle in the rotating frame (kind 2)"},
            ),
            "status": (dims, att.status, {"long_name": "0 ok, 1 not converged, 2 failed"}),
            "relative_phase": (
                dims,
                att.relative_phase[..., 1],
                {"long_name": "arg <S+>_B <S+>_A^*"},
            ),
            "frequency_difference": (dims, att.frequency[..., 0] - att.frequency[..., 1]),
            "order_parameter_A": (dims, att.order_parameter[..., 0]),
            "order_parameter_B": (dims, att.order_parameter[..., 1]),
            "phase_coherence": (dims, att.phase_coherence),
        },
        coords={"s": s, "a": a},
        attrs={
            "figure": NR_PREFIX,
            "paper": "extension of Nadolny & Bruder, PRL 131, 190402 (2023), Eq. 2",
            "qsynchro_version": qsynchro.__version__,
            "units": "gamma_minus = 1",
            "coupling": "C_AA = C_BB = V, C_AB = s + a, C_BA = s - a",
            "V": V,
            "K": -1.0,
            "gamma_plus": GAMMA_PLUS,
            "delta": 0.0,
            "quick": int(quick),
        },
    )
    files = [write_dataset(ds, out / f"{NR_PREFIX}.nc")]
    files.append(plot_nonreciprocal(ds, out / f"{NR_PREFIX}.png"))
    return files


VC_PREFIX = "networks-critical"


def critical(out: Path, *, quick: bool = False, progress: bool = True) -> list[Path]:
    r"""Continuum onset against the disorder width: spin-1 (gamma_+ = 0.5) at K = -1, 0, +1
    for Lorentzian (closed form) and Gaussian (Faddeeva dispersion) disorder, and the quantum
    van der Pol oscillator (gain = loss = 1, n_max = 8) with dissipative coupling and
    Lorentzian disorder (:func:`~qsynchro.solvers.disorder.dissipative_critical_rate`)."""
    from qsynchro.models.disorder import Lorentzian
    from qsynchro.models.oscillator import van_der_pol
    from qsynchro.solvers.disorder import dissipative_critical_rate

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    widths = np.linspace(0.0, 0.5, 6 if quick else 26)
    lor = np.array(
        [
            [critical_coupling(GAMMA_PLUS, 1.0, K, disorder=Lorentzian(w)) for w in widths]
            for K in KS
        ]
    )
    gau = np.array(
        [[critical_coupling(GAMMA_PLUS, 1.0, K, disorder=Gaussian(w)) for w in widths] for K in KS]
    )
    vdp = van_der_pol(8, gain=1.0, loss=1.0)
    kap = np.array([dissipative_critical_rate(vdp, w) for w in widths])
    ds = xr.Dataset(
        {
            "V_c_lorentzian": (("K", "width"), lor, {"long_name": "spin-1 V_c, Lorentzian HWHM"}),
            "V_c_gaussian": (("K", "width"), gau, {"long_name": "spin-1 V_c, Gaussian sigma"}),
            "kappa_c_van_der_pol": (
                "width",
                kap,
                {"long_name": "van der Pol dissipative kappa_c, Lorentzian HWHM"},
            ),
        },
        coords={"K": list(KS), "width": widths},
        attrs={
            "figure": VC_PREFIX,
            "paper": "extension of Nadolny & Bruder, PRL 131, 190402 (2023), Eq. 2",
            "qsynchro_version": qsynchro.__version__,
            "units": "gamma_minus = 1 (spin-1); gain = 1 (van der Pol)",
            "gamma_plus": GAMMA_PLUS,
            "van_der_pol": "n_max = 8, gain = 1, loss = 1",
            "quick": int(quick),
        },
    )
    files = [write_dataset(ds, out / f"{VC_PREFIX}.nc")]
    files.append(plot_critical(ds, out / f"{VC_PREFIX}.png"))
    return files
