"""The snapshots a page serves: loaded once, checked, memory-mapped, newest first.

Each directory is a built snapshot (``DIR/public/snapshot.json``) or its ``public/``
folder, of protocol v1 or v2 (:func:`solvent.protocol.versions.parse_any_manifest`
tells them apart). Loading one checks what binds it and refuses to serve a snapshot that
does not check out: a page must never show a manifest its own signature contradicts, nor
offer a file whose SHA-256 differs from the one the manifest binds.

* the manifest's Ed25519 signature with the ``signing.pub`` beside it, and ``reserves.json``
  bound in it and belonging to this snapshot: :func:`solvent.pipeline.report.load_snapshot`,
  the same path as ``solvent report``, for either version;
* every file the manifest binds is there and hashes to its digest (``liabilities.csv`` or
  ``liabilities/<S>.csv``, the tree files, ``reserves.json``): read once, at start-up;
* with reserves, the solvency report per asset (:func:`~solvent.pipeline.report.assess_snapshot`,
  balances re-read with the server's own nodes, else counted as declared).

Proofs come from :func:`solvent.pipeline.lookup.open_proofs` (the look-up ``solvent prove``
uses); the browser re-verifies every one against the signed roots.

Only the files named in :data:`PUBLIC_FILES` can ever leave a snapshot: nothing is
served by path, so nothing under ``private/`` (or anywhere else) is reachable. And a file
leaves only as it was checked (:class:`VerifiedFile`): a small one from the checked bytes,
a large one piece by piece, each piece hashed again and sent only if it matches the digest
recorded for it when the whole file was checked (:meth:`Snapshot.open_file`). A byte
changed after start-up is never served: the answer is cut short before it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from solvent.pipeline.lookup import SnapshotProofs, SnapshotProofsV2
from solvent.pipeline.report import (
    AnySource,
    VerifierSettings,
    assess_snapshot,
    load_snapshot,
    opened_sources,
    report_to_dict,
)
from solvent.protocol.amounts import format_units
from solvent.protocol.errors import BadSignature, FileDigestMismatch, InputError, ManifestMismatch, NotFound
from solvent.protocol.layout import (
    LIABILITIES_FILE,
    MANIFEST_FILE,
    PUBLIC_KEY_FILE,
    RESERVES_FILE,
    SIGNATURE_FILE,
    open_regular,
    public_dir,
    read_small_file,
)
from solvent.protocol.manifest import Manifest
from solvent.protocol.signature import parse_public_key, parse_signature, verify_manifest_signature
from solvent.protocol.versions import AnyManifest
from solvent.report.solvency import SolvencyReport
from solvent.reserves.block_window import DEFAULT_WINDOW, format_duration
from solvent.reserves.tokens import BUILTIN_TOKENS
from solvent.tree.store import PIECE, TreeReader

__all__ = [
    "IN_MEMORY",
    "PUBLIC_FILES",
    "Catalog",
    "Snapshot",
    "VerifiedFile",
    "check_file_digests",
    "load_catalog",
    "time_key",
    "verify_bound_files",
]

#: The files a snapshot serves besides those its manifest binds (by name under ``public/``).
PUBLIC_FILES: Mapping[str, str] = {
    MANIFEST_FILE: "application/json",
    SIGNATURE_FILE: "text/plain; charset=us-ascii",
    PUBLIC_KEY_FILE: "text/plain; charset=us-ascii",
    LIABILITIES_FILE: "text/csv; charset=utf-8",
    RESERVES_FILE: "application/json",
}
#: The three files every snapshot of either version serves whatever its manifest binds.
_SIGNED_FILES = (MANIFEST_FILE, SIGNATURE_FILE, PUBLIC_KEY_FILE)
#: A large published file is sent in groups of :data:`~solvent.tree.store.PIECE`-byte pieces,
#: each piece checked again against the SHA-256 kept of it at start-up before it leaves.
_SEND_PIECES = 16

log = logging.getLogger("solvent.web")


def content_type(name: str) -> str:
    """The media type a published file is served with (a per-asset CSV is a CSV)."""
    if name in PUBLIC_FILES:
        return PUBLIC_FILES[name]
    if name.endswith(".csv"):
        return "text/csv; charset=utf-8"
    if name.endswith(".json"):
        return "application/json"
    return "application/octet-stream"


def time_key(taken_at: str) -> tuple[str, str]:
    """A sort key for RFC 3339 UTC times: seconds, then the fraction padded (``.5Z`` after ``Z``)."""
    whole, _, fraction = taken_at.rstrip("Z").partition(".")
    return whole, fraction.ljust(9, "0")


#: A bound file up to this size is kept in memory as it was verified at start-up and served from there.
IN_MEMORY = 1 << 20


@dataclass(frozen=True)
class VerifiedFile:
    """A published file as it was checked at start-up: its size, its SHA-256 and, if small, its bytes.

    A file is served only as these say: a small one from ``data`` (the checked bytes, whatever
    happens to the file later), a larger one by :meth:`Snapshot.open_file`, which reads it in
    pieces of :data:`PIECE` bytes and sends a piece only if it hashes to its entry in
    ``pieces`` (the SHA-256 of each piece, taken in the same pass that checked the whole file
    against the manifest: 32 bytes per 16 KiB, 2 MiB of memory for a 1 GiB file).  The tree
    readers of ``solvent serve`` read through the same digests (:class:`~solvent.tree.store.ReadAt`).
    """

    name: str
    path: Path
    size: int
    sha256: str
    data: bytes | None
    pieces: tuple[bytes, ...] = ()


def verify_bound_files(public: Path, files: Mapping[str, str]) -> dict[str, VerifiedFile]:
    """Every file the manifest binds is under ``public`` and hashes to its SHA-256 (read in 1 MiB chunks).

    A missing file is a ManifestMismatch, a different one a FileDigestMismatch, each naming it.
    """
    root = public.resolve()
    verified: dict[str, VerifiedFile] = {}
    for name, expected in sorted(files.items()):
        path = public / name
        if not path.is_file() or not path.resolve().is_relative_to(root):
            raise ManifestMismatch(
                f"{path}: the manifest binds {name} but the file is missing",
                evidence={"file": name, "expected_sha256": expected},
            )
        digest = hashlib.sha256()
        size = 0
        chunks: list[bytes] = []
        pieces: list[bytes] = []
        with path.open("rb") as f:
            while chunk := f.read(64 * PIECE):  # whole pieces but the last
                digest.update(chunk)
                view = memoryview(chunk)
                pieces += [hashlib.sha256(view[at : at + PIECE]).digest() for at in range(0, len(chunk), PIECE)]
                size += len(chunk)
                if size <= IN_MEMORY:
                    chunks.append(chunk)
        if not hmac.compare_digest(digest.hexdigest(), expected):
            raise FileDigestMismatch(
                f"{path}: SHA-256 differs from the one the manifest binds for {name}",
                evidence={"file": name, "expected": expected, "computed": digest.hexdigest()},
            )
        if size <= IN_MEMORY:
            verified[name] = VerifiedFile(name, path, size, expected, b"".join(chunks))
        else:
            verified[name] = VerifiedFile(name, path, size, expected, None, tuple(pieces))
    return verified


def check_file_digests(public: Path, files: Mapping[str, str]) -> None:
    """:func:`verify_bound_files`, for a caller that needs only the check."""
    verify_bound_files(public, files)


def _signed_files(public: Path, manifest_bytes: bytes, public_key: str) -> dict[str, VerifiedFile]:
    """The manifest, its signature and key, as served: the manifest's checked bytes, and the
    signature and key read once more and checked against them (the files could have changed
    since :func:`load_snapshot` read them)."""
    sig_path, key_path = public / SIGNATURE_FILE, public / PUBLIC_KEY_FILE
    sig_bytes = read_small_file(sig_path, "signature")
    key_bytes = read_small_file(key_path, "public key")
    key = parse_public_key(key_bytes, str(key_path))
    if key.hex() != public_key:
        raise BadSignature(f"{key_path}: changed while the snapshot was being loaded", code="key-changed")
    verify_manifest_signature(manifest_bytes, parse_signature(sig_bytes, str(sig_path)), key)
    return {
        name: VerifiedFile(name, public / name, len(data), hashlib.sha256(data).hexdigest(), data)
        for name, data in ((MANIFEST_FILE, manifest_bytes), (SIGNATURE_FILE, sig_bytes), (PUBLIC_KEY_FILE, key_bytes))
    }


@dataclass(frozen=True)
class Snapshot:
    """One served snapshot: its checked manifest, its files and its proof look-up."""

    public: Path
    manifest: AnyManifest
    manifest_bytes: bytes
    public_key: str
    #: The solvency report (``solvent.report`` JSON form), or None without reserves.json.
    reserves: dict[str, Any] | None
    proofs: SnapshotProofs | SnapshotProofsV2 = field(repr=False)
    #: The files served, as checked at load: the manifest, its signature and key, every bound file.
    verified: Mapping[str, VerifiedFile] = field(default_factory=dict, repr=False)
    #: The solvency report ``reserves`` was made from (None without reserves.json): the history's figures.
    report: SolvencyReport | None = field(default=None, repr=False)
    #: How the reserves were checked, for ``solvent report`` to do the same (:func:`checked_with`).
    checked_with: Mapping[str, Any] | None = field(default=None, repr=False)

    @property
    def snapshot_id(self) -> str:
        return self.manifest.snapshot_id

    @property
    def version(self) -> int:
        return self.proofs.version

    @property
    def reader(self) -> TreeReader:
        """The tree files of a v1 snapshot (for the tree view), opened by the proof look-up."""
        assert isinstance(self.proofs, SnapshotProofs), "a v2 snapshot has one tree per asset (proofs.reader)"
        return self.proofs.reader

    def close(self) -> None:
        self.proofs.close()

    def file_path(self, name: str) -> Path | None:
        """The path of a published file, or None: only the manifest, its signature and key, and
        the files the signed manifest binds (safe relative names, spec §5 (The snapshot manifest),
        their digests checked at load) are ever looked up."""
        if name not in _SIGNED_FILES and name not in self.manifest.files:
            return None
        if self.verified and name not in self.verified:
            return None
        path = self.public / name
        if not path.is_file() or not path.resolve().is_relative_to(self.public.resolve()):
            return None
        return path

    def open_file(self, name: str, *, read: bool = True) -> tuple[VerifiedFile, Iterator[bytes]]:
        """A served file, as checked at load, and its bytes: FileDigestMismatch if it changed.

        Small files come from memory. A larger one is opened and must still have its size
        (else the error comes now, before any answer); its pieces are hashed as they are read
        and each is given only if it matches the digest taken of it at load: at the first
        changed piece this raises instead, and the server closes the connection with the
        answer short of its ``Content-Length``.
        """
        vf = self.verified.get(name)
        if vf is None:
            raise NotFound(f"{name!r} is not a published file of this snapshot", code="unknown-file")
        if vf.data is not None:
            return vf, iter((vf.data,) if read else ())
        if not read:  # HEAD: the same check of the size, no file left open
            size = vf.path.stat().st_size if vf.path.is_file() else -1
            if size != vf.size:
                raise FileDigestMismatch(
                    _changed(vf, f"{size} bytes, {vf.size} when checked"),
                    evidence={"file": vf.name, "expected": vf.sha256},
                )
            return vf, iter(())
        try:
            # never a blocking open(): a FIFO put in the file's place since the check would
            # hang the server's loop; open_regular opens without blocking and looks first
            f = open_regular(vf.path, vf.name)
        except InputError as e:
            raise FileDigestMismatch(
                _changed(vf, "no longer a regular file"), evidence={"file": vf.name, "expected": vf.sha256}
            ) from e
        try:
            size = os.fstat(f.fileno()).st_size
            if size != vf.size:
                raise FileDigestMismatch(
                    _changed(vf, f"{size} bytes, {vf.size} when checked"),
                    evidence={"file": vf.name, "expected": vf.sha256},
                )
        except BaseException:
            f.close()
            raise
        return vf, _verified_chunks(vf, f)

    def files(self) -> dict[str, str | None]:
        """Served file name -> SHA-256 bound in the manifest (None for the manifest, its signature and key)."""
        names = [
            *(n for n in PUBLIC_FILES if n in _SIGNED_FILES or n in self.manifest.files),
            *sorted(n for n in self.manifest.files if n not in PUBLIC_FILES),
        ]
        return {name: self.manifest.files.get(name) for name in names if self.file_path(name) is not None}

    def listing(self) -> dict[str, Any]:
        m = self.manifest
        if isinstance(m, Manifest):
            accounts, root_hash = m.root.leaf_count, m.root.hash.hex()
        else:
            accounts, root_hash = m.accounts, None  # one root per asset: in the summary
        return {
            "snapshot_id": m.snapshot_id,
            "exchange": m.exchange,
            "taken_at": m.taken_at,
            "version": self.version,
            "accounts": accounts,
            "root_hash": root_hash,
            "reserves": self.reserves is not None,
        }

    def summary(self) -> dict[str, Any]:
        """What the page shows at the top: time, root(s), accounts, per-asset totals and reserves."""
        m = self.manifest
        lines = {line["asset"]: line for line in (self.reserves or {}).get("assets", [])}
        assets = []
        if isinstance(m, Manifest):
            totals: list[tuple[Any, int, dict[str, Any]]] = [
                (a, s, {}) for a, s in zip(m.assets, m.root.sums, strict=True)
            ]
            extra: dict[str, Any] = {"height": m.root.height, "root_sums": [str(s) for s in m.root.sums]}
        else:
            totals = [(t.asset, t.root.sum, {"root": t.root.to_dict()}) for t in m.trees]
            extra = {"holdings": sum(t.root.leaf_count for t in m.trees)}
        for asset, total, more in totals:
            assets.append(
                {
                    "symbol": asset.symbol,
                    "decimals": asset.decimals,
                    "liabilities": str(total),
                    "liabilities_display": format_units(total, asset.decimals),
                    **more,
                    "reserves": lines.get(asset.symbol),
                }
            )
        return {
            **self.listing(),
            **extra,
            "assets": assets,
            "signing_key": self.public_key,
            "manifest_sha256": hashlib.sha256(self.manifest_bytes).hexdigest(),
            "files": self.files(),
            "solvency": None
            if self.reserves is None
            else {
                "passed": self.reserves["passed"],
                "wallets": self.reserves["wallets"],
                "offchain": self.reserves["offchain"],
                "limitations": self.reserves["limitations"],
                "checked_with": self.checked_with,
            },
        }


def _changed(vf: VerifiedFile, what: str) -> str:
    return f"{vf.path}: changed since the server checked it ({what}); it is not served"


def _verified_chunks(vf: VerifiedFile, f: BinaryIO) -> Iterator[bytes]:
    """``vf``'s bytes from ``f``, :data:`_SEND_PIECES` pieces at a time, each piece given only
    if it hashes to the digest recorded for it at start-up: a file changed after it was checked
    raises before any of its changed bytes are given, and the server closes the connection
    short of ``Content-Length``."""
    with f:
        chunk: list[bytes] = []
        for index, expected in enumerate(vf.pieces):
            want = min(PIECE, vf.size - index * PIECE)
            piece = f.read(want)
            if len(piece) != want or not hmac.compare_digest(hashlib.sha256(piece).digest(), expected):
                if chunk:
                    yield b"".join(chunk)  # the checked pieces before this one
                log.error(
                    "%s: piece %d differs from the one checked at start-up; the answer was cut short", vf.path, index
                )
                raise FileDigestMismatch(
                    _changed(vf, f"the bytes from offset {index * PIECE} differ from those checked"),
                    evidence={"file": vf.name, "expected": vf.sha256},
                )
            chunk.append(piece)
            if len(chunk) == _SEND_PIECES:
                yield b"".join(chunk)
                chunk = []
        if chunk:
            yield b"".join(chunk)


def checked_with(settings: VerifierSettings, sources: Mapping[str, AnySource]) -> dict[str, Any]:
    """What ``solvent report`` needs to reach this server's verdicts: the chains it read with
    its own nodes (``node_chains``: a verifier gives a node of its own for each, never this
    server's URL), and the options that change which balances count (``options``: ``--token``
    for each contract recognised beyond the built-in ones, ``--no-bridged``, ``--max-block-age``)."""
    options: list[str] = []
    for token in settings.tokens.tokens:
        if token.origin == "--token":
            options += ["--token", f"{token.chain}:{token.symbol}={token.contract.text}"]
    if not any(t.variant == "bridged" for t in settings.tokens.tokens) and any(
        t.variant == "bridged" for t in BUILTIN_TOKENS
    ):
        options.append("--no-bridged")
    if settings.window.max_age != DEFAULT_WINDOW.max_age:
        options += ["--max-block-age", format_duration(settings.window.max_age)]
    return {"node_chains": sorted(sources), "options": options}


def _load(directory: Path, settings: VerifierSettings, sources: Mapping[str, AnySource]) -> Snapshot:
    # One path for both versions, solvent report's: the manifest parsed (either version) and its
    # signature checked with the key beside it (fail closed without one), reserves.json bound by
    # its digest and parsed for this snapshot; then every other bound file's digest.
    public = public_dir(directory)
    loaded = load_snapshot(public)
    bound = verify_bound_files(public, loaded.manifest.files)
    reserves = report = None
    if loaded.attestation is not None:
        # Every wallet's signature over its rebuilt challenge; balances re-read only with the
        # server's own nodes (otherwise they count as declared: docs/spec.md §12.9 (Counting
        # rule and the solvency verdict)).
        report = assess_snapshot(loaded, sources, tokens=settings.tokens, window=settings.window)
        reserves = report_to_dict(report)
    manifest = loaded.manifest
    key = loaded.check.public_key
    assert key is not None  # load_snapshot requires the signature
    # Either look-up maps (and size-checks) its files now: v1's tree, v2's account index.
    # read, never mapped: a tree file cut short in place fails one request, never the server
    # Tree files are read as they were checked: each piece a read touches is checked again
    # against its digest (a file changed in place fails that request; SIGBUS never happens).
    proofs = (
        SnapshotProofs(public, manifest, checked=bound)
        if isinstance(manifest, Manifest)
        else SnapshotProofsV2(public, manifest, checked=bound)
    )
    verified = {**_signed_files(public, loaded.check.data, key), **bound}
    how = checked_with(settings, sources) if report is not None else None
    return Snapshot(public, manifest, loaded.check.data, key, reserves, proofs, verified, report, how)


class Catalog:
    """The served snapshots by id, newest first."""

    def __init__(self, snapshots: Sequence[Snapshot]) -> None:
        ordered = sorted(snapshots, key=lambda s: time_key(s.manifest.taken_at), reverse=True)
        self._by_id: dict[str, Snapshot] = {}
        for s in ordered:
            if s.snapshot_id in self._by_id:
                raise InputError(
                    f"two directories hold snapshot {s.snapshot_id!r}: {self._by_id[s.snapshot_id].public} "
                    f"and {s.public}"
                )
            self._by_id[s.snapshot_id] = s

    def __iter__(self) -> Iterator[Snapshot]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, snapshot_id: str) -> Snapshot | None:
        return self._by_id.get(snapshot_id)

    def close(self) -> None:
        for s in self._by_id.values():
            s.close()


def load_catalog(directories: Sequence[Path], settings: VerifierSettings | None = None) -> Catalog:
    """Load and check every snapshot directory; any failure names its directory."""
    if not directories:
        raise InputError("give at least one snapshot directory")
    settings = settings or VerifierSettings()
    snapshots: list[Snapshot] = []
    try:
        with opened_sources(settings.nodes) as sources:
            for d in directories:
                snapshots.append(_load(d, settings, sources))
        return Catalog(snapshots)
    except BaseException:
        for s in snapshots:
            s.close()
        raise
