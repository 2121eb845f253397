"""Opening a ledger export: CSV or Parquet, its header, and the raw-byte checks Polars does not do.

Polars' CSV reader is fast but forgiving in ways a money ledger cannot be: it drops
a carriage return before a delimiter (so a uid ``"bob\\r"`` would silently become
``"bob"``) and reports invalid UTF-8 without a line number.  So every CSV is first
read once as raw bytes, in blocks, to check exactly these things and to count its
lines; what Polars then parses is known to be clean text.

Rules (also in docs/ingest.md):

* A file starting with the Parquet magic ``PAR1`` is Parquet; anything else is read
  as CSV (comma-separated, ``"`` quoting as in RFC 4180, LF or CRLF line endings).
  A ``.parquet``/``.pq`` name without the magic is an error.
* A UTF-8 byte order mark at the start of a CSV is accepted and ignored (spreadsheet
  programs write one); anywhere else it is an ordinary, and invalid, character.
* A carriage return must be followed by a line feed; the file must be UTF-8.
* A **folder**, or a **glob** (``export/part-*.parquet``, ``export/**/*.parquet``), is a
  ledger split into Parquet parts, as Spark, Snowflake and BigQuery export big tables.
  Its files are read in path order (sub-folders included) as one table; names starting
  with ``_`` or ``.`` (``_SUCCESS``, ``.part-0.crc``, ``_delta_log/``) and ``*.crc`` files
  are skipped.  Every other file must be Parquet, every part must have the same columns
  of the same types in the same order, and at least one part must be found; an error
  names the odd file.  Folder names are not read as columns (no Hive partitioning).
"""

from __future__ import annotations

import csv
import glob
import itertools
import os
import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from solvent.protocol.errors import InputError
from solvent.protocol.layout import open_regular

__all__ = ["Source", "describe_row_shape", "find_parts", "first_ragged_row", "open_source", "raw_lines"]

PARQUET_MAGIC = b"PAR1"
BOM = b"\xef\xbb\xbf"
_BLOCK = 1 << 24


@dataclass(frozen=True)
class Source:
    """A ledger file whose kind and header are known and whose raw bytes passed the checks."""

    path: Path
    kind: Literal["csv", "parquet"]
    columns: tuple[str, ...]
    dtypes: dict[str, pl.DataType] = field(default_factory=dict)
    rows_hint: int = 0  # exact for Parquet; an upper bound (lines after the header) for CSV
    has_quotes: bool = False  # CSV: a quoted field may span lines, so lines != rows + 1
    #: A folder or glob of Parquet parts: the files, in read order, and each one's row count.
    parts: tuple[Path, ...] = ()
    part_rows: tuple[int, ...] = ()

    @property
    def name(self) -> str:
        return str(self.path)

    def locate(self, row: int) -> tuple[Path, int] | None:
        """The part file holding 1-based data ``row`` and the row's number within it (parts only)."""
        if not self.parts or row < 1:
            return None
        ends = np.cumsum(self.part_rows).tolist()
        at = bisect_left(ends, row)
        if at >= len(self.parts):
            return None
        return self.parts[at], row - (ends[at - 1] if at else 0)

    def scan(self) -> pl.LazyFrame:
        """The rows as a LazyFrame: CSV columns are all String; Parquet keeps its types."""
        if self.kind == "parquet" and self.parts:
            return pl.scan_parquet(list(self.parts), hive_partitioning=False, glob=False)
        if self.kind == "parquet":
            return pl.scan_parquet(self.path, glob=False)
        return pl.scan_csv(
            self.path,
            has_header=True,
            schema=dict.fromkeys(self.columns, pl.String),
            quote_char='"',
            empty_string_is_null=False,
            raise_if_empty=False,
            encoding="utf8",
        )


def open_source(path: str | os.PathLike[str]) -> Source:
    """Check that ``path`` is a readable, non-empty CSV or Parquet file (or a folder or glob of
    Parquet parts) and read its header."""
    p = Path(path)
    if p.is_dir() or (_is_glob(str(path)) and not p.exists()):
        return _open_parts(p, find_parts(str(path)))
    # a FIFO or a device is refused before anything reads it (it would hang or never end)
    with open_regular(p, "ledger file") as f:
        head = f.read(4)
    if not head:
        raise InputError(f"{p}: the file is empty (no header, no rows)", evidence={"file": p})
    if head == PARQUET_MAGIC:
        return _open_parquet(p)
    if p.suffix.lower() in {".parquet", ".pq"}:
        raise InputError(f"{p}: named like a Parquet file but does not start with the Parquet magic bytes")
    return _open_csv(p)


def _open_parquet(p: Path) -> Source:
    try:
        schema = pl.read_parquet_schema(p)
        rows = pl.scan_parquet(p, glob=False).select(pl.len()).collect().item()
    except (pl.exceptions.PolarsError, OSError) as e:
        raise InputError(f"{p}: not a readable Parquet file ({str(e).splitlines()[0]})", evidence={"file": p}) from e
    return Source(p, "parquet", tuple(schema), dict(schema), int(rows))


