"""v2 proof vectors: every proof of the known-answer vector v2, and one mutation per file.

Valid proofs are kat-v2.json's own (computed by an implementation independent of solvent),
checked against its manifest (``manifests/kat-v2.json``, the KAT's ``manifest_text`` bytes);
the few proofs the KAT has no counterpart for (a tree the manifest does not list, two leaves
whose sum overflows) come from the naive reference (tests/reference/naive_v2.py). Each
invalid case is one mutation of a valid proof, with a description and the expected error
code (docs/spec.md §10 (Error codes)) written here by hand, as are the balances a valid
proof must show: every asset of the manifest, the held ones first, from the KAT's accounts.

A proof that leaves out an asset the account holds is still a valid proof of the entries it
has: docs/spec.md §13.5 (Verifying a v2 proof) says the manifest cannot tell which assets an
account holds, so the verifier shows that asset at zero and the customer compares it with
the account page. ``v2-valid-missing-entry`` pins that.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conformance.proofs import MANIFEST, Obj, dump, kat_proof
from tests.conformance.recipes import LIMIT, Spec, error, input_of, lit, recipe, vector
from tests.reference import naive_v2

__all__ = ["KAT2", "MANIFEST_V2", "manifest_v2_bytes", "proof_v2_vectors", "v2_proof"]

KAT2 = json.loads((Path(__file__).parents[1] / "vectors" / "kat-v2.json").read_text())
MANIFEST_V2 = "manifests/kat-v2.json"
MAX = 2**128 - 1


def manifest_v2_bytes() -> bytes:
    """The KAT's signed manifest, byte for byte."""
    return KAT2["manifest_text"].encode("utf-8")


def v2_proof(uid: str) -> Obj:
    """A fresh copy of the KAT's proof for ``uid``."""
    return copy.deepcopy(next(p["proof"] for p in KAT2["proofs"] if p["uid"] == uid))


ALICE, CAROL, MULLER = "alice@example.com", "1000042", "m\u00fcller@example.de"


def balances(uid: str, held: list[str] | None = None) -> list[dict[str, str]]:
    """What a verifier must show for ``uid``: held assets (manifest order) then the rest at 0.

    ``held`` narrows the account's holdings to what its proof shows (a proof missing an entry).
    """
    account = next(a for a in KAT2["accounts"] if a["uid"] == uid)
    shown = {s: v for s, v in account["balances"].items() if held is None or s in held}
    order = [a["symbol"] for a in KAT2["assets"]]
    first = [{"symbol": s, "amount": shown[s]} for s in order if s in shown]
    return first + [{"symbol": s, "amount": "0"} for s in order if s not in shown]


def _pad(symbol: str, level: int) -> Obj:
    h = KAT2["trees"][symbol]["pad_hashes_by_level"][level] if level < len(
        KAT2["trees"][symbol]["pad_hashes_by_level"]) else naive_v2.pad(level, symbol)[0].hex()
    return {"hash": h, "sum": "0"}


def _flip(h: str, at: int = 0) -> str:
    return h[:at] + format(int(h[at], 16) ^ 1, "x") + h[at + 1 :]


def _at(p: Obj, path: str) -> tuple[Any, Any]:
    *parents, last = path.split(".")
    target: Any = p
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    return target, int(last) if last.isdigit() else last


def mutate(uid: str, change: Callable[[Obj], None]) -> bytes:
    p = v2_proof(uid)
    change(p)
    return dump(p)


def setv(path: str, value: object) -> Callable[[Obj], None]:
    def change(p: Obj) -> None:
        target, key = _at(p, path)
        target[key] = value

    return change


def drop(path: str) -> Callable[[Obj], None]:
    def change(p: Obj) -> None:
        target, key = _at(p, path)
        del target[key]

    return change


def edit(path: str, how: Callable[[Any], Any]) -> Callable[[Obj], None]:
    def change(p: Obj) -> None:
        target, key = _at(p, path)
        target[key] = how(target[key])

    return change


