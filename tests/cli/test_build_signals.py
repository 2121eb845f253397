"""A build stopped by SIGTERM or SIGKILL (threat O2, "interrupted builds must leave nothing";
found by the v2 red-team run): SIGTERM cleans up as Ctrl-C does (exit 143), and what a
SIGKILL leaves is removed by the next build of the same --out."""

from __future__ import annotations

import contextlib
import hashlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from solvent.publish.keys import write_key_file

pytestmark = pytest.mark.integration


def _ledger(folder: Path, rows: int) -> None:
    with (folder / "ledger.csv").open("w") as f:
        f.write("uid,BTC\n")
        for i in range(rows):
            f.write(f"u{i},{i + 1}\n")
    write_key_file(folder / "master.key", "master", hashlib.sha256(b"m").digest())
    write_key_file(folder / "signing.key", "signing", hashlib.sha256(b"s").digest())


CMD = [sys.executable, "-m", "solvent", "build", "ledger.csv", "--assets", "BTC:0", "--snapshot-id", "2026-12-04",
       "--master-key-file", "master.key", "--signing-key-file", "signing.key", "--out", "out", "-q"]


def _spilling_build(tmp_path: Path) -> subprocess.Popen[bytes]:
    """A build of 300,000 accounts into ``out``, returned once it has started spilling
    (polled, not slept for), or once it has ended."""
    _ledger(tmp_path, 300_000)
    proc = subprocess.Popen(CMD, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.tmp-*/spill/*")) and proc.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.05)
    return proc


def test_sigterm_mid_build_leaves_nothing_beside_out(tmp_path: Path) -> None:
    proc = _spilling_build(tmp_path)
    assert proc.poll() is None, "the build finished before it could be interrupted"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 143
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.csv", "master.key", "signing.key"]


def test_what_sigkill_leaves_the_next_build_removes(tmp_path: Path) -> None:
    proc = _spilling_build(tmp_path)
    assert proc.poll() is None, "the build finished before it could be killed"
    proc.kill()
    proc.wait(timeout=60)
    left = list(tmp_path.glob(".out.tmp-*"))
    assert left, "SIGKILL cannot clean up: the next build must"
    # A build of another --out leaves it alone; the next build of this --out removes it.
    (tmp_path / "ledger.csv").write_text("uid,BTC\nu1,1\n")
    other = subprocess.run([*CMD[:-2], "other", "-q"], check=False, cwd=tmp_path, capture_output=True, text=True)
    assert other.returncode == 0, other.stderr
    assert list(tmp_path.glob(".out.tmp-*")) == left
    again = subprocess.run(CMD, check=False, cwd=tmp_path, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert not list(tmp_path.glob(".out.tmp-*")) and (tmp_path / "out" / "public" / "snapshot.json").exists()
