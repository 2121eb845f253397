"""reserves.json (solvent-reserves/1) is parsed strictly: each malformation is a FormatError naming the field."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from solvent.errors import FormatError
from solvent.reserves.attestation import parse_attestation
from tests.report.fixtures import declared_attestation

DOC = json.loads(declared_attestation().to_json())


def mutated(fn: Callable[[dict], None]) -> bytes:
    doc = json.loads(json.dumps(DOC))
    fn(doc)
    return json.dumps(doc).encode()


def _set(path: list, value: object) -> Callable[[dict], None]:
    def apply(doc: dict) -> None:
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return apply


CASES = {
    "version 1 (no block time)": (_set(["format"], "solvent-reserves/1"), "format"),
    "unknown top-level field": (_set(["extra"], 1), "unknown extra"),
    "unknown wallet field": (_set(["wallets", 0, "note"], "x"), "wallets[0]"),
    "amount as number": (_set(["wallets", 0, "balances", 0, "amount"], 150000000), "amount"),
    "negative amount": (_set(["wallets", 0, "balances", 0, "amount"], "-1"), "amount"),
    "amount with leading zero": (_set(["wallets", 0, "balances", 0, "amount"], "0150000000"), "amount"),
    "chain amount too large": (_set(["wallets", 0, "balances", 0, "chain_amount"], str(2**256)), "chain_amount"),
    "source unknown": (_set(["wallets", 0, "balances", 0, "source"], "trusted"), "source"),
    "decimals as bool": (_set(["wallets", 0, "balances", 0, "chain_decimals"], True), "chain_decimals"),
    "native coin with a wrong decimals": (_set(["wallets", 0, "balances", 0, "chain_decimals"], 8), "chain_decimals"),
    "scheme of another chain": (_set(["wallets", 0, "scheme"], "bip137"), "scheme"),
    "block hash with 0x": (_set(["wallets", 0, "block", "hash"], "0x" + "aa" * 32), "block.hash"),
    "height negative": (_set(["wallets", 0, "block", "height"], -1), "height"),
    "unknown asset": (_set(["wallets", 0, "balances", 0, "asset"], "DOGE"), "asset"),
    "non-canonical address": (_set(["wallets", 2, "address"], DOC["wallets"][2]["address"].upper()), "canonical"),
    "unknown chain": (_set(["wallets", 0, "chain"], "solana"), "chain"),
    "snapshot id": (_set(["snapshot_id"], "bad id!"), "snapshot_id"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_malformed(case: str) -> None:
    fn, needle = CASES[case]
    with pytest.raises(FormatError) as e:
        parse_attestation(mutated(fn), "reserves.json")
    assert needle in str(e.value)
    assert str(e.value).startswith("reserves.json")


def test_json_tricks() -> None:
    text = declared_attestation().to_json()
    for bad in (
        text.replace(b'"format"', b'"format": "x", "format"', 1),
        text.replace(b'"150000000"', b"1.5e8"),
        b"\xef\xbb\xbf" + text,
    ):
        with pytest.raises(FormatError):
            parse_attestation(bad)


def test_round_trip_is_byte_exact() -> None:
    att = declared_attestation()
    assert parse_attestation(att.to_json()).to_json() == att.to_json()
