"""A snapshot manifest as a verifier must take it: parsed strictly, its signature checked.

The signature file defaults to ``snapshot.json.sig`` beside the manifest and the key to
``signing.pub`` beside it; a customer or auditor should pin the exchange's key obtained
some other way (``public_key``), since a key that travels with the files only shows the
files agree with each other.  A missing signature fails closed unless the caller
explicitly accepts an unsigned manifest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from solvent.protocol.errors import BadSignature
from solvent.protocol.layout import PUBLIC_KEY_FILE, read_small_file
from solvent.protocol.manifest import Manifest, parse_manifest
from solvent.protocol.signature import (
    parse_signature,
    pinned_public_key,
    read_public_key_file,
    verify_manifest_signature,
)
from solvent.protocol.v2.manifest import Manifest as ManifestV2
from solvent.protocol.versions import AnyManifest, parse_any_manifest

__all__ = ["AnyManifestCheck", "ManifestCheck", "SignedManifest", "load_signed_any_manifest", "load_signed_manifest"]

M = TypeVar("M", bound=Manifest | ManifestV2)


@dataclass(frozen=True)
class SignedManifest(Generic[M]):
    """A parsed manifest and what was established about its signature."""

    manifest: M
    #: The exact bytes that were parsed and whose signature was checked.
    data: bytes
    signature_checked: bool
    public_key: str | None
    key_source: str

    @property
    def note(self) -> str:
        if not self.signature_checked:
            return "NOT CHECKED"
        return f"valid, key {self.public_key} ({self.key_source})"


#: A v1 manifest, checked (what :func:`load_signed_manifest` returns).
ManifestCheck = SignedManifest[Manifest]
#: A manifest of either version, checked (what :func:`load_signed_any_manifest` returns).
AnyManifestCheck = SignedManifest[AnyManifest]


def load_signed_manifest(
    manifest_path: Path,
    *,
    signature_path: Path | None = None,
    public_key: str | bytes | None = None,
    require_signature: bool = True,
) -> ManifestCheck:
    """Read a v1 ``manifest_path`` and check its Ed25519 signature over the exact bytes.

    ``public_key``: raw 32 bytes, hex, or a file holding hex (never a private key file:
    :func:`solvent.protocol.signature.pinned_public_key`).
    """
    return _load(manifest_path, parse_manifest, signature_path, public_key, require_signature)


def load_signed_any_manifest(
    manifest_path: Path,
    *,
    signature_path: Path | None = None,
    public_key: str | bytes | None = None,
    require_signature: bool = True,
) -> AnyManifestCheck:
    """:func:`load_signed_manifest` for a manifest of either version (:mod:`solvent.protocol.versions`)."""
    return _load(manifest_path, parse_any_manifest, signature_path, public_key, require_signature)


def _load(
    manifest_path: Path,
    parse: Callable[[bytes, str], M],
    signature_path: Path | None,
    public_key: str | bytes | None,
    require_signature: bool,
) -> SignedManifest[M]:
    data = read_small_file(manifest_path, "snapshot manifest")
    manifest = parse(data, str(manifest_path))
    sig_path = signature_path or manifest_path.with_name(manifest_path.name + ".sig")
    if not sig_path.exists():
        if require_signature:
            # Fail closed: a manifest whose signature cannot be checked is not a verified manifest.
            raise BadSignature(
                f"{sig_path}: signature not found; pass --signature, or --no-signature to skip the check",
                code="missing-signature",
                evidence={"file": str(sig_path)},
            )
        return SignedManifest(manifest, data, False, None, "not checked")
    if public_key is None:
        key_path = manifest_path.with_name(PUBLIC_KEY_FILE)
        key = read_public_key_file(key_path)
        source = f"{PUBLIC_KEY_FILE} beside the manifest"
    else:
        key, source = pinned_public_key(public_key)
    signature = parse_signature(read_small_file(sig_path, "signature"), str(sig_path))
    # A key the verifier pinned is not quoted if it fails: it may be a private key given by mistake.
    verify_manifest_signature(data, signature, key, pinned=None if public_key is None else source)
    return SignedManifest(manifest, data, True, key.hex(), source)
