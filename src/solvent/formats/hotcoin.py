"""Hotcoin Merkle sum tree proofs (``HOTCOIN-POR-SUM``): a proof file and its public anchor.

Rules (docs/formats/hotcoin.md, learned from hotcoinexchange/proof-of-reserves
``MerkleProtocol.java`` and ``MerkleProofVerifier.java``):

- every hash is SHA-256 of one domain byte followed by a compact JSON array of strings:
  configuration (3) ``[protocol, coin, decimals, ...]``; leaf (0) ``[protocol,
  snapshotId, config hash, accountId, nonce, amounts...]``; padding (2) ``[protocol,
  snapshotId, config hash]`` with zero balances; parent (1) ``[protocol, config hash,
  left, right, sums...]``, amounts in the order of ``assets``;
- amounts are non-negative, written canonically (``stripTrailingZeros().toPlainString()``)
  with no more decimals than the asset's ``decimals``; a parent's sums are exact;
- the sibling's side follows from ``leafIndex``; a level of odd width gets the padding
  node as the missing right sibling; the path has one step per level;
- the anchor (published separately) gives the root, the leaf count and the totals.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solvent.formats.base import Finding, ForeignFormat, ForeignResult
from solvent.formats.common import (
    check_recomputed,
    compare_root,
    get_int,
    get_str,
    hex_digest,
    load_json,
    neighbour_leak,
    no_non_negativity,
    read_bytes,
    root_unanchored,
    same_digest,
    sum_only_binding,
)
from solvent.formats.exchange_decimals import check_range, parse_amount, plain
from solvent.protocol.errors import FormatError, InputError, VerificationError
from solvent.protocol.strictjson import check_fields

__all__ = [
    "FORMAT",
    "PROTOCOL",
    "Anchor",
    "Proof",
    "config_hash",
    "leaf_hash",
    "parent_hash",
    "padding_hash",
    "sniff",
    "verify",
    "verify_parsed",
    "verify_proof",
]

PROTOCOL = "HOTCOIN-POR-SUM"
MAX_ASSETS = 32
MAX_PATH = 64
MAX_USER_CHARS, MAX_SUM_CHARS = 100, 110
_COIN = r"[A-Z][A-Z0-9]{0,15}"
_SNAPSHOT = r"(?:[A-Za-z0-9_-]{1,64}|\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})"
_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]+)?\Z")
_PROOF_KEYS = {"protocol", "assets", "self", "path"}
_ANCHOR_KEYS = {"protocol", "assets", "snapshotId", "root", "leafCount", "userTotals"}


def _version(obj: object, what: str) -> None:
    protocol = obj.get("protocol") if isinstance(obj, dict) else None
    if protocol != PROTOCOL:
        raise FormatError(
            f"{what}: protocol {str(protocol)[:40]!r} is not {PROTOCOL!r}, the one version this verifier knows",
            code="version",
        )


def _assets(obj: object, where: str) -> tuple[tuple[str, int], ...]:
    if not isinstance(obj, list) or not 1 <= len(obj) <= MAX_ASSETS:
        raise FormatError(f"{where}: expected a list of 1 to {MAX_ASSETS} assets", code="assets")
    out = []
    for k, a in enumerate(obj):
        d = check_fields(a, {"coin", "decimals"}, f"{where}[{k}]")
        out.append((get_str(d, "coin", f"{where}[{k}]", _COIN), get_int(d, "decimals", f"{where}[{k}]", 0, 18)))
    if len({c for c, _ in out}) != len(out):
        raise FormatError(f"{where}: a coin is listed twice", code="assets")
    return tuple(out)


def _amounts(obj: object, assets: Sequence[tuple[str, int]], where: str, max_chars: int) -> dict[str, str]:
    """Canonical amounts, exactly the assets' keys, no more decimals than each asset has."""
    if not isinstance(obj, dict) or set(obj) != {c for c, _ in assets}:
        raise FormatError(f"{where}: the keys must be exactly the assets", code="assets", evidence={"field": where})
    out = {}
    for coin, decimals in assets:
        text = get_str(obj, coin, where)
        if len(text) > max_chars or not _DECIMAL.match(text):
            raise FormatError(
                f"{where}.{coin}: {text[:40]!r} is not a non-negative decimal",
                code="decimal",
                evidence={"field": f"{where}.{coin}"},
            )
        frac = text.partition(".")[2]
        value = parse_amount(text, f"{where}.{coin}")
        if len(frac) > decimals or plain(value) != text:
            raise FormatError(
                f"{where}.{coin}: {text!r} is not written canonically with at most {decimals} decimals",
                code="decimal",
                evidence={"field": f"{where}.{coin}"},
            )
        out[coin] = text
    return out


