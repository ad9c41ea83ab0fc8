"""Dask is an optional extra: without it qsynchro imports and every in-process sweep runs,
and asking for a cluster fails with one line that says what to install.

"Without Dask" is emulated in a subprocess by ``sys.modules['dask'] = None`` (and the
same for ``distributed``): ``import dask`` then raises ModuleNotFoundError and
``importlib.util.find_spec('dask')`` returns None, exactly as when it is not installed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import sweep_kernels as sk

TESTS = Path(__file__).resolve().parents[1]
BLOCK = "import sys\nsys.modules['dask'] = None\nsys.modules['distributed'] = None\n"
HINT = 'install it with `pip install "qsynchro[distributed]"`.'

_CHILD = """
import contextlib, importlib.util, io, json
sys.path.insert(0, {tests!r})
import jax
jax.config.update("jax_enable_x64", True)
import qsynchro
import sweep_kernels as sk
from qsynchro.cli import main
from qsynchro.experiments.runner import run_sweep, use_cluster
assert importlib.util.find_spec("dask") is None
out = {{}}
sweep = sk.toy_sweep(slow_above=1.2, fail_above=1.7)
out["memory"] = qsynchro.run_sweep(sweep, progress=False)["f"].values.tolist()
out["stored"] = run_sweep(sweep, {d1!r}, progress=False)["f"].values.tolist()
out["lazy"] = run_sweep(sweep, {d2!r}, progress=False, memory_limit=0)["f"].values.tolist()
for call in (lambda: run_sweep(sweep, progress=False, workers=2),
             lambda: use_cluster(scheduler="tcp://127.0.0.1:1").__enter__()):
    try:
        call()
    except ImportError as exc:
        out.setdefault("errors", []).append(str(exc))
for args in {cli!r}:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(args)
    out.setdefault("cli", []).append([code, err.getvalue()])
out["loaded"] = sorted(m for m, v in sys.modules.items() if v is not None
                       and m.split(".")[0] in ("dask", "distributed"))
print(json.dumps(out))
"""


def test_without_dask_sweeps_run_in_process_and_clusters_fail_with_one_line(tmp_path):
    """In one subprocess without Dask: qsynchro imports; a sweep in memory, into a store
    with result.nc and into a store read lazily all give the toy oracle; `workers=`,
    `use_cluster(scheduler=)` and the CLI's --workers/--scheduler (sweep and reproduce)
    fail with one line naming the extra, the CLI with exit status 2, before computing."""
    toml = tmp_path / "toy.toml"
    toml.write_text('kernel = "toy"\nmeasures = ["f"]\n[axes]\na = [0.0, 1.0]\n')
    o = str(tmp_path / "o")
    cli = [
        ["sweep", str(toml), "--out", o, "--workers", "2"],
        ["sweep", str(toml), "--out", o, "--scheduler", "tcp://127.0.0.1:1"],
        ["reproduce", "murtadho2023-fig2", "--out", o, "--workers", "2"],
    ]
    code = _CHILD.format(tests=str(TESTS), d1=str(tmp_path / "a"), d2=str(tmp_path / "b"), cli=cli)
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    proc = subprocess.run(
        [sys.executable, "-c", BLOCK + code], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    sweep = sk.toy_sweep()
    ref = sk.oracle(sweep.axes[0].values, sweep.axes[1].values)["f"]
    ref[sweep.axes[0].values > 1.7] = np.nan  # failed points are NaN
    for key in ("memory", "stored", "lazy"):
        np.testing.assert_allclose(np.array(out[key], float), ref, rtol=0, atol=1e-15)
    assert (tmp_path / "a" / "result.nc").exists() and (tmp_path / "b" / "result.zarr").is_dir()
    missing = "needs Dask distributed, which is not installed; " + HINT
    assert out["errors"] == [f"Option `workers` {missing}", f"Option `scheduler` {missing}"]
    assert out["cli"] == [
        [2, f"qsynchro: error: Option `--workers` {missing}\n"],
        [2, f"qsynchro: error: Option `--scheduler` {missing}\n"],
        [2, f"qsynchro: error: Option `--workers` {missing}\n"],
    ]
    assert not (tmp_path / "o" / "result.zarr").exists()  # nothing computed
    assert out["loaded"] == []


def test_worker_with_different_code_refuses_its_chunk():
    """The per-task check (for workers that join after the start): a worker whose
    qsynchro version or source hash differs from the client's raises, naming both."""
    from qsynchro.sweeps.dask import _checked_chunk, code_identity

    sweep = sk.toy_sweep()
    decl = __import__("qsynchro.sweeps.run", fromlist=["x"]).prepare_sweep(sweep)[0].to_dict()
    mine = code_identity("sweep_kernels")
    assert set(mine) == {"version", "source", "kernel_source"}
    for key, other in (("version", "0.0.0-other"), ("source", "0123456789abcdef")):
        expected = {**mine, key: other}
        with pytest.raises(
            RuntimeError,
            match=rf"Dask worker \(this one\) runs different code than this client \({key} "
            rf"{mine[key]} instead of {other}\); install the same qsynchro",
        ):
            _checked_chunk(expected, decl, "sweep_kernels", 0, 4, 4)
    res = _checked_chunk(mine, decl, "sweep_kernels", 0, 4, 4)
    assert (res.status == 0).all()
