"""Special files where published files belong, and oversized CSV fields: a clear error, never a hang."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.attack_issue11.conftest import Kit, build_argv
from tests.cli_invoke import invoke


@pytest.mark.parametrize("victim", ["liabilities.csv", "snapshot.json.sig", "signing.pub", "tree/level-00.bin"])
def test_a_fifo_in_a_published_folder_is_refused_not_waited_on(kit: Kit, tmp_path: Path, victim: str) -> None:
    directory = tmp_path / "snap"
    shutil.copytree(kit.snapshot, directory)
    target = directory / "public" / victim
    target.unlink()
    os.mkfifo(target)
    for args in (["audit", directory], ["publish", directory, "--static", tmp_path / "site"]):
        # in a subprocess with a deadline: a reader blocked on the FIFO would never return
        done = subprocess.run(
            [sys.executable, "-m", "solvent", *map(str, args)], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode in (1, 2), (args, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "site").exists()


def test_an_oversized_csv_field_is_a_clean_error(kit: Kit, tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("uid,BTC\n" + "u" * (8 << 20) + ",1\nu2,1\n")
    r = invoke(build_argv(kit, ledger, tmp_path / "o"))
    assert "Traceback" not in r.output and "u" * 1000 not in r.output
    assert r.exit_code == 2
