"""The known-answer snapshot, built by the real command line, audited by each auditor as a function
(the CLI's choice between them is tested with the CLI); and a v2 snapshot audited by the real
command line with each auditor: every asset's verdict, the accounts check, partial audits."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from solvent.protocol.amounts import format_units
from solvent.protocol.errors import InputError
from solvent.protocol.signed_manifest import load_signed_manifest
from tests.auditors import Auditor, run_audit
from tests.cli.conftest import KAT, solvent

pytestmark = pytest.mark.integration


def test_the_kat_passes_with_its_totals(kat_snapshot: Path, auditor: Auditor) -> None:
    code, out = run_audit(auditor, kat_snapshot)
    assert code == 0, out
    totals = [format_units(t, a["decimals"]) for t, a in zip(out["totals"], KAT["assets"], strict=True)]
    assert totals == ["22.50100001", "5.26504943", "100100.25"]
    assert "liabilities.csv" in out["files_checked"] and "tree/level-03.bin" in out["files_checked"]


def test_the_csv_may_live_elsewhere(kat_snapshot: Path, tmp_path: Path, auditor: Auditor) -> None:
    csv = tmp_path / "elsewhere.csv"
    shutil.copy(kat_snapshot / "public" / "liabilities.csv", csv)
    public = kat_snapshot / "public"
    manifest = load_signed_manifest(public / "snapshot.json").manifest
    assert auditor(public, manifest, csv_path=csv).totals == manifest.root.sums
    csv.write_bytes(csv.read_bytes().replace(b"100.25", b"100.26"))
    code, out = run_audit(auditor, kat_snapshot, csv_path=csv)
    assert (code, out["error"], out["evidence"]["file"]) == (1, "file-digest", "liabilities.csv")


def test_an_unknown_hash_backend_is_a_usage_error(kat_snapshot: Path, auditor: Auditor) -> None:
    manifest = load_signed_manifest(kat_snapshot / "public" / "snapshot.json").manifest
    with pytest.raises(InputError):
        auditor(kat_snapshot / "public", manifest, hasher="md5")


# -- protocol v2 (one tree per asset), built by the library's v2 builder ------------------


@pytest.fixture(scope="module")
def kat_v2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.pipeline.v2_snapshots import build_kat as build_kat_v2

    return build_kat_v2(tmp_path_factory.mktemp("kat-v2")) / "public"


def test_a_v2_snapshot_prints_every_asset_the_accounts_and_the_protocol(kat_v2: Path) -> None:
    result = solvent("audit", kat_v2)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("AUDIT PASSED: ")
    assert "protocol:    v2" in result.stdout
    assert "accounts:    5 distinct hashed ids over all trees" in result.stdout
    assert "tree/accounts.bin, tree/positions.bin rebuilt and compared" in result.stdout
    for symbol, leaves in (("BTC", 5), ("ETH", 4), ("JPY", 1), ("DOGE", 0)):
        row = next(line for line in lines if line.strip().startswith(symbol + " "))
        assert "passed" in row and f" {leaves} leaves" in row
    assert "NOT CHECKED" not in result.stdout
    # Progress: one line per asset on stderr.
    assert sum("asset " in line and "passed" in line for line in result.stderr.splitlines()) == 4


def test_both_auditors_print_the_same_v2_json(kat_v2: Path) -> None:
    fast = solvent("audit", kat_v2, "--json")
    slow = solvent("audit", kat_v2, "--json", "--stdlib")
    assert fast.returncode == slow.returncode == 0, slow.stderr
    payload = json.loads(fast.stdout)
    assert payload == json.loads(slow.stdout)
    assert (payload["valid"], payload["partial"], payload["protocol"]) == (True, False, 2)
    assert payload["accounts"] == {"manifest": 5, "checked": True, "counted": 5}
    assert [a["symbol"] for a in payload["assets"]] == ["BTC", "ETH", "JPY", "DOGE"]


@pytest.mark.parametrize("stdlib", [False, True])
def test_a_subset_of_assets_is_a_partial_audit_and_never_exits_0(kat_v2: Path, stdlib: bool) -> None:
    extra = ["--stdlib"] if stdlib else []
    result = solvent("audit", kat_v2, "--asset", "BTC", "--asset", "ETH,JPY", *extra)
    assert result.returncode == 3, result.stderr
    assert result.stdout.startswith("PARTIAL AUDIT: ")
    assert "NOT CHECKED: DOGE, and the accounts count" in result.stdout
    assert "accounts:    NOT CHECKED" in result.stdout
    payload = json.loads(solvent("audit", kat_v2, "--asset", "DOGE", "--json", *extra).stdout)
    assert (payload["valid"], payload["partial"]) == (False, True)
    assert payload["accounts"]["checked"] is False
    assert [a["symbol"] for a in payload["assets"]] == ["DOGE"]
    assert {"BTC", "ETH", "JPY"} <= set(payload["not_checked"])


def test_v2_usage_errors(kat_v2: Path) -> None:
    assert solvent("audit", kat_v2, "--asset", "XRP").returncode == 2
    assert solvent("audit", kat_v2, "--asset", "BTC,").returncode == 2
    assert solvent("audit", kat_v2, "--csv", kat_v2 / "liabilities" / "BTC.csv").returncode == 2


def test_a_tampered_v2_snapshot_exits_1_with_the_evidence(kat_v2: Path, tmp_path: Path) -> None:
    from tests.pipeline.v2_snapshots import resign

    out = tmp_path / "copy" / "out"
    shutil.copytree(kat_v2.parent.parent, tmp_path / "copy")
    btc = out / "public" / "liabilities" / "BTC.csv"
    lines = btc.read_text().splitlines()
    lines[2] = lines[2].split(",")[0] + ",0.00000000"
    btc.write_text("\n".join(lines) + "\n")
    resign(out)
    for extra in ([], ["--stdlib"]):
        result = solvent("audit", out / "public", "--json", *extra)
        assert result.returncode == 1, result.stderr
        payload = json.loads(result.stdout)
        assert (payload["error"], payload["evidence"]["row"], payload["evidence"]["asset"]) == ("range", "2", "BTC")
