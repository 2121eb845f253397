"""The strict rules of ``liabilities.csv`` (spec §7 (The full data: liabilities.csv)), one row at a time.

Standard library only.

The vectorised reader (``solvent.columnar.liabilities_csv``) and this one accept
exactly the same files and refuse every other with the same error class, code and
evidence; the tests hold them to it on every rule.  Here a file is read twice, in
bounded memory whatever its size:

1. :func:`scan_bytes`: the raw bytes, in blocks: digest (first: a file that is not the
   published one says so before anything else), empty file, byte order mark, exact
   header, LF after the last row, no CR anywhere; returns the number of rows;
2. :class:`RowReader`: every row, line by line: 64 lower-case hex digits per id, and
   per amount the one canonical spelling (integer part without leading zeros, exactly
   ``decimals`` fractional digits, no sign, below 2^128 base units).

Problems are collected, not raised one by one, so that the error names the first five
bad values in row order and counts them all; a negative value first among them makes
the error a :class:`NegativeBalance` (threat L2), anything else a :class:`FormatError`.
A row with a wrong number of fields is named as such; a line that is not UTF-8, or
has more fields than the header, is a structural fault reported alone, at the first
row that does not split into the header's fields.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from solvent.protocol.amounts import AMOUNT_LIMIT, describe_bad_decimal
from solvent.protocol.assets import Asset
from solvent.protocol.errors import FetchError, FileDigestMismatch, FormatError, NegativeBalance

__all__ = [
    "ID_COLUMN",
    "RowReader",
    "describe_amount",
    "describe_id",
    "header_line",
    "scan_bytes",
]

ID_COLUMN = "hashed_id"
MAX_SHOWN = 5
_BLOCK = 1 << 20
_ID = re.compile(r"[0-9a-f]{64}")


def header_line(assets: Sequence[Asset]) -> bytes:
    """``hashed_id,<SYMBOL_1>,...,<SYMBOL_n>\\n``."""
    return (",".join([ID_COLUMN, *(a.symbol for a in assets)]) + "\n").encode("ascii")


def _amount_pattern(decimals: int) -> str:
    # At most 39 whole digits (2^128 has 39): a longer run is out of range whatever it
    # says, and is never handed to int() (which refuses strings of over 4300 digits).
    whole = "(?:0|[1-9][0-9]{0,38})"
    return whole if decimals == 0 else rf"{whole}\.[0-9]{{{decimals}}}"


def describe_id(text: str | None) -> str:
    """Say, for a human, what is wrong with one hashed id."""
    if text is None or text == "":
        return "empty or missing hashed id"
    shown = text if len(text) <= 70 else text[:67] + "..."
    if len(text) != 64:
        return f"{shown!r} has {len(text)} characters, a hashed id has 64 hex digits"
    if text.lower() != text or any(c in "ABCDEF" for c in text):
        return f"{shown!r} is not lower-case hex"
    return f"{shown!r} is not hex"


def describe_amount(text: str | None, decimals: int) -> str:
    """Say, for a human, what is wrong with one published amount (not its canonical spelling)."""
    if text is None or text == "":
        return "empty or missing amount"
    shown = text if len(text) <= 60 else text[:57] + "..."
    if text != text.strip():
        return f"{shown!r} has surrounding whitespace"
    if text.startswith(("-", "+")):
        return f"{shown!r} has a sign" if text[0] == "+" else f"{shown!r} is negative"
    if '"' in text or "'" in text:
        return f"{shown!r} is quoted (the format has no quoting)"
    if "\r" in text:
        return f"{shown!r} ends with a carriage return (the format uses LF line endings)"
    m = re.fullmatch(r"([0-9]+)(?:\.([0-9]*))?", text)
    if m is None:
        return describe_bad_decimal(text)
    whole, frac = m.group(1), m.group(2)
    if len(whole) > 1 and whole.startswith("0"):
        return f"{shown!r} has leading zeros"
    got = 0 if frac is None else len(frac)
    if got != decimals:
        return f"{shown!r} has {got} fractional digits, the asset has exactly {decimals}"
    digits = (whole + (frac or "")).lstrip("0")
    if len(digits) > 39 or int(digits or "0") >= AMOUNT_LIMIT:  # length first: int() refuses 4300+ digits
        return f"{shown!r} is not below 2^128 base units"
    return f"{shown!r} is not canonical"  # pragma: no cover


def scan_bytes(path: Path, header: bytes, expected_sha256: str | None = None) -> int:
    """Check the raw bytes (digest, BOM, header, CR, final LF) and return the number of data rows."""
    where = str(path)
    digest = hashlib.sha256()
    head = b""
    last = b""
    lines = 0
    first_cr_line: int | None = None
    try:
        with path.open("rb") as f:
            while block := f.read(_BLOCK):
                digest.update(block)
                if len(head) < len(header) + 1024:
                    head += block[: len(header) + 1024 - len(head)]
                if first_cr_line is None and (cr := block.find(b"\r")) >= 0:
                    first_cr_line = lines + block.count(b"\n", 0, cr) + 1
                lines += block.count(b"\n")
                last = block[-1:]
    except OSError as e:
        raise FetchError(f"{where}: cannot read the liabilities file ({e.strerror})", evidence={"file": where}) from e
    if expected_sha256 is not None and not hmac.compare_digest(digest.hexdigest(), expected_sha256):
        raise FileDigestMismatch(
            f"{where} differs from the manifest",
            evidence={"file": where, "expected": expected_sha256, "computed": digest.hexdigest()},
        )
    if not head:
        raise FormatError(f"{where}: the file is empty (expected the header {header.decode()!r})")
    if head.startswith(b"\xef\xbb\xbf"):
        raise FormatError(
            f"{where}: the file starts with a byte order mark; the format has none", evidence={"file": where, "line": 1}
        )
    end = head.find(b"\n")
    got = head[: end + 1] if end >= 0 else head
    if got != header:
        crlf = got.endswith(b"\r\n")
        raise FormatError(
            f"{where}: line 1 is not the expected header" + (" (it ends with CR LF)" if crlf else ""),
            evidence={
                "file": where,
                "line": 1,
                "expected": header.decode().rstrip("\n"),
                "found": got.decode("utf-8", "replace")[:200].rstrip("\n"),
            },
        )
    if last != b"\n":
        raise FormatError(f"{where}: the last row does not end with a line feed (LF)", evidence={"file": where})
    if first_cr_line is not None:
        raise FormatError(
            f"{where}: line {first_cr_line} contains a carriage return; the format uses LF line endings only",
            evidence={"file": where, "line": first_cr_line, "row": first_cr_line - 1},
        )
    return lines - 1


@dataclass(frozen=True)
class _Problem:
    row: int
    field: str
    message: str
    negative: bool = False


class RowReader:
    """Yield ``(row, hashed_id, amounts)`` for every data row of a file that passed
    :func:`scan_bytes`; a bad row is yielded with a zero id and zero amounts and
    remembered.  After the last row, :meth:`check` raises the error, if any."""

    def __init__(self, path: Path, assets: Sequence[Asset]) -> None:
        if not assets:
            raise ValueError("a snapshot has at least one asset")
        self.path = path
        self.assets = tuple(assets)
        self.n_fields = len(assets) + 1
        cells = ",".join([_ID.pattern, *(f"({_amount_pattern(a.decimals)})" for a in assets)])
        self._row = re.compile(cells.encode("ascii"))
        self._cell = [re.compile(_amount_pattern(a.decimals)) for a in assets]
        self.total = 0  # bad values, all of them
        self.problems: list[_Problem] = []  # every problem of the first MAX_SHOWN bad rows
        self._bad_rows: dict[int, int] = {}  # those rows -> their field count
        self.structure: FormatError | None = None  # the first row that does not split
        self.splits = True  # False once a line is not UTF-8 or has too many fields

    def rows(self) -> Iterator[tuple[int, bytes, tuple[int, ...]]]:
        zero_id, zeros = bytes(32), (0,) * len(self.assets)
        try:
            f = self.path.open("rb")
        except OSError as e:
            where = str(self.path)
            message = f"{where}: cannot read the liabilities file ({e.strerror})"
            raise FetchError(message, evidence={"file": where}) from e
        with f:
            f.readline()
            for row, raw in enumerate(f, start=1):
                line = raw[:-1]  # every line ends with LF (scan_bytes)
                m = self._row.fullmatch(line)
                if m is not None:
                    values = tuple([int(v.replace(b".", b"")) for v in m.groups()])
                    if max(values) < AMOUNT_LIMIT:
                        yield row, bytes.fromhex(line[:64].decode("ascii")), values
                        continue
                self._slow_row(row, line)
                yield row, zero_id, zeros

    def _slow_row(self, row: int, raw: bytes) -> None:
        """Describe every bad value of a row that the one-pattern check refused."""
        where = str(self.path)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self.splits = False
            if self.structure is None:
                self.structure = FormatError(
                    f"{where}: line {row + 1} is not valid UTF-8", evidence={"file": where, "line": row + 1, "row": row}
                )
            return
        fields = text.split(",")
        if len(fields) != self.n_fields and self.structure is None:
            self.structure = FormatError(
                f"{where}: row {row} (line {row + 1}) has {len(fields)} fields, the header has {self.n_fields}",
                evidence={"file": where, "row": row, "line": row + 1, "fields": len(fields)},
            )
        if len(fields) > self.n_fields:
            self.splits = False
            return
        cells: list[str | None] = [*fields, *([None] * (self.n_fields - len(fields)))]
        found: list[_Problem] = []
        if cells[0] is None or _ID.fullmatch(cells[0]) is None:
            found.append(_Problem(row, ID_COLUMN, describe_id(cells[0])))
        for asset, pattern, cell in zip(self.assets, self._cell, cells[1:], strict=True):
            if cell is not None and pattern.fullmatch(cell) and int(cell.replace(".", "")) < AMOUNT_LIMIT:
                continue
            negative = (cell or "").startswith("-")
            found.append(_Problem(row, asset.symbol, describe_amount(cell, asset.decimals), negative))
        self.total += len(found)
        if found and len(self._bad_rows) < MAX_SHOWN:
            self._bad_rows[row] = len(fields) if text else 0
            self.problems += found

    def check(self) -> None:
        """Raise the error of the rows read, if any (call after the last row)."""
        where = str(self.path)
        if not self.splits:
            assert self.structure is not None
            raise self.structure
        if not self.problems:
            return
        problems = list(self.problems)
        ragged: dict[int, _Problem] = {}
        for row, count in self._bad_rows.items():
            if not any(p.row == row and p.message.startswith("empty or missing") for p in problems):
                continue
            if count == 0:
                ragged[row] = _Problem(row, "(all)", "the line is empty")
            elif count != self.n_fields:
                ragged[row] = _Problem(row, "(all)", f"the row has {count} fields, the header has {self.n_fields}")
        problems = sorted([p for p in problems if p.row not in ragged] + list(ragged.values()), key=lambda p: p.row)
        shown = problems[:MAX_SHOWN]
        first = shown[0]
        lines = [f"row {p.row} (line {p.row + 1}), field {p.field}: {p.message}" for p in shown]
        if self.total == 1:
            message = f"{where}: {lines[0]}"
        else:
            more = f", first {len(shown)} shown" if self.total > len(shown) else ""
            message = f"{where}: {self.total} bad values{more}:\n  " + "\n  ".join(lines)
        evidence = {"file": where, "row": first.row, "line": first.row + 1, "field": first.field}
        evidence["problems"] = self.total
        if first.negative:
            raise NegativeBalance(message, evidence=evidence)
        raise FormatError(message, evidence=evidence)
