"""Exact conversion of on-chain base units to the snapshot's base units.

A chain counts in its own base units (wei: 18 decimals, USDT/USDC on Ethereum: 6,
satoshi: 8); the snapshot's asset list has its own decimals (ETH 8, say).  The rule
(docs/spec.md §12.6 (Conversion to snapshot units)): ``snapshot = floor(chain * 10^(d_snap - d_chain))``,
integer arithmetic only, **rounding down** when the snapshot has fewer decimals, so a
reserve is never overstated by the conversion.  Dust below one snapshot unit is not
counted; ``dropped`` reports it so that nothing disappears silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from solvent.protocol.amounts import AMOUNT_LIMIT
from solvent.protocol.errors import FormatError

__all__ = ["MAX_CHAIN_DECIMALS", "Converted", "to_snapshot_units"]

#: The most decimals a chain amount may have: 10^77 is the largest power of ten below
#: 2^256 (uint256, the widest on-chain amount), so a scale factor always fits on chain.
MAX_CHAIN_DECIMALS = 77


@dataclass(frozen=True)
class Converted:
    amount: int
    #: The part of the on-chain amount below one snapshot unit, in chain base units.
    dropped: int


def to_snapshot_units(
    chain_amount: int, chain_decimals: int, snapshot_decimals: int, what: str = "amount"
) -> Converted:
    if type(chain_amount) is not int or chain_amount < 0:
        raise FormatError(f"{what}: on-chain amount must be a non-negative integer", evidence={"field": what})
    for d in (chain_decimals, snapshot_decimals):
        if type(d) is not int or not 0 <= d <= MAX_CHAIN_DECIMALS:
            raise FormatError(f"{what}: decimals {d!r} out of range", evidence={"field": what})
    if snapshot_decimals >= chain_decimals:
        amount, dropped = chain_amount * 10 ** (snapshot_decimals - chain_decimals), 0
    else:
        amount, dropped = divmod(chain_amount, 10 ** (chain_decimals - snapshot_decimals))
    if amount >= AMOUNT_LIMIT:
        raise FormatError(
            f"{what}: {amount} base units is not below 2^128",
            code="range",
            evidence={"field": what, "value": amount},
        )
    return Converted(amount, dropped)
