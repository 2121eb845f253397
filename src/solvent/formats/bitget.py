"""Bitget Merkle sum tree proofs (64-bit truncated SHA-256): ``{"path": [...], "self": ...}``.

Bitget has hashed a node's balances by two rules; the file does not say which, so
both are tried and the result names the one that matched (docs/formats/bitget.md,
learned from BitgetLimited/proof-of-reserves ``MerkelTreeUtils.java``,
``MerKelTree.java``, ``TreeNode.java``, ``JSONUtils.java``):

- **2025-11 and later** (commit 779bf2f, 21 November 2025): a balance map prints as
  JSON with the keys in the file's order and each value a quoted string without
  trailing zeros: ``{"BTC":"0","ETH":"0.0015",...}``; a parent's keys are the left
  child's, then any the right child adds;
- **before 2025-11** (commits 257a716 to c8a6186, 2022 to 2025; also UZX's fork):
  fastjson's print of a ``HashMap<String, BigDecimal>``: keys in Java's HashMap
  order, each value unquoted as ``BigDecimal.toString()`` prints it, trailing zeros
  kept and small values in exponent form (``{"BTC":0,"ETH":1E-8,"USDT":2.10}``); a
  parent's values are exact sums at the larger scale (:mod:`.java_compat`).

For both: leaf = first 16 hex digits of SHA-256(encryptUid + "," + nonce + "," +
balances); parent = first 16 hex digits of SHA-256(left + right + "," + parent
balances + "," + parent level); the root has level 1, a leaf's level is the path
length; ``role`` is a node's own side: 0 empty (padding), 1 left, 2 right, 3 root; a
padding sibling copies the hash of the node beside it and has zero balances.

Balances are JSON numbers in the older files and strings in the newer ones; either
is read as exact decimal text (exponents included), never as a float.  A file whose
fields are not those of this format is an unsupported version (exit 2); one of the
known shape whose hashes fail under both rules is invalid, naming what failed under each.
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
from solvent.formats.exchange_decimals import check_range, plain
from solvent.formats.java_compat import JavaDecimal, hashmap_order, java_add, java_string, parse_java_decimal
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
from solvent.protocol.errors import FormatError, VerificationError
from solvent.protocol.strictjson import check_fields

__all__ = [
    "BEFORE_2025_11",
    "FORMAT",
    "SINCE_2025_11",
    "VERSIONS",
    "Node",
    "Proof",
    "balances_json",
    "leaf_hash",
    "legacy_balances_json",
    "legacy_leaf_hash",
    "legacy_node_hash",
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

#: The rule of Bitget's verifier from commit 779bf2f (21 November 2025) on: quoted plain decimals.
SINCE_2025_11 = "2025-11 and later"
#: The rule of Bitget's verifier before it (2022 to November 2025, and UZX's fork): fastjson BigDecimal.
BEFORE_2025_11 = "before 2025-11"
#: Every version, in the order they are tried.
VERSIONS = (SINCE_2025_11, BEFORE_2025_11)

_LEAF_FIELDS = frozenset({"balances", "encryptUid", "level", "merkelLeaf", "nonce", "role"})
_NODE_FIELDS = frozenset({"balances", "level", "merkelLeaf"})
_OPTIONAL = frozenset({"auditId", "role", "encryptUid", "nonce"})


@dataclass(frozen=True)
class Node:
    """One node; ``amounts`` (units of 10^-18) and ``decimals`` (as written, scale kept)
    keep the file's key order (the newer rule hashes it)."""

    amounts: Mapping[str, int]
    level: int
    merkel_leaf: str
    role: int | None
    audit_id: str | None = None
    encrypt_uid: str | None = None
    nonce: str | None = None
    decimals: Mapping[str, JavaDecimal] | None = None

    @classmethod
    def from_dict(cls, obj: object, where: str, *, leaf: bool = False) -> Node:
        required = _LEAF_FIELDS if leaf else _NODE_FIELDS
        d = check_fields(obj, required, where, optional=_OPTIONAL)
        bal = d["balances"]
        if not isinstance(bal, dict) or not bal:
            raise FormatError(
                f"{where}.balances: expected an object of balances", code="fields", evidence={"field": where}
            )
        decimals = {
            asset_name(a, f"{where}.balances"): parse_java_decimal(v, f"{where}.balances.{a}") for a, v in bal.items()
        }
        return cls(
            amounts={a: v.units(f"{where}.balances.{a}") for a, v in decimals.items()},
            level=get_int(d, "level", where, 1, MAX_LEVELS),
            merkel_leaf=hex_digest(d, "merkelLeaf", where, HEX_CHARS),
            role=get_int(d, "role", where, EMPTY, ROOT) if "role" in d else None,
            audit_id=get_str(d, "auditId", where) if "auditId" in d else None,
            encrypt_uid=get_str(d, "encryptUid", where) if "encryptUid" in d else None,
            nonce=get_str(d, "nonce", where) if "nonce" in d else None,
            decimals=decimals,
        )

    def written(self) -> Mapping[str, JavaDecimal]:
        """The balances as written (a node made in code has only ``amounts``: read as 18-place decimals)."""
        if self.decimals is not None:
            return self.decimals
        return {a: JavaDecimal(v, 18) for a, v in self.amounts.items()}

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


