"""HEAD and GET alike on every route (docs/web.md): same status, same headers, no body on HEAD.

The routes come from the application's own route table, so a route added later is
covered without editing this test; a route with a path parameter this file has no
sample for fails until one is added.
"""

from __future__ import annotations

import http.client
import itertools
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Route

from solvent.web.api import create_app
from solvent.web.catalog import Catalog, load_catalog
from tests.web.conftest import NEWEST, OLDER, Demo, Server

pytestmark = pytest.mark.integration

PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def samples(demo: Demo) -> dict[str, list[str]]:
    """Path parameters that answer 200 and ones that answer 4xx, for every parameter name in use."""
    return {
        "snapshot_id": [NEWEST, OLDER, "nope"],
        "hashed_id": [demo.newest.accounts[0].hashed_id, "ab" * 32, "zz"],
        "symbol": ["BTC", "nope"],
        "level": ["0", "1", "99"],
        "index": ["0", "x"],
        "name": ["liabilities.csv", "snapshot.json", "reserves.json", "private/users.csv"],
        "path": ["js/app.js", "app.css", "nope.js"],
    }


def paths(catalog_app: TestClient, demo: Demo) -> Iterator[str]:
    known = samples(demo)
    for route in catalog_app.app.routes:  # type: ignore[attr-defined]
        assert isinstance(route, Route), route
        names = PARAM.findall(route.path)
        missing = [n for n in names if n not in known]
        assert not missing, f"{route.path}: no sample value for {missing}; add one to samples()"
        for values in itertools.product(*(known[n] for n in names)):
            path = route.path
            for value in values:
                path = PARAM.sub(value, path, count=1)
            yield path
    yield "/no/such/route"
    yield "/api/snapshots/" + "x" * 600  # 414, before any routing


@pytest.fixture(scope="module")
def catalog(demo: Demo) -> Iterator[Catalog]:
    c = load_catalog(demo.dirs, demo.settings)
    try:
        yield c
    finally:
        c.close()


@pytest.mark.parametrize("fast", [True, False], ids=["fast-proofs", "routes-only"])
def test_head_answers_as_get_on_every_route(catalog: Catalog, demo: Demo, fast: bool) -> None:
    with TestClient(create_app(catalog, fast_proofs=fast)) as client:
        seen = set()
        for path in paths(client, demo):
            get, head = client.get(path), client.head(path)
            assert head.status_code == get.status_code, path
            assert head.headers == get.headers, path
            assert head.content == b"", path
            seen.add(get.status_code)
        assert {200, 400, 404, 414} <= seen  # the samples reach answers and errors alike


def test_every_route_is_in_the_table_this_test_reads(catalog: Catalog) -> None:
    """The documented endpoints are all routes of the app (so the test above covers them)."""
    app = create_app(catalog)
    table = {route.path for route in app.routes if isinstance(route, Route)}
    assert {
        "/",
        "/static/{path:path}",
        "/api/openapi.json",
        "/api/history",
        "/api/snapshots",
        "/api/snapshots/{snapshot_id}",
        "/api/snapshots/{snapshot_id}/proofs/{hashed_id}",
        "/api/snapshots/{snapshot_id}/tree/{level}/{index}",
        "/api/snapshots/{snapshot_id}/reserves",
        "/api/snapshots/{snapshot_id}/files/{name:path}",
    } <= table


def test_the_openapi_description_lists_get_only(catalog: Catalog) -> None:
    """HEAD is answered everywhere but not listed twice per endpoint (docs/web.md says so once)."""
    with TestClient(create_app(catalog)) as client:
        spec = client.get("/api/openapi.json").json()
    assert {method for item in spec["paths"].values() for method in item} == {"get"}


def test_head_on_the_real_server(server: Server, demo: Demo) -> None:
    """uvicorn, not the test client: the same status and content-length, no body."""
    account = demo.newest.accounts[0]
    for path in (
        f"/api/snapshots/{NEWEST}/proofs/{account.hashed_id}",
        f"/api/snapshots/{NEWEST}/proofs/{'ab' * 32}",
        f"/api/snapshots/{NEWEST}",
        f"/api/snapshots/{NEWEST}/files/liabilities.csv",
        "/",
    ):
        answers = {}
        for method in ("GET", "HEAD"):
            conn = http.client.HTTPConnection(server.host, server.port, timeout=5)
            conn.request(method, path)
            r = conn.getresponse()
            body = r.read()
            conn.close()
            headers = {k.lower(): v for k, v in r.getheaders() if k.lower() != "date"}
            answers[method] = (r.status, headers, body)
        (status, headers, body), (h_status, h_headers, h_body) = answers["GET"], answers["HEAD"]
        assert (h_status, h_headers) == (status, headers), path
        assert h_body == b"" and int(headers["content-length"]) == len(body), path
