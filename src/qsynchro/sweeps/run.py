"""Run a :class:`~qsynchro.sweeps.grid.Sweep`: chunks -> batched kernel calls -> Dataset.

The engine knows no physics and writes no files itself: persistence is
delegated to a *sink* (see :class:`ChunkSink`; the NetCDF directory store in
:mod:`qsynchro.outputs.store` implements it), which keeps the rooms in line.

One code path for every executor: a chunk is computed by :func:`compute_chunk`,
a plain module-level function of the sweep declaration (a dict) and the chunk
bounds. In process the engine calls it in a loop; on Dask
(:mod:`qsynchro.sweeps.dask`) every worker runs the very same function, looks
the kernel up by name, and results stream back as chunks complete.

Chunk plan. The grid is numbered in C order (see :mod:`~qsynchro.sweeps.grid`)
and cut into chunks of ``chunk_size`` points; every call has the same batch
size (the last chunk is padded with copies of its last point), so a jitted
kernel compiles once per process. The chunk size is chosen by
:func:`choose_chunk_size` from the device (CPU or GPU), its free memory and the
kernel's optional ``bytes_per_point``, unless the sweep declares one; a store
remembers the size it was started with, so a resumed sweep keeps its plan.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
import math
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Protocol

import numpy as np
import xarray as xr

from qsynchro.sweeps.grid import Sweep
from qsynchro.sweeps.kernel import (
    STATUS_FAILED,
    STATUS_NAMES,
    STATUS_NOT_CONVERGED,
    STATUS_OK,
    STATUS_PENDING,
    ChunkResult,
    Kernel,
    get_kernel,
    kernel_module,
)

__all__ = [
    "ChunkSink",
    "assemble",
    "choose_chunk_size",
    "compute_chunk",
    "device_info",
    "prepare_sweep",
    "resolve_settings",
    "run_sweep",
    "validate_sweep",
]

#: assumed peak bytes per point when a kernel does not define ``bytes_per_point``
DEFAULT_BYTES_PER_POINT = 256 * 1024


class ChunkSink(Protocol):
    """Where finished chunks go (and come back from, on resume)."""

    def plan(self, chunk_size: int) -> int:
        """Return the chunk size to use: the stored one on resume, else record ``chunk_size``."""
        ...

    def done(self) -> set[int]: ...

    def load(self, index: int) -> ChunkResult: ...

    def save(self, index: int, start: int, stop: int, result: ChunkResult) -> None: ...


def _version() -> str:
    try:
        return importlib.metadata.version("qsynchro")
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


# ---------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------
def _coerce(field: dataclasses.Field, value: Any) -> Any:
    """TOML writes ``2000`` for a float setting: make it ``2000.0`` (stable fingerprint);
    arrays become tuples (hashable, as jitted kernels need for static settings)."""
    kind = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "")
    if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, list):  # JSON/TOML arrays: frozen settings hold (hashable) tuples
        return tuple(value)
    return value


def resolve_settings(kernel: Kernel, settings: Any) -> Any:
    """Turn ``None`` / a mapping / an instance into the kernel's settings dataclass."""
    if settings is None:
        return kernel.settings_type()
    if isinstance(settings, kernel.settings_type):
        return settings
    if isinstance(settings, Mapping):
        fields = {f.name: f for f in dataclasses.fields(kernel.settings_type)}
        unknown = sorted(set(settings) - set(fields))
        if unknown:
            raise ValueError(
                f"Unknown setting(s) {unknown} for kernel `{kernel.name}`; "
                f"valid settings are {sorted(fields)}."
            )
        kwargs = {k: _coerce(fields[k], v) for k, v in settings.items()}
        return kernel.settings_type(**kwargs)
    raise TypeError(
        f"Argument `settings` must be None, a mapping or a {kernel.settings_type.__name__}, "
        f"but got {type(settings).__name__}."
    )


