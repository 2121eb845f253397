"""The KAT v2 snapshot (tests/vectors/kat-v2.json) through the API and the static site: every
proof, every CSV byte and every tree node the page reads are the KAT's own."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from solvent.pipeline.build_v2 import build_snapshot_v2
from solvent.web.api import create_app
from solvent.web.catalog import load_catalog
from solvent.web.static_site import publish_static
from tests.pipeline.test_build_v2 import KAT, _ledger, _request
from tests.web.test_static_site_v2 import assembled_proof_v2

pytestmark = pytest.mark.integration
SID = KAT["snapshot_id"]


@pytest.fixture(scope="module")
def kat_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("kat-v2-web")
    return build_snapshot_v2(_request(work, _ledger(work, "wide-csv")), workers=1).out


@pytest.fixture(scope="module")
def client(kat_snapshot: Path) -> Iterator[TestClient]:
    catalog = load_catalog([kat_snapshot])
    try:
        with TestClient(create_app(catalog)) as c:
            yield c
    finally:
        catalog.close()


def account(uid: str) -> dict[str, Any]:
    return next(a for a in KAT["accounts"] if a["uid"] == uid)


def test_every_kat_proof_from_the_api_and_the_static_site(
    client: TestClient, kat_snapshot: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    publish_static([kat_snapshot], site)
    for case in KAT["proofs"]:
        hashed_id = account(case["uid"])["hashed_id"]
        r = client.get(f"/api/snapshots/{SID}/proofs/{hashed_id}")
        if case["proof"] is None:  # holds nothing: in no tree
            assert r.status_code == 404 and r.json()["error"] == "not-found"
            continue
        assert r.status_code == 200 and json.loads(r.content) == case["proof"]
        assert assembled_proof_v2(site, SID, hashed_id) == r.content
    for symbol, text in KAT["liabilities_csv"].items():
        expected = text.encode("utf-8")
        assert client.get(f"/api/snapshots/{SID}/files/liabilities/{symbol}.csv").content == expected
        assert (site / "data" / "s" / SID / "liabilities" / f"{symbol}.csv").read_bytes() == expected


def test_every_kat_tree_node_from_the_api(client: TestClient) -> None:
    for symbol, tree in KAT["trees"].items():
        levels = tree["levels"]
        for level, nodes in enumerate(levels):
            for index, node in enumerate(nodes):
                got = client.get(f"/api/snapshots/{SID}/trees/{symbol}/{level}/{index}").json()
                assert (got["hash"], got["sums"], got["padding"]) == (node["hash"], [node["sum"]], False)
                if level == 0:
                    assert got["hashed_id"] == tree["leaf_order"][index]
