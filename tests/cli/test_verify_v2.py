"""``solvent verify`` tells v1 from v2 by the one rule (``protocol.versions``) and checks each with
its own verifier; v2 lists every asset of the manifest, held ones first; a proof and a manifest of
different versions are a clear error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from solvent.protocol.amounts import format_units
from tests.cli.conftest import KAT, KAT_V2, solvent
from tests.cli.test_cli_stdlib import run_and_list_modules

pytestmark = pytest.mark.integration

ALICE = next(a for a in KAT_V2["accounts"] if a["uid"] == "alice@example.com")
MULLER = next(a for a in KAT_V2["accounts"] if a["uid"].startswith("m\u00fcller"))
DECIMALS = {a["symbol"]: a["decimals"] for a in KAT_V2["assets"]}


def _prove(snapshot: Path, hashed_id: str, out: Path) -> Path:
    result = solvent("prove", snapshot, hashed_id, "-o", out)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def alice_proof(kat_v2_snapshot: Path, tmp_path: Path) -> Path:
    return _prove(kat_v2_snapshot, ALICE["hashed_id"], tmp_path / "alice.json")


def _balance_lines(stdout: str) -> list[tuple[str, str]]:
    lines = stdout.split("  balances:", 1)[1].split("  merkle roots", 1)[0].splitlines()[1:]
    return [(line.split()[0], line.split()[1]) for line in lines]


def test_every_asset_is_listed_held_ones_first_then_the_rest_at_zero(kat_v2_snapshot: Path, tmp_path: Path) -> None:
    proof = _prove(kat_v2_snapshot, MULLER["hashed_id"], tmp_path / "m.json")
    manifest = kat_v2_snapshot / "public" / "snapshot.json"
    result = solvent("verify", proof, "--snapshot", manifest, "--uid", MULLER["uid"], "--secret", MULLER["user_secret"])
    assert result.returncode == 0, result.stderr
    held = [s for s in DECIMALS if s in MULLER["balances"]]
    rest = [s for s in DECIMALS if s not in MULLER["balances"]]
    expected = [(s, format_units(int(MULLER["balances"][s]), DECIMALS[s])) for s in held]
    expected += [(s, format_units(0, DECIMALS[s])) for s in rest]
    assert _balance_lines(result.stdout) == expected
    assert held == ["BTC", "JPY"] and rest == ["ETH", "DOGE"]  # held ones in manifest order, then the rest
    assert "21000000.00000000" in result.stdout and "98765432109" in result.stdout
    assert "protocol:      v2 (solvent-proof/2)" in result.stdout
    assert f"exchange:      {KAT_V2['exchange']}" in result.stdout
    assert "signature:     valid" in result.stdout and "WARNING" not in result.stderr


def test_the_json_form_has_the_v2_shape(alice_proof: Path, kat_v2_snapshot: Path) -> None:
    result = solvent("verify", alice_proof, "--snapshot", kat_v2_snapshot / "public" / "snapshot.json", "--json",
                     "--uid", ALICE["uid"], "--secret", ALICE["user_secret"])
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["valid"] and payload["protocol"] == 2 and payload["anchored"] and payload["signature_checked"]
    assert payload["owner_checked"] and payload["hashed_id"] == ALICE["hashed_id"]
    assert payload["accounts"] == KAT_V2["manifest"]["accounts"]
    assert payload["held"] == ["BTC", "ETH"]
    assert list(payload["balances"]) == ["BTC", "ETH", "JPY", "DOGE"]
    assert payload["balances"] == {
        "BTC": "1.50000000", "ETH": "170141183460469231731.687303715884105728", "JPY": "0", "DOGE": "0.00000000",
    }
    roots = {a["symbol"]: a["root"] for a in KAT_V2["manifest"]["assets"]}
    assert payload["totals"] == {s: format_units(int(r["sum"]), DECIMALS[s]) for s, r in roots.items()}
    assert [e["root"] for e in payload["entries"]] == [roots["BTC"], roots["ETH"]]
    proof = json.loads(alice_proof.read_text())
    assert [e["index"] for e in payload["entries"]] == [e["index"] for e in proof["entries"]]


def test_without_a_manifest_it_fails_unless_asked_for_and_then_says_so(alice_proof: Path) -> None:
    refused = solvent("verify", alice_proof)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith("INVALID: no snapshot manifest was given") and "--unanchored" in refused.stderr
    as_json = json.loads(solvent("verify", alice_proof, "--json").stdout)
    assert as_json["valid"] is False and as_json["error"] == "unanchored"
    result = solvent("verify", alice_proof, "--unanchored")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("UNANCHORED (--unanchored, no manifest checked): ")
    assert "VALID" not in result.stdout.splitlines()[0]
    assert "manifest NOT checked" in result.stdout and "WARNING" in result.stderr
    assert _balance_lines(result.stdout) == [("BTC", "1.50000000"), ("ETH", "170141183460469231731.687303715884105728")]
    payload = json.loads(solvent("verify", alice_proof, "--json", "--unanchored").stdout)
    assert payload["protocol"] == 2 and not payload["anchored"] and payload["accounts"] is None
    both = solvent("verify", alice_proof, "--unanchored", "--snapshot", alice_proof)
    assert both.returncode == 2 and "not both" in both.stderr


def test_a_tampered_v2_proof_fails_with_evidence(alice_proof: Path, kat_v2_snapshot: Path, tmp_path: Path) -> None:
    proof = json.loads(alice_proof.read_text())
    proof["entries"][0]["amount"] = "150000001"
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(proof))
    result = solvent("verify", forged, "--snapshot", kat_v2_snapshot / "public" / "snapshot.json", "--json")
    assert result.returncode == 1
    payload = json.loads(result.stdout)
    assert payload["valid"] is False and payload["error"] == "root-mismatch" and payload["evidence"]["asset"] == "BTC"


def test_the_hashed_id_asked_for_is_checked(alice_proof: Path, kat_v2_snapshot: Path) -> None:
    manifest = kat_v2_snapshot / "public" / "snapshot.json"
    assert solvent("verify", alice_proof, "--snapshot", manifest, "--hashed-id", ALICE["hashed_id"]).returncode == 0
    other = solvent("verify", alice_proof, "--snapshot", manifest, "--hashed-id", MULLER["hashed_id"])
    assert other.returncode == 1 and "another hashed id" in other.stderr


def test_someone_else_s_uid_is_caught(alice_proof: Path, kat_v2_snapshot: Path) -> None:
    result = solvent("verify", alice_proof, "--snapshot", kat_v2_snapshot / "public" / "snapshot.json",
                     "--uid", MULLER["uid"], "--secret", ALICE["user_secret"])
    assert result.returncode == 1 and "not derived from this uid" in result.stderr


def test_a_pinned_key_and_a_missing_signature(alice_proof: Path, kat_v2_snapshot: Path, tmp_path: Path) -> None:
    manifest = kat_v2_snapshot / "public" / "snapshot.json"
    pinned = solvent("verify", alice_proof, "--snapshot", manifest, "--public-key", KAT_V2["signing_pub_hex"])
    assert pinned.returncode == 0 and "(pinned)" in pinned.stdout
    assert solvent("verify", alice_proof, "--snapshot", manifest, "--public-key", "11" * 32).returncode == 1
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(manifest, bare / "snapshot.json")
    missing = solvent("verify", alice_proof, "--snapshot", bare / "snapshot.json")
    assert missing.returncode == 1 and "signature not found" in missing.stderr
    waived = solvent("verify", alice_proof, "--snapshot", bare / "snapshot.json", "--no-signature")
    assert waived.returncode == 0 and "NOT CHECKED" in waived.stdout


def test_a_v2_proof_with_a_v1_manifest_and_the_other_way_round(
    alice_proof: Path, kat_v2_snapshot: Path, kat_snapshot: Path, tmp_path: Path
) -> None:
    v1_manifest = kat_snapshot / "public" / "snapshot.json"
    v2_manifest = kat_v2_snapshot / "public" / "snapshot.json"
    v1_proof = _prove(kat_snapshot, KAT["leaf_order"][0], tmp_path / "v1.json")
    for proof, manifest, says in ((alice_proof, v1_manifest, "protocol v2 proof"),
                                  (v1_proof, v2_manifest, "protocol v1 proof")):
        result = solvent("verify", proof, "--snapshot", manifest)
        assert result.returncode == 2, result.stderr
        assert says in result.stderr and "cannot be checked against" in result.stderr
        assert result.stderr.startswith("ERROR: unsupported version: ")
        assert "Traceback" not in result.stderr
        payload = json.loads(solvent("verify", proof, "--snapshot", manifest, "--json").stdout)
        assert payload["valid"] is False and payload["error"] == "version"
    # Each with its own manifest: both verify, each saying which protocol it checked.
    one = solvent("verify", v1_proof, "--snapshot", v1_manifest)
    assert one.returncode == 0 and "protocol:      v1" in one.stdout
    assert json.loads(solvent("verify", v1_proof, "--snapshot", v1_manifest, "--json").stdout)["protocol"] == 1


def test_an_unknown_proof_version_is_refused(alice_proof: Path, tmp_path: Path) -> None:
    proof = json.loads(alice_proof.read_text())
    proof["format"] = "solvent-proof/3"
    future = tmp_path / "future.json"
    future.write_text(json.dumps(proof))
    result = solvent("verify", future, "--format", "solvent", "--json", "--unanchored")
    assert result.returncode == 2 and json.loads(result.stdout)["error"] == "version"
    assert json.loads(result.stdout)["message"].startswith("unsupported version: ")
    text = solvent("verify", future)
    assert text.returncode == 2 and text.stderr.startswith("ERROR: unsupported version: proof: format ")
    assert "INVALID" not in text.stderr


def test_an_exchange_name_with_a_bidi_override_is_refused_in_v2_too(tmp_path: Path) -> None:
    from tests.cli.conftest import build_kat_v2

    built = build_kat_v2(tmp_path, "--exchange", "Good\u202eEvil", "--quiet", "--workers", "1")
    assert built.returncode == 2 and "U+202E" in built.stderr and "\u202e" not in built.stderr


def test_verify_v2_loads_only_the_standard_library(alice_proof: Path, kat_v2_snapshot: Path, tmp_path: Path) -> None:
    code, foreign, stderr = run_and_list_modules(
        tmp_path, "verify", alice_proof, "--snapshot", kat_v2_snapshot / "public" / "snapshot.json",
        "--uid", ALICE["uid"], "--secret", ALICE["user_secret"],
    )
    assert code == 0, stderr
    assert foreign == []


def test_prove_loads_only_the_standard_library_for_v2(kat_v2_snapshot: Path, tmp_path: Path) -> None:
    code, foreign, stderr = run_and_list_modules(tmp_path, "prove", kat_v2_snapshot, ALICE["hashed_id"])
    assert code == 0, stderr
    assert foreign == []


def test_prove_serves_v1_and_v2_snapshots(kat_snapshot: Path, kat_v2_snapshot: Path) -> None:
    one = solvent("prove", kat_snapshot, KAT["leaf_order"][0])
    two = solvent("prove", kat_v2_snapshot / "public", ALICE["hashed_id"].upper())
    assert one.returncode == 0 and json.loads(one.stdout)["format"] == "solvent-proof/1"
    assert two.returncode == 0 and json.loads(two.stdout)["format"] == "solvent-proof/2"
    # A v1 id is in no v2 tree, and the other way round: not found (exit 1), never another's proof.
    assert solvent("prove", kat_v2_snapshot, KAT["leaf_order"][0]).returncode == 1
    assert solvent("prove", kat_snapshot, ALICE["hashed_id"]).returncode == 1
    assert solvent("prove", kat_v2_snapshot, "xyz").returncode == 2
