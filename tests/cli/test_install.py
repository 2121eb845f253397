"""``pip install solvent`` with no extras: no other distribution, and a working verifier and auditor.

A fresh virtual environment gets a regular (non-editable) install of this checkout,
built in isolation as pip builds it for a user. Then, in that environment only:
proofs verify (solvent's, against the signed manifest, and one real file of every
foreign format), a snapshot the full install built audits, and the commands that
need an extra exit 2 naming it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import KAT, solvent
from tests.cli.installed import FOREIGN

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parents[2]
VENV_OWN = {"pip", "setuptools", "wheel"}  # what `python -m venv` itself may put there


def _source_copy(dest: Path) -> Path:
    """The files a source install reads, copied so that the build leaves nothing in this checkout."""
    dest.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    junk = shutil.ignore_patterns("__pycache__", "*.so", "*.egg-info", "*.pyc")
    shutil.copytree(ROOT / "src", dest / "src", ignore=junk)
    return dest


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``bin/`` of a virtual environment holding ``pip install solvent`` and nothing else."""
    where = tmp_path_factory.mktemp("bare")
    source = _source_copy(where / "source")
    python = shutil.which("python3.11") or sys.executable
    subprocess.run([python, "-m", "venv", where / "venv"], check=True, capture_output=True, timeout=120)
    pip = subprocess.run(
        [where / "venv" / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         str(source)],
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    return where / "venv" / "bin"


def run(bare: Path, *args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [bare / "solvent", *map(str, args)], capture_output=True, text=True, check=False, timeout=120, cwd=cwd
    )


def test_a_bare_install_holds_no_other_distribution(bare: Path) -> None:
    code = "import importlib.metadata as m, json; print(json.dumps([d.metadata['Name'] for d in m.distributions()]))"
    names = json.loads(subprocess.run([bare / "python", "-c", code], capture_output=True, text=True, check=True).stdout)
    assert "solvent" in names
    assert set(names) - {"solvent"} <= VENV_OWN, names
    listed = subprocess.run([bare / "python", "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
                            capture_output=True, text=True, check=True)
    assert {d["name"] for d in json.loads(listed.stdout)} - {"solvent"} <= VENV_OWN


def test_a_bare_install_proves_and_verifies_a_proof(bare: Path, kat_snapshot: Path, tmp_path: Path) -> None:
    proof = tmp_path / "proof.json"
    assert run(bare, "prove", kat_snapshot, KAT["leaf_order"][2], "-o", proof).returncode == 0
    assert run(bare, "verify", proof).returncode == 1  # no manifest: a failure unless asked for
    unanchored = run(bare, "verify", proof, "--unanchored")
    assert unanchored.returncode == 0, unanchored.stderr
    assert unanchored.stdout.startswith("UNANCHORED") and "no snapshot manifest" in unanchored.stderr
    doc = json.loads(proof.read_text())
    doc["leaf"]["amounts"][0] = str(int(doc["leaf"]["amounts"][0]) + 1)
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(doc))
    bad = run(bare, "verify", tampered, "--unanchored")
    assert bad.returncode == 1, bad.stderr
    assert "INVALID" in bad.stderr and "Traceback" not in bad.stderr


def test_a_bare_install_verifies_against_the_signed_manifest(bare: Path, kat_snapshot: Path, tmp_path: Path) -> None:
    manifest = kat_snapshot / "public" / "snapshot.json"
    proof = tmp_path / "proof.json"
    assert solvent("prove", kat_snapshot, KAT["leaf_order"][2], "-o", proof).returncode == 0
    good = run(bare, "verify", proof, "--snapshot", manifest)
    assert good.returncode == 0, good.stderr
    assert "signature" in good.stdout and "(--no-signature)" not in good.stdout
    doc = json.loads(proof.read_text())
    doc["leaf"]["amounts"][0] = str(int(doc["leaf"]["amounts"][0]) + 1)
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(doc))
    bad = run(bare, "verify", tampered, "--snapshot", manifest)
    assert bad.returncode == 1 and "INVALID" in bad.stderr, bad.stderr
    other_key = run(bare, "verify", proof, "--snapshot", manifest, "--public-key", "11" * 32)
    assert other_key.returncode == 1, other_key.stderr


@pytest.mark.parametrize("fmt", sorted(FOREIGN))
def test_a_bare_install_verifies_every_foreign_format(bare: Path, fmt: str) -> None:
    result = run(bare, "verify", *FOREIGN[fmt])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("VALID") and f"format:        {fmt}" in result.stdout


def test_a_bare_install_audits_what_the_full_install_built(bare: Path, kat_snapshot: Path) -> None:
    result = run(bare, "audit", kat_snapshot / "public")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("AUDIT PASSED")
    assert "standard-library hashing (slower)" in result.stderr and "solvent[operator]" in result.stderr


@pytest.mark.parametrize(
    ("argv", "extra"),
    [
        (["build", "ledger.csv", "--snapshot-id", "s1", "--master-key-file", "m", "--signing-key-file", "s",
          "--out", "snap", "--assets", "BTC:8"], "operator"),
        (["keygen", "--out", "keys"], "operator"),
        (["reserves", "challenge", "reserves.toml"], "reserves"),
        (["report", "snap"], "report"),
        (["serve", "snap"], "web"),
    ],
    ids=lambda v: v[0] if isinstance(v, list) else v,
)
def test_a_bare_install_names_the_extra_a_command_needs(
    bare: Path, tmp_path: Path, argv: list[str], extra: str
) -> None:
    result = run(bare, *argv, cwd=tmp_path)
    assert result.returncode == 2
    assert f"needs the '{extra}' extra: pip install 'solvent[{extra}]'" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
