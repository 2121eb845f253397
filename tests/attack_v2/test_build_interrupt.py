"""Attack: a build stopped by SIGTERM (threat O2, "interrupted builds must leave nothing").

The files go (no secret is left), but the temporary folder ``.OUT.tmp-*`` with its empty
``public/``, ``private/`` and ``spill/`` stays beside --out, and the next build neither
removes nor reuses it: every interrupted build leaves one more.
"""

from __future__ import annotations

import contextlib
import hashlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def _ledger(folder: Path, rows: int) -> None:
    with (folder / "ledger.csv").open("w") as f:
        f.write("uid,BTC\n")
        for i in range(rows):
            f.write(f"u{i},{i + 1}\n")
    (folder / "master.key").write_text(hashlib.sha256(b"m").hexdigest() + "\n")
    (folder / "signing.key").write_text(hashlib.sha256(b"s").hexdigest() + "\n")


@pytest.mark.xfail(strict=True, reason="SIGTERM leaves the empty .out.tmp-* folder beside --out")
def test_sigterm_mid_build_leaves_nothing_beside_out(tmp_path: Path) -> None:
    _ledger(tmp_path, 300_000)
    cmd = [sys.executable, "-m", "solvent", "build", "ledger.csv", "--assets", "BTC:0", "--snapshot-id", "2026-12-04",
           "--master-key-file", "master.key", "--signing-key-file", "signing.key", "--out", "out", "-q"]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".out.tmp-*/spill/*")) and proc.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=0.05)
    assert proc.poll() is None, "the build finished before it could be interrupted"
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=60)
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.csv", "master.key", "signing.key"]