def _overflow() -> bytes:
    """Two BTC leaves whose amounts add up to 2^128: each leaf is valid, their parent is not."""
    a, b = b"\x11" * 32, b"\x22" * 32
    sibling = naive_v2.leaf("BTC", b, 1)
    # No honest root exists; this one parses, and verification must stop at the sum.
    entry = {"symbol": "BTC", "decimals": 8, "index": 0, "amount": str(MAX),
             "siblings": [{"hash": sibling[0].hex(), "sum": "1"}],
             "root": {"hash": sibling[0].hex(), "sum": str(MAX), "height": 1, "leaf_count": 2}}
    return dump({"format": "solvent-proof/2", "snapshot_id": "overflow", "hashed_id": a.hex(), "entries": [entry]})


def _unlisted_asset() -> bytes:
    """Alice's proof with a third, self-consistent entry for XRP, which the manifest does not list."""
    alice = bytes.fromhex(v2_proof(ALICE)["hashed_id"])
    p = v2_proof(ALICE)
    p["entries"].append(naive_v2.proof_entry("XRP", 6, [(alice, 5), (b"\x99" * 32, 7)], alice))
    return dump(p)


def _other_tree() -> bytes:
    """Alice's BTC entry from a BTC tree without 1000042's leaf: consistent, but not the published tree."""
    alice = bytes.fromhex(v2_proof(ALICE)["hashed_id"])
    accounts = [a for a in KAT2["accounts"] if "BTC" in a["balances"] and a["uid"] != CAROL]
    holdings = [(bytes.fromhex(a["hashed_id"]), int(a["balances"]["BTC"])) for a in accounts]
    p = v2_proof(ALICE)
    p["entries"][0] = naive_v2.proof_entry("BTC", 8, holdings, alice)
    return dump(p)


def _relabelled(p: Obj) -> None:
    """1000042 holds 1 BTC and 1 ETH: their ETH entry (same id, same amount) passed off as the BTC one."""
    eth = copy.deepcopy(p["entries"][1])
    eth.update(symbol="BTC", decimals=8)
    p["entries"] = [eth]


def _in_other_tree(p: Obj) -> None:
    """An entry labelled ETH with a BTC index, path and root: an ETH leaf in BTC's tree."""
    btc = copy.deepcopy(p["entries"][0])
    btc.update(symbol="ETH", decimals=18)
    p["entries"] = [btc]


def _empty_tree_entry(root_hash: str | None = None) -> Callable[[Obj], None]:
    """An entry in DOGE's empty tree (leaf_count 0, root pad_0(DOGE)): nobody can hold a leaf there."""
    def change(p: Obj) -> None:
        p["entries"].append({"symbol": "DOGE", "decimals": 8, "index": 0, "amount": "1", "siblings": [],
                             "root": {"hash": root_hash or _pad("DOGE", 0)["hash"], "sum": "0", "height": 0,
                                      "leaf_count": 0}})
    return change


def _v1_shaped(p: Obj) -> None:
    """A v1 proof's fields under the v2 format name."""
    v1 = kat_proof(1)
    p.clear()
    p.update(v1, format="solvent-proof/2")


