"""Argument validation with one uniform message style.

Rule for every message: a full sentence that names the argument in backticks,
states the allowed range, and shows the value that was received, e.g.

    Argument `gamma_plus` must be non-negative, but got -0.1.

Every public entry point validates its inputs with these helpers *before* any
JAX tracing or compilation, so bad input never produces a deep traceback or
silent NaNs. All failures raise ``ValueError`` (or ``TypeError`` for a wrong
kind of object); the single custom exception of the package is
:class:`ConvergenceError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "ConvergenceError",
    "check_choice",
    "check_density_matrix",
    "check_finite",
    "check_int",
    "check_nonnegative",
    "check_positive",
    "check_square",
    "reject_parameters",
    "unsupported_model",
]


class ConvergenceError(RuntimeError):
    """A numerical method did not reach its requested tolerance."""


def _fmt(value: Any) -> str:
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            return np.array2string(value, precision=6, separator=", ")
        return f"an array of shape {value.shape}"
    if isinstance(value, np.generic):  # show 2.0, not np.float64(2.0)
        return repr(value.item())
    return repr(value)


def check_finite(name: str, value: Any) -> np.ndarray:
    """Return ``value`` as a float/complex array, requiring every entry finite."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"Argument `{name}` must be numeric, but got {_fmt(value)}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(
            f"Argument `{name}` must be finite (no NaN or inf), but got {_fmt(value)}."
        )
    return arr


def check_nonnegative(name: str, value: Any) -> np.ndarray:
    """Require finite, real and >= 0 (elementwise)."""
    arr = check_finite(name, value)
    if arr.dtype.kind == "c":
        raise TypeError(f"Argument `{name}` must be real, but got {_fmt(value)}.")
    if np.any(arr < 0):
        raise ValueError(f"Argument `{name}` must be non-negative, but got {_fmt(value)}.")
    return arr


def check_positive(name: str, value: Any) -> np.ndarray:
    """Require finite, real and > 0 (elementwise)."""
    arr = check_finite(name, value)
    if arr.dtype.kind == "c":
        raise TypeError(f"Argument `{name}` must be real, but got {_fmt(value)}.")
    if np.any(arr <= 0):
        raise ValueError(f"Argument `{name}` must be positive, but got {_fmt(value)}.")
    return arr


def check_int(
    name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Require an integer in ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and math.isfinite(value) and value == int(value):
            value = int(value)
        else:
            raise TypeError(f"Argument `{name}` must be an integer, but got {_fmt(value)}.")
    value = int(value)
    if minimum is not None and value < minimum:
        hi = f" and at most {maximum}" if maximum is not None else ""
        raise ValueError(f"Argument `{name}` must be at least {minimum}{hi}, but got {value}.")
    if maximum is not None and value > maximum:
        raise ValueError(f"Argument `{name}` must be at most {maximum}, but got {value}.")
    return value


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """Require ``value`` to be one of ``choices``; the message lists them."""
    choices = list(choices)
    if value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise ValueError(f"Argument `{name}` must be one of {valid}, but got {value!r}.")
    return value


def check_square(name: str, value: Any, *, size: int | None = None) -> np.ndarray:
    """Require a finite square matrix (optionally of a given size) in the last two axes."""
    arr = check_finite(name, value)
    if arr.ndim < 2 or arr.shape[-1] != arr.shape[-2]:
        raise ValueError(
            f"Argument `{name}` must be a square matrix, but got an array of shape {arr.shape}."
        )
    if size is not None and arr.shape[-1] != size:
        raise ValueError(
            f"Argument `{name}` must have shape (..., {size}, {size}), "
            f"but got an array of shape {arr.shape}."
        )
    return arr


def check_density_matrix(
    name: str, value: Any, *, atol: float = 1e-8, shape: Sequence[int] | None = None
) -> np.ndarray:
    """Require a Hermitian, positive semidefinite matrix with unit trace.

    Accepts NumPy or JAX arrays and QuTiP ``Qobj`` (converted with ``.full()``).
    Returns a complex128 NumPy array.
    """
    if hasattr(value, "full") and callable(value.full):  # qutip.Qobj, without importing qutip
        value = value.full()
    arr = check_square(name, np.asarray(value)).astype(np.complex128)
    if shape is not None and arr.shape[-2:] != tuple(shape):
        raise ValueError(f"Argument `{name}` must have shape {tuple(shape)}, but got {arr.shape}.")
    herm = np.max(np.abs(arr - np.conj(np.swapaxes(arr, -1, -2)))) if arr.size else 0.0
    if herm > atol:
        raise ValueError(
            f"Argument `{name}` must be Hermitian, but got a matrix with "
            f"max |rho - rho^dag| = {herm:.3g} (tolerance {atol:g})."
        )
    tr = np.real(np.trace(arr, axis1=-2, axis2=-1))
    if np.any(np.abs(tr - 1.0) > max(atol, 1e-6)):
        raise ValueError(f"Argument `{name}` must have unit trace, but got trace {_fmt(tr)}.")
    eig_min = np.min(np.linalg.eigvalsh(0.5 * (arr + np.conj(np.swapaxes(arr, -1, -2)))))
    if eig_min < -max(atol, 1e-6):
        raise ValueError(
            f"Argument `{name}` must be positive semidefinite, but its smallest eigenvalue is "
            f"{eig_min:.3g}."
        )
    return arr


def reject_parameters(verb: str, model: Any, parameters: dict[str, Any]) -> None:
    """Refuse keyword parameters for a model that binds its own (all but an Oscillator).

    For the verbs that dispatch on the kind of model (``steady_state``, ``to_qutip``):
    only an ``Oscillator`` takes its coefficients and rates as keywords.
    """
    if parameters:
        raise TypeError(
            f"{verb}() takes keyword parameters only for an Oscillator, but got a "
            f"{type(model).__name__} and {sorted(parameters)}."
        )


def unsupported_model(verb: str, model: Any, supported: str, *, hint: str = "") -> TypeError:
    """The one-line error of a verb given a kind of model it does not support.

    Returns the ``TypeError`` (the caller raises it, so the traceback ends at the verb).
    ``supported`` names the supported models; ``hint`` is added only for a mean-field
    ``Network`` (nonlinear, so linear verbs point to the verb or model that fits).
    """
    name = type(model).__name__
    extra = f" {hint}" if hint and name == "Network" else ""
    return TypeError(f"{verb}() supports {supported}, but got {name}.{extra}")