def validate_sweep(sweep: Sweep) -> tuple[Kernel, Any]:
    """Check names, measures and parameter values of every point, before computing."""
    if not isinstance(sweep, Sweep):
        raise TypeError(f"Argument `sweep` must be a Sweep, but got {type(sweep).__name__}.")
    kernel = get_kernel(sweep.kernel)
    valid = sorted(kernel.defaults)
    for name in [*sweep.dims, *sweep.fixed]:
        if name not in kernel.defaults:
            raise ValueError(
                f"Unknown parameter {name!r} for kernel `{kernel.name}`; valid parameters are "
                f"{valid}."
            )
    for m in sweep.measures:
        if m not in kernel.measures:
            raise ValueError(
                f"Unknown measure {m!r} for kernel `{kernel.name}`; valid measures are "
                f"{sorted(kernel.measures)}."
            )
    settings = resolve_settings(kernel, sweep.settings)
    block = 1 << 20  # validate every point, in blocks so that memory stays bounded
    for start in range(0, sweep.size, block):
        params = sweep.param_grid(kernel.defaults, start, start + block)
        kernel.validate(params, sweep.measures, settings)
    return kernel, settings


def prepare_sweep(sweep: Sweep) -> tuple[Sweep, Kernel, Any]:
    """Validate ``sweep`` and return its canonical form, its kernel and its settings.

    The canonical sweep spells out everything that determines the result: every
    kernel parameter that is not an axis appears in ``fixed`` (defaults
    included), and ``settings`` is the full settings dataclass. Its
    :meth:`~Sweep.fingerprint` therefore identifies the computation, and its
    declaration is the provenance stored with the Dataset.
    """
    kernel, settings = validate_sweep(sweep)
    fixed = {k: float(v) for k, v in kernel.defaults.items() if k not in sweep.dims}
    fixed.update(sweep.fixed)
    canon = dataclasses.replace(sweep, fixed=fixed, settings=settings)
    return canon, kernel, settings


# ---------------------------------------------------------------------------------------
# chunk sizes
# ---------------------------------------------------------------------------------------
def _host_memory() -> int:
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except ImportError:  # pragma: no cover - psutil comes with dask distributed
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))


def device_info() -> dict[str, Any]:
    """Platform (``"cpu"``, ``"gpu"``, ...) and free memory in bytes of JAX's first device.

    On an accelerator the free memory is ``bytes_limit - bytes_in_use`` from the
    device's allocator statistics; on CPU it is the host's available memory.
    """
    import jax

    dev = jax.devices()[0]
    memory = None
    if dev.platform != "cpu":
        try:
            stats = dev.memory_stats() or {}
            memory = int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0))
        except (KeyError, TypeError, AttributeError, RuntimeError):  # pragma: no cover
            memory = None
    if memory is None:
        memory = _host_memory()
    return {"platform": dev.platform, "memory": int(memory)}


