"""The conformance vectors against the Python core: committed files equal a fresh generation,
and the stdlib-only verifier gives each vector's expected result.

A liabilities-v2 vector (one asset's CSV) is read by both v2 auditors, each as an audit
reads it (``csv_root``): the standard-library one, and the vectorised one in blocks of its
default size and of small ones, so that a fault falls on both sides of a block boundary
(``large-ids-equal``'s repeated row starts the second block of 1024 x 96 bytes).
tests/conformance/test_browser.py runs the same files against the browser verifier.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from solvent.pipeline import audit_stdlib_v2, audit_v2
from solvent.protocol import ed25519
from solvent.protocol.assets import Asset
from solvent.protocol.errors import BadSignature, FormatError, SolventError
from solvent.protocol.ids import parse_hashed_id
from solvent.protocol.signature import parse_public_key, parse_signature
from solvent.protocol.strictjson import loads_strict
from solvent.protocol.versions import parse_any_manifest, parse_any_proof
from tests.conformance import generate
from tests.conformance.recipes import LIMIT
from tests.conformance.vectors import DIR, Vector, load_all, materialise
from tests.conformance.verify_any import verify_any

VECTORS = load_all()
#: A hang guard, not a speed benchmark: the worst 4 MiB vector takes a fraction of this;
#: a verifier that is quadratic in its input takes minutes.
TIME_LIMIT_S = 10.0
#: The vectorised auditor's block sizes (rows): its default, one that splits the large files,
#: and, for the small files, one row.
CHUNKS = (audit_v2.CHUNK_ROWS, 1024)
SMALL = 64 * 1024


def csv_outcome(vector: Vector, data: bytes, directory: Path) -> list[dict[str, object]]:
    """A liabilities-v2 vector's outcome from each reader, in the shape of its ``expect``."""
    assert vector.symbol is not None and vector.decimals is not None
    path = directory / f"{vector.symbol}.csv"
    path.write_bytes(data)
    asset = Asset(vector.symbol, vector.decimals)
    readers = [lambda: audit_stdlib_v2.csv_root(path, asset)]
    chunks = CHUNKS + ((1, 3) if len(data) < SMALL else ())
    readers += [lambda c=c: audit_v2.csv_root(path, asset, chunk_rows=c) for c in chunks]
    out: list[dict[str, object]] = []
    for read in readers:
        try:
            root = read()
        except SolventError as e:
            out.append({"error": e.code})
            continue
        head = {"hash": root.hash.hex(), "sum": str(root.sum), "height": root.height, "leaf_count": root.leaf_count}
        out.append({"root": head})
    return out


def signature_outcome(vector: Vector, data: bytes) -> dict[str, object]:
    """A signature vector's outcome as ``solvent verify`` reaches it: signing.pub read, then
    snapshot.json.sig, then ed25519.verify over the manifest's exact bytes."""
    assert vector.message is not None and vector.signature is not None
    for name, read, raw in ((("signing.pub", parse_public_key, data)),
                            ("snapshot.json.sig", parse_signature, materialise(vector.signature))):
        try:
            parsed = read(raw)
        except FormatError as e:
            return {"error": e.code, "file": name}
        if name == "signing.pub":
            public_key = parsed
    try:
        ed25519.verify(public_key, (DIR / vector.message).read_bytes(), parsed)
    except BadSignature as e:
        return {"error": e.code, "rule": e.evidence["rule"]}
    return {"valid": True}


def run(vector: Vector, data: bytes, directory: Path) -> dict[str, object]:
    """The vector's outcome in the shape of its ``expect`` (every CSV reader's, the same)."""
    if vector.kind == "signature":
        return signature_outcome(vector, data)
    if vector.kind == "liabilities-v2":
        outcomes = csv_outcome(vector, data, directory)
        assert all(o == outcomes[0] for o in outcomes), outcomes
        return outcomes[0]
    try:
        if vector.kind == "proof":
            manifest = parse_any_manifest((DIR / vector.manifest).read_bytes()) if vector.manifest else None
            asked_for = bytes.fromhex(vector.asked_for) if vector.asked_for else None
            return verify_any(data, manifest, asked_for)
        if vector.kind == "json":
            loads_strict(data)
            return {"valid": True}
        if vector.kind == "proof-bytes":
            return {"bytes": parse_any_proof(data).to_json().decode("utf-8")}
        if vector.kind == "exchange-name":
            parse_any_manifest(data)  # a manifest whose exchange name is the case
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
    exchange_names = [v for v in VECTORS if v.kind == "exchange-name"]
    assert len(exchange_names) > 30 and sum(v.error is None for v in exchange_names) >= 5
    v2 = [v for v in VECTORS if v.name.startswith("proof/v2-")]
    assert sum(1 for v in v2 if v.error is None and v.manifest) >= 5 + 3  # every KAT v2 proof, and more
    assert sum(1 for v in v2 if v.error) > 100
    assert all("balances" in v.expect for v in v2 if v.error is None)
    assert {"proof/v2-valid-missing-entry", "proof/v2-invalid-entries-swapped", "proof/v2-invalid-entry-duplicated",
            "proof/v2-invalid-btc-entry-amount-zero", "proof/v2-invalid-padding-sibling-zero",
            "proof/v2-invalid-leaf-of-another-asset", "proof/v2-invalid-v1-proof-for-v2-snapshot"} <= names
    written = {v.name for v in VECTORS if v.kind == "proof-bytes"}
    assert {"proof-bytes/v1-single-leaf", "proof-bytes/v1-largest", "proof-bytes/v2-single-leaf",
            "proof-bytes/v2-largest"} <= written and len(written) >= 14
    csv = [v for v in VECTORS if v.kind == "liabilities-v2"]
    assert sum(1 for v in csv if v.error is None) >= 8 and sum(1 for v in csv if v.error) > 80
    assert {v.error for v in csv if v.error} == {"format", "range", "order", "negative-balance", "sum-overflow"}
    assert all(sizes[v.name] > 1 << 20 for v in csv if "-large-" in v.name and v.error)
    signatures = [v for v in VECTORS if v.kind == "signature"]
    assert sum(1 for v in signatures if v.error is None) >= 5
    assert {v.expect.get("rule") for v in signatures if v.error == "bad-signature"} == set(ed25519_rules()) - {"length"}
    assert sum(1 for v in signatures if v.expect.get("rule") == "key-small-order") == 8
    files = {v.expect.get("file") for v in signatures if v.error in ("hex", "format")}
    assert files == {"signing.pub", "snapshot.json.sig"}


def ed25519_rules() -> list[str]:
    """The rule names ed25519.py's docstring lists (each refusal's evidence["rule"])."""
    doc = ed25519.__doc__ or ""
    listed = doc[doc.index('``evidence["rule"]``') :].split(". ")[0]
    return [name for name in re.findall(r"``([a-z0-9-]+)``", listed)]


def test_every_error_code_is_documented() -> None:
    spec = (Path(__file__).parents[2] / "docs" / "spec.md").read_text()
    for vector in VECTORS:
        if vector.error:
            assert f"`{vector.error}`" in spec, vector.error


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_vector(vector: Vector, tmp_path: Path) -> None:
    data = materialise(vector.input)
    start = time.perf_counter()
    got = run(vector, data, tmp_path)
    elapsed = time.perf_counter() - start
    assert got == vector.expect, vector.description
    assert elapsed < TIME_LIMIT_S, f"{vector.name}: {elapsed:.2f} s"
