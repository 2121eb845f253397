"""MEXC Merkle sum tree proofs (128-bit truncated SHA-256): ``{"pathList": [...], "self": ...}``.

Rules (docs/formats/mexc.md, learned from mexcmerkle/mexc-proof-of-reserves
``util/MerkleProofValidator.java``, ``model/MerklePathNode.java``,
``model/MerkleSelfNode.java``, ``util/SignatureUtil.java``):

- balances are hashed as ``KEY:value`` pairs joined by ``,`` in sorted key order;
- leaf = first 32 hex digits of SHA-256(proofId + "," + accountId + "," + pairs),
  the leaf's values exactly as written;
- parent = first 32 hex digits of SHA-256(left + "," + right + "," + pairs), the
  parent's values the exact sums printed without trailing zeros;
- the self node has level 0 and the root the highest level; the sibling of the node
  at level ``i`` is the path entry with level ``i``; a missing level, or an entry
  whose hash is ``""``, is an empty sibling: it adds nothing, and its hash is the
  empty string;
- the parent's asset keys: the left child's keys; when the right child is not
  empty, also BTC, ETH, USDC, USDT (as zero) and the right child's keys.

Two versions, one hash rule: MEXC's first proofs (December 2022, learned from
fcitem/mexc-proof-of-reserves, MIT, the ``com.mxc.merkle`` sources) name every node's
assets ``balance``; from January 2023 on the field is ``balances``.
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
    known_fields,
    load_json,
    negative_findings,
    neighbour_leak,
    no_non_negativity,
    read_bytes,
    root_unanchored,
    sha256_hex,
    single_file,
    sum_only_binding,
    tree_size_leak,
)
from solvent.formats.exchange_decimals import check_range, parse_amount, plain
from solvent.protocol.errors import FormatError, VerificationError

__all__ = [
    "FORMAT",
    "Node",
    "Proof",
    "leaf_hash",
    "node_hash",
    "root_from_proof",
    "sniff",
    "verify",
    "verify_parsed",
    "verify_proof",
]

LEFT, RIGHT, ROOT = 1, 2, 3
HEX_CHARS = 32
MAX_LEVELS = 64
#: Assets MEXC's verifier adds (as zero) to a parent whose right child is not empty.
DEFAULT_ASSETS = ("BTC", "USDT", "ETH", "USDC")
#: The versions: the name of the balances field, and how the version is named.
VERSIONS = {"balance": "2022-12 (field balance)", "balances": "2023-01 (field balances)"}
_SELF_KEYS = {"level", "type", "hash", "proofId", "accountId"}


@dataclass(frozen=True)
class Node:
    """A path entry (or the self node); ``balances`` are the strings as written."""

    level: int
    type: int
    hash: str
    balances: Mapping[str, str]

    @property
    def empty(self) -> bool:
        return self.hash == ""

    @property
    def amounts(self) -> dict[str, int]:
        return {a: parse_amount(v, a) for a, v in self.balances.items()}

    @classmethod
    def from_dict(
        cls, obj: object, where: str, extra: Sequence[str] = (), field: str = "balances"
    ) -> tuple[Node, dict[str, Any]]:
        d = known_fields(obj, {"level", "type", "hash", field, *extra}, where, fmt="mexc")
        bal = d[field]
        if not isinstance(bal, dict):
            raise FormatError(f"{where}.{field}: expected an object", evidence={"field": where})
        balances = {asset_name(a, f"{where}.{field}"): get_str(bal, a, f"{where}.{field}") for a in bal}
        for a, v in balances.items():
            parse_amount(v, f"{where}.{field}.{a}")
        node = cls(
            level=get_int(d, "level", where, 0, MAX_LEVELS),
            type=get_int(d, "type", where, LEFT, ROOT),
            hash=get_str(d, "hash", where, f"(?:[0-9a-f]{{{HEX_CHARS}}})?"),
            balances=balances,
        )
        return node, d

    def to_dict(self, field: str = "balances") -> dict[str, Any]:
        return {"level": self.level, "type": self.type, "hash": self.hash, field: dict(self.balances)}


@dataclass(frozen=True)
class Proof:
    leaf: Node
    proof_id: str
    account_id: str
    path: tuple[Node, ...]
    #: ``balances`` (2023 on) or ``balance`` (December 2022): the field every node names its assets in.
    field: str = "balances"

    @property
    def version(self) -> str:
        return VERSIONS[self.field]

    @property
    def root(self) -> Node:
        return self.path[-1]

    @classmethod
    def from_dict(cls, obj: object) -> Proof:
        d = known_fields(obj, {"pathList", "self"}, "proof", fmt="mexc")
        path = d["pathList"]
        if not isinstance(path, list) or not 1 <= len(path) <= MAX_LEVELS + 1:
            raise FormatError(f"proof.pathList: expected a list of 1 to {MAX_LEVELS + 1} nodes", code="length")
        field = _field(d["self"])
        leaf, raw = Node.from_dict(d["self"], "self", ("proofId", "accountId"), field)
        return cls(
            leaf=leaf,
            proof_id=get_str(raw, "proofId", "self"),
            account_id=get_str(raw, "accountId", "self"),
            path=tuple(Node.from_dict(p, f"pathList[{k}]", field=field)[0] for k, p in enumerate(path)),
            field=field,
        )

    def to_dict(self) -> dict[str, Any]:
        me = self.leaf.to_dict(self.field) | {"proofId": self.proof_id, "accountId": self.account_id}
        return {"pathList": [p.to_dict(self.field) for p in self.path], "self": me}


def _field(me: object) -> str:
    """Which version the leaf is written in: its balances field; neither (or both) is no known version."""
    if not isinstance(me, dict):
        return "balances"  # not an object at all: check_fields says so
    fields = [f for f in VERSIONS if f in me]
    if len(fields) != 1:
        found = "both balance and balances" if fields else "neither balance nor balances"
        raise FormatError(
            f"self has {found}: not a version of MEXC's proof this verifier knows ({', '.join(VERSIONS.values())})",
            code="version",
            evidence={"field": "self"},
        )
    return fields[0]


def _pairs(values: Mapping[str, str]) -> str:
    return ",".join(f"{a}:{values[a]}" for a in sorted(values))


def leaf_hash(proof_id: str, account_id: str, balances: Mapping[str, str]) -> str:
    return sha256_hex(f"{proof_id},{account_id},{_pairs(balances)}")[:HEX_CHARS]


def node_hash(left: str, right: str, amounts: Mapping[str, int]) -> str:
    return sha256_hex(f"{left},{right},{_pairs({a: plain(v) for a, v in amounts.items()})}")[:HEX_CHARS]


def _check_structure(proof: Proof) -> dict[int, Node]:
    """Levels strictly rising, below the root's; returns the siblings by level."""
    leaf, root = proof.leaf, proof.root
    if leaf.level != 0 or leaf.type not in (LEFT, RIGHT) or leaf.empty:
        raise FormatError("self: the leaf has level 0, type 1 (left) or 2 (right) and a hash", code="type")
    if root.type != ROOT or root.empty or root.level < 1:
        raise FormatError(f"pathList[{len(proof.path) - 1}]: the last node must be the root (type 3)", code="type")
    by_level: dict[int, Node] = {}
    previous = -1
    for k, node in enumerate(proof.path[:-1]):
        if node.type not in (LEFT, RIGHT):
            raise FormatError(f"pathList[{k}].type: a sibling is 1 (left) or 2 (right)", code="type")
        if not previous < node.level < root.level:
            raise VerificationError(
                f"pathList[{k}]: level {node.level} is out of order (after {previous}, below the root's {root.level})",
                code="level",
                evidence={"field": f"pathList[{k}]", "found": node.level},
            )
        if node.empty and any(node.amounts.values()):
            raise VerificationError(
                f'pathList[{k}] is empty (hash "") but carries balances',
                code="padding",
                evidence={"level": node.level},
            )
        previous = node.level
        by_level[node.level] = node
    first = by_level.get(0)
    if first is not None and first.type == leaf.type:
        raise VerificationError("self and its level-0 sibling claim the same side", code="side")
    return by_level


