"""Bitunix Merkle sum tree proofs (2024): ``{"path": [...], "self": {...}}``.

Rules (docs/formats/bitunix.md, learned from BitunixOfficial/proof-of-reserves
``MerkelTreeUtil.java``, ``MerKelTree.java``, ``TreeNode.java``, ``MerkleTreePath.java``):

- a node's balances are hashed as fastjson writes a Java ``HashMap``: ``{"K":"v",...}``
  in the map's iteration order (``solvent.formats.java_compat``);
- leaf = SHA-256(encryptUid + "," + nonce + "," + balances), the strings as written;
- parent = SHA-256(left + right + "," + sums + "," + height), each sum the exact sum of
  the children's values rounded toward zero to the asset's precision (``self.precisions``)
  and printed with exactly that many decimals, the keys those of the left child, in the
  order its map gives; the parent's height is its children's minus one;
- the leaf and its sibling have the highest height (the path's length), the root height 1;
  ``type`` 1 left, 2 right, 3 root.

Bitunix's own tool compares the root hash only and trusts the heights; here every height
must be its position, every node must carry the same assets, and the root's totals (when
the file states them) must equal the computed sums.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from solvent.formats.base import Finding, ForeignFormat, ForeignResult
from solvent.formats.common import (
    asset_name,
    check_recomputed,
    compare_root,
    get_int,
    get_str,
    hex_digest,
    known_fields,
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
)
from solvent.formats.exchange_decimals import SCALE, check_range, fixed, parse_amount, plain, round_down
from solvent.formats.java_compat import hashmap_order
from solvent.protocol.errors import FormatError, VerificationError

__all__ = ["FORMAT", "Node", "Proof", "balances_text", "leaf_hash", "node_hash", "sniff", "verify", "verify_proof"]

LEFT, RIGHT, ROOT = 1, 2, 3
MAX_LEVELS = 64
MAX_ASSETS = 64
VERSION = "1.0.0 (2024)"
_SELF_FIELDS = {"encryptUid", "nonce", "balances", "merkleLeaf", "height", "type", "precisions"}
_PATH_FIELDS = {"balances", "merkleLeaf", "height", "type"}
_PATH_OPTIONAL = {"encryptUid", "nonce", "precisions"}


@dataclass(frozen=True)
class Node:
    """A node of the file; ``balances`` are (asset, string as written) in the file's order,
    ``None`` for a root that states no totals (Bitunix's August 2024 files)."""

    type: int
    height: int
    hash: str
    balances: tuple[tuple[str, str], ...] | None
    encrypt_uid: str | None = None
    nonce: str | None = None

    @property
    def amounts(self) -> dict[str, int]:
        return {a: parse_amount(v, a) for a, v in self.balances or ()}

    @classmethod
    def from_dict(cls, obj: object, where: str, *, leaf: bool = False, root: bool = False) -> Node:
        if leaf:
            d = known_fields(obj, _SELF_FIELDS, where, fmt="bitunix")
        else:
            d = known_fields(obj, _PATH_FIELDS, where, optional=_PATH_OPTIONAL, fmt="bitunix")
        raw = d["balances"]
        balances: tuple[tuple[str, str], ...] | None
        if raw is None and root:
            balances = None
        elif isinstance(raw, dict) and 1 <= len(raw) <= MAX_ASSETS:
            balances = tuple((asset_name(a, f"{where}.balances"), get_str(raw, a, f"{where}.balances")) for a in raw)
            for a, v in balances:
                parse_amount(v, f"{where}.balances.{a}")
        else:
            raise FormatError(
                f"{where}.balances: expected an object of 1 to {MAX_ASSETS} assets",
                code="type",
                evidence={"field": where},
            )
        uid, nonce = d.get("encryptUid"), d.get("nonce")
        return cls(
            type=get_int(d, "type", where, LEFT, ROOT),
            height=get_int(d, "height", where, 1, MAX_LEVELS + 1),
            hash=hex_digest(d, "merkleLeaf", where, 64),
            balances=balances,
            encrypt_uid=None if uid is None else get_str(d, "encryptUid", where),
            nonce=None if nonce is None else get_str(d, "nonce", where),
        )


@dataclass(frozen=True)
class Proof:
    leaf: Node
    precisions: Mapping[str, int]
    path: tuple[Node, ...]

    @property
    def root(self) -> Node:
        return self.path[-1]

    @classmethod
    def from_dict(cls, obj: object) -> Proof:
        if isinstance(obj, dict) and isinstance(obj.get("self"), dict) and not obj["self"].keys() >= _SELF_FIELDS:
            missing = ", ".join(sorted(_SELF_FIELDS - obj["self"].keys()))
            raise FormatError(
                f"a Bitunix-like proof whose self lacks {missing}: not a version this verifier knows",
                code="version",
            )
        d = known_fields(obj, {"path", "self"}, "proof", fmt="bitunix")
        path = d["path"]
        if not isinstance(path, list) or not 2 <= len(path) <= MAX_LEVELS + 1:
            raise FormatError(f"proof.path: expected a list of 2 to {MAX_LEVELS + 1} nodes", code="length")
        leaf = Node.from_dict(d["self"], "self", leaf=True)
        raw = d["self"]["precisions"]
        if not isinstance(raw, dict):
            raise FormatError("self.precisions: expected an object", code="type")
        precisions = {asset_name(a, "self.precisions"): get_int(raw, a, "self.precisions", 0, SCALE) for a in raw}
        nodes = tuple(Node.from_dict(p, f"path[{k}]", root=k == len(path) - 1) for k, p in enumerate(path))
        return cls(leaf, precisions, nodes)


def balances_text(balances: Sequence[tuple[str, str]]) -> str:
    """fastjson's text of a ``HashMap<String, String>`` filled in this order."""
    values = dict(balances)
    order = hashmap_order([a for a, _ in balances])  # a bucket Java would make a tree: unsupported
    return "{" + ",".join(f'"{a}":"{values[a]}"' for a in order) + "}"


def leaf_hash(encrypt_uid: str, nonce: str, balances: Sequence[tuple[str, str]]) -> str:
    return sha256_hex(f"{encrypt_uid},{nonce},{balances_text(balances)}")


def node_hash(left: str, right: str, sums: Sequence[tuple[str, str]], height: int) -> str:
    return sha256_hex(f"{left}{right},{balances_text(sums)},{height}")


def _check_structure(proof: Proof) -> None:
    leaf, path = proof.leaf, proof.path
    top = len(path)
    assets = [a for a, _ in leaf.balances or ()]
    if set(proof.precisions) != set(assets):
        raise FormatError("self.precisions must name exactly the assets of self.balances", code="assets")
    if leaf.type not in (LEFT, RIGHT) or leaf.height != top:
        raise VerificationError(
            f"self: the leaf is type 1 or 2 at height {top} (the path's length), found type {leaf.type} "
            f"height {leaf.height}",
            code="level",
            evidence={"field": "self"},
        )
    for k, node in enumerate(path):
        want = top - k
        last = k == len(path) - 1
        if node.height != want:
            raise VerificationError(
                f"path[{k}]: height {node.height}, expected {want} (heights fall by one from the leaf to the root)",
                code="level",
                evidence={"field": f"path[{k}]", "found": node.height, "expected": want},
            )
        if (node.type == ROOT) != last:
            raise FormatError(f"path[{k}].type: only the last node is the root (type 3)", code="type")
        if node.balances is not None and sorted(a for a, _ in node.balances) != sorted(assets):
            raise FormatError(
                f"path[{k}].balances: not the assets of self.balances", code="assets", evidence={"field": f"path[{k}]"}
            )
    if path[0].type == leaf.type:
        raise VerificationError("self and its sibling path[0] claim the same side", code="side")


def _sum(left: Node, right: Node, precisions: Mapping[str, int], where: str) -> tuple[tuple[str, str], ...]:
    """The parent's balances: the left child's keys in its map's order, sums rounded toward zero."""
    lv, rv = dict(left.balances or ()), dict(right.balances or ())
    out = []
    for asset in hashmap_order([a for a, _ in left.balances or ()]):
        total = check_range(parse_amount(lv[asset], asset) + parse_amount(rv[asset], asset), f"{where}.{asset}")
        out.append((asset, fixed(round_down(total, precisions[asset]), precisions[asset])))
    return tuple(out)


def root_from_proof(proof: Proof) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Check the structure and the leaf, fold the path: the computed root hash and balances."""
    _check_structure(proof)
    leaf = proof.leaf
    computed = leaf_hash(leaf.encrypt_uid or "", leaf.nonce or "", leaf.balances or ())
    check_recomputed(computed, leaf.hash, "the leaf hash does not re-compute from encryptUid, nonce and balances")
    current = Node(leaf.type, leaf.height, computed, leaf.balances)
    for k, sibling in enumerate(proof.path[:-1]):
        left, right = (sibling, current) if sibling.type == LEFT else (current, sibling)
        sums = _sum(left, right, proof.precisions, f"sum at path[{k}]")
        height = left.height - 1
        above = proof.path[k + 1]
        side = ROOT if above.type == ROOT else (RIGHT if above.type == LEFT else LEFT)
        current = Node(side, height, node_hash(left.hash, right.hash, sums, height), sums)
    return current.hash, current.balances or ()


def verify_parsed(proof: Proof) -> ForeignResult:
    computed_hash, computed = root_from_proof(proof)
    root = proof.root
    totals = {a: parse_amount(v, a) for a, v in computed}
    stated = root.amounts if root.balances is not None else totals
    compare_root(computed_hash, totals, root.hash, stated)
    findings: list[Finding] = [root_unanchored(root.hash), sum_only_binding(), no_non_negativity()]
    if root.balances is None:
        findings.append(
            Finding(
                "info",
                "The root in this file states no totals; the totals shown are computed from the path.",
                "root-without-totals",
            )
        )
    findings.append(
        Finding(
            "limitation",
            "Every parent's sums are rounded toward zero to the asset's precision before they are hashed: "
            "amounts below the precision vanish from the totals, and a sibling can hide up to one unit "
            "of the last decimal per level.",
            "rounded-sums",
        )
    )
    first = proof.path[0]
    if first.balances is not None:
        extra = ""
        if (
            first.encrypt_uid is not None
            and first.nonce is not None
            and same_digest(leaf_hash(first.encrypt_uid, first.nonce, first.balances), first.hash)
        ):
            extra = (
                "The file also gives that customer's encryptUid and nonce, and their leaf re-computes from them: "
                "their full leaf pre-image is disclosed to you (and yours to them)."
            )
        findings.append(neighbour_leak("path[0]", dict(first.balances), extra))
    findings.append(
        Finding(
            "limitation",
            "The leaf holds an encrypted uid and a nonce, not your account: check that encryptUid, nonce and "
            "balances match what your Bitunix account page shows for this audit.",
            "no-owner-binding",
        )
    )
    negatives = [("self", a, v) for a, v in proof.leaf.amounts.items() if v < 0]
    negatives += [(f"path[{k}]", a, v) for k, p in enumerate(proof.path) for a, v in p.amounts.items() if v < 0]
    findings += negative_findings(negatives)
    return ForeignResult(
        format="bitunix",
        root=root.hash,
        totals={a: plain(totals[a]) for a in sorted(totals)},
        balances={a: v for a, v in proof.leaf.balances or ()},
        findings=tuple(findings),
        checked=(
            "leaf hash re-computed from encryptUid, nonce and balances (fastjson HashMap order)",
            f"{len(proof.path) - 1} parent hashes and sums re-computed up to the root, rounded to "
            + ", ".join(f"{a} {p}" for a, p in sorted(proof.precisions.items()))
            + " decimals",
            "every height matches its position; every node carries the same assets",
            "root hash" + (" and totals equal" if root.balances is not None else " equals") + " the root in the file "
            "(Bitunix's own tool compares the hash only)",
        ),
        details={"encrypt_uid": proof.leaf.encrypt_uid or "", "levels": str(len(proof.path))},
        version=VERSION,
    )


def verify_proof(data: bytes, name: str = "proof") -> ForeignResult:
    """Verify the bytes of a Bitunix proof file."""
    return verify_parsed(Proof.from_dict(load_json(data, name)))


def sniff(obj: object) -> bool:
    if not isinstance(obj, dict) or set(obj) != {"path", "self"} or not isinstance(obj["self"], dict):
        return False
    return obj["self"].keys() >= _SELF_FIELDS


def verify(paths: Sequence[Path]) -> ForeignResult:
    single_file("bitunix", paths)
    return verify_proof(read_bytes(paths[0], "Bitunix proof"), str(paths[0]))


FORMAT = ForeignFormat("bitunix", "Bitunix Merkle sum tree proof (2024)", sniff, verify)
