"""CLI bad input for the Nadolny & Bruder figures: one line on stderr, exit status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "qsynchro", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


def test_list_shows_nadolny_figures(tmp_path):
    res = run_cli("list", cwd=tmp_path)
    assert res.returncode == 0
    for n in (2, 3, 4):
        assert f"nadolny2023-fig{n}" in res.stdout


def test_unknown_figure_name_in_a_real_process(tmp_path):
    """An unknown name from the shell: exactly one line on stderr naming the valid figures,
    exit code 2, no traceback and no files written."""
    name = "nadolny2023-fig9"
    res = run_cli("reproduce", name, "--quick", "--out", str(tmp_path / "out"), cwd=tmp_path)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr
    assert name in lines[0] and "'nadolny2023-fig4'" in lines[0]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["nadolny2023-fig9", "nadolny-fig4", "fig4"])
def test_unknown_figure_name(tmp_path, capsys, name):
    """The same through ``main`` in this process (one subprocess above is enough to show
    that nothing else reaches the terminal)."""
    from qsynchro.cli import main

    assert main(["reproduce", name, "--quick", "--out", str(tmp_path / "out")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert name in lines[0] and "'nadolny2023-fig4'" in lines[0]
    assert not (tmp_path / "out").exists()


def test_output_path_is_a_file(tmp_path, capsys):
    """--out pointing at an existing regular file: one line, exit code 2."""
    from qsynchro.cli import main

    target = tmp_path / "not_a_dir"
    target.write_text("x")
    code = main(["reproduce", "nadolny2023-fig4", "--quick", "--no-progress", "--out", str(target)])
    assert code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def test_missing_figure_name(tmp_path):
    res = run_cli("reproduce", cwd=tmp_path)
    assert res.returncode == 2
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
