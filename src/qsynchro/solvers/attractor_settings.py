"""Settings and raw result of the attractor pipeline (:mod:`qsynchro.solvers.attractor`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qsynchro._checks import check_int, check_nonnegative, check_positive
from qsynchro.solvers.local import DEFAULT_EPSILON

__all__ = [
    "METHOD_INTEGRATED",
    "METHOD_LOCKED",
    "METHOD_STABLE",
    "AttractorSettings",
    "RawAttractor",
]

METHOD_STABLE, METHOD_LOCKED, METHOD_INTEGRATED = 0, 1, 2


@dataclass(frozen=True)
class AttractorSettings:
    """Numerical settings of :func:`find_attractor` (times in units of the oscillator's rates).

    Args:
        dt: largest RK4 step (lowered automatically where the rates require it; see the
            module docstring). The default 0.2 gives spin-1 order parameters to ~1e-4 and
            frequencies to ~1e-3 against dt = 0.005 on Fig. 4 points (docs/meanfield.md).
        t_transient: integration time before the first lock check / window (a multiple of
            ``sample_dt``).
        t_max: largest simulated time per point.
        n_samples: samples per window (spectra have this many bins).
        sample_dt: sample spacing (a multiple of ``dt``); window = n_samples * sample_dt.
        epsilon: symmetry-breaking coherence of the initial state.
        stability_margin: a point is taken as unsynchronized without integration if its
            largest growth rate at the unsynchronized state is below ``-stability_margin``.
        amplitude_threshold: per-group order parameter below which a group is unsynchronized.
        lock_threshold: phase coherence above which two groups count as locked.
        convergence_rtol: allowed relative change of a group's order parameter between the
            two halves of a window.
        convergence_atol: absolute floor of that criterion.
        locked_shortcut: finish phase-locked points by Newton in the rotating frame (only
            for networks of at most ``solvers.attractor.LOCKED_MAX_UNKNOWNS`` = 400 real
            unknowns G (d^2 - 1); larger ones are integrated).
        stable_shortcut: skip the integration where the unsynchronized state is linearly
            stable. Set False to get the actual decaying trajectory.
        newton_tol: residual tolerance of the Newton solve.
        lock_detect_tol: max distance (max-abs over the reduced real coordinates, after phase
            alignment) between the current state and the Newton fixed point.
        threads: threads that integrate pieces of a chunk concurrently (0: one per CPU core).
    """

    dt: float = 0.2
    t_transient: float = 200.0
    t_max: float = 5000.0
    n_samples: int = 2048
    sample_dt: float = 0.2
    epsilon: float = DEFAULT_EPSILON
    stability_margin: float = 1e-9
    amplitude_threshold: float = 1e-3
    lock_threshold: float = 0.9
    convergence_rtol: float = 1e-2
    convergence_atol: float = 1e-6
    locked_shortcut: bool = True
    stable_shortcut: bool = True
    newton_tol: float = 1e-10
    lock_detect_tol: float = 1e-2
    threads: int = 0

    def __post_init__(self) -> None:
        check_positive("dt", self.dt)
        check_nonnegative("t_transient", self.t_transient)
        check_positive("t_max", self.t_max)
        check_int("n_samples", self.n_samples, minimum=8)
        check_positive("sample_dt", self.sample_dt)
        check_positive("epsilon", self.epsilon)
        check_nonnegative("stability_margin", self.stability_margin)
        check_positive("amplitude_threshold", self.amplitude_threshold)
        check_positive("lock_threshold", self.lock_threshold)
        check_positive("convergence_rtol", self.convergence_rtol)
        check_nonnegative("convergence_atol", self.convergence_atol)
        check_positive("newton_tol", self.newton_tol)
        check_positive("lock_detect_tol", self.lock_detect_tol)
        check_int("threads", self.threads, minimum=0)
        if self.epsilon > 0.5:
            raise ValueError(f"Argument `epsilon` must be at most 0.5, but got {self.epsilon}.")
        if self.lock_threshold > 1:
            raise ValueError(
                f"Argument `lock_threshold` must be at most 1, but got {self.lock_threshold}."
            )
        for name in ("locked_shortcut", "stable_shortcut"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise TypeError(
                    f"Argument `{name}` must be a bool, but got {getattr(self, name)!r}."
                )
        for name, val, unit, uname in (
            ("sample_dt", self.sample_dt, self.dt, "dt"),
            ("t_transient", self.t_transient, self.sample_dt, "sample_dt"),
        ):
            n = round(val / unit)
            if abs(n * unit - val) > 1e-9 * max(1.0, val):
                raise ValueError(
                    f"Argument `{name}` must be a multiple of `{uname}` = {unit}, but got {val}."
                )
        if self.t_max < self.t_transient + self.n_samples * self.sample_dt:
            raise ValueError(
                f"Argument `t_max` must be at least t_transient + n_samples * sample_dt = "
                f"{self.t_transient + self.n_samples * self.sample_dt}, but got {self.t_max}."
            )

    @property
    def window(self) -> float:
        return self.n_samples * self.sample_dt

    def times(self) -> np.ndarray:
        """Sample times within a window (time since the window start), shape (n_samples,)."""
        return self.sample_dt * (1 + np.arange(self.n_samples))

    def bytes_per_point(self, G: int = 2, d: int = 3) -> int:
        """Rough memory per point (samples, spectra, work arrays)."""
        return int(self.n_samples * G * (16 * 3 + 8 * 2) + 64 * G * d * d + 4096)


@dataclass(frozen=True)
class RawAttractor:
    r"""What :func:`find_attractor` found per point of a flat batch (B points, G groups).

    Attributes:
        method: 0 stable (the unsynchronized state), 1 locked (Newton), 2 integrated; (B,).
        amplitude: :math:`\langle A\rangle_\sigma` at the window start for methods 0 and 1
            (then :math:`\langle A\rangle_\sigma(t) = a_\sigma e^{i\omega t}` exactly), (B, G).
        omega: common frequency of methods 0 and 1 (lab frame), (B,).
        samples: the window :math:`\langle A\rangle_\sigma(t_k)` of the method-2 points only,
            in the order of ``np.nonzero(method == 2)``, (n_integrated, G, n_samples), lab
            frame (compact: locked and stable points have exact windows and store none).
        magnitudes: time averages of the populations and :math:`|\rho_{ij}|` (i < j,
            row-major), (B, G, d + d(d-1)/2).
        growth: largest growth rate at the unsynchronized state, (B,).
        t_integrated: simulated time, (B,).
        residual: relative change of the order parameter between window halves (0 for
            methods 0 and 1), (B,).
        dt: RK4 step used, (B,) (0 where nothing was integrated).
        finite: no non-finite number appeared, (B,).
        u1: the model is U(1)-symmetric at every point (no drive): locked states are
            stationary in a rotating frame; else the frame is the drive's.
    """

    method: np.ndarray
    amplitude: np.ndarray
    omega: np.ndarray
    samples: np.ndarray
    magnitudes: np.ndarray
    growth: np.ndarray
    t_integrated: np.ndarray
    residual: np.ndarray
    dt: np.ndarray
    finite: np.ndarray
    u1: bool = True
