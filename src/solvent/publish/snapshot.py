"""The snapshot directory, written atomically.

::

    DIR/public/    safe to publish: snapshot.json (+ .sig), signing.pub, liabilities.csv,
                   tree/*.bin, reserves.json (when attached)
    DIR/private/   kept by the exchange: users.csv (uid, user_secret, hashed_id)

Everything is written into a fresh sibling directory ``.DIR.tmp-PID-XXXX`` on the same
file system and renamed to ``DIR`` only when the signed manifest is complete: a build
that fails for any reason leaves nothing half-written behind, and an existing
snapshot is never replaced unless asked (and then only after the new one is whole).
A build killed outright (SIGKILL, a power cut) cannot clean up after itself; the next
build of the same ``DIR`` removes the temporary folders of builds whose process is gone.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from solvent.protocol.errors import FormatError, InputError
from solvent.protocol.layout import MANIFEST_FILE, PRIVATE_DIR, PUBLIC_DIR, PUBLIC_KEY_FILE, SIGNATURE_FILE
from solvent.protocol.manifest import Manifest, check_file_name, parse_manifest
from solvent.protocol.v2.manifest import Manifest as ManifestV2
from solvent.publish.keys import public_key_hex, sign

__all__ = ["SnapshotWriter", "file_sha256"]

_RESERVED = {MANIFEST_FILE, SIGNATURE_FILE, PUBLIC_KEY_FILE}


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


def _sweep(parent: Path, name: str) -> None:
    """Remove the temporary folders earlier builds of ``name`` left when they were killed
    (their process is gone); a build still running keeps its own."""
    pattern = re.compile(re.escape(f".{name}.tmp-") + r"([0-9]+)-[A-Za-z0-9_]+")
    with contextlib.suppress(OSError):
        for entry in parent.iterdir():
            m = pattern.fullmatch(entry.name)
            if m and not entry.is_symlink() and entry.is_dir() and not _alive(int(m.group(1))):
                shutil.rmtree(entry, ignore_errors=True)


class SnapshotWriter:
    """Collects a snapshot in a temporary directory and publishes it with one rename."""

    def __init__(self, out: Path, *, replace: bool = False) -> None:
        self.out = out
        self.replace = replace
        if (out.exists() or out.is_symlink()) and not replace:
            raise InputError(f"{out} already exists; choose a new --out or pass --force to replace it")
        if out.exists() and not out.is_dir():
            raise InputError(f"{out} exists and is not a directory")
        parent = out.parent if str(out.parent) else Path()
        if not parent.is_dir():
            raise InputError(f"{parent}: the parent directory of --out does not exist")
        _sweep(parent, out.name)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=parent))
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
        shutil.rmtree(self.tmp, ignore_errors=True)
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
                path.chmod(0o600)
        self._publish()
        self._done = True
        return self.out

    def _publish(self) -> None:
        if not self.out.exists():
            os.rename(self.tmp, self.out)
            return
        if not self.replace:
            raise InputError(f"{self.out} appeared while building; not replacing it")
        old = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.old-", dir=self.out.parent))
        os.rename(self.out, old / "snapshot")
        os.rename(self.tmp, self.out)
        shutil.rmtree(old, ignore_errors=True)
