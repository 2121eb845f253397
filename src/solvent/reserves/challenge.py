"""The ownership challenge: one canonical, human-readable message per address.

docs/spec.md §12.3 (Challenge message).  The message binds the exchange, the
snapshot id, the chain, the pinned block (height and hash) and the address, so a
signature proves control of *this* address for *this* snapshot only: last round's
signature is over another snapshot id and block (threat R2), and a signature for one
address cannot stand for another (R1, R3).  It is plain text so that a person signing
on a hardware wallet can read what they sign::

    solvent proof of reserves: ownership challenge v1
    exchange: Demo Exchange
    snapshot: 2026-11-23
    chain: ethereum
    block height: 19000000
    block hash: 8f0c...
    address: 0x5aAe...
    This signature proves control of the address above for this proof of reserves only. It authorises no transfer.

Lines are joined by a single LF, with no final newline; the text is UTF-8.  Field
values never contain a line break (each is checked), so the message parses back
unambiguously.
"""

from __future__ import annotations

from solvent.protocol.errors import FormatError
from solvent.protocol.ids import check_snapshot_id
from solvent.protocol.manifest import check_exchange_name
from solvent.reserves.chains import Address
from solvent.reserves.pinned_block import BlockPin

__all__ = ["CHALLENGE_HEADER", "CHALLENGE_STATEMENT", "challenge_message"]

CHALLENGE_HEADER = "solvent proof of reserves: ownership challenge v1"
CHALLENGE_STATEMENT = (
    "This signature proves control of the address above for this proof of reserves only. It authorises no transfer."
)


def challenge_message(exchange: str, snapshot_id: str, pin: BlockPin, address: Address) -> str:
    """The exact text the owner of ``address`` signs (spec §12.3 (Challenge message))."""
    if pin.chain != address.chain:
        raise FormatError(f"block pin of {pin.chain} used for an address on {address.chain}")
    lines = [
        CHALLENGE_HEADER,
        f"exchange: {check_exchange_name(exchange)}",
        f"snapshot: {check_snapshot_id(snapshot_id)}",
        f"chain: {address.chain}",
        f"block height: {pin.height}",
        f"block hash: {pin.hash}",
        f"address: {address.text}",
        CHALLENGE_STATEMENT,
    ]
    return "\n".join(lines)
