"""THREATS.md rows L1, L3, L5, L6, L7, L9, L12, L13, L17: a cheating exchange's tree or proof,
rejected; where it helps, the naive scheme accepting the same cheat (so the test has teeth)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from solvent.protocol.assets import Asset
from solvent.protocol.errors import BadSignature, FormatError, RootMismatch, SumOverflow, VerificationError
from solvent.protocol.hashing import Node, leaf_node, pad_node, parent
from solvent.protocol.ids import hashed_id, lp, user_secret
from solvent.protocol.inclusion import verify_inclusion
from solvent.protocol.manifest import Manifest, parse_manifest
from solvent.protocol.proof import Leaf, Proof, Root
from solvent.protocol.signature import verify_manifest_signature
from solvent.publish.keys import generate_keys, load_signing_key
from solvent.tree.bulk_hash import get_hasher
from solvent.tree.bulk_ids import derive_ids
from solvent.tree.store import TreeReader
from tests.helpers import build, manifest_for

BTC = (Asset("BTC", 8),)


def _ids(n: int) -> list[bytes]:
    return sorted(hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n))


# --- L1: Maxwell's sum-only binding ------------------------------------------------------------


def _sum_only_parent(left: tuple[bytes, int], right: tuple[bytes, int]) -> tuple[bytes, int]:
    """Maxwell's original scheme: the parent commits to the children's hashes and the total only."""
    total = left[1] + right[1]
    return hashlib.sha256(left[0] + right[0] + total.to_bytes(16, "big")).digest(), total


def _maxwell_forge(balances: list[int], victim: int) -> tuple[list[tuple[bytes, int]], int]:
    """The Hu-Zhang-Guo attack: the exchange reports max(vL, vR) upwards instead of the sum and
    lies about the victim's sibling value so the victim's path still adds up. Returns the path
    the victim is shown (sibling hash, claimed sibling value) and the claimed root total."""
    ids = _ids(len(balances))
    level = [(hashlib.sha256(b"\x00" + i + v.to_bytes(16, "big")).digest(), v) for i, v in zip(ids, balances)]
    levels = [level]
    while len(level) > 1:
        nxt = []
        for i in range(0, len(level), 2):
            (hl, vl), (hr, vr) = level[i], level[i + 1]
            top = max(vl, vr)  # the cheat: report the max, not the sum
            nxt.append((hashlib.sha256(hl + hr + top.to_bytes(16, "big")).digest(), top))
        level = nxt
        levels.append(level)
    path = []
    index = victim
    for k in range(len(levels) - 1):
        sib_hash, _ = levels[k][index ^ 1]
        own_value = levels[k][index][1]
        parent_value = levels[k + 1][index // 2][1]
        path.append((sib_hash, parent_value - own_value))  # claimed sibling value: 0 when own is the max
        index //= 2
    return path, levels[-1][0][1]


@pytest.mark.parametrize("n", [2, 8])
def test_l1_maxwell_max_trick_fools_sum_only_but_not_solvent(n: int) -> None:
    balances = [100 + 7 * i for i in range(n)]
    victim = n - 1  # the largest balance: its siblings are claimed to hold 0
    path, claimed_total = _maxwell_forge(balances, victim)
    assert claimed_total < sum(balances)  # the exchange hides liabilities
    ids = _ids(n)
    # Control: the victim's check passes under the sum-only scheme.
    node = (hashlib.sha256(b"\x00" + ids[victim] + balances[victim].to_bytes(16, "big")).digest(), balances[victim])
    index = victim
    for sibling in path:
        node = _sum_only_parent(sibling, node) if index & 1 else _sum_only_parent(node, sibling)
        index //= 2
    assert node[1] == claimed_total  # sum-only accepts the forged path: the victim sees "valid"
    # solvent: the same lie (sibling claimed to hold 0) cannot match any root that binds both sums.
    honest = build([(i, [b]) for i, b in zip(ids, balances)], BTC)
    forged_siblings = tuple(Node(h, (v,)) for h, v in path)
    proof = Proof("s", BTC, Leaf(victim, ids[victim], (balances[victim],)), forged_siblings,
                  Root(honest.root.hash, (claimed_total,), honest.root.height, n))
    with pytest.raises(RootMismatch):
        verify_inclusion(proof)


def test_l1_changing_only_a_childs_split_changes_the_parent() -> None:
    a = leaf_node(b"\x01" * 32, [10])
    b = leaf_node(b"\x02" * 32, [20])
    honest = parent(a, b)
    shifted = parent(Node(a.hash, (5,)), Node(b.hash, (25,)))  # same total, different split
    assert honest.sums == shifted.sums and honest.hash != shifted.hash


# --- L3: overflow -----------------------------------------------------------------------------


def test_l3_builder_refuses_sums_that_overflow() -> None:
    with pytest.raises(SumOverflow) as e:
        build([(b"\x01" * 32, [2**128 - 1]), (b"\x02" * 32, [1])], BTC)
    assert e.value.evidence["level"] == "1" and e.value.evidence["asset"] == "BTC"


def test_l3_builder_overflow_high_in_the_tree() -> None:
    accounts = [(i, [2**126]) for i in _ids(4)]
    with pytest.raises(SumOverflow) as e:
        build(accounts, BTC, chunk_log2=1)
    assert e.value.evidence["level"] == "2"


# --- L5: leaf/node confusion ------------------------------------------------------------------


def test_l5_an_inner_node_cannot_be_presented_as_a_leaf(tmp_path: Path) -> None:
    ids = _ids(4)
    built = build([(i, [k + 1]) for k, i in enumerate(ids)], BTC, tmp_path)
    manifest = manifest_for(built, BTC)
    with TreeReader(tmp_path, manifest) as r:
        inner = r.node(1, 0)
        sibling = r.node(1, 1)
    # Pretend the level-1 node is a leaf of a height-1 tree: hash(0x00 || node.hash || sums) != node.hash.
    # The root hash is parent(inner, sibling) = H(0x01 || record(inner) || record(sibling)).
    assert parent(inner, sibling).hash == built.root.hash
    fake_root = replace(manifest.root, height=1, leaf_count=2)
    fake = Proof("test", BTC, Leaf(0, inner.hash, inner.sums), (sibling,), fake_root)
    with pytest.raises(RootMismatch):
        verify_inclusion(fake)


# --- L6: no duplication, every size its own root ----------------------------------------------


def test_l6_sizes_1_to_33_give_distinct_roots() -> None:
    ids = _ids(33)
    roots = {build([(i, [1]) for i in ids[:k]], BTC).root.hash for k in range(1, 34)}
    assert len(roots) == 33


def test_l6_duplicating_the_last_leaf_is_not_the_same_tree() -> None:
    ids = _ids(3)
    three = build([(i, [1]) for i in ids], BTC)
    # CVE-2012-2459 style: a 4-leaf tree whose last leaf repeats the third.
    duplicated = parent(
        parent(leaf_node(ids[0], [1]), leaf_node(ids[1], [1])), parent(leaf_node(ids[2], [1]), leaf_node(ids[2], [1]))
    )
    assert three.root.hash != duplicated.hash
    assert three.root.hash == parent(
        parent(leaf_node(ids[0], [1]), leaf_node(ids[1], [1])), parent(leaf_node(ids[2], [1]), pad_node(0, 1))
    ).hash


# --- L7: index and direction ------------------------------------------------------------------


def test_l7_flipping_any_index_bit_fails(tmp_path: Path) -> None:
    ids = _ids(13)
    built = build([(i, [k]) for k, i in enumerate(ids)], BTC, tmp_path)
    manifest = manifest_for(built, BTC)
    with TreeReader(tmp_path, manifest) as r:
        proof = r.proof(5)
    verify_inclusion(proof, manifest)
    for bit in range(built.root.height):
        flipped = replace(proof, leaf=replace(proof.leaf, index=proof.leaf.index ^ (1 << bit)))
        with pytest.raises((RootMismatch, FormatError, VerificationError)):
            verify_inclusion(flipped, manifest)


def test_l7_padding_positions_cannot_be_proven(tmp_path: Path) -> None:
    built = build([(i, [1]) for i in _ids(5)], BTC, tmp_path)
    manifest = manifest_for(built, BTC)
    with TreeReader(tmp_path, manifest) as r:
        proof = r.proof(4)
        for index in (5, 6, 7):
            pad_proof = replace(proof, leaf=Leaf(index, b"\x07" * 32, (0,)))
            with pytest.raises(FormatError) as e:
                verify_inclusion(pad_proof, manifest)
            assert e.value.code == "index"
        with pytest.raises(IndexError):
            r.proof(5)


# --- L9: unambiguous encodings ----------------------------------------------------------------


def test_l9_length_prefixes_separate_snapshot_id_and_uid() -> None:
    secret = bytes(range(32))
    # Without length prefixes both pairs would hash the same string "2026-11-23alice".
    assert "2026-11-23" + "alice" == "2026-11-23a" + "lice"
    assert hashed_id(secret, "2026-11-23", "alice") != hashed_id(secret, "2026-11-23a", "lice")
    assert lp(b"ab") + lp(b"c") != lp(b"a") + lp(b"bc")


def test_l9_fixed_width_amounts_separate_assets() -> None:
    # "1","23" and "12","3" would collide as decimal text; as u128be they cannot.
    assert leaf_node(b"\x01" * 32, [1, 23]).hash != leaf_node(b"\x01" * 32, [12, 3]).hash


# --- L12: a proof from another tree ------------------------------------------------------------


def test_l12_valid_proof_for_another_root_is_rejected_against_the_manifest(tmp_path: Path) -> None:
    ids = _ids(6)
    public = build([(i, [5]) for i in ids], BTC)
    (tmp_path / "private").mkdir()
    shown = build([(i, [5]) for i in ids[:5]], BTC, tmp_path / "private")  # a tree shown to one customer
    manifest_shown = manifest_for(shown, BTC)
    with TreeReader(tmp_path / "private", manifest_shown) as r:
        proof = r.proof(2)
    verify_inclusion(proof)  # consistent on its own ...
    with pytest.raises(RootMismatch):
        verify_inclusion(proof, manifest_for(public, BTC))  # ... but not with the published manifest


# --- L13: the signed manifest binds every field -------------------------------------------------


def test_l13_changing_any_manifest_field_breaks_the_signature(tmp_path: Path) -> None:
    keys = generate_keys(tmp_path / "keys")
    key = load_signing_key(keys.signing_key)
    pub = bytes.fromhex(keys.signing_pub.read_text().strip())
    built = build([(i, [5, 7]) for i in _ids(6)], (Asset("BTC", 8), Asset("ETH", 8)))
    manifest = manifest_for(built, (Asset("BTC", 8), Asset("ETH", 8)), snapshot_id="2026-11-23")
    data = manifest.to_json()
    signature = key.sign(data)
    verify_manifest_signature(data, signature, pub)
    obj = json.loads(data)
    changes = [
        ("snapshot_id", "2026-11-22"),
        ("taken_at", "2026-11-22T00:00:00Z"),
        ("exchange", "Other Exchange"),
        ("assets", [{"symbol": "BTC", "decimals": 8}, {"symbol": "ETH", "decimals": 18}]),
        ("root", {**obj["root"], "height": obj["root"]["height"] + 1, "leaf_count": 2 ** obj["root"]["height"] + 1}),
        ("root.leaf_count", obj["root"]["leaf_count"] - 1),
        ("root.sums", ["30", "41"]),
        ("root.hash", "00" * 32),
        ("files", {"liabilities.csv": "11" * 32}),
    ]
    for path, value in changes:
        tampered = json.loads(data)
        if path.startswith("root."):
            tampered["root"][path[5:]] = value
        else:
            tampered[path] = value
        tampered_bytes = json.dumps(tampered, indent=2).encode() + b"\n"
        parse_manifest(tampered_bytes)  # still a well-formed manifest
        with pytest.raises(BadSignature):
            verify_manifest_signature(tampered_bytes, signature, pub)
    # Even whitespace: the signature covers the exact bytes.
    with pytest.raises(BadSignature):
        verify_manifest_signature(data.replace(b"\n", b"\r\n"), signature, pub)
    assert isinstance(Manifest.from_dict(obj), Manifest)


# --- L17: unlinkable across snapshots ----------------------------------------------------------


def test_l17_two_snapshots_of_identical_data_share_no_id_and_no_leaf_hash() -> None:
    master = bytes(range(32))
    uids = pl.Series([str(u) for u in range(1, 2001)])
    _, ids_a = derive_ids(master, "2026-11-23", uids, get_hasher("hashlib"))
    _, ids_b = derive_ids(master, "2026-11-24", uids, get_hasher("hashlib"))
    set_a = {bytes(r) for r in ids_a}
    set_b = {bytes(r) for r in ids_b}
    assert not set_a & set_b
    leaves_a = {leaf_node(i, [1]).hash for i in set_a}
    leaves_b = {leaf_node(i, [1]).hash for i in set_b}
    assert not leaves_a & leaves_b
    # the user secret itself is per user, not per snapshot: the customer keeps one secret
    assert user_secret(master, "7") == user_secret(master, "7")
    assert np.array_equal(ids_a[0], np.frombuffer(hashed_id(user_secret(master, "1"), "2026-11-23", "1"), np.uint8))
