"""SOLVENT_ANVIL and SOLVENT_NODE_TOOLS: a bad value is an InputError naming the variable, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from solvent.demo import devchain
from solvent.protocol.errors import InputError


def _executable(path: Path) -> Path:
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def test_anvil_override_is_used_when_it_is_an_executable_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    anvil = _executable(tmp_path / "anvil")
    monkeypatch.setenv("SOLVENT_ANVIL", str(anvil))
    assert devchain.find_anvil() == anvil


@pytest.mark.parametrize("kind", ["missing", "directory", "not-executable"])
def test_a_bad_anvil_override_is_an_input_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kind: str) -> None:
    target = tmp_path / "anvil"
    if kind == "directory":
        target.mkdir()
    elif kind == "not-executable":
        target.write_text("#!/bin/sh\n")
        target.chmod(0o644)
    if kind == "not-executable" and os.access(target, os.X_OK):
        pytest.skip("running as a user every file is executable for")
    monkeypatch.setenv("SOLVENT_ANVIL", str(target))
    with pytest.raises(InputError, match=r"^SOLVENT_ANVIL='.*': not an executable file; set SOLVENT_ANVIL to") as e:
        devchain.find_anvil()
    assert e.value.evidence == {"variable": "SOLVENT_ANVIL", "value": str(target)}


def test_node_tools_override_names_the_source_tree(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    tools = tmp_path / "tree" / "tools" / "node"
    tools.mkdir(parents=True)
    (tools / "package.json").write_text("{}")
    monkeypatch.setenv("SOLVENT_NODE_TOOLS", str(tools))
    assert devchain.repo_root() == (tmp_path / "tree").resolve()


@pytest.mark.parametrize("value", ["/", "/nonexistent/tools/node", "relative/missing", "EMPTY-DIR"])
def test_a_bad_node_tools_override_is_an_input_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, value: str
) -> None:
    """A path without package.json, or one too near the root to have a source tree above it."""
    value = str(tmp_path) if value == "EMPTY-DIR" else value
    monkeypatch.setenv("SOLVENT_NODE_TOOLS", value)
    monkeypatch.delenv("SOLVENT_ANVIL", raising=False)
    for lookup in (devchain.repo_root, devchain.find_anvil):
        with pytest.raises(InputError, match=r"^SOLVENT_NODE_TOOLS='.*': not a tools/node directory") as e:
            lookup()
        assert e.value.evidence == {"variable": "SOLVENT_NODE_TOOLS", "value": value}


def test_node_tools_directly_under_the_root_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """/x/package.json has no grandparent to be the source tree: refused, not an IndexError."""
    monkeypatch.setattr(devchain.os.path, "isfile", lambda p: str(p) == "/x/package.json")
    monkeypatch.setenv("SOLVENT_NODE_TOOLS", "/x")
    with pytest.raises(InputError, match="SOLVENT_NODE_TOOLS='/x'"):
        devchain.repo_root()
