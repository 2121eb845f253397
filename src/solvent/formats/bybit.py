"""Bybit Merkle sum tree proofs, every asset schema: ``{"self": ..., "path": [...]}``.

Rules (docs/formats/bybit.md, learned from bybit-exchange/merkle-proof
``GenericMerkleTree.java``, ``generic/Self.java``, ``generic/Path.java``,
``generic/Balance40V5.java``):

- leaf = SHA-256(userHash + the balance strings as written, concatenated in the
  schema's asset order);
- parent = SHA-256(left hex + right hex + every sum rounded down to 8 decimals and
  printed with exactly 8 decimals, in schema order + parent height), leaf height 1;
- ``type`` is a node's own side: 1 left, 2 right, 3 root (4 is accepted by Bybit's
  tool and, as there, treated as a right sibling).

The schema (which assets, in which order) is found from the exact set of asset
names in the proof, or named by the caller; a proof whose names fit no schema is
refused rather than hashed in a guessed order.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solvent.formats.base import Finding, ForeignFormat, ForeignResult
from solvent.formats.bybit_schemas import SCHEMAS, schema_for_keys
from solvent.formats.common import (
    asset_name,
    check_recomputed,
    compare_root,
    get_int,
    get_str,
    hex_digest,
    load_json,
    negative_findings,
    neighbour_leak,
    no_non_negativity,
    read_bytes,
    root_unanchored,
    same_digest,
    sha256_hex,
    single_file,
    sum_only_binding,
    tree_size_leak,
)
from solvent.formats.exchange_decimals import fixed, parse_amount, round_down
from solvent.formats.selfpath import (
    LEFT,
    MAX_LEVELS,
    SelfPathProof,
    Sibling,
    add_tuples,
    check_root_text,
    check_typed_path,
    fold_path,
    leaf_index,
    path_negatives,
    read_self_path,
    self_of,
)
from solvent.protocol.errors import FormatError
from solvent.protocol.strictjson import check_fields, field_names

__all__ = [
    "FORMAT",
    "Node",
    "Proof",
    "detect_schema",
    "leaf_hash",
    "node_hash",
    "root_from_proof",
    "sniff",
    "verify",
    "verify_parsed",
    "verify_proof",
]

#: ``type`` 1 left, 2 right, 3 root (selfpath's flags); Bybit's tool also accepts 4 and treats it as right.
OTHER = 4


@dataclass(frozen=True)
class Node:
    """One node; ``balances`` maps asset -> the string as written (it is hashed)."""

    balances: Mapping[str, str]
    type: int
    hash: str
    height: int
    audit_id: str | None = None
    nonce: str | None = None
    user_hash: str | None = None

    def amounts(self, assets: Sequence[str]) -> tuple[int, ...]:
        return tuple(parse_amount(self.balances[a], a) for a in assets)

    @classmethod
    def from_dict(cls, obj: object, where: str, *, leaf: bool = False) -> Node:
        required = {"balance", "type", "hash", "height"} | ({"userHash", "nonce"} if leaf else set())
        d = check_fields(obj, required, where, optional={"auditId", "nonce"})
        bal = d["balance"]
        if not isinstance(bal, dict) or not bal:
            raise FormatError(f"{where}.balance: expected an object of balances", evidence={"field": where})
        balances = {asset_name(a, f"{where}.balance"): get_str(bal, a, f"{where}.balance") for a in bal}
        for a, b in balances.items():
            parse_amount(b, f"{where}.balance.{a}")
        return cls(
            balances=balances,
            type=get_int(d, "type", where, LEFT, OTHER),
            hash=hex_digest(d, "hash", where, 64),
            height=get_int(d, "height", where, 1, MAX_LEVELS),
            audit_id=get_str(d, "auditId", where) if "auditId" in d else None,
            nonce=get_str(d, "nonce", where) if "nonce" in d else None,
            user_hash=get_str(d, "userHash", where) if leaf else None,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {} if self.audit_id is None else {"auditId": self.audit_id}
        out.update(type=self.type, hash=self.hash, height=self.height)
        if self.nonce is not None:
            out["nonce"] = self.nonce
        if self.user_hash is not None:
            out["userHash"] = self.user_hash
        out["balance"] = dict(self.balances)
        return out


@dataclass(frozen=True)
class Proof(SelfPathProof[Node]):
    @classmethod
    def from_dict(cls, obj: object) -> Proof:
        leaf, path = read_self_path(obj, Node.from_dict, min_nodes=2)
        return cls(leaf, path)


def detect_schema(proof: Proof, schema: str | None = None) -> tuple[str, tuple[str, ...]]:
    """The named schema, or the one whose asset set is exactly the proof's; every node must match it."""
    keys = set(proof.leaf.balances)
    if schema is None:
        found = schema_for_keys(keys)
        if found is None:
            raise FormatError(
                f"self.balance: its {len(keys)} asset names fit no known Bybit schema "
                f"({', '.join(SCHEMAS)}); refusing to guess the hashing order",
                code="schema",
                evidence={"assets": field_names(keys)},
            )
        schema = found
    if schema not in SCHEMAS:
        raise FormatError(f"unknown Bybit schema {schema!r} (known: {', '.join(SCHEMAS)})", code="schema")
    assets = SCHEMAS[schema]
    for where, node in (("self", proof.leaf), *((f"path[{k}]", p) for k, p in enumerate(proof.path))):
        if set(node.balances) != set(assets):
            missing = sorted(set(assets) - set(node.balances))
            unknown = sorted(set(node.balances) - set(assets))
            raise FormatError(
                f"{where}.balance: does not have the assets of schema {schema} "
                f"(missing {','.join(missing) or '-'}; unknown {','.join(unknown) or '-'})",
                code="schema",
                evidence={"field": f"{where}.balance", "schema": schema},
            )
    return schema, assets


