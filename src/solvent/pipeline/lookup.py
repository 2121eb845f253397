"""One customer's proof from a built snapshot: the one look-up the CLI, the demo and the API share.

:class:`SnapshotProofs` holds one snapshot's open tree files and its
:class:`~solvent.protocol.proof.ProofRenderer`; ``proof(hashed_id_text)`` parses the id
with the one rule (:func:`~solvent.protocol.ids.parse_hashed_id`), finds the leaf and
returns the ``solvent-proof/1`` bytes, or raises InputError / NotFound.
:class:`SnapshotProofsV2` does the same for a v2 snapshot (``solvent-proof/2``, one entry
per held asset), and :func:`open_proofs` opens whichever the manifest's ``format`` names.
A server keeps one open per snapshot; :func:`proof_bytes` is the one-shot form
``solvent prove`` uses.

The upper levels are shared by many proofs: their sibling texts are kept once rendered
(at most :data:`CACHED_NODES` per level, a few MB whatever the tree size).

Standard library only (with the tree reader and the protocol core): a cold
``solvent prove`` must stay well under 0.2 s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Self

from solvent.protocol.errors import FormatError, NotFound
from solvent.protocol.hashing import pad_node
from solvent.protocol.ids import parse_hashed_id
from solvent.protocol.layout import MANIFEST_FILE, public_dir, read_small_file
from solvent.protocol.manifest import Manifest, parse_manifest
from solvent.protocol.proof import ProofRenderer
from solvent.protocol.v2 import manifest as manifest_v2
from solvent.protocol.versions import parse_any_manifest
from solvent.tree.store import Checked, TreeReader, level_count, level_file, record_size
from solvent.tree.store_v2 import ACCOUNTS_FILE, SnapshotReaderV2

__all__ = ["CACHED_NODES", "SnapshotProofs", "SnapshotProofsV2", "open_proofs", "proof_bytes"]

CACHED_NODES = 4096


class _Lookup:
    """What both versions' look-ups share: closing their maps, the snapshot id, not-found."""

    manifest: Manifest | manifest_v2.Manifest
    reader: TreeReader | SnapshotReaderV2

    def __enter__(self) -> Self:
        return self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self.reader.close()

    @property
    def snapshot_id(self) -> str:
        return self.manifest.snapshot_id

    def _not_found(self, target: bytes) -> NotFound:
        return NotFound(
            f"hashed id {target.hex()} is not in snapshot {self.snapshot_id}",
            evidence={"hashed_id": target.hex(), "snapshot_id": self.snapshot_id},
        )


class SnapshotProofs(_Lookup):
    """The proofs of one snapshot, from its ``public/`` folder and its (already checked) manifest.

    Opening maps every tree file and checks its size against the manifest, so that a
    truncated file is a FormatError now rather than on a customer's request.
    """

    manifest: Manifest
    reader: TreeReader

    version = 1

    def __init__(
        self,
        public: Path,
        manifest: Manifest,
        *,
        prefetch: bool = False,
        pread: bool = False,
        checked: Mapping[str, Checked] | None = None,
    ) -> None:
        self.manifest = manifest
        # One look-up on a cold page cache: ask for every page of the proof at once.
        self._prefetch = prefetch
        # pread: read the files, never map them (a server: a file cut short fails one
        # request); checked: only as they were checked against the manifest
        self.reader = TreeReader(public, manifest, pread=pread, checked=checked)
        try:
            root = manifest.root
            n = len(manifest.assets)
            self._n = n
            self._record = record_size(n)
            self._height = root.height
            self._counts = [level_count(k, root.leaf_count) for k in range(root.height + 1)]
            # The reader's own maps, size-checked now; read directly below, without the
            # reader's per-call checks: this is the server's hot path.
            self._levels = [
                self.reader.map(level_file(k), self._counts[k] * self._record) for k in range(root.height + 1)
            ]
            self.reader.find(bytes(32))  # maps (and size-checks) the ids
            self._renderer = ProofRenderer(manifest.snapshot_id, manifest.assets, root)
            self._pads = [ProofRenderer.sibling(p.hash, p.sums) for p in (pad_node(k, n) for k in range(root.height))]
            self._cache: dict[tuple[int, int], str] = {}
            self._cached_from = next(k for k in range(root.height + 1) if self._counts[k] <= CACHED_NODES)
        except BaseException:
            self.reader.close()
            raise

    @classmethod
    def open(cls, snapshot_dir: Path, *, prefetch: bool = False) -> SnapshotProofs:
        """A built snapshot directory (or its ``public/`` folder), its manifest read from it."""
        pub = public_dir(snapshot_dir)
        path = pub / MANIFEST_FILE
        return cls(pub, parse_manifest(read_small_file(path, "snapshot manifest"), str(path)), prefetch=prefetch)

    def proof(self, hashed_id_text: str) -> bytes:
        """The proof of the customer whose Hashed Client ID is ``hashed_id_text`` (as pasted).

        InputError (code ``hex``) for text that is not an id, NotFound for an id that is
        not in this snapshot.
        """
        target = parse_hashed_id(hashed_id_text)
        index = self.reader.find(target)
        if index is None:
            raise self._not_found(target)
        return self.proof_at(index)

    def proof_at(self, index: int) -> bytes:
        """The proof of leaf ``index`` (``0 <= index < leaf_count``, else IndexError)."""
        if not 0 <= index < self._counts[0]:
            raise IndexError(index)
        reader = self.reader
        if self._prefetch:
            reader.prefetch(index)
        _, amounts = self._record_at(0, index)  # the leaf's hash is not in its proof: the verifier computes it
        siblings = []
        cache, counts, pads, cached_from = self._cache, self._counts, self._pads, self._cached_from
        sibling, record_at = ProofRenderer.sibling, self._record_at
        for k in range(self._height):
            at = (index >> k) ^ 1
            text = cache.get((k, at))
            if text is None:
                text = sibling(*record_at(k, at)) if at < counts[k] else pads[k]
                if k >= cached_from:
                    cache[(k, at)] = text
            siblings.append(text)
        return self._renderer.render(index, reader.hashed_id(index), amounts, siblings)

    def _record_at(self, level: int, index: int) -> tuple[bytes, tuple[int, ...]]:
        start = index * self._record
        raw = self._levels[level][start : start + self._record]
        return raw[:32], tuple(int.from_bytes(raw[32 + 16 * i : 48 + 16 * i], "big") for i in range(self._n))


