"""reserves.json (solvent-reserves/2) is parsed strictly: each malformation is a FormatError naming the field."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from solvent.protocol.errors import FormatError
from solvent.reserves.reserves_json import parse_attestation
from tests.report.fixtures import declared_attestation
from tests.reserves.scenario import SIGNING_KEY

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
    "unknown chain": (_set(["wallets", 0, "chain"], "cardano"), "chain"),
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


# --- every field, every wrong JSON type: a FormatError naming the field (review finding 5) ----------

WRONG_TYPES = ([], {}, 7, True, None, "x")


def _observed_doc() -> dict:
    """An attestation with observed balances and block times (the declared fixture has neither)."""
    import secrets

    from solvent.reserves.attest import attest
    from tests.reserves.scenario import make_scenario
    from tests.reserves.test_attest import node_for

    keys = {n: secrets.token_bytes(32) for n in ("eth1", "eth2", "btc_wpkh", "btc_tr", "btc_pkh", "other")}
    sc = make_scenario(keys)
    att = attest(sc.declaration(), sc.signatures(), {"ethereum": node_for(sc)}, signing_key=SIGNING_KEY)
    return json.loads(att.to_json())


def _paths(value: object, path: tuple = ()) -> list[tuple]:
    out = [path] if path else []
    if isinstance(value, dict):
        for key, item in value.items():
            out += _paths(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out += _paths(item, (*path, i))
    return out


def _cases() -> list[tuple[str, dict, tuple, object]]:
    cases = []
    for name, doc in (("declared", DOC), ("observed", _observed_doc())):
        for path in _paths(doc):
            original = doc
            for key in path:
                original = original[key]
            for wrong in WRONG_TYPES:
                if type(wrong) is not type(original):
                    cases.append((name, doc, path, wrong))
    return cases


CASES_BY_TYPE = _cases()


@pytest.mark.parametrize(
    ("name", "doc", "path", "wrong"),
    CASES_BY_TYPE,
    ids=[f"{n}:{'.'.join(map(str, p))}={json.dumps(w)}" for n, _, p, w in CASES_BY_TYPE],
)
def test_wrong_type_is_a_format_error_naming_the_field(name: str, doc: dict, path: tuple, wrong: object) -> None:
    changed = json.loads(json.dumps(doc))
    target = changed
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = wrong
    with pytest.raises(FormatError) as e:  # never a TypeError, KeyError, AttributeError...
        parse_attestation(json.dumps(changed).encode(), "reserves.json")
    last = path[-1]
    assert (f"[{last}]" if isinstance(last, int) else last) in str(e.value)


def test_the_reviewers_wrong_types() -> None:
    """The review's reproduction: these crashed with TypeError: unhashable type."""
    doc = json.loads(json.dumps(DOC))
    doc["wallets"][0]["balances"][0]["asset"] = []
    with pytest.raises(FormatError, match=r"wallets\[0\]\.balances\[0\]\.asset"):
        parse_attestation(json.dumps(doc).encode())
    doc = json.loads(json.dumps(DOC))
    doc["offchain"].append({"asset": {}, "amount": "1", "custodian": "x", "note": ""})
    with pytest.raises(FormatError, match=r"offchain\[1\]\.asset"):
        parse_attestation(json.dumps(doc).encode())


@pytest.mark.parametrize("text", ["a\u2028b", "a\u2029b", "a\x7fb", "a\x9bb", "a\x85b", "a\x1b[31mb"])
def test_labels_and_notes_refuse_control_characters_and_line_separators(text: str) -> None:
    for path in (["wallets", 0, "label"], ["offchain", 0, "note"], ["offchain", 0, "custodian"]):
        with pytest.raises(FormatError):
            parse_attestation(mutated(_set(path, text)))
