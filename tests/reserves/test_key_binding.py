"""Challenges bind the exchange's key: docs/spec.md §12.3 (Challenge message) and
§12.8 (Verifying reserves.json (anyone)).

The red-team run: exchange A published exchange B's ``reserves.json`` under B's name and
snapshot id, in a snapshot signed with A's own key, and ``solvent report`` said PASS on B's
wallets -- the challenge named the exchange, which anybody can copy, not its key.  A
``solvent-reserves/3`` file's challenges name the manifest signing key, and every verifier
rebuilds them with the key that signed *this* manifest.  Older files (``/2``) are still read,
count as before and are labelled "not bound to a key" everywhere.

Every signature here is real: wallet keys sign with the demo's signers, manifests are
signed with real Ed25519 keys.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from solvent.pipeline.report import assess_snapshot, load_snapshot
from solvent.protocol.assets import parse_asset_list
from solvent.protocol.errors import FormatError, ManifestMismatch
from solvent.publish.keys import public_key_hex
from solvent.reserves.attest import attest
from solvent.reserves.recheck import check_attestation
from solvent.reserves.reserves_json import parse_attestation
from tests.cli_invoke import invoke
from tests.reserves.fakes import node_for
from tests.reserves.helpers import write_snapshot
from tests.reserves.scenario import EXCHANGE, MANIFEST_KEY, SIGNING_KEY, SNAPSHOT, make_scenario

ASSETS = parse_asset_list("BTC:8,ETH:8,USDT:8,USD:2")
# the test-double node holds exactly these at the pin: B's report passes on them
LIABILITIES = {"ETH": 400_000_000, "USDT": 250_000_000}
#: Exchange A's own manifest signing key (B's is the scenarios' MANIFEST_KEY).
A_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(100, 132)))


def published(tmp_path: Path, name: str, reserves: bytes, key: Ed25519PrivateKey) -> Path:
    """A snapshot directory under B's name and snapshot id, signed with ``key``."""
    return write_snapshot(
        tmp_path / name,
        exchange=EXCHANGE,
        snapshot_id=SNAPSHOT,
        liabilities=LIABILITIES,
        assets=ASSETS,
        reserves=reserves,
        key=key,
    )


@pytest.fixture
def b_attestation(keys):
    """Exchange B's own attestation, observed on the (test-double) node, bound to B's key."""
    sc = make_scenario(keys)
    node = node_for(sc)
    att = attest(sc.declaration(), sc.signatures(), {"ethereum": node}, signing_key=SIGNING_KEY)
    assert att.signing_key == SIGNING_KEY and json.loads(att.to_json())["format"] == "solvent-reserves/3"
    return sc, att, node


def test_control_b_publishing_its_own_attestation_passes(tmp_path: Path, b_attestation) -> None:
    _, att, node = b_attestation
    snap = published(tmp_path, "b", att.to_json(), MANIFEST_KEY)
    report = assess_snapshot(load_snapshot(snap), {"ethereum": node})
    assert report.passed()
    assert report.reserves is not None and report.reserves.key_bound
    assert all(w.key_bound for w in report.reserves.wallets)


def test_red_team_replay_a_republishes_bs_reserves_under_its_own_key(tmp_path: Path, b_attestation) -> None:
    _, att, _ = b_attestation
    snap = published(tmp_path, "a", att.to_json(), A_KEY)  # B's exact bytes, bound in A's signed manifest
    with pytest.raises(ManifestMismatch) as e:
        load_snapshot(snap)
    assert e.value.code == "signing-key-mismatch"
    assert "another signing key" in e.value.message
    assert e.value.evidence == {"reserves_signing_key": SIGNING_KEY, "manifest_signing_key": public_key_hex(A_KEY)}
    result = invoke(["report", str(snap), "--json"])
    assert result.exit_code == 1
    assert "PASS" not in result.stdout
    assert json.loads(result.stdout)["error"] == "signing-key-mismatch"
    assert "another signing key" in invoke(["report", str(snap)]).stderr


