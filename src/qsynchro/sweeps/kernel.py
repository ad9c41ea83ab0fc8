"""The contract between the sweep engine and the physics: a *kernel*.

A kernel evaluates a batch of parameter points in one call. The sweep engine
(:mod:`qsynchro.sweeps.run`) only cuts the grid into chunks, calls the kernel
on each chunk, and stores what it returns; it knows no physics. Each model has
one kernel module (``sweeps/network.py`` for the mean-field spin-1 network,
``sweeps/maser.py`` for the degenerate maser), and the paper figures are sweeps
over these kernels, so there is a single code path.

Kernel contract
---------------
* ``name``: registry key used in sweep declarations (``"network"``, ``"maser"``).
* ``defaults``: every sweepable parameter name mapped to its default value.
  Axis names and ``fixed`` entries of a :class:`~qsynchro.sweeps.grid.Sweep` must
  be keys of this mapping (an unknown name is an error listing the valid ones).
* ``settings_type``: a frozen dataclass with the kernel's numerical settings
  (integration times, tolerances ...), built from keyword arguments/TOML.
* ``measures``: mapping from measure name to its trailing dimension names
  (``()`` for a scalar per point, e.g. ``("omega",)`` for a spectrum).
* ``coords(measures, settings)``: coordinates of those trailing dimensions.
* ``validate(params, measures, settings)``: raise ``ValueError`` with a
  one-sentence message on bad input, *before* any compilation.
* ``__call__(params, measures, settings) -> ChunkResult``: ``params`` maps
  every parameter name to a float64 array of shape ``(B,)``. The result holds
  one array per measure of shape ``(B, *trailing)``, and a per-point status.
  A point that fails never raises: it gets ``STATUS_FAILED`` (or
  ``STATUS_NOT_CONVERGED``) and a reason, and its values are NaN.
* optional ``bytes_per_point(measures, settings) -> int``: peak memory one point
  needs inside ``__call__`` (all intermediates). The engine uses it to size
  chunks to the device memory (a ``settings.bytes_per_point()`` method is also
  accepted); without either a conservative default (256 KiB) is assumed.

What the engine guarantees around a kernel call (so kernels stay simple):

* the call runs inside :func:`qsynchro._jax.x64` (float64 on every worker);
* every chunk of a sweep has the same batch size ``B`` (the last chunk is padded
  by repeating its last point, and the padding is dropped), so a jitted kernel
  compiles once per sweep and process;
* an exception escaping the kernel marks every point of that chunk failed with
  the exception message (the sweep goes on);
* a NaN in a measure of a point whose status is ok flips it to failed with the
  reason ``"NaN result (<measure>)"``; values of failed points are set to NaN;
  an empty reason of a non-ok point is replaced by the status name;
* kernels are looked up by name in each worker process: :func:`register_kernel`
  records the module that registered it, and a worker imports that module.
  Kernel instances are cached per process (jit caches survive across chunks).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

__all__ = [
    "STATUS_FAILED",
    "STATUS_NAMES",
    "STATUS_NOT_CONVERGED",
    "STATUS_OK",
    "STATUS_PENDING",
    "ChunkResult",
    "Kernel",
    "get_kernel",
    "kernel_module",
    "kernel_names",
    "register_kernel",
]

STATUS_OK = 0
STATUS_NOT_CONVERGED = 1
STATUS_FAILED = 2
#: only in partial Datasets assembled from an unfinished store (never from a kernel)
STATUS_PENDING = 3
STATUS_NAMES = {
    STATUS_OK: "ok",
    STATUS_NOT_CONVERGED: "not converged",
    STATUS_FAILED: "failed",
    STATUS_PENDING: "pending",
}


@dataclass(frozen=True)
class ChunkResult:
    """What a kernel returns for a batch of ``B`` points.

    Attributes:
        values: measure name -> array of shape ``(B, *trailing_dims)``.
        status: int8 array of shape ``(B,)`` with ``STATUS_*`` codes.
        reason: array of ``str`` of shape ``(B,)``; empty where status is ok.
        diagnostics: optional extra per-point arrays of shape ``(B,)``
            (e.g. ``residual``, ``t_converged``) stored next to the measures.
    """

    values: Mapping[str, np.ndarray]
    status: np.ndarray
    reason: np.ndarray
    diagnostics: Mapping[str, np.ndarray] = field(default_factory=dict)


@runtime_checkable
class Kernel(Protocol):
    name: str
    defaults: Mapping[str, float]
    settings_type: type
    measures: Mapping[str, tuple[str, ...]]

    def coords(self, measures: tuple[str, ...], settings: Any) -> dict[str, np.ndarray]: ...

    def validate(
        self, params: Mapping[str, np.ndarray], measures: tuple[str, ...], settings: Any
    ) -> None: ...

    def __call__(
        self, params: Mapping[str, np.ndarray], measures: tuple[str, ...], settings: Any
    ) -> ChunkResult: ...


_REGISTRY: dict[str, Callable[[], Kernel]] = {}
_MODULES: dict[str, str] = {}
_INSTANCES: dict[str, Kernel] = {}


def register_kernel(name: str, factory: Callable[[], Kernel], module: str | None = None) -> None:
    """Register a kernel factory under ``name`` (called lazily on first use).

    ``module`` (default: the factory's ``__module__``) is imported by a Dask
    worker that does not know ``name`` yet, so that the kernel registers there too.
    """
    _REGISTRY[name] = factory
    _MODULES[name] = module or getattr(factory, "__module__", None) or ""
    _INSTANCES.pop(name, None)


def _load_builtin() -> None:
    # Import the built-in kernel modules so that they register themselves.
    import importlib

    for mod in (
        "qsynchro.sweeps.network",
        "qsynchro.sweeps.groups",
        "qsynchro.sweeps.maser",
        "qsynchro.sweeps.driven",
        "qsynchro.sweeps.disordered",
    ):
        importlib.import_module(mod)


def kernel_names() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def kernel_module(name: str) -> str | None:
    """The module that registered kernel ``name`` (imported on workers), or ``None``."""
    return _MODULES.get(name) or None


def get_kernel(name: str, module: str | None = None) -> Kernel:
    """Return the kernel registered as ``name``; an unknown name lists the valid ones.

    If ``name`` is unknown and ``module`` is given, that module is imported first
    (this is how a Dask worker finds a user kernel). Instances are cached.
    """
    if name in _INSTANCES:
        return _INSTANCES[name]
    if name not in _REGISTRY and module:
        import importlib

        importlib.import_module(module)
    if name not in _REGISTRY:
        _load_builtin()
    if name not in _REGISTRY:
        valid = ", ".join(repr(k) for k in sorted(_REGISTRY))
        raise ValueError(f"Argument `kernel` must be one of {valid}, but got {name!r}.")
    inst = _REGISTRY[name]()
    _INSTANCES[name] = inst
    return inst
