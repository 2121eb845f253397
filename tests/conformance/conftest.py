"""Chromium for the browser half of the suite, launched as in the web tests (from the test run's
one Playwright, tests/conftest.py) but with ``gc()`` exposed, so that the runner can time each
vector from a clean heap."""

from collections.abc import Iterator
from typing import Any

import pytest

__all__ = ["browser", "page"]


@pytest.fixture(scope="module")
def browser(playwright: Any) -> Iterator[Any]:
    from tests.web.browser import launch

    with launch(playwright, ["--js-flags=--expose-gc"]) as context:
        yield context


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    p = browser.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.errors = errors
    try:
        yield p
    finally:
        p.close()
