"""Bitbase proof-of-reserves inclusion proofs (``POR_V1``): a plain Merkle tree, no sums.

Rules (docs/formats/bitbase.md, learned from BitbaseGlobal/proof-of-reserves-verifier
``src/verify.mjs``):

- leaf text = ``POR_V1|auditId=<id>|recordId=<64 hex>|BTC=<b>|ETH=<e>|USDT=<u>|USDC=<c>``,
  each balance with exactly 8 decimals; ``leafPayload`` must be that text and
  ``leafHash`` its SHA-256 (hex);
- each proof step hashes the hex text: ``LEFT`` SHA-256(step + current), ``RIGHT``
  SHA-256(current + step); the last value is ``rootHash``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solvent.formats.base import Finding, ForeignFormat, ForeignResult
from solvent.formats.common import (
    check_recomputed,
    get_str,
    hex_digest,
    known_fields,
    load_json,
    read_bytes,
    root_unanchored,
    same_digest,
    sha256_hex,
    single_file,
)
from solvent.formats.exchange_decimals import parse_amount
from solvent.protocol.errors import FormatError, RootMismatch, VerificationError
from solvent.protocol.strictjson import NumberText

__all__ = [
    "CURRENCIES",
    "FORMAT",
    "VERSION",
    "Proof",
    "leaf_payload",
    "sniff",
    "verify",
    "verify_parsed",
    "verify_proof",
]

VERSION = "POR_V1"
CURRENCIES = ("BTC", "ETH", "USDT", "USDC")
MAX_PROOF = 256
_REQUIRED = {"version", "auditId", "recordId", "balances", "leafPayload", "leafHash", "rootHash", "proof"}
_OPTIONAL = {"period", "snapshotTime"}
_BALANCE = re.compile(r"-?(?:0|[1-9][0-9]*)\.[0-9]{8}\Z")
_AUDIT = re.compile(r"[1-9][0-9]*\Z")
#: JavaScript's Number.MAX_SAFE_INTEGER: Bitbase's tool takes a numeric auditId only up to it.
_SAFE = 2**53 - 1


@dataclass(frozen=True)
class Step:
    left: bool
    hash: str


@dataclass(frozen=True)
class Proof:
    audit_id: str
    record_id: str
    balances: tuple[str, ...]
    payload: str
    leaf: str
    root: str
    steps: tuple[Step, ...]
    period: str | None

    @classmethod
    def from_dict(cls, obj: object) -> Proof:
        if isinstance(obj, dict) and obj.get("version") != VERSION:
            raise FormatError(
                f"version {str(obj.get('version'))[:40]!r} is not {VERSION!r}, the one version this verifier knows",
                code="version",
            )
        d = known_fields(obj, _REQUIRED, "proof", optional=_OPTIONAL, fmt="bitbase")
        audit = d["auditId"]
        if isinstance(audit, NumberText) and _AUDIT.match(audit) and int(audit) <= _SAFE:
            audit_id = str(audit)
        elif isinstance(audit, str) and not isinstance(audit, NumberText) and _AUDIT.match(audit):
            audit_id = audit
        else:
            raise FormatError(
                "auditId: expected a positive integer (or its decimal string)",
                code="value",
                evidence={"field": "auditId"},
            )
        bal = known_fields(d["balances"], CURRENCIES, "balances", fmt="bitbase")
        balances = tuple(get_str(bal, c, "balances") for c in CURRENCIES)
        for c, b in zip(CURRENCIES, balances, strict=True):
            if not _BALANCE.match(b):
                raise FormatError(
                    f"balances.{c}: {b[:40]!r} is not a decimal with exactly 8 decimals",
                    code="decimal",
                    evidence={"field": f"balances.{c}"},
                )
        raw = d["proof"]
        if not isinstance(raw, list) or len(raw) > MAX_PROOF:
            raise FormatError(f"proof: expected a list of at most {MAX_PROOF} steps", code="length")
        steps = []
        for k, s in enumerate(raw):
            sd = known_fields(s, {"position", "hash"}, f"proof[{k}]", fmt="bitbase")
            position = get_str(sd, "position", f"proof[{k}]", "LEFT|RIGHT")
            steps.append(Step(position == "LEFT", hex_digest(sd, "hash", f"proof[{k}]", 64)))
        period = d.get("period")
        return cls(
            audit_id=audit_id,
            record_id=hex_digest(d, "recordId", "proof", 64),
            balances=balances,
            payload=get_str(d, "leafPayload", "proof"),
            leaf=hex_digest(d, "leafHash", "proof", 64),
            root=hex_digest(d, "rootHash", "proof", 64),
            steps=tuple(steps),
            period=period if isinstance(period, str) and not isinstance(period, NumberText) else None,
        )


def leaf_payload(audit_id: str, record_id: str, balances: Sequence[str]) -> str:
    parts = "|".join(f"{c}={b}" for c, b in zip(CURRENCIES, balances, strict=True))
    return f"{VERSION}|auditId={audit_id}|recordId={record_id}|{parts}"


def verify_parsed(proof: Proof) -> ForeignResult:
    payload = leaf_payload(proof.audit_id, proof.record_id, proof.balances)
    if payload != proof.payload:
        raise VerificationError(
            "leafPayload is not the text made from version, auditId, recordId and balances",
            code="leaf-payload",
            evidence={"expected": payload[:300], "found": proof.payload[:300]},
        )
    leaf = sha256_hex(payload)
    check_recomputed(leaf, proof.leaf, "leafHash is not the SHA-256 of the leaf text")
    node = leaf
    for step in proof.steps:
        node = sha256_hex(step.hash + node) if step.left else sha256_hex(node + step.hash)
    if not same_digest(node, proof.root):
        raise RootMismatch(
            "the computed root hash does not match rootHash",
            evidence={"expected_hash": proof.root, "computed_hash": node},
        )
    amounts = {c: parse_amount(b, c) for c, b in zip(CURRENCIES, proof.balances, strict=True)}
    findings: list[Finding] = [
        root_unanchored(proof.root),
        Finding(
            "limitation",
            "A plain Merkle tree: the nodes carry no sums, so the root commits to the leaves but to no total. "
            "This proves only that your leaf is in the tree, not that the liabilities Bitbase published include "
            "your balance, nor anything about other accounts.",
            "no-sums",
        ),
        Finding(
            "limitation",
            "The leaf holds a recordId, not your account: check that recordId and balances match what your "
            "Bitbase account page shows for this audit.",
            "no-owner-binding",
        ),
        Finding(
            "info",
            f"The path has {len(proof.steps)} steps: the tree has at most {1 << len(proof.steps):,} leaves.",
            "path-length",
        ),
    ]
    if proof.period is not None:
        findings.append(
            Finding(
                "limitation",
                f"The file names the period {proof.period[:40]!r}, but no hash covers it (nor snapshotTime): "
                "the audit id in the leaf is what binds this proof to an audit.",
                "unhashed-period",
            )
        )
    negatives = [c for c, v in amounts.items() if v < 0]
    if negatives:
        findings.append(
            Finding(
                "info",
                f"Your leaf has a negative balance ({', '.join(negatives)}): a debt. This tree has no sums, so it "
                "lowers no total here; whether Bitbase's published liabilities net it is not shown.",
                "negative-balance",
            )
        )
    return ForeignResult(
        format="bitbase",
        root=proof.root,
        totals={},
        balances=dict(zip(CURRENCIES, proof.balances, strict=True)),
        findings=tuple(findings),
        checked=(
            "leafPayload re-made from auditId, recordId and the balances",
            "leafHash re-computed (SHA-256 of the leaf text)",
            f"{len(proof.steps)} path hashes up to rootHash (the tree has no sums: no totals to check)",
        ),
        # period and snapshotTime are in no hash: never shown as part of what was verified
        details={"audit": proof.audit_id, "record_id": proof.record_id},
        version=VERSION,
    )


def verify_proof(data: bytes, name: str = "proof") -> ForeignResult:
    """Verify the bytes of a Bitbase proof file."""
    obj: Any = load_json(data, name, numbers_as_text=True)
    return verify_parsed(Proof.from_dict(obj))


def sniff(obj: object) -> bool:
    """Every field of a Bitbase proof, with a ``version`` in Bitbase's ``POR_`` family."""
    return isinstance(obj, dict) and obj.keys() >= _REQUIRED and str(obj.get("version", "")).startswith("POR_")


def verify(paths: Sequence[Path]) -> ForeignResult:
    single_file("bitbase", paths)
    return verify_proof(read_bytes(paths[0], "Bitbase proof"), str(paths[0]))


FORMAT = ForeignFormat("bitbase", "Bitbase Merkle inclusion proof (POR_V1, no sums)", sniff, verify)
