"""The browser verifier against the Python one on thousands of mutated documents (node, no browser).

The vectors pin the cases someone thought of; this finds the ones nobody did. Strict JSON:
documents built from the vectors' own JSON by random edits with the characters that matter
to a JSON parser. Proofs (v1 and v2) and v2 manifests: the KATs' with a random field
replaced by a value of another type or range, removed, or joined by an unknown one, and
(v2) entries or assets dropped, repeated or swapped. Pasted Hashed Client IDs: a valid id
with characters of every kind of whitespace (and of what only looks like it) around and
inside it, its case changed, digits dropped. The Python verifier is the oracle:
the browser's must give the same error code (or none) on every one.
"""

from __future__ import annotations

import base64
import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from solvent.protocol.errors import FormatError, SolventError
from solvent.protocol.ids import parse_hashed_id
from solvent.protocol.strictjson import loads_strict
from solvent.protocol.versions import AnyManifest, parse_any_manifest
from tests.conformance.proofs import KAT, MANIFEST, kat_proof
from tests.conformance.proofs_v2 import ALICE, KAT2, MANIFEST_V2, manifest_v2_bytes, v2_proof
from tests.conformance.recipes import LIMIT
from tests.conformance.site import write_site
from tests.conformance.vectors import DIR, load_all, materialise
from tests.conformance.verify_any import verify_any
from tests.reference import naive_v2

pytestmark = pytest.mark.integration

ALPHABET = [*'"\\[]{}:,.-+0123456789eEtrufalsnNIy \t\n\r/ubfx', "\u00e9", "\ud83d", "\u2028", "\x00"]
SEEDS = [materialise(v.input) for v in load_all() if v.kind in ("json", "proof") and "generate" not in v.input]


def mutants(count: int, seed: int = 20261204) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        doc = rng.choice(SEEDS).decode("utf-8", "replace")
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(doc) + 1)
            what = rng.random()
            if what < 0.4:
                doc = doc[:at] + rng.choice(ALPHABET) + doc[at:]
            elif what < 0.7:
                doc = doc[:at] + doc[at + rng.randint(1, 3) :]
            else:
                doc = doc[:at] + rng.choice(ALPHABET) + doc[at + 1 :]
        out.append(doc.encode("utf-8", "surrogatepass"))
    return out


def python_code(doc: bytes) -> str | None:
    try:
        loads_strict(doc)
    except FormatError as e:
        return e.code
    return None


VALUES: list[object] = [0, 1, -1, 2, 41, 2**40, 2**128, True, False, None, "", "0", "01", "-5", "1.5", " 1",
                        str(2**128), "BTC", "btc", "ab" * 32, "AB" * 32, "00" * 32, "solvent-proof/2", [], {}, ["0"],
                        {"hash": "00" * 32, "sums": ["0", "0", "0"]}, {"symbol": "BTC", "decimals": 8}]


def _places(node: object) -> list[tuple[Any, Any]]:
    """Every (container, key or index) below ``node``."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    out: list[tuple[Any, Any]] = []
    for key, value in items:
        out.append((node, key))
        out.extend(_places(value))
    return out


def proof_mutants(count: int, seed: int = 20261205) -> list[bytes]:
    """KAT proofs with one to three fields replaced, removed or added, written with json.dumps."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        proof = kat_proof(rng.randrange(5))
        for _ in range(rng.randint(1, 3)):
            parent, key = rng.choice(_places(proof))
            what = rng.random()
            if what < 0.75:
                parent[key] = rng.choice(VALUES)
            elif what < 0.9 and isinstance(parent, dict):
                del parent[key]
            elif isinstance(parent, dict):
                parent["note"] = rng.choice(VALUES)
        out.append(json.dumps(proof, indent=rng.choice([None, 2])).encode())
    return out


def python_proof_code(doc: bytes, manifest: AnyManifest | None) -> str | None:
    try:
        verify_any(doc, manifest)
    except SolventError as e:
        return e.code
    return None