def test_red_team_replay_with_the_key_field_rewritten_fails_every_signature(tmp_path: Path, b_attestation) -> None:
    # A edits the file to name its own key: the file now matches A's manifest, but B's wallets
    # signed challenges naming B's key, and the challenges are rebuilt with A's.
    _, att, node = b_attestation
    doc = json.loads(att.to_json())
    doc["signing_key"] = public_key_hex(A_KEY)
    snap = published(tmp_path, "a", json.dumps(doc, indent=2).encode() + b"\n", A_KEY)
    report = assess_snapshot(load_snapshot(snap), {"ethereum": node})
    assert report.reserves is not None
    assert [w.error.code if w.error else None for w in report.reserves.wallets] == ["bad-signature"] * 5
    assert not report.passed()
    assert {line.status for line in report.lines if line.symbol in LIABILITIES} == {"FAIL"}


def test_a_check_given_another_key_than_the_files_fails_each_wallet_clearly(b_attestation) -> None:
    # the recheck on its own (without the loader's comparison) refuses the replay too
    _, att, node = b_attestation
    result = check_attestation(att, {"ethereum": node}, signing_key=public_key_hex(A_KEY))
    assert {w.error.code for w in result.wallets if w.error} == {"signing-key-mismatch"}
    assert all(not w.ok for w in result.wallets)
    own = check_attestation(att, {"ethereum": node}, signing_key=SIGNING_KEY)
    assert all(w.ok and w.key_bound for w in own.wallets)


def test_a_v3_file_needs_its_key_and_nothing_else(b_attestation) -> None:
    _, att, _ = b_attestation
    doc = json.loads(att.to_json())
    assert doc["signing_key"] == SIGNING_KEY
    for bad in ("AB" * 32, "ab" * 31, None, 7):
        with pytest.raises(FormatError, match="signing_key"):
            parse_attestation(json.dumps({**doc, "signing_key": bad}).encode())
    del doc["signing_key"]
    with pytest.raises(FormatError, match="signing_key"):
        parse_attestation(json.dumps(doc).encode())
    with pytest.raises(FormatError, match="signing_key"):  # the older format has no key field
        parse_attestation(json.dumps({**doc, "format": "solvent-reserves/2", "signing_key": SIGNING_KEY}).encode())


# --- the older format: read, counted as before, never shown as bound ---------------------------------


@pytest.fixture
def old_snapshot(tmp_path: Path, keys):
    sc = make_scenario(keys)
    node = node_for(sc)
    # real signatures over the v1 challenges, as solvent wrote solvent-reserves/2 files
    att = attest(sc.declaration(), sc.signatures(signing_key=None), {"ethereum": node}, signing_key=None)
    raw = att.to_json()
    assert json.loads(raw)["format"] == "solvent-reserves/2" and "signing_key" not in json.loads(raw)
    return published(tmp_path, "old", raw, MANIFEST_KEY), node


def test_an_old_attestation_is_read_and_labelled_not_bound_in_the_report(old_snapshot) -> None:
    snap, node = old_snapshot
    report = assess_snapshot(load_snapshot(snap), {"ethereum": node})
    assert report.reserves is not None
    assert not report.reserves.key_bound and not any(w.key_bound for w in report.reserves.wallets)
    # counted as declared at most (docs/spec.md §12.7): it could be another exchange's, republished
    assert not report.passed() and report.passed(allow_declared=True)
    assert all(ln.observed == 0 for ln in report.lines)
    assert any("not bound to a key" in note for note in report.notes)


