"""Package-level invariants: cheap import, no global JAX changes, layering, lint."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_import_does_not_change_jax_settings():
    code = (
        "import jax; before = jax.config.jax_enable_x64; import qsynchro; "
        "qsynchro.Sweep; assert jax.config.jax_enable_x64 == before, 'x64 changed'; "
        "print(before)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_import_is_lazy():
    code = "import sys, qsynchro; print('jax' in sys.modules, 'matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_public_names_resolve():
    import qsynchro

    missing = [
        n
        for n in qsynchro.__all__
        if importlib.util.find_spec(qsynchro._EXPORTS.get(n, "qsynchro")) is None
    ]
    assert not missing
    for name in qsynchro.__all__:
        assert getattr(qsynchro, name) is not None


BIN = Path(sys.executable).parent


def _tool(name):
    return shutil.which(name, path=str(BIN)) or shutil.which(name)


@pytest.mark.skipif(_tool("lint-imports") is None, reason="import-linter not installed")
def test_layers_contract():
    """Rooms in a line: operators -> models -> ... -> cli (pyproject [tool.importlinter])."""
    out = subprocess.run([_tool("lint-imports")], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.skipif(_tool("ruff") is None, reason="ruff not installed")
def test_ruff_clean():
    out = subprocess.run(
        [_tool("ruff"), "check", "src", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.skipif(_tool("ruff") is None, reason="ruff not installed")
def test_ruff_format_clean():
    out = subprocess.run(
        [_tool("ruff"), "format", "--check", "src", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
