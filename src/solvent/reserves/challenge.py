"""The ownership challenge: one canonical, human-readable message per address.

docs/spec.md §12.3 (Challenge message).  The message binds the exchange, the
manifest signing key (v2), the snapshot id, the chain, the pinned block (height and
hash) and the address, so a signature proves control of *this* address for *this*
snapshot of *this* exchange only: last round's signature is over another snapshot id
and block (threat R2), a signature for one address cannot stand for another (R1, R3),
and a signature made for one exchange's key cannot be republished under another key,
even with the same exchange name (the v2 message).  It is plain text so that a person
signing on a hardware wallet can read what they sign::

    solvent proof of reserves: ownership challenge v2
    exchange: Demo Exchange
    signing key: 3b6a27bc...
    snapshot: 2026-11-23
    chain: ethereum
    block height: 19000000
    block hash: 8f0c...
    address: 0x5aAe...
    This signature proves control of the address above for this proof of reserves only, published under ...

(the statement is one line, :data:`CHALLENGE_STATEMENT`).

The signing key is the manifest's Ed25519 public key as ``signing.pub`` holds it (64
lower-case hex digits): the text a signer can compare with the key the exchange
publishes.  The v1 message (no key line, the shorter statement) is still built for
attestations of the older format ``solvent-reserves/2``, which are read and shown as
"not bound to a key".

Lines are joined by a single LF, with no final newline; the text is UTF-8.  Field
values never contain a line break (each is checked), so the message parses back
unambiguously.
"""

from __future__ import annotations

import re

from solvent.protocol.errors import FormatError
from solvent.protocol.ids import check_snapshot_id
from solvent.protocol.manifest import check_exchange_name
from solvent.reserves.chains import Address
from solvent.reserves.pinned_block import BlockPin

__all__ = [
    "CHALLENGE_HEADER",
    "CHALLENGE_HEADER_V1",
    "CHALLENGE_STATEMENT",
    "CHALLENGE_STATEMENT_V1",
    "challenge_message",
    "check_signing_key",
]

CHALLENGE_HEADER = "solvent proof of reserves: ownership challenge v2"
CHALLENGE_STATEMENT = (
    "This signature proves control of the address above for this proof of reserves only, "
    "published under the signing key above. It authorises no transfer."
)
CHALLENGE_HEADER_V1 = "solvent proof of reserves: ownership challenge v1"
CHALLENGE_STATEMENT_V1 = (
    "This signature proves control of the address above for this proof of reserves only. It authorises no transfer."
)
_KEY = re.compile(r"[0-9a-f]{64}")


def check_signing_key(value: object, where: str = "signing key") -> str:
    """A manifest signing key as the challenge and ``reserves.json`` write it: 64 lower-case hex digits."""
    if not isinstance(value, str) or not _KEY.fullmatch(value):
        raise FormatError(
            f"{where}: expected the Ed25519 public key as 64 lower-case hex digits (as signing.pub holds it)",
            code="signing-key",
            evidence={"field": where},
        )
    return value


def challenge_message(
    exchange: str, snapshot_id: str, pin: BlockPin, address: Address, *, signing_key: str | None
) -> str:
    """The exact text the owner of ``address`` signs (spec §12.3 (Challenge message)).

    ``signing_key`` is the manifest signing key (64 hex digits): the v2 message.  None
    builds the v1 message of the older attestations, bound to no key; callers say so.
    """
    if pin.chain != address.chain:
        raise FormatError(f"block pin of {pin.chain} used for an address on {address.chain}")
    name = check_exchange_name(exchange)
    snapshot = check_snapshot_id(snapshot_id)
    bound = [
        f"chain: {address.chain}",
        f"block height: {pin.height}",
        f"block hash: {pin.hash}",
        f"address: {address.text}",
    ]
    if signing_key is None:
        lines = [CHALLENGE_HEADER_V1, f"exchange: {name}", f"snapshot: {snapshot}", *bound, CHALLENGE_STATEMENT_V1]
    else:
        key = check_signing_key(signing_key)
        lines = [
            CHALLENGE_HEADER,
            f"exchange: {name}",
            f"signing key: {key}",
            f"snapshot: {snapshot}",
            *bound,
            CHALLENGE_STATEMENT,
        ]
    return "\n".join(lines)