# -- 2025-11 and later: quoted plain decimals, the file's key order ---------------------


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


# -- before 2025-11: fastjson's HashMap<String, BigDecimal> ------------------------------


def _java_map(values: Mapping[str, JavaDecimal]) -> dict[str, JavaDecimal]:
    """``values`` as a Java HashMap holds them after ``put`` in this order: in its iteration order."""
    return {a: values[a] for a in hashmap_order(values)}


def legacy_balances_json(values: Mapping[str, JavaDecimal]) -> str:
    """fastjson's ``toJSONString`` of the HashMap made from ``values`` (put in this order)."""
    return "{" + ",".join(f'"{a}":{java_string(v)}' for a, v in _java_map(values).items()) + "}"


def legacy_leaf_hash(encrypt_uid: str, nonce: str, values: Mapping[str, JavaDecimal]) -> str:
    return sha256_hex(f"{encrypt_uid},{nonce},{legacy_balances_json(values)}")[:HEX_CHARS]


def legacy_node_hash(left: str, right: str, values: Mapping[str, JavaDecimal], level: int) -> str:
    return sha256_hex(f"{left}{right},{legacy_balances_json(values)},{level}")[:HEX_CHARS]


def _legacy_merge(
    left: Mapping[str, JavaDecimal], right: Mapping[str, JavaDecimal], where: str
) -> dict[str, JavaDecimal]:
    """``TreeNode.mergeAsset``: a new HashMap gets the left child's entries, then the right
    child's (each in its own iteration order), adding ``BigDecimal``s exactly."""
    out = dict(left)
    for asset, value in right.items():
        total = java_add(out[asset], value) if asset in out else value
        total.units(f"sum at {where}.{asset}")  # range-checked like every sum
        out[asset] = total
    return _java_map(out)


# -- both rules -----------------------------------------------------------------------


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


def _legacy_siblings(proof: Proof) -> list[Sibling[Mapping[str, JavaDecimal]]]:
    out: list[Sibling[Mapping[str, JavaDecimal]]] = []
    for k, p in enumerate(proof.path[:-1]):
        zero = not any(p.amounts.values())
        values = _java_map(p.written())
        out.append(Sibling(f"path[{k}]", p.level, p.role == LEFT, p.role == EMPTY, p.merkel_leaf, values, zero))
    return out


def root_from_proof(proof: Proof, version: str = SINCE_2025_11) -> tuple[str, Mapping[str, int], list[str]]:
    """Check the leaf hash and fold the path by the rule of ``version``: the computed root
    hash, totals (units of 10^-18) and the hash of the path's node at every level."""
    _check_structure(proof)
    leaf, n = proof.leaf, len(proof.path)
    uid, nonce = leaf.encrypt_uid or "", leaf.nonce or ""
    message = "the leaf hash does not re-compute from encryptUid, nonce and balances"
    # the parent made at step k sits at level n - k - 1 (the root at 1)
    if version == SINCE_2025_11:
        computed_leaf = leaf_hash(uid, nonce, leaf.amounts)
        check_recomputed(computed_leaf, leaf.merkel_leaf, message)
        return fold_path(
            computed_leaf,
            dict(leaf.amounts),
            _siblings(proof),
            lambda left, right, amounts, k: node_hash(left, right, amounts, n - k - 1),
            _merge,
        )
    if version != BEFORE_2025_11:
        raise ValueError(f"unknown Bitget version {version!r}")
    computed_leaf = legacy_leaf_hash(uid, nonce, leaf.written())
    check_recomputed(computed_leaf, leaf.merkel_leaf, message)
    computed_hash, sums, nodes = fold_path(
        computed_leaf,
        _java_map(leaf.written()),
        _legacy_siblings(proof),
        lambda left, right, values, k: legacy_node_hash(left, right, values, n - k - 1),
        _legacy_merge,
    )
    return computed_hash, {a: v.units(f"sum {a}") for a, v in sums.items()}, nodes


