"""OKX Merkle sum tree proof, first version (November 2022): ``{"self": ..., "path": [...]}``.

Rules (docs/formats/okx-v1.md, learned from okx/proof-of-reserves ``common/merkle.go``):

- leaf = SHA-256(nonce + ``{"BTC":"<b>","ETH":"<e>","USDT":"<u>"}``), the balance
  strings exactly as written in the file;
- parent = SHA-256(left hex + right hex + BTC + ETH + USDT + height), the sums
  rounded down to 8 decimals and printed without trailing zeros, height of the
  parent (leaf = 1);
- ``type`` is a node's own side: 1 left, 2 right, 3 root, 4 padding; a padding
  sibling is a copy of the current node's hash with zero balances.

OKX's own tool trusts the sibling heights it reads; here every height must be the
height of its position, and a padding sibling must really be the padding twin.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solvent.errors import FormatError, VerificationError
from solvent.formats.base import Finding, ForeignFormat, ForeignResult
from solvent.formats.common import (
    Sibling,
    check_object,
    compare_root,
    fold_path,
    get_int,
    get_str,
    hex_digest,
    level_error,
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
from solvent.formats.decimals import parse_amount, plain, round_down

__all__ = [
    "ASSETS",
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

ASSETS = ("BTC", "ETH", "USDT")
LEFT, RIGHT, ROOT, PADDING = 1, 2, 3, 4
MAX_LEVELS = 64


@dataclass(frozen=True)
class Node:
    """One node of the file; ``balances`` are the strings as written (they are hashed)."""

    balances: tuple[str, ...]
    type: int
    hash: str
    height: int
    audit_id: str | None = None
    nonce: str | None = None

    @property
    def amounts(self) -> tuple[int, ...]:
        return tuple(parse_amount(b, a) for a, b in zip(ASSETS, self.balances, strict=True))

    @classmethod
    def from_dict(cls, obj: object, where: str, *, leaf: bool = False) -> Node:
        required = {"balances", "type", "hash", "height"} | ({"nonce"} if leaf else set())
        d = check_object(obj, where, required, {"auditId", "nonce"})
        bal = check_object(d["balances"], f"{where}.balances", ASSETS)
        balances = tuple(get_str(bal, a, f"{where}.balances") for a in ASSETS)
        for a, b in zip(ASSETS, balances, strict=True):
            parse_amount(b, f"{where}.balances.{a}")
        return cls(
            balances=balances,
            type=get_int(d, "type", where, LEFT, PADDING),
            hash=hex_digest(d, "hash", where, 64),
            height=get_int(d, "height", where, 1, MAX_LEVELS),
            audit_id=get_str(d, "auditId", where) if "auditId" in d else None,
            nonce=get_str(d, "nonce", where) if "nonce" in d else None,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {} if self.audit_id is None else {"auditId": self.audit_id}
        out["balances"] = dict(zip(ASSETS, self.balances, strict=True))
        out["type"] = self.type
        if self.nonce is not None:
            out["nonce"] = self.nonce
        out["hash"] = self.hash
        out["height"] = self.height
        return out


@dataclass(frozen=True)
class Proof:
    leaf: Node
    path: tuple[Node, ...]

    @property
    def root(self) -> Node:
        return self.path[-1]

    @classmethod
    def from_dict(cls, obj: object) -> Proof:
        d = check_object(obj, "proof", {"self", "path"})
        path = d["path"]
        if not isinstance(path, list) or not 1 <= len(path) <= MAX_LEVELS:
            raise FormatError(f"proof.path: expected a list of 1 to {MAX_LEVELS} nodes", code="length")
        return cls(
            leaf=Node.from_dict(d["self"], "self", leaf=True),
            path=tuple(Node.from_dict(p, f"path[{k}]") for k, p in enumerate(path)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"self": self.leaf.to_dict(), "path": [p.to_dict() for p in self.path]}


def balances_json(balances: Sequence[str]) -> str:
    """The leaf's balance text, fixed key order, strings exactly as given."""
    return "{" + ",".join(f'"{a}":"{b}"' for a, b in zip(ASSETS, balances, strict=True)) + "}"


def leaf_hash(nonce: str, balances: Sequence[str]) -> str:
    return sha256_hex(nonce + balances_json(balances))


def node_hash(left: str, right: str, sums: Sequence[int], height: int) -> str:
    return sha256_hex(left + right + "".join(plain(round_down(s, 8)) for s in sums) + str(height))


def _check_structure(proof: Proof) -> None:
    """Every precondition before folding: sides, heights, padding, one audit id."""
    leaf, root, n = proof.leaf, proof.root, len(proof.path)
    if leaf.height != 1 or leaf.type not in (LEFT, RIGHT):
        raise FormatError("self: a leaf has height 1 and type 1 (left) or 2 (right)", code="type")
    if root.type != ROOT:
        raise FormatError(f"path[{n - 1}]: the last node must be the root (type 3)", code="type")
    if root.height != n:
        raise level_error(f"path[{n - 1}]", n, root.height)
    for k, node in enumerate(proof.path[:-1]):
        if node.type == ROOT:
            raise FormatError(f"path[{k}]: a root (type 3) before the end of the path", code="type")
        if node.height != k + 1:
            raise level_error(f"path[{k}]", k + 1, node.height)
    first = proof.path[0]
    if n > 1 and first.type == leaf.type:
        raise VerificationError(
            "self and its sibling path[0] claim the same side",
            code="side",
            evidence={"self.type": leaf.type, "path[0].type": first.type},
        )
    audits = {p.audit_id for p in (leaf, *proof.path) if p.audit_id is not None}
    if len(audits) > 1:
        raise VerificationError(
            "the nodes of the proof name different audits",
            code="audit-id",
            evidence={"audit_ids": ",".join(sorted(audits))},
        )


