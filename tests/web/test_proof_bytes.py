"""One producer of solvent-proof/1 bytes: ProofRenderer, which Proof.to_json and the look-up both use.

The reference for the bytes is the canonical JSON encoding of the proof's dictionary
(``dumps_canonical(proof.to_dict())``, docs/spec.md §5): the renderer writes the same
text from templates, for any proof (property test), and for every leaf of the demo
snapshots through the look-up the API and the CLI share (the static site's page writes the
same bytes in the browser, pinned by the proof-bytes conformance vectors).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvent.pipeline.lookup import SnapshotProofs
from solvent.protocol.assets import Asset
from solvent.protocol.hashing import Node
from solvent.protocol.proof import Leaf, Proof, Root, parse_proof
from solvent.protocol.strictjson import dumps_canonical
from tests.web.conftest import Demo
from tests.web.snapshots import make_snapshot

SRC = Path(__file__).parents[2] / "src" / "solvent"

digests = st.binary(min_size=32, max_size=32)
amounts = st.integers(min_value=0, max_value=2**128 - 1)


@st.composite
def proofs(draw: st.DrawFn) -> Proof:
    n = draw(st.integers(min_value=0, max_value=4))
    sums = st.tuples(*[amounts] * n)
    assets = tuple(
        Asset(draw(st.from_regex(r"[A-Z0-9._-]{1,16}", fullmatch=True)), draw(st.integers(0, 18))) for _ in range(n)
    )
    return Proof(
        # Any text: the encoder's escapes (quotes, backslashes, control and non-ASCII characters).
        snapshot_id=draw(st.text(max_size=20)),
        assets=assets,
        leaf=Leaf(draw(st.integers(0, 2**40)), draw(digests), draw(sums)),
        siblings=tuple(Node(draw(digests), draw(sums)) for _ in range(draw(st.integers(0, 5)))),
        root=Root(draw(digests), draw(sums), draw(st.integers(0, 40)), draw(st.integers(1, 2**40))),
    )


@settings(max_examples=300, deadline=None)
@given(proofs())
def test_the_renderer_writes_the_canonical_encoding_of_any_proof(proof: Proof) -> None:
    assert proof.to_json() == dumps_canonical(proof.to_dict())


@pytest.mark.integration
def test_every_proof_of_the_demo_snapshots_is_byte_for_byte_the_reference(demo: Demo) -> None:
    for snap in (demo.newest, demo.older):
        with SnapshotProofs.open(snap.directory) as proofs:
            reader = proofs.reader
            for _ in range(2):  # the second round comes from the cache of upper levels
                for index in range(reader.leaf_count):
                    data = proofs.proof_at(index)
                    assert data == dumps_canonical(reader.proof(index).to_dict()), index
                    assert parse_proof(data) == reader.proof(index)
            with pytest.raises(IndexError):
                proofs.proof_at(reader.leaf_count)
            with pytest.raises(IndexError):
                proofs.proof_at(-1)


def test_a_one_account_tree(tmp_path: Path) -> None:
    snap = make_snapshot(tmp_path, snapshot_id="one", taken_at="2026-01-01T00:00:00Z", accounts=1)
    with SnapshotProofs.open(snap.directory) as proofs:
        assert proofs.manifest.root.height == 0
        data = proofs.proof_at(0)
        assert data == dumps_canonical(proofs.reader.proof(0).to_dict())
        assert b'"siblings": [],' in data


def test_no_other_module_writes_proof_json() -> None:
    """The proof's JSON layout is spelled out in protocol/proof.py only (no second template, no second dumps)."""
    writers = []
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if path == SRC / "protocol" / "proof.py":
            continue
        # A template of the layout ('"siblings": [\n'), or the encoder called on a proof.
        if re.search(r'"(siblings|leaf|root)": [\[{]+\\n|dumps_canonical\([^)]*proof', text):
            writers.append(str(path.relative_to(SRC)))
    assert writers == []
