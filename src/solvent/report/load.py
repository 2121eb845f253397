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

from solvent.errors import InputError, ManifestMismatch
from solvent.reserves.attestation import Attestation, parse_attestation
from solvent.reserves.verify import RESERVES_FILE, check_against_manifest, check_bound
from solvent.spec.manifest import Manifest, parse_manifest
from solvent.verify.signature import parse_public_key, parse_signature, verify_manifest_signature

__all__ = ["RESERVES_FILE", "LoadedSnapshot", "load_snapshot"]

MAX_FILE = 64 * 1024 * 1024


@dataclass(frozen=True)
class LoadedSnapshot:
    directory: Path
    manifest: Manifest
    attestation: Attestation | None
    signature_note: str


def _read(path: Path, what: str) -> bytes:
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE + 1)
    except FileNotFoundError as e:
        raise InputError(f"{path}: {what} not found") from e
    except OSError as e:
        raise InputError(f"{path}: cannot read the {what} ({e.strerror})") from e
    if len(data) > MAX_FILE:
        raise InputError(f"{path}: the {what} is larger than {MAX_FILE} bytes")
    return data


def _public_dir(directory: Path) -> Path:
    if (directory / "public" / "snapshot.json").is_file():
        return directory / "public"
    if (directory / "snapshot.json").is_file():
        return directory
    raise InputError(f"{directory}: no public/snapshot.json (is this a snapshot directory?)")


def load_snapshot(directory: Path, *, public_key: bytes | None = None) -> LoadedSnapshot:
    public = _public_dir(directory)
    data = _read(public / "snapshot.json", "snapshot manifest")
    manifest = parse_manifest(data, str(public / "snapshot.json"))
    # (1) the manifest signature
    signature = parse_signature(
        _read(public / "snapshot.json.sig", "manifest signature"), str(public / "snapshot.json.sig")
    )
    if public_key is None:
        key = parse_public_key(_read(public / "signing.pub", "public key"), str(public / "signing.pub"))
        note = f"valid, key {key.hex()} (signing.pub beside the manifest)"
    else:
        key, note = public_key, f"valid, key {public_key.hex()} (pinned)"
    verify_manifest_signature(data, signature, key)
    # (2) the reserves file is bound by its digest
    path = public / RESERVES_FILE
    bound = manifest.files.get(RESERVES_FILE)
    if not path.exists():
        if bound is not None:
            raise ManifestMismatch(
                f"{path}: the manifest binds {RESERVES_FILE} but the file is missing",
                evidence={"file": RESERVES_FILE, "expected_sha256": bound},
            )
        return LoadedSnapshot(directory, manifest, None, note)
    raw = _read(path, "reserves attestation")
    check_bound(raw, manifest, str(path))
    # (3) parsed strictly and for this snapshot
    attestation = parse_attestation(raw, str(path))
    check_against_manifest(attestation, manifest)
    return LoadedSnapshot(directory, manifest, attestation, note)
