"""A build or a publish stopped by Ctrl-C (once or many times), SIGTERM or SIGKILL (threat
O2, "interrupted builds must leave nothing"; found by the red-team runs): SIGTERM cleans
up as Ctrl-C does (exit 143), a second Ctrl-C cannot cut the clean-up short, and what a
SIGKILL leaves is removed by the next build of the same --out."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from unittest import mock

import pytest

from solvent.publish import snapshot
from solvent.publish.keys import write_key_file
from solvent.publish.snapshot import SnapshotWriter, signals_deferred

pytestmark = [pytest.mark.integration, pytest.mark.faults]


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


def _interrupt_until_it_ends(proc: subprocess.Popen[bytes]) -> int:
    """Ctrl-C as a terminal sends it (to the whole process group), again and again until the
    command has ended: the second, third ... interrupts land in its clean-up."""
    while proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.01)
    return proc.returncode


def test_ctrl_c_again_and_again_leaves_nothing(tmp_path: Path) -> None:
    _ledger(tmp_path, 300_000)
    proc = subprocess.Popen(
        CMD, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.tmp-*/spill/*")) and proc.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.05)
    assert proc.poll() is None, "the build finished before it could be interrupted"
    assert _interrupt_until_it_ends(proc) == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.csv", "master.key", "signing.key"]
    assert proc.stderr is not None
    assert proc.stderr.read() == b"interrupted\n"  # no traceback, from the build or its workers


def test_a_second_interrupt_during_the_clean_up_is_held_until_it_is_done(tmp_path: Path) -> None:
    """The red team's trace: a second KeyboardInterrupt landed in ``SnapshotWriter.__exit__``
    before the temporary folder was removed.  Here it arrives at the worst moment, as the
    removal starts; the folder (and the secret in it) is removed all the same, and the
    interrupt is delivered afterwards."""
    real_rmtree = shutil.rmtree
    seen: list[Path] = []

    def interrupted_rmtree(path: Path, *args: object, **kwargs: object) -> None:
        seen.append(Path(path))
        os.kill(os.getpid(), signal.SIGINT)  # the second Ctrl-C
        real_rmtree(path, *args, **kwargs)  # type: ignore[arg-type]

    with (
        pytest.raises(KeyboardInterrupt),
        mock.patch.object(snapshot.shutil, "rmtree", interrupted_rmtree),
        SnapshotWriter(tmp_path / "out") as writer,
    ):
        (writer.private / "users.csv").write_text("uid,user_secret,hashed_id\n")
        raise KeyboardInterrupt  # the first Ctrl-C, mid-build
    assert seen and sorted(p.name for p in tmp_path.iterdir()) == []


def test_signals_deferred_delivers_the_held_signal_afterwards() -> None:
    reached = False
    with pytest.raises(KeyboardInterrupt), signals_deferred():
        os.kill(os.getpid(), signal.SIGINT)
        reached = True
    assert reached


def test_ctrl_c_again_and_again_during_publish_leaves_nothing(tmp_path: Path) -> None:
    _ledger(tmp_path, 40_000)
    built = subprocess.run(CMD, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    proc = subprocess.Popen(
        [sys.executable, "-m", "solvent", "publish", "out", "--static", "site"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".site.tmp-*/data/s/*/ids/*")) and proc.poll() is None:
        assert time.monotonic() < deadline
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.02)
    assert proc.poll() is None, "the publish finished before it could be interrupted"
    assert _interrupt_until_it_ends(proc) == 130
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.csv", "master.key", "out", "signing.key"]
    assert proc.stderr is not None and proc.stderr.read() == b"interrupted\n"
