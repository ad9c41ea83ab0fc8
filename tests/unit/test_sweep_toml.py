"""TOML sweep declarations: parsing, round trip, and one-line errors with the location."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sweep_kernels as sk
from qsynchro.sweeps.grid import Axis, Sweep
from qsynchro.sweeps.toml import dump_sweep, load_sweep, loads_sweep

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

TOY = """
description = "toy"
kernel = "toy"
measures = ["f", "z"]
chunk_size = 8

[axes]
b = { logspace = [0.1, 10, 3] }
a = { linspace = { start = -1, stop = 1, num = 5 } }
c = [0.0, 0.5]

[settings]
fail_above = 2
"""


def test_parse_axes_in_file_order_with_each_spacing():
    s = loads_sweep(TOY)
    assert s.dims == ("b", "a", "c") and s.shape == (3, 5, 2) and s.chunk_size == 8
    np.testing.assert_allclose(s.axes[0].values, [0.1, 1.0, 10.0], rtol=1e-15)
    np.testing.assert_array_equal(s.axes[1].values, np.linspace(-1, 1, 5))
    np.testing.assert_array_equal(s.axes[2].values, [0.0, 0.5])
    assert s.settings == {"fail_above": 2}


def test_toml_and_python_declarations_have_the_same_fingerprint():
    """An integer in TOML (fail_above = 2) is the float setting 2.0 of the Python declaration."""
    from qsynchro.sweeps.run import prepare_sweep

    py = Sweep(
        "toy",
        (Axis.logspace("b", 0.1, 10, 3), Axis.linspace("a", -1, 1, 5), Axis("c", [0.0, 0.5])),
        ("f", "z"),
        settings=sk.ToySettings(fail_above=2.0),
    )
    assert prepare_sweep(loads_sweep(TOY))[0].fingerprint() == prepare_sweep(py)[0].fingerprint()


def test_dump_round_trip():
    s = sk.toy_sweep(fail_above=np.inf)
    back = loads_sweep(dump_sweep(s))
    assert back.fingerprint() == s.fingerprint() and back.chunk_size == s.chunk_size


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('kernel = "toy"\nmeasures = ["f"\n[axes]\n', r"Malformed TOML in <string>: .*line 3"),
        ('kernel = "toy"\nmeasures = ["f"]\n', r"missing the required key `axes`"),
        (
            'kernel = "toy"\nmeasures = ["f"]\nkernal = 1\n[axes]\na = [1.0]\n',
            r"Unknown key\(s\) \['kernal'\] in sweep declaration; valid keys are",
        ),
        (
            'kernel = "toy"\nmeasures = ["f"]\n[axes]\na = []\n',
            r"Axis `a` must have at least one value, but got none",
        ),
        (
            'kernel = "toy"\nmeasures = ["f"]\n[axes]\na = { linspace = [0, nan, 3] }\n',
            r"Axis `a`: `stop` must be a finite number, but got nan",
        ),
        (
            'kernel = "toy"\nmeasures = ["f"]\n[axes]\na = { linspace = [0, 1, 0] }\n',
            r"Axis `a`: `num` must be a positive integer, but got 0",
        ),
        (
            'kernel = "toy"\nmeasures = ["f"]\n[axes]\na = { linspace = [0, 1] }\n',
            r"Axis `a`: `linspace` must be \[start, stop, num\]",
        ),
        (
            (
                'kernel = "toy"\nmeasures = ["f"]\n[axes]\n'
                "a = { values = [1], logspace = [1, 2, 2] }\n"
            ),
            r"Axis `a` must have exactly one of",
        ),
        (
            'kernel = "toy"\nmeasures = ["f"]\n[axes]\na = [1.0]\n[fixed]\na = 2.0\n',
            r"declared both as an axis and as fixed",
        ),
        (
            'kernel = "toy"\nmeasures = ["f"]\nchunk_size = 0\n[axes]\na = [1.0]\n',
            r"Key `chunk_size` must be a positive integer, but got 0",
        ),
    ],
)
def test_bad_toml_is_one_clear_error(text, match):
    with pytest.raises(ValueError, match=match):
        loads_sweep(text)


def test_missing_file(tmp_path):
    with pytest.raises(ValueError, match=r"Sweep file '.*nope.toml' does not exist"):
        load_sweep(tmp_path / "nope.toml")


def _sweep_examples():
    """Shipped sweep declarations (continuation files: tests/unit/test_cli_continuation.py)."""
    import tomllib

    return [
        p
        for p in sorted(EXAMPLES.glob("*.toml"))
        if "continuation" not in tomllib.loads(p.read_text())
    ]


@pytest.mark.parametrize("path", _sweep_examples(), ids=lambda p: p.name)
def test_shipped_examples_parse_and_validate(path):
    from qsynchro.sweeps.kernel import kernel_names
    from qsynchro.sweeps.run import validate_sweep

    sweep = load_sweep(path)
    if sweep.kernel not in kernel_names():
        pytest.skip(f"kernel {sweep.kernel!r} not available")
    validate_sweep(sweep)
    assert sweep.size >= 1
