"""Proof vectors: the known-answer vector's proofs from the naive reference, and one mutation per file.

Valid proofs come from the naive reference (tests/reference/naive.py) over the
known-answer vector's accounts, never from solvent's own builder. Each invalid case is
one mutation of a valid proof, stored as the exact bytes a verifier receives, with a
description and the expected error code (docs/spec.md §10), written here by hand.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conformance.recipes import Spec, error, input_of, vector
from tests.reference import naive

KAT = json.loads((Path(__file__).parents[1] / "vectors" / "kat-v1.json").read_text())
MANIFEST = "manifests/kat.json"
MAX = 2**128 - 1

Obj = dict[str, Any]


def dump(obj: object) -> bytes:
    return (json.dumps(obj, indent=2) + "\n").encode()


def _tree(accounts: list[tuple[bytes, list[int]]], n: int) -> tuple[list[list[tuple[bytes, list[int]]]], Obj]:
    levels = naive.levels(naive.padded_leaves(accounts, n))
    root_hash, root_sums = levels[-1][0]
    root = {"hash": root_hash.hex(), "sums": [str(s) for s in root_sums], "height": len(levels) - 1,
            "leaf_count": len(accounts)}
    return levels, root


def _proof(snapshot_id: str, assets: list[Obj], accounts: list[tuple[bytes, list[int]]], index: int) -> Obj:
    levels, root = _tree(accounts, len(assets))
    ordered = sorted(accounts)
    hid, amounts = ordered[index]
    return {
        "format": "solvent-proof/1",
        "snapshot_id": snapshot_id,
        "assets": copy.deepcopy(assets),
        "leaf": {"index": index, "hashed_id": hid.hex(), "amounts": [str(a) for a in amounts]},
        "siblings": [{"hash": h.hex(), "sums": [str(s) for s in sums]} for h, sums in naive.siblings(levels, index)],
        "root": root,
    }


def kat_accounts() -> list[tuple[bytes, list[int]]]:
    return [(bytes.fromhex(a["hashed_id"]), [int(x) for x in a["amounts"]]) for a in KAT["accounts"]]


def manifest() -> Obj:
    _, root = _tree(kat_accounts(), len(KAT["assets"]))
    return {
        "format": "solvent-snapshot/1",
        "exchange": "KAT Exchange",
        "snapshot_id": KAT["snapshot_id"],
        "taken_at": "2026-11-23T00:00:00Z",
        "assets": copy.deepcopy(KAT["assets"]),
        "root": root,
        "files": {"liabilities.csv": hashlib.sha256(KAT["liabilities_csv"].encode()).hexdigest()},
    }


def kat_proof(index: int) -> Obj:
    return _proof(KAT["snapshot_id"], KAT["assets"], kat_accounts(), index)


def _mutate(index: int, change: Callable[[Obj], None]) -> bytes:
    p = kat_proof(index)
    change(p)
    return dump(p)


def _text(index: int, change: Callable[[str], str]) -> bytes:
    return change(dump(kat_proof(index)).decode()).encode()


def _flip_hex(h: str, at: int = 0) -> str:
    return h[:at] + format(int(h[at], 16) ^ 1, "x") + h[at + 1 :]


def put(path: str, value: object) -> Callable[[Obj], None]:
    def change(p: Obj) -> None:
        *parents, last = path.split(".")
        target: Any = p
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return change


def _overflow_proof() -> bytes:
    """Two leaves whose BTC amounts add up past 2^128: each leaf is valid, the parent is not."""
    assets = [{"symbol": "BTC", "decimals": 8}]
    a, b = (b"\x11" * 32, [MAX]), (b"\x22" * 32, [1])
    leaf_a = naive.leaf(*a)
    leaf_b = naive.leaf(*b)
    return dump({
        "format": "solvent-proof/1",
        "snapshot_id": "overflow",
        "assets": assets,
        "leaf": {"index": 0, "hashed_id": a[0].hex(), "amounts": [str(MAX)]},
        "siblings": [{"hash": leaf_b[0].hex(), "sums": ["1"]}],
        # No honest root exists; any root will do: verification must stop at the sum.
        "root": {"hash": leaf_a[0].hex(), "sums": [str(MAX)], "height": 1, "leaf_count": 2},
    })


def _other_tree_proof() -> bytes:
    """A valid proof of alice's leaf in a different tree (one account removed)."""
    accounts = [a for a in kat_accounts() if a[0].hex() != KAT["leaf_order"][0]]
    index = sorted(accounts).index(next(a for a in accounts if a[0].hex() == KAT["accounts"][0]["hashed_id"]))
    return dump(_proof(KAT["snapshot_id"], KAT["assets"], accounts, index))


def _maxwell_forgery() -> bytes:
    """Threat L1: alice's proof with her sibling's sums lowered to zero.

    Under a sum-only commitment the forger recomputes the parent from the total it
    wants to show; here both children's sums are in the hash, so nothing matches.
    """
    return _mutate(1, put("siblings.1.sums", ["0", "0", "0"]))


