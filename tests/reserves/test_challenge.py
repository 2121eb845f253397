"""The challenge message: exact text, and every bound field changes it (threat R2), the
manifest signing key included (v2: a signature made for one exchange's key cannot be
republished under another)."""

from __future__ import annotations

import dataclasses
import hashlib

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
#: RFC 8032's first Ed25519 test key (public half), as signing.pub holds it.
KEY = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"


def test_exact_text_as_specified() -> None:
    # Written out by hand from docs/spec.md §12.3 (Challenge message), not produced by the code under test.
    expected = (
        "solvent proof of reserves: ownership challenge v2\n"
        "exchange: Demo Exchange\n"
        "signing key: d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\n"
        "snapshot: 2026-11-23\n"
        "chain: ethereum\n"
        "block height: 19000000\n"
        "block hash: abababababababababababababababababababababababababababababababab\n"
        "address: 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed\n"
        "This signature proves control of the address above for this proof of reserves only, "
        "published under the signing key above. It authorises no transfer."
    )
    message = challenge_message("Demo Exchange", "2026-11-23", PIN, ADDRESS, signing_key=KEY)
    assert message.encode("utf-8") == expected.encode("utf-8")
    assert hashlib.sha256(message.encode("utf-8")).hexdigest() == V2_SHA256


#: SHA-256 of the vector above, so that a change to either is caught twice.
V2_SHA256 = "97843057a4a595668309625d1517ff902c92702764e8ab148e597aed4490c352"


def test_exact_text_of_the_older_v1_message() -> None:
    # The message solvent-reserves/2 files were signed over: still rebuilt to read them.
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
    assert challenge_message("Demo Exchange", "2026-11-23", PIN, ADDRESS, signing_key=None) == expected


def test_every_field_is_bound() -> None:
    def message(exchange="Demo Exchange", snapshot="2026-11-23", pin=PIN, address=ADDRESS, key=KEY) -> str:
        return challenge_message(exchange, snapshot, pin, address, signing_key=key)

    other_address = normalize_address(CHAINS["ethereum"], "0x" + "11" * 20)
    variants = [
        message(exchange="Demo Exchange 2"),
        message(snapshot="2026-11-24"),
        message(pin=dataclasses.replace(PIN, height=19000001)),
        message(pin=dataclasses.replace(PIN, hash="ac" * 32)),
        message(address=other_address),
        message(key="ee" * 32),
        message(key=None),
    ]
    assert len({message(), *variants}) == len(variants) + 1


@pytest.mark.parametrize(
    "key", ["", "ab" * 31, "ab" * 33, "AB" * 32, "0x" + "ab" * 31, "ab" * 31 + "a\n", b"\xab" * 32]
)
def test_a_signing_key_not_in_signing_pub_form_is_refused(key: object) -> None:
    with pytest.raises(FormatError) as e:
        challenge_message("Demo Exchange", "2026-11-23", PIN, ADDRESS, signing_key=key)  # type: ignore[arg-type]
    assert e.value.code == "signing-key"


@pytest.mark.parametrize("exchange", ["", "  ", "Evil\nchain: bitcoin", "a\u2028b", "x" * 201])
def test_exchange_names_that_could_forge_lines_are_rejected(exchange: str) -> None:
    with pytest.raises(FormatError):
        challenge_message(exchange, "2026-11-23", PIN, ADDRESS, signing_key=KEY)


@given(st.text(min_size=1, max_size=40))
def test_a_name_the_manifest_accepts_is_one_line_of_the_challenge(name: str) -> None:
    # The manifest's rule is the challenge's rule: whatever a signed snapshot.json may
    # carry as its exchange fits on the challenge's "exchange:" line and forges no other.
    try:
        check_exchange_name(name)
    except FormatError:
        with pytest.raises(FormatError):
            challenge_message(name, "2026-11-23", PIN, ADDRESS, signing_key=KEY)
        return
    lines = challenge_message(name, "2026-11-23", PIN, ADDRESS, signing_key=KEY).splitlines()
    assert len(lines) == 9
    assert lines[:4] == [CHALLENGE_HEADER, f"exchange: {name}", f"signing key: {KEY}", "snapshot: 2026-11-23"]


def test_pin_of_another_chain_is_refused() -> None:
    with pytest.raises(FormatError):
        challenge_message("Demo", "s1", BlockPin("bitcoin", 1, "00" * 32), ADDRESS, signing_key=KEY)
