"""Command line: argument parsing only, no physics.

    qsynchro list
    qsynchro reproduce NAME [--out DIR] [--quick] [--no-progress]

Errors in user input print one line to stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        print(f"qsynchro: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="qsynchro", description="Synchronization of quantum limit-cycle oscillators.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    sub.add_parser("list", help="list the reproducible figures")
    r = sub.add_parser("reproduce", help="reproduce a paper figure (PNG + NetCDF per panel)")
    r.add_argument("name", help="figure name, see `qsynchro list`")
    r.add_argument("--out", default="out", help="output directory (default: ./out)")
    r.add_argument("--quick", action="store_true", help="small grid for smoke tests")
    r.add_argument("--no-progress", action="store_true", help="hide progress bars")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    import jax

    jax.config.update("jax_enable_x64", True)  # the CLI, not the library, sets this
    from qsynchro.experiments import FIGURES, reproduce

    try:
        if args.command == "list":
            width = max(map(len, FIGURES))
            for f in FIGURES.values():
                print(f"{f.name:<{width}}  {f.description}")
            return 0
        if args.command == "reproduce":
            files = reproduce(args.name, args.out, quick=args.quick, progress=not args.no_progress)
            for path in files:
                print(path)
            return 0
    except (ValueError, TypeError, OSError) as exc:
        print(f"qsynchro: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("qsynchro: interrupted; finished chunks are kept, rerun to resume.", file=sys.stderr)
        return 130
    return 1  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
