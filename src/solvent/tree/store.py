"""The published tree files and proof look-ups from them (standard library only).

A built snapshot keeps the whole tree on disk, level by level, so that any proof
is a handful of reads (no per-user proof files, which would not scale)::

    public/tree/ids.bin          32-byte hashed ids in leaf order (strictly ascending)
    public/tree/level-00.bin     leaf records
    public/tree/level-01.bin     ...
    public/tree/level-HH.bin     one record: the root

A record is ``hash (32 bytes) || u128be(sum_1) || ... || u128be(sum_n)``: exactly the
bytes the node contributes to its parent's hash.  Level ``k`` holds the
``ceil(leaf_count / 2^k)`` nodes that have at least one real leaf below them; any
other position is the padding subtree of that level (spec §4 (The liabilities tree),
§8 (The tree files)).  Every file is bound into the manifest by its SHA-256, and ``solvent audit`` recomputes them all.

This module imports only the standard library and the spec core, so that a cold
``solvent prove`` stays well under 0.2 s even on a 10,000,000-leaf tree.
"""

from __future__ import annotations

import hashlib
import hmac
import mmap
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import Protocol

from solvent.protocol.errors import FormatError, InputError
from solvent.protocol.hashing import Node, pad_node
from solvent.protocol.layout import open_regular
from solvent.protocol.manifest import Manifest
from solvent.protocol.proof import Leaf, Proof

__all__ = [
    "IDS_FILE",
    "PIECE",
    "Buffer",
    "Checked",
    "ReadAt",
    "TreeReader",
    "find_id",
    "ids_file",
    "level_count",
    "level_file",
    "record_size",
    "tree_files",
]

IDS_FILE = "tree/ids.bin"


def ids_file(directory: str = "tree") -> str:
    """The hashed ids of one tree: ``tree/ids.bin`` (v1) or ``tree/<S>/ids.bin`` (v2, per asset)."""
    return f"{directory}/ids.bin"


def level_file(level: int, directory: str = "tree") -> str:
    return f"{directory}/level-{level:02d}.bin"


def record_size(n_assets: int) -> int:
    return 32 + 16 * n_assets


