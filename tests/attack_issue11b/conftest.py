"""Fresh snapshots per test (these attacks damage them): protocol v1 and v2, with their keys."""

from __future__ import annotations

import csv
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from solvent.publish.keys import generate_keys
from tests.cli_invoke import invoke
from tests.web.snapshots import make_snapshot

SID = "2026-11-01"


@dataclass(frozen=True)
class Built:
    directory: Path
    keys: Path
    hashed_id: str  # one customer's, from private/users.csv
    version: int

    @property
    def public(self) -> Path:
        return self.directory / "public"


def first_hashed_id(directory: Path) -> str:
    with (directory / "private" / "users.csv").open(encoding="utf-8") as f:
        return next(csv.DictReader(f))["hashed_id"]


def build_v2(work: Path, *, exchange: str = "Ex", snapshot_id: str = SID) -> Built:
    """``solvent build`` as an operator runs it (protocol v2), three accounts over two assets."""
    keys = work / "keys"
    if not (keys / "master.key").exists():
        generate_keys(keys)
    ledger = work / "ledger.csv"
    ledger.write_text("uid,BTC,ETH\nu1,1,2\nu2,2,0\nu3,0,5\n", encoding="utf-8")
    out = work / "snap"
    r = invoke(
        [
            "build",
            ledger,
            "--assets",
            "BTC:8,ETH:18",
            "--snapshot-id",
            snapshot_id,
            "--master-key-file",
            keys / "master.key",
            "--signing-key-file",
            keys / "signing.key",
            "--out",
            out,
            "--exchange",
            exchange,
            "--workers",
            "1",
        ]
    )
    assert r.exit_code == 0, r.output
    return Built(out, keys, first_hashed_id(out), 2)


def build_v1(work: Path) -> Built:
    snap = make_snapshot(work, snapshot_id=SID, taken_at="2026-11-01T00:00:00Z", accounts=5)
    return Built(snap.directory, work / "keys", first_hashed_id(snap.directory), 1)


def solvent(*args: object, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``python -m solvent ARGS`` in its own process, with a deadline."""
    return subprocess.run(
        [sys.executable, "-m", "solvent", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
