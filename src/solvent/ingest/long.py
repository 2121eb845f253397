"""The long layout ``uid,asset,amount``: one row per account and asset, pivoted to accounts.

Rows are parsed as they stream past (each with its own asset's decimals); then
accounts are numbered in order of first appearance (a Polars ``group_by`` that
keeps the input order) and each asset's limbs are scattered into the
``(m, n, 2)`` array with NumPy.  An account that does not list an asset holds 0 of
it.  No amount is ever added up here: a uid that lists the same asset twice is an
error (the export is ambiguous), not a sum.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from solvent.columnar import u128
from solvent.columnar.decimal_text import with_parsed
from solvent.ingest.problems import MAX_SHOWN, Problems
from solvent.ingest.rows import batches, record_amount_problems, record_uid_problems, take_parsed, uid_status
from solvent.ingest.shapes import AMOUNT, ASSET, UID, amount_text, uid_text
from solvent.ingest.source import Source
from solvent.protocol.assets import Asset
from solvent.protocol.errors import InputError

__all__ = ["LongBatch", "iter_long", "read_long"]


@dataclass(frozen=True, eq=False)
class LongBatch:
    """Rows ``offset .. offset + len(uids)`` of a long ledger: each row's uid, asset index and amount."""

    offset: int
    uids: pl.Series
    asset_index: npt.NDArray[np.int16]
    limbs: npt.NDArray[np.uint64]


def iter_long(
    src: Source,
    assets: Sequence[Asset],
    problems: Problems,
    rounded: list[int],
    *,
    round_up: bool,
    chunk_rows: int,
) -> Iterator[LongBatch]:
    """The ledger's rows a batch at a time, in input order; bad rows go to ``problems``
    (an unknown asset has index -1) and ``rounded[j]`` counts values of asset j rounded up."""
    n = len(assets)
    symbols = [a.symbol for a in assets]
    position = {name: i for i, name in enumerate(src.columns)}
    asset_dtype = src.dtypes[ASSET]
    if not (asset_dtype == pl.String or isinstance(asset_dtype, pl.Categorical | pl.Enum)):
        _raise_type(src, ASSET, asset_dtype)
    lf = src.scan().select(
        uid_text(src.name, UID, src.dtypes[UID]).alias("_uid"),
        pl.col(ASSET).cast(pl.String).alias("_asset"),
        pl.col(AMOUNT),
    )
    lf = lf.with_columns(
        uid_status(pl.col("_uid")).alias("_uidbad"),
        # The asset's index in the list, null for one not listed.  A cast to an Enum streams
        # (replace_strict made Polars read the whole file before its first batch: 3.5 GB at
        # 40 M rows); the unknown asset is still named below from the text column.
        pl.col("_asset").cast(pl.Enum(symbols), strict=False).to_physical().cast(pl.Int16).alias("_a"),
    )
    decimals = pl.lit(pl.Series([a.decimals for a in assets], dtype=pl.Int64)).gather(pl.col("_a").fill_null(0))
    lf = lf.with_columns(decimals.alias("_dec"))
    lf = lf.with_columns(amount_text(src.name, AMOUNT, src.dtypes[AMOUNT], pl.col("_dec")).alias("_t"))
    lf = with_parsed(lf, pl.col("_t"), pl.col("_dec"), prefix="_v", round_up=round_up)
    lf = lf.drop(AMOUNT)
    offset = 0
    for batch in batches(lf, chunk_rows):
        k = batch.height
        record_uid_problems(problems, batch["_uidbad"].to_numpy(), batch["_uid"], offset, position[UID])
        index = batch["_a"].fill_null(-1).to_numpy().astype(np.int16, copy=False)
        unknown = np.flatnonzero(index < 0)
        if unknown.size:
            problems.count(unknown.size)
            for r in unknown[:MAX_SHOWN].tolist():
                problems.add(offset + r + 1, position[ASSET], ASSET, _describe_asset(batch["_asset"][r], symbols))
        parsed = take_parsed(batch, "_v")
        parsed.status[unknown] = 0  # the asset is the problem there; its amount cannot be judged
        record_amount_problems(
            problems,
            parsed,
            batch["_t"],
            decimals=batch["_dec"].to_numpy(),
            offset=offset,
            column=position[AMOUNT],
            field=batch["_asset"],
            round_up=round_up,
        )
        for j in range(n):
            rounded[j] += int(parsed.rounded[index == j].sum())
        yield LongBatch(offset, batch["_uid"].alias("uid"), index, parsed.limbs)
        offset += k


