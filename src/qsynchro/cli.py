"""Command line: argument parsing only, no physics.

    qsynchro list
    qsynchro kernels
    qsynchro reproduce NAME [--out DIR] [--quick] [--no-progress] [--workers N | --scheduler ADDR]
    qsynchro sweep FILE.toml --out DIR [--workers N | --scheduler ADDR] [--chunk-size N]
    qsynchro plot DIR [--var NAME] [--sel name=value ...] [--out FILE.png]
    qsynchro continue FILE.toml --out DIR

Errors in user input print one line to stderr and exit with status 2, before
anything is computed; so does ``--workers``/``--scheduler`` without Dask
distributed installed (the line says ``pip install "qsynchro[distributed]"``).
A failure while computing exits with status 1; Ctrl-C exits with 130 and keeps
every finished chunk (rerun the same command to resume).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from typing import Any


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        print(f"qsynchro: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _selection(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not sep or not name or not math.isfinite(number):
        raise argparse.ArgumentTypeError(f"expected name=number, but got {text!r}")
    return name.strip(), number


def _cluster_options(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="start a local Dask cluster with N worker processes",
    )
    g.add_argument(
        "--scheduler", metavar="ADDR", help="run on the Dask cluster at ADDR (tcp://HOST:PORT)"
    )


def _build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="qsynchro", description="Synchronization of quantum limit-cycle oscillators.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="list the reproducible figures")
    sub.add_parser("kernels", help="list the sweep kernels, their parameters and measures")
    r = sub.add_parser("reproduce", help="reproduce a paper figure (PNG + NetCDF per panel)")
    r.add_argument("name", help="figure name, see `qsynchro list`")
    r.add_argument("--out", default="out", help="output directory (default: ./out)")
    r.add_argument("--quick", action="store_true", help="small grid for smoke tests")
    r.add_argument("--no-progress", action="store_true", help="hide progress bars")
    _cluster_options(r)
    s = sub.add_parser("sweep", help="run a sweep declared in a TOML file (resumable)")
    s.add_argument("file", help="TOML declaration, see examples/*.toml and docs/sweeps.md")
    s.add_argument(
        "--out", required=True, help="output directory (result.zarr, and result.nc if it fits)"
    )
    s.add_argument("--chunk-size", type=int, metavar="N", help="points per chunk")
    s.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    _cluster_options(s)
    q = sub.add_parser("plot", help="draw a 1-D or 2-D slice of a sweep into a PNG")
    q.add_argument("dir", help="sweep output directory (finished or not), or a .nc file")
    q.add_argument("--var", help="variable to draw (default: the first measure)")
    q.add_argument(
        "--sel",
        action="append",
        type=_selection,
        default=[],
        metavar="NAME=VALUE",
        help="fix a dimension at the nearest value (repeatable)",
    )
    q.add_argument("--out", help="PNG path (default: DIR/plot-VAR[-sel].png)")
    c = sub.add_parser(
        "continue", help="continue a fixed point / locked state (TOML), find bifurcations"
    )
    c.add_argument("file", help="TOML declaration, see examples/continuation_fig3.toml")
    c.add_argument("--out", required=True, help="output directory (NetCDF + PNG)")
    return p


def _cmd_list() -> int:
    from qsynchro.experiments import FIGURES

    width = max(map(len, FIGURES))
    for f in FIGURES.values():
        print(f"{f.name:<{width}}  {f.description}")
    return 0


def _cmd_kernels() -> int:
    from qsynchro.sweeps.kernel import get_kernel, kernel_names

    for name in kernel_names():
        k = get_kernel(name)
        params = ", ".join(f"{p}={v:g}" for p, v in k.defaults.items())
        print(f"{name}\n  parameters: {params}\n  measures:   {', '.join(k.measures)}")
    return 0


def _require_cluster_support(args: argparse.Namespace) -> None:
    """``--workers``/``--scheduler`` need Dask distributed (an optional extra)."""
    if args.workers is not None or args.scheduler is not None:
        from qsynchro.sweeps.dask import require_distributed

        require_distributed(
            "Option `--workers`" if args.workers is not None else "Option `--scheduler`"
        )


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from qsynchro._checks import check_choice
    from qsynchro.experiments import FIGURES, reproduce
    from qsynchro.experiments.runner import use_cluster

    check_choice("figure", args.name, FIGURES)
    _require_cluster_support(args)
    with use_cluster(workers=args.workers, scheduler=args.scheduler):
        files = reproduce(args.name, args.out, quick=args.quick, progress=not args.no_progress)
    for path in files:
        print(path)
    return 0


def _cmd_sweep(args: argparse.Namespace) -> int:
    from pathlib import Path

    from qsynchro.experiments.runner import run_sweep
    from qsynchro.sweeps.toml import description_of, load_sweep

    sweep = load_sweep(args.file)
    _require_cluster_support(args)
    if args.chunk_size is not None and args.chunk_size < 1:
        raise ValueError(f"Option `--chunk-size` must be at least 1, but got {args.chunk_size}.")
    ds = run_sweep(
        sweep,
        args.out,
        progress=not args.no_progress,
        description=description_of(args.file) or Path(args.file).stem,
        workers=args.workers,
        scheduler=args.scheduler,
        chunk_size=args.chunk_size,
    )
    nc = Path(args.out) / "result.nc"
    print(nc if nc.exists() else Path(args.out) / "result.zarr")
    print(
        f"points: {sweep.size}  ok: {ds.attrs.get('n_ok')}  "
        f"not converged: {ds.attrs.get('n_not_converged')}  failed: {ds.attrs.get('n_failed')}"
    )
    return 0


def _cmd_plot(args: argparse.Namespace) -> int:
    from pathlib import Path

    from qsynchro.outputs.plots_sweep import load_sweep_dataset, plot_slice, select_slice

    ds = load_sweep_dataset(args.dir)
    sel = dict(args.sel)
    da, _ = select_slice(ds, args.var, sel)  # validate before choosing a file name
    if args.out:
        out = Path(args.out)
    else:
        base = Path(args.dir) if Path(args.dir).is_dir() else Path(args.dir).parent
        tag = "".join(f"-{k}={v:g}" for k, v in sel.items())
        out = base / f"plot-{da.name}{tag}.png"
    print(plot_slice(ds, out, args.var, sel))
    return 0


def _cmd_continue(args: argparse.Namespace) -> int:
    from qsynchro.experiments.continuation import run_continuation

    files, lines = run_continuation(args.file, args.out)
    for line in lines:
        print(line)
    for path in files:
        print(path)
    return 0 if lines[0].split(": ")[1] != "failed" else 1


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _terminate_like_ctrl_c() -> tuple[bool, Any]:
    """SIGTERM (``kill``, a batch scheduler's time limit) cleans up like Ctrl-C: a local
    Dask cluster is closed and finished chunks are kept. Returns (installed, previous)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return False, None
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    return True, signal.SIG_DFL if previous is None else previous


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    import jax

    jax.config.update("jax_enable_x64", True)  # the CLI, not the library, sets this
    installed, previous = _terminate_like_ctrl_c()
    try:
        return _dispatch(args)
    finally:
        if installed:
            import signal

            signal.signal(signal.SIGTERM, previous)


def _dispatch(args: argparse.Namespace) -> int:
    try:
        if args.command == "list":
            return _cmd_list()
        if args.command == "kernels":
            return _cmd_kernels()
        if args.command == "reproduce":
            return _cmd_reproduce(args)
        if args.command == "sweep":
            return _cmd_sweep(args)
        if args.command == "plot":
            return _cmd_plot(args)
        if args.command == "continue":
            return _cmd_continue(args)
    except (ValueError, TypeError, OSError, ImportError) as exc:  # ImportError: an extra
        print(f"qsynchro: error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        print(f"qsynchro: failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("qsynchro: interrupted; finished chunks are kept, rerun to resume.", file=sys.stderr)
        return 130
    return 1  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
