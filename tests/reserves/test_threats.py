"""THREATS.md rows R1-R6, one block each: the cheat, and the specific error that stops it.

Where it helps, a naive variant (what a careless verifier would do) is shown accepting
the cheat, so the test has teeth.  R4 against real servers is also covered in
test_evm_anvil.py (a real Ethereum node) and test_bitcoin_sources.py (loopback
Bitcoin Core and Esplora servers).
"""

from __future__ import annotations

import dataclasses
import json

import pytest

from solvent.demo.signers import sign_bip137, sign_bip322_simple, sign_eip191
from solvent.protocol.errors import BadSignature, FormatError, InputError
from solvent.reserves.attest import attest
from solvent.reserves.challenge import challenge_message
from solvent.reserves.ownership import verify_ownership
from solvent.reserves.pinned_block import BlockPin
from solvent.reserves.recheck import check_attestation
from solvent.reserves.reserves_json import parse_attestation
from tests.reserves.fakes import node_for
from tests.reserves.scenario import BTC_PIN, ETH_PIN, EXCHANGE, SIGNING_KEY, SNAPSHOT, make_scenario

# --- R1: listing addresses it does not control --------------------------------------------------


def _signed(keys, sc):
    """(address, message, signature, scheme) for one wallet of each scheme."""
    out = []
    a = sc.eth[0]
    m = challenge_message(EXCHANGE, SNAPSHOT, ETH_PIN, a, signing_key=SIGNING_KEY)
    out.append((a, m, sign_eip191(keys["eth1"], m), "eip191", lambda m2, k: sign_eip191(k, m2)))
    for kind, name in (("p2wpkh", "btc_wpkh"), ("p2tr", "btc_tr")):
        a = sc.btc[kind]
        m = challenge_message(EXCHANGE, SNAPSHOT, BTC_PIN, a, signing_key=SIGNING_KEY)
        out.append(
            (
                a,
                m,
                sign_bip322_simple(keys[name], a, m),
                "bip322-simple",
                lambda m2, k, a=a: sign_bip322_simple(k, a, m2),
            )
        )
    a = sc.btc["p2pkh"]
    m = challenge_message(EXCHANGE, SNAPSHOT, BTC_PIN, a, signing_key=SIGNING_KEY)
    out.append((a, m, sign_bip137(keys["btc_pkh"], m), "bip137", lambda m2, k: sign_bip137(k, m2)))
    return out


def test_r1_another_keys_signature_fails_for_every_scheme(keys) -> None:
    sc = make_scenario(keys)
    for address, message, good, scheme, sign in _signed(keys, sc):
        verify_ownership(address, message, good, scheme)  # control: the owner's signature passes
        with pytest.raises(BadSignature):
            verify_ownership(address, message, sign(message, keys["other"]), scheme)


