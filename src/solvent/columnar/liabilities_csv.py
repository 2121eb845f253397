"""The published ``liabilities.csv``: a fast writer and the auditor's strict reader.

The format is spec §7 (The full data: liabilities.csv).

::

    hashed_id,BTC,ETH,USD
    2d7a88eb...36fc,0.00000000,0.00000000,0.00
    4ddae21d...c63f,1.50000000,0.00000000,100.25

UTF-8 (in fact ASCII), no BOM, LF after every row including the last, no quoting,
lower-case hex ids, amounts in asset units with exactly ``decimals`` fractional
digits.  The file is what lets anyone rebuild the whole tree, so the reader accepts
exactly one spelling of every row: anything else is a :class:`FormatError` naming the
row (1-based data row; the line is the row plus one) and the field.

The rules of each value and the messages describing a bad one are
:mod:`solvent.protocol.liabilities_text`'s, shared with the standard-library reader.

Both directions work in chunks of rows, so memory stays near the size of the
arrays: ``10,000,000 x 5`` amounts are 800 MB of limbs, the text never exists whole.
Ordering and uniqueness of the ids are checked on the returned arrays by
:func:`check_strictly_ascending` (spec §4 (The liabilities tree): strictly ascending, hence unique).
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np
import numpy.typing as npt
import polars as pl

from solvent.columnar import u128
from solvent.columnar.decimal_text import describe, finish, limbs_to_csv_series, with_parsed
from solvent.columnar.hexcols import hex_column, hex_to_bytes, id_words
from solvent.protocol.assets import Asset
from solvent.protocol.errors import FormatError, NegativeBalance, OrderViolation
from solvent.protocol.liabilities_text import ID_COLUMN, describe_id, header_line, scan_bytes

__all__ = [
    "AssetCsvWriter",
    "check_strictly_ascending",
    "header_line",
    "read_liabilities_csv",
    "write_liabilities_csv",
]

U8 = npt.NDArray[np.uint8]
CHUNK_ROWS = 1 << 18  # reading: small batches keep the streaming engine busy on both cores
WRITE_CHUNK_ROWS = 1 << 20  # writing: rows formatted and written per call
_MAX_SHOWN = 5


def check_strictly_ascending(ids: U8, *, source: str = "liabilities.csv") -> None:
    """Raise OrderViolation unless the ``(m, 32)`` ids are strictly ascending (so unique).

    Rows are compared as four big-endian 64-bit words, lexicographically, all at once.
    """
    m = ids.shape[0]
    if m < 2:
        return
    words = id_words(ids)
    first = words[:, 0]
    if np.all(first[1:] > first[:-1]):
        return  # the first 64 bits already ascend strictly: the common case, one comparison per row
    a, b = words[:-1], words[1:]
    differs = a != b
    first = np.argmax(differs, axis=1)
    rows = np.arange(m - 1)
    ascending = differs.any(axis=1) & (b[rows, first] > a[rows, first])
    bad = np.flatnonzero(~ascending)
    if bad.size == 0:
        return
    i = int(bad[0])
    kind = "duplicate" if not differs[i].any() else "out of order"
    raise OrderViolation(
        f"{source}: hashed ids are not strictly ascending: row {i + 2} ({kind}) does not come after row {i + 1}",
        evidence={
            "file": source,
            "row": i + 2,
            "previous": ids[i].tobytes().hex(),
            "hashed_id": ids[i + 1].tobytes().hex(),
            "violations": bad.size,
        },
    )


# -- writer -------------------------------------------------------------------------


def write_liabilities_csv(
    path: str | os.PathLike[str],
    hashed_ids: U8,
    amounts: u128.U128,
    assets: Sequence[Asset],
    *,
    chunk_rows: int = WRITE_CHUNK_ROWS,
) -> str:
    """Write ``liabilities.csv`` exactly as spec §7 (The full data: liabilities.csv) says, rows in
    the given (leaf) order, and return the SHA-256 (hex) of the bytes written, computed on the way out (the file
    is never read back to bind it in the manifest).

    ``hashed_ids`` is ``(m, 32)`` uint8 in strictly ascending order (checked: a file
    in any other order would fail every audit), ``amounts`` ``(m, n, 2)`` uint64 limbs.
    """
    ids = np.asarray(hashed_ids)
    if ids.dtype != np.uint8 or ids.ndim != 2 or ids.shape[1] != 32:
        raise ValueError(f"hashed_ids must be an (m, 32) uint8 array, got {ids.dtype} {ids.shape}")
    n = len(assets)
    if amounts.dtype != np.uint64 or amounts.shape != (ids.shape[0], n, 2):
        raise ValueError(
            f"amounts must be an ({ids.shape[0]}, {n}, 2) uint64 array, got {amounts.dtype} {amounts.shape}"
        )
    check_strictly_ascending(ids, source=str(path))
    with open(path, "wb") as raw:
        f = _HashingWriter(raw)
        f.write(header_line(assets))
        for start in range(0, ids.shape[0], chunk_rows):
            stop = min(start + chunk_rows, ids.shape[0])
            columns = [hex_column(ids[start:stop], ID_COLUMN)]
            columns += [
                limbs_to_csv_series(amounts[start:stop, j], a.decimals, name=a.symbol) for j, a in enumerate(assets)
            ]
            pl.DataFrame(columns).write_csv(
                cast(BinaryIO, f), include_header=False, quote_style="never", line_terminator="\n"
            )
    return f.digest.hexdigest()


class AssetCsvWriter:
    """``liabilities/<S>.csv`` of protocol v2, written a chunk of leaves at a time.

    Header ``hashed_id,amount``; one row per leaf in leaf order, the amount in asset
    units with exactly ``decimals`` fractional digits; the SHA-256 is computed on the way
    out.  The caller passes leaves in order; each chunk is checked strictly ascending and
    its first id against the previous chunk's last.
    """

    def __init__(self, path: str | os.PathLike[str], decimals: int) -> None:
        self.path = str(path)
        self.decimals = decimals
        self._raw = open(path, "wb")  # noqa: SIM115  (closed by close())
        self._out = _HashingWriter(self._raw)
        self._out.write(b"hashed_id,amount\n")
        self._last: bytes | None = None

    def write(self, ids: U8, limbs: u128.U128) -> None:
        """``(k, 32)`` ids and ``(k, 2)`` limbs, all non-zero (zero holdings are not leaves)."""
        if ids.shape[0] == 0:
            return
        check_strictly_ascending(ids, source=self.path)
        if self._last is not None and ids[0].tobytes() <= self._last:
            raise OrderViolation(f"{self.path}: leaves written out of order", evidence={"file": self.path})
        self._last = ids[-1].tobytes()
        frame = pl.DataFrame([hex_column(ids, ID_COLUMN), limbs_to_csv_series(limbs, self.decimals, name="amount")])
        frame.write_csv(cast(BinaryIO, self._out), include_header=False, quote_style="never", line_terminator="\n")

    def close(self) -> str:
        """Close the file; the SHA-256 (hex) of everything written."""
        self._raw.close()
        return self._out.digest.hexdigest()


class _HashingWriter(io.RawIOBase):
    """Passes bytes through to a file and hashes them on the way."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.digest = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]  # Polars writes bytes
        self.digest.update(data)
        return self.out.write(data)


