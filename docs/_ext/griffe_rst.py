"""Griffe extension: render the reStructuredText bits of our docstrings as Markdown.

The library's docstrings are Google style (parsed by mkdocstrings) but use RST roles
for maths and cross-references, which the source keeps so that ``help()`` and Sphinx
readers see them too. Instead of rewriting docstrings, this extension converts, at
documentation build time only:

* ``:math:`x``` -> ``$x$`` (rendered by pymdownx.arithmatex + MathJax);
* ``.. math::`` directives (content on the same line and/or indented below) ->
  a ``$$ ... $$`` display block;
* ``:class:`~a.b.C``` and the other Python roles -> inline code ``C`` (``a.b.C`` without
  the tilde). They are not turned into links: many point to internal objects that the
  API reference does not render, and strict mode would fail on those.

Nothing in ``src/`` is modified.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_MATH_ROLE = re.compile(r":math:`([^`]+)`")
_PY_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|data|attr|obj|exc|const):`(~?)([^`]+)`")


def _py_role(match: re.Match[str]) -> str:
    tilde, target = match.groups()
    target = target.strip()
    if target.endswith("()"):
        target = target[:-2]
    shown = target.rsplit(".", 1)[-1] if tilde else target
    return f"`{shown}`"


def _math_blocks(text: str) -> str:
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        if stripped.startswith(".. math::"):
            indent = line[: len(line) - len(stripped)]
            body: list[str] = []
            first = stripped[len(".. math::") :].strip()
            if first:
                body.append(first)
            i += 1
            # the directive's content: indented deeper than the directive, blank lines allowed
            while i < len(lines) and (
                not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > len(indent)
            ):
                if lines[i].strip():
                    body.append(lines[i].strip())
                elif body and body[-1] != "":
                    body.append("")
                i += 1
            while body and body[-1] == "":
                body.pop()
            # consecutive equations separated by a blank line: one gathered block
            parts = [p for p in "\n".join(body).split("\n\n") if p.strip()]
            eqs = (
                parts[0]
                if len(parts) == 1
                else ("\\begin{gathered}\n" + " \\\\\n".join(parts) + "\n\\end{gathered}")
            )
            out += ["", f"{indent}$$", *[indent + s for s in eqs.splitlines()], f"{indent}$$", ""]
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def rst_to_markdown(text: str) -> str:
    """Convert the RST roles and math directives of one docstring (see module docstring)."""
    text = _math_blocks(text)
    text = _MATH_ROLE.sub(lambda m: f"${m.group(1).strip()}$", text)
    return _PY_ROLE.sub(_py_role, text)


class RstToMarkdown(griffe.Extension):
    """Apply :func:`rst_to_markdown` to every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rst_to_markdown(obj.docstring.value)
