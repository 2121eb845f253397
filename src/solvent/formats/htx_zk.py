"""HTX's zk proof of reserves: verify one customer's inclusion proof (HTX's ``user_config.json``).

HTX (Huobi until 2023) forked Binance's February 2023 design in September 2023
(huobiapi/Tool-Go-MerkleVerify, ``merkle_groth16/``).  The file keeps Binance's field
names (``AccountIndex``, ``AccountIdHash``, ``TotalEquity``, ``TotalDebt``, ``Assets``,
``Root``, ``Proof``) but each asset carries one ``Balance`` (Go ``int64``) instead of
``Equity`` and ``Debt``, and the commitment hashes the balances **one per field
element** (Poseidon over every asset slot, zeros where the account holds nothing), not
packed three to an element.  Leaf, node, tree depth and Poseidon (blocks of 12,
output element 1) are Binance's.  The totals are USD in units of 10^-8 (not 10^-16),
and ``AccountIdHash`` is SHA-256 of the account's UID reduced modulo the field order,
so a customer who gives their UID can check that the leaf is theirs.  Two versions,
differing only in the number of asset slots: 168 (September 2023, the published
sample) and 174 (from 11 September 2023).  docs/formats/htx-zk.md says where each
rule was learned.

The engine is :mod:`solvent.formats.binance_zk`'s; this module names HTX's layout,
versions and id rule.  The zk batch proofs (SNARKs) are not checked.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from solvent.formats.base import Finding, ForeignFormat, ForeignResult
from solvent.formats.binance_zk import Rule, build_result, match_rule
from solvent.formats.binance_zk_file import (
    BINANCE_LAYOUTS,
    MAX_FILE_BYTES,
    Layout,
    first_asset_keys,
    parse_user_config,
)
from solvent.formats.poseidon_bn254 import MODULUS
from solvent.protocol.errors import IdMismatch, InputError
from solvent.protocol.layout import read_small_file

__all__ = ["FORMAT", "HTX", "RULES", "account_id_hash", "sniff", "verify", "verify_user_config", "verify_with"]

HTX = Layout(
    "HTX",
    "AccountIndex",
    "AccountIdHash",
    ("TotalEquity", "TotalDebt"),
    "Assets",
    "Root",
    "Proof",
    ("Balance",),
    174,
    amount_max=(1 << 63) - 1,  # Go int64; a negative balance would hash as its absolute value: refused
    usd_decimals=8,
)
_HTX = "huobiapi/Tool-Go-MerkleVerify"
RULES = (
    Rule("2023-09 (168 asset slots)", HTX, 168, 12, f"{_HTX} f57c44d", packed=False),
    Rule("2023-09 (174 asset slots)", HTX, 174, 12, f"{_HTX} 5390028", packed=False),
)
_FAMILY = "HTX"
#: Top-level fields of Binance's files that HTX's never has.
_BINANCE_ONLY = frozenset().union(*(lay.top_fields for lay in BINANCE_LAYOUTS)) - HTX.top_fields
_ID_RULE = (
    "AccountIdHash is SHA-256 of your HTX UID (as decimal text), reduced modulo the BN254 field order "
    "(HTX's HashBytesForUID); give --uid to check that this leaf is yours. Without it the check cannot tell "
    "your leaf from another account's with the same balances."
)

_UID_LEAK = Finding(
    "leak",
    "AccountIdHash is an unsalted SHA-256 of the UID, and HTX UIDs are short decimal numbers (nine digits in "
    "HTX's sample): anyone holding this file can find the UID by hashing every candidate, in minutes.",
    code="htx-uid-unsalted",
)


def account_id_hash(uid: str) -> bytes:
    """HTX's account id: SHA-256 of the UID's text, reduced modulo r, 32 bytes big-endian."""
    digest = int.from_bytes(hashlib.sha256(uid.encode("utf-8")).digest(), "big")
    return (digest % MODULUS).to_bytes(32, "big")


def verify_user_config(data: bytes, *, name: str = "user_config.json", uid: str | None = None) -> ForeignResult:
    """Parse, recompute under each of HTX's versions, compare; with ``uid``, check the id hash is the UID's."""
    proof = parse_user_config(data, name=name, layouts=(HTX,), family=_FAMILY)
    match = match_rule(proof, RULES, name=name, family=_FAMILY)
    id_rule = _ID_RULE
    if uid is not None:
        expected = account_id_hash(uid)
        if not hmac.compare_digest(expected, proof.account_id_hash):
            raise IdMismatch(
                f"{name}: id check failed: AccountIdHash is not SHA-256 of the UID you gave (mod r): "
                "this leaf is not that account's",
                evidence={
                    "file": name,
                    "check": "uid",
                    "expected_id_hash": expected.hex(),
                    "file_id_hash": proof.account_id_hash.hex(),
                },
            )
        id_rule = "AccountIdHash is SHA-256 of the UID you gave (mod r): the leaf is that account's."
    result = build_result(proof, match, format_name=FORMAT.name, family=_FAMILY, anchored=False, id_hash_rule=id_rule)
    findings = (*result.findings, _UID_LEAK)
    if uid is None:
        return replace(result, findings=findings)
    return replace(
        result,
        findings=findings,
        checked=(*result.checked, "recomputed AccountIdHash from the UID you gave (SHA-256, mod r)"),
        details={**result.details, "uid_checked": "yes"},
    )


def _read(paths: Sequence[Path]) -> tuple[bytes, str]:
    if len(paths) != 1:
        raise InputError(f"htx-zk takes exactly one file (user_config.json), got {len(paths)}")
    return read_small_file(paths[0], "HTX user_config.json", MAX_FILE_BYTES), str(paths[0])


def verify(paths: Sequence[Path]) -> ForeignResult:
    """The registry entry point: exactly one file, HTX's ``user_config.json``."""
    data, name = _read(paths)
    return verify_user_config(data, name=name)


def verify_with(paths: Sequence[Path], params: Mapping[str, str]) -> ForeignResult:
    """As :func:`verify`, and check ``AccountIdHash`` against the customer's UID."""
    unknown = sorted(set(params) - {"uid"})
    if unknown:
        raise InputError(f"htx-zk does not take {', '.join(unknown)} (it takes: uid)", code="params")
    data, name = _read(paths)
    return verify_user_config(data, name=name, uid=params.get("uid"))


def sniff(obj: object) -> bool:
    """HTX's user proof shape: Binance's pre-2024 names, asset entries with a ``Balance``.

    A file without an asset entry cannot be told from Binance's pre-2024 one: both formats
    claim it, so auto-detection calls it ambiguous (exit 2, name the format with ``--format``)
    instead of guessing one and calling a valid proof of the other INVALID. One with
    Binance's 2024 ``TotalCollateral`` is Binance's only.
    """
    if not (isinstance(obj, dict) and HTX.core_fields <= obj.keys()):
        return False
    keys = first_asset_keys(obj, HTX)
    if keys is None:
        # No entry to look at: only the totals can tell, and TotalCollateral is Binance's (2024).
        return not obj.keys() & _BINANCE_ONLY
    return "Balance" in keys


FORMAT = ForeignFormat(
    name="htx-zk",
    title="HTX zk proof of reserves: user inclusion proof (HTX's fork of Binance's design, 2023)",
    sniff=sniff,
    verify=verify,
    params={"uid": "your HTX UID (checks that AccountIdHash is SHA-256 of it)"},
    verify_with=verify_with,
    versions=tuple(r.version for r in RULES),
)
