"""One small signed snapshot (5 accounts, typed keys) shared by the attack tests, and a proof of it."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cli_invoke import invoke
from tests.web.snapshots import make_snapshot


@dataclass(frozen=True)
class Kit:
    work: Path
    keys: Path
    snapshot: Path
    proof: Path
    uid: str
    secret: str
    seed_hex: str  # the signing key's secret seed: must never be printed
    master_hex: str  # the master key: must never be printed

    @property
    def manifest(self) -> Path:
        return self.snapshot / "public" / "snapshot.json"


@pytest.fixture(scope="session")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Kit:
    work = tmp_path_factory.mktemp("attack11")
    snap = make_snapshot(work, snapshot_id="2026-11-01", taken_at="2026-11-01T00:00:00Z", accounts=5)
    keys = work / "keys"
    with (snap.directory / "private" / "users.csv").open() as f:
        first = next(csv.DictReader(f))
    r = invoke(["prove", snap.directory, first["hashed_id"]])
    assert r.exit_code == 0, r.output
    proof = work / "proof.json"
    proof.write_text(r.stdout)
    return Kit(
        work,
        keys,
        snap.directory,
        proof,
        first["uid"],
        first["user_secret"],
        (keys / "signing.key").read_text().split("\n")[1],
        (keys / "master.key").read_text().split("\n")[1],
    )


def build_argv(kit: Kit, ledger: Path, out: Path) -> list[object]:
    """``solvent build`` of a one-asset ledger with the kit's keys: the command the ledger attacks feed."""
    return [
        "build",
        ledger,
        "--master-key-file",
        kit.keys / "master.key",
        "--signing-key-file",
        kit.keys / "signing.key",
        "--out",
        out,
        "--assets",
        "BTC:8",
        "--snapshot-id",
        "x",
        "--exchange",
        "Ex",
        "--workers",
        "1",
    ]
