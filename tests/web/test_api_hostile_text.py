"""Every API route, fed hostile text in every path segment: a clear 4xx, never a 500.

Percent-encoded bytes that are not UTF-8, an encoded lone surrogate, bidi overrides,
terminal escapes, line separators, NUL and a long segment, in each ``{parameter}`` of each
route of ``solvent serve`` (issue 11, "Text handled once").  This file only tests the
routes (the server's code is not changed here).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from solvent.web.api import create_app
from solvent.web.catalog import load_catalog
from tests.web.conftest import V2_ID, Mixed

pytestmark = pytest.mark.integration

HOSTILE = ["%FF", "%ED%A0%80", "Good%E2%80%AEliveD", "%1B%5B31m", "a%E2%80%A8b", "a%00b", "x" * 5000, "..", "%2E%2E"]
ROUTES = [
    "/api/snapshots/{s}",
    "/api/snapshots/{s}/proofs/{h}",
    "/api/snapshots/{s}/tree/{h}/{h}",
    "/api/snapshots/{s}/trees/{h}/{h}/{h}",
    "/api/snapshots/{s}/reserves",
    "/api/snapshots/{s}/files/{h}",
    "/static/{h}",
]


@pytest.fixture(scope="module")
def client(mixed: Mixed) -> Iterator[TestClient]:
    catalog = load_catalog(mixed.dirs)
    try:
        with TestClient(create_app(catalog), raise_server_exceptions=False) as c:
            yield c
    finally:
        catalog.close()


@pytest.mark.parametrize("route", ROUTES)
def test_no_route_answers_500_to_hostile_text(client: TestClient, route: str) -> None:
    failures = []
    for value in HOSTILE:
        for snapshot in (value, V2_ID):
            url = route.replace("{s}", snapshot).replace("{h}", value)
            for method in (client.get, client.head):
                response = method(url)
                if response.status_code >= 500:
                    failures.append((method.__name__, url[:120], response.status_code))
    assert not failures, failures
