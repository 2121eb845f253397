"""The server's proof writer gives exactly the bytes of Proof.to_json (the reference serialiser)."""

from __future__ import annotations

import pytest

from solvent.protocol.manifest import parse_manifest
from solvent.tree.store import TreeReader
from solvent.web.proofjson import ProofWriter
from tests.web.conftest import Demo

pytestmark = pytest.mark.integration


def test_every_proof_of_the_demo_snapshots_is_byte_for_byte_the_reference(demo: Demo) -> None:
    for snap in (demo.newest, demo.older):
        manifest = parse_manifest((snap.public / "snapshot.json").read_bytes())
        with TreeReader(snap.public, manifest) as reader:
            writer = ProofWriter(reader, manifest)
            try:
                for _ in range(2):  # the second round comes from the cache of upper levels
                    for index in range(manifest.root.leaf_count):
                        assert writer.proof(index) == reader.proof(index).to_json(), index
                with pytest.raises(IndexError):
                    writer.proof(manifest.root.leaf_count)
            finally:
                writer.close()


def test_a_one_account_tree(tmp_path: object) -> None:
    from pathlib import Path

    from tests.web.snapshots import make_snapshot

    snap = make_snapshot(Path(str(tmp_path)), snapshot_id="one", taken_at="2026-01-01T00:00:00Z", accounts=1)
    manifest = parse_manifest((snap.public / "snapshot.json").read_bytes())
    assert manifest.root.height == 0
    with TreeReader(snap.public, manifest) as reader:
        writer = ProofWriter(reader, manifest)
        assert writer.proof(0) == reader.proof(0).to_json()
        assert b'"siblings": [],' in writer.proof(0)
        writer.close()
