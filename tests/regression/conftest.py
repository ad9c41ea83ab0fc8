"""Fixtures shared by the figure regression tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from qsynchro.experiments import reproduce


@pytest.fixture(scope="session")
def nadolny_quick(tmp_path_factory) -> Path:
    """Directory with the --quick Nadolny & Bruder Figs. 2-4 (computed once per session)."""
    out = tmp_path_factory.mktemp("nadolny_quick")
    for name in ("nadolny2023-fig2", "nadolny2023-fig3", "nadolny2023-fig4"):
        reproduce(name, out, quick=True, progress=False)
    return out
