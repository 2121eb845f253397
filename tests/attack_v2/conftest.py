"""Fixtures of the web tests (a v2 snapshot served beside a v1 one, Chromium), reused here."""

from tests.web.conftest import browser, demo, mixed, page, server_v2, static_site_v2  # noqa: F401