def root_from_proof(proof: Proof) -> tuple[str, tuple[int, ...], list[str]]:
    """Check the leaf hash and fold the path: the computed root hash, totals and path nodes."""
    _check_structure(proof)
    leaf = proof.leaf
    computed_leaf = leaf_hash(leaf.nonce or "", leaf.balances)
    if not same_digest(computed_leaf, leaf.hash):
        raise VerificationError(
            "the leaf hash does not re-compute from the nonce and balances",
            code="leaf-hash",
            evidence={"expected": leaf.hash, "computed": computed_leaf},
        )
    siblings = [Sibling(p.type == LEFT, p.hash, p.amounts, f"path[{k}]") for k, p in enumerate(proof.path[:-1])]
    return fold_path(
        computed_leaf, leaf.amounts, siblings, lambda left, right, sums, k: node_hash(left, right, sums, k + 2)
    )


def check_padding(proof: Proof, nodes: Sequence[str]) -> None:
    """A padding sibling (type 4) must be the zero-balance twin of the path's node beside it.

    Checked once the root has matched: then a failure here means the exchange's own
    tree holds a fake padding node, not that the path was damaged.
    """
    for k, sib in enumerate(proof.path[:-1]):
        if sib.type == PADDING and (not same_digest(sib.hash, nodes[k]) or any(sib.amounts)):
            raise VerificationError(
                f"path[{k}] is marked as padding but is not the zero-balance twin of the node beside it",
                code="padding",
                evidence={"level": k + 1, "padding_hash": sib.hash, "node_hash": nodes[k]},
            )


def verify_parsed(proof: Proof) -> ForeignResult:
    computed_hash, computed, nodes = root_from_proof(proof)
    root = proof.root
    compare_root(
        computed_hash,
        dict(zip(ASSETS, computed, strict=True)),
        root.hash,
        dict(zip(ASSETS, root.amounts, strict=True)),
    )
    check_padding(proof, nodes)
    # the root's strings are what OKX prints: they must be the canonical print of the totals
    for a, text, value in zip(ASSETS, root.balances, computed, strict=True):
        if text != plain(round_down(value, 8)):
            raise FormatError(f"path[root].balances.{a}: {text!r} is not written as OKX writes a sum", code="decimal")
    findings: list[Finding] = [root_unanchored(root.hash), sum_only_binding(), no_non_negativity()]
    first = proof.path[0]
    if len(proof.path) > 1 and first.type != PADDING:
        findings.append(neighbour_leak("path[0]", dict(zip(ASSETS, first.balances, strict=True))))
        if first.nonce is not None and same_digest(leaf_hash(first.nonce, first.balances), first.hash):
            findings.append(
                Finding(
                    "leak",
                    "The file also gives that neighbour's nonce, and their leaf hash re-computes from it and "
                    "the balances: another customer's full leaf pre-image is disclosed to you (and you to them).",
                    "neighbour-preimage",
                )
            )
    index = sum(1 << k for k, p in enumerate(proof.path[:-1]) if p.type == LEFT)
    twins = {k for k, p in enumerate(proof.path[:-1]) if p.type == PADDING}
    findings.append(tree_size_leak(len(proof.path) - 1, index, twins))
    findings.append(
        Finding(
            "limitation",
            "The leaf holds a nonce, not your account id: check that the nonce and balances match "
            "what your OKX account page shows for this audit.",
            "no-owner-binding",
        )
    )
    negatives = [("self", a, v) for a, v in zip(ASSETS, proof.leaf.amounts, strict=True) if v < 0]
    negatives += [
        (f"path[{k}]", a, v) for k, p in enumerate(proof.path) for a, v in zip(ASSETS, p.amounts, strict=True) if v < 0
    ]
    findings += negative_findings(negatives)
    return ForeignResult(
        format="okx-v1",
        root=root.hash,
        totals={a: plain(v) for a, v in zip(ASSETS, computed, strict=True)},
        balances=dict(zip(ASSETS, proof.leaf.balances, strict=True)),
        findings=tuple(findings),
        checked=(
            "leaf hash re-computed from the nonce and balances",
            f"{len(proof.path) - 1} parent hashes and sums re-computed up to the root",
            "every height matches its position; padding siblings are zero-balance twins",
            "root hash and totals equal the root in the file",
        ),
        details={"audit": proof.leaf.audit_id or "", "levels": str(len(proof.path))},
    )


def verify_proof(data: bytes, name: str = "proof") -> ForeignResult:
    """Verify the bytes of an OKX v1 proof file."""
    return verify_parsed(Proof.from_dict(load_json(data, name)))


def sniff(obj: object) -> bool:
    if not isinstance(obj, dict) or set(obj) != {"self", "path"}:
        return False
    me = obj["self"]
    return isinstance(me, dict) and "balances" in me and "nonce" in me and "merkelLeaf" not in me


def verify(paths: Sequence[Path]) -> ForeignResult:
    single_file("okx-v1", paths)
    return verify_proof(read_bytes(paths[0], "OKX proof"), str(paths[0]))


FORMAT = ForeignFormat("okx-v1", "OKX Merkle sum tree proof (v1, 2022)", sniff, verify)
