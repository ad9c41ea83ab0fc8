"""Run every executed code block of the documentation, page by page.

The same blocks run when the site is built (``mkdocs build --strict``, which CI runs
after the tests), so these tests are marked ``slow`` and stay out of the default run;
they give a plain traceback when a tutorial breaks: ``python -m pytest -m slow tests/docs``.
"""

from __future__ import annotations

import pytest
from docs_blocks import DOCS, pages_with_code, run_page

PAGES = pages_with_code()


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_page_runs(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # anything a page writes lands in a temporary directory
    run_page(page)
