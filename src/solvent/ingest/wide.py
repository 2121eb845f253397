"""The wide layout ``uid,<SYMBOL>,...``: one row per account, parsed as it streams past.

Polars' streaming engine parses a batch of rows (every amount column in parallel)
while this module copies the previous batch's limbs into the preallocated
``(m, n, 2)`` array; the text of the whole file never sits in memory at once.
Duplicate uids are found afterwards from 64-bit hashes of all uids (a sort in
NumPy); only hash collisions are compared as strings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from solvent.columnar import u128
from solvent.columnar.decimal_text import with_parsed
from solvent.ingest.problems import MAX_SHOWN, Problems
from solvent.ingest.rows import batches, record_amount_problems, record_uid_problems, take_parsed, uid_status
from solvent.ingest.shapes import UID, Plan, amount_text, uid_text
from solvent.ingest.source import Source
from solvent.protocol.assets import Asset

__all__ = ["WideBatch", "duplicate_rows", "iter_wide", "read_wide"]


@dataclass(frozen=True, eq=False)
class WideBatch:
    """Rows ``offset .. offset + len(uids)`` of a wide ledger: uids and their ``(k, n, 2)`` amounts."""

    offset: int
    uids: pl.Series
    amounts: u128.U128


def iter_wide(
    src: Source,
    plan: Plan,
    assets: Sequence[Asset],
    problems: Problems,
    rounded: list[int],
    *,
    round_up: bool,
    chunk_rows: int,
    into: Callable[[int, int], u128.U128] | None = None,
) -> Iterator[WideBatch]:
    """The ledger a batch at a time, in input order; bad rows go to ``problems`` and
    ``rounded[j]`` counts the values of asset j rounded up.  Memory: one batch.

    ``into(offset, k)`` gives the ``(k, n, 2)`` array the batch's limbs are written to (a
    view of a caller's whole-ledger array, so that nothing is copied twice); by default
    each batch gets its own.
    """
    n = len(assets)
    position = {name: i for i, name in enumerate(src.columns)}
    lf = src.scan().select(
        uid_text(src.name, UID, src.dtypes[UID]).alias("_uid"),
        *(
            amount_text(src.name, column, src.dtypes[column], a.decimals).alias(f"_t{j}")
            for j, (column, a) in enumerate(zip(plan.columns, assets, strict=True))
        ),
    )
    lf = lf.with_columns(uid_status(pl.col("_uid")).alias("_uidbad"))
    for j, a in enumerate(assets):
        lf = with_parsed(lf, pl.col(f"_t{j}"), a.decimals, prefix=f"_a{j}", round_up=round_up)
    offset = 0
    for batch in batches(lf, chunk_rows):
        k = batch.height
        amounts = into(offset, k) if into is not None else np.empty((k, n, 2), dtype=np.uint64)
        record_uid_problems(problems, batch["_uidbad"].to_numpy(), batch["_uid"], offset, position[UID])
        for j, a in enumerate(assets):
            status = batch[f"_a{j}status"].to_numpy()
            if not round_up and not status.any():  # the common case: copy the limbs straight in
                amounts[:, j, 0] = batch[f"_a{j}hi"].to_numpy()
                amounts[:, j, 1] = batch[f"_a{j}lo"].to_numpy()
                continue
            parsed = take_parsed(batch, f"_a{j}")
            amounts[:, j] = parsed.limbs
            rounded[j] += int(parsed.rounded.sum())
            column = plan.columns[j]
            record_amount_problems(
                problems,
                parsed,
                batch[f"_t{j}"],
                decimals=a.decimals,
                offset=offset,
                column=position[column],
                field=column,
                round_up=round_up,
            )
        yield WideBatch(offset, batch["_uid"].alias("uid"), amounts)
        offset += k


def read_wide(
    src: Source,
    plan: Plan,
    assets: Sequence[Asset],
    problems: Problems,
    *,
    round_up: bool,
    chunk_rows: int,
) -> tuple[pl.Series, u128.U128, list[int]]:
    """uids, amounts and the per-asset count of values rounded up; bad rows go to ``problems``."""
    n = len(assets)
    amounts = np.zeros((max(src.rows_hint, 1), n, 2), dtype=np.uint64)
    uid_chunks: list[pl.Series] = []
    rounded = [0] * n
    offset = 0

    def into(start: int, k: int) -> u128.U128:
        nonlocal amounts
        if start + k > amounts.shape[0]:  # more rows than the byte scan counted lines: grow
            amounts = np.concatenate([amounts, np.zeros((start + k, n, 2), dtype=np.uint64)])
        return amounts[start : start + k]

    for batch in iter_wide(src, plan, assets, problems, rounded, round_up=round_up, chunk_rows=chunk_rows, into=into):
        uid_chunks.append(batch.uids)
        offset += len(batch.uids)
    uids = pl.concat(uid_chunks, rechunk=False) if uid_chunks else pl.Series("uid", [], dtype=pl.String)
    return uids.alias("uid"), amounts[:offset], rounded


def duplicate_rows(uids: pl.Series) -> npt.NDArray[np.int64]:
    """0-based rows whose uid already appeared in an earlier row, ascending.

    Candidates come from equal 64-bit hashes (a NumPy sort of m integers, much
    faster than hashing the strings into a table); every candidate is then compared
    as a string, so a hash collision is never reported as a duplicate.
    """
    m = len(uids)
    if m < 2:
        return np.zeros(0, dtype=np.int64)
    hashes = uids.hash(seed=0x5EED).to_numpy()
    ordered = np.sort(hashes)
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return np.zeros(0, dtype=np.int64)
    candidates = np.flatnonzero(np.isin(hashes, np.unique(ordered[1:][same])))
    sub = pl.DataFrame({"uid": uids.gather(candidates), "row": candidates})
    later = sub.filter(pl.col("uid").is_duplicated() & ~pl.col("uid").is_first_distinct())
    return np.sort(later["row"].to_numpy().astype(np.int64))


def record_duplicates(problems: Problems, uids: pl.Series, column: int) -> None:
    """Report the first few rows that repeat an earlier row's uid, naming that row."""
    rows = duplicate_rows(uids)
    if not rows.size:
        return
    problems.count(rows.size)
    for r in rows[:MAX_SHOWN].tolist():
        uid = uids[r]
        first = int(np.flatnonzero((uids.head(r) == uid).to_numpy())[0])
        shown = uid if len(uid) <= 40 else uid[:37] + "..."
        problems.add(r + 1, column, "uid", f"duplicate account: uid {shown!r} already appears in row {first + 1}")
