"""Ed25519 signatures over the exact bytes of ``snapshot.json`` (spec §5 (The snapshot manifest), threat L13)."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from solvent.protocol.errors import BadSignature, FormatError
from solvent.protocol.strictjson import hex_bytes

__all__ = ["parse_public_key", "parse_signature", "verify_manifest_signature"]


def _one_hex_line(data: bytes, name: str, length: int) -> bytes:
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError as e:
        raise FormatError(f"{name}: not ASCII hex") from e
    return hex_bytes(text, name, length)


def parse_signature(data: bytes, name: str = "snapshot.json.sig") -> bytes:
    return _one_hex_line(data, name, 64)


def parse_public_key(data: bytes, name: str = "signing.pub") -> bytes:
    return _one_hex_line(data, name, 32)


def verify_manifest_signature(manifest_bytes: bytes, signature: bytes, public_key: bytes) -> None:
    """Raise BadSignature unless ``signature`` is the key's signature of these exact bytes."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, manifest_bytes)
    except InvalidSignature as e:
        raise BadSignature(
            "the manifest signature does not verify with this public key",
            evidence={"public_key": public_key.hex(), "signature": signature.hex()},
        ) from e
    except ValueError as e:
        raise FormatError(f"signing.pub: not a valid Ed25519 public key ({e})") from e