def level_count(level: int, leaf_count: int) -> int:
    """How many nodes of ``level`` have at least one real leaf below them."""
    return -(-leaf_count // (1 << level))


def tree_files(height: int, directory: str = "tree") -> list[str]:
    """Every tree file of a tree of this height, ids first, then levels bottom-up."""
    return [ids_file(directory), *(level_file(k, directory) for k in range(height + 1))]


def decode_record(raw: bytes, n_assets: int) -> Node:
    sums = tuple(int.from_bytes(raw[32 + 16 * i : 48 + 16 * i], "big") for i in range(n_assets))
    return Node(raw[:32], sums)


def find_id(table: Buffer, count: int, hashed_id: bytes, stride: int = 32) -> int | None:
    """The position of ``hashed_id`` among ``count`` records of ``stride`` bytes, each starting
    with a 32-byte id, ids strictly ascending; None if absent.

    Hashed ids are HMAC outputs, uniformly spread, so interpolation on their first
    64 bits lands within a few records in a handful of probes (each probe of a cold
    file is a disk read; plain bisection needs ~24 on 10^7 leaves).  A probe that
    does not at least halve the range is followed by a bisection step, so the worst
    case stays logarithmic whatever the ids are.
    """
    target = int.from_bytes(hashed_id[:8], "big")
    lo, hi = 0, count  # the answer, if any, is in [lo, hi)
    interpolate = True
    while lo < hi:
        width = hi - lo
        if interpolate:
            k_lo = int.from_bytes(table[stride * lo : stride * lo + 8], "big")
            k_hi = int.from_bytes(table[stride * (hi - 1) : stride * (hi - 1) + 8], "big")
            if k_hi > k_lo:
                mid = lo + (max(0, min(target, k_hi) - k_lo) * (width - 1)) // (k_hi - k_lo)
            else:
                mid = lo + width // 2
        else:
            mid = lo + width // 2
        probe = table[stride * mid : stride * mid + 32]
        if probe < hashed_id:
            lo = mid + 1
        elif probe > hashed_id:
            hi = mid
        else:
            return mid
        interpolate = (hi - lo) * 2 <= width  # halved: keep interpolating; else bisect once
    return None


#: The unit in which a long-lived reader checks what it reads of a file (and in which
#: ``solvent serve`` checks the published files it sends): each piece's SHA-256, taken when the
#: whole file was checked against the manifest, is kept (2 MiB of digests per GiB of files).
PIECE = 16 * 1024


class ReadAt:
    """A file read slice by slice with ``os.pread``, at the size it had when it was opened.

    What a long-lived reader (``solvent serve``) uses instead of a memory map: a mapped file
    cut short in place (``cp`` over it truncates first) kills the whole process with SIGBUS
    at the next touch of a lost page, where a short ``pread`` is a FormatError for that one
    read.  With ``pieces`` (the SHA-256 of each :data:`PIECE` of the file as it was checked)
    every piece a slice touches is read whole and checked first: a byte changed since is a
    FormatError, never an answer.  Only slices with step 1 are taken, which is all the
    readers here use.
    """

    def __init__(self, fd: int, size: int, path: Path, pieces: Sequence[bytes] | None = None) -> None:
        self._fd = fd
        self._size = size
        self._path = path
        self._pieces = pieces

    def __len__(self) -> int:
        return self._size

    def _changed(self) -> FormatError:
        return FormatError(
            f"{self._path}: changed since it was checked against the manifest",
            code="file-changed",
            evidence={"file": self._path.name},
        )

    def __getitem__(self, key: slice) -> bytes:
        start, stop, step = key.indices(self._size)
        if step != 1:
            raise ValueError("only contiguous slices are read")
        if stop <= start:
            return b""
        if self._pieces is None:
            data = os.pread(self._fd, stop - start, start)
            if len(data) != stop - start:
                raise self._changed()
            return data
        first, last = start // PIECE, (stop - 1) // PIECE
        begin = first * PIECE
        want = min(self._size, (last + 1) * PIECE) - begin
        data = os.pread(self._fd, want, begin)
        if len(data) != want:
            raise self._changed()
        for k in range(first, last + 1):
            piece = data[(k - first) * PIECE : (k - first + 1) * PIECE]
            if not hmac.compare_digest(hashlib.sha256(piece).digest(), self._pieces[k]):
                raise self._changed()
        return data[start - begin : stop - begin]


#: What :meth:`MappedFiles.map` gives: a memory map, a :class:`ReadAt`, or bytes.
Buffer = mmap.mmap | ReadAt | bytes


class Checked(Protocol):
    """A file as it was checked against the manifest: its bytes if kept in memory, else the
    SHA-256 of each :data:`PIECE` (``solvent.web.catalog.VerifiedFile`` is one)."""

    @property
    def data(self) -> bytes | None: ...

    @property
    def pieces(self) -> tuple[bytes, ...]: ...


class MappedFiles:
    """Files of one folder, each memory-mapped read-only once, at exactly the size expected.

    A size other than the manifest implies is a FormatError naming the file; an empty
    file (an empty v2 tree's) is plain empty bytes, which mmap cannot map.  With ``pread``
    a file is read through :class:`ReadAt` instead of mapped: what a server that runs for
    months uses, so that a file changed under it fails one request, never the process.
    """

    def __init__(self, directory: Path, *, pread: bool = False, checked: Mapping[str, Checked] | None = None) -> None:
        self.dir = directory
        self._pread = pread or checked is not None
        self._checked = checked
        self._stack = ExitStack()
        self._maps: dict[str, Buffer] = {}

    def map(self, name: str, expected_size: int) -> Buffer:
        found = self._maps.get(name)
        if found is not None:
            return found
        path = self.dir / name
        check = None
        if self._checked is not None:
            check = self._checked.get(name)
            if check is None:
                raise FormatError(f"{path}: not a file the manifest binds", evidence={"file": name})
            if check.data is not None:  # the checked bytes themselves, kept in memory
                if len(check.data) != expected_size:
                    raise FormatError(
                        f"{path}: {len(check.data)} bytes, expected {expected_size} for this manifest",
                        evidence={"file": name, "size": len(check.data), "expected": expected_size},
                    )
                self._maps[name] = check.data
                return check.data
        try:
            # a FIFO or a device in place of a tree file is refused, never waited on
            f = self._stack.enter_context(open_regular(path, "tree file"))
            size = os.fstat(f.fileno()).st_size
        except InputError as e:
            raise FormatError(e.message, evidence={"file": name}) from e
        except OSError as e:
            raise FormatError(f"{path}: cannot open tree file ({e.strerror})", evidence={"file": name}) from e
        if size != expected_size:
            raise FormatError(
                f"{path}: {size} bytes, expected {expected_size} for this manifest",
                evidence={"file": name, "size": size, "expected": expected_size},
            )
        m: Buffer
        if not size:
            m = b""
        elif self._pread:
            m = ReadAt(f.fileno(), size, path, None if check is None else check.pieces)
        else:
            m = self._stack.enter_context(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
        self._maps[name] = m
        return m

    def close(self) -> None:
        self._maps.clear()
        self._stack.close()


class TreeReader(MappedFiles):
    """Read-only access to a snapshot's tree files, memory-mapped.

    The reader trusts the files only as far as it must to answer quickly: sizes
    are checked on open; whoever verifies a proof it returns checks the hashes.
    """

    def __init__(
        self, public_dir: Path, manifest: Manifest, *, pread: bool = False, checked: Mapping[str, Checked] | None = None
    ) -> None:
        super().__init__(public_dir, pread=pread, checked=checked)
        self.manifest = manifest
        self.n_assets = len(manifest.assets)
        self.leaf_count = manifest.root.leaf_count
        self.height = manifest.root.height
        self._record = record_size(self.n_assets)

    def __enter__(self) -> TreeReader:
        return self

    def __exit__(self, t: type[BaseException] | None, v: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def _ids(self) -> Buffer:
        return self.map(IDS_FILE, 32 * self.leaf_count)

    def hashed_id(self, index: int) -> bytes:
        if not 0 <= index < self.leaf_count:
            raise IndexError(index)
        return self._ids()[32 * index : 32 * index + 32]

    def find(self, hashed_id: bytes) -> int | None:
        """The leaf index of ``hashed_id``; None if absent."""
        return find_id(self._ids(), self.leaf_count, hashed_id)

    def prefetch(self, index: int) -> None:
        """Ask the kernel for every page a proof needs at once (MADV_WILLNEED), so that on
        a cold page cache the reads overlap instead of waiting one after another."""
        advise = getattr(mmap, "MADV_WILLNEED", None)
        if advise is None:
            return
        wanted = [(0, index)] + [(k, (index >> k) ^ 1) for k in range(self.height)]
        for level, i in wanted:
            count = level_count(level, self.leaf_count)
            if i >= count:
                continue
            m = self.map(level_file(level), count * self._record)
            if isinstance(m, mmap.mmap):  # a non-empty level (an empty file is plain bytes)
                start = (i * self._record) // mmap.PAGESIZE * mmap.PAGESIZE
                m.madvise(advise, start, min(len(m) - start, 2 * mmap.PAGESIZE))

    def node(self, level: int, index: int) -> Node:
        """The node at ``(level, index)``; padding beyond the real nodes."""
        if not 0 <= level <= self.height or not 0 <= index < (1 << (self.height - level)):
            raise IndexError((level, index))
        count = level_count(level, self.leaf_count)
        if index >= count:
            return pad_node(level, self.n_assets)
        m = self.map(level_file(level), count * self._record)
        start = index * self._record
        return decode_record(m[start : start + self._record], self.n_assets)

    def nodes(self, level: int, start: int, stop: int) -> Iterator[Node]:
        for i in range(start, stop):
            yield self.node(level, i)

    def proof(self, index: int) -> Proof:
        """The ``solvent-proof/1`` of leaf ``index``: its leaf and one sibling per level."""
        if not 0 <= index < self.leaf_count:
            raise IndexError(index)
        self.prefetch(index)
        leaf = self.node(0, index)
        siblings = tuple(self.node(k, (index >> k) ^ 1) for k in range(self.height))
        return Proof(
            snapshot_id=self.manifest.snapshot_id,
            assets=self.manifest.assets,
            leaf=Leaf(index, self.hashed_id(index), leaf.sums),
            siblings=siblings,
            root=self.manifest.root,
        )
