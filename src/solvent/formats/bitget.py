"""Bitget Merkle sum tree proofs (64-bit truncated SHA-256): ``{"path": [...], "self": ...}``.

Rules (docs/formats/bitget.md, learned from BitgetLimited/proof-of-reserves
``MerkelTreeUtils.java``, ``MerKelTree.java``, ``TreeNode.java``, ``JSONUtils.java``):

- a balance map prints as JSON with the keys in the file's order and each value a
  quoted string without trailing zeros: ``{"BTC":"0","ETH":"0.0015",...}``;
- leaf = first 16 hex digits of SHA-256(encryptUid + "," + nonce + "," + balances);
- parent = first 16 hex digits of SHA-256(left + right + "," + parent balances + ","
  + parent level); the parent's balances are the exact sums, keys in the left
  child's order (then any the right child adds); the root has level 1, a leaf's
  level is the path length;
- ``role`` is a node's own side: 0 empty (padding), 1 left, 2 right, 3 root; a
  padding sibling copies the hash of the node beside it and has zero balances.

Bitget's own examples write balances as JSON numbers and the published files as
strings: both are read as exact decimal text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solvent.formats.base import Finding, ForeignFormat, ForeignResult
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
from solvent.formats.exchange_decimals import check_range, parse_amount, plain
from solvent.formats.selfpath import (
    LEFT,
    MAX_LEVELS,
    RIGHT,
    ROOT,
    SelfPathProof,
    Sibling,
    check_one_audit,
    check_padding,
    check_sides,
    fold_path,
    leaf_index,
    level_error,
    path_negatives,
    read_self_path,
    self_of,
)
from solvent.protocol.errors import FormatError
from solvent.protocol.strictjson import check_fields

__all__ = [
    "FORMAT",
    "Node",
    "Proof",
    "balances_json",
    "leaf_hash",
    "node_hash",
    "root_from_proof",
    "sniff",
    "verify",
    "verify_parsed",
    "verify_proof",
]

#: ``role`` 1 left, 2 right, 3 root (numbered as selfpath's flags); 0 marks an empty (padding) sibling.
EMPTY = 0
HEX_CHARS = 16


@dataclass(frozen=True)
class Node:
    """One node; ``amounts`` keeps the file's key order (it is part of what is hashed)."""

    amounts: Mapping[str, int]
    level: int
    merkel_leaf: str
    role: int | None
    audit_id: str | None = None
    encrypt_uid: str | None = None
    nonce: str | None = None

    @classmethod
    def from_dict(cls, obj: object, where: str, *, leaf: bool = False) -> Node:
        required = {"balances", "level", "merkelLeaf"} | ({"encryptUid", "nonce", "role"} if leaf else set())
        d = check_fields(obj, required, where, optional={"auditId", "role", "encryptUid", "nonce"})
        bal = d["balances"]
        if not isinstance(bal, dict) or not bal:
            raise FormatError(f"{where}.balances: expected an object of balances", evidence={"field": where})
        return cls(
            amounts={
                asset_name(a, f"{where}.balances"): parse_amount(v, f"{where}.balances.{a}") for a, v in bal.items()
            },
            level=get_int(d, "level", where, 1, MAX_LEVELS),
            merkel_leaf=hex_digest(d, "merkelLeaf", where, HEX_CHARS),
            role=get_int(d, "role", where, EMPTY, ROOT) if "role" in d else None,
            audit_id=get_str(d, "auditId", where) if "auditId" in d else None,
            encrypt_uid=get_str(d, "encryptUid", where) if "encryptUid" in d else None,
            nonce=get_str(d, "nonce", where) if "nonce" in d else None,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {} if self.audit_id is None else {"auditId": self.audit_id}
        out["balances"] = {a: plain(v) for a, v in self.amounts.items()}
        if self.encrypt_uid is not None:
            out["encryptUid"] = self.encrypt_uid
        out["level"] = self.level
        out["merkelLeaf"] = self.merkel_leaf
        if self.nonce is not None:
            out["nonce"] = self.nonce
        if self.role is not None:
            out["role"] = self.role
        return out


@dataclass(frozen=True)
class Proof(SelfPathProof[Node]):
    @classmethod
    def from_dict(cls, obj: object) -> Proof:
        leaf, path = read_self_path(obj, Node.from_dict, min_nodes=2)
        return cls(leaf, path)

    def to_dict(self) -> dict[str, Any]:
        """Bitget's files list the path first."""
        return {"path": [p.to_dict() for p in self.path], "self": self.leaf.to_dict()}


def balances_json(amounts: Mapping[str, int]) -> str:
    return "{" + ",".join(f'"{a}":"{plain(v)}"' for a, v in amounts.items()) + "}"


def leaf_hash(encrypt_uid: str, nonce: str, amounts: Mapping[str, int]) -> str:
    return sha256_hex(f"{encrypt_uid},{nonce},{balances_json(amounts)}")[:HEX_CHARS]


def node_hash(left: str, right: str, amounts: Mapping[str, int], level: int) -> str:
    return sha256_hex(f"{left}{right},{balances_json(amounts)},{level}")[:HEX_CHARS]


def _merge(left: Mapping[str, int], right: Mapping[str, int], where: str) -> dict[str, int]:
    """Exact sums; keys in the left child's order, then the right child's new ones."""
    out = dict(left)
    for asset, value in right.items():
        out[asset] = check_range(out.get(asset, 0) + value, f"sum at {where}.{asset}")
    return out


def _check_structure(proof: Proof) -> None:
    """Every precondition before folding: roles, levels (the root at 1, the leaf at the path's length), one audit."""
    leaf, root, n = proof.leaf, proof.root, len(proof.path)
    if leaf.role not in (LEFT, RIGHT):
        raise FormatError("self.role: a leaf is 1 (left) or 2 (right)", code="type")
    if root.role not in (None, ROOT):
        raise FormatError(f"path[{n - 1}].role: the last node must be the root (role 3)", code="type")
    if root.level != 1:
        raise level_error(f"path[{n - 1}]", 1, root.level)
    if leaf.level != n:
        raise level_error("self", n, leaf.level)
    for k, node in enumerate(proof.path[:-1]):
        if node.role not in (EMPTY, LEFT, RIGHT):
            raise FormatError(f"path[{k}].role: a sibling is 0 (empty), 1 (left) or 2 (right)", code="type")
        if node.level != n - k:
            raise level_error(f"path[{k}]", n - k, node.level)
    check_sides("role", leaf.role, proof.path[0].role)
    check_one_audit(p.audit_id for p in (leaf, *proof.path))


def _siblings(proof: Proof) -> list[Sibling[Mapping[str, int]]]:
    out = []
    for k, p in enumerate(proof.path[:-1]):
        zero = not any(p.amounts.values())
        out.append(Sibling(f"path[{k}]", p.level, p.role == LEFT, p.role == EMPTY, p.merkel_leaf, p.amounts, zero))
    return out


def root_from_proof(proof: Proof) -> tuple[str, Mapping[str, int], list[str]]:
    """Check the leaf hash and fold the path: the computed root hash, totals and path nodes."""
    _check_structure(proof)
    leaf = proof.leaf
    computed_leaf = leaf_hash(leaf.encrypt_uid or "", leaf.nonce or "", leaf.amounts)
    check_recomputed(
        computed_leaf, leaf.merkel_leaf, "the leaf hash does not re-compute from encryptUid, nonce and balances"
    )
    n = len(proof.path)
    # the parent made at step k sits at level n - k - 1 (the root at 1)
    return fold_path(
        computed_leaf,
        dict(leaf.amounts),
        _siblings(proof),
        lambda left, right, amounts, k: node_hash(left, right, amounts, n - k - 1),
        _merge,
    )


def verify_parsed(proof: Proof) -> ForeignResult:
    computed_hash, computed, nodes = root_from_proof(proof)
    root = proof.root
    compare_root(computed_hash, computed, root.merkel_leaf, root.amounts)
    # an empty sibling (role 0) must be the zero-balance twin of the path's node beside it
    siblings = _siblings(proof)
    check_padding(siblings, nodes, "marked empty (padding)")
    if set(root.amounts) != set(computed):
        raise FormatError("the root lists other assets than its children", code="fields")
    first = proof.path[0]
    findings: list[Finding] = [
        Finding(
            "weakness",
            "Hashes are SHA-256 cut to 64 bits: two different subtrees with the same hash cost about "
            "2^32 hash evaluations (seconds on one GPU), and a second pre-image for a given node about "
            "2^64, within reach of a well-funded prover. The tree binds far less than 128-bit security.",
            "truncated-64",
        ),
        root_unanchored(root.merkel_leaf),
        sum_only_binding(),
        no_non_negativity(),
    ]
    if first.role != EMPTY:
        findings.append(neighbour_leak("path[0]", {a: plain(v) for a, v in first.amounts.items()}))
    twins = {k for k, sib in enumerate(siblings) if same_digest(sib.hash, nodes[k])}
    findings.append(tree_size_leak(len(siblings), leaf_index(siblings), twins))
    findings.append(
        Finding(
            "limitation",
            "The leaf commits to an encryptUid and a nonce whose derivation from your UID is not "
            "published: check that both match what your Bitget account page shows for this audit.",
            "no-owner-binding",
        )
    )
    findings += negative_findings(path_negatives(proof.leaf.amounts, (p.amounts for p in proof.path)))
    return ForeignResult(
        format="bitget",
        root=root.merkel_leaf,
        totals={a: plain(v) for a, v in computed.items()},
        balances={a: plain(v) for a, v in proof.leaf.amounts.items()},
        findings=tuple(findings),
        checked=(
            "leaf hash (64-bit) re-computed from encryptUid, nonce and balances",
            f"{len(proof.path) - 1} parent hashes and sums re-computed up to the root",
            "every level matches its position; empty siblings are zero-balance twins",
            "root hash and totals equal the root in the file",
        ),
        details={"audit": proof.leaf.audit_id or "", "levels": str(len(proof.path))},
    )


def verify_proof(data: bytes, name: str = "proof") -> ForeignResult:
    """Verify the bytes of a Bitget proof file (e.g. ``merkel_tree_bg.json``)."""
    return verify_parsed(Proof.from_dict(load_json(data, name, numbers_as_text=True)))


def sniff(obj: object) -> bool:
    me = self_of(obj)
    return me is not None and "merkelLeaf" in me


def verify(paths: Sequence[Path]) -> ForeignResult:
    single_file("bitget", paths)
    return verify_proof(read_bytes(paths[0], "Bitget proof"), str(paths[0]))


FORMAT = ForeignFormat("bitget", "Bitget Merkle sum tree proof (64-bit hashes)", sniff, verify)
