"""The v2 verifier against the naive reference: random sparse ledgers, then one mutation at a time.

Valid proofs come from tests/reference/naive_v2.py (never from solvent's builder); every
mutation must be refused with its error code (docs/spec.md §10 Error codes).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvent.protocol.errors import SolventError
from solvent.protocol.v2.inclusion import verify_proof_bytes
from solvent.protocol.v2.manifest import Manifest, parse_manifest
from tests.reference import naive_v2

SNAPSHOT = "2026-12-04"


def _manifest(assets: list[tuple[str, int]], holdings: dict[str, list[tuple[bytes, int]]]) -> dict[str, Any]:
    trees = []
    for symbol, decimals in assets:
        held = holdings.get(symbol, [])
        levels = naive_v2.levels(symbol, held)
        root_hash, root_sum = levels[-1][0]
        trees.append(
            {
                "symbol": symbol,
                "decimals": decimals,
                "root": {
                    "hash": root_hash.hex(),
                    "sum": str(root_sum),
                    "height": len(levels) - 1,
                    "leaf_count": len(held),
                },
            }
        )
    files = {
        f"liabilities/{s}.csv": hashlib.sha256(naive_v2.csv_text(holdings.get(s, []), d).encode()).hexdigest()
        for s, d in assets
    }
    accounts = len({h for held in holdings.values() for h, _ in held})
    return {
        "format": "solvent-snapshot/2",
        "exchange": "Test Exchange",
        "snapshot_id": SNAPSHOT,
        "taken_at": "2026-12-04T00:00:00Z",
        "accounts": accounts,
        "assets": trees,
        "files": files,
    }


def _proof(assets: list[tuple[str, int]], holdings: dict[str, list[tuple[bytes, int]]], hid: bytes) -> dict[str, Any]:
    entries = [
        naive_v2.proof_entry(s, d, holdings[s], hid)
        for s, d in assets
        if any(h == hid for h, _ in holdings.get(s, []))
    ]
    return {"format": "solvent-proof/2", "snapshot_id": SNAPSHOT, "hashed_id": hid.hex(), "entries": entries}


def _dump(obj: object) -> bytes:
    return json.dumps(obj, indent=2).encode()


ledgers = st.integers(1, 6).flatmap(
    lambda n_assets: st.tuples(
        st.just([(f"A{i}", i % 19) for i in range(n_assets)]),
        st.lists(
            st.tuples(
                st.binary(min_size=32, max_size=32).filter(lambda b: b != bytes(32)),
                st.lists(st.integers(0, 2**100), min_size=n_assets, max_size=n_assets),
            ),
            max_size=12,
            unique_by=lambda t: t[0],
        ),
    )
)


@settings(max_examples=60, deadline=None)
@given(ledgers)
def test_every_account_of_a_random_sparse_ledger_verifies(ledger: tuple[list[tuple[str, int]], list]) -> None:
    assets, rows = ledger
    holdings = {s: [(hid, amounts[i]) for hid, amounts in rows if amounts[i] > 0] for i, (s, _) in enumerate(assets)}
    manifest = parse_manifest(_dump(_manifest(assets, holdings)))
    for hid, amounts in rows:
        if not any(amounts):
            continue  # holds nothing: in no tree, no proof
        result = verify_proof_bytes(_dump(_proof(assets, holdings, hid)), manifest)
        assert [(e.symbol, e.amount) for e in result.proof.entries] == [
            (s, a) for (s, _), a in zip(assets, amounts, strict=True) if a > 0
        ]


# A fixed small exchange for the mutations: four assets, one of them empty, and USDT held
# exactly as BTC is (same ids, same amounts), so only the symbol tells their leaves apart.
ASSETS = [("BTC", 8), ("ETH", 18), ("DOGE", 8), ("USDT", 6)]
IDS = [hashlib.sha256(bytes([i])).digest() for i in range(5)]
HOLDINGS = {
    "BTC": [(IDS[0], 5), (IDS[1], 7), (IDS[2], 11)],
    "ETH": [(IDS[0], 3), (IDS[3], 1)],
    "USDT": [(IDS[0], 5), (IDS[1], 7), (IDS[2], 11)],
}
ME = IDS[0]
MANIFEST = parse_manifest(_dump(_manifest(ASSETS, HOLDINGS)))
VALID = _proof(ASSETS, HOLDINGS, ME)

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: object) -> Mutation:
    def mutate(p: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = p
        for key in parents:
            node = node[int(key)] if key.isdigit() else node[key]
        node[int(last) if last.isdigit() else last] = value

    return mutate


def _other_tree_leaf(p: dict[str, Any]) -> None:
    """The BTC entry offered as USDT's (same id, amount, index and path, USDT's root): a tree of
    the same shape, but the symbol is inside every leaf hash."""
    btc, usdt = p["entries"][0], p["entries"][2]
    p["entries"] = [{**btc, "symbol": "USDT", "decimals": 6, "root": usdt["root"]}]


def _padding_sibling(p: dict[str, Any]) -> None:
    """BTC has 3 leaves (height 2): from index 2 the level-0 sibling (position 3) is padding."""
    p["entries"][0]["index"] = 2
    p["entries"][0]["siblings"][0] = {"hash": "00" * 32, "sum": "0"}


MUTATIONS: dict[str, tuple[Mutation, str]] = {
    "entries-reordered": (lambda p: p["entries"].reverse(), "order"),
    "entry-duplicated": (lambda p: p["entries"].append(copy.deepcopy(p["entries"][0])), "order"),
    "entries-empty": (_set("entries", []), "length"),
    "amount-zero": (_set("entries.0.amount", "0"), "range"),
    "amount-plus-one": (_set("entries.0.amount", "6"), "root-mismatch"),
    "amount-as-number": (_set("entries.0.amount", 5), "type"),
    "amount-leading-zero": (_set("entries.0.amount", "05"), "non-canonical"),
    "leaf-of-another-asset": (_other_tree_leaf, "root-mismatch"),
    "symbol-unknown-to-manifest": (_set("entries.0.symbol", "XRP"), "root-mismatch"),
    "decimals-changed": (_set("entries.0.decimals", 9), "manifest-mismatch"),
    "index-beyond-leaf-count": (_set("entries.0.index", 3), "index"),
    "index-as-bool": (_set("entries.0.index", True), "type"),
    "index-bit-flipped": (lambda p: p["entries"][0].update(index=p["entries"][0]["index"] ^ 1), "root-mismatch"),
    "padding-sibling": (_padding_sibling, "padding-mismatch"),
    "sibling-sum-plus-one": (_set("entries.0.siblings.0.sum", "8"), "root-mismatch"),
    "sibling-hash-flipped": (_set("entries.0.siblings.0.hash", "ff" * 32), "root-mismatch"),
    "sibling-missing": (lambda p: p["entries"][0]["siblings"].pop(), "length"),
    "sibling-extra-field": (_set("entries.0.siblings.0.sums", ["1"]), "fields"),
    "root-sum-changed": (_set("entries.0.root.sum", "24"), "root-mismatch"),
    "root-hash-changed": (_set("entries.0.root.hash", "ab" * 32), "root-mismatch"),
    "leaf-count-zero": (_set("entries.0.root.leaf_count", 0), "height"),
    "leaf-count-too-big": (_set("entries.0.root.leaf_count", 5), "leaf-count"),
    "height-not-minimal": (_set("entries.0.root.height", 3), "height"),
    "hashed-id-padding": (_set("hashed_id", "00" * 32), "padding"),
    "hashed-id-other": (_set("hashed_id", IDS[1].hex()), "root-mismatch"),
    "snapshot-id-changed": (_set("snapshot_id", "2026-12-05"), "manifest-mismatch"),
    "format-v1": (_set("format", "solvent-proof/1"), "version"),
    "unknown-field": (_set("note", "x"), "fields"),
    "entry-unknown-field": (_set("entries.0.note", "x"), "fields"),
    "entry-missing-field": (lambda p: p["entries"][0].pop("root"), "fields"),
}


def test_the_fixed_proof_is_valid() -> None:
    verify_proof_bytes(_dump(VALID), MANIFEST)


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_mutation_is_refused_with_its_code(name: str) -> None:
    mutate, code = MUTATIONS[name]
    proof = copy.deepcopy(VALID)
    mutate(proof)
    with pytest.raises(SolventError) as caught:
        verify_proof_bytes(_dump(proof), MANIFEST)
    assert caught.value.code == code, caught.value.message


def test_a_missing_entry_reads_as_a_zero_balance_not_an_error() -> None:
    """The manifest cannot say what an account holds: an entry left out shows as zero,
    which the customer compares with their account page (docs/spec.md says so)."""
    proof = copy.deepcopy(VALID)
    proof["entries"].pop(1)
    result = verify_proof_bytes(_dump(proof), MANIFEST)
    assert [e.symbol for e in result.proof.entries] == ["BTC", "USDT"]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("accounts", 1, "range"),  # below the largest tree (3 leaves)
        ("accounts", 9, "range"),  # above all leaves (8)
        ("accounts", "4", "type"),
        ("format", "solvent-snapshot/1", "version"),
    ],
)
def test_manifest_field_checks(field: str, value: object, code: str) -> None:
    obj = _manifest(ASSETS, HOLDINGS)
    obj[field] = value
    with pytest.raises(SolventError) as caught:
        parse_manifest(_dump(obj))
    assert caught.value.code == code


def test_manifest_refuses_an_empty_tree_that_is_not_the_padding_leaf() -> None:
    obj = _manifest(ASSETS, HOLDINGS)
    obj["assets"][2]["root"]["sum"] = "1"  # DOGE: nobody holds it
    with pytest.raises(SolventError) as caught:
        parse_manifest(_dump(obj))
    assert caught.value.code == "padding"


def test_manifest_must_bind_every_assets_csv() -> None:
    obj = _manifest(ASSETS, HOLDINGS)
    del obj["files"]["liabilities/DOGE.csv"]
    with pytest.raises(SolventError) as caught:
        parse_manifest(_dump(obj))
    assert caught.value.code == "fields"


def test_manifest_round_trip() -> None:
    assert parse_manifest(MANIFEST.to_json()) == MANIFEST
    assert isinstance(MANIFEST, Manifest)
