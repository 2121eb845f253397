"""Key files: the master key (user secrets) and the Ed25519 manifest signing key (threat O1).

``signing.pub`` is one line of 64 lower-case hex digits, the raw public key, as spec §5
(The snapshot manifest) fixes it.  The two private key files say what they are, so that
one can never be taken for the other, nor a public key for either::

    solvent master key v1            solvent signing key v1
    <64 lower-case hex digits>       <64 lower-case hex digits: the Ed25519 seed>

Exactly these two lines, each ended by one line feed: one spelling, parsed strictly.
Untyped private key files (64 bare hex digits, as solvent wrote them before) are refused
with the one command that converts them (:func:`upgrade_key_file`): bare hex is exactly
what ``signing.pub`` holds, and accepting it is how ``--signing-key-file keys/signing.pub``
once signed a snapshot with a "private" key everybody knows.

A private key file is read only if it is a regular file of at most :data:`MAX_KEY_FILE`
bytes (a FIFO or ``/dev/zero`` is refused before anything is read) that nobody but its
owner can read or write (otherwise the error gives the ``chmod 600`` that fixes it).
Secret files are created with mode 0600 by ``open`` itself, never overwritten, and no
error quotes what a key file holds.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shlex
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from solvent.protocol.errors import FormatError, InputError, SolventError
from solvent.protocol.layout import PUBLIC_KEY_FILE, open_regular
from solvent.protocol.signature import PRIVATE_KEY_MARK, parse_public_key

__all__ = [
    "KEY_KINDS",
    "MAX_KEY_FILE",
    "KeyFiles",
    "KeyKind",
    "format_key_file",
    "generate_keys",
    "load_master_key",
    "load_private_key",
    "load_signing_key",
    "public_key_hex",
    "sign",
    "upgrade_key_file",
    "write_key_file",
]

#: The two kinds of private key file.
KeyKind = Literal["master", "signing"]
KEY_KINDS: tuple[KeyKind, ...] = ("master", "signing")
#: A key file is 87 or 88 bytes; a larger file is not one, and is not read whole.
MAX_KEY_FILE = 4096
#: The file name ``solvent keygen`` gives each kind.
_FILE_NAME: dict[KeyKind, str] = {"master": "master.key", "signing": "signing.key"}
_VERSION = 1
_HEADER = re.compile(rb"solvent (master|signing) key v([0-9]{1,6})")
_HEX_LINE = re.compile(rb"[0-9a-f]{64}\n")
_BARE_HEX = re.compile(rb"[0-9A-Fa-f]{64}")


@dataclass(frozen=True)
class KeyFiles:
    master_key: Path
    signing_key: Path
    signing_pub: Path


def _header(kind: KeyKind) -> bytes:
    header = f"solvent {kind} key v{_VERSION}\n".encode("ascii")
    assert header.startswith(PRIVATE_KEY_MARK)  # what every public-key reader refuses
    return header


def format_key_file(kind: KeyKind, key: bytes) -> bytes:
    """The bytes of a ``kind`` key file holding the 32-byte ``key``."""
    if kind not in KEY_KINDS or len(key) != 32:
        raise ValueError("a key file holds a master or signing key of 32 bytes")
    return _header(kind) + key.hex().encode("ascii") + b"\n"


def _read_key_file(path: Path, what: str) -> tuple[bytes, int]:
    """The bytes and mode of a regular file of at most :data:`MAX_KEY_FILE` bytes."""
    with open_regular(path, what) as f:
        try:
            mode = os.fstat(f.fileno()).st_mode
            data = f.read(MAX_KEY_FILE + 1)
        except OSError as e:
            raise InputError(f"{path}: cannot read the {what} ({e.strerror})") from e
    if len(data) > MAX_KEY_FILE:
        raise InputError(f"{path}: larger than {MAX_KEY_FILE} bytes: not a {what}", evidence={"file": str(path)})
    return data, mode


def _is_bare_hex(data: bytes) -> bool:
    return _BARE_HEX.fullmatch(data.strip(b" \t\r\n")) is not None


def _same_as_public_key_beside(path: Path, data: bytes) -> bool:
    """Whether ``data`` holds the very key of the ``signing.pub`` next to ``path`` (or is it)."""
    try:
        with open_regular(path.with_name(PUBLIC_KEY_FILE), "public key") as f:
            public = parse_public_key(f.read(MAX_KEY_FILE), PUBLIC_KEY_FILE)
    except SolventError:
        return False
    return data.strip(b" \t\r\n").lower() == public.hex().encode("ascii")


def _upgrade_hint(path: Path, kind: KeyKind) -> str:
    return f"solvent keygen --upgrade {shlex.quote(str(path))} --kind {kind}"


def _check_private_mode(path: Path, mode: int, kind: KeyKind) -> None:
    """A secret key file only its owner -- this user -- can read or write or replace (as ssh's StrictModes)."""
    if os.name != "posix":
        return
    quoted = shlex.quote(str(path))
    if mode & 0o077:
        raise InputError(
            f"{path}: the {kind} key is a secret, but other users can read or write this file "
            f"(mode {stat.filemode(mode)}); restrict it to its owner with: chmod 600 {quoted}",
            evidence={"file": str(path), "mode": oct(stat.S_IMODE(mode))},
        )
    info = path.stat()
    if info.st_uid != os.geteuid():
        raise InputError(
            f"{path}: the {kind} key belongs to another user (uid {info.st_uid}), who could replace it; "
            f"take it over with: chown {os.geteuid()} {quoted}",
            evidence={"file": str(path), "owner": info.st_uid},
        )
    folder = path.resolve().parent
    folder_mode = folder.stat().st_mode
    if folder_mode & 0o022 and not folder_mode & stat.S_ISVTX:
        raise InputError(
            f"{path}: the {kind} key is in a folder other users can write to ({folder}), so they could "
            f"replace it; restrict the folder with: chmod go-w {shlex.quote(str(folder))}",
            evidence={"file": str(path), "folder_mode": oct(stat.S_IMODE(folder_mode))},
        )


def _parse_typed(data: bytes, path: Path, kind: KeyKind) -> bytes:
    """The key of a typed key file of ``kind`` (InputError for any other content, never quoted)."""
    what = f"{kind} key file"
    first = data.split(b"\n", 1)[0]
    header = _HEADER.fullmatch(first)
    if header is None:
        if _is_bare_hex(data):
            beside = _same_as_public_key_beside(path, data)
            raise InputError(
                f"{path}: 64 bare hex digits are not a {what}: "
                + (
                    f"they are the public key that {path.with_name(PUBLIC_KEY_FILE)} holds, and a public "
                    "key is never a private one"
                    if beside
                    else (
                        f"a public key ({PUBLIC_KEY_FILE}) looks the same, so an untyped file is not used "
                        f"as a private key. If this is your {kind} key, written by an older solvent, convert "
                        f"it once with: {_upgrade_hint(path, kind)}"
                    )
                ),
                evidence={"file": str(path)},
            )
        raise InputError(
            f"{path}: not a solvent {what} (its first line must be 'solvent {kind} key v{_VERSION}', "
            "as solvent keygen writes it)",
            evidence={"file": str(path)},
        )
    found = header.group(1).decode("ascii")
    if found != kind:
        raise InputError(
            f"{path}: this is the {found} key, not the {kind} key: the {found} key is never used as the "
            f"{kind} key (give the {_FILE_NAME[kind]} that solvent keygen wrote)",
            evidence={"file": str(path), "expected": f"{kind} key", "found": f"{found} key"},
        )
    if header.group(2) != str(_VERSION).encode("ascii"):
        raise InputError(
            f"{path}: unsupported version of the {what} (v{header.group(2).decode('ascii')}; this solvent "
            f"reads v{_VERSION})",
            evidence={"file": str(path)},
        )
    body = data[len(first) + 1 :]
    if len(data) <= len(first) or _HEX_LINE.fullmatch(body) is None:
        raise InputError(
            f"{path}: not a solvent {what}: after its first line it holds exactly one line of 64 "
            "lower-case hex digits",
            evidence={"file": str(path)},
        )
    return bytes.fromhex(body[:64].decode("ascii"))


def load_private_key(path: Path, kind: KeyKind) -> bytes:
    """The 32 bytes of the ``kind`` key file ``path`` (InputError, exit 2, for anything else:
    another kind, a public key, an untyped or malformed file, a special or large file, a file
    others can read)."""
    data, mode = _read_key_file(path, f"{kind} key file")
    key = _parse_typed(data, path, kind)
    _check_private_mode(path, mode, kind)
    return key


def load_master_key(path: Path) -> bytes:
    return load_private_key(path, "master")


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(load_private_key(path, "signing"))


def public_key_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def sign(key: Ed25519PrivateKey, data: bytes) -> str:
    """The hex Ed25519 signature over the exact bytes ``data``."""
    return key.sign(data).hex()


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``mode`` from its first byte (O_EXCL: never an existing file)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError as e:
        raise InputError(f"{path} already exists; refusing to overwrite a key") from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise


def write_key_file(path: Path, kind: KeyKind, key: bytes) -> None:
    """Create the ``kind`` key file ``path`` holding ``key`` (mode 0600; never overwrites)."""
    _write_new(path, format_key_file(kind, key), 0o600)


def generate_keys(out_dir: Path) -> KeyFiles:
    """Create ``master.key``, ``signing.key`` (0600) and ``signing.pub`` in ``out_dir``."""
    files = KeyFiles(out_dir / _FILE_NAME["master"], out_dir / _FILE_NAME["signing"], out_dir / PUBLIC_KEY_FILE)
    for p in (files.master_key, files.signing_key, files.signing_pub):
        if p.exists():
            raise InputError(f"{p} already exists; refusing to overwrite a key")
    out_dir.mkdir(parents=True, exist_ok=True)
    seed = secrets.token_bytes(32)
    key = Ed25519PrivateKey.from_private_bytes(seed)
    write_key_file(files.master_key, "master", secrets.token_bytes(32))
    write_key_file(files.signing_key, "signing", seed)
    _write_new(files.signing_pub, (public_key_hex(key) + "\n").encode("ascii"), 0o644)
    return files


def upgrade_key_file(path: Path, kind: KeyKind) -> bool:
    """Rewrite the untyped ``kind`` key file ``path`` (64 bare hex digits, as an older solvent
    wrote it) as a typed one holding the same key; False if it already is one.

    The operator names the kind; what can be checked is checked first, since a wrong guess
    here is the very confusion typed files prevent: a file named or made like the other kind,
    a public key (``*.pub``, or the key in the ``signing.pub`` beside it), a signing key
    whose public key is not that ``signing.pub``, a file others can read.  The new file is
    written beside the old one (0600 from its first byte) and renamed over it.
    """
    if kind not in KEY_KINDS:
        raise InputError(f"--kind: {kind!r} is not a key kind (master or signing)")
    data, mode = _read_key_file(path, f"{kind} key file")
    first = data.split(b"\n", 1)[0]
    if _HEADER.fullmatch(first):
        _parse_typed(data, path, kind)  # the right kind and well formed, or a clear error
        _check_private_mode(path, mode, kind)
        return False
    if not _is_bare_hex(data):
        raise InputError(
            f"{path}: not an untyped key file (64 hex digits on one line), nothing to convert",
            evidence={"file": str(path)},
        )
    other: KeyKind = "signing" if kind == "master" else "master"
    if path.suffix == ".pub":
        raise InputError(f"{path}: a .pub file is a public key, never a private one", evidence={"file": str(path)})
    if path.is_symlink():
        raise InputError(
            f"{path}: a symbolic link; convert the key file it points to ({path.resolve()}) instead "
            "(nothing converted)",
            evidence={"file": str(path)},
        )
    if path.name == _FILE_NAME[other]:
        raise InputError(
            f"{path}: solvent keygen names the {other} key {path.name}; refusing to make it a {kind} key "
            f"(if it really is the {kind} key, rename it first)",
            evidence={"file": str(path)},
        )
    if _same_as_public_key_beside(path, data):
        raise InputError(
            f"{path}: holds the public key of the {PUBLIC_KEY_FILE} beside it; a public key is never a private one",
            evidence={"file": str(path)},
        )
    _check_private_mode(path, mode, kind)
    raw = bytes.fromhex(data.strip(b" \t\r\n").decode("ascii"))
    pub_path = path.with_name(PUBLIC_KEY_FILE)
    if kind == "signing" and not pub_path.exists():
        # without the public key to compare, a copied signing.pub would become a "signing key"
        # whose seed everybody knows: the very confusion typed files exist to end
        raise InputError(
            f"{path}: a signing key is converted only beside its {PUBLIC_KEY_FILE}, to check that its public "
            f"key is that one (nothing converted); put the {PUBLIC_KEY_FILE} you publish beside it",
            evidence={"file": str(path)},
        )
    if pub_path.exists():
        try:
            with open_regular(pub_path, "public key") as f:
                public = parse_public_key(f.read(MAX_KEY_FILE), str(pub_path))
        except (InputError, FormatError) as e:
            raise InputError(f"{pub_path}: beside the key, but unreadable as a public key ({e})") from e
        derived = bytes.fromhex(public_key_hex(Ed25519PrivateKey.from_private_bytes(raw)))
        if kind == "signing" and derived != public:
            raise InputError(
                f"{path}: its public key is not the one in {pub_path}: is this the signing key? "
                "(nothing converted)",
                evidence={"file": str(path)},
            )
        if kind == "master" and derived == public:
            raise InputError(
                f"{path}: this is the signing key of {pub_path}, not the master key (nothing converted)",
                evidence={"file": str(path)},
            )
    temporary = path.with_name(f".{path.name}.upgrade-{secrets.token_hex(4)}")
    write_key_file(temporary, kind, raw)
    try:
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    return True
