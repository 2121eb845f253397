"""A newcomer's first hour: the errors and defaults a new operator meets first (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.conftest import build_kat_v2, solvent

pytestmark = pytest.mark.integration


def test_build_creates_the_parent_folders_of_out(tmp_path: Path) -> None:
    """The README's ``--out snapshots/2026-11-23`` in a fresh folder."""
    out = tmp_path / "snapshots" / "nested" / "2026-11-23"
    built = build_kat_v2(tmp_path, "--quiet", "--workers", "1", out=out)
    assert built.returncode == 0, built.stderr
    assert (out / "public" / "snapshot.json").is_file()


def test_a_failed_build_leaves_no_parent_folder_behind(tmp_path: Path) -> None:
    ledger = tmp_path / "bad.csv"
    ledger.write_text("uid,BTC\nalice,x\n")
    out = tmp_path / "snapshots" / "2026-11-23"
    built = build_kat_v2(tmp_path, "--quiet", ledger=ledger, out=out)
    assert built.returncode == 2
    assert not (tmp_path / "snapshots").exists()


def test_several_problems_are_printed_on_separate_lines(tmp_path: Path) -> None:
    from tests.cli.conftest import write_kat_v2_keys

    master, signing = write_kat_v2_keys(tmp_path / "keys")
    ledger = tmp_path / "bad.csv"
    ledger.write_text("uid,BTC\nalice,x\nbob,-2\n,3\n")
    built = solvent("build", ledger, "--assets", "BTC:8", "--snapshot-id", "s", "--master-key-file", master,
                    "--signing-key-file", signing, "--out", tmp_path / "snap", "--quiet")
    assert built.returncode == 2
    assert "\\n" not in built.stderr  # the two characters backslash and n
    lines = built.stderr.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("ERROR: "))
    assert lines[first].endswith("3 problems:")
    assert lines[first + 1].startswith("  row 1 (line 2), field BTC: 'x' is not a decimal number")
    assert lines[first + 2].startswith("  row 2 (line 3), field BTC: '-2' is negative")
    assert lines[first + 3].startswith("  row 3 (line 4), field uid: the uid is empty")


def test_a_line_break_inside_quoted_text_cannot_start_a_line_of_its_own() -> None:
    """Only the message's own line feeds start lines; a carriage return or U+2028 quoted from a
    hostile file stays escaped on its line, and continuation lines are indented."""
    from solvent.cli.common import message_lines

    assert message_lines("a:\n  b\rVALID\u2028x\n\x1b[2J") == ["a:", "  b\\rVALID\\u2028x", "  \\x1b[2J"]


def test_help_shows_no_python_types() -> None:
    import re

    from solvent.cli.app import COMMAND_MODULES

    for command in COMMAND_MODULES:
        text = solvent(command, "--help").stdout
        assert not re.search(r"<[a-z_]+(\[[^\]]*\])?>|\{[a-z_]+\}|list\[|Path\]", text), (command, text)
    for sub in ("challenge", "attest", "verify"):
        text = solvent("reserves", sub, "--help").stdout
        assert not re.search(r"<[a-z_]+(\[[^\]]*\])?>|list\[|Path\]", text), (sub, text)
