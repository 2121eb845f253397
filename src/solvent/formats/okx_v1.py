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
from typing import Any, TypeVar

from solvent.formats.base import Finding, ForeignFormat, ForeignResult
from solvent.formats.common import (
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
from solvent.formats.exchange_decimals import parse_amount, plain, round_down
from solvent.formats.selfpath import (
    LEFT,
    MAX_LEVELS,
    SelfPathProof,
    Sibling,
    add_tuples,
    check_padding,
    check_root_text,
    check_typed_path,
    fold_path,
    leaf_index,
    path_negatives,
    read_self_path,
    self_of,
)
from solvent.protocol.strictjson import check_fields

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

T = TypeVar("T")

ASSETS = ("BTC", "ETH", "USDT")
#: ``type`` 1 left, 2 right, 3 root (selfpath's flags); 4 marks a padding sibling.
PADDING = 4


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
        d = check_fields(obj, required, where, optional={"auditId", "nonce"})
        bal = check_fields(d["balances"], ASSETS, f"{where}.balances")
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
class Proof(SelfPathProof[Node]):
    @classmethod
    def from_dict(cls, obj: object) -> Proof:
        """A path of one node is a one-account tree: the root alone."""
        leaf, path = read_self_path(obj, Node.from_dict, min_nodes=1)
        return cls(leaf, path)


def balances_json(balances: Sequence[str]) -> str:
    """The leaf's balance text, fixed key order, strings exactly as given."""
    return "{" + ",".join(f'"{a}":"{b}"' for a, b in zip(ASSETS, balances, strict=True)) + "}"


def leaf_hash(nonce: str, balances: Sequence[str]) -> str:
    return sha256_hex(nonce + balances_json(balances))


def _sum_text(value: int) -> str:
    """How OKX prints a sum (in node hashes and in the root): rounded down to 8 decimals, no trailing zeros."""
    return plain(round_down(value, 8))


def node_hash(left: str, right: str, sums: Sequence[int], height: int) -> str:
    return sha256_hex(left + right + "".join(_sum_text(s) for s in sums) + str(height))


def _named(values: Sequence[T]) -> dict[str, T]:
    return dict(zip(ASSETS, values, strict=True))


def _siblings(proof: Proof) -> list[Sibling[tuple[int, ...]]]:
    return [
        Sibling(f"path[{k}]", p.height, p.type == LEFT, p.type == PADDING, p.hash, p.amounts, not any(p.amounts))
        for k, p in enumerate(proof.path[:-1])
    ]


def root_from_proof(proof: Proof) -> tuple[str, tuple[int, ...], list[str]]:
    """Check the leaf hash and fold the path: the computed root hash, totals and path nodes."""
    check_typed_path(proof.leaf, proof.path)
    leaf = proof.leaf
    computed_leaf = leaf_hash(leaf.nonce or "", leaf.balances)
    check_recomputed(computed_leaf, leaf.hash, "the leaf hash does not re-compute from the nonce and balances")
    return fold_path(
        computed_leaf,
        leaf.amounts,
        _siblings(proof),
        lambda left, right, sums, k: node_hash(left, right, sums, k + 2),
        add_tuples,
    )


def verify_parsed(proof: Proof) -> ForeignResult:
    computed_hash, computed, nodes = root_from_proof(proof)
    root = proof.root
    compare_root(computed_hash, _named(computed), root.hash, _named(root.amounts))
    # a padding sibling (type 4) must be the zero-balance twin of the path's node beside it
    siblings = _siblings(proof)
    check_padding(siblings, nodes, "marked as padding")
    # the root's strings are what OKX prints: they must be the canonical print of the totals
    check_root_text("balances", _named(root.balances), _named(computed), _sum_text, "OKX")
    findings: list[Finding] = [root_unanchored(root.hash), sum_only_binding(), no_non_negativity()]
    first = proof.path[0]
    if len(proof.path) > 1 and first.type != PADDING:
        findings.append(neighbour_leak("path[0]", _named(first.balances)))
        if first.nonce is not None and same_digest(leaf_hash(first.nonce, first.balances), first.hash):
            findings.append(
                Finding(
                    "leak",
                    "The file also gives that neighbour's nonce, and their leaf hash re-computes from it and "
                    "the balances: another customer's full leaf pre-image is disclosed to you (and you to them).",
                    "neighbour-preimage",
                )
            )
    twins = {k for k, sib in enumerate(siblings) if sib.padding}
    findings.append(tree_size_leak(len(siblings), leaf_index(siblings), twins))
    findings.append(
        Finding(
            "limitation",
            "The leaf holds a nonce, not your account id: check that the nonce and balances match "
            "what your OKX account page shows for this audit.",
            "no-owner-binding",
        )
    )
    findings += negative_findings(path_negatives(_named(proof.leaf.amounts), (_named(p.amounts) for p in proof.path)))
    return ForeignResult(
        format="okx-v1",
        root=root.hash,
        totals={a: plain(v) for a, v in _named(computed).items()},
        balances=_named(proof.leaf.balances),
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
    """OKX v1's shape: ``self`` with every field an OKX v1 leaf needs (a look-alike missing one is not taken for it)."""
    me = self_of(obj)
    return me is not None and me.keys() >= {"balances", "type", "hash", "height", "nonce"} and "merkelLeaf" not in me


def verify(paths: Sequence[Path]) -> ForeignResult:
    single_file("okx-v1", paths)
    return verify_proof(read_bytes(paths[0], "OKX proof"), str(paths[0]))


FORMAT = ForeignFormat("okx-v1", "OKX Merkle sum tree proof (v1, 2022)", sniff, verify)
