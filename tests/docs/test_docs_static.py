"""Fast checks of the documentation sources (the site build itself runs in CI)."""

from __future__ import annotations

import importlib.util
import re

from docs_blocks import DOCS, blocks, pages_with_code

ROOT = DOCS.parent


def _griffe_rst():
    spec = importlib.util.spec_from_file_location("griffe_rst", DOCS / "_ext" / "griffe_rst.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_code_block_compiles():
    pages = pages_with_code()
    assert any("tutorials" in str(p) for p in pages)
    for page in pages:
        for b in blocks(page):
            compile(b.code, f"{b.page}:{b.line}", "exec")


def test_every_page_is_in_the_nav():
    nav = (ROOT / "mkdocs.yml").read_text()
    pages = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md") if "_ext" not in p.parts}
    listed = set(re.findall(r":\s*([\w/.-]+\.md)\s*$", nav, flags=re.M))
    assert pages == listed, (sorted(pages - listed), sorted(listed - pages))


def test_readme_test_command_builds_the_docs():
    """CI runs the README's test command; it must build the site in strict mode."""
    readme = (ROOT / "README.md").read_text().splitlines()
    marker = readme.index("<!-- test-command -->")
    cmd = next(line for line in readme[marker + 1 :] if not line.startswith("```"))
    assert "mkdocs build --strict" in cmd
    assert ".[test,docs]" in cmd or ".[docs,test]" in cmd


def test_site_dir_is_ignored():
    assert "/site/" in (ROOT / ".gitignore").read_text().split()


def test_rst_roles_become_markdown():
    conv = _griffe_rst().rst_to_markdown
    assert conv(r"rate :math:`\gamma_+` of :class:`~qsynchro.models.network.Network`") == (
        r"rate $\gamma_+$ of `Network`"
    )
    assert conv(":func:`qsynchro.s_max` and :meth:`Sweep.fingerprint()`") == (
        "`qsynchro.s_max` and `Sweep.fingerprint`"
    )
    text = "Eq. 2:\n\n.. math::\n\n    a = b\n\n    c = d\n\nafter"
    out = conv(text)
    assert "$$\n\\begin{gathered}\na = b \\\\\nc = d\n\\end{gathered}\n$$" in out
    assert out.endswith("after") and ".. math" not in out
    one = conv("    .. math:: x = 1\n              + y\n    next")
    assert one.splitlines() == ["", "    $$", "    x = 1", "    + y", "    $$", "", "    next"]
