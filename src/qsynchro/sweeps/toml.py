"""Sweep declarations in TOML (read with the standard library's :mod:`tomllib`).

Example (``examples/network_phase_diagram.toml``)::

    description = "Two groups: synchronization blockade over (delta, K)"
    kernel = "network"
    measures = ["order_parameter", "frequency_difference"]
    chunk_size = 256                       # optional; default: chosen per device

    [axes]                                 # the Dataset's dimensions, in this order
    delta = { linspace = [-2.0, 2.0, 41] } # start, stop, number of values
    K = { linspace = { start = -1.0, stop = 1.0, num = 41 } }
    # gamma_plus = { logspace = [0.01, 1.0, 9] }   values from start to stop (> 0)
    # V_AB = [0.0, 0.1, 0.5]                       explicit values

    [fixed]                                # parameters held fixed (others: kernel defaults)
    V = 1.0

    [settings]                             # the kernel's numerical settings
    t_max = 2000.0

Axes are read in file order (TOML tables keep their order), so the first axis
is the slowest-varying one. Every error names the offending key and, for
malformed TOML, the line and column.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from qsynchro.sweeps.grid import Axis, Sweep

__all__ = ["dump_sweep", "load_sweep", "loads_sweep", "sweep_from_mapping"]

_TOP = ("description", "kernel", "measures", "axes", "fixed", "settings", "chunk_size")
_SPACINGS = ("linspace", "logspace", "values")


def _range(name: str, kind: str, spec: Any) -> tuple[float, float, int]:
    if isinstance(spec, Mapping):
        missing = [k for k in ("start", "stop", "num") if k not in spec]
        extra = sorted(set(spec) - {"start", "stop", "num"})
        if missing or extra:
            raise ValueError(
                f"Axis `{name}`: `{kind}` needs keys start, stop, num, but got {sorted(spec)}."
            )
        spec = [spec["start"], spec["stop"], spec["num"]]
    if not isinstance(spec, list) or len(spec) != 3:
        raise ValueError(
            f"Axis `{name}`: `{kind}` must be [start, stop, num] or "
            f"{{start, stop, num}}, but got {spec!r}."
        )
    start, stop, num = spec
    for label, v in (("start", start), ("stop", stop)):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"Axis `{name}`: `{label}` must be a finite number, but got {v!r}.")
    if isinstance(num, bool) or not isinstance(num, int) or num < 1:
        raise ValueError(f"Axis `{name}`: `num` must be a positive integer, but got {num!r}.")
    return float(start), float(stop), num


def _axis(name: str, spec: Any) -> Axis:
    if isinstance(spec, list):
        spec = {"values": spec}
    if not isinstance(spec, Mapping):
        raise ValueError(
            f"Axis `{name}` must be a table with one of {list(_SPACINGS)} or a list of values, "
            f"but got {spec!r}."
        )
    kinds = [k for k in spec if k in _SPACINGS]
    extra = sorted(set(spec) - set(_SPACINGS))
    if len(kinds) != 1 or extra:
        raise ValueError(
            f"Axis `{name}` must have exactly one of {list(_SPACINGS)}, but got keys {list(spec)}."
        )
    kind = kinds[0]
    if kind == "values":
        vals = spec["values"]
        if not isinstance(vals, list) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals
        ):
            raise ValueError(
                f"Axis `{name}`: `values` must be a list of numbers, but got {vals!r}."
            )
        return Axis(name, np.asarray(vals, dtype=float))
    start, stop, num = _range(name, kind, spec[kind])
    return (
        Axis.linspace(name, start, stop, num)
        if kind == "linspace"
        else Axis.logspace(name, start, stop, num)
    )


def sweep_from_mapping(d: Mapping[str, Any]) -> Sweep:
    """Build a :class:`Sweep` from the parsed TOML mapping (see the module docstring)."""
    unknown = [k for k in d if k not in _TOP]
    if unknown:
        raise ValueError(
            f"Unknown key(s) {unknown} in sweep declaration; valid keys are {list(_TOP)}."
        )
    for key in ("kernel", "measures", "axes"):
        if key not in d:
            raise ValueError(f"Sweep declaration is missing the required key `{key}`.")
    kernel, measures, axes = d["kernel"], d["measures"], d["axes"]
    if not isinstance(kernel, str):
        raise ValueError(f"Key `kernel` must be a string, but got {kernel!r}.")
    if isinstance(measures, str):
        measures = [measures]
    if not isinstance(measures, list) or not all(isinstance(m, str) for m in measures):
        raise ValueError(f"Key `measures` must be a list of names, but got {measures!r}.")
    if not isinstance(axes, Mapping):
        raise ValueError(f"Key `axes` must be a table of axis declarations, but got {axes!r}.")
    fixed = d.get("fixed", {})
    settings = d.get("settings", {})
    for key, val in (("fixed", fixed), ("settings", settings)):
        if not isinstance(val, Mapping):
            raise ValueError(f"Key `{key}` must be a table, but got {val!r}.")
    chunk = d.get("chunk_size")
    if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1):
        raise ValueError(f"Key `chunk_size` must be a positive integer, but got {chunk!r}.")
    return Sweep(
        kernel=kernel,
        axes=tuple(_axis(str(n), spec) for n, spec in axes.items()),
        measures=tuple(measures),
        fixed=dict(fixed),
        settings=dict(settings) or None,
        chunk_size=chunk,
    )


def loads_sweep(text: str, source: str = "<string>") -> Sweep:
    """Parse a TOML sweep declaration from ``text`` (``source`` names it in errors)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"Malformed TOML in {source}: {exc}.") from None
    return sweep_from_mapping(data)


def load_sweep(path: str | Path) -> Sweep:
    """Read a TOML sweep declaration from ``path``.

    Raises:
        ValueError: a missing file, malformed TOML (with line and column), or a
            bad declaration (unknown key, bad axis ...). Kernel-level checks
            (parameter and measure names) happen when the sweep runs, before
            any computation, in :func:`qsynchro.sweeps.run.validate_sweep`.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ValueError(f"Sweep file {str(path)!r} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"Sweep file {str(path)!r} cannot be read ({exc}).") from None
    return loads_sweep(text, source=repr(str(path)))


def description_of(path: str | Path) -> str | None:
    """The optional ``description`` of a TOML sweep file (for progress bars)."""
    try:
        desc = tomllib.loads(Path(path).read_text()).get("description")
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return desc if isinstance(desc, str) else None


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return repr(f)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_value(x) for x in list(v)) + "]"
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + " }"
    if v is None:
        raise ValueError("TOML has no null; drop settings that are None.")
    raise TypeError(f"Cannot write {type(v).__name__} to TOML.")


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else _value(k)


def dump_sweep(sweep: Sweep) -> str:
    """TOML text of ``sweep`` (axes as explicit values); :func:`loads_sweep` reads it back."""
    d = sweep.to_dict()
    lines = [f"kernel = {_value(d['kernel'])}", f"measures = {_value(d['measures'])}"]
    if d["chunk_size"] is not None:
        lines.append(f"chunk_size = {int(d['chunk_size'])}")
    lines += ["", "[axes]"]
    lines += [f"{_key(a['name'])} = {{ values = {_value(a['values'])} }}" for a in d["axes"]]
    lines += ["", "[fixed]"] + [f"{_key(k)} = {_value(v)}" for k, v in d["fixed"].items()]
    settings = {k: v for k, v in (d["settings"] or {}).items() if v is not None}
    lines += ["", "[settings]"] + [f"{_key(k)} = {_value(v)}" for k, v in settings.items()]
    return "\n".join(lines) + "\n"