def _encode(fields: Sequence[str]) -> bytes:
    """A compact JSON array of strings (every field here is ASCII without quotes or controls)."""
    return ("[" + ",".join(json.dumps(f, ensure_ascii=False) for f in fields) + "]").encode("utf-8")


def _hash(domain: int, fields: Sequence[str]) -> str:
    import hashlib

    return hashlib.sha256(bytes([domain]) + _encode(fields)).hexdigest()


def config_hash(assets: Sequence[tuple[str, int]]) -> str:
    return _hash(3, [PROTOCOL, *(x for c, d in assets for x in (c, str(d)))])


def leaf_hash(snapshot: str, config: str, account: str, nonce: str, amounts: Sequence[str]) -> str:
    return _hash(0, [PROTOCOL, snapshot, config, account, nonce, *amounts])


def padding_hash(snapshot: str, config: str) -> str:
    return _hash(2, [PROTOCOL, snapshot, config])


def parent_hash(config: str, left: str, right: str, sums: Sequence[str]) -> str:
    return _hash(1, [PROTOCOL, config, left, right, *sums])


@dataclass(frozen=True)
class Step:
    left: bool
    hash: str
    balances: Mapping[str, str]


@dataclass(frozen=True)
class Proof:
    assets: tuple[tuple[str, int], ...]
    snapshot: str
    account: str
    nonce: str
    balances: Mapping[str, str]
    leaf: str
    index: int
    count: int
    path: tuple[Step, ...]

    @classmethod
    def from_dict(cls, obj: object) -> Proof:
        _version(obj, "proof")
        d = check_fields(obj, _PROOF_KEYS, "proof")
        assets = _assets(d["assets"], "assets")
        me = check_fields(
            d["self"], {"snapshotId", "accountId", "nonce", "balances", "leafHash", "leafIndex", "leafCount"}, "self"
        )
        count = get_int(me, "leafCount", "self", 1, (1 << 31) - 1)
        path = d["path"]
        if not isinstance(path, list) or len(path) > MAX_PATH:
            raise FormatError(f"path: expected a list of at most {MAX_PATH} steps", code="length")
        steps = []
        for k, s in enumerate(path):
            sd = check_fields(s, {"position", "hash", "balances"}, f"path[{k}]")
            position = get_str(sd, "position", f"path[{k}]", "LEFT|RIGHT")
            steps.append(
                Step(
                    position == "LEFT",
                    hex_digest(sd, "hash", f"path[{k}]", 64),
                    _amounts(sd["balances"], assets, f"path[{k}].balances", MAX_SUM_CHARS),
                )
            )
        return cls(
            assets=assets,
            snapshot=get_str(me, "snapshotId", "self", _SNAPSHOT),
            account=hex_digest(me, "accountId", "self", 64),
            nonce=hex_digest(me, "nonce", "self", 64),
            balances=_amounts(me["balances"], assets, "self.balances", MAX_USER_CHARS),
            leaf=hex_digest(me, "leafHash", "self", 64),
            index=get_int(me, "leafIndex", "self", 0, count - 1),
            count=count,
            path=tuple(steps),
        )