class SnapshotProofsV2(_Lookup):
    """The proofs of one v2 snapshot: :class:`solvent.tree.store_v2.SnapshotReaderV2` rendered as JSON.

    A proof is one search in ``tree/accounts.bin``, one read of the account's positions
    and one record per level of each held asset's tree.
    """

    manifest: manifest_v2.Manifest
    reader: SnapshotReaderV2

    version = 2

    def __init__(
        self,
        public: Path,
        manifest: manifest_v2.Manifest,
        *,
        prefetch: bool = False,
        pread: bool = False,
        checked: Mapping[str, Checked] | None = None,
    ) -> None:
        # One look-up on a cold page cache: ask for every page of the proof at once.
        self._prefetch = prefetch
        self.manifest = manifest
        self.reader = SnapshotReaderV2(public, manifest, pread=pread, checked=checked)
        try:
            self.reader.positions(bytes(32))  # maps (and size-checks) accounts.bin and positions.bin now
        except BaseException:
            self.reader.close()
            raise

    @classmethod
    def open(cls, snapshot_dir: Path, *, prefetch: bool = False) -> SnapshotProofsV2:
        proofs = open_proofs(snapshot_dir, prefetch=prefetch)
        if not isinstance(proofs, SnapshotProofsV2):
            proofs.close()
            raise FormatError(f"{snapshot_dir}: a v1 snapshot, expected v2", code="version")
        return proofs

    def proof(self, hashed_id_text: str) -> bytes:
        """The ``solvent-proof/2`` of the account whose Hashed Client ID is ``hashed_id_text``.

        InputError (code ``hex``) for text that is not an id, NotFound for an id that holds
        nothing in this snapshot.
        """
        target = parse_hashed_id(hashed_id_text)
        found = self.reader.proof(target, prefetch=self._prefetch)
        if found is None:
            raise self._not_found(target)
        return found.to_json()

    def hashed_ids(self) -> Iterator[bytes]:
        """Every account's hashed id, ascending (the order of ``tree/accounts.bin``)."""
        accounts = self.reader.map(ACCOUNTS_FILE, 40 * self.manifest.accounts)
        for at in range(self.manifest.accounts):
            yield bytes(accounts[40 * at : 40 * at + 32])


def open_proofs(snapshot_dir: Path, *, prefetch: bool = False) -> SnapshotProofs | SnapshotProofsV2:
    """The look-up of a built snapshot directory (or its ``public/`` folder) of either version."""
    pub = public_dir(snapshot_dir)
    path = pub / MANIFEST_FILE
    manifest = parse_any_manifest(read_small_file(path, "snapshot manifest"), str(path))
    if isinstance(manifest, manifest_v2.Manifest):
        return SnapshotProofsV2(pub, manifest, prefetch=prefetch)
    return SnapshotProofs(pub, manifest, prefetch=prefetch)


def proof_bytes(snapshot_dir: Path, hashed_id: str) -> bytes:
    """The proof JSON (``solvent-proof/1`` or ``/2``, as the snapshot is) of one customer, one look-up, then closed."""
    target = parse_hashed_id(hashed_id)  # a malformed id fails before any file is opened
    with open_proofs(snapshot_dir, prefetch=True) as proofs:
        return proofs.proof(target.hex())
