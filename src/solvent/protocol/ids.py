"""Hashed client ids (spec §3 (Hashed client ids)): per-user secrets and the id a customer copies.

::

    s_u       = HMAC-SHA256(master_key, lp("solvent/user-secret/v1") || lp(uid))
    hashed_id = HMAC-SHA256(s_u, lp("solvent/hcid/v1") || lp(snapshot_id) || lp(uid))

The customer knows their uid and is shown ``s_u``: they can recompute their id, so
the exchange cannot hand two customers one leaf (clash, threat L8); outsiders without
``s_u`` cannot map ids to uids (L10); a new snapshot id gives unlinkable ids (L17).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import struct
import unicodedata

from solvent.protocol.errors import FormatError, IdMismatch, InputError

__all__ = [
    "parse_hashed_id",
    "HCID_TAG",
    "USER_SECRET_TAG",
    "check_snapshot_id",
    "check_uid",
    "hashed_id",
    "lp",
    "user_secret",
    "verify_hashed_id",
]

USER_SECRET_TAG = b"solvent/user-secret/v1"
HCID_TAG = b"solvent/hcid/v1"
_SNAPSHOT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}\Z")
_HASHED_ID = re.compile(r"[0-9a-fA-F]{64}")


def lp(data: bytes) -> bytes:
    """Length-prefix: ``u32be(len(data)) || data``; unambiguous concatenation (L9)."""
    return struct.pack(">I", len(data)) + data


def check_snapshot_id(snapshot_id: object) -> str:
    if not isinstance(snapshot_id, str) or not _SNAPSHOT_ID.match(snapshot_id):
        raise FormatError(
            f"snapshot id {snapshot_id!r} must match [A-Za-z0-9._:-]{{1,64}}",
            code="snapshot-id",
            evidence={"field": "snapshot_id"},
        )
    return snapshot_id


def check_uid(uid: object) -> str:
    """A uid is a non-empty string without control characters (Unicode category Cc)."""
    if not isinstance(uid, str) or not uid:
        raise FormatError("uid must be a non-empty string", evidence={"field": "uid"})
    for ch in uid:
        if unicodedata.category(ch) == "Cc":
            raise FormatError(
                f"uid {uid[:40]!r} contains the control character U+{ord(ch):04X}",
                evidence={"field": "uid"},
            )
        if unicodedata.category(ch) == "Cs":
            raise FormatError(f"uid {uid[:40]!r} is not valid UTF-8", evidence={"field": "uid"})
    return uid


def user_secret(master_key: bytes, uid: str) -> bytes:
    if len(master_key) != 32:
        raise FormatError("the master key must be 32 bytes")
    msg = lp(USER_SECRET_TAG) + lp(check_uid(uid).encode("utf-8"))
    return hmac.digest(master_key, msg, hashlib.sha256)


def hashed_id(secret: bytes, snapshot_id: str, uid: str) -> bytes:
    if len(secret) != 32:
        raise FormatError("a user secret must be 32 bytes")
    msg = (
        lp(HCID_TAG)
        + lp(check_snapshot_id(snapshot_id).encode("ascii"))
        + lp(check_uid(uid).encode("utf-8"))
    )
    return hmac.digest(secret, msg, hashlib.sha256)


def verify_hashed_id(expected: bytes, secret: bytes, snapshot_id: str, uid: str) -> None:
    """Raise IdMismatch unless ``expected`` is this customer's id in this snapshot."""
    computed = hashed_id(secret, snapshot_id, uid)
    if not hmac.compare_digest(computed, expected):
        raise IdMismatch(
            "the hashed id in the proof is not derived from this uid and secret: "
            "this leaf may belong to somebody else",
            evidence={
                "expected": expected.hex(),
                "computed": computed.hex(),
                "snapshot_id": snapshot_id,
            },
        )


def parse_hashed_id(text: str) -> bytes:
    """A Hashed Client ID as a customer pastes it: 64 hex digits, either case, surrounding spaces forgiven.

    The one rule for every surface (CLI, API, static site, page); anything else is an
    InputError (code ``hex``, spec §10 (Error codes); the API answers it with a 400) saying what is wrong.
    """
    cleaned = text.strip()
    if _HASHED_ID.fullmatch(cleaned):  # the common case, in one step (a server parses one per look-up)
        return bytes.fromhex(cleaned)
    if len(cleaned) != 64:
        raise InputError(
            f"a hashed client id is 64 hex digits; this one has {len(cleaned)} characters",
            code="hex",
            evidence={"field": "hashed_id", "length": str(len(cleaned))},
        )
    bad = next(c for c in cleaned if c not in "0123456789abcdefABCDEF")
    raise InputError(
        f"a hashed client id is 64 hex digits; {bad!r} is not a hex digit",
        code="hex",
        evidence={"field": "hashed_id"},
    )
