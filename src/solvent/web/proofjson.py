"""The proof look-up's hot path: ``solvent-proof/1`` bytes straight from the tree files.

``TreeReader.proof(i).to_json()`` builds dataclasses and runs ``json.dumps(indent=2)``:
about 240 µs a proof, most of it in the encoder. The server answers many look-ups, so
this module writes the same bytes with string templates: the parts that are the same
for every proof of a snapshot (format, snapshot id, assets, root) are rendered once, and
a proof adds its leaf and one sibling per level. A test checks the output is byte for
byte ``Proof.to_json()`` for every account of the demo snapshots and for padding
siblings; the browser re-verifies every proof anyway.
"""

from __future__ import annotations

import json
import mmap
import os
from contextlib import ExitStack
from pathlib import Path

from solvent.protocol.errors import FormatError
from solvent.protocol.hashing import pad_node
from solvent.protocol.manifest import Manifest
from solvent.tree.store import TreeReader, level_count, level_file, record_size

__all__ = ["ProofWriter"]

_I4, _I6 = " " * 4, " " * 6
CACHED_NODES = 4096


def _sums(sums: tuple[int, ...], indent: str) -> str:
    inner = ",\n".join(f'{indent}  "{s}"' for s in sums)
    return f"[\n{inner}\n{indent}]"


class ProofWriter:
    """Writes the canonical proof JSON of any leaf of one snapshot."""

    def __init__(self, reader: TreeReader, manifest: Manifest) -> None:
        self.reader = reader
        self.height = manifest.root.height
        self.leaf_count = manifest.root.leaf_count
        n = len(manifest.assets)
        self._n = n
        self._record = record_size(n)
        self._counts = [level_count(k, self.leaf_count) for k in range(self.height + 1)]
        self._stack = ExitStack()
        self._levels = [
            self._open(reader.dir / level_file(k), self._counts[k] * self._record) for k in range(self.height + 1)
        ]
        self._pads = [self._sibling_text(pad_node(k, n).hash, pad_node(k, n).sums) for k in range(self.height + 1)]
        # The upper levels are shared by many proofs: their sibling texts are kept once
        # rendered (at most CACHED_NODES per level, so a few MB whatever the tree size).
        self._cache: dict[tuple[int, int], str] = {}
        self._cached_from = next(k for k in range(self.height + 1) if self._counts[k] <= CACHED_NODES)
        # json.dumps for the strings, exactly as dumps_canonical (ensure_ascii=False) writes them.
        sid = json.dumps(manifest.snapshot_id, ensure_ascii=False)
        assets = ",\n".join(
            f'{_I4}{{\n{_I6}"symbol": {json.dumps(a.symbol)},\n{_I6}"decimals": {a.decimals}\n{_I4}}}'
            for a in manifest.assets
        )
        self._head = f'{{\n  "format": "solvent-proof/1",\n  "snapshot_id": {sid},\n  "assets": [\n{assets}\n  ],\n'
        root = manifest.root
        self._tail = (
            f'  "root": {{\n{_I4}"hash": "{root.hash.hex()}",\n{_I4}"sums": {_sums(root.sums, _I4)},\n'
            f'{_I4}"height": {root.height},\n{_I4}"leaf_count": {root.leaf_count}\n  }}\n}}\n'
        )

    def _open(self, path: Path, size: int) -> mmap.mmap:
        """A level file, memory-mapped read-only, of exactly the size the manifest implies."""
        try:
            f = self._stack.enter_context(path.open("rb"))
            actual = os.fstat(f.fileno()).st_size
        except OSError as e:
            raise FormatError(f"{path}: cannot open tree file ({e.strerror})") from e
        if actual != size:
            raise FormatError(f"{path}: {actual} bytes, expected {size} for this manifest")
        return self._stack.enter_context(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))

    def close(self) -> None:
        self._stack.close()

    @staticmethod
    def _sibling_text(hash_: bytes, sums: tuple[int, ...]) -> str:
        return f'{_I4}{{\n{_I6}"hash": "{hash_.hex()}",\n{_I6}"sums": {_sums(sums, _I6)}\n{_I4}}}'

    def _record_at(self, level: int, index: int) -> tuple[bytes, tuple[int, ...]] | None:
        if index >= self._counts[level]:
            return None
        start = index * self._record
        raw = self._levels[level][start : start + self._record]
        return raw[:32], tuple(int.from_bytes(raw[32 + 16 * i : 48 + 16 * i], "big") for i in range(self._n))

    def proof(self, index: int) -> bytes:
        """The bytes of ``TreeReader.proof(index).to_json()``."""
        if not 0 <= index < self.leaf_count:
            raise IndexError(index)
        leaf = self._record_at(0, index)
        assert leaf is not None
        parts = [
            self._head,
            f'  "leaf": {{\n{_I4}"index": {index},\n{_I4}"hashed_id": "{self.reader.hashed_id(index).hex()}",\n'
            f'{_I4}"amounts": {_sums(leaf[1], _I4)}\n  }},\n',
        ]
        if self.height == 0:
            parts.append('  "siblings": [],\n')
        else:
            siblings = []
            cache = self._cache
            for k in range(self.height):
                at = (index >> k) ^ 1
                text = cache.get((k, at))
                if text is None:
                    found = self._record_at(k, at)
                    text = self._pads[k] if found is None else self._sibling_text(*found)
                    if k >= self._cached_from:
                        cache[(k, at)] = text
                siblings.append(text)
            parts.append('  "siblings": [\n' + ",\n".join(siblings) + "\n  ],\n")
        parts.append(self._tail)
        return "".join(parts).encode("utf-8")
