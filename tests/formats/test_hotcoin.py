"""Hotcoin proofs: a five-account tree of our own made from the documented rule (Hotcoin's
repository has no licence; docs/formats/hotcoin.md names the sample checked by hand), with
its anchor, padding at two levels, tampered copies and unknown protocol versions."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from solvent.formats import hotcoin, registry
from solvent.protocol.errors import FormatError, RootMismatch, VerificationError
from tests.formats.conftest import set_at, tampered

P = "HOTCOIN-POR-SUM"
ASSETS = [{"coin": "BTC", "decimals": 8}, {"coin": "USDT", "decimals": 4}]
SNAP = "2026-01-31 00:00:00"


def h(domain: int, fields: list[str]) -> str:
    return hashlib.sha256(bytes([domain]) + json.dumps(fields, separators=(",", ":")).encode()).hexdigest()


def add(a: str, b: str, places: int) -> str:
    """Exact sum of two canonical decimals, printed without trailing zeros (no floats)."""
    def units(x: str) -> int:
        whole, _, frac = x.partition(".")
        return int(whole + frac.ljust(places, "0"))
    whole, frac = divmod(units(a) + units(b), 10**places)
    digits = str(frac).rjust(places, "0").rstrip("0")
    return f"{whole}.{digits}" if digits else str(whole)


CFG = h(3, [P, "BTC", "8", "USDT", "4"])
PAD = (h(2, [P, SNAP, CFG]), {"BTC": "0", "USDT": "0"})
ACCOUNTS = [
    ("a" * 63 + str(i), "b" * 63 + str(i), {"BTC": f"0.{i}" if i else "0", "USDT": str(10 * i + 1)}) for i in range(5)
]


def build(index: int) -> tuple[dict[str, Any], dict[str, Any]]:
    level = [(h(0, [P, SNAP, CFG, a, n, b["BTC"], b["USDT"]]), b) for a, n, b in ACCOUNTS]
    leaf_hash, pos, path = level[index][0], index, []
    while len(level) > 1:
        if len(level) % 2:
            level.append(PAD)
        sib = level[pos ^ 1]
        path.append({"position": "LEFT" if pos % 2 else "RIGHT", "hash": sib[0], "balances": sib[1]})
        parents = []
        for i in range(0, len(level), 2):
            (lh, lb), (rh, rb) = level[i], level[i + 1]
            sums = {"BTC": add(lb["BTC"], rb["BTC"], 8), "USDT": add(lb["USDT"], rb["USDT"], 4)}
            parents.append((h(1, [P, CFG, lh, rh, sums["BTC"], sums["USDT"]]), sums))
        level, pos = parents, pos // 2
    a, n, b = ACCOUNTS[index]
    proof = {"protocol": P, "assets": ASSETS, "self": {"snapshotId": SNAP, "accountId": a, "nonce": n, "balances": b,
             "leafHash": leaf_hash, "leafIndex": index, "leafCount": 5}, "path": path}
    anchor = {"protocol": P, "assets": ASSETS, "snapshotId": SNAP, "root": level[0][0], "leafCount": 5,
              "userTotals": level[0][1]}
    return proof, anchor


PROOF, ANCHOR = build(4)
ANCHOR_BYTES = json.dumps(ANCHOR).encode()


@pytest.mark.parametrize("index", range(5))
def test_every_account_verifies_against_the_anchor_and_names_the_version(index: int) -> None:
    proof, anchor = build(index)
    result = hotcoin.verify_proof(json.dumps(proof).encode(), json.dumps(anchor).encode())
    assert result.version == P and result.root == anchor["root"]
    assert result.totals == {"BTC": "1", "USDT": "105"}


def test_files_are_detected_either_first_and_the_anchor_is_optional(tmp_path: Path) -> None:
    p, a = tmp_path / "proof.json", tmp_path / "anchor.json"
    p.write_text(json.dumps(PROOF))
    a.write_text(json.dumps(ANCHOR))
    assert registry.detect(p.read_bytes()) == "hotcoin" and registry.detect(a.read_bytes()) == "hotcoin"
    assert registry.verify("hotcoin", [a, p]).root == ANCHOR["root"]
    alone = registry.verify("hotcoin", [p])
    assert "no-anchor" in {f.code for f in alone.findings}


TAMPERS = [
    ("own balance", set_at("self", "balances", "BTC", "0.5"), VerificationError, "leaf-hash"),
    ("sibling balance", set_at("path", 2, "balances", "USDT", "47"), RootMismatch, "root-mismatch"),
    ("sibling hash", set_at("path", 2, "hash", "0" * 64), RootMismatch, "root-mismatch"),
    ("padding replaced", set_at("path", 0, "hash", "1" * 64), VerificationError, "padding"),
    ("level (side)", set_at("path", 2, "position", "RIGHT"), VerificationError, "side"),
    ("level (index)", set_at("self", "leafIndex", 3), VerificationError, "side"),
    ("a step too many", lambda d: d["path"].append(d["path"][-1]), VerificationError, "level"),
    ("not canonical", set_at("self", "balances", "USDT", "41.0"), FormatError, "decimal"),
]


@pytest.mark.parametrize(("what", "change", "error", "code"), TAMPERS, ids=[t[0] for t in TAMPERS])
def test_every_tampered_copy_is_rejected_naming_the_check(what: str, change: Any, error: type, code: str) -> None:
    with pytest.raises(error) as e:
        hotcoin.verify_proof(tampered(PROOF, change), ANCHOR_BYTES)
    assert e.value.code == code


@pytest.mark.parametrize(
    ("change", "code"),
    [(set_at("root", "2" * 64), "root-mismatch"), (set_at("userTotals", "BTC", "1.1"), "root-mismatch"),
     (set_at("leafCount", 6), "anchor")],
)
def test_a_changed_anchor_is_rejected(change: Any, code: str) -> None:
    with pytest.raises((RootMismatch, VerificationError)) as e:
        hotcoin.verify_proof(json.dumps(PROOF).encode(), tampered(ANCHOR, change))
    assert e.value.code == code


def test_another_protocol_is_an_unsupported_version() -> None:
    doc = tampered(PROOF, set_at("protocol", "HOTCOIN-POR-SUM-V2"))
    assert registry.detect(doc) == "hotcoin"
    with pytest.raises(FormatError) as e:
        hotcoin.verify_proof(doc)
    assert e.value.code == "version"
