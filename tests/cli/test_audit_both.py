"""The known-answer snapshot, built by the real command line, audited by each auditor as a function
(the CLI's choice between them is tested with the CLI)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from solvent.protocol.amounts import format_units
from solvent.protocol.errors import InputError
from solvent.protocol.signed_manifest import load_signed_manifest
from tests.auditors import Auditor, run_audit
from tests.cli.conftest import KAT

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
