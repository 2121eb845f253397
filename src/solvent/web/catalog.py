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
served by path, so nothing under ``private/`` (or anywhere else) is reachable.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
from solvent.protocol.errors import FileDigestMismatch, InputError, ManifestMismatch
from solvent.protocol.layout import (
    LIABILITIES_FILE,
    MANIFEST_FILE,
    PUBLIC_KEY_FILE,
    RESERVES_FILE,
    SIGNATURE_FILE,
    public_dir,
)
from solvent.protocol.manifest import Manifest
from solvent.protocol.versions import AnyManifest
from solvent.tree.store import TreeReader

__all__ = ["PUBLIC_FILES", "Catalog", "Snapshot", "check_file_digests", "load_catalog", "time_key"]

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
_READ_CHUNK = 1 << 20


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


def check_file_digests(public: Path, files: Mapping[str, str]) -> None:
    """Every file the manifest binds is under ``public`` and hashes to its SHA-256 (read in 1 MiB chunks).

    A missing file is a ManifestMismatch, a different one a FileDigestMismatch, each naming it.
    """
    root = public.resolve()
    for name, expected in sorted(files.items()):
        path = public / name
        if not path.is_file() or not path.resolve().is_relative_to(root):
            raise ManifestMismatch(
                f"{path}: the manifest binds {name} but the file is missing",
                evidence={"file": name, "expected_sha256": expected},
            )
        digest = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(_READ_CHUNK):
                digest.update(chunk)
        if not hmac.compare_digest(digest.hexdigest(), expected):
            raise FileDigestMismatch(
                f"{path}: SHA-256 differs from the one the manifest binds for {name}",
                evidence={"file": name, "expected": expected, "computed": digest.hexdigest()},
            )


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
        path = self.public / name
        if not path.is_file() or not path.resolve().is_relative_to(self.public.resolve()):
            return None
        return path

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
            },
        }


def _load(directory: Path, settings: VerifierSettings, sources: Mapping[str, AnySource]) -> Snapshot:
    # One path for both versions, solvent report's: the manifest parsed (either version) and its
    # signature checked with the key beside it (fail closed without one), reserves.json bound by
    # its digest and parsed for this snapshot; then every other bound file's digest.
    public = public_dir(directory)
    loaded = load_snapshot(public)
    check_file_digests(public, loaded.manifest.files)
    reserves = None
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
    proofs = SnapshotProofs(public, manifest) if isinstance(manifest, Manifest) else SnapshotProofsV2(public, manifest)
    return Snapshot(public, manifest, loaded.check.data, key, reserves, proofs)


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
