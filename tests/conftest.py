"""Fixtures shared by more than one test folder."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    """One Playwright per test run (a second sync_playwright in the same process is refused):
    tests/web and tests/conformance launch their Chromium contexts from it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p