def _is_glob(text: str) -> bool:
    return glob.has_magic(text)


def _skipped(relative: Path) -> bool:
    """Files an export writes beside its data: markers, checksums, hidden and log folders."""
    return any(part.startswith(("_", ".")) for part in relative.parts) or relative.name.endswith(".crc")


def find_parts(path: str) -> tuple[Path, ...]:
    """The files of a folder (recursively) or of a glob (``**`` crosses folders), in path order,
    without the markers and checksums exports write beside them; an empty result is an error."""
    p = Path(path)
    if p.is_dir():
        found = [f for f in p.rglob("*") if not f.is_dir() and not _skipped(f.relative_to(p))]
        what = "the folder has no data files"
    else:
        # Skip by the part of each match the pattern chose (below its fixed leading folders).
        fixed = Path(*[part for part in itertools.takewhile(lambda q: not _is_glob(q), p.parts)])
        matches = [Path(m) for m in glob.glob(path, recursive=True)]
        found = [f for f in matches if not f.is_dir() and not _skipped(f.relative_to(fixed))]
        what = "the pattern matches no data file"
    for f in found:
        # A part that is not a regular file (a dangling link, a FIFO, a device) is never
        # skipped in silence: its accounts would be left out of the snapshot.
        if not f.is_file():
            kind = "a link to nothing" if f.is_symlink() and not f.exists() else "not a regular file"
            raise InputError(
                f"{f}: {kind}; every data file of {path} must be a readable Parquet file "
                "(names starting with _ or . and *.crc files are skipped)",
                evidence={"file": str(f)},
            )
    if not found:
        raise InputError(
            f"{path}: {what} (names starting with _ or . and *.crc files are skipped)", evidence={"file": path}
        )
    return tuple(sorted(found, key=lambda f: f.as_posix()))


def _open_parts(p: Path, parts: tuple[Path, ...]) -> Source:
    """A ledger in Parquet parts: every part Parquet, all with one schema; rows counted from the footers."""
    schema: dict[str, pl.DataType] | None = None
    rows: list[int] = []
    for part in parts:
        try:
            with part.open("rb") as f:
                head = f.read(4)
        except OSError as e:
            raise InputError(f"{part}: cannot read this part of {p} ({e.strerror})", evidence={"file": part}) from e
        if head != PARQUET_MAGIC:
            raise InputError(
                f"{part}: not a Parquet file; every data file of {p} must be Parquet "
                "(names starting with _ or . and *.crc files are skipped)",
                evidence={"file": part},
            )
        try:
            this = dict(pl.read_parquet_schema(part))
            rows.append(int(pl.scan_parquet(part, glob=False).select(pl.len()).collect().item()))
        except (pl.exceptions.PolarsError, OSError) as e:
            summary = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise InputError(f"{part}: not a readable Parquet file ({summary})", evidence={"file": part}) from e
        if schema is None:
            schema = this
        elif list(this.items()) != list(schema.items()):
            raise InputError(
                f"{part}: its columns differ from the first part's ({parts[0].name}): "
                f"{_schema_difference(schema, this)}; every part of {p} must have the same columns, "
                "of the same types, in the same order",
                evidence={"file": part, "first part": parts[0]},
            )
    assert schema is not None  # find_parts returned at least one part
    return Source(p, "parquet", tuple(schema), schema, sum(rows), parts=parts, part_rows=tuple(rows))


def _schema_difference(first: dict[str, pl.DataType], other: dict[str, pl.DataType]) -> str:
    missing = [c for c in first if c not in other]
    extra = [c for c in other if c not in first]
    if missing:
        return f"no column {missing[0]!r}"
    if extra:
        return f"an extra column {extra[0]!r}"
    for column, dtype in first.items():
        if other[column] != dtype:
            return f"column {column!r} is {other[column]}, not {dtype}"
    return f"the columns are in another order ({', '.join(other)})"


def _open_csv(p: Path) -> Source:
    columns = _csv_header(p)
    lines, has_quotes = _check_bytes(p)
    return Source(p, "csv", columns, {c: pl.String() for c in columns}, max(lines - 1, 0), has_quotes)