def choose_chunk_size(
    sweep: Sweep, kernel: Kernel, settings: Any, devices: Iterable[Mapping[str, Any]] | None = None
) -> int:
    """Points per chunk, adapted to the device(s) that will compute them.

    ``devices`` holds one :func:`device_info` per worker (default: this process).
    The policy, in order:

    * memory: a chunk may use a quarter of the smallest free memory on CPU and
      half of it on a GPU, at ``kernel.bytes_per_point(measures, settings)``
      bytes per point (default :data:`DEFAULT_BYTES_PER_POINT`);
    * hard caps: at most 4096 points on CPU (large enough that per-call overhead
      is negligible, small enough for a live progress bar and cheap resumes), at
      most 65536 on GPU (which needs wide batches to be busy);
    * work spread: on CPU at least ``max(8, 4 * workers)`` chunks, on GPU at
      least ``2 * workers``, but never chunks smaller than 64 (CPU) or 1024 (GPU)
      points unless the whole sweep is smaller.
    """
    devs = list(devices) if devices is not None else [device_info()]
    if not devs:
        devs = [device_info()]
    gpu = all(d.get("platform", "cpu") != "cpu" for d in devs)
    memory = min(int(d.get("memory", _host_memory())) for d in devs)
    bpp_fn = getattr(kernel, "bytes_per_point", None)
    settings_fn = getattr(settings, "bytes_per_point", None)
    if callable(bpp_fn):
        bpp = int(bpp_fn(sweep.measures, settings))
    elif callable(settings_fn):  # also accepted: a method of the settings object
        bpp = int(settings_fn())
    else:
        bpp = DEFAULT_BYTES_PER_POINT
    bpp = max(bpp, 1)
    mem_cap = max(1, int((0.5 if gpu else 0.25) * memory) // bpp)
    hard_cap, floor = (65536, 1024) if gpu else (4096, 64)
    n_chunks = 2 * len(devs) if gpu else max(8, 4 * len(devs))
    spread = max(floor, math.ceil(sweep.size / n_chunks))
    return max(1, min(sweep.size, hard_cap, mem_cap, spread))


# ---------------------------------------------------------------------------------------
# computing one chunk (same function in process and on every Dask worker)
# ---------------------------------------------------------------------------------------
_PREPARED: dict[str, tuple[Sweep, Kernel, Any]] = {}


def _prepared(decl: Mapping[str, Any], module: str | None) -> tuple[Sweep, Kernel, Any]:
    key = json.dumps(decl, sort_keys=True, default=str)
    if key not in _PREPARED:
        sweep = Sweep.from_dict(decl)
        kernel = get_kernel(sweep.kernel, module=module)
        settings = resolve_settings(kernel, sweep.settings)
        if len(_PREPARED) > 16:
            _PREPARED.clear()
        _PREPARED[key] = (sweep, kernel, settings)
    return _PREPARED[key]


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ").strip()
    return text if len(text) <= 300 else text[:297] + "..."


def _trailing_shapes(
    kernel: Kernel, measures: tuple[str, ...], settings: Any
) -> dict[str, tuple[int, ...] | None]:
    coords = kernel.coords(measures, settings)
    out: dict[str, tuple[int, ...] | None] = {}
    for m in measures:
        dims = kernel.measures[m]
        out[m] = tuple(len(coords[d]) for d in dims) if all(d in coords for d in dims) else None
    return out


def _failed_chunk(n: int, shapes: Mapping[str, tuple[int, ...] | None], reason: str) -> ChunkResult:
    if any(s is None for s in shapes.values()):
        raise RuntimeError(
            f"A whole chunk failed ({reason}) and the kernel does not give coordinates for "
            "every trailing dimension, so its NaN placeholders cannot be shaped."
        )
    values = {m: np.full((n, *s), np.nan) for m, s in shapes.items()}  # type: ignore[misc]
    return ChunkResult(
        values=values,
        status=np.full(n, STATUS_FAILED, np.int8),
        reason=np.full(n, reason, dtype=object).astype(str),
    )


def _sanitize(
    res: Any,
    n: int,
    batch: int,
    measures: tuple[str, ...],
    shapes: Mapping[str, tuple[int, ...] | None],
    kernel_name: str,
) -> ChunkResult:
    """Check a kernel's output, drop padding, and apply the status rules (module doc)."""
    if not isinstance(res, ChunkResult):
        return _failed_chunk(
            n, shapes, f"kernel `{kernel_name}` returned {type(res).__name__}, not a ChunkResult"
        )
    status = np.asarray(res.status)
    if status.shape != (batch,):
        return _failed_chunk(
            n,
            shapes,
            f"kernel `{kernel_name}` returned status of shape {status.shape}, expected {(batch,)}",
        )
    status = status[:n].astype(np.int8)
    reason = np.asarray(res.reason)
    reason = reason.reshape(-1) if reason.dtype.kind == "U" else reason.astype(object).reshape(-1)
    if reason.shape != (batch,):
        return _failed_chunk(
            n,
            shapes,
            f"kernel `{kernel_name}` returned reason of shape {reason.shape}, expected {(batch,)}",
        )
    if reason.dtype.kind == "U":
        reason = reason[:n].astype(object)
    else:
        reason = np.array(["" if r is None else str(r) for r in reason[:n]], dtype=object)
    values: dict[str, np.ndarray] = {}
    for m in measures:
        if m not in res.values:
            return _failed_chunk(n, shapes, f"kernel `{kernel_name}` did not return measure {m!r}")
        v = np.asarray(res.values[m])
        want = shapes[m]
        if v.shape[:1] != (batch,) or (want is not None and v.shape[1:] != want):
            exp = (batch, *want) if want is not None else (batch, "...")
            return _failed_chunk(
                n,
                shapes,
                f"kernel `{kernel_name}` returned {m!r} of shape {v.shape}, expected {exp}",
            )
        values[m] = np.array(v[:n])
    bad_status = (status < STATUS_OK) | (status > STATUS_FAILED)
    reason[bad_status] = [f"invalid status code {int(s)}" for s in status[bad_status]]
    status[bad_status] = STATUS_FAILED
    for m in measures:
        v = values[m]
        if v.dtype.kind in "fc":
            nan = np.isnan(v).reshape(n, -1).any(axis=1) if v.size else np.zeros(n, bool)
            flip = nan & (status == STATUS_OK)
            status[flip] = STATUS_FAILED
            reason[flip] = f"NaN result ({m})"
    for code in (STATUS_NOT_CONVERGED, STATUS_FAILED):
        empty = (status == code) & (reason == "")
        reason[empty] = STATUS_NAMES[code]
    failed = status == STATUS_FAILED
    if failed.any():
        for m in measures:
            if values[m].dtype.kind in "fc":
                values[m][failed] = np.nan
            elif values[m].dtype.kind in "iub":
                values[m] = values[m].astype(np.float64)
                values[m][failed] = np.nan
    diags: dict[str, np.ndarray] = {}
    for k, v in dict(res.diagnostics or {}).items():
        v = np.asarray(v)
        if v.shape[:1] == (batch,):
            diags[str(k)] = np.array(v[:n])
    return ChunkResult(values=values, status=status, reason=reason.astype(str), diagnostics=diags)


def compute_chunk(
    decl: Mapping[str, Any], module: str | None, start: int, stop: int, batch: int | None = None
) -> ChunkResult:
    """Compute points ``start .. stop-1`` of the sweep declared by ``decl``.

    This is the one chunk function of every executor. ``decl`` is
    :meth:`Sweep.to_dict` of a canonical sweep (see :func:`prepare_sweep`);
    ``module`` is imported if the kernel is not registered in this process;
    ``batch`` (>= ``stop - start``) pads the call to a fixed batch size. The
    kernel runs in float64 (:func:`qsynchro._jax.x64`). It never raises for a
    failing point or a failing chunk: see the module docstring of
    :mod:`qsynchro.sweeps.kernel` for the status rules.
    """
    from qsynchro._jax import x64

    sweep, kernel, settings = _prepared(decl, module)
    n = stop - start
    batch = max(n, batch or n)
    params = sweep.param_grid(kernel.defaults, start, stop)
    if batch > n:
        idx = np.minimum(np.arange(batch), n - 1)
        params = {k: v[idx] for k, v in params.items()}
    shapes = _trailing_shapes(kernel, sweep.measures, settings)
    try:
        with x64():
            res = kernel(params, sweep.measures, settings)
    except Exception as exc:  # a kernel bug or a whole-chunk failure: record, never abort
        return _failed_chunk(n, shapes, _one_line(exc))
    return _sanitize(res, n, batch, sweep.measures, shapes, kernel.name)


# ---------------------------------------------------------------------------------------
# assembling
# ---------------------------------------------------------------------------------------
def assemble(
    sweep: Sweep,
    kernel: Kernel,
    settings: Any,
    parts: Mapping[int, tuple[int, int, ChunkResult]],
    *,
    partial: bool = False,
) -> xr.Dataset:
    """Stitch chunk results into a Dataset with the axes as dimensions.

    ``parts`` maps chunk index to ``(start, stop, result)``. With ``partial``,
    points of missing chunks get status ``pending`` and NaN values (used to
    look at an unfinished sweep); otherwise every point must be covered.
    """
    size, shape = sweep.size, sweep.shape
    order = sorted(parts)
    covered = sum(parts[i][1] - parts[i][0] for i in order)
    if covered != size and not partial:
        raise RuntimeError(f"Chunks cover {covered} of {size} points; the sweep is incomplete.")
    coords: dict[str, Any] = {a.name: a.values for a in sweep.axes}
    coords.update(kernel.coords(sweep.measures, settings))
    shapes = _trailing_shapes(kernel, sweep.measures, settings)

    def _filled(name: str, get: Any, trailing: tuple[int, ...] | None) -> np.ndarray:
        arrays = [np.asarray(get(parts[i][2])) for i in order]
        arrays = [a for a in arrays if a is not None and a.ndim >= 1]
        if arrays:
            trailing = arrays[0].shape[1:]
            dtype = np.result_type(*arrays, np.float64)
        else:
            if trailing is None:
                raise RuntimeError(f"No chunk holds {name!r} yet; its shape is unknown.")
            dtype = np.dtype(np.float64)
        out = np.full((size, *trailing), np.nan, dtype=dtype)
        for i in order:
            start, stop, res = parts[i]
            a = get(res)
            if a is not None:
                out[start:stop] = a
        return out.reshape(shape + tuple(trailing))

    data_vars: dict[str, Any] = {}
    for m in sweep.measures:
        data_vars[m] = (
            (*sweep.dims, *kernel.measures[m]),
            _filled(m, lambda r, m=m: r.values[m], shapes[m]),
        )
    status = np.full(size, STATUS_PENDING, np.int8)
    reason = np.full(size, "not computed", dtype=object)
    for i in order:
        start, stop, res = parts[i]
        status[start:stop] = np.asarray(res.status, dtype=np.int8)
        reason[start:stop] = np.asarray(res.reason, dtype=object)
    data_vars["status"] = (
        sweep.dims,
        status.reshape(shape),
        {
            "flag_values": list(STATUS_NAMES),
            "flag_meanings": " ".join(v.replace(" ", "_") for v in STATUS_NAMES.values()),
            "long_name": "per-point status (see status_reason)",
        },
    )
    data_vars["status_reason"] = (sweep.dims, np.array(reason.tolist(), dtype=str).reshape(shape))
    diag_names = sorted(set().union(*(parts[i][2].diagnostics.keys() for i in order)))
    for d in diag_names:
        data_vars[d] = (sweep.dims, _filled(d, lambda r, d=d: r.diagnostics.get(d), ()))
    ds = xr.Dataset(data_vars, coords=coords)
    counts = {name: int(np.sum(status == code)) for code, name in STATUS_NAMES.items()}
    ds.attrs.update(
        {
            "qsynchro_version": _version(),
            "kernel": sweep.kernel,
            "measures": json.dumps(list(sweep.measures)),
            "sweep": sweep.to_json(),
            "sweep_fingerprint": sweep.fingerprint(),
            "fixed_parameters": json.dumps(dict(sweep.fixed), sort_keys=True),
            "settings": json.dumps(sweep.to_dict()["settings"], sort_keys=True, default=str),
            "settings_type": type(settings).__name__,
            "n_ok": counts["ok"],
            "n_not_converged": counts["not converged"],
            "n_failed": counts["failed"],
        }
    )
    if partial:
        ds.attrs["n_pending"] = counts["pending"]
    return ds


# ---------------------------------------------------------------------------------------
# running
# ---------------------------------------------------------------------------------------
def default_chunk_size(sweep: Sweep) -> int:
    """Chunk size without looking at the device (kept for backward compatibility)."""
    return sweep.chunk_size or min(sweep.size, 4096)


def _in_process(
    decl: Mapping[str, Any], module: str | None, tasks: list[tuple[int, int, int]], batch: int
) -> Iterator[tuple[int, ChunkResult]]:
    for i, start, stop in tasks:
        yield i, compute_chunk(decl, module, start, stop, batch)


def run_sweep(
    sweep: Sweep,
    *,
    sink: ChunkSink | None = None,
    progress: bool = True,
    description: str | None = None,
    client: Any = None,
    chunk_size: int | None = None,
) -> xr.Dataset:
    """Compute every point of ``sweep`` and return the Dataset.

    Args:
        sweep: the declaration (validated here, before anything is computed).
        sink: chunk store; chunks it already holds are loaded, not recomputed,
            and each new chunk is handed to it as soon as it is done.
        progress: show a tqdm bar (points done, points/s, ETA, chunks done).
        description: label of the progress bar.
        client: a ``distributed.Client``; chunks then run on its workers
            (see :mod:`qsynchro.sweeps.dask`). ``None`` computes in process.
        chunk_size: overrides ``sweep.chunk_size`` and the automatic choice
            (a sink that already holds chunks keeps its own size).
    """
    sweep, kernel, settings = prepare_sweep(sweep)
    size = chunk_size or sweep.chunk_size
    if size is None:
        devices = None
        if client is not None:
            from qsynchro.sweeps.dask import worker_devices

            devices = worker_devices(client)
        size = choose_chunk_size(sweep, kernel, settings, devices)
    if sink is not None:
        size = sink.plan(int(size))
    size = max(1, min(int(size), sweep.size))
    sweep = dataclasses.replace(sweep, chunk_size=size)  # provenance: the plan actually used
    plan = sweep.chunks(size)
    parts: dict[int, tuple[int, int, ChunkResult]] = {}
    done = sink.done() if sink is not None else set()
    tasks: list[tuple[int, int, int]] = []
    for i, (start, stop) in enumerate(plan):
        if i in done:
            try:
                res = sink.load(i)  # type: ignore[union-attr]
                if np.asarray(res.status).shape == (stop - start,):
                    parts[i] = (start, stop, res)
                    continue
            except Exception:  # unreadable chunk file: recompute it
                pass
        tasks.append((i, start, stop))
    decl = sweep.to_dict()
    module = kernel_module(sweep.kernel)
    from tqdm.auto import tqdm

    bar = tqdm(
        total=sweep.size,
        initial=sum(b - a for a, b, _ in parts.values()),
        disable=not progress,
        unit="pt",
        unit_scale=sweep.size >= 10_000,
        dynamic_ncols=True,
        desc=description or f"sweep[{sweep.kernel}]",
        leave=False,
    )
    bar.set_postfix_str(f"chunks {len(parts)}/{len(plan)}", refresh=False)
    if client is None:
        stream = _in_process(decl, module, tasks, size)
    else:
        from qsynchro.sweeps.dask import dask_chunks

        shapes = _trailing_shapes(kernel, sweep.measures, settings)
        stream = dask_chunks(
            client,
            decl,
            module,
            tasks,
            size,
            on_crash=lambda a, b, why: _failed_chunk(b - a, shapes, why),
        )
    bounds = {i: (a, b) for i, a, b in tasks}
    try:
        for i, res in stream:
            start, stop = bounds[i]
            if sink is not None:
                sink.save(i, start, stop, res)
            parts[i] = (start, stop, res)
            bar.update(stop - start)
            bar.set_postfix_str(f"chunks {len(parts)}/{len(plan)}")
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
        bar.close()
    return assemble(sweep, kernel, settings, parts)
