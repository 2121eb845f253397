"""What the fault-injection suite shares: an operator's folder, a snapshot solvent built,
runs killed at a named stage, and the check that nothing public is half-written."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from solvent.protocol.signature import parse_public_key, parse_signature, verify_manifest_signature
from solvent.publish.keys import write_key_file
from solvent.publish.snapshot import CRASH_ENV, MARKER_FILE
from tests.cli_invoke import Result, invoke

ACCOUNTS = 500
SNAPSHOT_ID = "2026-12-04"


def write_ledger(path: Path, accounts: int) -> Path:
    with path.open("w") as f:
        f.write("uid,BTC,ETH\n")
        for i in range(accounts):
            f.write(f"u{i},{i + 1},{i % 7}\n")
    return path


def write_keys(folder: Path) -> None:
    write_key_file(folder / "master.key", "master", hashlib.sha256(b"fault-master").digest())
    write_key_file(folder / "signing.key", "signing", hashlib.sha256(b"fault-signing").digest())


def build_args(ledger: str, out: str, *extra: str) -> list[str]:
    return [
        "build", ledger, "--assets", "BTC:0,ETH:0", "--snapshot-id", SNAPSHOT_ID,
        "--master-key-file", "keys/master.key", "--signing-key-file", "keys/signing.key",
        "--out", out, "--taken-at", "2026-12-04T00:00:00Z", "-q", "--workers", "1", *extra,
    ]


def killed(args: list[str], cwd: Path, stage: str, *, umask: int = -1) -> subprocess.CompletedProcess[str]:
    """``solvent ARGS`` in a subprocess that SIGKILLs itself at ``stage``; it must have died there."""
    env = {**os.environ, CRASH_ENV: stage}
    done = subprocess.run(
        [sys.executable, "-m", "solvent", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False, umask=umask,
    )
    assert done.returncode == -9, f"the run was not killed at {stage}: {done.returncode} {done.stderr}"
    return done


def rerun(args: list[str], cwd: Path) -> Result:
    """The same command run again, in this process (no start-up cost), from ``cwd``."""
    here = Path.cwd()
    os.chdir(cwd)
    try:
        return invoke(args)
    finally:
        os.chdir(here)


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its SHA-256."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def whole_snapshot(snap: Path) -> int:
    """Raise unless ``snap`` is a complete, signed snapshot: every bound file present with its
    digest, nothing else published, the private file 0600; returns its account count."""
    public = snap / "public"
    data = (public / "snapshot.json").read_bytes()
    verify_manifest_signature(
        data,
        parse_signature((public / "snapshot.json.sig").read_bytes()),
        parse_public_key((public / "signing.pub").read_bytes()),
    )
    manifest = json.loads(data)
    files = tree(public)
    bound = {name: files.pop(name) for name in list(manifest["files"])}
    assert bound == manifest["files"]
    assert sorted(files) == ["signing.pub", "snapshot.json", "snapshot.json.sig"]
    assert (snap / "private" / "users.csv").stat().st_mode & 0o777 == 0o600
    assert (snap / MARKER_FILE).is_file()
    return int(manifest["accounts"])


def leftovers(folder: Path) -> list[str]:
    """Temporary or set-aside folders beside the outputs."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.fixture(scope="session")
def operator(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger, its keys, ``snap`` built from it, and ``next.csv`` (one account more)."""
    folder = tmp_path_factory.mktemp("operator")
    (folder / "keys").mkdir()
    write_keys(folder / "keys")
    write_ledger(folder / "ledger.csv", ACCOUNTS)
    write_ledger(folder / "next.csv", ACCOUNTS + 1)
    built = rerun(build_args("ledger.csv", "snap"), folder)
    assert built.exit_code == 0, built.output
    return folder


@pytest.fixture
def workdir(operator: Path, tmp_path: Path) -> Path:
    """A fresh copy of the operator's folder."""
    copy = tmp_path / "w"
    shutil.copytree(operator, copy, symlinks=True)
    return copy