# -- reader -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Problem:
    row: int
    field: str
    message: str
    #: A negative balance is not a typo but a liability hidden from the total (threat L2).
    negative: bool = False


def _fail(path: str, problems: list[_Problem], total: int) -> FormatError | NegativeBalance:
    problems.sort(key=lambda p: p.row)
    shown = problems[:_MAX_SHOWN]
    first = shown[0]
    lines = [f"row {p.row} (line {p.row + 1}), field {p.field}: {p.message}" for p in shown]
    if total == 1:
        message = f"{path}: {lines[0]}"
    else:
        more = f", first {len(shown)} shown" if total > len(shown) else ""
        message = f"{path}: {total} bad values{more}:\n  " + "\n  ".join(lines)
    evidence = {"file": path, "row": first.row, "line": first.row + 1, "field": first.field, "problems": total}
    if first.negative:
        return NegativeBalance(message, evidence=evidence)
    return FormatError(message, evidence=evidence)


def _locate_structure_error(path: str, n_fields: int, error: Exception) -> FormatError:
    """Find the first row that Polars could not split (wrong field count, bad bytes)."""
    with open(path, "rb") as f:
        f.readline()
        for line_no, raw in enumerate(f, start=2):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                return FormatError(
                    f"{path}: line {line_no} is not valid UTF-8",
                    evidence={"file": path, "line": line_no, "row": line_no - 1},
                )
            fields = text.rstrip("\n").split(",")
            if len(fields) != n_fields:
                return FormatError(
                    f"{path}: row {line_no - 1} (line {line_no}) has {len(fields)} fields, the header has {n_fields}",
                    evidence={"file": path, "row": line_no - 1, "line": line_no, "fields": len(fields)},
                )
    return FormatError(f"{path}: cannot be read as CSV ({str(error).splitlines()[0]})", evidence={"file": path})


