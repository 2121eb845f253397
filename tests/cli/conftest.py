"""The real command line, as a user runs it: a subprocess of ``python -m solvent``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.auditors import auditor  # noqa: F401 (the fixture: audits here run with both auditors)

KAT = json.loads((Path(__file__).parents[1] / "vectors" / "kat-v1.json").read_text())


def solvent(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``solvent ARGS...``; never raises on a non-zero exit (the tests check it)."""
    return subprocess.run(
        [sys.executable, "-m", "solvent", *map(str, args)],
        check=False,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def write_kat_inputs(folder: Path) -> tuple[Path, Path]:
    """The KAT's ledger (wide CSV, in asset units) and its master key; plus a fresh signing key."""
    keys = folder / "keys"
    assert solvent("keygen", "--out", keys).returncode == 0
    (keys / "master.key").write_text(KAT["master_key"] + "\n")
    symbols = [a["symbol"] for a in KAT["assets"]]
    rows = ["uid," + ",".join(symbols)] + [",".join([a["uid"], *a["balances"]]) for a in KAT["accounts"]]
    ledger = folder / "ledger.csv"
    ledger.write_text("\n".join(rows) + "\n")
    return ledger, keys


def kat_assets() -> str:
    return ",".join(f"{a['symbol']}:{a['decimals']}" for a in KAT["assets"])


def build_kat(folder: Path, out: Path | None = None) -> Path:
    ledger, keys = write_kat_inputs(folder)
    out = out or folder / "snap"
    result = solvent(
        "build", ledger, "--assets", kat_assets(), "--snapshot-id", KAT["snapshot_id"],
        "--master-key-file", keys / "master.key", "--signing-key-file", keys / "signing.key",
        "--out", out, "--exchange", "KAT Exchange", "--taken-at", "2026-11-23T00:00:00Z",
    )
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def kat_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_kat(tmp_path_factory.mktemp("kat"))
