"""A ledger in Parquet parts (a folder or a glob), as Spark, Snowflake and BigQuery export it:
read as the one table the parts make, in path order, with markers and checksums skipped."""

from __future__ import annotations

import itertools
from pathlib import Path

import polars as pl
import pytest

from solvent.columnar import u128
from solvent.ingest import read_ledger
from solvent.ingest.ledger import stream_ledger
from solvent.protocol.errors import InputError
from tests.ingest.helpers import ASSETS


def _frame(n: int = 10) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "uid": [f"user-{i:03d}" for i in range(n)],
            "BTC": [f"{i}.5" for i in range(n)],
            "ETH": [str(i % 3) for i in range(n)],
            "USD": ["0.01"] * n,
        }
    )


def _spark_export(folder: Path, frame: pl.DataFrame, cuts: tuple[int, ...] = (4, 7)) -> Path:
    """A Spark-like export: part files (one in a sub-folder, one empty), _SUCCESS and .crc files."""
    folder.mkdir(parents=True)
    (folder / "year=2026").mkdir()
    bounds = [0, *cuts, frame.height]
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        where = folder / "year=2026" if i == len(bounds) - 2 else folder
        frame[a:b].write_parquet(where / f"part-{i:05d}-3f2a.snappy.parquet")
        (where / f".part-{i:05d}-3f2a.snappy.parquet.crc").write_bytes(b"\x00crc")
    frame.head(0).write_parquet(folder / "part-00009-3f2a.snappy.parquet")  # an empty part: no rows
    (folder / "_SUCCESS").write_bytes(b"")
    (folder / "._SUCCESS.crc").write_bytes(b"\x00crc")
    (folder / "_delta_log").mkdir()
    (folder / "_delta_log" / "00000.json").write_text("{}")
    return folder


def _same(a: object, b: object) -> None:
    assert a.uids.to_list() == b.uids.to_list()  # type: ignore[attr-defined]
    assert u128.to_ints(a.amounts.reshape(-1, 2)) == u128.to_ints(b.amounts.reshape(-1, 2))  # type: ignore[attr-defined]


def test_a_folder_reads_as_the_single_file(tmp_path: Path) -> None:
    frame = _frame()
    frame.write_parquet(tmp_path / "whole.parquet")
    folder = _spark_export(tmp_path / "export", frame)
    whole = read_ledger(tmp_path / "whole.parquet", ASSETS)
    parts = read_ledger(folder, ASSETS)
    _same(parts, whole)
    assert len(parts) == frame.height


def test_a_glob_reads_the_parts_it_matches(tmp_path: Path) -> None:
    frame = _frame()
    frame.write_parquet(tmp_path / "whole.parquet")
    folder = _spark_export(tmp_path / "export", frame)
    _same(read_ledger(f"{folder}/**/part-*.parquet", ASSETS), read_ledger(tmp_path / "whole.parquet", ASSETS))
    # Only the top level: the nested part is not matched, so its rows are not read.
    top = read_ledger(f"{folder}/part-*.parquet", ASSETS)
    assert top.uids.to_list() == frame["uid"].to_list()[:7]


def test_parts_are_read_in_path_order_and_streamed_in_batches(tmp_path: Path) -> None:
    frame = _frame(50)
    folder = tmp_path / "export"
    folder.mkdir()
    # Written out of order, named in order: the names decide.
    for i in (3, 0, 2, 1, 4):
        frame[10 * i : 10 * i + 10].write_parquet(folder / f"part-{i:05d}.parquet")
    stream = stream_ledger(folder, ASSETS, chunk_rows=7)
    uids = [u for batch in stream.batches() for u in batch.uids.to_list()]
    stream.check()
    assert uids == frame["uid"].to_list()
    assert stream.src.rows_hint == 50 and stream.src.part_rows == (10, 10, 10, 10, 10)


def test_parts_of_many_row_groups_and_compressions(tmp_path: Path) -> None:
    """Parts cut into small row groups, each compressed its own way, read as one table."""
    frame = _frame(12)
    folder = tmp_path / "groups"
    folder.mkdir()
    frame[:5].write_parquet(folder / "part-0.parquet", row_group_size=2, compression="zstd")
    frame[5:].write_parquet(folder / "part-1.parquet", row_group_size=3, compression="uncompressed")
    frame.write_parquet(tmp_path / "whole.parquet")
    _same(read_ledger(folder, ASSETS), read_ledger(tmp_path / "whole.parquet", ASSETS))


