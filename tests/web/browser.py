"""Debian's Chromium driven by Playwright: no browser download, a fresh profile per launch."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach its services,
# which a closed network refuses; none of them is needed to render and test a page.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def chromium_path() -> str | None:
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


@contextmanager
def launch(playwright: Any, extra_args: list[str] | None = None, locale: str = "en-US") -> Iterator[Any]:
    """A persistent context on a fresh user-data dir (removed afterwards).

    ``locale``: the browser's language (navigator.languages, Accept-Language, Intl's default);
    English unless a test asks for another, whatever the machine's own settings.
    """
    path = chromium_path()
    if path is None:
        raise RuntimeError("Debian's chromium is not installed: run `make install` (apt-get install chromium)")
    profile = tempfile.mkdtemp(prefix="solvent-chromium-")
    try:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=path,
            headless=True,
            args=[*FLAGS, *(extra_args or [])],
            viewport=DESKTOP,
            accept_downloads=True,
            locale=locale,
        )
        try:
            yield context
        finally:
            context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@contextmanager
def chromium(extra_args: list[str] | None = None) -> Iterator[Any]:
    """Playwright and one Chromium context, for scripts (tests share one Playwright per session)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, launch(p, extra_args) as context:
        yield context


def open_page(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]")