def read_liabilities_csv(
    path: str | os.PathLike[str],
    assets: Sequence[Asset],
    *,
    expected_rows: int | None = None,
    expected_sha256: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> tuple[U8, u128.U128]:
    """Read a ``liabilities.csv`` strictly: ``(m, 32)`` uint8 ids and ``(m, n, 2)`` uint64 limbs.

    Checks the exact header, exactly 64 lower-case hex digits per id, amounts with
    exactly ``decimals`` fractional digits and a canonical integer part, below 2^128,
    no sign, exponent, whitespace, quote, CR or BOM, and the exact column count.  The
    caller checks the order with :func:`check_strictly_ascending` and the totals.
    ``expected_sha256`` (the manifest's digest) and ``expected_rows`` (its leaf count)
    are checked in the first pass over the bytes, before any memory is allocated for the
    rows, so a file of millions of empty lines cannot exhaust it.
    """
    where = str(path)
    header = header_line(assets)
    names = [ID_COLUMN, *(a.symbol for a in assets)]
    m = scan_bytes(Path(where), header, expected_sha256)
    if expected_rows is not None and m != expected_rows:
        raise FormatError(
            f"{where}: {m} rows, the manifest says {expected_rows} accounts",
            code="leaf-count",
            evidence={"file": where, "rows": m, "leaf_count": expected_rows},
        )
    n = len(assets)
    ids = np.zeros((m, 32), dtype=np.uint8)
    amounts = np.zeros((m, n, 2), dtype=np.uint64)

    lf = pl.scan_csv(
        where,
        has_header=True,
        schema=dict.fromkeys(names, pl.String),
        quote_char=None,
        empty_string_is_null=False,
        raise_if_empty=False,
    )
    idc = pl.col(ID_COLUMN)
    # Validated by Polars (in parallel with the rest of the batch), decoded by NumPy.
    lf = lf.with_columns(idc.str.contains("^[0-9a-f]{64}$").fill_null(False).alias("_idok")).with_columns(
        pl.when(pl.col("_idok"))
        .then(idc)
        .otherwise(pl.lit("0" * 64))
        .cast(pl.Binary)
        .bin.reinterpret(dtype=pl.Array(pl.UInt8, 64))
        .alias("_idraw"),
    )
    for j, a in enumerate(assets):
        lf = with_parsed(lf, pl.col(a.symbol), a.decimals, prefix=f"_a{j}", canonical=True)

    problems: list[_Problem] = []
    total = 0
    offset = 0
    try:
        for batch in lf.collect_batches(chunk_size=chunk_rows):
            k = batch.height
            if offset + k > m:
                raise FormatError(
                    f"{where}: more rows than lines; the file is not in the format", evidence={"file": where}
                )
            ids[offset : offset + k] = hex_to_bytes(batch["_idraw"].to_numpy(), copy=False)
            bad_id = ~batch["_idok"].to_numpy()
            if bad_id.any():
                rows = np.flatnonzero(bad_id)
                total += rows.size
                texts = batch[ID_COLUMN]
                for r in rows[:_MAX_SHOWN].tolist():
                    problems.append(_Problem(offset + r + 1, ID_COLUMN, describe_id(texts[r])))
            for j, a in enumerate(assets):
                if not batch[f"_a{j}status"].to_numpy().any():  # the common case: copy the limbs straight in
                    amounts[offset : offset + k, j, 0] = batch[f"_a{j}hi"].to_numpy()
                    amounts[offset : offset + k, j, 1] = batch[f"_a{j}lo"].to_numpy()
                    continue
                parsed = finish(
                    batch[f"_a{j}hi"].to_numpy(),
                    batch[f"_a{j}lo"].to_numpy(),
                    batch[f"_a{j}status"].to_numpy(),
                    batch[f"_a{j}round"].to_numpy(),
                )
                amounts[offset : offset + k, j] = parsed.limbs
                rows = parsed.bad_rows
                if rows.size:
                    total += rows.size
                    texts = batch[a.symbol]
                    for r in rows[:_MAX_SHOWN].tolist():
                        message = describe(texts[r], a.decimals, canonical=True)
                        negative = (texts[r] or "").startswith("-")
                        problems.append(_Problem(offset + r + 1, a.symbol, message, negative))
            offset += k
    except pl.exceptions.PolarsError as e:
        raise _locate_structure_error(where, len(names), e) from e
    if problems:
        raise _fail(where, _explain_short_rows(where, problems, len(names)), total)
    if offset != m:
        raise FormatError(
            f"{where}: {offset} rows parsed but the file has {m} lines after the header", evidence={"file": where}
        )
    return ids, amounts


def _explain_short_rows(path: str, problems: list[_Problem], n_fields: int) -> list[_Problem]:
    """Turn "empty field" problems of rows with a wrong field count into one ragged-row problem.

    Polars reads a short row as empty trailing fields; the raw line says which it was.
    Error path only: the few lines concerned are looked up in the file.
    """
    empty = sorted({p.row for p in problems if p.message.startswith("empty or missing")})[:_MAX_SHOWN]
    if not empty:
        return problems
    raw = _lines(path, [row + 1 for row in empty])
    ragged: dict[int, _Problem] = {}
    for row in empty:
        line = raw.get(row + 1, b"").rstrip(b"\n")
        count = len(line.split(b","))
        if not line:
            ragged[row] = _Problem(row, "(all)", "the line is empty")
        elif count != n_fields:
            ragged[row] = _Problem(row, "(all)", f"the row has {count} fields, the header has {n_fields}")
    kept = [p for p in problems if p.row not in ragged]
    return kept + list(ragged.values())


def _lines(path: str, wanted: Sequence[int]) -> dict[int, bytes]:
    """The raw bytes of the given 1-based line numbers (scanning the file once, in blocks)."""
    out: dict[int, bytes] = {}
    targets = set(wanted)
    with open(path, "rb") as f:
        for number, line in enumerate(f, start=1):
            if number in targets:
                out[number] = line
                if len(out) == len(targets):
                    break
    return out
