"""The conformance vectors against the Python core: committed files equal a fresh generation,
and the stdlib-only verifier gives each vector's expected result.

tests/conformance/test_browser.py runs the same files against the browser verifier.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from solvent.protocol import inclusion as inclusion_v1
from solvent.protocol.errors import FormatError, IdMismatch, SolventError
from solvent.protocol.ids import parse_hashed_id
from solvent.protocol.proof import MAX_PROOF_BYTES
from solvent.protocol.strictjson import loads_strict
from solvent.protocol.v2 import inclusion as inclusion_v2
from solvent.protocol.v2.manifest import Manifest as ManifestV2
from solvent.protocol.versions import AnyManifest, parse_any_manifest, proof_version
from tests.conformance import generate
from tests.conformance.recipes import LIMIT
from tests.conformance.vectors import DIR, Vector, load_all, materialise

VECTORS = load_all()
#: A hang guard, not a speed benchmark: the worst 4 MiB vector takes a fraction of this;
#: a verifier that is quadratic in its input takes minutes.
TIME_LIMIT_S = 10.0


def verify_any(data: bytes, manifest: AnyManifest | None, asked_for: bytes | None) -> dict[str, object]:
    """The verifier of the manifest's version (without one, of the proof's own format, v1 when
    it names none), as the browser's ``verifyAnyProofBytes``; a proof naming the other version
    than the manifest's is a ``version`` error."""
    obj = loads_strict(data, name="proof", max_bytes=MAX_PROOF_BYTES)
    try:
        named: int | None = proof_version(obj)
    except FormatError:
        named = None
    version = (2 if isinstance(manifest, ManifestV2) else 1) if manifest is not None else (named or 1)
    if named is not None and named != version:
        raise FormatError(f"a v{named} proof against a v{version} manifest", code="version")
    if version == 1:
        result = inclusion_v1.verify_proof_bytes(data, manifest, asked_for=asked_for)  # type: ignore[arg-type]
        return {"valid": True, "anchored": result.anchored}
    v2 = inclusion_v2.verify_proof_bytes(data, manifest)  # type: ignore[arg-type]
    # (5) the proof is the id it was looked up by: protocol.v2.inclusion takes no asked_for
    # (yet), so the comparison v1's verifier makes is made here on the parsed proof.
    if asked_for is not None and v2.proof.hashed_id != asked_for:
        raise IdMismatch("the proof is for another hashed id than the one it was looked up by")
    if isinstance(manifest, ManifestV2):
        shown = [(a.symbol, amount) for a, amount in inclusion_v2.balances(v2.proof, manifest)]
    else:
        shown = [(e.symbol, e.amount) for e in v2.proof.entries]
    return {"valid": True, "anchored": v2.anchored,
            "balances": [{"symbol": s, "amount": str(amount)} for s, amount in shown]}


def run(vector: Vector, data: bytes) -> dict[str, object]:
    """The vector's outcome in the shape of its ``expect``."""
    try:
        if vector.kind == "proof":
            manifest = parse_any_manifest((DIR / vector.manifest).read_bytes()) if vector.manifest else None
            asked_for = bytes.fromhex(vector.asked_for) if vector.asked_for else None
            return verify_any(data, manifest, asked_for)
        if vector.kind == "json":
            loads_strict(data)
            return {"valid": True}
        return {"hashed_id": parse_hashed_id(data.decode("utf-8")).hex()}
    except SolventError as e:
        return {"error": e.code}


def test_committed_vectors_are_regenerated_exactly(tmp_path: Path) -> None:
    generate.write(tmp_path)
    fresh = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(DIR).as_posix() for p in DIR.rglob("*") if p.is_file())
    assert fresh == committed
    for name in fresh:
        assert (tmp_path / name).read_bytes() == (DIR / name).read_bytes(), f"{name} differs: regenerate the vectors"


def test_the_suite_covers_what_it_must() -> None:
    names = {v.name for v in VECTORS}
    sizes = {v.name: len(materialise(v.input)) for v in VECTORS if "generate" in v.input}
    limit = LIMIT
    assert sizes["proof/size-at-limit"] == limit and sizes["proof/size-over-limit"] == limit + 1
    assert sum(1 for v in VECTORS if v.kind == "proof" and v.error is None) >= 7
    assert sum(1 for v in VECTORS if v.kind == "proof" and v.error) > 60
    assert {"proof/depth-64", "proof/depth-65", "proof/escapes-4mib-quotes-unterminated"} <= names
    assert sum(1 for v in VECTORS if v.kind == "hashed-id") > 15


def test_every_error_code_is_documented() -> None:
    spec = (Path(__file__).parents[2] / "docs" / "spec.md").read_text()
    for vector in VECTORS:
        if vector.error:
            assert f"`{vector.error}`" in spec, vector.error


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_vector(vector: Vector) -> None:
    data = materialise(vector.input)
    start = time.perf_counter()
    got = run(vector, data)
    elapsed = time.perf_counter() - start
    assert got == vector.expect, vector.description
    assert elapsed < TIME_LIMIT_S, f"{vector.name}: {elapsed:.2f} s"
