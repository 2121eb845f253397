"""`prove --out` (and `report --html`, the same `write_output_file`) against output paths that
reach into the snapshot being read, or that change what the user had: real processes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tests.attack_issue11b.conftest import build_v2, solvent


def test_prove_out_never_writes_through_a_symlinked_public_folder(tmp_path: Path) -> None:
    built = build_v2(tmp_path)
    store = tmp_path / "store"
    store.mkdir()
    os.rename(built.public, store / "public-2026-11-01")
    built.public.symlink_to(store / "public-2026-11-01", target_is_directory=True)
    manifest = built.public / "snapshot.json"
    before = manifest.read_bytes()
    assert solvent("audit", built.directory).returncode == 0

    r = solvent("prove", built.directory, built.hashed_id, "--out", manifest)

    assert manifest.read_bytes() == before, "the signed manifest was replaced by a proof"
    assert r.returncode == 2, r.stderr


def test_prove_out_keeps_a_private_proof_file_private(tmp_path: Path) -> None:
    built = build_v2(tmp_path)
    out = tmp_path / "my-proof.json"
    out.write_bytes(b"")
    out.chmod(0o600)

    r = solvent("prove", built.directory, built.hashed_id, "--out", out)

    assert r.returncode == 0, r.stderr
    assert out.read_bytes().startswith(b"{")
    assert stat.S_IMODE(out.stat().st_mode) & 0o077 == 0, oct(out.stat().st_mode)


def test_prove_out_with_a_trailing_slash_is_a_folder_not_a_file(tmp_path: Path) -> None:
    built = build_v2(tmp_path)
    out = tmp_path / "proofs"

    r = solvent("prove", built.directory, built.hashed_id, "--out", f"{out}/")

    assert not out.is_file(), "a file named after the folder was written"
    assert r.returncode == 2, r.stderr
