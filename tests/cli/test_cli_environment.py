"""Environment variables the commands read: a bad value is a usage error (exit 2) naming the
variable, never a traceback and never exit 1 (which means "the data does not check out")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import kat_assets, write_kat_inputs

pytestmark = pytest.mark.integration


def solvent_with_env(env: dict[str, str], *args: object) -> subprocess.CompletedProcess[str]:
    """``solvent ARGS...`` in a subprocess with ``env`` added to this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "solvent", *map(str, args)],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=300,
    )


def _build(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    ledger, keys = write_kat_inputs(tmp_path)
    return solvent_with_env(
        env, "build", ledger, "--assets", kat_assets(), "--snapshot-id", "2026-11-23",
        "--master-key-file", keys / "master.key", "--signing-key-file", keys / "signing.key",
        "--out", tmp_path / "snap",
    )  # fmt: skip


def _assert_usage_error(result: subprocess.CompletedProcess[str], variable: str, *fragments: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert variable in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1.5", "100000"])
def test_build_with_a_bad_thread_count(tmp_path: Path, value: str) -> None:
    pytest.importorskip("solvent.tree.native", reason="SOLVENT_THREADS is read by the native backend")
    result = _build(tmp_path, {"SOLVENT_THREADS": value, "SOLVENT_HASHER": ""})
    _assert_usage_error(result, f"SOLVENT_THREADS={value!r}", "from 1 to 1024")
    assert not (tmp_path / "snap").exists()


def test_build_with_an_unknown_hash_backend(tmp_path: Path) -> None:
    result = _build(tmp_path, {"SOLVENT_HASHER": "nope"})
    _assert_usage_error(result, "SOLVENT_HASHER", "unknown hash backend 'nope'", "accepted: ")
    assert not (tmp_path / "snap").exists()


def test_build_with_good_environment_values(tmp_path: Path) -> None:
    result = _build(tmp_path, {"SOLVENT_HASHER": "hashlib", "SOLVENT_THREADS": "2"})
    assert result.returncode == 0, result.stderr


def test_audit_with_an_unknown_hash_backend(kat_snapshot: Path) -> None:
    result = solvent_with_env({"SOLVENT_HASHER": "md5"}, "audit", kat_snapshot / "public")
    _assert_usage_error(result, "SOLVENT_HASHER", "unknown hash backend 'md5'")


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("SOLVENT_ANVIL", "/nonexistent/anvil", "not an executable file"),
        ("SOLVENT_NODE_TOOLS", "/", "not a tools/node directory"),
    ],
)
def test_demo_with_a_bad_tool_location(tmp_path: Path, variable: str, value: str, fragment: str) -> None:
    result = solvent_with_env({variable: value}, "demo", "--accounts", "10", "--no-serve", "--out", tmp_path / "d")
    _assert_usage_error(result, variable, fragment)
