"""The v1 known-answer vector through the real command line: prove, verify and audit of a v1
snapshot (built by the library's v1 builder: ``solvent build`` writes v2, see test_build_v2.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import KAT, solvent

pytestmark = pytest.mark.integration


def test_the_v1_fixture_is_the_kat(kat_snapshot: Path) -> None:
    public = kat_snapshot / "public"
    manifest = json.loads((public / "snapshot.json").read_text())
    assert manifest["root"] == KAT["root"]
    assert (public / "liabilities.csv").read_text() == KAT["liabilities_csv"]
    users = (kat_snapshot / "private" / "users.csv").read_text().splitlines()
    assert users[0] == "uid,user_secret,hashed_id"
    expected = {a["uid"]: (a["user_secret"], a["hashed_id"]) for a in KAT["accounts"]}
    assert {u: (s, h) for u, s, h in (line.split(",") for line in users[1:])} == expected


@pytest.mark.parametrize("proof", KAT["proofs"], ids=lambda p: str(p["leaf"]["index"]))
def test_prove_reproduces_every_kat_proof(kat_snapshot: Path, proof: dict) -> None:
    result = solvent("prove", kat_snapshot, proof["leaf"]["hashed_id"])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == proof


def test_verify_with_manifest_uid_and_secret(kat_snapshot: Path, tmp_path: Path) -> None:
    alice = next(a for a in KAT["accounts"] if a["uid"] == "alice")
    proof = tmp_path / "alice.json"
    assert solvent("prove", kat_snapshot, alice["hashed_id"], "--out", proof).returncode == 0
    result = solvent("verify", proof, "--snapshot", kat_snapshot / "public" / "snapshot.json",
                     "--uid", "alice", "--secret", alice["user_secret"])
    assert result.returncode == 0, result.stderr
    assert "VALID" in result.stdout and "1.50000000" in result.stdout and "100.25" in result.stdout
    assert "recomputed from your uid and secret" in result.stdout
    assert "WARNING" not in result.stderr
    # Without the manifest: a failure, unless asked for (--unanchored), and then loudly unanchored.
    assert solvent("verify", proof).returncode == 1
    alone = solvent("verify", proof, "--unanchored")
    assert alone.returncode == 0 and "WARNING" in alone.stderr and "manifest NOT checked" in alone.stdout
    # JSON output for machines.
    payload = json.loads(solvent("verify", proof, "--snapshot", kat_snapshot / "public" / "snapshot.json",
                                 "--json").stdout)
    assert payload["valid"] and payload["anchored"] and payload["balances"]["USD"] == "100.25"


def test_audit_passes_and_prints_totals(kat_snapshot: Path) -> None:
    result = solvent("audit", kat_snapshot / "public")
    assert result.returncode == 0, result.stderr
    assert "AUDIT PASSED" in result.stdout
    assert "22.50100001" in result.stdout and "100100.25" in result.stdout
    payload = json.loads(solvent("audit", kat_snapshot / "public", "--json").stdout)
    assert payload["totals"] == {"BTC": "22.50100001", "ETH": "5.26504943", "USD": "100100.25"}
    separate = solvent("audit", "--csv", kat_snapshot / "public" / "liabilities.csv",
                       "--snapshot", kat_snapshot / "public" / "snapshot.json")
    assert separate.returncode == 0, separate.stderr


def test_an_exchange_name_that_would_reorder_the_terminal_is_refused(tmp_path: Path) -> None:
    """A right-to-left override (U+202E) in the exchange name would rearrange what the
    customer reads: ``build`` refuses it (exit 2), and a manifest signed with it anyway is not
    in its format (exit 1), its name never printed raw."""
    from solvent.publish.keys import load_signing_key
    from tests.cli.conftest import kat_assets, write_kat_inputs

    ledger, keys = write_kat_inputs(tmp_path)
    out = tmp_path / "snap"
    args = ("build", ledger, "--assets", kat_assets(), "--snapshot-id", KAT["snapshot_id"],
            "--master-key-file", keys / "master.key", "--signing-key-file", keys / "signing.key",
            "--out", out, "--taken-at", "2026-11-23T00:00:00Z")
    refused = solvent(*args, "--exchange", "Good\u202eEvil")
    assert refused.returncode == 2 and "U+202E" in refused.stderr and not out.exists()
    assert "\u202e" not in refused.stderr
    assert solvent(*args, "--exchange", "Good").returncode == 0
    alice = next(a for a in KAT["accounts"] if a["uid"] == "alice")  # holds something: a leaf in v2
    proof = tmp_path / "proof.json"
    proof.write_bytes(solvent("prove", out, alice["hashed_id"]).stdout.encode())
    manifest = out / "public" / "snapshot.json"
    data = manifest.read_bytes().replace(b'"Good"', b'"Good\\u202eEvil"')  # JSON-escaped, then signed
    assert data != manifest.read_bytes()
    manifest.write_bytes(data)
    (out / "public" / "snapshot.json.sig").write_text(load_signing_key(keys / "signing.key").sign(data).hex() + "\n")
    result = solvent("verify", proof, "--snapshot", manifest)
    assert result.returncode == 1 and result.stdout == "", result.stderr
    assert result.stderr.startswith("INVALID: exchange: contains control characters, bidi")
    assert "\u202e" not in result.stderr
