"""`qsynchro continue FILE.toml --out DIR`: files, provenance, status, bad input."""

import math

import pytest

from qsynchro.cli import main
from qsynchro.outputs.store import read_dataset
from qsynchro.solvers.stability import critical_coupling

SINGLE = """
description = "one group: loss of stability of |1><1|"
[model]
K = 0.0
V = 0.0
gamma_plus = 0.5
[continuation]
parameter = "V"
start = 0.0
stop = 1.0
[settings]
initial = "unsynchronized"
ds_max = 0.2
"""


def _write(tmp_path, text, name="c.toml"):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def test_continue_writes_branch_and_diagram(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["continue", _write(tmp_path, SINGLE), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "branch (V): completed" in text and "hopf" in text
    ds = read_dataset(out / "branch.nc")
    assert list(ds.bifurcation_kind.values) == ["hopf"]
    vc = critical_coupling(0.5, 1.0, 0.0)
    assert math.isclose(float(ds.bifurcation_value.values[0]), vc, abs_tol=1e-9)
    assert ds.attrs["status"] == "completed" and "qsynchro_version" in ds.attrs
    assert "[continuation]" in ds.attrs["declaration"] and ds.attrs["branch_kind"] == "fixed_point"
    png = out / "bifurcation-diagram.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("[settings]", "[setting]"), "unknown key"),
        (('parameter = "V"', 'parameter = "W"'), "`parameter` must be one of"),
        (("gamma_plus = 0.5", "gamma_plus = -0.5"), "gamma_plus"),
        (("ds_max = 0.2", "ds_max = 0.2\nstep = 3"), "Unknown setting"),
        (("stop = 1.0", 'stop = "one"'), "must be a number"),
    ],
)
def test_continue_bad_input(tmp_path, capsys, edit, message):
    text = SINGLE.replace(*edit)
    code = main(["continue", _write(tmp_path, text), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1


def test_shipped_continuation_examples_parse():
    from pathlib import Path

    from qsynchro.experiments.continuation import load_continuation

    examples = Path(__file__).resolve().parents[2] / "examples"
    found = [p for p in sorted(examples.glob("*.toml")) if "[continuation]" in p.read_text()]
    assert found
    for p in found:
        doc = load_continuation(p)
        assert doc["continuation"]["parameter"] in doc["model"]