@dataclass(frozen=True)
class Anchor:
    assets: tuple[tuple[str, int], ...]
    snapshot: str
    root: str
    count: int
    totals: Mapping[str, str]

    @classmethod
    def from_dict(cls, obj: object) -> Anchor:
        _version(obj, "anchor")
        d = check_fields(obj, _ANCHOR_KEYS, "anchor")
        assets = _assets(d["assets"], "anchor.assets")
        return cls(
            assets=assets,
            snapshot=get_str(d, "snapshotId", "anchor", _SNAPSHOT),
            root=hex_digest(d, "root", "anchor", 64),
            count=get_int(d, "leafCount", "anchor", 1, (1 << 31) - 1),
            totals=_amounts(d["userTotals"], assets, "anchor.userTotals", MAX_SUM_CHARS),
        )


def _values(balances: Mapping[str, str], assets: Sequence[tuple[str, int]]) -> list[str]:
    return [balances[c] for c, _ in assets]


def root_from_proof(proof: Proof) -> tuple[str, dict[str, int], set[int]]:
    """Check the leaf and fold the path: the computed root, its totals, the levels with a padding sibling."""
    config = config_hash(proof.assets)
    computed = leaf_hash(proof.snapshot, config, proof.account, proof.nonce, _values(proof.balances, proof.assets))
    check_recomputed(
        computed, proof.leaf, "the leaf hash does not re-compute from snapshotId, accountId, nonce and balances"
    )
    padding = padding_hash(proof.snapshot, config)
    node, sums = computed, {c: parse_amount(v, c) for c, v in proof.balances.items()}
    index, width, level, twins = proof.index, proof.count, 0, set()
    while width > 1:
        if level >= len(proof.path):
            raise VerificationError(
                f"the path has {len(proof.path)} steps; a tree of {proof.count} leaves needs more",
                code="level",
                evidence={"steps": len(proof.path), "leaves": proof.count},
            )
        step = proof.path[level]
        expected_left = index % 2 == 1
        if step.left != expected_left:
            raise VerificationError(
                f"path[{level}]: position {'LEFT' if step.left else 'RIGHT'} is not the side of leaf {proof.index} "
                f"at this level",
                code="side",
                evidence={"field": f"path[{level}]"},
            )
        other = {c: parse_amount(v, c) for c, v in step.balances.items()}
        if index ^ 1 >= width:
            twins.add(level)
            if not same_digest(step.hash, padding) or any(other.values()):
                raise VerificationError(
                    f"path[{level}]: this level's last node has no sibling, so the step must be the padding node",
                    code="padding",
                    evidence={"field": f"path[{level}]"},
                )
        total = {c: check_range(sums[c] + other[c], f"sum at level {level}.{c}") for c, _ in proof.assets}
        texts = [plain(total[c]) for c, _ in proof.assets]
        if any(len(t) > MAX_SUM_CHARS for t in texts):
            raise FormatError(
                f"sum at level {level}: an amount is longer than {MAX_SUM_CHARS} characters", code="range"
            )
        node = parent_hash(config, step.hash, node, texts) if step.left else parent_hash(config, node, step.hash, texts)
        sums = total
        index, width, level = index // 2, width // 2 + width % 2, level + 1
    if level != len(proof.path):
        raise VerificationError(
            f"the path has {len(proof.path)} steps; a tree of {proof.count} leaves has {level} levels",
            code="level",
            evidence={"steps": len(proof.path), "levels": level},
        )
    return node, sums, twins


