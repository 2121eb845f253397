"""Read the exchange's ledger export into validated amount columns (the first stage of a build).

``read_ledger("ledger.csv", assets)`` returns a :class:`Ledger`: the uids as a Polars
String Series and the balances as a ``(m, n_assets, 2)`` uint64 array of u128 limbs
(see :mod:`solvent.columnar.u128`), rows in input order.  Every problem with the
export is an :class:`~solvent.protocol.errors.InputError` naming the file, the 1-based data
row (and the line, for CSV) and the field; the first few are listed in row order,
with the total count.  Polars' own errors never reach the operator.

The rules, for the operator, are in docs/ingest.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from solvent.columnar import u128
from solvent.ingest.long import LongBatch, iter_long, read_long
from solvent.ingest.problems import Problem, Problems
from solvent.ingest.rows import CHUNK_ROWS, record_uid_v2_problems
from solvent.ingest.shapes import UID, Layout, Plan, plan_layout
from solvent.ingest.source import Source, describe_row_shape, first_ragged_row, open_source, raw_lines
from solvent.ingest.wide import WideBatch, iter_wide, read_wide, record_duplicates
from solvent.protocol.assets import MAX_ASSETS, Asset, check_asset_list
from solvent.protocol.errors import FormatError, InputError
from solvent.protocol.v2.manifest import MAX_ASSETS as V2_MAX_ASSETS

__all__ = ["Ledger", "LedgerStream", "read_ledger", "stream_ledger"]


@dataclass(frozen=True, eq=False)
class Ledger:
    """A validated ledger: ``uids[i]`` holds ``amounts[i, j]`` base units of ``assets[j]``.

    ``rounded[j]`` counts the values of asset j that were rounded up (only with
    ``round_up``), so that the build can say so.
    """

    uids: pl.Series
    amounts: u128.U128
    source: str
    assets: tuple[Asset, ...] = ()
    layout: str = ""
    rounded: tuple[int, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.uids)


def read_ledger(
    path: str | os.PathLike[str],
    assets: Sequence[Asset],
    *,
    layout: Layout = "auto",
    round_up: bool = False,
    chunk_rows: int = CHUNK_ROWS,
) -> Ledger:
    """Read a CSV or Parquet ledger export (long or wide layout) exactly; raise InputError on any problem.

    ``round_up`` allows amounts with more fractional digits than the asset has and
    rounds them *up* to the next base unit (a larger liability, never a smaller one);
    :attr:`Ledger.rounded` says how many were.
    """
    assets = tuple(assets)
    src, plan = _open(path, assets, layout, MAX_ASSETS)
    problems = Problems(src.name)
    try:
        if plan.layout == "wide":
            uids, amounts, rounded = read_wide(src, plan, assets, problems, round_up=round_up, chunk_rows=chunk_rows)
            if not problems:
                record_duplicates(problems, uids, src.columns.index("uid"))
        else:
            uids, amounts, rounded = read_long(src, assets, problems, round_up=round_up, chunk_rows=chunk_rows)
    except pl.exceptions.PolarsError as e:
        raise _unreadable(src, e) from e
    if problems:
        raise _problem_error(src, problems)
    if len(uids) == 0:
        raise InputError(f"{src.name}: the ledger has a header but no rows", evidence={"file": src.name})
    return Ledger(uids, amounts, src.name, assets, plan.layout, tuple(rounded))


@dataclass(eq=False)
class LedgerStream:
    """A ledger read a batch at a time, for builds that must not hold it whole (protocol v2).

    Iterate :meth:`batches` once; problems found on the way (and any the caller adds
    with :meth:`add_problem`, e.g. duplicates found later) are raised together by
    :meth:`check`, as :func:`read_ledger` raises them.  Every uid is held to protocol
    v2's rule too (NFC, no surrounding white space).
    """

    src: Source
    plan: Plan
    assets: tuple[Asset, ...]
    round_up: bool
    chunk_rows: int
    problems: Problems
    rounded: list[int]
    rows: int = 0

    @property
    def layout(self) -> str:
        return self.plan.layout

    @property
    def uid_column(self) -> int:
        return self.src.columns.index(UID)

    def batches(self) -> Iterator[WideBatch | LongBatch]:
        src, assets, problems, rounded = self.src, self.assets, self.problems, self.rounded
        round_up, chunk_rows = self.round_up, self.chunk_rows
        try:
            it: Iterator[WideBatch | LongBatch]
            if self.plan.layout == "wide":
                it = iter_wide(src, self.plan, assets, problems, rounded, round_up=round_up, chunk_rows=chunk_rows)
            else:
                it = iter_long(src, assets, problems, rounded, round_up=round_up, chunk_rows=chunk_rows)
            for batch in it:
                record_uid_v2_problems(self.problems, batch.uids, batch.offset, self.uid_column)
                self.rows = batch.offset + len(batch.uids)
                yield batch
        except pl.exceptions.PolarsError as e:
            raise _unreadable(self.src, e) from e

    def add_problem(self, row: int, column: int, name: str, message: str) -> None:
        self.problems.count(1)
        self.problems.add(row, column, name, message)

    def check(self) -> None:
        """Raise the InputError naming the first few bad rows, if any; refuse an empty ledger."""
        if self.problems:
            raise _problem_error(self.src, self.problems)
        if self.rows == 0:
            raise InputError(f"{self.src.name}: the ledger has a header but no rows", evidence={"file": self.src.name})


def stream_ledger(
    path: str | os.PathLike[str],
    assets: Sequence[Asset],
    *,
    layout: Layout = "auto",
    round_up: bool = False,
    chunk_rows: int = CHUNK_ROWS,
) -> LedgerStream:
    """Open a CSV or Parquet ledger export (long or wide), or a folder or glob of Parquet parts,
    to be read a batch at a time."""
    assets = tuple(assets)
    src, plan = _open(path, assets, layout, V2_MAX_ASSETS)
    return LedgerStream(src, plan, assets, round_up, chunk_rows, Problems(src.name), [0] * len(assets))


def _open(path: str | os.PathLike[str], assets: tuple[Asset, ...], layout: Layout, limit: int) -> tuple[Source, Plan]:
    """The checked asset list, the opened export and its layout: what both readers start from."""
    _check_assets(assets, limit)
    src = open_source(path)
    return src, plan_layout(src.name, src.columns, assets, layout)


def _check_assets(assets: tuple[Asset, ...], limit: int) -> None:
    try:
        check_asset_list(assets, limit)
    except FormatError as e:
        raise InputError(f"assets: {e}", evidence={"field": "assets"}) from e


def _problem_error(src: Source, problems: Problems) -> InputError:
    line_of = _line_numbers(src, [p.row for p in problems.first()])
    if src.kind == "csv":
        _explain_row_shapes(src, problems, line_of)
        line_of = _line_numbers(src, [p.row for p in problems.first()])
    return problems.error(line_of, src.locate)


def _line_numbers(src: Source, rows: Sequence[int]) -> Callable[[int], int | None]:
    """Map data rows to CSV lines: row + 1, plus the line breaks inside quoted fields before it."""
    if src.kind != "csv":
        return lambda row: None
    if not src.has_quotes:
        return lambda row: row + 1
    # Error path only: count the line breaks inside the fields of every earlier row.
    breaks = pl.sum_horizontal(pl.col(c).str.count_matches("\n", literal=True).fill_null(0) for c in src.columns)
    per_row = src.scan().select(breaks.alias("n")).collect()["n"].to_numpy()
    before = np.concatenate([[0], np.cumsum(per_row)])
    lines = {row: row + 1 + int(before[row - 1]) for row in rows if 0 < row <= len(per_row)}
    return lambda row: lines.get(row, row + 1)


def _explain_row_shapes(src: Source, problems: Problems, line_of: Callable[[int], int | None]) -> None:
    """A short row or a blank line reads as empty fields: look at the raw line and say which it was."""
    rows = sorted({p.row for p in problems.first() if "empty or missing" in p.message})
    lines = {row: line_of(row) for row in rows}
    raw = raw_lines(src.path, [line for line in lines.values() if line is not None])
    replacements = {}
    for row, line in lines.items():
        shape = describe_row_shape(raw.get(line) if line is not None else None, len(src.columns))
        if shape is not None:
            replacements[row] = Problem(row, -1, "", shape)
    problems.replace_rows(replacements)


def _unreadable(src: Source, error: pl.exceptions.PolarsError) -> InputError:
    """Polars could not split the file into rows: find the first bad row ourselves and name it."""
    summary = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if src.kind == "csv":
        found = first_ragged_row(src.path, len(src.columns))
        if found is not None:
            row, line, what = found
            return InputError(
                f"{src.name}: row {row} (line {line}): {what}",
                evidence={"file": src.name, "row": row, "line": line},
            )
        return InputError(f"{src.name}: cannot be read as CSV ({summary})", evidence={"file": src.name})
    return InputError(f"{src.name}: cannot be read as Parquet ({summary})", evidence={"file": src.name})
