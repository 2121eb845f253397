"""One customer's proof from a built snapshot: the one look-up the CLI, the demo and the API share."""

from __future__ import annotations

from pathlib import Path

from solvent.protocol.errors import NotFound
from solvent.protocol.ids import parse_hashed_id
from solvent.protocol.layout import MANIFEST_FILE, public_dir, read_small_file
from solvent.protocol.manifest import parse_manifest
from solvent.tree.store import TreeReader

__all__ = ["proof_bytes"]


def proof_bytes(snapshot_dir: Path, hashed_id: str) -> bytes:
    """The solvent-proof/1 JSON of one customer's leaf in a built snapshot."""
    target = parse_hashed_id(hashed_id)
    pub = public_dir(snapshot_dir)
    manifest = parse_manifest(read_small_file(pub / MANIFEST_FILE, "snapshot manifest"), str(pub / MANIFEST_FILE))
    with TreeReader(pub, manifest) as reader:
        index = reader.find(target)
        if index is None:
            raise NotFound(
                f"hashed id {target.hex()} is not in snapshot {manifest.snapshot_id}",
                evidence={"hashed_id": target.hex(), "snapshot_id": manifest.snapshot_id},
            )
        return reader.proof(index).to_json()
