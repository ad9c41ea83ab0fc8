r"""Sweep kernel ``"maser"``: certified S_max of the degenerate thermal maser (Murtadho et al.).

Every point is solved exactly and in O(N): the structured steady state
(:func:`qsynchro.solvers.maser_structured.reduced_steady_state`, batched over the chunk) and the
exact reduction of S_max to a quadratic in :math:`|\langle B|z\rangle|` on an interval
(:func:`qsynchro.measures.smax.structured_max`). The dense matrix is never formed (except
for the N = 2 ``phase_distribution``, a 4 x 4 matrix).

Parameters (defaults: the paper's Fig. 2 caption):

=============== ======== ===============================================================
name            default  meaning
=============== ======== ===============================================================
``N``           2        number of degenerate levels (integer-valued float, >= 1)
``lam``         0.1      :math:`\lambda_2` (and all :math:`\lambda_j` when homogeneous)
``lam_ratio``   1        :math:`\lambda_j/\lambda_2` for ``j >= 3`` (>= 0):
                         :math:`\lambda_j=\lambda_2\,` ``lam_ratio`` (Fig. 2(d), see
                         ``docs/murtadho2023.md``; ``lam_2`` stays fixed)
``k``           0        if > 0: :math:`\lambda_2 = \gamma_h(1+n_h)/k` overrides ``lam``
                         (dissipation-to-driving ratio below Eq. 11; Fig. 2(a),(b))
``realization`` -1       if >= 0: :math:`\lambda_j/\lambda_2 = u_j\sim U[0,1)` for
                         ``j = 3..N+1``, drawn from ``numpy.random.default_rng([seed,
                         realization])`` (the first N-1 numbers of that stream, so the
                         draws of a realization are nested in N; Fig. 3)
``seed``        0        seed of the random drive amplitudes
``n_h``         5        hot-bath occupation
``nh_over_nc``  0        if > 0: ``n_h = nh_over_nc * n_c`` overrides ``n_h``
``n_c``         0.5      cold-bath occupation
``gamma_h``     0.05     hot-bath coupling
``gamma_c``     0.2      cold-bath coupling
``omega_1``     1        energy of ``|1>``
``omega_2``     3        energy of the degenerate manifold
``detuning``    0        :math:`\Omega - (\omega_2 - \omega_1)`
=============== ======== ===============================================================

Measures (S_max units follow Eq. 4; ``*_scaled`` are :math:`(2\pi)^N\times`, the paper's
:math:`\mathbb{S}_{\max}` units): ``S_max``, ``S_max_scaled``, ``log_S_max`` (natural log,
finite when ``S_max`` underflows), ``upper_bound``, ``upper_bound_scaled``, ``gap``,
``gap_scaled`` (certified: the reduction is exact; the upper bound covers rounding and the
forward error of the steady-state solve, so it holds for the exact steady state; at
``n_h == n_c`` the state is diagonal and S_max = 0 exactly), ``entrainment``
and ``entrainment_scaled`` (:math:`\frac14\sum_{j\ge2}|\tilde\rho_{1j}|` scaled),
``l1_coherence`` (:math:`C_{l_1}`), ``l1_bound_scaled`` (:math:`C_{l_1}/4`),
``abs_rho_12`` (:math:`|\tilde\rho_{12}|`), ``abs_rho_23`` (:math:`|\tilde\rho_{23}|`, 0 for
N = 1), ``k_eff`` (:math:`\gamma_h(1+n_h)/\lambda_2`), ``lam_eff``, ``regime`` (+1 engine,
-1 refrigerator, 0 neutral), ``bright_overlap`` (optimal :math:`|\langle B|z\rangle|`),
``varphi`` over ``j`` (optimal :math:`\varphi_{j1}=\phi_j-\phi_1`, ``j = 2..n_phases+1``;
every point must have ``N == settings.n_phases``), and ``phase_distribution`` over
(``varphi_21``, ``varphi_31``) (Eq. 3 for N = 2 with :math:`\varphi_{ij}=\phi_i-\phi_j`;
every point must have ``N == 2``).

Status: ``failed`` when the steady state is not unique (e.g. ``gamma_h = 0``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from qsynchro._checks import check_int
from qsynchro.measures.husimi import phase_distribution
from qsynchro.measures.smax import (
    exp_upper,
    log_rounding,
    s_max_structured,
    structured_max,
    structured_rounding,
)
from qsynchro.solvers.maser_forward_error import lam_eff_error
from qsynchro.solvers.maser_structured import MaserState, reduced_steady_state
from qsynchro.sweeps.kernel import STATUS_FAILED, STATUS_OK, ChunkResult, register_kernel

__all__ = ["MaserKernel", "MaserSettings", "drive_amplitudes", "point_parameters"]


DEFAULTS: dict[str, float] = {
    "N": 2.0,
    "lam": 0.1,
    "lam_ratio": 1.0,
    "k": 0.0,
    "realization": -1.0,
    "seed": 0.0,
    "n_h": 5.0,
    "nh_over_nc": 0.0,
    "n_c": 0.5,
    "gamma_h": 0.05,
    "gamma_c": 0.2,
    "omega_1": 1.0,
    "omega_2": 3.0,
    "detuning": 0.0,
}

_SCALAR = (
    "S_max",
    "S_max_scaled",
    "log_S_max",
    "upper_bound",
    "upper_bound_scaled",
    "gap",
    "gap_scaled",
    "entrainment",
    "entrainment_scaled",
    "l1_coherence",
    "l1_bound_scaled",
    "abs_rho_12",
    "abs_rho_23",
    "k_eff",
    "lam_eff",
    "regime",
    "bright_overlap",
)
MEASURES: dict[str, tuple[str, ...]] = {m: () for m in _SCALAR}
MEASURES["varphi"] = ("j",)
MEASURES["phase_distribution"] = ("varphi_21", "varphi_31")


@dataclass(frozen=True)
class MaserSettings:
    """Settings of the ``"maser"`` kernel.

    Args:
        n_phases: length of the ``varphi`` measure (must equal every point's N).
        phase_points: grid points per axis of ``phase_distribution`` on ``[0, 2 pi]``.
    """

    n_phases: int = 20
    phase_points: int = 65

    def __post_init__(self) -> None:
        check_int("n_phases", self.n_phases, minimum=1)
        check_int("phase_points", self.phase_points, minimum=2)

    def phase_grid(self) -> np.ndarray:
        return np.linspace(0.0, 2.0 * np.pi, self.phase_points)


def point_parameters(params: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Resolve the derived parameters: effective ``n_h`` and ``lam_2`` (arrays (B,))."""
    n_h = np.where(params["nh_over_nc"] > 0, params["nh_over_nc"] * params["n_c"], params["n_h"])
    with np.errstate(divide="ignore"):
        lam2 = np.where(
            params["k"] > 0,
            params["gamma_h"] * (1.0 + n_h) / np.where(params["k"] > 0, params["k"], 1.0),
            params["lam"],
        )
    return {"n_h": n_h, "lam_2": lam2}


def drive_amplitudes(
    N: int, lam_2: float, lam_ratio: float = 1.0, realization: int = -1, seed: int = 0
) -> np.ndarray:
    r"""The drive amplitudes :math:`\lambda_2..\lambda_{N+1}` of one point (shape (N,)).

    ``realization >= 0``: :math:`\lambda_j = \lambda_2 u_j`, ``u`` the first N-1 numbers of
    ``default_rng([seed, realization]).random``; otherwise :math:`\lambda_j =
    \lambda_2\,\mathrm{lam\_ratio}` for ``j >= 3``.
    """
    lam = np.empty(N)
    lam[0] = lam_2
    if N > 1:
        if realization >= 0:
            u = np.random.default_rng([int(seed), int(realization)]).random(N - 1)
            lam[1:] = lam_2 * u
        else:
            lam[1:] = lam_2 * lam_ratio
    return lam


class MaserKernel:
    """The ``"maser"`` kernel (see module docstring)."""

    name = "maser"
    defaults: Mapping[str, float] = DEFAULTS
    settings_type = MaserSettings
    measures: Mapping[str, tuple[str, ...]] = MEASURES

    def coords(self, measures: tuple[str, ...], settings: MaserSettings) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        if "varphi" in measures:
            out["j"] = np.arange(2, settings.n_phases + 2)
        if "phase_distribution" in measures:
            out["varphi_21"] = settings.phase_grid()
            out["varphi_31"] = settings.phase_grid()
        return out

    def bytes_per_point(self, measures: tuple[str, ...], settings: MaserSettings) -> int:
        return 4096 + 64 * settings.phase_points**2

    def validate(
        self, params: Mapping[str, np.ndarray], measures: tuple[str, ...], settings: MaserSettings
    ) -> None:
        for m in measures:
            if m not in self.measures:
                raise ValueError(
                    f"Unknown measure {m!r} for kernel `maser`; valid measures are "
                    f"{sorted(self.measures)}."
                )
        p = {k: np.asarray(v, dtype=float) for k, v in params.items()}
        for name in p:
            if not np.all(np.isfinite(p[name])):
                raise ValueError(f"Parameter `{name}` must be finite, but got {p[name]}.")
        for name, lo in (("N", 1), ("realization", -1), ("seed", 0)):
            v = p[name]
            if np.any(v != np.round(v)) or np.any(v < lo):
                bad = v[(v != np.round(v)) | (v < lo)][0]
                raise ValueError(f"Parameter `{name}` must be an integer >= {lo}, but got {bad}.")
        for name in ("lam", "lam_ratio", "k", "n_h", "nh_over_nc", "n_c", "gamma_h", "gamma_c"):
            if np.any(p[name] < 0):
                raise ValueError(
                    f"Parameter `{name}` must be non-negative, but got {p[name][p[name] < 0][0]}."
                )
        for name in ("omega_1",):
            if np.any(p[name] <= 0):
                raise ValueError(
                    f"Parameter `{name}` must be positive, but got {p[name][p[name] <= 0][0]}."
                )
        if np.any(p["omega_2"] <= p["omega_1"]):
            raise ValueError(
                "Parameter `omega_2` must be larger than `omega_1`, but got "
                f"omega_2 = {p['omega_2'][p['omega_2'] <= p['omega_1']][0]}."
            )
        if "varphi" in measures and np.any(p["N"] != settings.n_phases):
            raise ValueError(
                f"Measure `varphi` needs N == settings.n_phases = "
                f"{settings.n_phases} at every point, but got N = "
                f"{sorted(set(p['N'].astype(int).tolist()))}."
            )
        if "phase_distribution" in measures and np.any(p["N"] != 2):
            raise ValueError(
                "Measure `phase_distribution` needs N = 2 at every point, but got "
                f"N = {sorted(set(p['N'].astype(int).tolist()))}."
            )

    def __call__(
        self, params: Mapping[str, np.ndarray], measures: tuple[str, ...], settings: MaserSettings
    ) -> ChunkResult:
        p = {k: np.asarray(v, dtype=float) for k, v in params.items()}
        B = p["N"].shape[0]
        Ns = p["N"].astype(np.int64)
        derived = point_parameters(p)
        n_h, lam2 = derived["n_h"], derived["lam_2"]
        # drive amplitudes -> lam_eff and the l1 statistics of the bright-state weights
        lam_eff = np.empty(B)
        T = np.empty(B)  # sum |w_j|
        wmax = np.empty(B)
        w23 = np.zeros(B)  # |w_2 w_3|
        w2 = np.empty(B)
        lam_err = np.empty(B)
        weights: list[np.ndarray] = []
        for i in range(B):
            lam = drive_amplitudes(
                int(Ns[i]), lam2[i], p["lam_ratio"][i], int(p["realization"][i]), int(p["seed"][i])
            )
            le = float(np.sqrt(np.sum(lam * lam)))
            w = lam / le if le > 0 else np.full(lam.size, 1.0 / math.sqrt(lam.size))
            lam_eff[i] = le
            lam_err[i] = lam_eff_error(lam, le)
            T[i] = float(np.sum(np.abs(w)))
            wmax[i] = float(np.max(np.abs(w)))
            w2[i] = abs(w[0])
            if w.size > 1:
                w23[i] = abs(w[0] * w[1])
            weights.append(w)
        block, p_dark, state_err = reduced_steady_state(
            Ns,
            lam_eff,
            n_h,
            p["n_c"],
            p["gamma_h"],
            p["gamma_c"],
            p["detuning"],
            omega_1=p["omega_1"],
            omega_2=p["omega_2"],
            return_error=True,
            lam_error=lam_err,
        )
        ok = np.isfinite(p_dark) & np.all(np.isfinite(block), axis=(-1, -2))
        c = np.real(block[:, 2, 2]) - p_dark
        b = np.abs(block[:, 1, 2])
        a_max = T
        a_min = np.maximum(0.0, 2.0 * wmax - T)
        q, r = structured_max(c, b, a_min, a_max)
        q = np.where(Ns == 1, 2.0 * b, q)
        r = np.where(Ns == 1, 1.0, r)
        q = np.maximum(q, 0.0)
        # certified for the exact steady state: rounding plus the solve's forward error
        q_up = q + structured_rounding(c, b, r, a_max, Ns, np.nan_to_num(state_err))
        # diagonal steady state (thermal: any drive; or no drive): S_max = 0 exactly
        diagonal = (n_h == p["n_c"]) | (lam_eff == 0.0)
        q = np.where(diagonal, 0.0, q)
        q_up = np.where(diagonal, 0.0, q_up)
        log_pref = -Ns * math.log(2.0 * math.pi)  # (2 pi)^-N
        with np.errstate(divide="ignore"):
            log_s = np.log(q / 8.0) + log_pref
            log_up = np.log(q_up / 8.0) + log_pref
        S = np.exp(log_s)
        # upper bound kept through the log-space conversion (rounded up, never underflows
        # to 0 while q_up > 0)
        Sup = exp_upper(
            log_up, log_rounding(np.abs(np.log(np.maximum(q_up, 1e-300) / 8.0)) - log_pref)
        )
        ent_scaled = 0.25 * b * T
        l1 = b * T + np.abs(c) * np.maximum(T * T - 1.0, 0.0) / 2.0
        regime = np.sign(n_h - p["n_c"])
        with np.errstate(divide="ignore"):
            k_eff = np.where(
                lam2 > 0, p["gamma_h"] * (1.0 + n_h) / np.where(lam2 > 0, lam2, 1), np.inf
            )
        vals: dict[str, np.ndarray] = {
            "S_max": S,
            "S_max_scaled": q / 8.0,
            "log_S_max": log_s,
            "upper_bound": Sup,
            "upper_bound_scaled": q_up / 8.0,
            "gap": Sup - S,
            "gap_scaled": (q_up - q) / 8.0,
            "entrainment": ent_scaled * np.exp(log_pref),
            "entrainment_scaled": ent_scaled,
            "l1_coherence": l1,
            "l1_bound_scaled": l1 / 4.0,
            "abs_rho_12": b * w2,
            "abs_rho_23": np.abs(c) * w23,
            "k_eff": k_eff,
            "lam_eff": lam_eff,
            "regime": regime.astype(float),
            "bright_overlap": r,
        }
        out = {m: vals[m] for m in measures if m in vals}
        if "varphi" in measures:
            vp = np.full((B, settings.n_phases), np.nan)
            for i in np.nonzero(ok)[0]:
                res = s_max_structured(block[i], p_dark[i], weights[i].astype(np.complex128))
                vp[i] = res.varphi
            out["varphi"] = vp
        if "phase_distribution" in measures:
            g = settings.phase_grid()
            v21, v31 = np.meshgrid(g, g, indexing="ij")
            # levels |0>,|1>,|2>,|3>, phi_3 = 0: phi_1 = -varphi_31, phi_2 = varphi_21 - varphi_31
            ph = np.stack([np.zeros_like(v21), -v31, v21 - v31], axis=-1)
            pdist = np.full((B, g.size, g.size), np.nan)
            for i in np.nonzero(ok)[0]:
                rho = MaserState(
                    block=block[i],
                    p_dark=float(p_dark[i]),
                    weights=weights[i].astype(np.complex128),
                ).dense()
                pdist[i] = phase_distribution(rho, ph)
            out["phase_distribution"] = pdist
        status = np.where(ok, STATUS_OK, STATUS_FAILED).astype(np.int8)
        reason = np.where(ok, "", "steady state not unique (singular reduced system)")
        for m in out:
            out[m] = np.where(ok.reshape((B,) + (1,) * (out[m].ndim - 1)), out[m], np.nan)
        return ChunkResult(values=out, status=status, reason=reason.astype(str))


register_kernel("maser", MaserKernel)
