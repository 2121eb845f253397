"""Reading a published snapshot directory for the report, checking what binds it.

``DIR`` is a snapshot directory (``DIR/public/snapshot.json``) or its ``public/``
folder itself.  This is step (V2) of docs/spec.md §12: (1) the manifest's
Ed25519 signature is checked (with ``signing.pub`` beside it, or a key pinned by the
caller); (2) ``reserves.json``, when published,
must be bound in the manifest's ``files`` with its exact SHA-256 (and a reserves file
named there must exist); (3) it is parsed strictly and must belong to this snapshot
(same exchange, snapshot id and asset decimals).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from solvent.protocol.errors import ManifestMismatch
from solvent.protocol.layout import MANIFEST_FILE, RESERVES_FILE, public_dir, read_small_file
from solvent.protocol.manifest import Manifest
from solvent.protocol.signed_manifest import ManifestCheck, load_signed_manifest
from solvent.reserves.recheck import bound_attestation
from solvent.reserves.reserves_json import Attestation

__all__ = ["LoadedSnapshot", "load_snapshot"]

@dataclass(frozen=True)
class LoadedSnapshot:
    directory: Path
    #: The manifest as its signature was checked (its exact bytes and the key used).
    check: ManifestCheck
    attestation: Attestation | None

    @property
    def manifest(self) -> Manifest:
        return self.check.manifest

    @property
    def signature_note(self) -> str:
        return self.check.note


def load_snapshot(directory: Path, *, public_key: str | bytes | None = None) -> LoadedSnapshot:
    """``public_key`` pins the exchange's key (raw bytes, hex, or a file of hex)."""
    public = public_dir(directory)
    # (1) the manifest signature
    check = load_signed_manifest(public / MANIFEST_FILE, public_key=public_key)
    manifest = check.manifest
    # (2) a reserves file the manifest names must be there
    path = public / RESERVES_FILE
    bound = manifest.files.get(RESERVES_FILE)
    if not path.exists():
        if bound is not None:
            raise ManifestMismatch(
                f"{path}: the manifest binds {RESERVES_FILE} but the file is missing",
                evidence={"file": RESERVES_FILE, "expected_sha256": bound},
            )
        return LoadedSnapshot(directory, check, None)
    # (2) bound by its digest, (3) parsed strictly and for this snapshot
    attestation = bound_attestation(read_small_file(path, "reserves attestation"), manifest, str(path))
    return LoadedSnapshot(directory, check, attestation)