def _matched(proof: Proof, version: str) -> tuple[str, Mapping[str, int], list[str]]:
    """Fold by ``version`` and compare with the root in the file; VerificationError when it does not hold."""
    computed_hash, computed, nodes = root_from_proof(proof, version)
    root = proof.root
    compare_root(computed_hash, computed, root.merkel_leaf, root.amounts)
    return computed_hash, computed, nodes


_CHECKS = {"leaf-hash": "leaf hash", "root-mismatch": "root hash or totals"}


def _no_version_matched(failures: Sequence[tuple[str, VerificationError]]) -> VerificationError:
    """Every rule failed: the error of the rule that got furthest (its leaf hash matched, so the
    file is most likely of that version), naming what failed under each rule."""
    per_rule: dict[str, object] = {}
    for v, e in failures:
        computed = f", computed {e.evidence['computed']}" if e.code == "leaf-hash" and "computed" in e.evidence else ""
        per_rule[f"under {v}"] = f"{_CHECKS.get(e.code, e.code)} failed ({e.code}{computed})"
    far = [(v, e) for v, e in failures if e.code != "leaf-hash"]
    if not far:
        first = failures[0][1]
        return VerificationError(
            "the leaf hash does not re-compute from encryptUid, nonce and balances under any of Bitget's rules "
            f"({', '.join(v for v, _ in failures)})",
            code="leaf-hash",
            evidence={
                "expected": first.evidence.get("expected", ""),
                "version": "none matched",
                **per_rule,
            },
        )
    version, primary = far[0]
    others = ", ".join(v for v, _ in failures if v != version)
    evidence: dict[str, object] = {
        **primary.evidence,
        "version": f"{version} (its leaf hash matched; under {others} it did not)",
        **per_rule,
    }
    return type(primary)(f"{primary} (by Bitget's {version} rule)", code=primary.code, evidence=evidence)


def verify_parsed(proof: Proof) -> ForeignResult:
    """Try each of Bitget's rules; the result names the version that matched."""
    _check_structure(proof)
    failures: list[tuple[str, VerificationError]] = []
    for version in VERSIONS:
        try:
            _, computed, nodes = _matched(proof, version)
        except VerificationError as e:
            failures.append((version, e))
            continue
        try:
            return _result(proof, version, computed, nodes)
        except VerificationError as e:
            e.evidence.setdefault("version", version)
            raise
    raise _no_version_matched(failures)


def _result(proof: Proof, version: str, computed: Mapping[str, int], nodes: Sequence[str]) -> ForeignResult:
    root = proof.root
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
    rule = (
        "quoted plain decimals in the file's key order"
        if version == SINCE_2025_11
        else "unquoted Java BigDecimal text in Java HashMap key order"
    )
    return ForeignResult(
        format="bitget",
        version=version,
        root=root.merkel_leaf,
        totals={a: plain(v) for a, v in computed.items()},
        balances={a: plain(v) for a, v in proof.leaf.amounts.items()},
        findings=tuple(findings),
        checked=(
            f"leaf hash (64-bit) re-computed from encryptUid, nonce and balances ({rule})",
            f"{len(proof.path) - 1} parent hashes and sums re-computed up to the root",
            "every level matches its position; empty siblings are zero-balance twins",
            "root hash and totals equal the root in the file",
        ),
        details={"audit": proof.leaf.audit_id or "", "levels": str(len(proof.path))},
    )


def _read(data: bytes, name: str) -> Proof:
    """Parse the file; one whose fields are not those of any known version is an unsupported version."""
    try:
        return Proof.from_dict(load_json(data, name, numbers_as_text=True))
    except FormatError as e:
        if e.code != "fields":
            raise
        raise FormatError(
            f"{name}: not a Bitget proof of a version solvent knows ({', '.join(VERSIONS)}): {e}",
            code="version",
            evidence=e.evidence,
        ) from e


def verify_proof(data: bytes, name: str = "proof") -> ForeignResult:
    """Verify the bytes of a Bitget proof file (e.g. ``merkel_tree_bg.json``), by either rule."""
    return verify_parsed(_read(data, name))


def sniff(obj: object) -> bool:
    """Bitget's shape: ``self`` with every field a Bitget leaf needs, ``path`` a list of nodes with theirs."""
    me = self_of(obj)
    if me is None or not me.keys() >= _LEAF_FIELDS or not isinstance(obj, dict):
        return False
    path = obj["path"]
    return isinstance(path, list) and bool(path) and all(isinstance(p, dict) and p.keys() >= _NODE_FIELDS for p in path)


def verify(paths: Sequence[Path]) -> ForeignResult:
    single_file("bitget", paths)
    return verify_proof(read_bytes(paths[0], "Bitget proof"), str(paths[0]))


FORMAT = ForeignFormat("bitget", "Bitget Merkle sum tree proof (64-bit hashes)", sniff, verify, versions=VERSIONS)