def read_long(
    src: Source,
    assets: Sequence[Asset],
    problems: Problems,
    *,
    round_up: bool,
    chunk_rows: int,
) -> tuple[pl.Series, u128.U128, list[int]]:
    """uids (first-appearance order), amounts and per-asset round-up counts; bad rows go to ``problems``."""
    n = len(assets)
    symbols = [a.symbol for a in assets]
    position = {name: i for i, name in enumerate(src.columns)}
    uid_chunks: list[pl.Series] = []
    capacity = max(src.rows_hint, 1)
    asset_index = np.empty(capacity, dtype=np.int16)
    limbs = np.empty((capacity, 2), dtype=np.uint64)
    rounded = [0] * n
    offset = 0
    for batch in iter_long(src, assets, problems, rounded, round_up=round_up, chunk_rows=chunk_rows):
        k = len(batch.uids)
        if offset + k > capacity:  # more rows than the byte scan counted lines: grow
            capacity = 2 * (offset + k)
            asset_index = np.resize(asset_index, capacity)
            limbs = np.resize(limbs, (capacity, 2))
        uid_chunks.append(batch.uids)
        asset_index[offset : offset + k] = batch.asset_index
        limbs[offset : offset + k] = batch.limbs
        offset += k
    if offset == 0 or problems:
        return pl.Series("uid", [], dtype=pl.String), np.zeros((0, n, 2), dtype=np.uint64), rounded

    rows_uid = pl.concat(uid_chunks, rechunk=False).alias("uid")
    del uid_chunks
    asset_index, limbs = asset_index[:offset], limbs[:offset]
    uids, account = _number_accounts(rows_uid)
    _check_repeats(problems, rows_uid, account, asset_index, symbols=symbols, column=position[ASSET])
    if problems:
        return uids, np.zeros((0, n, 2), dtype=np.uint64), rounded
    amounts = np.zeros((len(uids), n, 2), dtype=np.uint64)
    amounts[account, asset_index] = limbs  # (account, asset) pairs are unique: _check_repeats
    return uids, amounts, rounded


def _number_accounts(rows_uid: pl.Series) -> tuple[pl.Series, npt.NDArray[np.int64]]:
    """The distinct uids in order of first appearance, and each row's account number.

    Rows are grouped by a 64-bit hash of the uid (a stable NumPy sort, lighter than
    a string hash table); every row is then compared, as a string, with the first
    row of its group, and any hash collision sends the whole ledger through an
    exact Polars ``group_by`` instead.
    """
    rows = len(rows_uid)
    hashes = rows_uid.hash(seed=0x5EED).to_numpy()
    order = np.argsort(hashes, kind="stable")
    ordered = hashes[order]
    del hashes
    starts = np.empty(rows, dtype=np.bool_)
    starts[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    del ordered
    group = np.empty(rows, dtype=np.int64)
    group[order] = np.cumsum(starts) - 1
    first_row = order[starts]  # the stable sort puts each group's earliest row first
    del order, starts
    representative = pl.Series(first_row[group])
    if not (rows_uid == rows_uid.gather(representative)).all():
        return _number_accounts_exactly(rows_uid)
    del representative
    by_appearance = np.argsort(first_row, kind="stable")
    number = np.empty(first_row.size, dtype=np.int64)
    number[by_appearance] = np.arange(first_row.size, dtype=np.int64)
    return rows_uid.gather(first_row[by_appearance]).rechunk(), number[group]


def _number_accounts_exactly(rows_uid: pl.Series) -> tuple[pl.Series, npt.NDArray[np.int64]]:
    """The same as :func:`_number_accounts` with Polars' exact string grouping (hash collisions)."""
    groups = pl.DataFrame({"uid": rows_uid}).with_row_index("_i").group_by("uid", maintain_order=True).agg(pl.col("_i"))
    sizes = groups["_i"].list.len().to_numpy()
    rows = groups["_i"].explode().to_numpy()
    account = np.empty(len(rows_uid), dtype=np.int64)
    account[rows] = np.repeat(np.arange(groups.height, dtype=np.int64), sizes)
    return groups["uid"], account


def _check_repeats(
    problems: Problems,
    rows_uid: pl.Series,
    account: npt.NDArray[np.int64],
    asset_index: npt.NDArray[np.int16],
    *,
    symbols: Sequence[str],
    column: int,
) -> None:
    """A uid that lists the same asset twice is an error naming both rows."""
    accounts = int(account.max()) + 1 if account.size else 0
    later_rows: list[npt.NDArray[np.int64]] = []
    for j in range(len(symbols)):
        rows = np.flatnonzero(asset_index == j)
        counts = np.bincount(account[rows], minlength=accounts)
        if counts.max(initial=0) < 2:
            continue
        repeated = rows[counts[account[rows]] > 1]  # every row of an account that lists j twice, ascending
        _, first = np.unique(account[repeated], return_index=True)
        later = np.ones(repeated.size, dtype=np.bool_)
        later[first] = False
        later_rows.append(repeated[later])
    if not later_rows:
        return
    later = np.sort(np.concatenate(later_rows))
    problems.count(later.size)
    for r in later[:MAX_SHOWN].tolist():
        same = (account[:r] == account[r]) & (asset_index[:r] == asset_index[r])
        first_row = int(np.flatnonzero(same)[0])
        uid = rows_uid[r]
        shown = uid if len(uid) <= 40 else uid[:37] + "..."
        problems.add(
            r + 1,
            column,
            ASSET,
            f"uid {shown!r} lists {symbols[asset_index[r]]} again (first in row {first_row + 1}); "
            "each uid and asset may appear once",
        )


def _describe_asset(text: str | None, symbols: Sequence[str]) -> str:
    if text is None or text == "":
        return "the asset is empty or missing"
    hint = next((f" (did you mean {s}? symbols are exact)" for s in symbols if text.strip().upper() == s), "")
    return f"asset {text[:40]!r} is not declared{hint} (declared: {','.join(symbols)})"


def _raise_type(src: Source, name: str, dtype: pl.DataType) -> None:
    raise InputError(
        f"{src.name}: column {name!r} has type {dtype}; it must hold asset symbols as text",
        evidence={"file": src.name, "field": name},
    )