def _merge(into: dict[str, int], node: Node, where: str) -> None:
    for asset, value in node.amounts.items():
        into[asset] = check_range(into.get(asset, 0) + value, f"sum at {where}.{asset}")


def root_from_proof(proof: Proof) -> tuple[str, dict[str, int]]:
    """Check the leaf hash and fold up to the root's level: the computed root hash and totals."""
    by_level = _check_structure(proof)
    leaf = proof.leaf
    computed = leaf_hash(proof.proof_id, proof.account_id, leaf.balances)
    check_recomputed(computed, leaf.hash, "the leaf hash does not re-compute from proofId, accountId and balances")
    current = Node(0, leaf.type, computed, leaf.balances)
    for level in range(proof.root.level):
        sibling = by_level.get(level) or Node(level, RIGHT if current.type == LEFT else LEFT, "", {})
        left, right = (current, sibling) if current.type == LEFT else (sibling, current)
        sums: dict[str, int] = {}
        _merge(sums, left, f"level {level}")
        if not right.empty:
            for asset in DEFAULT_ASSETS:
                sums.setdefault(asset, 0)
            _merge(sums, right, f"level {level}")
        above = by_level.get(level + 1)
        side = LEFT if above is None or above.type != LEFT else RIGHT
        current = Node(level + 1, side, node_hash(left.hash, right.hash, sums), {a: plain(v) for a, v in sums.items()})
    return current.hash, current.amounts


