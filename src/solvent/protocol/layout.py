"""The snapshot directory's names, finding its public part, and reading its small files.

Standard library only.  Every stage and edge uses these names instead of spelling
them again::

    DIR/public/snapshot.json (+ .sig), signing.pub, liabilities.csv, reserves.json, tree/*.bin
    DIR/private/users.csv
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from solvent.protocol.errors import FormatError, InputError

__all__ = [
    "LIABILITIES_FILE",
    "MANIFEST_FILE",
    "MAX_SMALL_FILE",
    "PRIVATE_DIR",
    "PUBLIC_DIR",
    "PUBLIC_KEY_FILE",
    "RESERVES_FILE",
    "SIGNATURE_FILE",
    "USERS_FILE",
    "open_regular",
    "public_dir",
    "users_file",
    "read_small_file",
]

PUBLIC_DIR = "public"
PRIVATE_DIR = "private"
MANIFEST_FILE = "snapshot.json"
SIGNATURE_FILE = "snapshot.json.sig"
PUBLIC_KEY_FILE = "signing.pub"
LIABILITIES_FILE = "liabilities.csv"
RESERVES_FILE = "reserves.json"
USERS_FILE = "users.csv"
MAX_SMALL_FILE = 64 * 1024 * 1024


def open_regular(path: Path, what: str) -> BinaryIO:
    """Open ``path`` for reading only if it is a regular file (InputError otherwise).

    Opened without blocking and looked at before anything is read: a FIFO with no writer
    would otherwise hang the reader for ever, and a device could be read without end.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError as e:
        raise InputError(f"{path}: {what} not found") from e
    except OSError as e:
        raise InputError(f"{path}: cannot read the {what} ({e.strerror})") from e
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"{path}: is a directory, expected the {what}")
        if not stat.S_ISREG(mode):
            raise InputError(f"{path}: not a regular file, expected the {what}", evidence={"file": str(path)})
    except BaseException:
        os.close(fd)
        raise
    f = os.fdopen(fd, "rb")
    return f


def read_small_file(path: Path, what: str, max_bytes: int = MAX_SMALL_FILE) -> bytes:
    """Read a whole regular file of bounded size.

    Missing, unreadable or not a regular file: InputError (a usage problem, exit 2); larger
    than ``max_bytes``: FormatError (what was published is not in its format, exit 1).
    """
    with open_regular(path, what) as f:
        try:
            data = f.read(max_bytes + 1)
        except OSError as e:
            raise InputError(f"{path}: cannot read the {what} ({e.strerror})") from e
    if len(data) > max_bytes:
        raise FormatError(f"{path}: the {what} is larger than {max_bytes} bytes", code="too-large")
    return data


def public_dir(path: Path) -> Path:
    """Accept a snapshot directory or its ``public/`` part."""
    if (path / PUBLIC_DIR / MANIFEST_FILE).is_file():
        return path / PUBLIC_DIR
    if (path / MANIFEST_FILE).is_file():
        return path
    raise InputError(f"{path}: not a snapshot directory (no {MANIFEST_FILE} in it or in its public/)")


def users_file(snapshot: Path) -> Path:
    """The private export of a snapshot directory: ``uid,user_secret,hashed_id``."""
    return snapshot / PRIVATE_DIR / USERS_FILE
