"""Draw a one- or two-dimensional slice of any sweep Dataset into a PNG.

Used by ``qsynchro plot DIR [--var NAME] [--sel name=value ...]``. Works on a
finished sweep (``DIR/result.nc``) and on an unfinished one (the finished chunks,
with the missing points shown as gaps). Points whose status is not ok are never
drawn as numbers: in a 2-D map they are masked (grey, with a legend count), in a
1-D line they are marked on the axis with their status.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xarray as xr

from qsynchro.outputs.store import atomic_write_bytes, open_partial, read_dataset
from qsynchro.sweeps.kernel import STATUS_NAMES, STATUS_OK

__all__ = ["load_sweep_dataset", "plot_slice", "select_slice"]


def load_sweep_dataset(path: str | Path) -> xr.Dataset:
    """A sweep Dataset from a sweep directory (complete or partial) or a ``.nc`` file."""
    path = Path(path)
    if path.is_file():
        return read_dataset(path)
    if not path.exists():
        raise ValueError(f"Sweep output {str(path)!r} does not exist.")
    return open_partial(path)


def _measures(ds: xr.Dataset) -> list[str]:
    try:
        names = json.loads(ds.attrs["measures"])
    except (KeyError, TypeError, ValueError):
        names = []
    names = [n for n in names if n in ds.data_vars]
    return names or [v for v in ds.data_vars if v not in ("status", "status_reason")]


def select_slice(
    ds: xr.Dataset, var: str | None = None, sel: Mapping[str, float] | None = None
) -> tuple[xr.DataArray, xr.DataArray | None]:
    """The variable ``var`` (default: the first measure) at the nearest values of ``sel``,
    with its status on the same points (``None`` if the Dataset has no status)."""
    measures = _measures(ds)
    if var is None:
        if not measures:
            raise ValueError("The Dataset holds no variable to plot.")
        var = measures[0]
    if var not in ds.data_vars:
        valid = ", ".join(repr(v) for v in ds.data_vars)
        raise ValueError(f"Argument `var` must be one of {valid}, but got {var!r}.")
    da = ds[var]
    status = ds["status"] if "status" in ds.data_vars else None
    chosen = {}
    for name, value in dict(sel or {}).items():
        if name not in da.dims:
            raise ValueError(
                f"Cannot select {name!r}: variable `{var}` has dimensions {list(da.dims)}."
            )
        chosen[name] = da[name].sel({name: value}, method="nearest").item()
    if chosen:
        da = da.sel(chosen)
        if status is not None:
            status = status.sel({k: v for k, v in chosen.items() if k in status.dims})
    if da.ndim not in (1, 2):
        hint = ", ".join(f"{d}=..." for d in da.dims[: max(da.ndim - 2, 0)])
        raise ValueError(
            f"Variable `{var}` has {da.ndim} dimension(s) {list(da.dims)} after selection; "
            f"a plot needs 1 or 2, so fix the others with --sel (e.g. --sel {hint})."
            if da.ndim > 2
            else f"Variable `{var}` is a single value ({da.values!r}) after selection; "
            "leave one or two dimensions free."
        )
    return da, status


def _is_geometric(values: np.ndarray) -> bool:
    """True for a logspace axis (>= 3 positive values with a constant ratio, not constant steps)."""
    v = np.asarray(values, dtype=float)
    if v.size < 3 or np.any(v <= 0):
        return False
    lin = np.diff(v)
    ratio = np.diff(np.log(v))
    return bool(np.allclose(ratio, ratio[0], rtol=1e-6) and not np.allclose(lin, lin[0], rtol=1e-6))


def plot_slice(
    ds: xr.Dataset, path: str | Path, var: str | None = None, sel: Mapping[str, float] | None = None
) -> Path:
    """Write a PNG of ``var`` over the one or two free dimensions after ``sel``."""
    from matplotlib.figure import Figure

    da, status = select_slice(ds, var, sel)
    name = str(da.name)
    values = da.values
    label = name
    if np.iscomplexobj(values):
        values, label = np.abs(values), f"|{name}|"
    values = np.asarray(values, dtype=float)
    st = None
    if status is not None and set(status.dims) <= set(da.dims):
        st = status.broadcast_like(da).transpose(*da.dims).values
    fixed = {k: float(v) for k, v in da.coords.items() if k not in da.dims and np.ndim(v) == 0}
    title = name + ("  at " + ", ".join(f"{k}={v:.4g}" for k, v in fixed.items()) if fixed else "")
    fig = Figure(figsize=(6.4, 4.8), layout="constrained")
    ax = fig.add_subplot()
    if da.ndim == 1:
        x = da[da.dims[0]].values
        good = np.ones_like(values, bool) if st is None else st == STATUS_OK
        ax.plot(x, np.where(good, values, np.nan), "-", lw=1.2, label=label)
        if st is not None:
            y0 = np.nanmin(values[good]) if good.any() else 0.0
            for code, sname in STATUS_NAMES.items():
                mask = st == code
                if code == STATUS_OK or not mask.any():
                    continue
                ax.plot(
                    x[mask],
                    np.full(mask.sum(), y0),
                    "x" if code != 1 else "o",
                    ms=5,
                    mfc="none",
                    label=f"{sname} ({mask.sum()})",
                )
        ax.set_xlabel(da.dims[0])
        ax.set_ylabel(label)
        ax.legend(fontsize="small")
        if _is_geometric(x):
            ax.set_xscale("log")
    else:
        ydim, xdim = da.dims
        x, y = da[xdim].values, da[ydim].values
        shown = values if st is None else np.where(st == STATUS_OK, values, np.nan)
        mesh = ax.pcolormesh(x, y, np.ma.masked_invalid(shown), shading="nearest")
        fig.colorbar(mesh, ax=ax, label=label)
        ax.set_facecolor("0.85")
        if st is not None and (st != STATUS_OK).any():
            counts = ", ".join(
                f"{STATUS_NAMES[c]}: {(st == c).sum()}"
                for c in STATUS_NAMES
                if c != STATUS_OK and (st == c).any()
            )
            title += f"\n(grey: {counts})"
        ax.set_xlabel(xdim)
        ax.set_ylabel(ydim)
        if _is_geometric(x):
            ax.set_xscale("log")
        if _is_geometric(y):
            ax.set_yscale("log")
    ax.set_title(title, fontsize="medium")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    return atomic_write_bytes(path, buf.getvalue())
