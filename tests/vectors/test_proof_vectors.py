"""The proof vectors: committed files equal a fresh generation, and the verifier agrees with each."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solvent.protocol.errors import SolventError
from solvent.protocol.inclusion import verify_proof_bytes
from solvent.protocol.manifest import parse_manifest
from tests.vectors import generate

DIR = Path(__file__).parent / "proofs"
INDEX = json.loads((DIR / "index.json").read_text())


def test_committed_vectors_are_regenerated_exactly(tmp_path: Path) -> None:
    generate.write(tmp_path)
    fresh = sorted(p.name for p in tmp_path.iterdir())
    assert fresh == sorted(p.name for p in DIR.iterdir() if p.suffix == ".json")
    for name in fresh:
        assert (tmp_path / name).read_bytes() == (DIR / name).read_bytes(), f"{name} differs: regenerate the vectors"


def test_every_error_code_is_documented() -> None:
    spec = (Path(__file__).parents[2] / "docs" / "spec.md").read_text()
    for case in INDEX["cases"]:
        if case["error"]:
            assert f"`{case['error']}`" in spec, case["error"]


@pytest.mark.parametrize("case", INDEX["cases"], ids=lambda c: c["file"])
def test_vector(case: dict) -> None:
    data = (DIR / case["file"]).read_bytes()
    manifest = parse_manifest((DIR / case["manifest"]).read_bytes()) if case["manifest"] else None
    if case["valid"]:
        result = verify_proof_bytes(data, manifest)
        assert result.anchored == (manifest is not None)
    else:
        with pytest.raises(SolventError) as info:
            verify_proof_bytes(data, manifest)
        assert info.value.code == case["error"], info.value.message
