"""The offline kit's verifier (solvent.web.kit): generated from solvent's own modules, runs with
a plain isolated ``python3`` (no solvent importable), and says what ``solvent verify`` and
``solvent audit`` say, with their exit codes.
"""

from __future__ import annotations

import ast
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from solvent.pipeline.lookup import proof_bytes
from solvent.protocol.errors import InputError
from solvent.web import kit
from tests.web.snapshots_v2 import SnapshotV2, make_snapshot_v2

SRC = Path(__file__).resolve().parents[1] / "src"
#: Python alone: -I (no user site, no PYTHON* variables, no script folder), -S (no site-packages).
ISOLATED = (sys.executable, "-I", "-S")


def _embedded(text: str) -> dict[str, tuple[str, bool, str, str]]:
    """The MODULES table of a generated file, read as data (never executed here)."""
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "MODULES":
            value = ast.literal_eval(node.value)
            assert isinstance(value, dict)
            return value
    raise AssertionError("no MODULES table")


def test_the_bundle_is_solvents_own_source_byte_for_byte() -> None:
    kit.verifier_source.cache_clear()
    kit.bundled_modules.cache_clear()
    text = kit.verifier_source()
    assert text == kit.verifier_source.__wrapped__(), "the generator is deterministic"
    modules = _embedded(text)
    assert {"solvent.protocol.signature", "solvent.protocol.ed25519", "solvent.protocol.v2.inclusion"} <= set(modules)
    assert {"solvent.pipeline.audit_stdlib", "solvent.pipeline.audit_stdlib_v2", kit.ENTRY} <= set(modules)
    for name, (file, _, digest, source) in modules.items():
        on_disk = (SRC / file).read_text(encoding="utf-8")
        assert source == on_disk, name
        assert hashlib.sha256(source.encode()).hexdigest() == digest, name
    # Every protocol module the commands reach is there; nothing third-party, nothing left out.
    assert not any(kit._left_out(n) for n in modules)
    assert not any(n.startswith(("solvent.columnar", "solvent.formats", "solvent.web")) for n in modules)


def test_a_third_party_import_stops_the_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    package = tmp_path / "kitprobe"
    package.mkdir()
    (package / "__init__.py").write_text("import numpy\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(kit, "ROOTS", ("kitprobe",))
    monkeypatch.setattr(kit, "_imported", lambda node, package: ["numpy"])
    kit.bundled_modules.cache_clear()
    try:
        with pytest.raises(InputError, match="imports numpy"):
            kit.bundled_modules()
    finally:
        kit.bundled_modules.cache_clear()


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> SnapshotV2:
    return make_snapshot_v2(tmp_path_factory.mktemp("kit"), snapshot_id="kit-v2", taken_at="2026-12-01T00:00:00Z")


@pytest.fixture
def folder(snapshot: SnapshotV2, tmp_path: Path) -> Path:
    """What the page's zip unpacks to: the public files, a proof, the verifier."""
    out = tmp_path / "kit"
    shutil.copytree(snapshot.public, out / "public")
    alice = snapshot.account("alice")
    (out / "proof.json").write_bytes(proof_bytes(snapshot.directory, alice.hashed_id))
    (out / kit.FILE_NAME).write_text(kit.verifier_source(), encoding="utf-8")
    return out


def run_kit(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ISOLATED, kit.FILE_NAME, *args], cwd=folder, capture_output=True, text=True, timeout=120, check=False
    )


def run_solvent(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "solvent", *args], cwd=folder, capture_output=True, text=True, timeout=120, check=False
    )


def test_solvent_is_not_importable_where_the_kit_runs(folder: Path) -> None:
    probe = subprocess.run(
        [*ISOLATED, "-c", "import solvent"], cwd=folder, capture_output=True, text=True, timeout=60, check=False
    )
    assert probe.returncode == 1 and "No module named 'solvent'" in probe.stderr


def test_verify_and_audit_say_what_solvent_says(folder: Path) -> None:
    key = (folder / "public" / "signing.pub").read_text().strip()
    verify = ("verify", "proof.json", "--snapshot", "public/snapshot.json", "--public-key", key)
    ours, theirs = run_kit(folder, *verify), run_solvent(folder, *verify)
    assert ours.returncode == theirs.returncode == 0, ours.stderr
    assert ours.stdout == theirs.stdout
    assert "VALID" in ours.stdout and "(pinned)" in ours.stdout
    audit = run_kit(folder, "audit", "public", "--public-key", key)
    assert audit.returncode == 0, audit.stderr
    assert (
        audit.stdout.startswith("AUDIT PASSED")
        and audit.stdout == run_solvent(folder, "audit", "public", "--public-key", key, "--stdlib").stdout
    )
    assert run_kit(folder, "audit", "public", "--public-key", key, "--asset", "BTC").returncode == 3


def test_tampering_fails_with_solvents_exit_codes(folder: Path) -> None:
    key = (folder / "public" / "signing.pub").read_text().strip()
    other = "11" * 32
    wrong_key = run_kit(folder, "verify", "proof.json", "--snapshot", "public/snapshot.json", "--public-key", other)
    assert wrong_key.returncode == 1 and "signature" in wrong_key.stderr.lower()
    proof = (folder / "proof.json").read_text()
    (folder / "proof.json").write_text(proof.replace('"amount": "150000000"', '"amount": "150000001"'))
    assert (folder / "proof.json").read_text() != proof
    assert run_kit(folder, "verify", "proof.json", "--snapshot", "public/snapshot.json").returncode == 1
    csv = folder / "public" / "liabilities" / "BTC.csv"
    lines = csv.read_bytes().split(b"\n")
    lines[1] = lines[1][:-1] + (b"4" if lines[1].endswith(b"3") else b"3")  # one amount, one digit
    csv.write_bytes(b"\n".join(lines))
    audit = run_kit(folder, "audit", "public", "--public-key", key)
    assert audit.returncode == 1 and "BTC.csv" in audit.stderr
    assert run_kit(folder, "verify", "proof.json", "--format", "okx-v1").returncode == 2


def test_the_audit_workers_import_the_bundle_too(folder: Path) -> None:
    """A large snapshot is audited by spawned worker processes, which import solvent from the
    bundle as the parent does (the finder is installed when the file is loaded)."""
    wrapper = folder / "parallel.py"
    wrapper.write_text(
        "import sys\n"
        f"exec(compile(open({kit.FILE_NAME!r}).read().replace('if __name__ == \"__main__\":', 'if False:'), "
        f"{kit.FILE_NAME!r}, 'exec'))\n"
        "if __name__ == '__main__':\n"
        "    import solvent.pipeline.audit_run_v2 as run\n"
        "    run.PARALLEL_FROM = 1\n"
        "    made = run._executor\n"
        "    run._executor = lambda n: (print('workers', n, file=sys.stderr), made(2))[1]\n"
        "    from solvent.cli.offline import main\n"
        "    sys.exit(main())\n"
    )
    result = subprocess.run(
        [*ISOLATED, "parallel.py", "audit", "public", "--no-signature"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "workers" in result.stderr and result.stdout.startswith("AUDIT PASSED")
