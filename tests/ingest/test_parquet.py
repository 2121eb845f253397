"""Parquet column types: strings as text, integers as whole units, decimals exactly, floats never."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from solvent.columnar import u128
from solvent.ingest import read_ledger
from solvent.protocol.errors import InputError
from tests.ingest.helpers import ASSETS


def ledger_file(tmp_path: Path, **columns: pl.Series) -> Path:
    frame = pl.DataFrame({"uid": ["alice", "bob"], "BTC": ["0", "0"], "ETH": ["0", "0"], "USD": ["0", "0"]})
    frame = frame.with_columns(**columns)
    path = tmp_path / "ledger.parquet"
    frame.write_parquet(path)
    return path


def btc(path: Path, **kw: object) -> list[int]:
    ledger = read_ledger(path, ASSETS, **kw)  # type: ignore[arg-type]
    return u128.to_ints(ledger.amounts[:, 0])


def rejected(path: Path, **kw: object) -> InputError:
    with pytest.raises(InputError) as info:
        read_ledger(path, ASSETS, **kw)  # type: ignore[arg-type]
    assert str(path) in info.value.message
    return info.value


@pytest.mark.parametrize("dtype", [pl.Int8, pl.Int64, pl.UInt8, pl.UInt64, pl.Int128])
def test_integer_columns_are_whole_units(tmp_path: Path, dtype: pl.DataType) -> None:
    path = ledger_file(tmp_path, BTC=pl.Series([3, 0], dtype=dtype))
    assert btc(path) == [300_000_000, 0]


def test_negative_integer_names_the_row(tmp_path: Path) -> None:
    error = rejected(ledger_file(tmp_path, BTC=pl.Series([3, -1], dtype=pl.Int64)))
    assert "row 2, field BTC" in error.message  # Parquet has rows but no lines
    assert "negative" in error.message
    assert error.evidence["row"] == "2"
    assert "line" not in error.evidence


def test_decimal_columns_are_exact(tmp_path: Path) -> None:
    values = pl.Series(["1.50000000", "0.00000001"]).cast(pl.Decimal(38, 8))
    assert btc(ledger_file(tmp_path, BTC=values)) == [150_000_000, 1]
    fewer = pl.Series(["1.5", "2"]).cast(pl.Decimal(10, 1))
    assert btc(ledger_file(tmp_path, BTC=fewer)) == [150_000_000, 200_000_000]


def test_decimal_scale_beyond_the_asset_drops_only_zeros(tmp_path: Path) -> None:
    values = pl.Series(["1.500000000000000000", "21.000000000000000000"]).cast(pl.Decimal(38, 18))
    assert btc(ledger_file(tmp_path, BTC=values)) == [150_000_000, 2_100_000_000]


def test_decimal_with_a_real_extra_digit(tmp_path: Path) -> None:
    values = pl.Series(["1.5", "0.000000001"]).cast(pl.Decimal(38, 18))
    error = rejected(ledger_file(tmp_path, BTC=values))
    assert "row 2, field BTC" in error.message
    assert "fractional digits" in error.message
    assert btc(ledger_file(tmp_path, BTC=values), round_up=True) == [150_000_000, 1]


def test_negative_decimal(tmp_path: Path) -> None:
    values = pl.Series(["-1.5", "0"]).cast(pl.Decimal(38, 8))
    error = rejected(ledger_file(tmp_path, BTC=values))
    assert "row 1, field BTC" in error.message
    assert "negative" in error.message


@pytest.mark.parametrize("dtype", [pl.Float64, pl.Float32])
def test_float_columns_are_refused_whole(tmp_path: Path, dtype: pl.DataType) -> None:
    error = rejected(ledger_file(tmp_path, ETH=pl.Series([0.1, 0.2], dtype=dtype)))
    assert "'ETH'" in error.message
    assert "float" in error.message
    assert error.evidence["field"] == "ETH"


def test_boolean_column_is_refused(tmp_path: Path) -> None:
    error = rejected(ledger_file(tmp_path, USD=pl.Series([True, False])))
    assert "'USD'" in error.message


def test_null_amount(tmp_path: Path) -> None:
    error = rejected(ledger_file(tmp_path, ETH=pl.Series(["1", None])))
    assert "row 2, field ETH" in error.message
    assert "empty or missing" in error.message


def test_null_uid(tmp_path: Path) -> None:
    error = rejected(ledger_file(tmp_path, uid=pl.Series(["alice", None])))
    assert "row 2, field uid" in error.message


def test_uid_of_another_type_is_refused(tmp_path: Path) -> None:
    error = rejected(ledger_file(tmp_path, uid=pl.Series([1.0, 2.0])))
    assert "'uid'" in error.message


def test_long_parquet_decimal_amounts_per_asset(tmp_path: Path) -> None:
    frame = pl.DataFrame(
        {
            "uid": ["a", "a", "b"],
            "asset": ["BTC", "USD", "USD"],
            "amount": pl.Series(["1.50000000", "2.50000000", "0.01000000"]).cast(pl.Decimal(20, 8)),
        }
    )
    path = tmp_path / "long.parquet"
    frame.write_parquet(path)
    ledger = read_ledger(path, ASSETS)
    assert [u128.to_ints(r) for r in ledger.amounts] == [[150_000_000, 0, 250], [0, 0, 1]]


def test_not_parquet_despite_the_name(tmp_path: Path) -> None:
    path = tmp_path / "ledger.parquet"
    path.write_text("uid,BTC,ETH,USD\nalice,1,0,0\n")
    assert "Parquet" in rejected(path).message


def test_truncated_parquet(tmp_path: Path) -> None:
    path = ledger_file(tmp_path)
    path.write_bytes(path.read_bytes()[:40])
    assert "Parquet" in rejected(path).message


def test_parquet_with_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "empty.parquet"
    pl.DataFrame(
        {"uid": [], "BTC": [], "ETH": [], "USD": []}, schema=dict.fromkeys(["uid", "BTC", "ETH", "USD"], pl.String)
    ).write_parquet(path)
    assert "no rows" in rejected(path).message
