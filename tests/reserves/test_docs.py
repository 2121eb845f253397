"""The operator's guide cannot drift: every `solvent reserves|report` command and option it shows exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cli_invoke import invoke

pytestmark = pytest.mark.integration
DOCS = Path(__file__).resolve().parents[2] / "docs"


def invocations() -> list[tuple[list[str], list[str]]]:
    text = (DOCS / "reserves.md").read_text()
    found = []
    for line in re.findall(r"^solvent (?:reserves \w+|report)[^\n\\]*(?:\\\n[^\n\\]*)*", text, flags=re.M):
        words = [w.strip("[]") for w in line.replace("\\\n", " ").split()]
        command = words[1:3] if words[1] == "reserves" else words[1:2]
        found.append((command, sorted({w.split("=")[0] for w in words if w.startswith("--")})))
    return found


def test_the_guide_shows_every_reserves_command() -> None:
    shown = {" ".join(c) for c, _ in invocations()}
    assert {"reserves challenge", "reserves attest", "reserves verify", "report"} <= shown


@pytest.mark.parametrize(("command", "options"), invocations(), ids=" ".join)
def test_commands_and_options_in_the_guide_exist(command: list[str], options: list[str]) -> None:
    result = invoke([*command, "--help"])
    assert result.exit_code == 0
    for option in options:
        assert option in result.stdout, f"{' '.join(command)} has no {option}"
