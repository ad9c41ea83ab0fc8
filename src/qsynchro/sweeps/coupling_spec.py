r"""The ``coupling`` setting of a sweep: a complex G x G matrix written in TOML.

Three spellings give the same matrix (``docs/sweeps.md``, section 1.1):

* a list of rows whose entries are numbers or complex numbers written as strings,
  ``[[0.5, "0.3+0.1j"], [0.1, 0.5]]`` (``j`` or ``i``, spaces allowed);
* a table of two real matrices, ``{ re = [[...]], im = [[...]] }``;
* polar, ``{ abs = [[...]], phase = [[...]] }`` (radians, abs non-negative).

:func:`canonical_matrix` writes a matrix back as floats and ``"re+imj"`` strings: hashable (a
frozen settings field), JSON- and TOML-writable, and read back exactly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["canonical_matrix", "parse_coupling_matrix"]


def _entry(name: str, i: int, j: int, v: Any) -> complex:
    c: complex | None = None
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        c = complex(float(v))
    elif isinstance(v, str):
        s = v.replace(" ", "").replace("i", "j")
        try:
            c = complex(s) if s and "(" not in s else None
        except ValueError:
            c = None
    if c is None or not (math.isfinite(c.real) and math.isfinite(c.imag)):
        raise ValueError(
            f"Setting `{name}` entry [{i}][{j}] must be a finite number or a complex number "
            f'written as a string like "0.3+0.1j", but got {v!r}.'
        )
    return c


def _rows(name: str, value: Any) -> list[list[Any]]:
    rows = list(value) if isinstance(value, (list, tuple)) else None
    if not rows or not all(isinstance(r, (list, tuple)) for r in rows):
        raise ValueError(
            f"Setting `{name}` must be a square matrix given as a list of rows, but got {value!r}."
        )
    G = len(rows)
    bad = [len(r) for r in rows if len(r) != G]
    if bad:
        raise ValueError(
            f"Setting `{name}` must be square ({G} rows of {G} entries), but got rows of "
            f"lengths {[len(r) for r in rows]}."
        )
    return [list(r) for r in rows]


def parse_coupling_matrix(value: Any, name: str = "coupling") -> np.ndarray:
    """The complex G x G matrix of a ``coupling`` declaration (module doc lists the forms).

    Raises:
        ValueError: a non-square or ragged matrix, an unparseable or non-finite entry, or a
            table with keys other than ``re``/``im`` or ``abs``/``phase`` (one line, naming
            the setting, the entry and the value).
    """
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, Mapping):
        keys = set(value)
        if keys == {"re", "im"} or keys == {"abs", "phase"}:
            a, b = sorted(keys, key=lambda k: k not in ("re", "abs"))
            A = parse_coupling_matrix(value[a], f"{name}.{a}")
            B = parse_coupling_matrix(value[b], f"{name}.{b}")
            for k, X in ((a, A), (b, B)):
                if np.any(X.imag != 0):
                    raise ValueError(f"Setting `{name}.{k}` must be a real matrix.")
            if A.shape != B.shape:
                raise ValueError(
                    f"Setting `{name}`: `{a}` and `{b}` must have the same shape, but got "
                    f"{A.shape} and {B.shape}."
                )
            if a == "re":
                return A.real + 1j * B.real
            if np.any(A.real < 0):
                raise ValueError(f"Setting `{name}.abs` must be non-negative.")
            return A.real * np.exp(1j * B.real)
        raise ValueError(
            f"Setting `{name}` as a table must have the keys re, im or abs, phase, but got "
            f"{sorted(keys)}."
        )
    rows = _rows(name, value)
    return np.array(
        [[_entry(name, i, j, v) for j, v in enumerate(r)] for i, r in enumerate(rows)],
        dtype=np.complex128,
    )


def canonical_matrix(C: np.ndarray) -> tuple[tuple[Any, ...], ...]:
    """Hashable, TOML/JSON-writable form: floats, and strings for complex entries."""

    def one(c: complex) -> Any:
        if c.imag == 0:
            return float(c.real)
        return f"{c.real!r}{'+' if c.imag >= 0 else '-'}{abs(c.imag)!r}j"

    return tuple(tuple(one(complex(c)) for c in row) for row in C)
