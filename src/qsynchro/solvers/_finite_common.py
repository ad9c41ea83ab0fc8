"""Input checks shared by the finite-N solvers (exact and cumulant)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from qsynchro._checks import check_density_matrix, check_finite
from qsynchro.models.ensemble import Ensemble

__all__ = ["Observables", "check_ensemble", "check_times", "initial_rhos", "level_charges"]


class Observables(Mapping):
    """Named result arrays of the finite-N solvers, e.g. ``res.s_plus`` or ``res["s_plus"]``.

    A read-only mapping (so ``dict(res)`` and key access work) with attribute access and a
    short repr listing the names and shapes.
    """

    __slots__ = ("_data", "_kind")

    def __init__(self, kind: str, data: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_kind", kind)
        object.__setattr__(self, "_data", dict(data))

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __getattr__(self, name: str) -> Any:
        try:
            return object.__getattribute__(self, "_data")[name]
        except KeyError:
            raise AttributeError(
                f"{object.__getattribute__(self, '_kind')} has no field {name!r}; its fields are "
                f"{sorted(object.__getattribute__(self, '_data'))}."
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{self._kind} is read-only.")

    def with_fields(self, **more: Any) -> Observables:
        """A copy with more fields."""
        return Observables(self._kind, {**self._data, **more})

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}{tuple(np.shape(v))}" for k, v in self._data.items())
        return f"{self._kind}({parts})"


def check_ensemble(ens: Any) -> Ensemble:
    if not isinstance(ens, Ensemble):
        raise TypeError(f"Argument `ens` must be an Ensemble, but got {type(ens).__name__}.")
    return ens


def check_times(times: ArrayLike) -> np.ndarray:
    """A uniform, increasing time grid starting at t >= 0, shape (T,)."""
    t = np.asarray(check_finite("times", times), dtype=np.float64)
    if t.ndim != 1 or t.size < 1:
        raise ValueError(
            f"Argument `times` must be a non-empty 1-D array, but got shape {t.shape}."
        )
    if t[0] < 0:
        raise ValueError(f"Argument `times` must start at t >= 0, but got {t[0]!r}.")
    if t.size > 1:
        dt = np.diff(t)
        if np.any(dt <= 0) or np.max(np.abs(dt - dt[0])) > 1e-9 * max(1.0, abs(t[-1])):
            raise ValueError(
                "Argument `times` must be uniformly spaced and increasing (e.g. np.linspace), "
                "but got a non-uniform grid."
            )
    return t


def initial_rhos(ens: Ensemble, rho0: ArrayLike) -> list[np.ndarray]:
    """One single-site density matrix (d, d) per group from (d, d) or (G, d, d)."""
    d = ens.dim
    r = np.asarray(rho0)
    if r.shape == (d, d):
        r = np.broadcast_to(r, (ens.G, d, d))
    if r.shape != (ens.G, d, d):
        raise ValueError(
            f"Argument `rho0` must have shape ({d}, {d}) or ({ens.G}, {d}, {d}), but got {r.shape}."
        )
    return [check_density_matrix("rho0", r[g]) for g in range(ens.G)]


def level_charges(ens: Ensemble) -> np.ndarray:
    """Integer U(1) charge per level, shape (d,); all zero without the symmetry."""
    q = ens.level_charges
    return np.zeros(ens.dim, dtype=np.int64) if q is None else np.asarray(q, dtype=np.int64)
