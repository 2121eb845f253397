"""The real command line, as a user runs it: a subprocess of ``python -m solvent``.

``solvent build`` writes protocol v2; the v1 snapshot that readers must keep accepting
(``kat_snapshot``) is built with the library's v1 builder, ``pipeline.build.build_snapshot``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from solvent.publish.keys import write_key_file
from tests.auditors import auditor  # noqa: F401 (the fixture: audits here run with both auditors)

KAT = json.loads((Path(__file__).parents[1] / "vectors" / "kat-v1.json").read_text())
KAT_V2 = json.loads((Path(__file__).parents[1] / "vectors" / "kat-v2.json").read_text(encoding="utf-8"))


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
    (keys / "master.key").unlink()
    write_key_file(keys / "master.key", "master", bytes.fromhex(KAT["master_key"]))
    symbols = [a["symbol"] for a in KAT["assets"]]
    rows = ["uid," + ",".join(symbols)] + [",".join([a["uid"], *a["balances"]]) for a in KAT["accounts"]]
    ledger = folder / "ledger.csv"
    ledger.write_text("\n".join(rows) + "\n")
    return ledger, keys


def kat_assets() -> str:
    return ",".join(f"{a['symbol']}:{a['decimals']}" for a in KAT["assets"])


def build_kat(folder: Path, out: Path | None = None) -> Path:
    """The v1 KAT snapshot (the CLI builds v2 only; v1 snapshots come from the library's v1 builder)."""
    from solvent.pipeline.build import BuildRequest, build_snapshot
    from solvent.protocol.assets import parse_asset_list

    ledger, keys = write_kat_inputs(folder)
    out = out or folder / "snap"
    request = BuildRequest(
        ledger=ledger, assets=parse_asset_list(kat_assets()), snapshot_id=KAT["snapshot_id"],
        master_key_file=keys / "master.key", signing_key_file=keys / "signing.key", out=out,
        exchange="KAT Exchange", taken_at="2026-11-23T00:00:00Z",
    )
    return build_snapshot(request).out


def kat_v2_assets() -> str:
    return ",".join(f"{a['symbol']}:{a['decimals']}" for a in KAT_V2["assets"])


def write_kat_v2_ledger(path: Path) -> Path:
    """The v2 KAT's accounts as a wide CSV in asset units (zeros where an account holds nothing)."""
    from solvent.protocol.amounts import format_units

    def cell(account: dict, asset: dict) -> str:
        return format_units(int(account["balances"].get(asset["symbol"], 0)), asset["decimals"])

    def quoted(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    rows = ["uid," + ",".join(a["symbol"] for a in KAT_V2["assets"])]
    rows += [",".join([quoted(acc["uid"]), *(cell(acc, a) for a in KAT_V2["assets"])]) for acc in KAT_V2["accounts"]]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def write_kat_v2_keys(folder: Path) -> tuple[Path, Path]:
    """The v2 KAT's master key and Ed25519 seed, as ``solvent keygen`` writes them (0600)."""
    folder.mkdir(parents=True, exist_ok=True)
    master, signing = folder / "master.key", folder / "signing.key"
    pairs = ((master, "master", KAT_V2["master_key"]), (signing, "signing", KAT_V2["signing_seed_hex"]))
    for path, kind, text in pairs:
        path.unlink(missing_ok=True)
        write_key_file(path, kind, bytes.fromhex(text))
    return master, signing


def build_kat_v2(folder: Path, *extra: object, ledger: Path | None = None, out: Path | None = None):
    """``solvent build`` of the v2 KAT's ledger (or ``ledger``) with its keys; the completed process."""
    master, signing = write_kat_v2_keys(folder / "keys")
    ledger = ledger or write_kat_v2_ledger(folder / "ledger.csv")
    return solvent(
        "build", ledger, "--assets", kat_v2_assets(), "--snapshot-id", KAT_V2["snapshot_id"],
        "--master-key-file", master, "--signing-key-file", signing, "--out", out or folder / "snap",
        "--exchange", KAT_V2["exchange"], "--taken-at", KAT_V2["taken_at"], *extra,
    )


@pytest.fixture(scope="module")
def kat_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The v1 KAT snapshot, for the readers that must keep accepting v1."""
    return build_kat(tmp_path_factory.mktemp("kat"))


@pytest.fixture(scope="module")
def kat_v2_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The v2 KAT snapshot, built by ``solvent build``."""
    folder = tmp_path_factory.mktemp("kat-v2")
    result = build_kat_v2(folder)
    assert result.returncode == 0, result.stderr
    return folder / "snap"
