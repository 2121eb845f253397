"""Special files where ``build`` takes a path the first pass did not try: ``--reserves``.

Threat F1/O1 (docs/threat-model.md): every file is looked at before it is read and read with a
bound; key and config files are, but ``build --reserves FILE`` reads its file whole
(``Path.read_bytes``): ``/dev/zero`` grows until the machine kills it, a FIFO hangs the build.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from solvent.publish.keys import generate_keys


def _limited(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_a_device_or_fifo_as_the_reserves_file_is_refused_before_reading(tmp_path: Path, special: str) -> None:
    keys = tmp_path / "keys"
    generate_keys(keys)
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("uid,BTC\nu1,1\nu2,2\n", encoding="utf-8")
    target = special
    if special == "fifo":
        target = str(tmp_path / "reserves.json")
        os.mkfifo(target)
    args = [
        "build",
        ledger,
        "--assets",
        "BTC:8",
        "--snapshot-id",
        "s1",
        "--master-key-file",
        keys / "master.key",
        "--signing-key-file",
        keys / "signing.key",
        "--out",
        tmp_path / "snap",
        "--exchange",
        "Ex",
        "--workers",
        "1",
        "--reserves",
        target,
    ]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "solvent", *map(str, args)],
            capture_output=True,
            text=True,
            timeout=6,  # a refusal takes about a second
            check=False,
            preexec_fn=lambda: _limited(2 << 30),
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"build --reserves {special} still running after 6 s")
    assert done.returncode == 2, done.stderr[-400:]
    assert "not a regular file" in done.stderr and target in done.stderr, done.stderr[-400:]
    assert not (tmp_path / "snap").exists()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".snap.")]  # no leftovers
