"""The pinned block of a chain: height and hash (threat R4).

Reserves are read at one block per chain, fixed in advance and named by both height
and hash: the height alone would let a node answer from another branch (a reorg or an
orphaned block), the hash alone does not say where in the chain it sits.  Hashes are
written as 64 lower-case hex digits without ``0x`` (Bitcoin in its usual display
byte order, Ethereum as the node returns it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from solvent.protocol.errors import FormatError

__all__ = ["HASH_HEX", "MAX_HEIGHT", "BlockPin", "ObservedBlock", "parse_block_hash", "parse_height"]

MAX_HEIGHT = (1 << 63) - 1
#: A block hash or transaction id as written here and by the nodes: 64 lower-case hex digits.
HASH_HEX = re.compile(r"[0-9a-f]{64}\Z")


def parse_height(value: object, where: str) -> int:
    if type(value) is not int or not 0 <= value <= MAX_HEIGHT:
        raise FormatError(f"{where}: expected a block height, an integer in [0, 2^63)", evidence={"field": where})
    return value


def parse_block_hash(value: object, where: str) -> str:
    """64 hex digits; an ``0x`` prefix and upper case are accepted and normalised away."""
    if isinstance(value, str):
        text = value[2:] if value.startswith(("0x", "0X")) else value
        text = text.lower()
        if HASH_HEX.match(text):
            return text
    shown = value[:80] if isinstance(value, str) else type(value).__name__
    raise FormatError(
        f"{where}: expected a 32-byte block hash (64 hex digits), got {shown!r}", evidence={"field": where}
    )


@dataclass(frozen=True)
class BlockPin:
    """The block at which a chain's balances are read."""

    chain: str
    height: int
    hash: str

    def to_dict(self) -> dict[str, object]:
        return {"height": self.height, "hash": self.hash}


@dataclass(frozen=True)
class ObservedBlock:
    """The latest block of a chain without historical reads (Tron, Solana) when its balances were read.

    ``height`` is Tron's block number or Solana's slot; ``hash`` is 64 lower-case hex
    digits (Tron's block id; Solana's block hash decoded from base58); ``time`` is the
    block's time in seconds since 1970 (UTC).  Balances read "at latest" were read at
    this block or just after it, never at the pinned block (docs/spec.md §12.2 (The pinned
    block), "Chains without history").
    """

    chain: str
    height: int
    hash: str
    time: int