def _position(proof: Proof) -> tuple[int, set[int]]:
    """The leaf's index (from the sides on the path) and the levels with an empty sibling."""
    by_level = {p.level: p for p in proof.path[:-1]}
    index, twins = 0, set()
    side = proof.leaf.type
    for level in range(proof.root.level):
        sibling = by_level.get(level)
        if sibling is None or sibling.empty:
            twins.add(level)
        if side == RIGHT:
            index |= 1 << level
        above = by_level.get(level + 1)
        side = LEFT if above is None or above.type != LEFT else RIGHT
    return index, twins


def verify_parsed(proof: Proof) -> ForeignResult:
    computed_hash, computed = root_from_proof(proof)
    root = proof.root
    compare_root(computed_hash, computed, root.hash, root.amounts)
    findings: list[Finding] = [
        Finding(
            "weakness",
            "Hashes are SHA-256 cut to 128 bits: two subtrees with the same hash cost about 2^64 "
            "evaluations, beyond casual reach but far below the binding of the full hash.",
            "truncated-128",
        ),
        Finding(
            "leak",
            "The leaf commits to your raw account id with no secret nonce (the proofId is the same "
            "for everyone in the audit): whoever can guess an account's balances can test account ids "
            "against leaf hashes, and this file itself names your account id.",
            "raw-account-id",
        ),
        root_unanchored(root.hash),
        sum_only_binding(),
        no_non_negativity(),
    ]
    by_level = {p.level: p for p in proof.path[:-1]}
    neighbour = by_level.get(0)
    if neighbour is not None and not neighbour.empty:
        findings.append(neighbour_leak("the level-0 sibling", neighbour.balances))
    index, twins = _position(proof)
    findings.append(tree_size_leak(root.level, index, twins))
    negatives = [("self", a, v) for a, v in proof.leaf.amounts.items() if v < 0]
    negatives += [(f"level {p.level}", a, v) for p in proof.path for a, v in p.amounts.items() if v < 0]
    findings += negative_findings(negatives)
    implicit = root.level - sum(1 for p in proof.path[:-1] if not p.empty)
    return ForeignResult(
        format="mexc",
        root=root.hash,
        totals={a: plain(v) for a, v in sorted(computed.items())},
        balances={a: plain(v) for a, v in sorted(proof.leaf.amounts.items())},
        findings=tuple(findings),
        checked=(
            "leaf hash (128-bit) re-computed from proofId, accountId and balances",
            f"{root.level} parent hashes and sums re-computed up to the root ({implicit} empty siblings)",
            "root hash and totals equal the root in the file (MEXC's own tool compares the hash only)",
        ),
        details={"proof_id": proof.proof_id, "account_id": proof.account_id, "levels": str(root.level)},
        version=proof.version,
    )


def verify_proof(data: bytes, name: str = "proof") -> ForeignResult:
    """Verify the bytes of a MEXC proof file."""
    return verify_parsed(Proof.from_dict(load_json(data, name)))


def sniff(obj: object) -> bool:
    """``pathList`` and a ``self`` with every field a MEXC leaf has (its balances field names the version)."""
    return (
        isinstance(obj, dict)
        and set(obj) == {"pathList", "self"}
        and isinstance(obj["self"], dict)
        and obj["self"].keys() >= _SELF_KEYS
    )


def verify(paths: Sequence[Path]) -> ForeignResult:
    single_file("mexc", paths)
    return verify_proof(read_bytes(paths[0], "MEXC proof"), str(paths[0]))


FORMAT = ForeignFormat(
    "mexc", "MEXC Merkle sum tree proof (128-bit hashes)", sniff, verify, versions=tuple(VERSIONS.values())
)
