"""proof-bytes vectors: a proof in any valid layout, and the exact bytes ``solvent prove`` writes for it.

The static site ships tree chunks, not proof files: the page assembles each proof from them
and writes its bytes itself (src/solvent/protocol/js/proof_bytes.js), which the customer
verifies and downloads. Those bytes must be the ones ``solvent prove`` writes, so the page's
writer and Python's (protocol/proof.py's ProofRenderer, protocol/v2/proof.py's
Proof.to_json) are pinned here to one rule: docs/spec.md's canonical encoding, JSON with a
2-space indent, the fields in their fixed order and one final LF (Python's
``json.dumps(obj, indent=2) + "\\n"`` of the proof's fields in that order, which is how the
expected text is written below; the inputs are the same proofs compact, or with their keys
in another order).

Every valid proof of both known-answer vectors, and the proofs whose text is at its
extremes: no siblings, 40 siblings, amounts of 2^128 - 1, leaf indexes and counts of 2^40,
every character a snapshot id or a symbol may hold.
"""

from __future__ import annotations

import json

from tests.conformance.proofs import KAT, Obj, kat_proof
from tests.conformance.proofs_v2 import KAT2
from tests.conformance.recipes import Spec, input_of, vector

__all__ = ["proof_bytes_vectors"]

MAX = 2**128 - 1
TOP = 2**40


def canonical(obj: Obj) -> str:
    return json.dumps(obj, indent=2) + "\n"


def compact(obj: Obj) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def reordered(obj: object) -> object:
    """The same document with every object's keys in reverse order (a parser must not care)."""
    if isinstance(obj, dict):
        return {k: reordered(obj[k]) for k in reversed(list(obj))}
    if isinstance(obj, list):
        return [reordered(x) for x in obj]
    return obj


def _case(description: str, proof: Obj, data: bytes | None = None) -> Spec:
    return vector(
        "proof-bytes", description, input_of(compact(proof) if data is None else data), {"bytes": canonical(proof)}
    )


def _v1(snapshot_id: str, assets: list[Obj], index: int, height: int, leaf_count: int, value: int) -> Obj:
    sums = [str(value)] * len(assets)
    return {
        "format": "solvent-proof/1",
        "snapshot_id": snapshot_id,
        "assets": assets,
        "leaf": {"index": index, "hashed_id": "ab" * 32, "amounts": sums},
        "siblings": [{"hash": f"{k:064x}", "sums": sums} for k in range(height)],
        "root": {"hash": "cd" * 32, "sums": sums, "height": height, "leaf_count": leaf_count},
    }


def _entry(symbol: str, decimals: int, index: int, height: int, leaf_count: int, amount: int) -> Obj:
    return {
        "symbol": symbol,
        "decimals": decimals,
        "index": index,
        "amount": str(amount),
        "siblings": [{"hash": f"{k + 1:064x}", "sum": str(amount)} for k in range(height)],
        "root": {"hash": "ef" * 32, "sum": str(MAX), "height": height, "leaf_count": leaf_count},
    }


def _v2(snapshot_id: str, entries: list[Obj]) -> Obj:
    return {"format": "solvent-proof/2", "snapshot_id": snapshot_id, "hashed_id": "12" * 32, "entries": entries}


def proof_bytes_vectors() -> dict[str, Spec]:
    out: dict[str, Spec] = {}
    for i in range(len(KAT["accounts"])):
        out[f"v1-kat-{i}"] = _case(f"KAT proof of leaf {i}, compact", kat_proof(i))
    out["v1-kat-1-keys-reversed"] = _case(
        "KAT proof of leaf 1 with every object's keys in reverse order: written in the fixed order",
        kat_proof(1),
        compact(reordered(kat_proof(1))),  # type: ignore[arg-type]
    )
    out["v1-single-leaf"] = _case(
        "a tree of one leaf: height 0, siblings []", _v1("single", KAT["assets"], 0, 0, 1, MAX)
    )
    out["v1-one-asset"] = _case(
        "a snapshot of one asset, amounts 0", _v1("one", [{"symbol": "X", "decimals": 2}], 1, 1, 2, 0)
    )
    out["v1-largest"] = _case(
        "the last leaf of a tree of 2^40 leaves: 40 siblings, every sum 2^128 - 1, decimals 0 and 18",
        _v1(
            "Az09._:-" * 8,
            [{"symbol": "A.B_C-0123456789", "decimals": 18}, {"symbol": "Z", "decimals": 0}],
            TOP - 1,
            40,
            TOP,
            MAX,
        ),
    )
    for i, item in enumerate(KAT2["proofs"]):
        if item["proof"] is not None:
            out[f"v2-kat-{i}"] = _case(f"KAT v2 proof of {item['uid']}, compact", item["proof"])
    alice = KAT2["proofs"][0]["proof"]
    out["v2-kat-0-keys-reversed"] = _case(
        "KAT v2 proof of alice with every object's keys in reverse order: written in the fixed order",
        alice,
        compact(reordered(alice)),  # type: ignore[arg-type]
    )
    out["v2-single-leaf"] = _case(
        "an entry of a tree of one leaf: height 0, siblings []", _v2("single", [_entry("BTC", 8, 0, 0, 1, 5)])
    )
    out["v2-largest"] = _case(
        "three entries, one the last leaf of a tree of 2^40 leaves (40 siblings, amount 2^128 - 1), "
        "decimals 0 and 18, every character a snapshot id or a symbol may hold",
        _v2(
            "Az09._:-" * 8,
            [
                _entry("A.B_C-0123456789", 18, TOP - 1, 40, TOP, MAX),
                _entry("Z", 0, 2, 2, 3, 1),
                _entry("ETH", 18, 0, 0, 1, MAX),
            ],
        ),
    )
    return out
