"""The snapshots a page serves: loaded once, checked, memory-mapped, newest first.

Each directory is a built snapshot (``DIR/public/snapshot.json``) or its ``public/``
folder. Loading one checks what binds it (the manifest's Ed25519 signature with the
``signing.pub`` beside it, the reserves file's digest) through :mod:`solvent.pipeline.report`
and refuses to serve a snapshot that does not check out: a page must never show a
manifest its own signature contradicts. Proofs come from
:class:`~solvent.pipeline.lookup.SnapshotProofs` (the look-up ``solvent prove`` uses); the
browser re-verifies every one against the signed root, so tree files are not re-hashed
here (``solvent audit`` does that).

Only the files named in :data:`PUBLIC_FILES` can ever leave a snapshot: nothing is
served by path, so nothing under ``private/`` (or anywhere else) is reachable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from solvent.pipeline.lookup import SnapshotProofs
from solvent.pipeline.report import (
    BalanceSource,
    VerifierSettings,
    assess_snapshot,
    load_snapshot,
    opened_sources,
    report_to_dict,
)
from solvent.protocol.amounts import format_units
from solvent.protocol.errors import InputError
from solvent.protocol.layout import (
    LIABILITIES_FILE,
    MANIFEST_FILE,
    PUBLIC_KEY_FILE,
    RESERVES_FILE,
    SIGNATURE_FILE,
    public_dir,
)
from solvent.protocol.manifest import Manifest
from solvent.tree.store import TreeReader

__all__ = ["PUBLIC_FILES", "Catalog", "Snapshot", "load_catalog", "time_key"]

#: The files a snapshot serves besides those its manifest binds (by name under ``public/``).
PUBLIC_FILES: Mapping[str, str] = {
    MANIFEST_FILE: "application/json",
    SIGNATURE_FILE: "text/plain; charset=us-ascii",
    PUBLIC_KEY_FILE: "text/plain; charset=us-ascii",
    LIABILITIES_FILE: "text/csv; charset=utf-8",
    RESERVES_FILE: "application/json",
}


def time_key(taken_at: str) -> tuple[str, str]:
    """A sort key for RFC 3339 UTC times: seconds, then the fraction padded (``.5Z`` after ``Z``)."""
    whole, _, fraction = taken_at.rstrip("Z").partition(".")
    return whole, fraction.ljust(9, "0")


@dataclass(frozen=True)
class Snapshot:
    """One served snapshot: its checked manifest, its files and its proof look-up."""

    public: Path
    manifest: Manifest
    manifest_bytes: bytes
    public_key: str
    #: The solvency report (``solvent.report`` JSON form), or None without reserves.json.
    reserves: dict[str, Any] | None
    proofs: SnapshotProofs = field(repr=False)

    @property
    def snapshot_id(self) -> str:
        return self.manifest.snapshot_id

    @property
    def reader(self) -> TreeReader:
        """The tree files (for the tree view), opened by the proof look-up."""
        return self.proofs.reader

    def close(self) -> None:
        self.proofs.close()

    def file_path(self, name: str) -> Path | None:
        """The path of a published file, or None: only the names of :data:`PUBLIC_FILES` and the
        files the signed manifest binds (safe relative names, spec §5 (The snapshot manifest)) are ever looked up."""
        if name not in PUBLIC_FILES and name not in self.manifest.files:
            return None
        path = self.public / name
        if not path.is_file() or not path.resolve().is_relative_to(self.public.resolve()):
            return None
        return path

    def files(self) -> dict[str, str | None]:
        """Served file name -> SHA-256 bound in the manifest (None for the manifest, its signature and key)."""
        names = [*PUBLIC_FILES, *sorted(n for n in self.manifest.files if n not in PUBLIC_FILES)]
        return {name: self.manifest.files.get(name) for name in names if self.file_path(name) is not None}

    def listing(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "snapshot_id": m.snapshot_id,
            "exchange": m.exchange,
            "taken_at": m.taken_at,
            "accounts": m.root.leaf_count,
            "root_hash": m.root.hash.hex(),
            "reserves": self.reserves is not None,
        }

    def summary(self) -> dict[str, Any]:
        """What the page shows at the top: time, root, accounts, per-asset totals and reserves."""
        m = self.manifest
        lines = {line["asset"]: line for line in (self.reserves or {}).get("assets", [])}
        assets = []
        for asset, total in zip(m.assets, m.root.sums, strict=True):
            line = lines.get(asset.symbol)
            assets.append(
                {
                    "symbol": asset.symbol,
                    "decimals": asset.decimals,
                    "liabilities": str(total),
                    "liabilities_display": format_units(total, asset.decimals),
                    "reserves": line,
                }
            )
        return {
            **self.listing(),
            "height": m.root.height,
            "root_sums": [str(s) for s in m.root.sums],
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


def _load(directory: Path, settings: VerifierSettings, sources: Mapping[str, BalanceSource]) -> Snapshot:
    public = public_dir(directory)
    loaded = load_snapshot(public)  # manifest parsed, signature checked, reserves bound
    manifest_bytes = (public / MANIFEST_FILE).read_bytes()
    key = (public / PUBLIC_KEY_FILE).read_text(encoding="ascii").strip()
    reserves = None
    if loaded.attestation is not None:
        # Every wallet's signature over its rebuilt challenge; balances re-read only with the
        # server's own nodes (otherwise they count as declared: docs/spec.md §12.9 (Counting
        # rule and the solvency verdict)).
        report = assess_snapshot(loaded, sources, tokens=settings.tokens, window=settings.window)
        reserves = report_to_dict(report)
    manifest = loaded.manifest  # load_snapshot reads either version; this path serves v1
    if not isinstance(manifest, Manifest):
        raise InputError(f"{public}: a protocol v2 snapshot, which this server does not read")
    proofs = SnapshotProofs(public, manifest)  # maps (and size-checks) every tree file now
    return Snapshot(public, manifest, manifest_bytes, key, reserves, proofs)


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
