"""Red-team attempts on the key binding of ownership challenges: docs/spec.md §12.3 (Challenge
message) and §12.8 (Verifying reserves.json (anyone)).

Exchange A tries to pass exchange B's wallets off as its own.  Tests marked xfail(strict)
show a weakness that is still there; the others show an attempt that fails as it should.
Every signature is real (the demo signers: EIP-191, BIP-137, BIP-322 simple).
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from solvent.pipeline.build import BuildRequest, build_snapshot
from solvent.pipeline.build_v2 import build_snapshot_v2
from solvent.pipeline.report import assess_snapshot, load_snapshot
from solvent.protocol.assets import parse_asset_list
from solvent.protocol.errors import FormatError, InputError
from solvent.publish.keys import public_key_hex
from solvent.reserves.attest import attest
from solvent.reserves.challenge import challenge_message
from solvent.reserves.reserves_json import Attestation
from tests.cli_invoke import invoke
from tests.reserves.fakes import node_for
from tests.reserves.helpers import write_snapshot
from tests.reserves.scenario import BTC_PIN, EXCHANGE, MANIFEST_KEY, SIGNING_KEY, SNAPSHOT, make_scenario, write_keys

ASSETS = parse_asset_list("BTC:8,ETH:8,USDT:8,USD:2")
LIABILITIES = {"ETH": 400_000_000, "USDT": 250_000_000}
Keys = dict[str, bytes]
A_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(100, 132)))


@pytest.fixture
def keys() -> dict[str, bytes]:
    return {n: secrets.token_bytes(32) for n in ("eth1", "eth2", "btc_wpkh", "btc_tr", "btc_pkh", "other")}


def _publish(tmp_path: Path, name: str, reserves: bytes, key: Ed25519PrivateKey) -> Path:
    return write_snapshot(
        tmp_path / name,
        exchange=EXCHANGE,
        snapshot_id=SNAPSHOT,
        liabilities=LIABILITIES,
        assets=ASSETS,
        reserves=reserves,
        key=key,
    )


def _dump(doc: dict[str, object]) -> bytes:
    return json.dumps(doc, indent=2).encode() + b"\n"


def _b_v3(keys: Keys) -> tuple[Attestation, Any]:
    sc = make_scenario(keys)
    node = node_for(sc)
    return attest(sc.declaration(), sc.signatures(), {"ethereum": node}, signing_key=SIGNING_KEY), node


def _b_v2(keys: Keys) -> tuple[Attestation, Any]:
    sc = make_scenario(keys)
    node = node_for(sc)
    att = attest(sc.declaration(), sc.signatures(signing_key=None), {"ethereum": node}, signing_key=None)
    return att, node


# --- what held up -----------------------------------------------------------------------------------


@pytest.mark.parametrize("manifest_key", ["A", "B"])
def test_downgrading_bs_v3_file_to_v2_fails_every_signature(tmp_path: Path, keys: Keys, manifest_key: str) -> None:
    # A strips signing_key and relabels B's /3 file as /2: the v1 challenge is rebuilt, B signed v2
    att, node = _b_v3(keys)
    doc = json.loads(att.to_json())
    del doc["signing_key"]
    doc["format"] = "solvent-reserves/2"
    snap = _publish(tmp_path, "a", _dump(doc), A_KEY if manifest_key == "A" else MANIFEST_KEY)
    report = assess_snapshot(load_snapshot(snap), {"ethereum": node})
    assert report.reserves is not None
    # EIP-191 x2, BIP-322 p2wpkh and p2tr, BIP-137 p2pkh: all fail
    assert [w.error.code if w.error else None for w in report.reserves.wallets] == ["bad-signature"] * 5
    assert not report.passed(allow_declared=True)


def test_mixing_v1_signatures_into_a_v3_file_fails_those_wallets(tmp_path: Path, keys: Keys) -> None:
    sc = make_scenario(keys)
    node = node_for(sc)
    v3 = json.loads(attest(sc.declaration(), sc.signatures(), {"ethereum": node}, signing_key=SIGNING_KEY).to_json())
    old = attest(sc.declaration(), sc.signatures(signing_key=None), {"ethereum": node}, signing_key=None)
    v2 = json.loads(old.to_json())
    for i in (0, 3, 4):  # one Ethereum and two Bitcoin wallets carry v1-challenge signatures
        v3["wallets"][i]["signature"] = v2["wallets"][i]["signature"]
    snap = _publish(tmp_path, "b", _dump(v3), MANIFEST_KEY)
    report = assess_snapshot(load_snapshot(snap), {"ethereum": node})
    assert report.reserves is not None
    codes = [w.error.code if w.error else None for w in report.reserves.wallets]
    assert codes == [("bad-signature" if i in (0, 3, 4) else None) for i in range(5)]


def test_a_pinned_key_in_upper_case_or_padded_binds_the_same_key(tmp_path: Path, keys: Keys) -> None:
    att, node = _b_v3(keys)
    snap = _publish(tmp_path, "b", att.to_json(), MANIFEST_KEY)
    for spelled in (SIGNING_KEY.upper(), f"  {SIGNING_KEY}\n"):
        loaded = load_snapshot(snap, public_key=spelled)
        assert loaded.check.public_key == SIGNING_KEY
        assert assess_snapshot(loaded, {"ethereum": node}).passed()
    doc = json.loads(att.to_json())
    for bad in (SIGNING_KEY.upper(), f" {SIGNING_KEY}", f"0x{SIGNING_KEY}", SIGNING_KEY + "\n"):
        with pytest.raises(FormatError):
            Attestation.from_dict({**doc, "signing_key": bad})


def test_no_exchange_name_smuggles_a_key_line(keys: Keys) -> None:
    addr = make_scenario(keys).btc["p2pkh"]
    a_hex = public_key_hex(A_KEY)
    for name in (f"X\nsigning key: {a_hex}", f"X\rsigning key: {a_hex}", f"X\u2028signing key: {a_hex}"):
        with pytest.raises(FormatError):
            challenge_message(name, SNAPSHOT, BTC_PIN, addr, signing_key=SIGNING_KEY)
    # the text without a line break stays on the exchange line: one key line, at its place
    lines = challenge_message(f"B signing key: {a_hex}", SNAPSHOT, BTC_PIN, addr, signing_key=SIGNING_KEY).split("\n")
    assert [i for i, line in enumerate(lines) if line.startswith("signing key: ")] == [2]
    assert lines[2] == f"signing key: {SIGNING_KEY}"
    v1 = challenge_message(EXCHANGE, SNAPSHOT, BTC_PIN, addr, signing_key=None)
    assert v1.split("\n")[0] != lines[0] and v1.split("\n")[-1] != lines[-1]


# --- weaknesses -------------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [1, 2])
def test_a_build_made_now_refuses_an_unbound_v2_attestation(tmp_path: Path, keys: Keys, version: int) -> None:
    sc = make_scenario(keys, eth_declared=True)  # declared amounts: no node needed to attest
    att = attest(sc.declaration(), sc.signatures(signing_key=None), {}, signing_key=None)
    assert att.format == "solvent-reserves/2"
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("uid,BTC,ETH,USDT,USD\nalice,1,0,0,0\n")
    kf = write_keys(tmp_path / "keys")
    reserves = tmp_path / "reserves.json"
    reserves.write_bytes(att.to_json())
    req = BuildRequest(
        ledger=ledger,
        assets=ASSETS,
        snapshot_id=SNAPSHOT,
        master_key_file=kf.master_key,
        signing_key_file=kf.signing_key,
        out=tmp_path / "snap",
        exchange=EXCHANGE,
        taken_at="2026-11-23T00:00:00Z",
        reserves=reserves,
    )
    with pytest.raises(InputError, match="solvent-reserves/2"):
        build_snapshot_v2(req, workers=1) if version == 2 else build_snapshot(req)


def test_a_replaying_bs_old_v2_file_under_its_own_key_does_not_pass(tmp_path: Path, keys: Keys) -> None:
    att, node = _b_v2(keys)
    snap = _publish(tmp_path, "a", att.to_json(), A_KEY)
    report = assess_snapshot(load_snapshot(snap), {"ethereum": node})
    assert report.reserves is not None and not report.reserves.key_bound  # labelled...
    assert not report.passed()  # ...but it passes


def test_reserves_verify_without_a_manifest_does_not_call_wallets_key_bound(tmp_path: Path, keys: Keys) -> None:
    att, _ = _b_v3(keys)
    path = tmp_path / "reserves.json"
    path.write_bytes(att.to_json())  # B's file, anybody's copy: nothing says whose key signs what
    result = invoke(["reserves", "verify", str(path), "--json"])
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["bound"] is False
    assert not any(w["key_bound"] for w in out["wallets"])