def test_an_old_attestation_says_not_bound_in_report_json_text_and_html(tmp_path: Path, old_snapshot) -> None:
    snap, _ = old_snapshot
    html = tmp_path / "r.html"
    result = invoke(["report", str(snap), "--json", "--html", str(html), "--allow-declared"])
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)["snapshots"][0]
    assert (doc["reserves_format"], doc["reserves_key_bound"]) == ("solvent-reserves/2", False)
    assert [(w["key_bound"], w["key_binding"]) for w in doc["wallets"]] == [(False, "not bound to a key")] * 5
    assert all(w["valid"] for w in doc["wallets"])
    assert any("not bound to a key" in note for note in doc["notes"])
    assert html.read_text().count("not bound to a key") >= 5
    text = invoke(["report", str(snap), "--allow-declared"]).stdout
    assert text.count("not bound to a key") >= 5


def test_a_new_attestation_says_bound_in_report_json(tmp_path: Path, b_attestation) -> None:
    # control for the label: a key-bound file never says "not bound"
    _, att, _ = b_attestation
    snap = published(tmp_path, "b", att.to_json(), MANIFEST_KEY)
    result = invoke(["report", str(snap), "--json", "--allow-declared"])
    doc = json.loads(result.stdout)["snapshots"][0]
    assert (doc["reserves_format"], doc["reserves_key_bound"]) == ("solvent-reserves/3", True)
    assert {w["key_binding"] for w in doc["wallets"]} == {f"bound to signing key {SIGNING_KEY}"}
    assert "not bound to a key" not in result.stdout


def test_reserves_verify_labels_an_old_file(tmp_path: Path, old_snapshot) -> None:
    snap, _ = old_snapshot
    public = snap / "public"
    result = invoke(
        ["reserves", "verify", str(public / "reserves.json"), "--snapshot", str(public / "snapshot.json"), "--json"]
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["format"], doc["key_bound"]) == ("solvent-reserves/2", False)
    assert {w["key_binding"] for w in doc["wallets"]} == {"not bound to a key"}
    assert "not bound to a key" in result.stderr


def test_reserves_verify_refuses_the_replay(tmp_path: Path, b_attestation) -> None:
    _, att, _ = b_attestation
    public = published(tmp_path, "a", att.to_json(), A_KEY) / "public"
    result = invoke(["reserves", "verify", str(public / "reserves.json"), "--snapshot", str(public / "snapshot.json")])
    assert result.exit_code == 1
    assert "another signing key" in result.stderr


# --- the operator's commands ------------------------------------------------------------------------


def test_challenge_and_attest_take_the_key_from_signing_pub(tmp_path: Path, keys) -> None:
    sc = make_scenario(keys, eth_declared=True)
    decl, sigs, pub = tmp_path / "reserves.toml", tmp_path / "signatures.csv", tmp_path / "signing.pub"
    decl.write_text(sc.toml)
    sigs.write_text(sc.signatures_csv())
    pub.write_text(SIGNING_KEY + "\n")  # as solvent keygen writes it
    result = invoke(["reserves", "challenge", str(decl), "--public-key", str(pub), "--json"])
    assert result.exit_code == 0, result.stderr
    messages = [item["message"] for item in json.loads(result.stdout)]
    assert all(m.splitlines()[2] == f"signing key: {SIGNING_KEY}" for m in messages)
    out = tmp_path / "reserves.json"
    attest_args = ["reserves", "attest", str(decl), "--signatures", str(sigs)]
    attested = invoke([*attest_args, "--out", str(out), "--public-key", str(pub)])
    assert attested.exit_code == 0, attested.stderr
    assert json.loads(out.read_text())["signing_key"] == SIGNING_KEY
    # signatures made for one key do not attest under another
    other = invoke([*attest_args, "--out", str(tmp_path / "o"), "--public-key", public_key_hex(A_KEY)])
    assert other.exit_code == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("given", [None, "ab" * 31, "not hex"])
def test_challenge_without_a_usable_key_is_a_usage_error(tmp_path: Path, keys, given: str | None) -> None:
    decl = tmp_path / "reserves.toml"
    decl.write_text(make_scenario(keys).toml)
    result = invoke(["reserves", "challenge", str(decl), *(["--public-key", given] if given else [])])
    assert result.exit_code == 2
    assert "--public-key" in result.stderr
    assert "Traceback" not in result.stderr
