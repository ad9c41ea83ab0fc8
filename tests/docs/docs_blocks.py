"""Extract the executed code blocks of the documentation pages (markdown-exec syntax).

A block is a fenced ``python`` block whose header holds ``exec="on"`` (or ``"1"``/``"true"``),
e.g. ```` ```python exec="on" session="network" source="above" ````. markdown-exec runs the
blocks of one ``session`` in a shared namespace, in page order, and a block without a
session in a fresh namespace; :func:`run_page` does the same, so a page that builds also
passes its test and vice versa.
"""

from __future__ import annotations

import linecache
import re
import sys
import types
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"

_FENCE = re.compile(r"^(?P<indent> *)(?P<fence>`{3,})\s*(?P<lang>python|py)\b(?P<opts>[^\n]*)$")
_OPT = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    session: str | None
    code: str


def blocks(path: Path) -> list[Block]:
    """The executed python blocks of one Markdown page, in order."""
    lines = path.read_text().splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m is None:
            i += 1
            continue
        opts = dict(_OPT.findall(m.group("opts")))
        indent, fence = len(m.group("indent")), m.group("fence")
        start = i + 1
        i += 1
        body = []
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i][indent:])
            i += 1
        i += 1
        if opts.get("exec", "").lower() in ("on", "1", "true", "yes"):
            rel = str(path.relative_to(DOCS))
            out.append(Block(rel, start, opts.get("session"), "\n".join(body) + "\n"))
    return out


def pages_with_code() -> list[Path]:
    """Every documentation page with at least one executed block."""
    return sorted(p for p in DOCS.rglob("*.md") if blocks(p))


def run_page(path: Path) -> None:
    """Execute the page's blocks like markdown-exec does (sessions share a namespace)."""
    sessions: dict[str | None, dict] = {}
    for k, b in enumerate(blocks(path)):
        name = f"docs_block_{re.sub(r'[^A-Za-z0-9]+', '_', b.page)}_{k}"
        ns = sessions.setdefault(b.session, {}) if b.session is not None else {}
        ns["__name__"] = name  # dataclasses and pickling look the module up
        sys.modules[name] = types.ModuleType(name)
        filename = f"<docs/{b.page}, block at line {b.line}>"
        linecache.cache[filename] = (len(b.code), None, b.code.splitlines(True), filename)
        code = compile(b.code, filename, "exec")
        exec(code, ns)
