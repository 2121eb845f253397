"""Generate the conformance vectors in tests/conformance/vectors/ (deterministic).

    python -m tests.conformance.generate            # rewrite the committed vectors
    python -m tests.conformance.generate --out DIR  # write them elsewhere (the test diffs the two)

Valid proofs come from the naive reference (tests/reference/naive.py) over the
known-answer vector's accounts, never from solvent's own builder. Each invalid case is
one mutation of a valid proof, stored as the exact bytes a verifier receives, with a
description and the expected error code (docs/spec.md §10); inputs of megabytes are
stored as a recipe (tests/conformance/vectors.py). Strict-JSON documents and pasted
Hashed Client IDs have vectors of their own. The Python verifier and the browser
verifier must both give exactly these results; every expected result is written here
by hand, never computed by the code under test.
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conformance.vectors import assemble
from tests.reference import naive

HERE = Path(__file__).parent
KAT = json.loads((HERE.parent / "vectors" / "kat-v1.json").read_text())
OUT = HERE / "vectors"
MANIFEST = "manifests/kat.json"
#: docs/spec.md §6: a proof file is at most 4 MiB.
LIMIT = 4 * 1024 * 1024
MAX = 2**128 - 1

Obj = dict[str, Any]


def _dump(obj: object) -> bytes:
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
    return _dump(p)


def _text(index: int, change: Callable[[str], str]) -> bytes:
    return change(_dump(kat_proof(index)).decode()).encode()


def _flip_hex(h: str, at: int = 0) -> str:
    return h[:at] + format(int(h[at], 16) ^ 1, "x") + h[at + 1 :]


def _set(path: str, value: object) -> Callable[[Obj], None]:
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
    return _dump({
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
    return _dump(_proof(KAT["snapshot_id"], KAT["assets"], accounts, index))


def _maxwell_forgery() -> bytes:
    """Threat L1: alice's proof with her sibling's sums lowered to zero.

    Under a sum-only commitment the forger recomputes the parent from the total it
    wants to show; here both children's sums are in the hash, so nothing matches.
    """
    return _mutate(1, _set("siblings.1.sums", ["0", "0", "0"]))


def _padding_sibling_changed() -> bytes:
    """Dave (index 4) has padding to his right; the proof shows a non-padding node there."""
    return _mutate(4, _set("siblings.0", {"hash": "00" * 32, "sums": ["0", "0", "0"]}))


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


# -- vector files ---------------------------------------------------------------------------------

Spec = dict[str, Any]


def _input(data: bytes) -> Spec:
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


def _recipe(*parts: Spec) -> Spec:
    return {"generate": {"size": len(assemble(list(parts))), "parts": list(parts)}}


def _lit(s: str) -> Spec:
    return {"text": s}


def _repeat(s: str, times: int) -> Spec:
    return {"repeat": s, "times": times}


def _fill(head: str, unit: str, tail: str, *, size: int = LIMIT, pad: str = " ") -> Spec:
    """``head``, then ``unit`` as often as fits, then ``pad`` up to ``size`` bytes, then ``tail``."""
    room = size - len(head.encode()) - len(tail.encode())
    times, rest = divmod(room, len(unit.encode()))
    parts = [_lit(head), _repeat(unit, times)]
    if rest:
        parts.append(_repeat(pad, rest // len(pad.encode())))
    return _recipe(*parts, _lit(tail))


def _hole(change: Callable[[Obj, str], None], index: int = 1) -> tuple[str, str]:
    """KAT proof ``index`` as text, split where ``change`` put the placeholder string."""
    p = kat_proof(index)
    change(p, "@@HOLE@@")
    head, tail = _dump(p).decode().split('"@@HOLE@@"')
    return head, tail


def _vector(kind: str, description: str, data: Spec, expect: Spec, manifest: str | None = None) -> Spec:
    out: Spec = {"description": description, "kind": kind}
    if kind == "proof":
        out["manifest"] = manifest
    out["input"] = data
    out["expect"] = expect
    return out


def _error(code: str) -> Spec:
    return {"error": code}


def proof_vectors() -> dict[str, Spec]:
    m = MANIFEST
    out: dict[str, Spec] = {}
    for i in range(len(KAT["accounts"])):
        out[f"valid-kat-{i}"] = _vector("proof", f"KAT proof of leaf {i}", _input(_dump(kat_proof(i))),
                                        {"valid": True, "anchored": True}, m)
    out["valid-unanchored"] = _vector("proof", "KAT proof of leaf 1 without a manifest (must warn)",
                                      _input(_dump(kat_proof(1))), {"valid": True, "anchored": False})
    single = (b"\x42" * 32, [MAX, 0, 7])
    out["valid-single-leaf"] = _vector("proof", "a tree of one leaf: height 0, no siblings, amount 2^128-1",
                                       _input(_dump(_proof("single", KAT["assets"], [single], 0))),
                                       {"valid": True, "anchored": False})
    bad: list[tuple[str, str, bytes, str, str | None]] = [
        ("sibling-hash-flipped", "one bit of a sibling hash flipped", _mutate(1, lambda p: p["siblings"][2].update(
            hash=_flip_hex(p["siblings"][2]["hash"]))), "root-mismatch", m),
        ("sibling-sum-plus-one", "a sibling sum raised by one base unit", _mutate(1, _set("siblings.0.sums.0", "1")),
         "root-mismatch", m),
        ("leaf-amount-changed", "the customer's balance raised", _mutate(1, _set("leaf.amounts.0", "150000001")),
         "root-mismatch", m),
        ("root-hash-changed", "the proof's own root hash changed", _mutate(1, lambda p: p["root"].update(
            hash=_flip_hex(p["root"]["hash"], 63))), "root-mismatch", m),
        ("root-sums-changed", "the proof's own root sums changed", _mutate(1, _set("root.sums.2", "10010024")),
         "root-mismatch", m),
        ("maxwell-forgery", _maxwell_forgery.__doc__.strip().splitlines()[0], _maxwell_forgery(), "root-mismatch", m),
        ("index-bit-flipped", "leaf index 1 -> 0: the path is folded on the wrong sides",
         _mutate(1, _set("leaf.index", 0)), "root-mismatch", m),
        ("index-is-leaf-count", "index 5 = leaf_count: a padding position", _mutate(4, _set("leaf.index", 5)),
         "index", m),
        ("index-beyond-tree", "index 7: the last padding position", _mutate(4, _set("leaf.index", 7)), "index", m),
        ("extra-sibling", "one sibling more than the height", _mutate(1, lambda p: p["siblings"].append(
            p["siblings"][0])), "length", m),
        ("missing-sibling", "one sibling fewer than the height", _mutate(1, lambda p: p["siblings"].pop()),
         "length", m),
        ("height-41", "height above the maximum of 40", _mutate(1, _set("root.height", 41)), "range", m),
        ("leaf-count-too-big", "leaf_count 9 does not fit height 3", _mutate(1, _set("root.leaf_count", 9)),
         "leaf-count", m),
        ("leaf-count-zero", "leaf_count 0", _mutate(1, _set("root.leaf_count", 0)), "range", m),
        ("height-not-minimal", _height_not_minimal.__doc__.strip(), _height_not_minimal(), "height", None),
        ("negative-sibling-sum", "a sibling sum of -5", _mutate(1, _set("siblings.0.sums.0", "-5")), "negative", m),
        ("sum-2-to-128", "a sibling sum of 2^128", _mutate(1, _set("siblings.0.sums.0", str(2**128))), "range", m),
        ("sums-overflow", "two leaves whose sum reaches 2^128", _overflow_proof(), "sum-overflow", None),
        ("sum-leading-zero", "an amount with a leading zero", _mutate(1, _set("leaf.amounts.0", "0150000000")),
         "non-canonical", m),
        ("sum-with-fraction", "an amount written as 1.5", _mutate(1, _set("leaf.amounts.0", "1.5")),
         "non-canonical", m),
        ("sum-exponent", "an amount written as 1e8", _mutate(1, _set("leaf.amounts.0", "1e8")), "non-canonical", m),
        ("sum-as-number", "an amount as a JSON number", _mutate(1, _set("leaf.amounts.0", 150000000)), "type", m),
        ("sum-with-space", "an amount with a space", _mutate(1, _set("leaf.amounts.0", " 150000000")),
         "non-canonical", m),
        ("index-as-bool", "index true instead of 1", _mutate(1, _set("leaf.index", True)), "type", m),
        ("index-as-string", "index \"1\" instead of 1", _mutate(1, _set("leaf.index", "1")), "type", m),
        ("index-as-float", "index 1.0", _text(1, lambda t: t.replace('"index": 1,', '"index": 1.0,')), "json-float",
         m),
        ("duplicate-key", "the leaf's amounts given twice", _text(1, lambda t: t.replace(
            '"amounts": [\n      "150000000"', '"amounts": ["0", "0", "0"],\n    "amounts": [\n      "150000000"', 1)),
         "json-duplicate-key", m),
        ("nan", "NaN in place of an amount", _text(1, lambda t: t.replace('"150000000"', "NaN", 1)),
         "json-constant", m),
        ("huge-integer", "a 30-digit integer index", _text(1, lambda t: t.replace('"index": 1,', '"index": ' + "9" * 30
                                                                                  + ",")), "json-int", m),
        ("byte-order-mark", "a UTF-8 BOM before the JSON", b"\xef\xbb\xbf" + _dump(kat_proof(1)), "json-bom", m),
        ("not-utf8", "a Latin-1 byte inside a string", _dump(kat_proof(1)).replace(
            b"solvent-proof/1", b"solvent-pr\xf6of/1"), "json-encoding", m),
        ("truncated", "the file cut in half", _dump(kat_proof(1))[:300], "json-syntax", m),
        ("unknown-field", "an extra field in the leaf", _mutate(1, lambda p: p["leaf"].update(note="x")), "fields", m),
        ("missing-field", "no root", _mutate(1, lambda p: p.pop("root")), "fields", m),
        ("wrong-format-version", "format solvent-proof/2", _mutate(1, _set("format", "solvent-proof/2")), "version",
         m),
        ("upper-case-hex", "a sibling hash in upper case", _mutate(1, lambda p: p["siblings"][0].update(
            hash=p["siblings"][0]["hash"].upper())), "hex", m),
        ("short-hex", "a 62-digit hashed id", _mutate(1, lambda p: p["leaf"].update(
            hashed_id=p["leaf"]["hashed_id"][:62])), "hex", m),
        ("0x-hex", "a root hash with 0x", _mutate(1, lambda p: p["root"].update(hash="0x" + p["root"]["hash"][2:])),
         "hex", m),
        ("sums-too-short", "a sibling with two sums for three assets", _mutate(1, _set("siblings.0.sums", ["0", "0"])),
         "length", m),
        ("padding-sibling-changed", _padding_sibling_changed.__doc__.strip(), _padding_sibling_changed(),
         "padding-mismatch", m),
        ("padding-leaf", "a leaf with the padding id", _padding_leaf(), "padding", m),
        ("decimals-changed", "ETH with 18 decimals in the proof, 8 in the manifest", _mutate(1, _set(
            "assets.1.decimals", 18)), "manifest-mismatch", m),
        ("assets-reordered", "the asset list in another order", _mutate(1, lambda p: p.update(
            assets=[p["assets"][1], p["assets"][0], p["assets"][2]])), "manifest-mismatch", m),
        ("snapshot-id-changed", "a proof claiming another snapshot id", _mutate(1, _set("snapshot_id", "2026-11-22")),
         "manifest-mismatch", m),
        ("other-root", "a valid proof from a tree without carol, checked against the published manifest",
         _other_tree_proof(), "root-mismatch", m),
        ("asset-bad-symbol", "an asset symbol in lower case", _mutate(1, _set("assets.0.symbol", "btc")), "assets", m),
        ("snapshot-id-bad", "a snapshot id with a space", _mutate(1, _set("snapshot_id", "2026 11 23")),
         "snapshot-id", m),
    ]
    for name, description, data, code, man in bad:
        out[f"invalid-{name}"] = _vector("proof", description, _input(data), _error(code), man)
    out.update(adversarial_vectors())
    return out


def adversarial_vectors() -> dict[str, Spec]:
    """Sizes and shapes a hostile server or file can send; each must be answered quickly (threat L18)."""
    m = MANIFEST
    kat1 = _dump(kat_proof(1)).decode()
    anchored = {"valid": True, "anchored": True}

    def at(path: str) -> Callable[[Obj, str], None]:
        def change(p: Obj, hole: str) -> None:
            _set(path, hole)(p)
        return change

    def extra(where: str) -> Callable[[Obj, str], None]:
        def change(p: Obj, hole: str) -> None:
            (p[where] if where else p)["x"] = hole
        return change

    sid_head, sid_tail = _hole(at("snapshot_id"))
    fmt_head, fmt_tail = _hole(at("format"))
    hid_head, hid_tail = _hole(at("leaf.hashed_id"))
    idx_head, idx_tail = _hole(at("leaf.index"))
    x_head, x_tail = _hole(extra(""))
    leaf_x_head, leaf_x_tail = _hole(extra("leaf"))
    sib_head, sib_tail = _hole(at("siblings"))
    sibling = json.dumps(kat_proof(1)["siblings"][0], separators=(",", ":"))
    # Brackets inside a value nested 62 deep: with the proof object and the list around
    # them, exactly the limit of 64 levels.
    nest62 = "[" * 62 + "]" * 62
    return {
        "size-at-limit": _vector(
            "proof", "KAT proof 1 followed by spaces up to exactly 4 MiB, the size limit",
            _recipe(_lit(kat1), _repeat(" ", LIMIT - len(kat1))), anchored, m),
        "size-at-limit-leading-space": _vector(
            "proof", "spaces up to exactly 4 MiB before KAT proof 1",
            _recipe(_repeat(" ", LIMIT - len(kat1)), _lit(kat1)), anchored, m),
        "size-over-limit": _vector(
            "proof", "KAT proof 1 followed by spaces up to 4 MiB and one byte",
            _recipe(_lit(kat1), _repeat(" ", LIMIT + 1 - len(kat1))), _error("too-large"), m),
        "size-bom-4mib": _vector(
            "proof", "a byte-order mark before a 4 MiB proof", _recipe(_hex("efbbbf"), _lit(kat1),
                                                                       _repeat(" ", LIMIT - 3 - len(kat1))),
            _error("json-bom"), m),
        "size-not-utf8-at-end-4mib": _vector(
            "proof", "a 4 MiB proof whose last byte is not UTF-8",
            _recipe(_lit(kat1), _repeat(" ", LIMIT - 1 - len(kat1)), _hex("ff")), _error("json-encoding"), m),
        "depth-64": _vector(
            "proof", "an extra field nested to exactly the depth limit of 64: parses, then fails on the field",
            _input(f'{x_head}{"[" * 63}{"]" * 63}{x_tail}'.encode()), _error("fields"), m),
        "depth-65": _vector(
            "proof", "an extra field nested one level beyond the depth limit",
            _input(f'{x_head}{"[" * 64}{"]" * 64}{x_tail}'.encode()), _error("json-syntax"), m),
        "depth-4mib-open-brackets": _vector(
            "proof", "4 MiB of '['", _recipe(_repeat("[", LIMIT)), _error("json-syntax"), m),
        "depth-at-limit-around-4mib-string": _vector(
            "proof", "a 4 MiB string of brackets and escaped quotes inside lists nested to the limit of 64",
            _fill(x_head + "[" * 63 + '"', '[{\\"', '"' + "]" * 63 + x_tail), _error("fields"), m),
        # Two million lists cost what they cost to build (Chromium's own JSON.parse takes as
        # long as the verifier's parser): a quarter of the size limit keeps this a bound on
        # the depth scan, not on the browser's allocator.
        "depth-1mib-lists-at-limit": _vector(
            "proof", "1 MiB of lists nested 64 deep, side by side: every one at the limit, none beyond",
            _fill(x_head + "[", nest62 + ",", nest62 + "]" + x_tail, size=LIMIT // 4), _error("fields"), m),
        "depth-4mib-brackets-in-a-string": _vector(
            "proof", "a 4 MiB snapshot id of '[{': brackets inside a string do not nest",
            _fill(sid_head + '"', "[{", '"' + sid_tail), _error("snapshot-id"), m),
        "escapes-4mib-quotes": _vector(
            "proof", "a 4 MiB snapshot id of escaped quotes",
            _fill(sid_head + '"', '\\"', '"' + sid_tail), _error("snapshot-id"), m),
        "escapes-4mib-quotes-unterminated": _vector(
            "proof", "4 MiB of escaped quotes in a string that never ends",
            _fill(fmt_head + '"', '\\"', ""), _error("json-syntax"), m),
        "escapes-4mib-quote-bracket-unterminated": _vector(
            "proof", "4 MiB of escaped quotes and brackets in a string that never ends",
            _fill(fmt_head + '"', '\\"[', ""), _error("json-syntax"), m),
        "escapes-4mib-backslashes": _vector(
            "proof", "a 4 MiB format of escaped backslashes",
            _fill(fmt_head + '"', "\\\\", '"' + fmt_tail), _error("version"), m),
        "escapes-4mib-unicode": _vector(
            "proof", "a 4 MiB hashed id of \\u0061 escapes ('a')",
            _fill(hid_head + '"', "\\u0061", '"' + hid_tail), _error("hex"), m),
        "escapes-4mib-surrogate-pairs": _vector(
            "proof", "a 4 MiB snapshot id of escaped surrogate pairs",
            _fill(sid_head + '"', "\\ud83d\\ude00", '"' + sid_tail), _error("snapshot-id"), m),
        "string-4mib-hashed-id": _vector(
            "proof", "a 4 MiB hashed id of hex digits",
            _fill(hid_head + '"', "a", '"' + hid_tail), _error("hex"), m),
        "string-4mib-key": _vector(
            "proof", "an extra field with a 4 MiB name",
            _fill(leaf_x_head[: leaf_x_head.rindex('"x"')] + '"', "k", '": "0"' + leaf_x_tail), _error("fields"), m),
        "string-4mib-unterminated": _vector(
            "proof", "a string that runs 4 MiB to the end of the file",
            _fill(fmt_head + '"', "x", ""), _error("json-syntax"), m),
        "integer-4mib": _vector(
            "proof", "a leaf index of 4 MiB of digits", _fill(idx_head, "9", idx_tail), _error("json-int"), m),
        "integer-4mib-negative": _vector(
            "proof", "a leaf index of minus 4 MiB of digits", _fill(idx_head + "-", "9", idx_tail),
            _error("json-int"), m),
        "integer-4mib-fraction": _vector(
            "proof", "a leaf index of 4 MiB of digits with a fraction", _fill(idx_head + "1", "0", ".5" + idx_tail),
            _error("json-float"), m),
        "integer-4mib-exponent": _vector(
            "proof", "a leaf index with a 4 MiB exponent", _fill(idx_head + "1e", "9", idx_tail),
            _error("json-float"), m),
        "integer-21-digits": _vector(
            "proof", "a leaf index of 21 digits, one over the limit",
            _input(f"{idx_head}{'1' * 21}{idx_tail}".encode()), _error("json-int"), m),
        "integer-20-digits": _vector(
            "proof", "a leaf index of 20 digits: parses, then is out of range",
            _input(f"{idx_head}{'9' * 20}{idx_tail}".encode()), _error("range"), m),
        # As for the lists above: a hundred thousand distinct fields are a bound on the parser,
        # four times as many would be one on the browser's hash tables.
        "keys-1mib-distinct": _vector(
            "proof", "1 MiB of distinct extra fields in the leaf",
            _many_keys(leaf_x_head, leaf_x_tail, LIMIT // 4), _error("fields"), m),
        "keys-4mib-duplicate": _vector(
            "proof", "4 MiB of one extra field repeated in the leaf",
            _fill(leaf_x_head[: leaf_x_head.rindex('"x"')], '"k": 0, ', leaf_x_head[leaf_x_head.rindex('"x"'):]
                  + '"0"' + leaf_x_tail), _error("json-duplicate-key"), m),
        "siblings-4mib": _vector(
            "proof", "4 MiB of siblings", _fill(sib_head + "[", sibling + ",", sibling + "]" + sib_tail),
            _error("length"), m),
        "siblings-4mib-integers": _vector(
            "proof", "4 MiB of small integers as the sibling list", _fill(sib_head + "[", "0,", "0]" + sib_tail),
            _error("length"), m),
    }


def _hex(h: str) -> Spec:
    return {"hex": h}


def _many_keys(head: str, tail: str, size: int) -> Spec:
    """``head`` ends with ``"x": ``; distinct fields k0, k1, ... fill it to ``size`` bytes."""
    cut = head.rindex('"x"')
    before, after = head[:cut], head[cut:] + '"0"' + tail
    room = size - len(before) - len(after)
    count, used = 0, 0
    while True:  # '"k{i}": 0, ' is 8 bytes plus the digits of i
        step = 8 + len(str(count))
        if used + step > room:
            break
        used += step
        count += 1
    parts = [_lit(before), {"numbered": '"k{}": 0, ', "count": count}]
    if room - used:
        parts.append(_repeat(" ", room - used))
    return _recipe(*parts, _lit(after))


# (document, expected error code or None when it parses). Written by hand from the rules of
# protocol/strictjson.py; Python's json module and the browser's parser must both agree.
JSON_DOCS: list[tuple[str, str, bytes, str | None]] = [
    ("float-before-duplicate", "a float after a duplicate key: the float is seen first",
     b'{"a": 1, "a": 1.5}', "json-float"),
    ("duplicate-then-float-later", "a duplicate key, then a float in a later value of the same object",
     b'{"a": 1, "a": 2, "b": 1.5}', "json-float"),
    ("duplicate-nested", "a duplicate key in an inner object", b'{"a": {"b": 1, "b": 2}}', "json-duplicate-key"),
    ("duplicate-inner-before-outer-float", "an inner object closes (duplicate) before the outer float",
     b'[{"a": 1, "a": 1}, 1.5]', "json-duplicate-key"),
    ("duplicate-by-escape", "the same key written once plainly and once escaped", b'{"a": 1, "\\u0061": 2}',
     "json-duplicate-key"),
    ("trailing-comma-list", "a trailing comma in a list", b"[1, 2,]", "json-syntax"),
    ("trailing-comma-object", "a trailing comma in an object", b'{"a": 1,}', "json-syntax"),
    ("leading-zero", "a number with a leading zero", b"[01]", "json-syntax"),
    ("negative-leading-zero", "a negative number with a leading zero", b"-01", "json-syntax"),
    ("plus-sign", "a number with a plus sign", b"+1", "json-syntax"),
    ("hex-number", "a hex number", b"0x10", "json-syntax"),
    ("fullwidth-digit", "a full-width digit", "\uff11".encode(), "json-syntax"),
    ("lone-minus", "a minus sign alone", b"-", "json-syntax"),
    ("dot-no-fraction", "a number ending in a dot", b"1.", "json-syntax"),
    ("e-no-exponent", "a number ending in e", b"1e", "json-syntax"),
    ("lone-surrogate-escape", "an escaped lone high surrogate (accepted, as by Python)", b'"\\ud800"', None),
    ("surrogate-pair-escape", "an escaped surrogate pair", b'"\\ud83d\\ude00"', None),
    ("surrogate-bad-second-escape", "a high surrogate followed by a broken \\u escape", b'"\\ud83d\\u00zz"',
     "json-syntax"),
    ("short-unicode-escape", "a \\u escape with two digits", b'"\\u12"', "json-syntax"),
    ("unknown-escape", "the escape \\x", b'"\\x41"', "json-syntax"),
    ("raw-tab-in-string", "a raw tab inside a string", b'"tab\there"', "json-syntax"),
    ("raw-newline-in-string", "a raw line feed inside a string", b'"a\nb"', "json-syntax"),
    ("escaped-backslash-quote", "an escaped backslash before the closing quote", b'"\\\\"', None),
    ("nan", "NaN", b"NaN", "json-constant"),
    ("infinity", "Infinity", b"Infinity", "json-constant"),
    ("minus-infinity", "-Infinity", b"-Infinity", "json-constant"),
    ("nan-in-object", "NaN as a value", b'{"a": NaN}', "json-constant"),
    ("minus-zero", "-0 is an integer", b"-0", None),
    ("exponent", "1E5 is a float", b"1E5", "json-float"),
    ("fraction", "1.0 is a float", b"1.0", "json-float"),
    ("integer-21-digits", "21 digits", b"123456789012345678901", "json-int"),
    ("integer-20-digits-negative", "minus 20 digits", b"-12345678901234567890", None),
    ("integer-21-digits-negative", "minus 21 digits", b"-123456789012345678901", "json-int"),
    ("depth-65", "65 nested lists", b"[" * 65 + b"]" * 65, "json-syntax"),
    ("depth-64", "64 nested lists", b"[" * 64 + b"]" * 64, None),
    ("depth-64-brackets-in-string", "64 nested lists around a string of brackets and escapes",
     b"[" * 63 + b'["\\"[[[[{{\\\\"]' + b"]" * 63, None),
    ("brackets-in-string", "brackets inside a string", b'"[[[[" ', None),
    ("unterminated-string-with-brackets", "a string never closed, full of brackets", b'["' + b"[" * 100,
     "json-syntax"),
    ("two-values", "two documents", b"{} {}", "json-syntax"),
    ("literals", "true, false, null", b'{"x": [true, false, null]}', None),
    ("truncated-literal", "tru", b"tru", "json-syntax"),
    ("json-whitespace", "the four JSON whitespace characters", b" \n\t\r {}", None),
    ("no-break-space", "U+00A0 is not JSON whitespace", "\u00a0{}".encode(), "json-syntax"),
    ("empty", "no bytes at all", b"", "json-syntax"),
    ("missing-colon", "a key without a colon", b'{"a" 1}', "json-syntax"),
    ("missing-comma", "two values without a comma", b"[1 2]", "json-syntax"),
    ("unquoted-key", "a key without quotes", b"{a: 1}", "json-syntax"),
    ("bom", "a byte-order mark before an object", b"\xef\xbb\xbf{}", "json-bom"),
    ("overlong-utf8", "an overlong UTF-8 encoding of '/'", b'"\xc0\xaf"', "json-encoding"),
    ("encoded-surrogate", "a surrogate encoded in UTF-8", b'"\xed\xa0\x80"', "json-encoding"),
    ("four-byte-utf8", "a four-byte UTF-8 character", '"\U0001f600"'.encode(), None),
]

VALID_ID = KAT["accounts"][0]["hashed_id"]

# (name, description, text, accepted) for the one hashed-id rule (protocol.ids.parse_hashed_id):
# surrounding whitespace (as Python's str.isspace) removed, then 64 hex digits in either case.
HASHED_IDS: list[tuple[str, str, str, bool]] = [
    ("lower-case", "64 lower-case hex digits", VALID_ID, True),
    ("upper-case", "64 upper-case hex digits", VALID_ID.upper(), True),
    ("mixed-case", "mixed case", VALID_ID[:32].upper() + VALID_ID[32:], True),
    ("spaces-around", "spaces before and after", "  " + VALID_ID + " ", True),
    ("tabs-and-newlines-around", "tab, line feed, carriage return, vertical tab and form feed around",
     "\t\n" + VALID_ID + "\r\n\x0b\x0c", True),
    ("unicode-spaces-around", "no-break, ideographic, em and line-separator spaces around",
     "\u00a0\u3000" + VALID_ID + "\u2003\u2028", True),
    ("separator-controls-around", "U+001C..U+001F and U+0085 around (Python's isspace)",
     "\x1c\x1d" + VALID_ID + "\x1e\x1f\x85", True),
    ("many-spaces-around", "a megabyte of spaces on each side", " " * 1_000_000 + VALID_ID + " " * 1_000_000, True),
    ("byte-order-mark-before", "U+FEFF is not whitespace", "\ufeff" + VALID_ID, False),
    ("zero-width-space-after", "U+200B is not whitespace", VALID_ID + "\u200b", False),
    ("space-inside", "a space in the middle", VALID_ID[:32] + " " + VALID_ID[32:], False),
    ("empty", "nothing", "", False),
    ("only-spaces", "only whitespace", " \t\n ", False),
    ("63-digits", "one digit short", VALID_ID[:63], False),
    ("65-digits", "one digit over", VALID_ID + "0", False),
    ("0x-prefix", "0x and 62 digits", "0x" + VALID_ID[:62], False),
    ("0x-prefix-64", "0x and all 64 digits", "0x" + VALID_ID, False),
    ("letter-g", "64 characters with a g", "g" + VALID_ID[1:], False),
    ("fullwidth-digits", "64 full-width digits", "\uff10" * 64, False),
    ("arabic-indic-digits", "64 Arabic-Indic digits", "\u0660" * 64, False),
    ("emoji-at-end", "63 hex digits and an emoji: 64 code points", VALID_ID[:63] + "\U0001f600", False),
    ("long-hex", "a megabyte of hex digits", "a" * 1_000_000, False),
]


def json_vectors() -> dict[str, Spec]:
    return {name: _vector("json", description, _input(data), {"valid": True} if code is None else _error(code))
            for name, description, data, code in JSON_DOCS}


def hashed_id_vectors() -> dict[str, Spec]:
    out: dict[str, Spec] = {}
    for name, description, text, accepted in HASHED_IDS:
        data = text.encode("utf-8")
        spec = _input(data) if len(data) < 4096 else _big_text(text)
        expect = {"hashed_id": VALID_ID} if accepted else _error("input")
        out[name] = _vector("hashed-id", description, spec, expect)
    return out


def _big_text(text: str) -> Spec:
    """A long text as runs of one character (the long hashed-id inputs are such runs)."""
    parts: list[Spec] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and text[j] == text[i]:
            j += 1
        parts.append(_repeat(text[i], j - i) if j - i > 1 else _lit(text[i]))
        i = j
    return _recipe(*parts)


def write(out_dir: Path) -> None:
    """Every vector file, and the manifest the proof vectors are checked against."""
    (out_dir / "manifests").mkdir(parents=True, exist_ok=True)
    (out_dir / MANIFEST).write_bytes(_dump(manifest()))
    for kind, vectors in (("proof", proof_vectors()), ("json", json_vectors()), ("hashed-id", hashed_id_vectors())):
        (out_dir / kind).mkdir(parents=True, exist_ok=True)
        for name, vector in vectors.items():
            (out_dir / kind / f"{name}.json").write_bytes(_dump(vector))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    write(parser.parse_args().out)


if __name__ == "__main__":
    main()
