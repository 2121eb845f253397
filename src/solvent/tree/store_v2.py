"""A v2 snapshot's tree files and proof look-ups from them (standard library only).

::

    public/tree/accounts.bin        holders' hashed ids ascending, each with u64be(end) into positions
    public/tree/positions.bin       u16be(asset) || u64be(leaf index), per holding
    public/tree/<S>/ids.bin         asset S's leaves' ids in leaf order
    public/tree/<S>/level-KK.bin    asset S's level K: records hash || u128be(sum)

A proof is one interpolation search in ``accounts.bin``, one read of the account's
positions, and one record per level of each held asset's tree: a handful of reads
whatever the snapshot's size.  Sizes are checked against the manifest on open; whoever
verifies a returned proof checks every hash.
"""

from __future__ import annotations

import mmap
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from solvent.protocol.errors import FormatError
from solvent.protocol.v2.hashing import SumNode, pad_node
from solvent.protocol.v2.manifest import AssetTree, Manifest
from solvent.protocol.v2.proof import Entry, Proof
from solvent.tree.store import Checked, MappedFiles, find_id, level_count, level_file

__all__ = ["ACCOUNTS_FILE", "POSITIONS_FILE", "SnapshotReaderV2", "asset_dir"]

ACCOUNTS_FILE = "tree/accounts.bin"
POSITIONS_FILE = "tree/positions.bin"
_ACCOUNT = 40
_POSITION = 10
_RECORD = 48


def asset_dir(symbol: str) -> str:
    return f"tree/{symbol}"


class SnapshotReaderV2(MappedFiles):
    """Read-only, memory-mapped access to a v2 snapshot's tree files."""

    def __init__(
        self, public_dir: Path, manifest: Manifest, *, pread: bool = False, checked: Mapping[str, Checked] | None = None
    ) -> None:
        super().__init__(public_dir, pread=pread, checked=checked)
        self.manifest = manifest
        self.holdings = sum(t.root.leaf_count for t in manifest.trees)

    def __enter__(self) -> SnapshotReaderV2:
        return self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def positions(self, hashed_id: bytes) -> list[tuple[int, int]] | None:
        """``(asset number, leaf index)`` of every holding of ``hashed_id``; None if it holds nothing."""
        accounts = self.map(ACCOUNTS_FILE, _ACCOUNT * self.manifest.accounts)
        at = find_id(accounts, self.manifest.accounts, hashed_id, stride=_ACCOUNT)
        if at is None:
            return None
        end = int.from_bytes(accounts[_ACCOUNT * at + 32 : _ACCOUNT * at + 40], "big")
        start = 0 if at == 0 else int.from_bytes(accounts[_ACCOUNT * at - 8 : _ACCOUNT * at], "big")
        if not 0 <= start < end <= self.holdings:
            raise FormatError(f"{ACCOUNTS_FILE}: account {at} has positions {start}..{end}", evidence={"row": at})
        table = self.map(POSITIONS_FILE, _POSITION * self.holdings)
        out = []
        for p in range(start, end):
            raw = table[_POSITION * p : _POSITION * p + _POSITION]
            asset, index = int.from_bytes(raw[:2], "big"), int.from_bytes(raw[2:], "big")
            if asset >= len(self.manifest.trees) or index >= self.manifest.trees[asset].root.leaf_count:
                raise FormatError(f"{POSITIONS_FILE}: position {p} is outside every tree", evidence={"row": p})
            out.append((asset, index))
        return out

    def node(self, tree: AssetTree, level: int, index: int) -> SumNode:
        """The node at ``(level, index)`` of one asset's tree; padding beyond the real nodes."""
        root = tree.root
        count = level_count(level, root.leaf_count)
        if index >= count:
            return pad_node(level, tree.symbol)
        m = self.map(level_file(level, asset_dir(tree.symbol)), count * _RECORD)
        raw = m[index * _RECORD : (index + 1) * _RECORD]
        return SumNode(bytes(raw[:32]), int.from_bytes(raw[32:], "big"))

    def entry(self, asset: int, index: int) -> Entry:
        tree = self.manifest.trees[asset]
        leaf = self.node(tree, 0, index)
        siblings = tuple(self.node(tree, k, (index >> k) ^ 1) for k in range(tree.root.height))
        return Entry(tree.asset, index, leaf.sum, siblings, tree.root)

    def prefetch(self, found: list[tuple[int, int]]) -> None:
        """Ask the kernel for every page the entries at ``found`` need at once (MADV_WILLNEED):
        on a cold page cache the reads of every level of every held asset's tree then overlap
        instead of waiting one after another."""
        advise = getattr(mmap, "MADV_WILLNEED", None)
        if advise is None:
            return
        for asset, index in found:
            tree = self.manifest.trees[asset]
            root = tree.root
            wanted = [(f"{asset_dir(tree.symbol)}/ids.bin", 32, root.leaf_count, index)]
            wanted += [
                (level_file(k, asset_dir(tree.symbol)), _RECORD, level_count(k, root.leaf_count), i)
                for k, i in [(0, index)] + [(k, (index >> k) ^ 1) for k in range(root.height)]
            ]
            for name, size, count, i in wanted:
                if i >= count:
                    continue
                m = self.map(name, count * size)
                if isinstance(m, mmap.mmap):
                    start = (i * size) // mmap.PAGESIZE * mmap.PAGESIZE
                    m.madvise(advise, start, min(len(m) - start, 2 * mmap.PAGESIZE))

    def proof(self, hashed_id: bytes, *, prefetch: bool = False) -> Proof | None:
        """The ``solvent-proof/2`` of an account: one entry per held asset, manifest order.

        ``prefetch``: ask for every page at once first (a one-shot look-up on a cold cache).
        """
        found = self.positions(hashed_id)
        if found is None:
            return None
        if prefetch:
            self.prefetch(found)
        entries = tuple(self.entry(asset, index) for asset, index in sorted(found))
        for e in entries:
            ids = self.map(f"{asset_dir(e.symbol)}/ids.bin", 32 * e.root.leaf_count)
            if ids[32 * e.index : 32 * e.index + 32] != hashed_id:
                raise FormatError(
                    f"{asset_dir(e.symbol)}/ids.bin: leaf {e.index} is not this account's",
                    evidence={"asset": e.symbol, "index": e.index},
                )
        return Proof(self.manifest.snapshot_id, hashed_id, entries)