# Per field of an entry: (name, mutation, expected code for alice's BTC entry, for her ETH entry).
# BTC: index 0 of 5 (height 3); ETH: index 0 of 4 (height 2, a full tree).
ENTRY_CASES: list[tuple[str, Callable[[str], Callable[[Obj], None]], str, str]] = [
    ("symbol-removed", lambda e: drop(f"{e}.symbol"), "fields", "fields"),
    ("symbol-as-number", lambda e: setv(f"{e}.symbol", 8), "assets", "assets"),
    ("symbol-null", lambda e: setv(f"{e}.symbol", None), "assets", "assets"),
    ("symbol-lower-case", lambda e: edit(f"{e}.symbol", str.lower), "assets", "assets"),
    ("symbol-17-chars", lambda e: setv(f"{e}.symbol", "B" * 17), "assets", "assets"),
    ("symbol-of-unheld-asset", lambda e: setv(f"{e}.symbol", "JPY"), "root-mismatch", "root-mismatch"),
    ("decimals-removed", lambda e: drop(f"{e}.decimals"), "fields", "fields"),
    ("decimals-as-string", lambda e: edit(f"{e}.decimals", str), "assets", "assets"),
    ("decimals-as-bool", lambda e: setv(f"{e}.decimals", True), "assets", "assets"),
    ("decimals-19", lambda e: setv(f"{e}.decimals", 19), "assets", "assets"),
    ("decimals-changed", lambda e: edit(f"{e}.decimals", lambda d: d + 1), "manifest-mismatch", "assets"),
    ("index-removed", lambda e: drop(f"{e}.index"), "fields", "fields"),
    ("index-as-string", lambda e: edit(f"{e}.index", str), "type", "type"),
    ("index-as-bool", lambda e: setv(f"{e}.index", False), "type", "type"),
    ("index-negative", lambda e: setv(f"{e}.index", -1), "range", "range"),
    ("index-2-to-40", lambda e: setv(f"{e}.index", 2**40), "range", "range"),
    ("index-changed", lambda e: setv(f"{e}.index", 1), "root-mismatch", "root-mismatch"),
    ("amount-removed", lambda e: drop(f"{e}.amount"), "fields", "fields"),
    ("amount-as-number", lambda e: edit(f"{e}.amount", int), "type", "json-int"),
    ("amount-zero", lambda e: setv(f"{e}.amount", "0"), "range", "range"),
    ("amount-negative", lambda e: edit(f"{e}.amount", lambda a: "-" + a), "negative", "negative"),
    ("amount-leading-zero", lambda e: edit(f"{e}.amount", lambda a: "0" + a), "non-canonical", "range"),
    ("amount-2-to-128", lambda e: setv(f"{e}.amount", str(2**128)), "range", "range"),
    ("amount-plus-one", lambda e: edit(f"{e}.amount", lambda a: str(int(a) + 1)), "root-mismatch", "root-mismatch"),
    ("siblings-removed", lambda e: drop(f"{e}.siblings"), "fields", "fields"),
    ("siblings-as-object", lambda e: setv(f"{e}.siblings", {}), "type", "type"),
    ("siblings-one-missing", lambda e: edit(f"{e}.siblings", lambda s: s[:-1]), "length", "length"),
    ("siblings-one-extra", lambda e: edit(f"{e}.siblings", lambda s: [*s, s[0]]), "length", "length"),
    ("siblings-41", lambda e: edit(f"{e}.siblings", lambda s: [s[0]] * 41), "length", "length"),
    ("siblings-reversed", lambda e: edit(f"{e}.siblings", lambda s: s[::-1]), "root-mismatch", "root-mismatch"),
    ("sibling-hash-removed", lambda e: drop(f"{e}.siblings.0.hash"), "fields", "fields"),
    ("sibling-hash-upper-case", lambda e: edit(f"{e}.siblings.0.hash", str.upper), "hex", "hex"),
    ("sibling-hash-flipped", lambda e: edit(f"{e}.siblings.0.hash", _flip), "root-mismatch", "root-mismatch"),
    ("sibling-sum-removed", lambda e: drop(f"{e}.siblings.0.sum"), "fields", "fields"),
    ("sibling-sum-as-number", lambda e: edit(f"{e}.siblings.0.sum", int), "type", "type"),
    ("sibling-sum-plus-one", lambda e: edit(f"{e}.siblings.0.sum", lambda s: str(int(s) + 1)), "root-mismatch",
     "root-mismatch"),
    ("sibling-unknown-field", lambda e: edit(f"{e}.siblings.0", lambda s: {**s, "sums": ["0"]}), "fields", "fields"),
    ("root-removed", lambda e: drop(f"{e}.root"), "fields", "fields"),
    ("root-as-list", lambda e: setv(f"{e}.root", []), "type", "type"),
    ("root-hash-removed", lambda e: drop(f"{e}.root.hash"), "fields", "fields"),
    ("root-hash-as-number", lambda e: setv(f"{e}.root.hash", 1), "hex", "hex"),
    ("root-hash-flipped", lambda e: edit(f"{e}.root.hash", lambda h: _flip(h, 63)), "root-mismatch", "root-mismatch"),
    ("root-sum-removed", lambda e: drop(f"{e}.root.sum"), "fields", "fields"),
    ("root-sum-as-number", lambda e: setv(f"{e}.root.sum", 5), "type", "type"),
    ("root-sum-plus-one", lambda e: edit(f"{e}.root.sum", lambda s: str(int(s) + 1)), "root-mismatch",
     "root-mismatch"),
    ("root-sum-below-leaf-count", lambda e: setv(f"{e}.root.sum", "1"), "range", "range"),
    ("root-height-removed", lambda e: drop(f"{e}.root.height"), "fields", "fields"),
    ("root-height-as-string", lambda e: edit(f"{e}.root.height", str), "type", "type"),
    ("root-height-plus-one", lambda e: edit(f"{e}.root.height", lambda h: h + 1), "height", "height"),
    ("root-height-minus-one", lambda e: edit(f"{e}.root.height", lambda h: h - 1), "leaf-count", "leaf-count"),
    ("root-height-41", lambda e: setv(f"{e}.root.height", 41), "range", "range"),
    ("root-leaf-count-removed", lambda e: drop(f"{e}.root.leaf_count"), "fields", "fields"),
    ("root-leaf-count-as-string", lambda e: edit(f"{e}.root.leaf_count", str), "type", "type"),
    ("root-leaf-count-zero", lambda e: setv(f"{e}.root.leaf_count", 0), "height", "height"),
    ("root-leaf-count-plus-one", lambda e: edit(f"{e}.root.leaf_count", lambda n: n + 1), "manifest-mismatch",
     "leaf-count"),
    ("root-unknown-field", lambda e: edit(f"{e}.root", lambda r: {**r, "sums": []}), "fields", "fields"),
    ("root-of-the-other-asset", lambda e: setv(f"{e}.root", None), "", ""),  # filled in below
    ("unknown-field", lambda e: edit(e, lambda x: {**x, "note": "x"}), "fields", "fields"),
    ("as-list", lambda e: setv(e, []), "type", "type"),
]