def _padding_sibling_changed() -> bytes:
    """Dave (index 4) has padding to his right; the proof shows a non-padding node there."""
    return _mutate(4, put("siblings.0", {"hash": "00" * 32, "sums": ["0", "0", "0"]}))


def _height_not_minimal() -> bytes:
    """Alice's proof in the same tree padded to height 4: consistent, but not the tree of spec §3."""
    def change(p: Obj) -> None:
        pad3 = naive.levels([naive.leaf(bytes(32), [0, 0, 0])] * 8)[-1][0]
        old = (bytes.fromhex(p["root"]["hash"]), [int(x) for x in p["root"]["sums"]])
        p["siblings"].append({"hash": pad3[0].hex(), "sums": ["0", "0", "0"]})
        new = naive.node(old, pad3)
        p["root"] = {"hash": new[0].hex(), "sums": [str(x) for x in new[1]], "height": 4, "leaf_count": 5}
    return _mutate(1, change)


def _padding_leaf() -> bytes:
    def change(p: Obj) -> None:
        p["leaf"]["hashed_id"] = "00" * 32
    return _mutate(0, change)


def proof_vectors() -> dict[str, Spec]:
    m = MANIFEST
    out: dict[str, Spec] = {}
    for i in range(len(KAT["accounts"])):
        out[f"valid-kat-{i}"] = vector("proof", f"KAT proof of leaf {i}", input_of(dump(kat_proof(i))),
                                        {"valid": True, "anchored": True}, m)
    ids = [a["hashed_id"] for a in sorted(KAT["accounts"], key=lambda a: a["hashed_id"])]
    out["valid-asked-for-its-own-id"] = vector(
        "proof", "KAT proof of leaf 1, looked up by leaf 1's hashed id", input_of(dump(kat_proof(1))),
        {"valid": True, "anchored": True}, m, asked_for=ids[1],
    )
    out["invalid-another-accounts-proof"] = vector(
        "proof", "a server asked for leaf 2's hashed id answers with leaf 1's valid proof",
        input_of(dump(kat_proof(1))), error("id-mismatch"), m, asked_for=ids[2],
    )
    out["valid-unanchored"] = vector("proof", "KAT proof of leaf 1 without a manifest (must warn)",
                                      input_of(dump(kat_proof(1))), {"valid": True, "anchored": False})
    single = (b"\x42" * 32, [MAX, 0, 7])
    out["valid-single-leaf"] = vector("proof", "a tree of one leaf: height 0, no siblings, amount 2^128-1",
                                       input_of(dump(_proof("single", KAT["assets"], [single], 0))),
                                       {"valid": True, "anchored": False})
    bad: list[tuple[str, str, bytes, str, str | None]] = [
        ("sibling-hash-flipped", "one bit of a sibling hash flipped", _mutate(1, lambda p: p["siblings"][2].update(
            hash=_flip_hex(p["siblings"][2]["hash"]))), "root-mismatch", m),
        ("sibling-sum-plus-one", "a sibling sum raised by one base unit", _mutate(1, put("siblings.0.sums.0", "1")),
         "root-mismatch", m),
        ("leaf-amount-changed", "the customer's balance raised", _mutate(1, put("leaf.amounts.0", "150000001")),
         "root-mismatch", m),
        ("root-hash-changed", "the proof's own root hash changed", _mutate(1, lambda p: p["root"].update(
            hash=_flip_hex(p["root"]["hash"], 63))), "root-mismatch", m),
        ("root-sums-changed", "the proof's own root sums changed", _mutate(1, put("root.sums.2", "10010024")),
         "root-mismatch", m),
        ("maxwell-forgery", _maxwell_forgery.__doc__.strip().splitlines()[0], _maxwell_forgery(), "root-mismatch", m),
        ("index-bit-flipped", "leaf index 1 -> 0: the path is folded on the wrong sides",
         _mutate(1, put("leaf.index", 0)), "root-mismatch", m),
        ("index-is-leaf-count", "index 5 = leaf_count: a padding position", _mutate(4, put("leaf.index", 5)),
         "index", m),
        ("index-beyond-tree", "index 7: the last padding position", _mutate(4, put("leaf.index", 7)), "index", m),
        ("extra-sibling", "one sibling more than the height", _mutate(1, lambda p: p["siblings"].append(
            p["siblings"][0])), "length", m),
        ("missing-sibling", "one sibling fewer than the height", _mutate(1, lambda p: p["siblings"].pop()),
         "length", m),
        ("height-41", "height above the maximum of 40", _mutate(1, put("root.height", 41)), "range", m),
        ("leaf-count-too-big", "leaf_count 9 does not fit height 3", _mutate(1, put("root.leaf_count", 9)),
         "leaf-count", m),
        ("leaf-count-zero", "leaf_count 0", _mutate(1, put("root.leaf_count", 0)), "range", m),
        ("height-not-minimal", _height_not_minimal.__doc__.strip(), _height_not_minimal(), "height", None),
        ("negative-sibling-sum", "a sibling sum of -5", _mutate(1, put("siblings.0.sums.0", "-5")), "negative", m),
        ("sum-2-to-128", "a sibling sum of 2^128", _mutate(1, put("siblings.0.sums.0", str(2**128))), "range", m),
        ("sums-overflow", "two leaves whose sum reaches 2^128", _overflow_proof(), "sum-overflow", None),
        ("sum-leading-zero", "an amount with a leading zero", _mutate(1, put("leaf.amounts.0", "0150000000")),
         "non-canonical", m),
        ("sum-with-fraction", "an amount written as 1.5", _mutate(1, put("leaf.amounts.0", "1.5")),
         "non-canonical", m),
        ("sum-exponent", "an amount written as 1e8", _mutate(1, put("leaf.amounts.0", "1e8")), "non-canonical", m),
        ("sum-as-number", "an amount as a JSON number", _mutate(1, put("leaf.amounts.0", 150000000)), "type", m),
        ("sum-with-space", "an amount with a space", _mutate(1, put("leaf.amounts.0", " 150000000")),
         "non-canonical", m),
        ("index-as-bool", "index true instead of 1", _mutate(1, put("leaf.index", True)), "type", m),
        ("index-as-string", "index \"1\" instead of 1", _mutate(1, put("leaf.index", "1")), "type", m),
        ("index-as-float", "index 1.0", _text(1, lambda t: t.replace('"index": 1,', '"index": 1.0,')), "json-float",
         m),
        ("duplicate-key", "the leaf's amounts given twice", _text(1, lambda t: t.replace(
            '"amounts": [\n      "150000000"', '"amounts": ["0", "0", "0"],\n    "amounts": [\n      "150000000"', 1)),
         "json-duplicate-key", m),
        ("nan", "NaN in place of an amount", _text(1, lambda t: t.replace('"150000000"', "NaN", 1)),
         "json-constant", m),
        ("huge-integer", "a 30-digit integer index", _text(1, lambda t: t.replace('"index": 1,', '"index": ' + "9" * 30
                                                                                  + ",")), "json-int", m),
        ("byte-order-mark", "a UTF-8 BOM before the JSON", b"\xef\xbb\xbf" + dump(kat_proof(1)), "json-bom", m),
        ("not-utf8", "a Latin-1 byte inside a string", dump(kat_proof(1)).replace(
            b"solvent-proof/1", b"solvent-pr\xf6of/1"), "json-encoding", m),
        ("truncated", "the file cut in half", dump(kat_proof(1))[:300], "json-syntax", m),
        ("unknown-field", "an extra field in the leaf", _mutate(1, lambda p: p["leaf"].update(note="x")), "fields", m),
        ("missing-field", "no root", _mutate(1, lambda p: p.pop("root")), "fields", m),
        ("wrong-format-version", "format solvent-proof/2", _mutate(1, put("format", "solvent-proof/2")), "version",
         m),
        ("upper-case-hex", "a sibling hash in upper case", _mutate(1, lambda p: p["siblings"][0].update(
            hash=p["siblings"][0]["hash"].upper())), "hex", m),
        ("short-hex", "a 62-digit hashed id", _mutate(1, lambda p: p["leaf"].update(
            hashed_id=p["leaf"]["hashed_id"][:62])), "hex", m),
        ("0x-hex", "a root hash with 0x", _mutate(1, lambda p: p["root"].update(hash="0x" + p["root"]["hash"][2:])),
         "hex", m),
        ("sums-too-short", "a sibling with two sums for three assets", _mutate(1, put("siblings.0.sums", ["0", "0"])),
         "length", m),
        ("padding-sibling-changed", _padding_sibling_changed.__doc__.strip(), _padding_sibling_changed(),
         "padding-mismatch", m),
        ("padding-leaf", "a leaf with the padding id", _padding_leaf(), "padding", m),
        ("decimals-changed", "ETH with 18 decimals in the proof, 8 in the manifest", _mutate(1, put(
            "assets.1.decimals", 18)), "manifest-mismatch", m),
        ("assets-reordered", "the asset list in another order", _mutate(1, lambda p: p.update(
            assets=[p["assets"][1], p["assets"][0], p["assets"][2]])), "manifest-mismatch", m),
        ("snapshot-id-changed", "a proof claiming another snapshot id", _mutate(1, put("snapshot_id", "2026-11-22")),
         "manifest-mismatch", m),
        ("other-root", "a valid proof from a tree without carol, checked against the published manifest",
         _other_tree_proof(), "root-mismatch", m),
        ("asset-bad-symbol", "an asset symbol in lower case", _mutate(1, put("assets.0.symbol", "btc")), "assets", m),
        ("snapshot-id-bad", "a snapshot id with a space", _mutate(1, put("snapshot_id", "2026 11 23")),
         "snapshot-id", m),
    ]
    for name, description, data, code, man in bad:
        out[f"invalid-{name}"] = vector("proof", description, input_of(data), error(code), man)
    return out
