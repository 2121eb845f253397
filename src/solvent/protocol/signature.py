"""Ed25519 signatures over the exact bytes of ``snapshot.json`` (spec §5 (The snapshot manifest), threat L13).

Verification uses :mod:`solvent.protocol.ed25519` (standard library only), so a
verifier or auditor needs no third-party package; signing stays with the operator
(``solvent.publish.keys``, pyca/cryptography).

Reading a public key is also where a private key must be stopped (threat O1): the
operator's key files and ``signing.pub`` sit side by side, and an old untyped private
key file was the same 64 hex digits as a public one, so ``--public-key keys/signing.key``
once verified against the secret seed and printed it as evidence.  A public key is
therefore read only from a regular, small file that is not a typed private key file
(:data:`PRIVATE_KEY_MARK`) nor named like one (:data:`PRIVATE_KEY_NAMES`), and no error
here quotes what such a file holds: a short description (its size) only.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from solvent.protocol import ed25519
from solvent.protocol.errors import BadSignature, FormatError, InputError
from solvent.protocol.layout import read_small_file
from solvent.protocol.strictjson import hex_bytes

__all__ = [
    "MAX_PUBLIC_KEY_FILE",
    "PRIVATE_KEY_MARK",
    "PRIVATE_KEY_NAMES",
    "parse_public_key",
    "parse_signature",
    "pinned_public_key",
    "read_public_key_file",
    "verify_manifest_signature",
]

#: Every private key file solvent writes starts with these bytes (``solvent master key v1``,
#: ``solvent signing key v1``: :mod:`solvent.publish.keys`); a public key never does.
PRIVATE_KEY_MARK = b"solvent "
#: The names ``solvent keygen`` gives the private key files: never read as a public key,
#: whatever they hold (an untyped file from an older solvent cannot be told from a public key).
PRIVATE_KEY_NAMES = frozenset({"master.key", "signing.key"})
#: ``signing.pub`` is 65 bytes; anything much larger is not a public key (and is not read whole).
MAX_PUBLIC_KEY_FILE = 4096

_PUBLIC_HEX = re.compile(r"[0-9a-f]{64}")
#: The code of "this is a private key" (``format``: the file is not in a public key's format).
_PRIVATE = "format"


def _one_hex_line(data: bytes, name: str, length: int) -> bytes:
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError as e:
        raise FormatError(f"{name}: not ASCII hex") from e
    return hex_bytes(text, name, length)


def parse_signature(data: bytes, name: str = "snapshot.json.sig") -> bytes:
    return _one_hex_line(data, name, 64)


def parse_public_key(data: bytes, name: str = "signing.pub") -> bytes:
    """The 32-byte key of a ``signing.pub`` (one line of 64 lower-case hex digits).

    A typed private key file is refused as such; any other failure says
    what was expected and the size of what was found, never its content, since the bytes
    handed over as a "public key" may be somebody's secret.
    """
    if data.lstrip().startswith(PRIVATE_KEY_MARK):
        raise FormatError(
            f"{name}: holds a private key, not a public key: a private key never goes where a "
            "public key belongs (give the signing.pub that solvent keygen wrote beside it)",
            code=_PRIVATE,
        )
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        text = None
    if text is None or not _PUBLIC_HEX.fullmatch(text):
        raise FormatError(
            f"{name}: not an Ed25519 public key: expected one line of 64 lower-case hex digits, as "
            f"signing.pub holds it (found {len(data)} bytes, not shown)",
            code="hex",
        )
    return bytes.fromhex(text)


def read_public_key_file(path: Path, name: str | None = None) -> bytes:
    """The key of the public key file ``path``: a regular file of at most
    :data:`MAX_PUBLIC_KEY_FILE` bytes, not named or made like a private key file."""
    shown = name or str(path)
    if path.name in PRIVATE_KEY_NAMES:
        raise FormatError(
            f"{shown}: {path.name} is where solvent keygen keeps a private key; it is never read as a "
            "public key (give signing.pub)",
            code=_PRIVATE,
        )
    return parse_public_key(read_small_file(path, "public key", MAX_PUBLIC_KEY_FILE), shown)


def pinned_public_key(value: str | bytes) -> tuple[bytes, str]:
    """A verifier's own pinned key (``--public-key``): raw 32 bytes, 64 hex digits, or a file
    holding them; with where it came from.  Anything else is a usage error (InputError).

    A name that exists is read as a file (a FIFO or device is refused, never read), so a
    mistyped path is not taken for hex, and hex is never taken for a path.
    """
    try:
        if isinstance(value, bytes):
            if len(value) != 32:
                raise FormatError(f"public key: {len(value)} bytes, expected 32", code="hex")
            return value, "pinned"
        if os.path.lexists(value):
            return read_public_key_file(Path(value), value), f"pinned from {value}"
        return parse_public_key(value.strip().lower().encode("ascii", "replace"), "the value given"), "pinned"
    except FormatError as e:
        hint = "" if e.code == _PRIVATE else " (64 hex digits, or a file holding them)"
        raise InputError(f"--public-key: {e}{hint}") from e


def verify_manifest_signature(
    manifest_bytes: bytes, signature: bytes, public_key: bytes, *, pinned: str | None = None
) -> None:
    """Raise BadSignature unless ``signature`` is the key's signature of these exact bytes.

    ``pinned``: where a key the verifier supplied came from.  Such a key is not quoted when
    the signature fails (it may be a private key given by mistake); a published
    ``signing.pub`` is.
    """
    if len(public_key) != 32:
        raise FormatError(f"signing.pub: not a valid Ed25519 public key ({len(public_key)} bytes, expected 32)")
    try:
        ed25519.verify(public_key, manifest_bytes, signature)
    except BadSignature as e:
        if pinned is None:
            key, which = public_key.hex(), "this public key"
        else:
            key, which = f"the key {pinned} (not shown)", f"the key {pinned}"
        raise BadSignature(
            f"the manifest signature does not verify with {which}: {e.message}",
            evidence={"public_key": key, "signature": signature.hex()},
        ) from e
