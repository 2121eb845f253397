"""The conformance vectors against the Python core: committed files equal a fresh generation,
and the stdlib-only verifier gives each vector's expected result.

tests/conformance/test_browser.py runs the same files against the browser verifier.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from solvent.protocol.errors import SolventError
from solvent.protocol.ids import parse_hashed_id
from solvent.protocol.strictjson import loads_strict
from solvent.protocol.versions import parse_any_manifest
from tests.conformance import generate
from tests.conformance.recipes import LIMIT
from tests.conformance.vectors import DIR, Vector, load_all, materialise
from tests.conformance.verify_any import verify_any

VECTORS = load_all()
#: A hang guard, not a speed benchmark: the worst 4 MiB vector takes a fraction of this;
#: a verifier that is quadratic in its input takes minutes.
TIME_LIMIT_S = 10.0


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
    v2 = [v for v in VECTORS if v.name.startswith("proof/v2-")]
    assert sum(1 for v in v2 if v.error is None and v.manifest) >= 5 + 3  # every KAT v2 proof, and more
    assert sum(1 for v in v2 if v.error) > 100
    assert all("balances" in v.expect for v in v2 if v.error is None)
    assert {"proof/v2-valid-missing-entry", "proof/v2-invalid-entries-swapped", "proof/v2-invalid-entry-duplicated",
            "proof/v2-invalid-btc-entry-amount-zero", "proof/v2-invalid-padding-sibling-zero",
            "proof/v2-invalid-leaf-of-another-asset", "proof/v2-invalid-v1-proof-for-v2-snapshot"} <= names


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