def verify_parsed(proof: Proof, anchor: Anchor | None) -> ForeignResult:
    computed_hash, computed, twins = root_from_proof(proof)
    totals = {c: plain(v) for c, v in computed.items()}
    findings: list[Finding] = [sum_only_binding(), no_non_negativity()]
    if anchor is None:
        findings.insert(
            0,
            Finding(
                "limitation",
                f"No anchor was given (--with the anchor JSON Hotcoin publishes): the computed root {computed_hash} "
                "and "
                "totals were compared with nothing. Compare them with the root Hotcoin published for this snapshot.",
                "no-anchor",
            ),
        )
    else:
        if anchor.assets != proof.assets or anchor.snapshot != proof.snapshot or anchor.count != proof.count:
            raise VerificationError(
                "the anchor is for another tree: its assets, snapshotId or leafCount differ from the proof's",
                code="anchor",
                evidence={"anchor_snapshot": anchor.snapshot, "proof_snapshot": proof.snapshot},
            )
        compare_root(computed_hash, computed, anchor.root, {c: parse_amount(v, c) for c, v in anchor.totals.items()})
        findings.insert(0, root_unanchored(anchor.root))
    if proof.path and 0 not in twins:
        findings.append(neighbour_leak("path[0]", dict(proof.path[0].balances)))
    findings.append(
        Finding(
            "leak",
            f"The proof states the tree's leaf count ({proof.count:,}) and your position "
            f"({proof.index:,}): every proof reveals the exchange's number of accounts.",
            "account-count",
        )
    )
    findings.append(
        Finding(
            "limitation",
            "The leaf holds a hashed account id and a nonce: check that accountId, nonce and balances match what "
            "your Hotcoin account page shows for this snapshot.",
            "no-owner-binding",
        )
    )
    return ForeignResult(
        format="hotcoin",
        root=computed_hash,
        totals=totals,
        balances=dict(proof.balances),
        findings=tuple(findings),
        checked=(
            "the leaf hash re-computed from snapshotId, the asset configuration, accountId, nonce and balances",
            f"{len(proof.path)} parent hashes and exact sums re-computed; each side follows from leafIndex; "
            f"{len(twins)} padding siblings are the padding node",
            "amounts are canonical, non-negative and within each asset's decimals",
            "root, leaf count and totals equal the anchor's" if anchor else "NOT compared: no anchor was given",
        ),
        details={"snapshot": proof.snapshot, "account_id": proof.account, "leaf": f"{proof.index} of {proof.count}"},
        version=PROTOCOL,
    )


def _parsed(data: bytes, name: str) -> Any:
    return load_json(data, name, numbers_as_text=True)


def verify_proof(proof: bytes, anchor: bytes | None = None, name: str = "proof") -> ForeignResult:
    """Verify a Hotcoin proof, against its anchor when given."""
    parsed = Proof.from_dict(_parsed(proof, name))
    return verify_parsed(parsed, None if anchor is None else Anchor.from_dict(_parsed(anchor, "anchor")))


def _is_anchor(obj: object) -> bool:
    return isinstance(obj, dict) and obj.keys() >= _ANCHOR_KEYS and "self" not in obj


def sniff(obj: object) -> bool:
    """A Hotcoin proof or anchor: a ``protocol`` naming Hotcoin and every field of one of them."""
    if not isinstance(obj, dict) or not str(obj.get("protocol", "")).startswith("HOTCOIN-POR"):
        return False
    return obj.keys() >= _PROOF_KEYS or _is_anchor(obj)


def verify(paths: Sequence[Path]) -> ForeignResult:
    """The proof file, and optionally the anchor (either first)."""
    if not 1 <= len(paths) <= 2:
        raise InputError(
            f"the hotcoin format takes a proof and optionally its anchor, got {len(paths)} files", code="companions"
        )
    files = [(p, read_bytes(p, "Hotcoin file")) for p in paths]
    parsed = [(p, _parsed(data, str(p))) for p, data in files]
    anchors = [(p, obj) for p, obj in parsed if _is_anchor(obj)]
    proofs = [(p, obj) for p, obj in parsed if not _is_anchor(obj)]
    if len(proofs) != 1 or len(anchors) > 1:
        raise InputError("give one Hotcoin proof file and at most one anchor file", code="companions")
    anchor = Anchor.from_dict(anchors[0][1]) if anchors else None
    return verify_parsed(Proof.from_dict(proofs[0][1]), anchor)


FORMAT = ForeignFormat("hotcoin", "Hotcoin Merkle sum tree proof (HOTCOIN-POR-SUM)", sniff, verify)
