"""The snapshot directory, written atomically.

::

    DIR/public/    safe to publish: snapshot.json (+ .sig), signing.pub, liabilities.csv,
                   tree/*.bin, reserves.json (when attached)
    DIR/private/   kept by the exchange: users.csv (uid, user_secret, hashed_id)

Everything is written into a fresh sibling directory ``.DIR.tmp-PID-XXXX`` on the same
file system and renamed to ``DIR`` only when the signed manifest is complete: a build
that fails for any reason leaves nothing half-written behind, and an existing
snapshot is never replaced unless asked (and then only after the new one is whole).

**Replacing** (``--force``) is allowed only for a folder that solvent made, recognised by
the marker file :data:`MARKER_FILE` it writes there naming the kind of output, and only
when the folder holds none of the command's inputs: ``--out`` pointed at the folder that
holds the ledger and the keys must not delete them (:func:`check_output`).

**Signals.** Removing the temporary folder (a failed or interrupted build) and the
two renames that swap a snapshot in run with SIGINT and SIGTERM held back
(:func:`signals_deferred`): a second Ctrl-C cannot stop the clean-up half-way and leave
``private/users.csv`` behind; the held signal is delivered once the clean-up is over.

**Kills.** A build killed outright (SIGKILL, a power cut) cannot clean up after itself;
the next build or publish of the same ``DIR`` removes the temporary folders of runs whose
process is gone and, should one have died between the two renames of a replacement,
puts the previous snapshot back (:func:`sweep`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from solvent.protocol.errors import FormatError, InputError
from solvent.protocol.layout import MANIFEST_FILE, PRIVATE_DIR, PUBLIC_DIR, PUBLIC_KEY_FILE, SIGNATURE_FILE
from solvent.protocol.manifest import Manifest, check_file_name, parse_manifest
from solvent.protocol.v2.manifest import Manifest as ManifestV2
from solvent.publish.keys import public_key_hex, sign

__all__ = [
    "CRASH_ENV",
    "MARKER_FILE",
    "SNAPSHOT_KIND",
    "SnapshotWriter",
    "check_output",
    "crash_point",
    "file_sha256",
    "remove_tree",
    "replace_folder",
    "secret_file",
    "signals_deferred",
    "sweep",
    "write_marker",
]

_RESERVED = {MANIFEST_FILE, SIGNATURE_FILE, PUBLIC_KEY_FILE}

#: Written into every folder solvent makes (a snapshot, a static site): ``solvent-output KIND``.
#: ``--force`` replaces a folder only when this file names the same kind.
MARKER_FILE = ".solvent-output"
SNAPSHOT_KIND = "snapshot"

#: The fault-injection suite (tests/faults) names a stage here; the process SIGKILLs itself there.
CRASH_ENV = "SOLVENT_CRASH_AT"


def crash_point(stage: str) -> None:
    """Die at once, as a power cut would, if the fault-injection suite asked for ``stage``.

    A deterministic kill: the suite needs to stop a run at a named point (after the spill,
    between the two renames of a replacement, ...) without racing a timer.  Unset in any
    real run, this is one environment look-up.
    """
    if os.environ.get(CRASH_ENV) == stage:
        os.kill(os.getpid(), signal.SIGKILL)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while the block runs, then deliver the first one held.

    For clean-ups and renames that must not stop half-way: a second Ctrl-C arriving while
    the temporary folder is being removed would otherwise leave the rest of it (and the
    users' secrets) on disk.  Only the main thread can set handlers; elsewhere this does
    nothing.
    """
    held: list[int] = []

    def hold(signum: int, frame: object) -> None:
        held.append(signum)

    try:
        previous = {s: signal.signal(s, hold) for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if held:
            signal.raise_signal(held[0])


def remove_tree(path: Path) -> None:
    """Remove ``path`` whole, signals held back; tried again should a late writer (a worker
    thread still finishing) have added a file while it was being removed."""
    with signals_deferred():
        for _ in range(5):
            shutil.rmtree(path, ignore_errors=True)
            if not (path.exists() or path.is_symlink()):
                return


def secret_file(path: Path, *, append: bool = False) -> int:
    """Open ``path`` for writing, created with mode 0600 from its first byte (never created
    readable and narrowed afterwards), never through a symbolic link: a file descriptor for
    :func:`os.fdopen`."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_APPEND if append else os.O_EXCL)
    return os.open(path, flags, 0o600)


def write_marker(folder: Path, kind: str) -> None:
    (folder / MARKER_FILE).write_text(f"solvent-output {kind}\n", encoding="ascii")


def _made_by_solvent(folder: Path, kind: str) -> bool:
    marker = folder / MARKER_FILE
    try:
        if marker.is_symlink() or not marker.is_file():
            return False
        with marker.open("rb") as f:
            return f.read(64) == f"solvent-output {kind}\n".encode("ascii")
    except OSError:
        return False


def _input_root(path: Path) -> Path:
    """The file or folder an input names; for a glob (``export/part-*.parquet``), the folder
    above its first wildcard."""
    parts = path.parts
    for i, part in enumerate(parts):
        if any(c in part for c in "*?["):
            return Path(*parts[:i]) if i else Path()
    return path


def _inside(inner: Path, outer: Path) -> bool:
    return inner == outer or outer in inner.parents


def check_output(out: Path, inputs: Iterable[Path | None], *, replace: bool, kind: str, option: str) -> None:
    """Refuse an output folder that would destroy or swallow an input (exit 2).

    Every path is resolved (symbolic links, ``..``): an input equal to or inside ``out``
    would be deleted by a replacement or mixed into what is published, and ``out`` inside
    an input folder would be written into what is being read.  With ``replace``, an
    existing ``out`` must be a folder solvent made for the same ``kind`` (its marker file).
    """
    target = out.resolve()
    for given in inputs:
        if given is None:
            continue
        source = _input_root(given).resolve()
        if _inside(source, target):
            raise InputError(
                f"{option} {out} holds the input {given}: choose an output folder apart from the inputs",
                evidence={"output": str(out), "input": str(given)},
            )
        if source.is_dir() and _inside(target, source):
            raise InputError(
                f"{option} {out} is inside the input folder {given}: choose an output folder apart from the inputs",
                evidence={"output": str(out), "input": str(given)},
            )
    exists = out.exists() or out.is_symlink()
    if replace and exists and (out.is_symlink() or not out.is_dir() or not _made_by_solvent(out, kind)):
        raise InputError(
            f"{out} was not made by solvent (it has no {MARKER_FILE} naming a {kind}); --force replaces "
            f"only a {kind} folder solvent wrote: remove it yourself or choose another {option}",
            evidence={"output": str(out)},
        )


def _tmp_prefix(name: str) -> str:
    return f".{name}.tmp-{os.getpid()}-"


def _old_prefix(name: str) -> str:
    return f".{name}.old-{os.getpid()}-"


def file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def sweep(parent: Path, name: str, *, inner: str) -> list[str]:
    """Clean up after earlier runs writing ``parent/name`` that were killed (their process
    is gone; a run still going keeps its own folders); returns what was done, one line each.

    ``.NAME.tmp-PID-*``: a half-written output, removed.  ``.NAME.old-PID-*``: the previous
    output set aside by a replacement (as ``inner``); if the run died before the new output
    took its place, the previous one is put back, otherwise it is removed.
    """
    done: list[str] = []
    tmp = re.compile(re.escape(f".{name}.tmp-") + r"([0-9]+)-[A-Za-z0-9_]+")
    old = re.compile(re.escape(f".{name}.old-") + r"([0-9]+)-[A-Za-z0-9_]+")
    out = parent / name
    with contextlib.suppress(OSError):
        for entry in sorted(parent.iterdir()):
            m = tmp.fullmatch(entry.name) or old.fullmatch(entry.name)
            if not m or entry.is_symlink() or not entry.is_dir() or _alive(int(m.group(1))):
                continue
            kept = entry / inner
            if m.re is old and kept.is_dir() and not (out.exists() or out.is_symlink()):
                os.rename(kept, out)
                done.append(f"restored {out} from an interrupted replacement")
            remove_tree(entry)
            done.append(f"removed {entry.name}, left by an interrupted run")
    return done


class SnapshotWriter:
    """Collects a snapshot in a temporary directory and publishes it with one rename."""

    def __init__(self, out: Path, *, replace: bool = False, inputs: Iterable[Path | None] = ()) -> None:
        self.out = out
        self.replace = replace
        parent = out.parent if str(out.parent) else Path()
        if not parent.is_dir():
            raise InputError(f"{parent}: the parent directory of --out does not exist")
        #: What the sweep of earlier killed runs did (the command may show it).
        self.swept = sweep(parent, out.name, inner="snapshot")
        if (out.exists() or out.is_symlink()) and not replace:
            raise InputError(f"{out} already exists; choose a new --out or pass --force to replace it")
        if out.exists() and not out.is_dir():
            raise InputError(f"{out} exists and is not a directory")
        check_output(out, inputs, replace=replace, kind=SNAPSHOT_KIND, option="--out")
        self.tmp = Path(tempfile.mkdtemp(prefix=_tmp_prefix(out.name), dir=parent))
        self.public = self.tmp / PUBLIC_DIR
        self.private = self.tmp / PRIVATE_DIR
        self.public.mkdir()
        self.private.mkdir(mode=0o700)
        self._digests: dict[str, str] = {}
        self._done = False

    def __enter__(self) -> SnapshotWriter:
        return self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None, tb: TracebackType | None) -> None:
        if not self._done:
            self.abort()

    def abort(self) -> None:
        remove_tree(self.tmp)
        self._done = True

    def bind(self, name: str, digest: str | None = None) -> str:
        """Record a file under ``public/`` for the manifest's ``files`` (hashing it if needed)."""
        check_file_name(name)
        if name in _RESERVED:
            raise ValueError(f"{name} is written by the snapshot writer itself")
        self._digests[name] = digest or file_sha256(self.public / name)
        return self._digests[name]

    def add_public_bytes(self, name: str, data: bytes) -> str:
        path = self.public / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return self.bind(name, hashlib.sha256(data).hexdigest())

    @property
    def digests(self) -> dict[str, str]:
        return dict(self._digests)

    def finish(
        self,
        manifest: Manifest | ManifestV2,
        key: Ed25519PrivateKey,
        *,
        parse: Callable[[bytes], object] = parse_manifest,
    ) -> Path:
        """Write and sign the manifest, then move the snapshot into place.

        ``parse`` is the manifest's own strict parser (v1's by default): what a verifier
        would refuse to read is never signed.
        """
        if dict(manifest.files) != self._digests:
            raise ValueError("the manifest's files differ from the files written")
        data = manifest.to_json()
        try:
            parse(data)  # never sign what a verifier would refuse to read
        except FormatError as e:
            raise InputError(f"the snapshot manifest would not be valid: {e}") from e
        (self.public / MANIFEST_FILE).write_bytes(data)
        (self.public / SIGNATURE_FILE).write_text(sign(key, data) + "\n", encoding="ascii")
        (self.public / PUBLIC_KEY_FILE).write_text(public_key_hex(key) + "\n", encoding="ascii")
        for path in self.private.rglob("*"):
            if path.is_file():
                path.chmod(0o600)  # a file some other writer made: never readable once published
        write_marker(self.tmp, SNAPSHOT_KIND)
        crash_point("build:signed")
        with signals_deferred():
            replace_folder(self.tmp, self.out, replace=self.replace, inner="snapshot")
            self._done = True
        return self.out


def replace_folder(new: Path, out: Path, *, replace: bool, inner: str) -> None:
    """Move the finished ``new`` to ``out``; an existing ``out`` (with ``replace``) is first
    set aside in ``.OUT.old-PID-*`` and removed once ``new`` is in place.  A kill between the
    two renames leaves the previous output there for the next run's :func:`sweep` to restore."""
    if not (out.exists() or out.is_symlink()):
        os.rename(new, out)
        return
    if not replace:
        raise InputError(f"{out} appeared while writing; not replacing it")
    parent = out.parent if str(out.parent) else Path()
    old = Path(tempfile.mkdtemp(prefix=_old_prefix(out.name), dir=parent))
    os.rename(out, old / inner)
    crash_point("replace:between-renames")
    try:
        os.rename(new, out)
    except BaseException:
        os.rename(old / inner, out)  # the previous output stays where it was
        remove_tree(old)
        raise
    crash_point("replace:renamed")
    remove_tree(old)
