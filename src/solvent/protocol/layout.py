"""The snapshot directory's names, finding its public part, reading its small files, writing outputs beside it.

Standard library only.  Every stage and edge uses these names instead of spelling
them again::

    DIR/public/snapshot.json (+ .sig), signing.pub, liabilities.csv, reserves.json, tree/*.bin
    DIR/private/users.csv
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
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
    "check_output_file",
    "open_regular",
    "public_dir",
    "users_file",
    "read_small_file",
    "write_output_file",
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


def _snapshot_folders(directory: Path) -> list[Path]:
    """The folders that hold a snapshot's own files, given the snapshot or its ``public/``
    part: its ``public/`` and ``private/`` folders (a bare public folder: itself)."""
    given = directory.absolute()
    if (given / PUBLIC_DIR / MANIFEST_FILE).is_file():
        folders = [given / PUBLIC_DIR, given / PRIVATE_DIR]
    elif given.name == PUBLIC_DIR:
        folders = [given, given.parent / PRIVATE_DIR]
    else:
        folders = [given]
    # each folder as given and as resolved: a public/ that is a link to other storage
    # holds the snapshot's files there too
    return [*folders, *(f.resolve() for f in folders)]


def check_output_file(out: Path, *, snapshots: Iterable[Path], option: str) -> None:
    """:func:`write_output_file`'s refusal, for a command to make before its work: ``out``
    (links and ``..`` resolved) must not be inside the ``public/`` or ``private/`` folder of
    a snapshot the command reads (a report beside them, in the snapshot's folder, is fine)."""
    # the target fully resolved, and with only its folder resolved: a published file that is
    # itself a link to elsewhere is still a file of the snapshot
    targets = {out.resolve(), out.absolute().parent.resolve() / out.name, out.absolute()}
    for given in snapshots:
        folders = _snapshot_folders(given)
        if any(t == folder or folder in t.parents for t in targets for folder in folders):
            raise InputError(
                f"{option} {out} is inside the snapshot {given} that this command reads: write it elsewhere",
                evidence={"output": str(out), "snapshot": str(given)},
            )


def write_output_file(out: Path, data: bytes, *, snapshots: Iterable[Path], option: str) -> None:
    """Write a command's output file (``prove --out``, ``report --html``): never into a
    snapshot the command reads, and whole or not at all.

    A path inside the ``public/`` or ``private/`` folder of one of ``snapshots`` (links and
    ``..`` resolved) is refused (InputError, exit 2): a proof or report written over
    ``snapshot.json`` would leave a snapshot that no longer audits.  A regular file is
    written beside its target and renamed over it, so a reader never sees half of it; a
    terminal, pipe or other special file the user names (``--out /dev/stdout``) is written
    to as it is.
    """
    check_output_file(out, snapshots=snapshots, option=option)
    target = out.resolve()
    try:
        mode = os.stat(out).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as e:
        raise InputError(f"{out}: cannot write here ({e.strerror})") from e
    if mode is not None and stat.S_ISDIR(mode):
        raise InputError(f"{option} {out} is a directory: give a file name")
    if mode is not None and not stat.S_ISREG(mode):
        try:
            with open(out, "wb") as f:
                f.write(data)
        except OSError as e:
            raise InputError(f"{out}: cannot write here ({e.strerror})") from e
        return
    temporary = target.with_name(f".{target.name}.tmp-{os.getpid()}-{os.urandom(4).hex()}")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        # a file replaced keeps its mode (a customer's 0600 proof stays private); a new one
        # gets what the umask allows, as any file the shell's > would create
        if mode is not None:
            os.fchmod(fd, stat.S_IMODE(mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o644 & ~umask)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, target)
    except OSError as e:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise InputError(f"{out}: cannot write here ({e.strerror})") from e
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
