"""Long vs wide, CSV vs Parquet: the same ledger gives the same arrays; values equal the reference parser's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solvent.columnar import u128
from solvent.ingest import read_ledger
from solvent.protocol.amounts import format_units, parse_units
from solvent.protocol.assets import Asset
from tests.ingest.helpers import ASSETS, read

WIDE = "uid,BTC,ETH,USD\nalice,1.5,0,100.25\nbob,0.00000001,2,0\ncarol,0,0,0\ndave,21,0.12345678,99999.99\n"
LONG = (
    "uid,asset,amount\n"
    "alice,BTC,1.5\nalice,USD,100.25\n"
    "bob,ETH,2\nbob,BTC,0.00000001\n"
    "carol,USD,0\n"
    "dave,USD,99999.99\ndave,ETH,0.12345678\ndave,BTC,21\n"
    "alice,ETH,0\n"
)
# Written out by hand (base units), not by the code under test.
EXPECTED = {
    "alice": [150_000_000, 0, 10_025],
    "bob": [1, 200_000_000, 0],
    "carol": [0, 0, 0],
    "dave": [2_100_000_000, 12_345_678, 9_999_999],
}


def as_ints(amounts: np.ndarray) -> list[list[int]]:
    return [u128.to_ints(row) for row in amounts]


def test_wide_csv(tmp_path: Path) -> None:
    ledger = read(tmp_path, WIDE)
    assert ledger.layout == "wide"
    assert ledger.uids.dtype == pl.String
    assert ledger.uids.to_list() == list(EXPECTED)
    assert as_ints(ledger.amounts) == list(EXPECTED.values())
    assert ledger.amounts.dtype == np.uint64
    assert ledger.amounts.shape == (4, 3, 2)


def test_long_csv_equals_wide(tmp_path: Path) -> None:
    ledger = read(tmp_path, LONG)
    assert ledger.layout == "long"
    assert ledger.uids.to_list() == list(EXPECTED)  # first appearance order
    assert as_ints(ledger.amounts) == list(EXPECTED.values())
    assert np.array_equal(ledger.amounts, read(tmp_path, WIDE).amounts)


def test_wide_columns_in_any_order(tmp_path: Path) -> None:
    shuffled = "uid,USD,BTC,ETH\n" + "".join(
        f"{u},{format_units(v[2], 2)},{format_units(v[0], 8)},{format_units(v[1], 8)}\n" for u, v in EXPECTED.items()
    )
    assert as_ints(read(tmp_path, shuffled).amounts) == list(EXPECTED.values())
    uid_last = "BTC,ETH,USD,uid\n" + "".join(
        f"{format_units(v[0], 8)},{format_units(v[1], 8)},{format_units(v[2], 2)},{u}\n" for u, v in EXPECTED.items()
    )
    ledger = read(tmp_path, uid_last)
    assert ledger.uids.to_list() == list(EXPECTED)
    assert as_ints(ledger.amounts) == list(EXPECTED.values())


def test_forced_layouts(tmp_path: Path) -> None:
    assert read(tmp_path, WIDE, layout="wide").layout == "wide"
    assert read(tmp_path, LONG, layout="long").layout == "long"


def frame_to_parquet(tmp_path: Path, frame: pl.DataFrame, name: str = "ledger.parquet") -> Path:
    path = tmp_path / name
    frame.write_parquet(path)
    return path


def test_parquet_strings_equal_csv(tmp_path: Path) -> None:
    wide = pl.read_csv(WIDE.encode(), infer_schema=False)
    long = pl.read_csv(LONG.encode(), infer_schema=False)
    from_wide = read_ledger(frame_to_parquet(tmp_path, wide, "w.parquet"), ASSETS)
    from_long = read_ledger(frame_to_parquet(tmp_path, long, "l.parquet"), ASSETS)
    csv = read(tmp_path, WIDE)
    assert np.array_equal(from_wide.amounts, csv.amounts)
    assert np.array_equal(from_long.amounts, csv.amounts)
    assert from_wide.uids.to_list() == from_long.uids.to_list() == csv.uids.to_list()


def test_parquet_decimal_and_integer_columns(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "uid": pl.Series([101, 102, 103, 104], dtype=pl.Int64),  # integer uids become their digits
            "BTC": pl.Series(["1.5", "0.00000001", "0", "21"]).cast(pl.Decimal(30, 12)),
            "ETH": pl.Series([0, 2, 0, 0], dtype=pl.UInt32),  # whole units
            "USD": pl.Series(["100.25", "0", "0", "99999.99"]).cast(pl.Decimal(12, 2)),
        }
    )
    ledger = read_ledger(frame_to_parquet(tmp_path, frame), ASSETS)
    assert ledger.uids.to_list() == ["101", "102", "103", "104"]
    assert as_ints(ledger.amounts) == [
        [150_000_000, 0, 10_025],
        [1, 200_000_000, 0],
        [0, 0, 0],
        [2_100_000_000, 0, 9_999_999],
    ]


def test_parquet_file_without_the_extension_is_sniffed(tmp_path: Path) -> None:
    frame = pl.read_csv(WIDE.encode(), infer_schema=False)
    path = tmp_path / "export.dat"
    frame.write_parquet(path)
    assert read_ledger(path, ASSETS).uids.to_list() == list(EXPECTED)


def test_crlf_long(tmp_path: Path) -> None:
    assert np.array_equal(read(tmp_path, LONG.replace("\n", "\r\n")).amounts, read(tmp_path, WIDE).amounts)


# -- property: any ledger, any spelling, both layouts, both formats -----------------------

ASSET_SETS = st.lists(st.integers(0, 18), min_size=1, max_size=4).map(
    lambda ds: tuple(Asset(f"A{i}", d) for i, d in enumerate(ds))
)


def spell(value: int, d: int, style: int) -> str:
    text = format_units(value, d)
    if style == 1 and "." in text:
        text = text.rstrip("0").rstrip(".")
    if style == 2:
        text = "00" + text
    return text


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(ASSET_SETS, st.data(), st.booleans())
def test_any_ledger_reads_as_the_reference_parser_says(
    tmp_path: Path, assets: tuple[Asset, ...], data: st.DataObject, parquet: bool
) -> None:
    n = len(assets)
    m = data.draw(st.integers(1, 25))
    values = data.draw(
        st.lists(
            st.lists(st.one_of(st.just(0), st.integers(0, 2**128 - 1), st.integers(0, 10**12)), min_size=n, max_size=n),
            min_size=m,
            max_size=m,
        )
    )
    styles = data.draw(st.lists(st.integers(0, 2), min_size=m * n, max_size=m * n))
    uids = [f"user-{i}" for i in range(m)]
    cells = [
        [spell(v, a.decimals, styles[i * n + j]) for j, (v, a) in enumerate(zip(row, assets))]
        for i, row in enumerate(values)
    ]
    # The reference parser decides what each cell means; the array must agree.
    expected = [[parse_units(c, a.decimals) for c, a in zip(row, assets)] for row in cells]
    assert expected == values
    wide = pl.DataFrame({"uid": uids, **{a.symbol: [row[j] for row in cells] for j, a in enumerate(assets)}})
    # Long lists every non-zero cell and some zero ones (each account at least once).
    long_rows = [
        (u, a.symbol, cells[i][j])
        for i, u in enumerate(uids)
        for j, a in enumerate(assets)
        if values[i][j] or j == i % n
    ]
    long = pl.DataFrame(long_rows, schema=["uid", "asset", "amount"], orient="row")
    chunk = data.draw(st.sampled_from([3, 1 << 18]))
    got = []
    for name, frame in (("w", wide), ("l", long)):
        if parquet:
            path = tmp_path / f"{name}.parquet"
            frame.write_parquet(path)
        else:
            path = tmp_path / f"{name}.csv"
            frame.write_csv(path)
        got.append(read_ledger(path, assets, chunk_rows=chunk))
    wide_ledger, long_ledger = got
    assert wide_ledger.uids.to_list() == long_ledger.uids.to_list() == uids
    assert as_ints(wide_ledger.amounts) == expected
    assert np.array_equal(long_ledger.amounts, wide_ledger.amounts)


@pytest.mark.parametrize("rows", [1, 2, 1000])
def test_sizes(tmp_path: Path, rows: int) -> None:
    text = "uid,BTC,ETH,USD\n" + "".join(f"u{i},{i}.{i % 10},0,{i % 100}.01\n" for i in range(rows))
    ledger = read(tmp_path, text, chunk_rows=64)
    assert len(ledger) == rows
    assert u128.to_ints(ledger.amounts[-1]) == [
        parse_units(f"{rows - 1}.{(rows - 1) % 10}", 8),
        0,
        parse_units(f"{(rows - 1) % 100}.01", 2),
    ]


def test_account_numbering_survives_hash_collisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every uid hashing alike must not merge accounts: the string check falls back to exact grouping.
    expected = read(tmp_path, LONG)
    monkeypatch.setattr(pl.Series, "hash", lambda self, *a, **k: pl.Series(np.zeros(len(self), dtype=np.uint64)))
    collided = read(tmp_path, LONG)
    assert collided.uids.to_list() == expected.uids.to_list() == list(EXPECTED)
    assert np.array_equal(collided.amounts, expected.amounts)


def test_duplicate_check_survives_hash_collisions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pl.Series, "hash", lambda self, *a, **k: pl.Series(np.zeros(len(self), dtype=np.uint64)))
    assert read(tmp_path, WIDE).uids.to_list() == list(EXPECTED)  # equal hashes, different uids: no error
    from solvent.protocol.errors import InputError

    with pytest.raises(InputError, match="already appears in row 1"):
        read(tmp_path, WIDE + "alice,0,0,0\n")


def test_long_round_up_uses_each_rows_asset(tmp_path: Path) -> None:
    text = "uid,asset,amount\na,USD,0.001\na,BTC,0.000000001\nb,ETH,0.10\nb,USD,1.000\n"
    ledger = read(tmp_path, text, round_up=True)
    assert as_ints(ledger.amounts) == [[1, 0, 1], [0, 10_000_000, 100]]
    assert ledger.rounded == (1, 0, 1)
