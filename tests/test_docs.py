"""Docs that cannot drift: the README's commands, the CLI's --help, the threat model's tests."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tests.cli_invoke import invoke

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()
THREAT_MODEL = (ROOT / "docs" / "threat-model.md").read_text()


def _code_blocks(text: str) -> list[str]:
    return re.findall(r"```(?:sh)?\n(.*?)```", text, flags=re.S)


def test_readme_gives_exactly_two_set_up_commands_and_ci_runs_the_test_one() -> None:
    set_up = README.split("## Set up", 1)[1].split("\n## ", 1)[0]
    blocks = _code_blocks(set_up)
    assert len(blocks) == 1
    commands = [line.split("#", 1)[0].strip() for line in blocks[0].splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, flags=re.M)
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo: install$", makefile, flags=re.M) and re.search(r"^test: install", makefile, flags=re.M)


def _solvent_invocations() -> list[list[str]]:
    out = []
    for block in _code_blocks(README):
        for raw in block.replace("\\\n", " ").splitlines():
            line = raw.split("#", 1)[0].strip()
            if line.startswith("solvent "):
                out.append(shlex.split(line.split(">", 1)[0]))
    return out


@pytest.mark.parametrize("argv", _solvent_invocations(), ids=lambda a: " ".join(a[:3]))
def test_every_readme_command_and_option_exists(argv: list[str]) -> None:
    words = [w for w in argv[1:] if not w.startswith("-")]
    command = words[:2] if words[:1] == ["reserves"] else words[:1]
    result = invoke([*command, "--help"])
    assert result.exit_code == 0, result.output
    for option in (w for w in argv if w.startswith("--")):
        assert option in result.output, f"{' '.join(command)} has no {option}"


def test_every_threat_row_is_in_the_threat_model() -> None:
    rows = [f"L{i}" for i in range(1, 22)] + [f"R{i}" for i in range(1, 13)]
    # issue 11: operator, server, verdict and text threats
    rows += [*(f"O{i}" for i in range(1, 9)), *(f"S{i}" for i in range(1, 13)), *(f"O-V{i}" for i in range(1, 6))]
    rows += [f"O-T{i}" for i in range(1, 5)] + ["F1", "F2"]
    for row in rows:
        assert re.search(rf"^\| {row} \|", THREAT_MODEL, flags=re.M), row


def test_every_test_the_threat_model_names_exists() -> None:
    refs = re.findall(r"`((?:[a-z_]+/)+test_[a-z0-9_]+\.py)(?:::([a-zA-Z0-9_*]+))?`", THREAT_MODEL)
    assert len(refs) > 20
    for path, name in refs:
        source = (ROOT / "tests" / path).read_text()
        if name:
            pattern = re.escape(name).replace(r"\*", r"[a-z0-9_]*")
            assert re.search(rf"^def {pattern}\(", source, flags=re.M), f"{path}::{name}"
    for vector in re.findall(r"`((?:in)?valid-[a-z0-9*-]+\.json)`", THREAT_MODEL):
        pattern = vector.replace("*", "[a-z0-9-]*")
        vectors = ROOT / "tests" / "conformance" / "vectors" / "proof"
        assert any(re.fullmatch(pattern, p.name) for p in vectors.iterdir()), vector
