r"""``attractor(network)``: the long-time state of a network and its synchronization measures.

The public verb behind Figs. 2-4 of Nadolny & Bruder, for any oscillator and any number of
groups: :func:`qsynchro.solvers.attractor.find_attractor` finds the long-time state per point
(stability shortcut, Newton in the rotating frame, or integration until the window
converges), and this module measures it (:mod:`qsynchro.measures.order`,
:mod:`qsynchro.measures.spectra`):

* ``order_parameter[..., sigma]``: time average of :math:`|\langle A\rangle_\sigma|` over the
  window (exact for stable and locked points);
* ``frequency[..., sigma]``: dominant angular frequency of :math:`\langle A\rangle_\sigma`
  (Hann-windowed spectrum with sub-bin refinement; the exact common frequency for locked
  points); **0.0** for an unsynchronized group (mask with ``classification``);
* ``relative_phase[..., sigma]``: arg of the window average of
  :math:`\langle A\rangle_\sigma\langle A\rangle_0^*` (phase relative to group 0), 0.0 unless
  both groups are synchronized;
* ``classification``: 0 unsynchronized, 1 partial, 2 full
  (:func:`qsynchro.measures.order.classify`);
* ``kind``: what the long-time state is (:mod:`qsynchro.measures.attractor_kind`): 0 fixed
  point, 1 relative equilibrium (locked: stationary in a rotating frame), 2 periodic orbit in
  a rotating frame (a limit cycle of the mean-field equations: modulated, or a winding
  relative phase; a valid state, not a failure) with its ``modulation_frequency``, 3 not
  periodic (quasi-periodic or irregular), 4 unresolved (slower than the window);
* ``path``: which way each point was resolved (0 stable, 1 locked by Newton, 2 integrated);
  ``status`` 0 ok, 1 not converged (values kept), 2 failed (values NaN), with ``reason``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from qsynchro.measures.attractor_kind import (
    KIND_FIXED_POINT,
    KIND_RELATIVE_EQUILIBRIUM,
    KINDS,
    window_kind,
)
from qsynchro.measures.order import global_order_parameter
from qsynchro.measures.spectra import dominant_frequency, frequency_resolution, spectrum
from qsynchro.models.network import Network
from qsynchro.solvers.attractor import find_attractor
from qsynchro.solvers.attractor_settings import METHOD_INTEGRATED, AttractorSettings, RawAttractor

__all__ = ["KINDS", "Attractor", "AttractorSettings", "attractor", "measure_attractor"]

STATUS_OK, STATUS_NOT_CONVERGED, STATUS_FAILED = 0, 1, 2
PATHS = ("stable", "locked", "integrated")


@dataclass(frozen=True)
class Attractor:
    r"""Synchronization measures of the long-time state of a network (shapes (*batch, ...)).

    Attributes:
        order_parameter: :math:`\overline{|\langle A\rangle_\sigma|}`, (*batch, G).
        global_order_parameter: :math:`\overline{|\sum_\sigma\langle A\rangle_\sigma/G|}`,
            (*batch,).
        frequency: dominant frequency per group (0.0 if unsynchronized), (*batch, G).
        relative_phase: phase relative to group 0 (0.0 unless both synchronized), (*batch, G).
        classification: 0 unsynchronized, 1 partial, 2 full, (*batch,).
        phase_coherence: smallest :math:`|\overline{e^{i(\phi_\sigma-\phi_\tau)}}|` over
            pairs of groups, the quantity ``classification`` compares with
            ``lock_threshold`` (1 for locked points and for G = 1), (*batch,).
        populations: time-averaged populations, (*batch, G, d).
        coherences: time-averaged :math:`|\rho_{ij}|`, i < j row-major, (*batch, G, d(d-1)/2).
        kind: 0 fixed point, 1 relative equilibrium, 2 periodic orbit in a rotating frame,
            3 not periodic, 4 unresolved (``KINDS``), (*batch,).
        modulation_frequency: fundamental :math:`\Omega` of the U(1)-invariant signals for
            kind 2 (the beat frequency of a winding relative phase, or of a modulation),
            0.0 otherwise, (*batch,).
        path: 0 stable (unsynchronized state, nothing integrated), 1 locked (Newton),
            2 integrated, (*batch,).
        status: 0 ok, 1 not converged, 2 failed, (*batch,).
        reason: text per point (empty when ok), (*batch,).
        growth: largest growth rate at the unsynchronized state, (*batch,).
        t_integrated: simulated time, (*batch,).
        residual: relative change of the order parameter between window halves, (*batch,).
        dt: RK4 step used (0 where nothing was integrated), (*batch,).
        frequency_resolution: spectral bin width :math:`2\pi/(n\,\Delta t_s)` (float).
        signal: :math:`\langle A\rangle_\sigma(t)` over the final window (exact for stable
            and locked points), (*batch, G, n_samples), complex.
        times: sample times since the start of the final window, (n_samples,).
    """

    order_parameter: np.ndarray
    global_order_parameter: np.ndarray
    frequency: np.ndarray
    relative_phase: np.ndarray
    classification: np.ndarray
    phase_coherence: np.ndarray
    kind: np.ndarray
    modulation_frequency: np.ndarray
    populations: np.ndarray
    coherences: np.ndarray
    path: np.ndarray
    status: np.ndarray
    reason: np.ndarray
    growth: np.ndarray
    t_integrated: np.ndarray
    residual: np.ndarray
    dt: np.ndarray
    frequency_resolution: float
    signal: np.ndarray
    times: np.ndarray

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return tuple(self.status.shape)

    def spectrum(self) -> tuple[np.ndarray, np.ndarray]:
        """``(omega, P)``: windowed amplitude spectra of the signal, P (*batch, G, n)."""
        return spectrum(self.signal, float(self.times[1] - self.times[0]))

    def __repr__(self) -> str:
        n = max(self.status.size, 1)
        paths = ", ".join(
            f"{name} {np.count_nonzero(self.path == k) / n:.0%}" for k, name in enumerate(PATHS)
        )
        kinds = ", ".join(
            f"{name} {np.count_nonzero(self.kind == k)}"
            for k, name in enumerate(KINDS)
            if np.any(self.kind == k)
        )
        return (
            f"Attractor(batch_shape={self.batch_shape}, G={self.order_parameter.shape[-1]}, "
            f"classification counts {np.bincount(self.classification.ravel(), minlength=3)}, "
            f"kinds: {kinds}, paths: {paths}, not converged {np.count_nonzero(self.status == 1)}, "
            f"failed {np.count_nonzero(self.status == 2)})"
        )

    def to_dataset(self, coords: dict[str, Any] | None = None) -> Any:
        """An xarray Dataset with dims (*batch dims, group, level, pair, time)."""
        import xarray as xr

        bdims = [f"dim_{i}" for i in range(len(self.batch_shape))]
        if coords:
            bdims = list(coords)[: len(self.batch_shape)]
        G = self.order_parameter.shape[-1]
        data = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name in ("times", "frequency_resolution"):
                continue
            extra = {
                "order_parameter": ["group"],
                "frequency": ["group"],
                "relative_phase": ["group"],
                "populations": ["group", "level"],
                "coherences": ["group", "pair"],
                "signal": ["group", "time"],
            }.get(f.name, [])
            data[f.name] = ([*bdims, *extra], np.asarray(v))
        ds = xr.Dataset(data, coords={"group": np.arange(G), "time": self.times})
        if coords:
            ds = ds.assign_coords({k: v for k, v in coords.items() if k in bdims})
        ds.attrs["frequency_resolution"] = self.frequency_resolution
        ds.attrs["path_names"] = "0 stable, 1 locked (Newton), 2 integrated"
        ds.attrs["kind_names"] = ", ".join(f"{k} {name}" for k, name in enumerate(KINDS))
        ds.attrs["status_names"] = "0 ok, 1 not converged, 2 failed"
        return ds


def _min_pair_coherence(u: np.ndarray, zero: np.ndarray) -> np.ndarray:
    r"""Smallest :math:`|\overline{u_a u_b^*}|` over pairs a < b; u (n, G, T), zero (n, G)."""
    n, G, T = u.shape
    if G == 2:
        c = np.abs(np.mean(u[:, 0] * np.conj(u[:, 1]), -1))
        return np.where(zero[:, 0] | zero[:, 1], 0.0, c)
    out = np.ones(n)
    a, b = np.triu_indices(G, 1)
    step = max(1, 2**22 // (G * G))  # the (step, G, G) coherence matrices stay small
    for s in range(0, n, step):
        sl = slice(s, s + step)
        c = np.abs(u[sl] @ np.conj(np.swapaxes(u[sl], -1, -2))) / T  # (step, G, G)
        c = np.where(zero[sl, :, None] | zero[sl, None, :], 0.0, c)
        out[sl] = np.min(c[:, a, b], -1)
    return out


def _measure_windows(sp: np.ndarray, st: AttractorSettings, u1: bool) -> tuple[np.ndarray, ...]:
    """Measures of integrated windows sp (n, G, T): order parameters, global order parameter,
    dominant frequencies, cross averages with group 0, pair coherence, kind, modulation."""
    G = sp.shape[1]
    a = np.abs(sp)
    omega, P = spectrum(sp, st.sample_dt)
    pc = np.ones(sp.shape[0])
    if G > 1:
        # pairwise coherence |<e^{i(phi_a - phi_b)}>| (classify's definition), 0 where an
        # amplitude vanishes; the phase factors are computed once
        with np.errstate(invalid="ignore", divide="ignore"):
            u = np.where(a > 0, sp / a, 0.0)
        pc = _min_pair_coherence(u, np.any(a == 0, -1))
    kind, mod = window_kind(sp, st.sample_dt, amplitude_threshold=st.amplitude_threshold, u1=u1)
    return (
        a.mean(-1),
        global_order_parameter(sp),
        np.nan_to_num(dominant_frequency(omega, P)),
        np.mean(sp * np.conj(sp[:, :1]), axis=-1),
        pc,
        kind,
        mod,
    )


def measure_attractor(
    raw: RawAttractor, settings: AttractorSettings, *, with_signal: bool = True
) -> Attractor:
    """Synchronization measures of a :class:`RawAttractor` (flat batch (B,)).

    ``with_signal=False`` skips building the (B, G, n_samples) window signal (the field
    ``signal`` is then empty along time): the sweep kernels ask for it only when a time
    series or spectrum is stored.
    """
    st = settings
    B, G = raw.amplitude.shape
    n = st.n_samples
    thr = st.amplitude_threshold
    method, finite = raw.method, raw.finite
    I = np.nonzero(method == METHOD_INTEGRATED)[0]
    E = np.nonzero(method != METHOD_INTEGRATED)[0]  # exact: stable or locked
    op = np.zeros((B, G))
    glob = np.zeros(B)
    w = np.zeros((B, G))
    cross = np.zeros((B, G), dtype=np.complex128)
    pc = np.ones(B)
    kind = np.zeros(B, dtype=np.int8)
    mod = np.zeros(B)
    # the integrated windows, in cache-sized chunks of points (compact: only these points)
    step = max(1, 2**20 // (G * n))
    for s0 in range(0, I.size, step):
        sl = slice(s0, s0 + step)
        ii = I[sl]
        r = _measure_windows(np.where(finite[ii, None, None], raw.samples[sl], 0.0), st, raw.u1)
        op[ii], glob[ii], w[ii], cross[ii], pc[ii], kind[ii], mod[ii] = r
    aE = np.where(finite[E, None], raw.amplitude[E], 0.0)
    op[E] = np.abs(aE)
    glob[E] = np.abs(aE.mean(-1))
    w[E] = np.nan_to_num(raw.omega[E])[:, None]
    cross[E] = aE * np.conj(aE[:, :1])
    synced = op >= thr
    # classify (measures.order): 2 all synchronized and every pair phase-locked (exact
    # windows are locked), 1 some synchronized, 0 none
    locked = pc >= st.lock_threshold
    cls = np.where(np.all(synced, -1) & locked, 2, np.where(np.any(synced, -1), 1, 0))
    cls = cls.astype(np.int8)
    w = np.where(synced, w, 0.0)
    relph = np.where(synced & synced[:, :1], np.angle(cross), 0.0)
    kind[E] = np.where(np.any(synced[E], -1) & raw.u1, KIND_RELATIVE_EQUILIBRIUM, KIND_FIXED_POINT)
    if with_signal:
        signal = np.zeros((B, G, n), dtype=np.complex128)
        signal[I] = raw.samples
        signal[E] = aE[:, :, None] * np.exp(
            1j * np.nan_to_num(raw.omega[E])[:, None, None] * st.times()
        )
    else:
        signal = np.zeros((B, G, 0), dtype=np.complex128)
    status = np.full(B, STATUS_OK, dtype=np.int8)
    reason = np.full(B, "", dtype=object)
    nc = finite & (raw.residual > st.convergence_rtol)
    status[nc] = STATUS_NOT_CONVERGED
    reason[nc] = [
        f"order parameter changed by a relative {r:.2g} between window halves at t_max "
        f"(tolerance {st.convergence_rtol:g})"
        for r in raw.residual[nc]
    ]
    status[~finite] = STATUS_FAILED
    reason[~finite] = "non-finite values in the time integration"
    nan = ~finite
    d = round((np.sqrt(8 * raw.magnitudes.shape[-1] + 1) - 1) / 2)  # d + d(d-1)/2 = d(d+1)/2

    def bad(x: np.ndarray) -> np.ndarray:
        if x.dtype.kind in "fc":
            return np.where(nan.reshape((B,) + (1,) * (x.ndim - 1)), np.nan, x)
        return x

    return Attractor(
        order_parameter=bad(op),
        global_order_parameter=bad(glob),
        frequency=bad(w),
        relative_phase=bad(relph),
        classification=cls,
        phase_coherence=bad(pc),
        kind=kind,
        modulation_frequency=bad(mod),
        populations=bad(raw.magnitudes[..., :d]),
        coherences=bad(raw.magnitudes[..., d:]),
        path=raw.method.astype(np.int8),
        status=status,
        reason=reason.astype(str),
        growth=raw.growth,
        t_integrated=raw.t_integrated,
        residual=raw.residual,
        dt=raw.dt,
        frequency_resolution=frequency_resolution(n, st.sample_dt),
        signal=bad(signal),
        times=st.times() if with_signal else np.zeros(0),
    )


def attractor(
    model: Network, *, settings: AttractorSettings | None = None, **options: Any
) -> Attractor:
    """The long-time state of every point of a network and its synchronization measures.

    Args:
        model: the network (any oscillator, any batch shape).
        settings: numerical settings; or give them as keywords (``t_max=...``).
        **options: fields of :class:`~qsynchro.solvers.attractor.AttractorSettings`.

    Returns:
        :class:`Attractor` with the model's batch shape.
    """
    if not isinstance(model, Network):
        raise TypeError(
            f"attractor() takes a Network (mean-field groups of any oscillator), but got "
            f"{type(model).__name__}."
        )
    if settings is not None and options:
        raise TypeError("Give either `settings` or keyword options to attractor(), not both.")
    if settings is None:
        valid = {f.name for f in dataclasses.fields(AttractorSettings)}
        unknown = sorted(set(options) - valid)
        if unknown:
            raise ValueError(f"Unknown setting(s) {unknown}; valid settings are {sorted(valid)}.")
        settings = AttractorSettings(**options)
    raw = find_attractor(model, settings)
    flat = measure_attractor(raw, settings)
    shape = model.batch_shape
    return dataclasses.replace(
        flat,
        **{
            f.name: np.reshape(getattr(flat, f.name), (*shape, *getattr(flat, f.name).shape[1:]))
            for f in dataclasses.fields(flat)
            if f.name not in ("frequency_resolution", "times")
        },
    )