def run_node(tmp_path: Path, kind: str, docs: list[bytes], manifest: bytes | None = None) -> list[str | None]:
    write_site(tmp_path, [], {})
    (tmp_path / "package.json").write_text('{"type": "module"}\n')
    shutil.copy(Path(__file__).parent / "differential.js", tmp_path / "differential.js")
    request = {
        "kind": kind,
        "docs": [base64.b64encode(d).decode() for d in docs],
        "manifest": None if manifest is None else base64.b64encode(manifest).decode(),
    }
    done = subprocess.run(
        ["node", str(tmp_path / "differential.js")],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    codes: list[str | None] = json.loads(done.stdout)
    return codes


needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed (make install needs it)")


@needs_node
def test_the_browser_parser_agrees_with_python(tmp_path: Path) -> None:
    docs = mutants(4000)
    codes = run_node(tmp_path, "json", docs)
    expected = [python_code(d) for d in docs]
    wrong = [(d[:200], js, py) for d, js, py in zip(docs, codes, expected, strict=True) if js != py]
    assert not wrong, wrong[:5]
    assert len(set(expected)) > 5  # the mutants reach many different rejections


@needs_node
def test_the_browser_proof_verifier_agrees_with_python(tmp_path: Path) -> None:
    manifest_bytes = (DIR / MANIFEST).read_bytes()
    manifest = parse_any_manifest(manifest_bytes)
    docs = proof_mutants(2000)
    codes = run_node(tmp_path, "proof", docs, manifest_bytes)
    expected = [python_proof_code(d, manifest) for d in docs]
    wrong = [(d[:300], js, py) for d, js, py in zip(docs, codes, expected, strict=True) if js != py]
    assert not wrong, wrong[:5]
    assert len(set(expected)) > 8


#: Every character Python's str.isspace() accepts, and some that only look like space.
SPACES = [chr(c) for c in range(0x3001) if chr(c).isspace()] + ["\u180e", "\u200b", "\u2060", "\ufeff", "\x00", "x"]


def hashed_id_mutants(count: int, seed: int = 20261206) -> list[bytes]:
    rng = random.Random(seed)
    valid = KAT["accounts"][0]["hashed_id"]
    out = []
    for _ in range(count):
        text = "".join(c.upper() if rng.random() < 0.3 else c for c in valid)
        for _ in range(rng.randint(0, 4)):
            at = rng.choice([0, len(text), rng.randrange(len(text) + 1)])
            what = rng.random()
            if what < 0.8:
                text = text[:at] + rng.choice(SPACES) * rng.randint(1, 3) + text[at:]
            else:
                text = text[:at] + text[at + 1 :]
        out.append(text.encode("utf-8"))
    return out


def python_id(doc: bytes) -> str | None:
    try:
        return parse_hashed_id(doc.decode("utf-8")).hex()
    except SolventError as e:
        return e.code


@needs_node
def test_the_browser_hashed_id_rule_agrees_with_python(tmp_path: Path) -> None:
    docs = hashed_id_mutants(3000)
    got = run_node(tmp_path, "hashed-id", docs)
    expected = [python_id(d) for d in docs]
    wrong = [(d, js, py) for d, js, py in zip(docs, got, expected, strict=True) if js != py]
    assert not wrong, wrong[:5]
    assert 500 < sum(e == "hex" for e in expected) < 2500


def manifest_variants() -> list[bytes]:
    """The signed-manifest fields whose rules are written in both languages, at their edges:
    exchange names (line and paragraph separators, C1 controls, a name of only U+FEFF or
    only spaces, bidi overrides, 200 and 201 characters) and times (years 1 to 99, leap days,
    the last second of a day, fractions)."""
    base = json.loads((DIR / MANIFEST).read_bytes())
    names = ["X\u2028Y", "X\u2029Y", "X\u0085Y", "\ufeff", " \t ", "\u3000", "A\u202eB", "\u200b", "x" * 200,
             "x" * 201, "Ex\u00e9change", "X\u007fY", "X\u009fY", "\u00a0"]
    times = ["0001-01-01T00:00:00Z", "0099-12-31T23:59:59Z", "0100-02-29T00:00:00Z", "2000-02-29T00:00:00Z",
             "1900-02-29T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T23:59:60Z", "9999-12-31T23:59:59.999999999Z",
             "0000-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "2026-04-31T00:00:00Z"]
    out = []
    for name in names:
        out.append(json.dumps({**base, "exchange": name}).encode())
    for when in times:
        out.append(json.dumps({**base, "taken_at": when}).encode())
    return out


def python_manifest_code(doc: bytes) -> str | None:
    try:
        parse_any_manifest(doc)
    except SolventError as e:
        return e.code
    return None


@needs_node
def test_the_browser_manifest_rules_agree_with_python(tmp_path: Path) -> None:
    docs = manifest_variants()
    codes = run_node(tmp_path, "manifest", docs)
    expected = [python_manifest_code(d) for d in docs]
    wrong = [(json.loads(d).get("exchange"), json.loads(d).get("taken_at"), js, py)
             for d, js, py in zip(docs, codes, expected, strict=True) if js != py]
    assert not wrong, wrong
    assert None in expected and "format" in expected  # both accepted and refused cases are here


_DOGE_PAD = KAT2["trees"]["DOGE"]["pad_hashes_by_level"][0]
VALUES_V2: list[object] = [
    *VALUES, "ETH", "JPY", "DOGE", "XRP", "solvent-proof/1", "solvent-snapshot/2", 18, 19, 3, 4, 5, _DOGE_PAD,
    {"hash": "00" * 32, "sum": "0"}, {"hash": _DOGE_PAD, "sum": "0"},
]


def _mutate_v2(doc: dict[str, Any], lists: tuple[str, ...], rng: random.Random) -> None:
    """One random change: a value replaced, a field removed or added, or an item of one of
    ``lists`` (entries, assets, siblings) dropped, repeated or swapped with its neighbour."""
    what = rng.random()
    if what < 0.2:
        seqs = [(parent, key) for parent, key in _places(doc) if key in lists and isinstance(parent[key], list)]
        if seqs:
            parent, key = rng.choice(seqs)
            items = parent[key]
            if items:
                i = rng.randrange(len(items))
                how = rng.choice(["drop", "repeat", "swap"])
                if how == "drop":
                    del items[i]
                elif how == "repeat":
                    items.insert(i, json.loads(json.dumps(items[i])))
                elif i + 1 < len(items):
                    items[i], items[i + 1] = items[i + 1], items[i]
            return
    parent, key = rng.choice(_places(doc))
    if what < 0.8:
        parent[key] = rng.choice(VALUES_V2)
    elif what < 0.9 and isinstance(parent, dict):
        del parent[key]
    elif isinstance(parent, dict):
        parent["note"] = rng.choice(VALUES_V2)


def proof_v2_mutants(count: int, seed: int = 20261207) -> list[bytes]:
    """KAT v2 proofs with one to three random changes, written with json.dumps."""
    rng = random.Random(seed)
    holders = [p["uid"] for p in KAT2["proofs"] if p["proof"] is not None]
    out = []
    for _ in range(count):
        proof = v2_proof(rng.choice(holders))
        for _ in range(rng.randint(1, 3)):
            _mutate_v2(proof, ("entries", "siblings"), rng)
        out.append(json.dumps(proof, indent=rng.choice([None, 2])).encode())
    return out


@needs_node
def test_the_browser_v2_proof_verifier_agrees_with_python(tmp_path: Path) -> None:
    manifest_bytes = (DIR / MANIFEST_V2).read_bytes()
    assert manifest_bytes == manifest_v2_bytes()
    manifest = parse_any_manifest(manifest_bytes)
    docs = proof_v2_mutants(2000)
    codes = run_node(tmp_path, "proof", docs, manifest_bytes)
    expected = [python_proof_code(d, manifest) for d in docs]
    wrong = [(d[:300], js, py) for d, js, py in zip(docs, codes, expected, strict=True) if js != py]
    assert not wrong, wrong[:5]
    assert len(set(expected)) > 12 and None in expected  # many rejections, and some mutants stay valid


def manifest_v2_mutants(count: int, seed: int = 20261208) -> list[bytes]:
    """The KAT v2 manifest with one to three random changes."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        manifest = json.loads(manifest_v2_bytes())
        for _ in range(rng.randint(1, 3)):
            _mutate_v2(manifest, ("assets",), rng)
        out.append(json.dumps(manifest, indent=rng.choice([None, 2])).encode())
    return out


@needs_node
def test_the_browser_v2_manifest_parser_agrees_with_python(tmp_path: Path) -> None:
    docs = manifest_v2_mutants(1500)
    codes = run_node(tmp_path, "manifest", docs)
    expected = [python_manifest_code(d) for d in docs]
    wrong = [(d[:300], js, py) for d, js, py in zip(docs, codes, expected, strict=True) if js != py]
    assert not wrong, wrong[:5]
    assert len(set(expected)) > 8 and None in expected


def widest_v2_proof() -> bytes:
    """1024 entries (T0 ... T1023, which the manifest does not list) of height 40, every root
    consistent with its path: a verifier folds all of them (41 hashes each) before it can
    compare them with the manifest. The most work a proof within the size limit can ask for."""
    hashed_id = bytes.fromhex(v2_proof(ALICE)["hashed_id"])
    entries = []
    for i in range(1024):
        symbol = f"T{i}"
        node = naive_v2.leaf(symbol, hashed_id, 1)
        siblings = []
        for k in range(40):
            sibling = (bytes([k, i % 256, i // 256]) * 11)[:32], (1 << 40) if k == 39 else 1
            siblings.append({"hash": sibling[0].hex(), "sum": str(sibling[1])})
            node = naive_v2.node(node, sibling)
        root = {"hash": node[0].hex(), "sum": str(node[1]), "height": 40, "leaf_count": 2**40}
        entries.append({"symbol": symbol, "decimals": 0, "index": 0, "amount": "1", "siblings": siblings, "root": root})
    proof = {"format": "solvent-proof/2", "snapshot_id": KAT2["snapshot_id"], "hashed_id": hashed_id.hex(),
             "entries": entries}
    return json.dumps(proof, separators=(",", ":")).encode()


@needs_node
def test_the_widest_v2_proof_gives_the_same_result(tmp_path: Path) -> None:
    """A hang guard (run_node's deadline), not a speed benchmark."""
    doc = widest_v2_proof()
    assert len(doc) <= LIMIT
    manifest_bytes = manifest_v2_bytes()
    expected = python_proof_code(doc, parse_any_manifest(manifest_bytes))
    assert expected == "manifest-mismatch"  # every entry folded to its own root, then T0 is not listed
    assert run_node(tmp_path, "proof", [doc], manifest_bytes) == [expected]