def _csv_header(p: Path) -> tuple[str, ...]:
    with p.open("rb") as f:
        first = f.readline()
    if first.startswith(BOM):
        first = first[len(BOM) :]
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{p}: line 1 (the header) is not valid UTF-8", evidence={"file": p, "line": 1}) from e
    text = text.removesuffix("\n").removesuffix("\r")
    if not text.strip():
        raise InputError(
            f"{p}: line 1 is empty; the first line must be the header (e.g. uid,BTC,ETH)",
            evidence={"file": p, "line": 1},
        )
    try:
        names = next(csv.reader([text], strict=True))
    except csv.Error as e:
        raise InputError(f"{p}: line 1 (the header) is not valid CSV ({e})", evidence={"file": p, "line": 1}) from e
    seen: set[str] = set()
    for i, name in enumerate(names, start=1):
        if name == "":
            raise InputError(f"{p}: header column {i} has no name", evidence={"file": p, "line": 1, "column": i})
        if name in seen:
            raise InputError(
                f"{p}: the header names column {name!r} twice", evidence={"file": p, "line": 1, "field": name}
            )
        seen.add(name)
    return tuple(names)


def _blocks(p: Path) -> Iterator[bytes]:
    """The file in blocks of whole lines (each cut after a line feed, except perhaps the last)."""
    carry = b""
    with p.open("rb") as f:
        while True:
            data = f.read(_BLOCK)
            if not data:
                if carry:
                    yield carry
                return
            data = carry + data
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                carry = data
                continue
            carry = data[cut:]
            yield data[:cut]


def _count_lf(block: bytes) -> int:
    # NumPy compares a whole block at once, several times faster than bytes.count here.
    return int(np.count_nonzero(np.frombuffer(block, dtype=np.uint8) == 10))


def _check_bytes(p: Path) -> tuple[int, bool]:
    """UTF-8 throughout, every CR followed by LF; returns (line count, whether any '"' occurs)."""
    lines = 0
    has_quotes = False
    for block in _blocks(p):
        try:
            if not block.isascii():  # isascii is a fast scan; only non-ASCII text needs decoding
                block.decode("utf-8")
        except UnicodeDecodeError as e:
            line = lines + block.count(b"\n", 0, e.start) + 1
            raise InputError(
                f"{p}: line {line} is not valid UTF-8 (byte 0x{block[e.start]:02x}); export the ledger as UTF-8",
                evidence={"file": p, "line": line},
            ) from e
        if b"\r" in block:
            raw = np.frombuffer(block, dtype=np.uint8)
            cr = np.flatnonzero(raw == 13)
            following = np.append(raw, np.uint8(0))[cr + 1]
            bare = cr[following != 10]
            if bare.size:
                line = lines + block.count(b"\n", 0, int(bare[0])) + 1
                raise InputError(
                    f"{p}: line {line} contains a carriage return that does not end the line "
                    "(a CR is allowed only as part of a CR LF line ending)",
                    evidence={"file": p, "line": line},
                )
        has_quotes = has_quotes or b'"' in block
        lines += _count_lf(block)
        if not block.endswith(b"\n"):
            lines += 1  # a last line without a line feed
    return lines, has_quotes


def raw_lines(p: Path, wanted: Sequence[int]) -> dict[int, bytes]:
    """The raw bytes of the given 1-based line numbers, without the line ending (error path only)."""
    out: dict[int, bytes] = {}
    targets = set(wanted)
    if not targets:
        return out
    with p.open("rb") as f:
        for number, line in enumerate(f, start=1):
            if number in targets:
                out[number] = line.rstrip(b"\n").removesuffix(b"\r")
                if len(out) == len(targets):
                    break
    return out


def describe_row_shape(raw: bytes | None, n_fields: int) -> str | None:
    """Say what is wrong with the shape of one raw line (blank, or a wrong field count), if anything."""
    if raw is None:
        return None
    if raw.strip() == b"":
        return "the line is blank"
    try:
        fields = next(csv.reader([raw.decode("utf-8")]))
    except (csv.Error, UnicodeDecodeError, StopIteration):
        return None
    if len(fields) != n_fields:
        return f"the row has {len(fields)} fields, the header has {n_fields}"
    return None


def first_ragged_row(p: Path, n_fields: int) -> tuple[int, int, str] | None:
    """(row, line, description) of the first record whose shape is wrong (slow: error path only)."""
    row, line = 0, 1
    with p.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, strict=True)
        try:
            next(reader)
            for record in reader:
                row, start, line = row + 1, line + 1, reader.line_num
                if not record:
                    return row, start, "the line is blank"
                if len(record) != n_fields:
                    return row, start, f"the row has {len(record)} fields, the header has {n_fields}"
        except csv.Error as e:
            return row + 1, line + 1, f"the row is not valid CSV ({e})"
    return _stray_quote(p)


_STRAY_QUOTE = re.compile(rb'(?:^|,)[^,"\n]+"')


def _stray_quote(p: Path) -> tuple[int, int, str] | None:
    """A '"' inside an unquoted field, which Python's csv module tolerates and Polars does not."""
    with p.open("rb") as f:
        for line, raw in enumerate(f, start=1):
            if line > 1 and _STRAY_QUOTE.search(raw):
                return line - 1, line, "the row has a '\"' inside an unquoted field (quote the whole field)"
    return None
