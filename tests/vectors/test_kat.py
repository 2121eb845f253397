"""The known-answer vector of the protocol (tests/vectors/kat-v1.json, from shared/SPEC.md §7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solvent.protocol.hashing import leaf_node, pad_node, parent
from solvent.protocol.ids import hashed_id, user_secret
from solvent.protocol.inclusion import verify_inclusion
from solvent.protocol.proof import Proof
from tests.reference import naive

KAT = json.loads((Path(__file__).parent / "kat-v1.json").read_text())
MASTER = bytes.fromhex(KAT["master_key"])
N = len(KAT["assets"])


@pytest.mark.parametrize("account", KAT["accounts"], ids=lambda a: a["uid"])
def test_user_secret_and_hashed_id(account: dict) -> None:
    secret = user_secret(MASTER, account["uid"])
    assert secret.hex() == account["user_secret"]
    assert hashed_id(secret, KAT["snapshot_id"], account["uid"]).hex() == account["hashed_id"]


def test_leaf_order_and_leaf_hashes() -> None:
    by_id = {a["hashed_id"]: a for a in KAT["accounts"]}
    assert KAT["leaf_order"] == sorted(by_id)
    for hid, expected in zip(KAT["leaf_order"], KAT["leaf_hashes"], strict=True):
        amounts = [int(x) for x in by_id[hid]["amounts"]]
        assert leaf_node(bytes.fromhex(hid), amounts).hash.hex() == expected


def test_padding_hashes() -> None:
    assert [pad_node(k, N).hash.hex() for k in range(4)] == KAT["pad_hashes_by_level"]


def test_every_level_and_root() -> None:
    level = [
        leaf_node(bytes.fromhex(hid), [int(x) for x in a["amounts"]])
        for hid in KAT["leaf_order"]
        for a in KAT["accounts"]
        if a["hashed_id"] == hid
    ]
    for k, expected in enumerate(KAT["levels"]):
        assert [{"hash": n.hash.hex(), "sums": [str(s) for s in n.sums]} for n in level] == expected
        if len(level) == 1:
            break
        if len(level) % 2:
            level = [*level, pad_node(k, N)]
        level = [parent(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    assert level[0].hash.hex() == KAT["root"]["hash"]
    assert [str(s) for s in level[0].sums] == KAT["root"]["sums"]


def test_reference_reproduces_the_root() -> None:
    accounts = [(bytes.fromhex(a["hashed_id"]), [int(x) for x in a["amounts"]]) for a in KAT["accounts"]]
    h, sums = naive.root(accounts, N)
    assert h.hex() == KAT["root"]["hash"]
    assert [str(s) for s in sums] == KAT["root"]["sums"]


@pytest.mark.parametrize("proof", KAT["proofs"], ids=lambda p: str(p["leaf"]["index"]))
def test_every_proof_verifies_and_round_trips(proof: dict) -> None:
    parsed = Proof.from_dict(proof)
    result = verify_inclusion(parsed)
    assert result.root.hash.hex() == KAT["root"]["hash"]
    assert parsed.to_dict() == proof
