"""Key files: the master key (user secrets) and the Ed25519 manifest signing key.

All three files are one line of lower-case hex: ``master.key`` (32 bytes),
``signing.key`` (the 32-byte Ed25519 private seed) and ``signing.pub`` (the 32-byte
raw public key, spec §5 (The snapshot manifest)).  Secret files are created with mode 0600 and never
overwritten.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from solvent.protocol.errors import InputError

__all__ = ["KeyFiles", "generate_keys", "load_master_key", "load_signing_key", "public_key_hex", "sign"]


@dataclass(frozen=True)
class KeyFiles:
    master_key: Path
    signing_key: Path
    signing_pub: Path


def _read_hex_file(path: Path, what: str, length: int) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError as e:
        raise InputError(f"{path}: {what} file not found") from e
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read the {what} file ({e})") from e
    try:
        raw = bytes.fromhex(text)
    except ValueError as e:
        raise InputError(f"{path}: the {what} file must hold {2 * length} hex digits") from e
    if len(raw) != length:
        raise InputError(f"{path}: the {what} file must hold {length} bytes, it holds {len(raw)}")
    return raw


def load_master_key(path: Path) -> bytes:
    return _read_hex_file(path, "master key", 32)


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_read_hex_file(path, "signing key", 32))


def public_key_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def sign(key: Ed25519PrivateKey, data: bytes) -> str:
    """The hex Ed25519 signature over the exact bytes ``data``."""
    return key.sign(data).hex()


def _write_new(path: Path, text: str, mode: int) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError as e:
        raise InputError(f"{path} already exists; refusing to overwrite a key") from e
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(text + "\n")


def generate_keys(out_dir: Path) -> KeyFiles:
    """Create ``master.key``, ``signing.key`` (0600) and ``signing.pub`` in ``out_dir``."""
    files = KeyFiles(out_dir / "master.key", out_dir / "signing.key", out_dir / "signing.pub")
    for p in (files.master_key, files.signing_key, files.signing_pub):
        if p.exists():
            raise InputError(f"{p} already exists; refusing to overwrite a key")
    out_dir.mkdir(parents=True, exist_ok=True)
    seed = secrets.token_bytes(32)
    key = Ed25519PrivateKey.from_private_bytes(seed)
    _write_new(files.master_key, secrets.token_bytes(32).hex(), 0o600)
    _write_new(files.signing_key, seed.hex(), 0o600)
    _write_new(files.signing_pub, public_key_hex(key), 0o644)
    return files
