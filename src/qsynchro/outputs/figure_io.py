"""Writing matplotlib figures: Agg canvas, atomic PNG files (shared by every plots module)."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from qsynchro.outputs.store import atomic_path

__all__ = ["panel_label", "save_figure"]


def save_figure(fig: Figure, path: str | Path, *, dpi: int = 150) -> Path:
    """Render ``fig`` with the Agg canvas (no display needed) and write a PNG atomically."""
    path = Path(path)
    FigureCanvasAgg(fig)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        fig.savefig(f, format="png", dpi=dpi)
    return path


def panel_label(ax, text: str) -> None:
    """Bold panel letter such as ``(a)`` in the top-left corner of ``ax``, as in the papers."""
    ax.text(
        0.02,
        0.97,
        text,
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontweight="bold",
        fontsize=11,
        bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1.5},
    )
