"""The challenge message: exact text, and every bound field changes it (threat R2)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solvent.protocol.errors import FormatError
from solvent.protocol.manifest import check_exchange_name
from solvent.reserves.chains import CHAINS, normalize_address
from solvent.reserves.challenge import CHALLENGE_HEADER, challenge_message
from solvent.reserves.pinned_block import BlockPin

ADDRESS = normalize_address(CHAINS["ethereum"], "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")
PIN = BlockPin("ethereum", 19000000, "ab" * 32)


def test_exact_text_as_specified() -> None:
    # Written out by hand from docs/spec.md §12, not produced by the code under test.
    expected = (
        "solvent proof of reserves: ownership challenge v1\n"
        "exchange: Demo Exchange\n"
        "snapshot: 2026-11-23\n"
        "chain: ethereum\n"
        "block height: 19000000\n"
        "block hash: abababababababababababababababababababababababababababababababab\n"
        "address: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\n"
        "This signature proves control of the address above for this proof of reserves only. "
        "It authorises no transfer."
    )
    assert challenge_message("Demo Exchange", "2026-11-23", PIN, ADDRESS) == expected


def test_every_field_is_bound() -> None:
    base = challenge_message("Demo Exchange", "2026-11-23", PIN, ADDRESS)
    other_address = normalize_address(CHAINS["ethereum"], "0x" + "11" * 20)
    variants = [
        challenge_message("Demo Exchange 2", "2026-11-23", PIN, ADDRESS),
        challenge_message("Demo Exchange", "2026-11-24", PIN, ADDRESS),
        challenge_message("Demo Exchange", "2026-11-23", dataclasses.replace(PIN, height=19000001), ADDRESS),
        challenge_message("Demo Exchange", "2026-11-23", dataclasses.replace(PIN, hash="ac" * 32), ADDRESS),
        challenge_message("Demo Exchange", "2026-11-23", PIN, other_address),
    ]
    assert len({base, *variants}) == len(variants) + 1


@pytest.mark.parametrize("exchange", ["", "  ", "Evil\nchain: bitcoin", "a\u2028b", "x" * 201])
def test_exchange_names_that_could_forge_lines_are_rejected(exchange: str) -> None:
    with pytest.raises(FormatError):
        challenge_message(exchange, "2026-11-23", PIN, ADDRESS)


@given(st.text(min_size=1, max_size=40))
def test_a_name_the_manifest_accepts_is_one_line_of_the_challenge(name: str) -> None:
    # The manifest's rule is the challenge's rule: whatever a signed snapshot.json may
    # carry as its exchange fits on the challenge's "exchange:" line and forges no other.
    try:
        check_exchange_name(name)
    except FormatError:
        with pytest.raises(FormatError):
            challenge_message(name, "2026-11-23", PIN, ADDRESS)
        return
    lines = challenge_message(name, "2026-11-23", PIN, ADDRESS).splitlines()
    assert len(lines) == 8
    assert (lines[0], lines[1], lines[2]) == (CHALLENGE_HEADER, f"exchange: {name}", "snapshot: 2026-11-23")


def test_pin_of_another_chain_is_refused() -> None:
    with pytest.raises(FormatError):
        challenge_message("Demo", "s1", BlockPin("bitcoin", 1, "00" * 32), ADDRESS)