def _entry_vectors(m: str) -> dict[str, Spec]:
    out: dict[str, Spec] = {}
    for at, (symbol, other) in enumerate([("btc", "ETH"), ("eth", "BTC")]):
        for name, make, btc_code, eth_code in ENTRY_CASES:
            code = btc_code if at == 0 else eth_code
            if name == "root-of-the-other-asset":
                # BTC's entry with ETH's root (height 2, 3 siblings) and the other way round:
                # the entry's own shape no longer fits its path.
                def change(p: Obj, at: int = at) -> None:
                    p["entries"][at]["root"] = copy.deepcopy(p["entries"][1 - at]["root"])
                data, code = mutate(ALICE, change), "length"
                description = f"alice's {symbol.upper()} entry carries {other}'s root"
            else:
                data = mutate(ALICE, make(f"entries.{at}"))
                description = f"alice's {symbol.upper()} entry: {name.replace('-', ' ')}"
            out[f"v2-invalid-{symbol}-entry-{name}"] = vector("proof", description, input_of(data), error(code), m)
    return out


def _wide(count: int, unit: str) -> tuple[Spec, int]:
    """A v2 proof of ``count`` entries T0, T1, ... each of height 40 with its 40 siblings
    ``unit``: as many entries and levels as a proof of at most 4 MiB can carry. The roots
    are made up, so verification stops at the first entry; this pins the cost of reading
    4 MiB of entries (the same proof with every root consistent, which makes a verifier
    fold all 1024 entries, is test_differential's)."""
    head = (f'{{"format":"solvent-proof/2","snapshot_id":"{KAT2["snapshot_id"]}",'
            f'"hashed_id":"{v2_proof(ALICE)["hashed_id"]}","entries":[')
    root = '"root":{"hash":"' + "ab" * 32 + f'","sum":"{2**41}","height":40,"leaf_count":{2**40}}}'
    siblings = ",".join([unit] * 40)
    entry = '{"symbol":"T{}","decimals":0,"index":0,"amount":"1","siblings":[' + siblings + "]," + root + "}"
    last = entry.replace("{}", str(count - 1))
    parts = [lit(head), {"numbered": entry + ",", "count": count - 1}, lit(last + "]}")]
    spec = recipe(*parts)
    return spec, spec["generate"]["size"]