def leaf_hash(user_hash: str, balances: Mapping[str, str], assets: Sequence[str]) -> str:
    return sha256_hex(user_hash + "".join(balances[a] for a in assets))


def _sum_text(value: int) -> str:
    """How Bybit prints a sum (in node hashes and in the root): rounded down to exactly 8 decimals."""
    return fixed(round_down(value, 8), 8)


def node_hash(left: str, right: str, sums: Sequence[int], height: int) -> str:
    return sha256_hex(left + right + "".join(_sum_text(s) for s in sums) + str(height))


def _siblings(proof: Proof, assets: Sequence[str]) -> list[Sibling[tuple[int, ...]]]:
    """Bybit has no padding flag (its padding twin is marked as a right sibling): none is marked here."""
    out = []
    for k, p in enumerate(proof.path[:-1]):
        amounts = p.amounts(assets)
        out.append(Sibling(f"path[{k}]", p.height, p.type == LEFT, False, p.hash, amounts, not any(amounts)))
    return out


def root_from_proof(proof: Proof, assets: Sequence[str]) -> tuple[str, tuple[int, ...], list[str]]:
    """Check the leaf hash and fold the path: the computed root hash and totals."""
    check_typed_path(proof.leaf, proof.path)
    leaf = proof.leaf
    computed_leaf = leaf_hash(leaf.user_hash or "", leaf.balances, assets)
    check_recomputed(computed_leaf, leaf.hash, "the leaf hash does not re-compute from the userHash and balances")
    return fold_path(
        computed_leaf,
        leaf.amounts(assets),
        _siblings(proof, assets),
        lambda left, right, sums, k: node_hash(left, right, sums, k + 2),
        add_tuples,
    )


def verify_parsed(proof: Proof, schema: str | None = None) -> ForeignResult:
    schema, assets = detect_schema(proof, schema)
    computed_hash, computed, nodes = root_from_proof(proof, assets)
    root = proof.root
    totals = dict(zip(assets, computed, strict=True))
    compare_root(computed_hash, totals, root.hash, dict(zip(assets, root.amounts(assets), strict=True)), show=_sum_text)
    check_root_text("balance", root.balances, totals, _sum_text, "Bybit")
    first = proof.path[0]
    findings: list[Finding] = [root_unanchored(root.hash), sum_only_binding(), no_non_negativity()]
    if len(proof.path) > 1:
        extra = "It also carries that customer's nonce." if first.nonce is not None else ""
        findings.append(neighbour_leak("path[0]", {a: first.balances[a] for a in assets}, extra))
    # Bybit pads an odd level with a zero-balance copy of the node, marked as a right sibling
    siblings = _siblings(proof, assets)
    twins = {k for k, sib in enumerate(siblings) if same_digest(sib.hash, nodes[k]) and sib.zero}
    findings.append(tree_size_leak(len(siblings), leaf_index(siblings), twins))
    findings.append(
        Finding(
            "limitation",
            "The hashes bind the order of the balances, not the asset names: which asset a position holds "
            f"comes from the schema ({schema}). Bybit renamed assets in place (EOS->A, FTM->S, MATIC->POL, "
            "RNDR->RENDER), so a file read under a neighbouring schema verifies the same way.",
            "unnamed-assets",
        )
    )
    findings.append(
        Finding(
            "limitation",
            "The leaf commits to a userHash whose derivation from your account is not published: "
            "check that the userHash and balances match what your Bybit account page shows.",
            "no-owner-binding",
        )
    )
    leaf_amounts = dict(zip(assets, proof.leaf.amounts(assets), strict=True))
    path_amounts = (dict(zip(assets, p.amounts(assets), strict=True)) for p in proof.path)
    findings += negative_findings(path_negatives(leaf_amounts, path_amounts))
    return ForeignResult(
        format="bybit",
        root=root.hash,
        totals={a: _sum_text(v) for a, v in totals.items()},
        balances={a: _sum_text(v) for a, v in leaf_amounts.items()},
        findings=tuple(findings),
        checked=(
            f"asset schema {schema} ({len(assets)} assets) from the exact set of asset names",
            "leaf hash re-computed from the userHash and balances",
            f"{len(proof.path) - 1} parent hashes and sums re-computed up to the root",
            "every height matches its position",
            "root hash and totals equal the root in the file",
        ),
        details={"schema": schema, "audit": proof.leaf.audit_id or "", "levels": str(len(proof.path))},
    )


def verify_proof(data: bytes, name: str = "proof", schema: str | None = None) -> ForeignResult:
    """Verify the bytes of a Bybit proof file; ``schema`` names the asset list, else it is detected."""
    return verify_parsed(Proof.from_dict(load_json(data, name)), schema)


def sniff(obj: object) -> bool:
    """Bybit's shape: ``self`` with every field a Bybit leaf needs."""
    me = self_of(obj)
    return me is not None and me.keys() >= {"balance", "type", "hash", "height", "userHash", "nonce"}


def verify(paths: Sequence[Path]) -> ForeignResult:
    return verify_with(paths, {})


def verify_with(paths: Sequence[Path], params: Mapping[str, str]) -> ForeignResult:
    single_file("bybit", paths)
    return verify_proof(read_bytes(paths[0], "Bybit proof"), str(paths[0]), params.get("schema"))


FORMAT = ForeignFormat(
    "bybit",
    "Bybit Merkle sum tree proof (every asset schema)",
    sniff,
    verify,
    params={"schema": f"asset schema, one of {', '.join(SCHEMAS)} (default: detected from the asset names)"},
    verify_with=verify_with,
)
