"""CLI: `qsynchro sweep`, `plot`, `kernels`, and one-line errors before computing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import sweep_kernels as sk
from qsynchro.cli import main
from qsynchro.outputs.store import read_dataset

TOY = """
description = "toy from the CLI"
kernel = "toy"
measures = ["f", "wave"]
chunk_size = 5
[axes]
a = {{ linspace = [-1.0, 2.0, 7] }}
b = [0.0, 0.5, 1.0]
[fixed]
c = 0.25
{extra}
"""


def _toml(tmp_path: Path, extra: str = "", name: str = "toy.toml") -> Path:
    path = tmp_path / name
    path.write_text(TOY.format(extra=extra))
    return path


def _one_line_error(capsys, code: int, pattern: str) -> None:
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith("qsynchro: error: ")
    import re

    assert re.search(pattern, err), err


def test_sweep_then_plot(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["sweep", str(_toml(tmp_path)), "--out", str(out), "--no-progress"]) == 0
    ds = read_dataset(out / "result.nc")
    ref = sk.oracle(np.linspace(-1, 2, 7), np.array([0.0, 0.5, 1.0]))
    np.testing.assert_allclose(ds["f"].values, ref["f"], atol=1e-15, rtol=0)
    np.testing.assert_allclose(ds["wave"].values, ref["wave"], atol=1e-15, rtol=0)
    assert "points: 21  ok: 21" in capsys.readouterr().out
    assert main(["plot", str(out)]) == 0
    assert main(["plot", str(out), "--var", "wave", "--sel", "b=0.4", "--sel", "k=1"]) == 0
    png = out / "plot-wave-b=0.4-k=1.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert main(["plot", str(out / "result.nc"), "--out", str(tmp_path / "x.png")]) == 0
    assert (tmp_path / "x.png").exists()


def test_plot_of_unfinished_sweep(tmp_path):
    out = tmp_path / "run"
    assert main(["sweep", str(_toml(tmp_path)), "--out", str(out), "--no-progress"]) == 0
    (out / "result.nc").unlink()
    import zarr

    zarr.open_group(out / "result.zarr", mode="r+")["status"][1, :] = 3  # a row not stored
    assert main(["plot", str(out), "--out", str(tmp_path / "p.png")]) == 0


@pytest.mark.parametrize(
    ("extra", "pattern"),
    [
        ("[settings]\nfail_abov = 1.0", r"Unknown setting\(s\) \['fail_abov'\] for kernel `toy`"),
        ("[settings]\nfail_above = ", r"Malformed TOML in '.*toy.toml': .*line 12, column 14"),
    ],
)
def test_bad_toml_errors(tmp_path, capsys, extra, pattern):
    code = main(["sweep", str(_toml(tmp_path, extra)), "--out", str(tmp_path / "o")])
    _one_line_error(capsys, code, pattern)


def test_unknown_parameter_lists_valid_ones(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(TOY.format(extra="").replace("c = 0.25", "gamma = 0.25"))
    calls = sk.ToyKernel.calls
    code = main(["sweep", str(path), "--out", str(tmp_path / "o")])
    _one_line_error(
        capsys,
        code,
        r"Unknown parameter 'gamma' for kernel `toy`; valid parameters are \['a', 'b', 'c'\]",
    )
    assert sk.ToyKernel.calls == calls and not (tmp_path / "o").exists()


def test_unknown_measure_and_kernel(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(TOY.format(extra="").replace('"wave"', '"waves"'))
    _one_line_error(
        capsys,
        main(["sweep", str(path), "--out", str(tmp_path / "o")]),
        r"Unknown measure 'waves'.*valid measures are \['f', 'wave', 'z'\]",
    )
    path.write_text(TOY.format(extra="").replace('kernel = "toy"', 'kernel = "tay"'))
    _one_line_error(
        capsys,
        main(["sweep", str(path), "--out", str(tmp_path / "o")]),
        r"Argument `kernel` must be one of .*'toy'.*, but got 'tay'",
    )


def test_different_declaration_into_same_directory(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["sweep", str(_toml(tmp_path)), "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    other = _toml(tmp_path, "[settings]\nfail_above = 1.0", name="other.toml")
    _one_line_error(
        capsys,
        main(["sweep", str(other), "--out", str(out)]),
        r"holds a different sweep declaration",
    )


def test_unwritable_output_and_missing_file(tmp_path, capsys):
    blocker = tmp_path / "f"
    blocker.write_text("")
    _one_line_error(
        capsys,
        main(["sweep", str(_toml(tmp_path)), "--out", str(blocker / "x")]),
        r"Output directory .* cannot be written",
    )
    _one_line_error(
        capsys,
        main(["sweep", str(tmp_path / "no.toml"), "--out", str(tmp_path)]),
        r"Sweep file '.*no.toml' does not exist",
    )


@pytest.mark.slow  # waits for Dask's connection timeout (~5 s)
def test_unreachable_scheduler_fails_fast(tmp_path, capsys):
    import socket

    with socket.socket() as s:  # a free port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = main(
        [
            "sweep",
            str(_toml(tmp_path)),
            "--out",
            str(tmp_path / "o"),
            "--scheduler",
            f"tcp://127.0.0.1:{port}",
        ]
    )
    _one_line_error(capsys, code, r"Cannot reach the Dask scheduler at 'tcp://127.0.0.1:\d+'")
    assert not (tmp_path / "o" / "result.zarr").exists()
    code = main(
        ["sweep", str(_toml(tmp_path)), "--out", str(tmp_path / "o"), "--scheduler", "127.0.0.1"]
    )
    _one_line_error(capsys, code, r"Argument `scheduler` must be an address like")


def test_plot_errors(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["sweep", str(_toml(tmp_path)), "--out", str(out), "--no-progress"]) == 0
    capsys.readouterr()
    _one_line_error(
        capsys,
        main(["plot", str(out), "--var", "wave"]),
        r"Variable `wave` has 3 dimension\(s\) \['a', 'b', 'k'\] after selection",
    )
    _one_line_error(
        capsys,
        main(["plot", str(out), "--sel", "q=1"]),
        r"Cannot select 'q': variable `f` has dimensions \['a', 'b'\]",
    )
    _one_line_error(
        capsys, main(["plot", str(out), "--var", "g"]), r"Argument `var` must be one of 'f', 'wave'"
    )
    _one_line_error(capsys, main(["plot", str(tmp_path / "none")]), r"does not exist")
    with pytest.raises(SystemExit) as exc:
        main(["plot", str(out), "--sel", "a"])
    _one_line_error(capsys, exc.value.code, r"expected name=number, but got 'a'")


def test_unknown_figure_and_exclusive_cluster_options(capsys):
    _one_line_error(
        capsys,
        main(["reproduce", "nadolny2023-fig9"]),
        r"Argument `figure` must be one of .*but got 'nadolny2023-fig9'",
    )
    with pytest.raises(SystemExit) as exc:
        main(["sweep", "x.toml", "--out", "o", "--workers", "2", "--scheduler", "tcp://a:1"])
    _one_line_error(capsys, exc.value.code, r"not allowed with argument")


def test_kernels_lists_parameters(capsys):
    assert main(["kernels"]) == 0
    out = capsys.readouterr().out
    assert "toy\n  parameters: a=0, b=1, c=0\n  measures:   f, wave, z" in out


_CHILD = """
import sys
sys.path.insert(0, {tests!r})
import sweep_kernels
from qsynchro.cli import main
raise SystemExit(main(["sweep", {toml!r}, "--out", {out!r}, "--no-progress"]))
"""


@pytest.mark.parametrize(
    "signame", ["SIGINT", pytest.param("SIGTERM", marks=pytest.mark.slow)]
)  # SIGTERM is turned into the same KeyboardInterrupt by a handler; slow run covers it
def test_ctrl_c_keeps_finished_chunks_and_rerun_resumes(tmp_path, signame):
    """SIGINT (Ctrl-C) or SIGTERM after >= 2 stored chunks: exit 130 with a one-line hint;
    the rerun finishes the sweep with the same values as an uninterrupted run."""
    import os
    import signal
    import subprocess
    import sys
    import time

    toml, out = _toml(tmp_path), tmp_path / "run"
    code = _CHILD.format(
        tests=str(Path(__file__).resolve().parents[1]), toml=str(toml), out=str(out)
    )
    # 1 s per chunk: after 2 of the 5 chunks the signal has 3 s to arrive (0.3 s raced)
    env = dict(os.environ, QSYNCHRO_TOY_SLEEP="1.0", JAX_PLATFORMS="cpu")
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    from qsynchro.outputs.sweep_store import stored_chunks

    while not (out / "sweep.json").exists() or len(stored_chunks(out)) < 2:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(getattr(signal, signame))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.strip() == "qsynchro: interrupted; finished chunks are kept, rerun to resume."
    assert not (out / "result.nc").exists()
    assert main(["sweep", str(toml), "--out", str(out), "--no-progress"]) == 0
    ref = sk.oracle(np.linspace(-1, 2, 7), np.array([0.0, 0.5, 1.0]))
    np.testing.assert_allclose(
        read_dataset(out / "result.nc")["f"].values, ref["f"], atol=1e-15, rtol=0
    )
