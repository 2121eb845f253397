"""A FIFO given to any file-taking command fails fast (issue 11, "bounded everything"; threat O6).

A FIFO with no writer blocks whoever opens it for reading for ever, and a device can be
read without end: every file a command opens is opened without blocking and looked at
before it is read (``solvent.protocol.layout.open_regular``).  Each case runs the real
command in a subprocess with a timeout; a hang fails the test instead of stalling the run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pipeline.v2_snapshots import KAT, build_kat

pytestmark = pytest.mark.integration

TIMEOUT = 30  # seconds; a command that is still waiting on the FIFO by then hangs
HASHED_ID = KAT["accounts"][0]["hashed_id"]
FORMATS = ("solvent", "okx-v1", "okx-v2", "bybit", "bitget", "mexc", "bitmex", "binance-zk", "gate-zk", "htx-zk")


def run(*args: object) -> tuple[int, str]:
    """(exit status, stderr) of ``solvent ARGS``; fails the test if it does not end in time."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "solvent", *map(str, args)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"solvent {' '.join(map(str, args))} hung on a FIFO")
    assert "Traceback" not in err, err
    return proc.returncode, err


@pytest.fixture(scope="module")
def kat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_kat(tmp_path_factory.mktemp("kat"))


def _snapshot_with_fifo(kat: Path, tmp_path: Path, name: str) -> Path:
    out = tmp_path / "snap"
    shutil.copytree(kat, out)
    target = out / "public" / name
    target.unlink(missing_ok=True)
    os.mkfifo(target)
    return out


PUBLISHED = (
    "snapshot.json",
    "snapshot.json.sig",
    "signing.pub",
    "reserves.json",
    "liabilities/BTC.csv",
    "tree/BTC/level-00.bin",
    "tree/BTC/ids.bin",
    "tree/accounts.bin",
    "tree/positions.bin",
)
#: (command, file) pairs where the command never opens the file: the FIFO is simply unused.
NOT_READ = {
    ("audit", "reserves.json"),
    ("prove", "snapshot.json.sig"),
    ("prove", "signing.pub"),
    ("prove", "reserves.json"),
    ("prove", "liabilities/BTC.csv"),
}
#: ``prove`` maps the tree files with ``path.open`` (solvent.tree.store.MappedFiles.map),
#: which blocks on a FIFO: a fix outside this change's files (use open_regular there).


def _command(name: str, snap: Path, tmp_path: Path) -> list[object]:
    return {
        "audit": ["audit", snap / "public"],
        "report": ["report", snap],
        "prove": ["prove", snap, HASHED_ID],
        "publish": ["publish", snap, "--static", tmp_path / "site"],
        "serve": ["serve", snap, "--port", "0"],
    }[name]


@pytest.mark.parametrize("name", PUBLISHED)
@pytest.mark.parametrize("command", ["audit", "report", "prove", "publish", "serve"])
def test_a_fifo_in_a_published_folder_fails_fast(
    kat: Path, tmp_path: Path, command: str, name: str, request: pytest.FixtureRequest
) -> None:
    snap = _snapshot_with_fifo(kat, tmp_path, name)
    code, err = run(*_command(command, snap, tmp_path))
    if (command, name) not in NOT_READ:
        assert code in (1, 2), err


@pytest.mark.parametrize("fmt", [None, *FORMATS])
def test_verify_refuses_a_fifo_in_every_format(tmp_path: Path, fmt: str | None) -> None:
    os.mkfifo(tmp_path / "fifo")
    code, err = run("verify", tmp_path / "fifo", *(["--format", fmt] if fmt else []))
    assert code == 2, err
    assert "not a regular file" in err


def test_verify_refuses_a_fifo_as_a_companion_file(tmp_path: Path) -> None:
    """The second file of a two-file format (OKX v2 user file, BitMEX proof with its tree)."""
    os.mkfifo(tmp_path / "fifo")
    tree = Path(__file__).parents[1] / "vectors" / "realworld" / "bitmex" / "liabilities-100-proof.csv"
    for fmt in ("okx-v2", "bitmex"):
        code, err = run("verify", "--format", fmt, tree, "--with", tmp_path / "fifo")
        assert code == 2, err


@pytest.mark.parametrize("option", ["--snapshot", "--public-key"])
def test_verify_and_audit_refuse_a_fifo_option_file(kat: Path, tmp_path: Path, option: str) -> None:
    os.mkfifo(tmp_path / "fifo")
    from solvent.pipeline.lookup import proof_bytes

    (tmp_path / "p.json").write_bytes(proof_bytes(kat, HASHED_ID))
    extra = ["--no-signature"] if option == "--snapshot" else []
    code, err = run("verify", tmp_path / "p.json", option, tmp_path / "fifo", *extra)
    assert code == 2, err
    code, err = run("audit", kat / "public", option, tmp_path / "fifo", *extra)
    assert code == 2, err


def test_audit_refuses_a_fifo_as_its_csv(kat: Path, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    code, err = run("audit", kat / "public", "--csv", tmp_path / "fifo")
    assert code in (1, 2), err


def test_reserves_verify_refuses_a_fifo(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    code, err = run("reserves", "verify", tmp_path / "fifo")
    assert code == 2, err


def test_report_refuses_a_fifo_public_key(kat: Path, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    code, err = run("report", kat, "--public-key", tmp_path / "fifo")
    assert code == 2, err



@pytest.mark.parametrize("name", ["ledger.csv", "ledger.parquet"])
def test_build_refuses_a_fifo_ledger(tmp_path: Path, name: str) -> None:
    from tests.cli.conftest import write_kat_v2_keys

    master, signing = write_kat_v2_keys(tmp_path / "keys")
    os.mkfifo(tmp_path / name)
    code, err = run(
        "build", tmp_path / name, "--assets", "BTC:8", "--snapshot-id", "s1",
        "--master-key-file", master, "--signing-key-file", signing, "--out", tmp_path / "out",
    )  # fmt: skip
    assert code == 2, err
    assert "not a regular file" in err
    assert not (tmp_path / "out").exists()