def test_a_bad_row_names_the_part_and_its_row(tmp_path: Path) -> None:
    frame = _frame().with_columns(pl.when(pl.col("uid") == "user-008").then(pl.lit("-1")).otherwise("BTC").alias("BTC"))
    folder = _spark_export(tmp_path / "export", frame)
    with pytest.raises(InputError) as caught:
        read_ledger(folder, ASSETS)
    error = caught.value
    assert "row 9" in error.message and "negative" in error.message and "field BTC" in error.message
    assert "part-00002-3f2a.snappy.parquet, row 2" in error.message
    assert error.evidence["part"].endswith("year=2026/part-00002-3f2a.snappy.parquet")
    assert error.evidence["part row"] == "2"


def test_parts_with_another_schema_name_the_odd_file(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    _frame(3).write_parquet(folder / "part-0.parquet")
    _frame(3).with_columns(pl.col("ETH").cast(pl.Int64)).write_parquet(folder / "part-1.parquet")
    with pytest.raises(InputError) as caught:
        read_ledger(folder, ASSETS)
    assert "part-1.parquet" in caught.value.message and "'ETH'" in caught.value.message
    assert str(caught.value.evidence["file"]).endswith("part-1.parquet")


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda f: f.drop("USD"), "no column 'USD'"),
        (lambda f: f.with_columns(pl.lit("x").alias("note")), "an extra column 'note'"),
        (lambda f: f.select("uid", "ETH", "BTC", "USD"), "another order"),
    ],
    ids=["missing", "extra", "order"],
)
def test_every_kind_of_schema_difference_is_named(tmp_path: Path, change: object, fragment: str) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    _frame(3).write_parquet(folder / "a.parquet")
    change(_frame(3)).write_parquet(folder / "b.parquet")  # type: ignore[operator]
    with pytest.raises(InputError, match=fragment):
        read_ledger(folder, ASSETS)


def test_a_file_that_is_not_parquet_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    _frame(3).write_parquet(folder / "part-0.parquet")
    (folder / "part-1.csv").write_text("uid,BTC,ETH,USD\nx,1,1,1\n")
    with pytest.raises(InputError) as caught:
        read_ledger(folder, ASSETS)
    assert "part-1.csv" in caught.value.message and "not a Parquet file" in caught.value.message


def test_a_truncated_part_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    _frame(3).write_parquet(folder / "part-0.parquet")
    data = (folder / "part-0.parquet").read_bytes()
    (folder / "part-1.parquet").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as caught:
        read_ledger(folder, ASSETS)
    assert "part-1.parquet" in caught.value.message


@pytest.mark.parametrize("pattern", ["*.parquet", "nothing-*.parquet", "**/*.parquet"])
def test_an_empty_match_is_an_error(tmp_path: Path, pattern: str) -> None:
    (tmp_path / "_SUCCESS").write_bytes(b"")
    (tmp_path / ".hidden.parquet").write_bytes(b"PAR1")
    with pytest.raises(InputError, match="matches no data file"):
        read_ledger(f"{tmp_path}/{pattern}", ASSETS)


def test_a_glob_skips_marker_folders_below_its_fixed_part(tmp_path: Path) -> None:
    """``export/**/*.parquet`` matches inside ``_delta_log/`` and ``_temporary/`` too: those are skipped."""
    folder = _spark_export(tmp_path / "_work" / "export", _frame())
    (folder / "_temporary" / "0").mkdir(parents=True)
    _frame(2).with_columns(pl.lit("9").alias("BTC")).write_parquet(folder / "_temporary" / "0" / "part-9.parquet")
    (folder / "_delta_log" / "00001.checkpoint.parquet").write_bytes(b"PAR1")
    ledger = read_ledger(f"{folder}/**/*.parquet", ASSETS)  # "_work" is in the fixed part: not a marker
    assert len(ledger) == 10


def test_a_folder_of_markers_only_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "_SUCCESS").write_bytes(b"")
    (tmp_path / "part-0.parquet.crc").write_bytes(b"x")
    with pytest.raises(InputError, match="the folder has no data files"):
        read_ledger(tmp_path, ASSETS)


def test_the_long_layout_in_parts(tmp_path: Path) -> None:
    long = pl.DataFrame(
        {"uid": ["a", "a", "b", "c"], "asset": ["BTC", "USD", "ETH", "BTC"], "amount": ["1", "2.5", "3", "0.1"]}
    )
    folder = tmp_path / "long"
    folder.mkdir()
    long[:2].write_parquet(folder / "part-0.parquet")
    long[2:].write_parquet(folder / "part-1.parquet")
    long.write_parquet(tmp_path / "long.parquet")
    _same(read_ledger(folder, ASSETS), read_ledger(tmp_path / "long.parquet", ASSETS))
