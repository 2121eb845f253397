"""``solvent --help``, ``verify``, ``prove`` and ``audit --stdlib`` load no third-party package.

Each runs in a fresh interpreter (nothing another test imported can hide a
dependency); afterwards every loaded module must be the standard library's or
solvent's own. This is what lets ``pip install solvent`` with no extras verify
every format and audit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import KAT, solvent
from tests.cli.installed import (
    FOREIGN,
    third_party,
)
from tests.conformance.vectors import DIR as VECTORS
from tests.conformance.vectors import load, materialise

pytestmark = pytest.mark.integration

_RUN = (
    "import json, sys\n"
    "from solvent.cli import main\n"
    "code = main(sys.argv[2:])\n"
    "with open(sys.argv[1], 'w') as f: json.dump(sorted(sys.modules), f)\n"
    "raise SystemExit(code)\n"
)


def run_and_list_modules(tmp_path: Path, *argv: object) -> tuple[int, list[str], str]:
    """Exit code, the third-party modules loaded, and stderr of ``solvent ARGV`` in a fresh interpreter."""
    code, loaded, stderr = run_and_list_all_modules(tmp_path, *argv)
    return code, third_party(loaded), stderr


def run_and_list_all_modules(tmp_path: Path, *argv: object) -> tuple[int, list[str], str]:
    listing = tmp_path / "modules.json"
    result = subprocess.run(
        [sys.executable, "-I", "-c", _RUN, listing, *map(str, argv)],
        capture_output=True, text=True, check=False, cwd="/",
    )
    loaded = json.loads(listing.read_text()) if listing.exists() else []
    return result.returncode, loaded, result.stderr


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["verify", "--help"], ["prove", "--help"], ["audit", "--help"], ["reserves", "--help"]],
    ids=" ".join,
)
def test_help_loads_only_the_standard_library(tmp_path: Path, argv: list[str]) -> None:
    code, foreign, stderr = run_and_list_modules(tmp_path, *argv)
    assert code == 0, stderr
    assert foreign == []


def test_prove_loads_only_the_standard_library_and_no_other_command(tmp_path: Path, kat_snapshot: Path) -> None:
    code, loaded, stderr = run_and_list_all_modules(tmp_path, "prove", kat_snapshot, KAT["leaf_order"][1])
    assert code == 0, stderr
    assert third_party(loaded) == []
    commands = {m for m in loaded if m.startswith("solvent.cli.")} - {"solvent.cli.app", "solvent.cli.common",
                                                                      "solvent.cli.extras", "solvent.cli.options"}
    assert commands == {"solvent.cli.prove"}  # a cold start parses one command's options, not ten


def test_verify_without_a_manifest_loads_only_the_standard_library(tmp_path: Path) -> None:
    proof = tmp_path / "valid-kat-0.json"
    proof.write_bytes(materialise(load(VECTORS / "proof" / "valid-kat-0.json").input))
    code, foreign, stderr = run_and_list_modules(tmp_path, "verify", proof, "--unanchored")
    assert code == 0, stderr
    assert foreign == []


def test_verify_against_the_signed_manifest_loads_only_the_standard_library(tmp_path: Path, kat_snapshot: Path) -> None:
    proof = tmp_path / "proof.json"
    assert solvent("prove", kat_snapshot, KAT["leaf_order"][1], "-o", proof).returncode == 0
    code, foreign, stderr = run_and_list_modules(
        tmp_path, "verify", proof, "--snapshot", kat_snapshot / "public" / "snapshot.json"
    )
    assert code == 0, stderr
    assert foreign == []


@pytest.mark.parametrize("fmt", sorted(FOREIGN))
def test_verify_of_every_foreign_format_loads_only_the_standard_library(tmp_path: Path, fmt: str) -> None:
    code, foreign, stderr = run_and_list_modules(tmp_path, "verify", *FOREIGN[fmt], "--format", fmt)
    assert code == 0, stderr
    assert foreign == []


def test_audit_stdlib_loads_only_the_standard_library_and_says_so(tmp_path: Path, kat_snapshot: Path) -> None:
    code, foreign, stderr = run_and_list_modules(tmp_path, "audit", kat_snapshot / "public", "--stdlib")
    assert code == 0, stderr
    assert "standard-library hashing (slower)" in stderr and "pip install 'solvent[operator]'" in stderr
    assert foreign == []


def test_both_auditors_agree(kat_snapshot: Path) -> None:
    """Differential: the standard-library auditor prints what the fast one prints."""
    fast = solvent("audit", kat_snapshot / "public", "--json")
    slow = solvent("audit", kat_snapshot / "public", "--json", "--stdlib")
    assert fast.returncode == slow.returncode == 0, slow.stderr
    assert json.loads(fast.stdout) == json.loads(slow.stdout)
    assert "standard-library hashing" in slow.stderr and "standard-library hashing" not in fast.stderr


def test_the_check_would_catch_a_third_party_import(tmp_path: Path, kat_snapshot: Path) -> None:
    """Control: the fast auditor (NumPy) is reported."""
    code, foreign, stderr = run_and_list_modules(tmp_path, "audit", kat_snapshot / "public", "--no-signature")
    assert code == 0, stderr
    assert "numpy" in {m.split(".")[0] for m in foreign}