def hostile_v2_vectors() -> dict[str, Spec]:
    """The largest amounts of work a v2 proof within the size limit can ask of a verifier."""
    m = MANIFEST_V2
    sibling = '{"hash":"' + "cd" * 32 + '","sum":"1"}'
    wide, size = _wide(1024, sibling)
    assert size <= LIMIT, size
    return {
        "v2-hostile-1024-entries-of-height-40": vector(
            "proof", "1024 entries T0 ... T1023, each of height 40 with 40 siblings (as many as 4 MiB can "
            "carry); made-up roots, so the first entry ends in a root mismatch",
            wide, error("root-mismatch"), m),
    }


def proof_v2_vectors() -> dict[str, Spec]:
    m = MANIFEST_V2
    out: dict[str, Spec] = {}
    anchored = {"valid": True, "anchored": True}
    for i, item in enumerate(KAT2["proofs"]):
        if item["proof"] is None:
            continue
        out[f"v2-valid-kat-{i}"] = vector(
            "proof", f"KAT v2 proof of {item['uid']}", input_of(dump(item["proof"])),
            {**anchored, "balances": balances(item["uid"])}, m,
        )
    alice_id = v2_proof(ALICE)["hashed_id"]
    out["v2-valid-asked-for-its-own-id"] = vector(
        "proof", "alice's proof, looked up by her hashed id", input_of(dump(v2_proof(ALICE))),
        {**anchored, "balances": balances(ALICE)}, m, asked_for=alice_id,
    )
    out["v2-invalid-another-accounts-proof"] = vector(
        "proof", "a server asked for 1000042's hashed id answers with alice's valid proof",
        input_of(dump(v2_proof(ALICE))), error("id-mismatch"), m, asked_for=v2_proof(CAROL)["hashed_id"],
    )
    out["v2-valid-missing-entry"] = vector(
        "proof", "alice's proof without her ETH entry: still a valid proof of her BTC, and ETH shows 0 "
        "(the manifest cannot say what she holds; spec §13.5)",
        input_of(mutate(ALICE, lambda p: p["entries"].pop())),
        {**anchored, "balances": balances(ALICE, held=["BTC"])}, m,
    )
    out["v2-valid-only-second-entry"] = vector(
        "proof", "alice's proof with only her ETH entry: ETH first, then BTC, JPY and DOGE at 0",
        input_of(mutate(ALICE, lambda p: p["entries"].pop(0))),
        {**anchored, "balances": balances(ALICE, held=["ETH"])}, m,
    )
    out["v2-valid-unanchored"] = vector(
        "proof", "müller's proof without a manifest (must warn): only its own entries are shown",
        input_of(dump(v2_proof(MULLER))),
        {"valid": True, "anchored": False, "balances": [
            {"symbol": "BTC", "amount": "2100000000000000"}, {"symbol": "JPY", "amount": "98765432109"}]},
    )
    single = naive_v2.proof_entry("JPY", 0, [(b"\x42" * 32, MAX)], b"\x42" * 32)
    out["v2-valid-single-leaf-max-amount"] = vector(
        "proof", "a one-leaf tree (height 0, no siblings) holding 2^128-1, without a manifest",
        input_of(dump({"format": "solvent-proof/2", "snapshot_id": "single", "hashed_id": "42" * 32,
                       "entries": [single]})),
        {"valid": True, "anchored": False, "balances": [{"symbol": "JPY", "amount": str(MAX)}]},
    )
    carol_btc = "entries.0"
    bad: list[tuple[str, str, bytes, str, str | None]] = [
        ("entries-swapped", "alice's ETH entry before her BTC entry (the manifest lists BTC first)",
         mutate(ALICE, lambda p: p["entries"].reverse()), "order", m),
        ("entry-duplicated", "alice's BTC entry twice", mutate(ALICE, lambda p: p["entries"].insert(
            1, copy.deepcopy(p["entries"][0]))), "order", m),
        ("entries-empty", "no entries at all", mutate(ALICE, setv("entries", [])), "length", m),
        ("entries-1025", "1025 entries (a snapshot has at most 1024 assets)",
         mutate(ALICE, setv("entries", [0] * 1025)), "length", m),
        ("entries-as-object", "entries an object", mutate(ALICE, setv("entries", {})), "type", m),
        ("entries-removed", "no entries field", mutate(ALICE, drop("entries")), "fields", m),
        ("leaf-of-another-asset", _relabelled.__doc__.strip(), mutate(CAROL, _relabelled), "root-mismatch", m),
        ("leaf-in-another-assets-tree", "alice's BTC entry labelled ETH: " + _in_other_tree.__doc__.strip(),
         mutate(ALICE, _in_other_tree), "root-mismatch", m),
        ("leaf-in-another-assets-tree-padding", "1000042's BTC entry (leaf 4 of 5) labelled ETH: its padding "
         "siblings are BTC's, not ETH's", mutate(CAROL, _in_other_tree), "padding-mismatch", m),
        ("padding-sibling-zero", "1000042 is BTC leaf 4 of 5: the sibling at level 0 is padding, "
         "here 32 zero bytes", mutate(CAROL, setv(f"{carol_btc}.siblings.0", {"hash": "00" * 32, "sum": "0"})),
         "padding-mismatch", m),
        ("padding-sibling-of-another-asset", "the padding sibling at level 0 is pad_0(ETH), not pad_0(BTC)",
         mutate(CAROL, setv(f"{carol_btc}.siblings.0", _pad("ETH", 0))), "padding-mismatch", m),
        ("padding-sibling-wrong-level", "the padding sibling at level 1 is pad_0(BTC), not pad_1(BTC)",
         mutate(CAROL, setv(f"{carol_btc}.siblings.1", _pad("BTC", 0))), "padding-mismatch", m),
        ("padding-sibling-with-sum", "the padding sibling at level 0 is pad_0(BTC) with sum 1",
         mutate(CAROL, setv(f"{carol_btc}.siblings.0", {**_pad("BTC", 0), "sum": "1"})), "padding-mismatch", m),
        ("index-is-leaf-count", "1000042's BTC index 5 = leaf_count: a padding position",
         mutate(CAROL, setv(f"{carol_btc}.index", 5)), "index", m),
        ("index-last-padding", "1000042's BTC index 7: the last padding position",
         mutate(CAROL, setv(f"{carol_btc}.index", 7)), "index", m),
        ("empty-tree-entry", "an entry in DOGE's empty tree (leaf_count 0, root pad_0(DOGE))",
         mutate(ALICE, _empty_tree_entry()), "leaf-count", m),
        ("empty-tree-wrong-root", "an entry in DOGE's empty tree whose root is not pad_0(DOGE)",
         mutate(ALICE, _empty_tree_entry(_pad("BTC", 0)["hash"])), "padding", m),
        ("single-leaf-extra-sibling", "müller's JPY entry (a one-leaf tree) with a sibling",
         mutate(MULLER, edit("entries.1.siblings", lambda s: [{"hash": "11" * 32, "sum": "1"}])), "length", m),
        ("asset-not-in-manifest", _unlisted_asset.__doc__.strip(), _unlisted_asset(), "manifest-mismatch", m),
        ("other-tree", _other_tree.__doc__.strip(), _other_tree(), "root-mismatch", m),
        ("maxwell-forgery", "alice's BTC sibling at level 1 with its sum lowered to 0 (threat L1)",
         mutate(ALICE, setv("entries.0.siblings.1.sum", "0")), "root-mismatch", m),
        ("sums-overflow", _overflow.__doc__.strip(), _overflow(), "sum-overflow", None),
        ("non-holder-id", "alice's entries under the hashed id of uid 0, who holds nothing",
         mutate(ALICE, setv("hashed_id", next(a["hashed_id"] for a in KAT2["accounts"] if a["uid"] == "0"))),
         "root-mismatch", m),
        ("hashed-id-flipped", "one bit of the hashed id flipped", mutate(ALICE, edit("hashed_id", _flip)),
         "root-mismatch", m),
        ("hashed-id-upper-case", "the hashed id in upper case", mutate(ALICE, edit("hashed_id", str.upper)), "hex", m),
        ("hashed-id-padding", "the padding id (32 zero bytes)", mutate(ALICE, setv("hashed_id", "00" * 32)),
         "padding", m),
        ("hashed-id-removed", "no hashed_id", mutate(ALICE, drop("hashed_id")), "fields", m),
        ("snapshot-id-changed", "a proof claiming another snapshot id",
         mutate(ALICE, setv("snapshot_id", "2026-12-03")), "manifest-mismatch", m),
        ("snapshot-id-bad", "a snapshot id with a space", mutate(ALICE, setv("snapshot_id", "2026 12 04")),
         "snapshot-id", m),
        ("snapshot-id-removed", "no snapshot_id", mutate(ALICE, drop("snapshot_id")), "fields", m),
        ("format-removed", "no format", mutate(ALICE, drop("format")), "fields", m),
        ("format-3", "format solvent-proof/3", mutate(ALICE, setv("format", "solvent-proof/3")), "version", m),
        ("format-as-number", "format 2", mutate(ALICE, setv("format", 2)), "version", m),
        ("format-of-a-manifest", "format solvent-snapshot/2", mutate(ALICE, setv("format", "solvent-snapshot/2")),
         "version", m),
        ("unknown-field", "an extra top-level field", mutate(ALICE, lambda p: p.update(note="x")), "fields", m),
        ("v1-proof-for-v2-snapshot", "a valid v1 proof checked against the v2 manifest",
         dump(kat_proof(1)), "version", m),
        ("v2-proof-for-v1-snapshot", "a valid v2 proof checked against the v1 manifest",
         dump(v2_proof(ALICE)), "version", MANIFEST),
        ("v2-proof-named-v1", "a v2 proof whose format says solvent-proof/1, against the v2 manifest",
         mutate(ALICE, setv("format", "solvent-proof/1")), "version", m),
        ("v2-proof-named-v1-unanchored", "a v2 proof whose format says solvent-proof/1, without a manifest: "
         "read as v1, whose fields it does not have", mutate(ALICE, setv("format", "solvent-proof/1")), "fields", None),
        ("v1-fields-named-v2", "a v1 proof's fields under the format solvent-proof/2", mutate(ALICE, _v1_shaped),
         "fields", m),
    ]
    for name, description, data, code, man in bad:
        out[f"v2-invalid-{name}"] = vector("proof", description, input_of(data), error(code), man)
    out.update(_entry_vectors(m))
    out.update(hostile_v2_vectors())
    return out
