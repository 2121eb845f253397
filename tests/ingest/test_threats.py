"""THREATS rows defended at ingest: L2 (negatives), L14 (float rounding), L15 (decimals), L16 (netting)."""

from __future__ import annotations

from pathlib import Path

from solvent.columnar import u128
from solvent.protocol.assets import parse_asset_list
from tests.ingest.helpers import names_row_and_field, read, rejected


def test_l2_negative_balance_is_rejected_naming_the_row(tmp_path: Path) -> None:
    error = rejected(tmp_path, "uid,BTC,ETH,USD\nalice,1,0,0\nmallory,-5,0,0\nbob,2,0,0\n")
    names_row_and_field(error, 2, "BTC")
    assert "'-5' is negative" in error.message


def test_l2_negative_in_the_long_layout(tmp_path: Path) -> None:
    error = rejected(tmp_path, "uid,asset,amount\nalice,BTC,1\nmallory,ETH,-0.00000001\n")
    names_row_and_field(error, 2, "amount (ETH)")


def test_l14_point_one_plus_point_two_is_exact(tmp_path: Path) -> None:
    ledger = read(tmp_path, "uid,BTC,ETH,USD\na,0.1,0,0\nb,0.2,0,0\nc,0.3,0,0\n")
    a, b, c = u128.to_ints(ledger.amounts[:, 0])
    assert (a, b, c) == (10_000_000, 20_000_000, 30_000_000)
    assert a + b == c  # 0.1 + 0.2 == 0.3 exactly, unlike binary floats
    assert 0.1 + 0.2 != 0.3  # the control: what a float ledger would have done


def test_l14_a_million_dust_amounts_sum_exactly(tmp_path: Path) -> None:
    rows = "".join(f"u{i},0.00000001,0,0.01\n" for i in range(1_000_000))
    ledger = read(tmp_path, "uid,BTC,ETH,USD\n" + rows)
    assert u128.total(ledger.amounts) == [1_000_000, 0, 1_000_000]  # 0.01 BTC and 10,000.00 USD
    assert sum([0.00000001] * 1_000_000) != 0.01  # the control: float addition drifts


def test_l14_exponent_notation_is_rejected(tmp_path: Path) -> None:
    error = rejected(tmp_path, "uid,BTC,ETH,USD\na,1e-9,0,0\n")
    names_row_and_field(error, 1, "BTC")
    assert "exponent" in error.message


def test_l15_decimals_come_from_the_declared_assets(tmp_path: Path) -> None:
    text = "uid,BTC,ETH,USD\na,0.123456789,1.5,0\n"
    error = rejected(tmp_path, text)  # BTC:8
    names_row_and_field(error, 1, "BTC")
    assert "9 fractional digits, the asset has 8" in error.message
    ledger = read(tmp_path, text, parse_asset_list("BTC:9,ETH:18,USD:2"))
    assert u128.to_ints(ledger.amounts[0]) == [123_456_789, 1_500_000_000_000_000_000, 0]


def test_l16_negative_btc_cannot_be_netted_against_junk(tmp_path: Path) -> None:
    # Dummy-user attack: -1 BTC "paid for" by 10^6 of a worthless token.
    assets = parse_asset_list("BTC:8,JUNK:0")
    error = rejected(tmp_path, "uid,BTC,JUNK\nalice,2,0\ndummy,-1,1000000\n", assets)
    names_row_and_field(error, 2, "BTC")
    assert "negative" in error.message


def test_l16_undeclared_junk_asset_is_rejected(tmp_path: Path) -> None:
    long = "uid,asset,amount\nalice,BTC,2\ndummy,BTC,-1\ndummy,JUNK,1000000\n"
    error = rejected(tmp_path, long)
    assert error.evidence["problems"] == "2"
    assert "row 2 (line 3), field amount (BTC)" in error.message
    assert "row 3 (line 4), field asset: asset 'JUNK' is not declared" in error.message
    wide = rejected(tmp_path, "uid,BTC,ETH,USD,JUNK\ndummy,-1,0,0,1000000\n")
    assert "'JUNK' is not a declared asset" in wide.message