def test_r1_one_changed_byte_of_the_message_fails_for_every_scheme(keys) -> None:
    sc = make_scenario(keys)
    for address, message, good, scheme, _ in _signed(keys, sc):
        raw = bytearray(message.encode())
        for position in (0, len(raw) // 2, len(raw) - 1):
            changed = bytearray(raw)
            changed[position] ^= 0x01
            with pytest.raises(BadSignature):
                verify_ownership(address, changed.decode(), good, scheme)


def test_r1_a_forged_wallet_in_a_published_file_is_not_counted(keys) -> None:
    sc = make_scenario(keys)
    att = attest(sc.declaration(), sc.signatures(), {"ethereum": node_for(sc)}, signing_key=SIGNING_KEY)
    stolen = att.wallets[1].signature  # a real signature, but by the other wallet's key
    forged = dataclasses.replace(att, wallets=(dataclasses.replace(att.wallets[0], signature=stolen), *att.wallets[1:]))
    result = check_attestation(parse_attestation(forged.to_json()), signing_key=SIGNING_KEY)
    assert [w.ok for w in result.wallets] == [False, True, True, True, True]
    assert result.wallets[0].error.code == "bad-signature"


# --- R2: replaying last round's signatures --------------------------------------------------------


@pytest.mark.parametrize(
    "old",
    [
        {"snapshot_id": "2026-10-23"},
        {"eth_pin": BlockPin("ethereum", ETH_PIN.height, "cc" * 32)},
        {"eth_pin": BlockPin("ethereum", ETH_PIN.height - 1, ETH_PIN.hash)},
        {"exchange": "Another Exchange"},
    ],
    ids=["other snapshot id", "other block hash", "other height", "other exchange"],
)
def test_r2_signature_for_another_snapshot_fails(keys, old: dict) -> None:
    sc = make_scenario(keys)
    replayed = sc.signatures(**old)
    with pytest.raises(BadSignature):
        attest(sc.declaration(), replayed, {"ethereum": node_for(sc)}, signing_key=SIGNING_KEY)


def test_r2_replayed_signature_in_a_published_file_fails(keys) -> None:
    sc = make_scenario(keys)
    att = attest(sc.declaration(), sc.signatures(), {"ethereum": node_for(sc)}, signing_key=SIGNING_KEY)
    old = sc.signatures(snapshot_id="2026-10-23")
    replayed = tuple(dataclasses.replace(w, signature=old[(w.chain, w.address.key)]) for w in att.wallets)
    result = check_attestation(dataclasses.replace(att, wallets=replayed), signing_key=SIGNING_KEY)
    assert all(not w.ok for w in result.wallets)


# --- R3: counting one wallet twice ------------------------------------------------------------------


def _duplicate_wallet_toml(sc, spelling: str) -> str:
    return (
        sc.toml
        + f'''
[[wallets]]
chain = "bitcoin"
address = "{spelling}"
assets = ["BTC"]
declared = {{ BTC = "1" }}
'''
    )


@pytest.mark.parametrize("spelling", ["lower", "upper"])
def test_r3_duplicate_address_in_the_declaration(keys, spelling: str) -> None:
    sc = make_scenario(keys)
    written = sc.toml.split('chain = "bitcoin"\naddress = "', 1)[1].split('"', 1)[0]  # as the file spells it
    again = written.lower() if spelling == "lower" else written
    toml = _duplicate_wallet_toml(sc, again)
    if spelling == "lower":
        assert again != written  # naive control: a string comparison would see two wallets
    from solvent.reserves.declaration import parse_declaration

    with pytest.raises(InputError) as e:
        parse_declaration(toml.encode())
    assert e.value.code == "duplicate-address"


def test_r3_duplicate_ethereum_address_in_a_published_file(keys) -> None:
    sc = make_scenario(keys, eth_declared=True)
    att = attest(sc.declaration(), sc.signatures(), {}, signing_key=SIGNING_KEY)
    doc = json.loads(att.to_json())
    copy = json.loads(json.dumps(doc["wallets"][0]))
    copy["address"] = copy["address"].lower()  # another spelling of the same wallet...
    doc["wallets"].append(copy)
    with pytest.raises(FormatError):  # ...is refused as non-canonical
        parse_attestation(json.dumps(doc).encode())
    copy["address"] = doc["wallets"][0]["address"]
    with pytest.raises(FormatError) as e:  # and the canonical spelling twice as a duplicate
        parse_attestation(json.dumps(doc).encode())
    assert e.value.code == "duplicate-address"


# --- R4: balance read at a convenient or orphaned block -------------------------------------------


def test_r4_mismatched_block_hash_from_the_node(keys) -> None:
    sc = make_scenario(keys)
    att = attest(sc.declaration(), sc.signatures(), {"ethereum": node_for(sc)}, signing_key=SIGNING_KEY)
    orphan = node_for(sc)
    orphan.blocks = {ETH_PIN.height: "dd" * 32}
    result = check_attestation(att, {"ethereum": orphan}, signing_key=SIGNING_KEY)
    eth = [w for w in result.wallets if w.wallet.chain == "ethereum"]
    assert eth and all(w.error is not None and w.error.code == "block-mismatch" for w in eth)
    assert all(w.ok for w in result.wallets if w.wallet.chain == "bitcoin")


def test_r4_one_chain_one_block(keys) -> None:
    sc = make_scenario(keys, eth_declared=True)
    doc = json.loads(attest(sc.declaration(), sc.signatures(), {}, signing_key=SIGNING_KEY).to_json())
    doc["wallets"][1]["block"]["height"] += 1  # a second, "more convenient" block for one wallet
    with pytest.raises(FormatError) as e:
        parse_attestation(json.dumps(doc).encode())
    assert e.value.code == "block-mismatch"


def test_r4_lying_node_balance_is_not_counted(keys) -> None:
    sc = make_scenario(keys)
    att = attest(sc.declaration(), sc.signatures(), {"ethereum": node_for(sc)}, signing_key=SIGNING_KEY)
    result = check_attestation(att, {"ethereum": node_for(sc, eth1=1)}, signing_key=SIGNING_KEY)
    bad = [w for w in result.wallets if not w.ok]
    assert len(bad) == 1
    assert bad[0].error.code == "balance-mismatch"
    assert bad[0].error.evidence["node"] == "1"


# --- R5: what cryptography cannot reach: every report says so ------------------------------------
# (the CLI's terminal, JSON and HTML outputs: tests/report/test_render.py)


def test_r5_report_carries_the_limitation_text(keys) -> None:
    import io

    from rich.console import Console

    from solvent.pipeline.report import assess
    from solvent.protocol.assets import parse_asset_list
    from solvent.protocol.manifest import Manifest
    from solvent.protocol.proof import Root
    from solvent.report.render_html import render_html
    from solvent.report.render_json import report_to_dict
    from solvent.report.render_text import print_report

    sc = make_scenario(keys)
    att = attest(sc.declaration(), sc.signatures(), {"ethereum": node_for(sc)}, signing_key=SIGNING_KEY)
    manifest = Manifest(
        EXCHANGE,
        SNAPSHOT,
        "2026-11-23T00:00:00Z",
        parse_asset_list("BTC:8,ETH:8,USDT:8,USD:2"),
        Root(b"\x02" * 32, (1, 1, 1, 1), 3, 6),
        {},
    )
    check = check_attestation(att, {"ethereum": node_for(sc)}, taken_at=manifest.taken_at, signing_key=SIGNING_KEY)
    report = assess(manifest, check)
    buffer = io.StringIO()
    print_report(report, Console(file=buffer, width=200))
    outputs = [buffer.getvalue(), json.dumps(report_to_dict(report)), render_html([report])]
    for text in outputs:
        for cannot in ("borrowed funds", "off-chain liabilities", "encumbered assets"):
            assert cannot in text
    assert [line.status for line in report.lines] == ["DECLARED", "PASS", "PASS", "DECLARED"]


# --- R6: malleability and v variants --------------------------------------------------------------


def test_r6_high_s_and_v_forms(keys) -> None:
    from solvent.reserves.ecdsa import SECP256K1_N

    sc = make_scenario(keys)
    a = sc.eth[0]
    m = challenge_message(EXCHANGE, SNAPSHOT, ETH_PIN, a, signing_key=SIGNING_KEY)
    raw = bytes.fromhex(sign_eip191(keys["eth1"], m)[2:])
    r, s, v = raw[:32], int.from_bytes(raw[32:64], "big"), raw[64]
    for v_form in (v - 27, v):  # {0,1} and {27,28}
        verify_ownership(a, m, "0x" + (r + s.to_bytes(32, "big") + bytes([v_form])).hex(), "eip191")
    high = "0x" + (r + (SECP256K1_N - s).to_bytes(32, "big") + bytes([27 + ((v - 27) ^ 1)])).hex()
    with pytest.raises(BadSignature) as e:
        verify_ownership(a, m, high, "eip191")
    assert e.value.code == "high-s"
