"""``solvent verify`` given a FIFO (threat O6, "special files fail fast"; found by the v2
red-team run): ``read_small_file`` looks at what it opened before reading, so a FIFO with
no writer is a usage error (exit 2), not a hang."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from solvent.pipeline.lookup import proof_bytes
from tests.pipeline.v2_snapshots import build_kat

pytestmark = pytest.mark.integration


def _verify(cwd: Path, *args: str) -> int | None:
    proc = subprocess.Popen([sys.executable, "-m", "solvent", "verify", *args], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        return proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


@pytest.mark.parametrize("where", ["proof", "snapshot"])
def test_a_fifo_input_fails_fast_with_exit_2(tmp_path: Path, where: str) -> None:
    os.mkfifo(tmp_path / "fifo")
    if where == "proof":
        assert _verify(tmp_path, "fifo") == 2
    else:
        out = build_kat(tmp_path / "kat")
        from tests.pipeline.v2_snapshots import KAT

        (tmp_path / "p.json").write_bytes(proof_bytes(out, KAT["accounts"][0]["hashed_id"]))
        assert _verify(tmp_path, "p.json", "--snapshot", "fifo", "--no-signature") == 2
