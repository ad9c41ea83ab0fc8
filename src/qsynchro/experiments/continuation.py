"""``qsynchro continue FILE.toml --out DIR``: continuation declared in TOML.

Example (``examples/continuation_fig3.toml``)::

    description = "Fig. 3(d): locking boundary of two groups"

    [model]                 # keyword arguments of Network.two_groups (or single_group)
    delta = 0.0
    K = 0.0
    V = 1.0
    V_AB = 0.5
    gamma_plus = 0.5

    [continuation]          # one-parameter branch from the attractor at `start`
    parameter = "delta"
    start = 0.0
    stop = 1.0

    [second]                # optional: stability boundary in a second parameter
    parameter = "V_AB"
    range = [0.05, 1.0]
    marks = [0.1, 0.3, 0.5, 1.0]   # values of the second parameter computed exactly

    [settings]              # ContinuationSettings and start settings (initial, t_final, ...)
    ds_max = 0.05

Files: ``DIR/branch.nc`` (the branch at the model's values, with its bifurcations), with
``[second]`` also ``DIR/curve-1.nc``, ``DIR/curve-2.nc``, ... (fold/Hopf curves) and
``DIR/boundary.nc``, and ``DIR/bifurcation-diagram.png``. Every file carries provenance
attributes (package version, the TOML declaration, the model, the settings) and the
per-branch ``status``/``message``.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import xarray as xr

from qsynchro.outputs.plots_continuation import plot_bifurcation_diagram
from qsynchro.outputs.store import check_writable, write_dataset
from qsynchro.solvers.branch import Branch, continuation
from qsynchro.solvers.curves import stability_boundary

__all__ = ["load_continuation", "run_continuation"]

_TOP = {"description", "model", "continuation", "second", "settings"}
_CONT = {"parameter", "start", "stop"}
_SECOND = {"parameter", "range", "marks"}


def _number(where: str, v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"`{where}` must be a number, but got {v!r}.")
    return float(v)


def load_continuation(path: str | Path) -> dict[str, Any]:
    """Read and check a continuation declaration (one-line errors naming the key)."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise ValueError(f"Cannot read continuation file {str(path)!r}: {exc.strerror}.") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: invalid TOML: {exc}.") from None
    extra = sorted(set(doc) - _TOP)
    if extra:
        raise ValueError(f"{path}: unknown key(s) {extra}; valid keys are {sorted(_TOP)}.")
    for key in ("model", "continuation"):
        if not isinstance(doc.get(key), dict):
            raise ValueError(f"{path}: a [{key}] table is required.")
    cont = doc["continuation"]
    bad = sorted(set(cont) ^ _CONT)
    if bad:
        raise ValueError(
            f"{path}: [continuation] needs exactly {sorted(_CONT)}, got {sorted(cont)}."
        )
    for k in ("start", "stop"):
        _number(f"continuation.{k}", cont[k])
    sec = doc.get("second")
    if sec is not None:
        if not isinstance(sec, dict) or not {"parameter", "range"} <= set(sec) <= _SECOND:
            raise ValueError(f"{path}: [second] needs parameter and range (optional marks).")
        r = sec["range"]
        if not isinstance(r, list) or len(r) != 2:
            raise ValueError(f"`second.range` must be [first, last], but got {r!r}.")
        [_number("second.range", v) for v in r]
        [_number("second.marks", v) for v in sec.get("marks", [])]
    doc["_text"] = text
    return doc


def _provenance(ds: xr.Dataset, doc: dict[str, Any]) -> xr.Dataset:
    import qsynchro

    ds = ds.copy()
    ds.attrs.update(
        qsynchro_version=qsynchro.__version__,
        declaration=doc["_text"],
        description=doc.get("description", ""),
        paper="T. Nadolny and C. Bruder, Phys. Rev. Lett. 131, 190402 (2023), Eq. 2",
    )
    return ds


def run_continuation(path: str | Path, out: str | Path) -> tuple[list[Path], list[str]]:
    """Run the declaration in ``path``; returns the files written and per-branch status lines.

    Raises ``ValueError`` for bad input (unknown keys or parameters) before computing.
    """
    doc = load_continuation(path)
    out = check_writable(out)
    cont, settings = doc["continuation"], dict(doc.get("settings", {}))
    model = dict(doc["model"])
    branch: Branch = continuation(model, cont["parameter"], cont["start"], cont["stop"], **settings)
    lines = [f"branch ({cont['parameter']}): {branch.status}: {branch.message}"]
    lines += [f"  {b!r}" for b in branch.bifurcations]
    files = [write_dataset(_provenance(branch.data, doc), out / "branch.nc")]
    curve_ds: list[xr.Dataset] = []
    sec = doc.get("second")
    if sec is not None:
        bnd = stability_boundary(
            model,
            cont["parameter"],
            cont["start"],
            cont["stop"],
            sec["parameter"],
            tuple(sec["range"]),
            marks=tuple(sec.get("marks", ())),
            **settings,
        )
        for k, c in enumerate(bnd.curves, 1):
            lines.append(f"curve {k} ({c.kind}): {c.status}: {c.message}")
            lines += [f"  {p!r}" for p in c.points]
            curve_ds.append(c.data)
            files.append(write_dataset(_provenance(c.data, doc), out / f"curve-{k}.nc"))
        bds = bnd.data.assign_attrs(
            transitions=json.dumps(
                [[b.kind, b.value, b.other] for b in bnd.transitions], default=float
            )
        )
        files.append(write_dataset(_provenance(bds, doc), out / "boundary.nc"))
        lines.append(repr(bnd))
    branch_ds = branch.data.assign_attrs(description=doc.get("description", ""))
    files.append(plot_bifurcation_diagram(branch_ds, out / "bifurcation-diagram.png", curve_ds))
    return files, lines
