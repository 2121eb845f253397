"""The pinned block's time against the snapshot's time (docs/spec.md §12.2 (The pinned block); threat R4).

A pinned block proves *when* the balances were read only if its time is close to the
snapshot's ``taken_at``: otherwise an exchange can pin a block from before its coins
left (the height and hash check out, the signatures are fresh, and the balance at
that block is real -- but long gone).  So the block's time is read from the node
(EVM ``timestamp``, Bitcoin ``time`` of the header), recorded in ``reserves.json``,
and must lie in ``[taken_at - max_age, taken_at + max_lead]`` (default 24 hours
before, 1 hour after; Bitcoin block times may run up to two hours ahead of real time,
Ethereum's are exact to the slot).  Outside the window the chain's wallets fail.

Block times are whole seconds since 1970 (UTC); in files they are written
``YYYY-MM-DDTHH:MM:SSZ``.  Everything here is integer or exact-fraction arithmetic.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

from solvent.protocol.errors import FormatError, InputError, VerificationError
from solvent.protocol.manifest import timestamp_seconds

__all__ = [
    "DEFAULT_WINDOW",
    "MAX_BLOCK_TIME",
    "BlockTimeWindow",
    "check_block_time",
    "format_block_time",
    "format_duration",
    "parse_block_time",
    "parse_duration",
]

#: 9999-12-31T23:59:59Z: a node answering later than this is broken.
MAX_BLOCK_TIME = 253402300799
_BLOCK_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\Z")
_DURATION = re.compile(r"([0-9]{1,7})([smhd])\Z")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_DURATION = 3653 * 86400  # ten years: enough to switch the check off on purpose


@dataclass(frozen=True)
class BlockTimeWindow:
    """How far a pinned block's time may lie before and after the snapshot time (seconds)."""

    max_age: int = 24 * 3600
    max_lead: int = 3600


DEFAULT_WINDOW = BlockTimeWindow()


def format_block_time(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def parse_block_time(value: object, where: str) -> int:
    """``YYYY-MM-DDTHH:MM:SSZ`` (whole seconds, UTC) -> seconds since 1970."""
    if not isinstance(value, str) or not _BLOCK_TIME.match(value):
        shown = value[:40] if isinstance(value, str) else type(value).__name__
        raise FormatError(
            f"{where}: expected a block time like 2026-11-23T00:00:00Z, got {shown!r}", evidence={"field": where}
        )
    try:
        seconds = int(timestamp_seconds(value, where))  # whole: the pattern above has no fraction
    except FormatError as e:
        raise FormatError(e.message, code=e.code, evidence={"field": where}) from e
    if format_block_time(seconds) != value:  # e.g. a year before 1000, which strftime writes short
        raise FormatError(f"{where}: {value!r} is not a canonical time", evidence={"field": where})
    return seconds


def parse_duration(value: str, option: str = "--max-block-age") -> int:
    """``90s``, ``30m``, ``24h`` or ``2d`` -> seconds (at most ten years)."""
    match = _DURATION.match(value.strip())
    if not match:
        raise InputError(f"{option} {value[:40]!r}: expected a number and a unit s, m, h or d (e.g. 24h)")
    seconds = int(match.group(1)) * _UNIT[match.group(2)]
    if seconds > MAX_DURATION:
        raise InputError(f"{option} {value[:40]!r}: at most 3653 days")
    return seconds


def format_duration(seconds: int) -> str:
    """``24h``, ``90m``, ``3d``, ``45s`` (as :func:`parse_duration` reads it); days from two days on."""
    for unit in ("d", "h", "m"):
        if seconds and seconds % _UNIT[unit] == 0 and (unit != "d" or seconds >= 2 * _UNIT["d"]):
            return f"{seconds // _UNIT[unit]}{unit}"
    return f"{seconds}s"


def check_block_time(
    chain: str,
    height: int,
    block_time: int,
    taken_at: str,
    *,
    window: BlockTimeWindow = DEFAULT_WINDOW,
    read_from: str,
) -> None:
    """Raise VerificationError (code ``block-time``) unless the block lies in the window.

    ``read_from`` names where ``block_time`` came from (a node, or reserves.json) for the evidence.
    """
    snapshot = timestamp_seconds(taken_at)
    earliest, latest = snapshot - window.max_age, snapshot + window.max_lead
    if earliest <= block_time <= latest:
        return
    gap = float(abs(snapshot - block_time)) / 3600  # for the message only; the check above is exact
    why = f"{gap:.1f} hours {'before' if block_time < earliest else 'after'}"
    raise VerificationError(
        f"{chain} block {height} was made at {format_block_time(block_time)}, {why} the snapshot time "
        f"{taken_at}: outside the allowed window ({format_duration(window.max_age)} before to "
        f"{format_duration(window.max_lead)} after); its balances do not show the reserves at the snapshot",
        code="block-time",
        evidence={
            "chain": chain,
            "height": height,
            "block_time": format_block_time(block_time),
            "taken_at": taken_at,
            "max_age_seconds": window.max_age,
            "max_lead_seconds": window.max_lead,
            "read_from": read_from,
        },
    )
