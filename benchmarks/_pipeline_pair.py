"""The whole Fig. 4 pipeline against the tree before the generic engine, side by side.

The pre-redesign tree (commit ``LEGACY_COMMIT``, the last one with the hand-written spin-1
kernel and pipeline) is extracted from this repository's history with ``git archive`` into a
temporary directory. Both trees then time the same grid in fresh processes
(``_pipeline_timer.py``), alternately, several rounds, so that the load of a shared machine
hits both alike; the medians over all rounds and their ratio are printed, with the number of
points whose classification differs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np

#: last commit with the hand-written spin-1 kernel (before the generic engine)
LEGACY_COMMIT = "0c974c3ddb6d56a78196608cf1162055a74142b8"
HERE = Path(__file__).resolve().parent


def _extract(commit: str, dest: Path) -> Path | None:
    """``src/`` of ``commit`` into ``dest``; None (with a message) if git cannot give it."""
    tar = dest / "src.tar"
    try:
        with open(tar, "wb") as f:
            subprocess.run(
                ["git", "archive", commit, "src"],
                cwd=HERE.parent,
                stdout=f,
                check=True,
                stderr=subprocess.PIPE,
            )
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"   skipped: cannot extract commit {commit[:7]} with git archive ({e})")
        return None
    with tarfile.open(tar) as t:
        t.extractall(dest, filter="data")
    return dest / "src"


def _time(src: Path, N: int, repeats: int, threads: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run(
        [sys.executable, str(HERE / "_pipeline_timer.py"), str(N), str(repeats), str(threads)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def pipeline_side_by_side(N: int, rounds: int = 3, repeats: int = 3, threads: int = 0) -> None:
    """Print the table of the whole pipeline, legacy tree vs this tree (medians, ratio)."""
    print(
        f"\n0b. Whole Fig. 4 pipeline, {N} x {N} points, this tree vs commit "
        f"{LEGACY_COMMIT[:7]} (hand-written spin-1 kernel), {rounds} alternating rounds of "
        f"{repeats} compiled calls, threads={threads or 'all'}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        legacy = _extract(LEGACY_COMMIT, Path(tmp))
        if legacy is None:
            return
        here = HERE.parent / "src"
        res: dict[str, list[dict]] = {"legacy": [], "generic": []}
        for _ in range(rounds):
            res["legacy"].append(_time(legacy, N, repeats, threads))
            res["generic"].append(_time(here, N, repeats, threads))
    med = {
        k: {m: float(np.median([x for r in v for x in r[m]])) for m in ("cpu", "wall")}
        for k, v in res.items()
    }
    print("| tree | wall [s] median | CPU [s] median |")
    print("|---|---:|---:|")
    for k in ("legacy", "generic"):
        print(f"| {k} | {med[k]['wall']:.2f} | {med[k]['cpu']:.2f} |")
    print(
        f"   ratio generic / legacy: wall {med['generic']['wall'] / med['legacy']['wall']:.2f}, "
        f"CPU {med['generic']['cpu'] / med['legacy']['cpu']:.2f}"
    )
    a = np.array(res["legacy"][-1]["classification"])
    b = np.array(res["generic"][-1]["classification"])
    print(f"   points classified differently: {int(np.sum(a != b))} of {a.size}")
