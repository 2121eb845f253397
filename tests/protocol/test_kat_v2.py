"""The v2 known-answer vector (tests/vectors/kat-v2.json), reproduced byte for byte.

Every value comes two ways where it can: from the naive reference written from the v2
spec alone (tests/reference/naive_v2.py) and from solvent's stdlib core; both must equal
the vector, which an independent implementation computed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from solvent.protocol import ids
from solvent.protocol.signature import verify_manifest_signature
from solvent.protocol.v2 import hashing
from solvent.protocol.v2.inclusion import balances, verify_proof_bytes
from solvent.protocol.v2.manifest import parse_manifest
from solvent.protocol.v2.proof import parse_proof
from tests.reference import naive_v2

KAT = json.loads((Path(__file__).parents[1] / "vectors" / "kat-v2.json").read_text(encoding="utf-8"))
MASTER = bytes.fromhex(KAT["master_key"])
ASSETS = [(a["symbol"], a["decimals"]) for a in KAT["assets"]]


def _holdings(symbol: str) -> list[tuple[bytes, int]]:
    return [
        (bytes.fromhex(acc["hashed_id"]), int(acc["balances"][symbol]))
        for acc in KAT["accounts"]
        if symbol in acc["balances"]
    ]


def test_the_vector_is_the_shared_one() -> None:
    shared = Path(__file__).parents[3] / "shared" / "vectors" / "kat-v2.json"
    if not shared.exists():
        pytest.skip("the shared vectors are not beside this checkout")
    assert json.loads(shared.read_text(encoding="utf-8")) == KAT


@pytest.mark.parametrize("account", KAT["accounts"], ids=lambda a: a["uid"])
def test_user_secrets_and_hashed_ids(account: dict) -> None:
    secret = ids.user_secret(MASTER, account["uid"])
    assert secret.hex() == account["user_secret"]
    assert ids.hashed_id(secret, KAT["snapshot_id"], account["uid"]).hex() == account["hashed_id"]


@pytest.mark.parametrize(("symbol", "decimals"), ASSETS)
def test_every_level_and_padding_hash(symbol: str, decimals: int) -> None:
    tree = KAT["trees"][symbol]
    holdings = _holdings(symbol)
    assert [h.hex() for h, _ in sorted(holdings)] == tree["leaf_order"]
    naive_levels = naive_v2.levels(symbol, holdings)
    for k, level in enumerate(tree["levels"]):
        # The vector lists the nodes with at least one real leaf below them.
        assert [{"hash": h.hex(), "sum": str(s)} for h, s in naive_levels[k][: len(level)]] == level
    for k, pad_hex in enumerate(tree["pad_hashes_by_level"]):
        assert hashing.pad_node(k, symbol).hash.hex() == pad_hex == naive_v2.pad(k, symbol)[0].hex()
    # solvent's own hashing, leaf by leaf and node by node, agrees with the reference.
    ours = [hashing.leaf_node(symbol, h, a) for h, a in sorted(holdings)]
    ours += [hashing.pad_node(0, symbol)] * ((1 << hashing.height_for(len(holdings))) - len(holdings))
    while len(ours) > 1:
        ours = [hashing.parent(ours[i], ours[i + 1]) for i in range(0, len(ours), 2)]
    manifest_root = next(a["root"] for a in KAT["manifest"]["assets"] if a["symbol"] == symbol)
    assert (ours[0].hash.hex(), str(ours[0].sum)) == (manifest_root["hash"], manifest_root["sum"])
    assert hashing.height_for(len(holdings)) == manifest_root["height"]


@pytest.mark.parametrize(("symbol", "decimals"), ASSETS)
def test_liabilities_csv_byte_for_byte(symbol: str, decimals: int) -> None:
    assert naive_v2.csv_text(_holdings(symbol), decimals) == KAT["liabilities_csv"][symbol]


def test_manifest_parses_to_the_vector_and_its_signature_verifies() -> None:
    data = KAT["manifest_text"].encode("utf-8")
    manifest = parse_manifest(data)
    assert manifest.to_dict() == KAT["manifest"]
    # The vector's text is one valid serialisation (files in asset order); ours sorts the
    # file names: the parsed values must be equal, and ours must parse back to itself.
    assert parse_manifest(manifest.to_json()) == manifest
    verify_manifest_signature(data, bytes.fromhex(KAT["manifest_sig_hex"]), bytes.fromhex(KAT["signing_pub_hex"]))
    for name, digest in manifest.files.items():
        symbol = name.removeprefix("liabilities/").removesuffix(".csv")
        assert hashlib.sha256(KAT["liabilities_csv"][symbol].encode()).hexdigest() == digest


@pytest.mark.parametrize("case", [p for p in KAT["proofs"] if p["proof"] is not None], ids=lambda p: p["uid"])
def test_every_proof_is_reproduced_and_verifies(case: dict) -> None:
    account = next(a for a in KAT["accounts"] if a["uid"] == case["uid"])
    hid = bytes.fromhex(account["hashed_id"])
    entries = [
        naive_v2.proof_entry(symbol, decimals, _holdings(symbol), hid)
        for symbol, decimals in ASSETS
        if symbol in account["balances"]
    ]
    assert entries == case["proof"]["entries"]
    data = json.dumps(case["proof"]).encode()
    assert parse_proof(data).to_dict() == case["proof"]
    manifest = parse_manifest(KAT["manifest_text"].encode("utf-8"))
    result = verify_proof_bytes(data, manifest, uid=case["uid"], user_secret=bytes.fromhex(account["user_secret"]))
    assert result.anchored and result.owner_checked
    shown = balances(result.proof, manifest)
    assert [a.symbol for a, _ in shown][: len(entries)] == [e["symbol"] for e in entries]
    assert {a.symbol: v for a, v in shown} == {s: int(account["balances"].get(s, 0)) for s, _ in ASSETS}


def test_accounts_holding_nothing_are_in_no_tree() -> None:
    empty = [a for a in KAT["accounts"] if not a["balances"]]
    assert len(empty) == 2
    assert KAT["manifest"]["accounts"] == len(KAT["accounts"]) - len(empty)
    for account in empty:
        assert all(account["hashed_id"] not in t["leaf_order"] for t in KAT["trees"].values())
