"""The published liabilities.csv (spec §6): byte-exact writer and strict reader."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solvent.columnar import u128
from solvent.columnar.hexcols import decode_hex_ids, encode_hex_ids
from solvent.columnar.liabilities_csv import (
    check_strictly_ascending,
    read_liabilities_csv,
    write_liabilities_csv,
)
from solvent.protocol.amounts import format_units
from solvent.protocol.assets import Asset, assets_from_json
from solvent.protocol.errors import FetchError, FormatError, NegativeBalance, OrderViolation

KAT = json.loads((Path(__file__).parents[1] / "vectors" / "kat-v1.json").read_text())
ASSETS = assets_from_json(KAT["assets"])
TEXT: str = KAT["liabilities_csv"]


def kat_arrays() -> tuple[np.ndarray, np.ndarray]:
    by_id = {a["hashed_id"]: a for a in KAT["accounts"]}
    ids = np.array([list(bytes.fromhex(h)) for h in KAT["leaf_order"]], dtype=np.uint8)
    amounts = np.stack([u128.from_ints([int(x) for x in by_id[h]["amounts"]]) for h in KAT["leaf_order"]])
    return ids, amounts


def naive_text(ids: np.ndarray, amounts: np.ndarray, assets: tuple[Asset, ...]) -> str:
    """spec §6 written straight out, one value at a time."""
    lines = [",".join(["hashed_id", *(a.symbol for a in assets)])]
    for row, vals in zip(ids, amounts, strict=True):
        cells = [bytes(row).hex()] + [
            format_units(v, a.decimals) for v, a in zip(u128.to_ints(vals), assets, strict=True)
        ]
        lines.append(",".join(cells))
    return "\n".join(lines) + "\n"


def test_writer_reproduces_the_kat_byte_for_byte(tmp_path: Path) -> None:
    ids, amounts = kat_arrays()
    out = tmp_path / "liabilities.csv"
    digest = write_liabilities_csv(out, ids, amounts, ASSETS, chunk_rows=2)
    assert out.read_bytes() == TEXT.encode("utf-8")
    assert digest == hashlib.sha256(TEXT.encode("utf-8")).hexdigest()  # hashed while written, across chunks


def test_reader_reads_the_kat(tmp_path: Path) -> None:
    out = tmp_path / "liabilities.csv"
    out.write_bytes(TEXT.encode())
    ids, amounts = read_liabilities_csv(out, ASSETS)
    want_ids, want_amounts = kat_arrays()
    assert np.array_equal(ids, want_ids)
    assert np.array_equal(amounts, want_amounts)
    check_strictly_ascending(ids)


id_rows = st.lists(st.binary(min_size=32, max_size=32), min_size=0, max_size=40, unique=True)
values = st.one_of(
    st.integers(0, 2**128 - 1),
    st.integers(0, 10**10),
    st.just(0),
    st.sampled_from([2**64 - 1, 2**64, 10**38, 2**128 - 1]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(id_rows, st.lists(st.integers(0, 18), min_size=1, max_size=4), st.data(), st.sampled_from([1, 3, 1 << 20]))
def test_round_trip_and_text_match_the_naive_writer(
    tmp_path: Path, raw_ids: list[bytes], decs: list[int], data: st.DataObject, chunk: int
) -> None:
    assets = tuple(Asset(f"A{i}", d) for i, d in enumerate(decs))
    m = len(raw_ids)
    ids = np.array([list(b) for b in sorted(raw_ids)], dtype=np.uint8).reshape(m, 32)
    ints = data.draw(st.lists(st.lists(values, min_size=len(decs), max_size=len(decs)), min_size=m, max_size=m))
    amounts = np.stack([u128.from_ints(r) for r in ints]) if m else np.zeros((0, len(decs), 2), np.uint64)
    out = tmp_path / f"l-{m}-{chunk}.csv"
    write_liabilities_csv(out, ids, amounts, assets, chunk_rows=chunk)
    assert out.read_text() == naive_text(ids, amounts, assets)
    got_ids, got_amounts = read_liabilities_csv(out, assets, chunk_rows=chunk)
    assert np.array_equal(got_ids, ids)
    assert np.array_equal(got_amounts, amounts)


def test_hex_codec_round_trip() -> None:
    rng = np.random.default_rng(1)
    ids = rng.integers(0, 256, (1000, 32), dtype=np.uint8)
    text = encode_hex_ids(ids)
    assert bytes(text[7]).decode() == bytes(ids[7]).hex()
    back, bad = decode_hex_ids(text)
    assert np.array_equal(back, ids)
    assert not bad.any()


def write(tmp_path: Path, text: str | bytes) -> Path:
    p = tmp_path / "liabilities.csv"
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return p


def rejected(
    tmp_path: Path, text: str | bytes, assets: tuple[Asset, ...] = ASSETS
) -> FormatError | NegativeBalance:
    with pytest.raises((FormatError, NegativeBalance)) as info:
        read_liabilities_csv(write(tmp_path, text), assets)
    return info.value


def test_a_negative_balance_is_a_verification_failure_not_a_typo(tmp_path: Path) -> None:
    """Threat L2: the audit's error says a negative balance was published (code negative-balance)."""
    error = rejected(tmp_path, cell(2, 1, "-1.50000000"))
    assert isinstance(error, NegativeBalance)
    assert error.code == "negative-balance"
    assert error.evidence["row"] == "2"


LINES = TEXT.split("\n")  # header, 5 rows, ""


def with_row(row: int, new: str) -> str:
    lines = list(LINES)
    lines[row] = new
    return "\n".join(lines)


def cell(row: int, col: int, new: str) -> str:
    fields = LINES[row].split(",")
    fields[col] = new
    return with_row(row, ",".join(fields))


@pytest.mark.parametrize(
    ("row", "col", "value", "field", "fragment"),
    [
        (2, 1, "-1.50000000", "BTC", "negative"),  # THREATS L2: the audit of a negative row fails
        (2, 1, "+1.50000000", "BTC", "sign"),
        (2, 1, "1.5", "BTC", "fractional digits"),
        (2, 1, "1.500000000", "BTC", "fractional digits"),
        (2, 1, "01.50000000", "BTC", "leading zeros"),
        (2, 1, "1.5e0", "BTC", "exponent"),
        (2, 1, "NaN", "BTC", "not a number"),
        (2, 1, "inf", "BTC", "not a number"),
        (2, 1, " 1.50000000", "BTC", "whitespace"),
        (2, 1, '"1.50000000"', "BTC", "quoted"),
        (2, 1, "", "BTC", "empty"),
        (2, 3, "100.250", "USD", "fractional digits"),
        (4, 2, "3402823669209384634633746074317.68211456", "ETH", "2^128"),
        (3, 0, "7E3D2CBF1C8C30165E483A9099936DA0C256E821AAE8234484768C147666A31E", "hashed_id", "lower-case"),
        (3, 0, "7e3d2cbf", "hashed_id", "64 hex"),
        (3, 0, "7e3d2cbf1c8c30165e483a9099936da0c256e821aae8234484768c147666a31g", "hashed_id", "not hex"),
        (3, 0, "0x7e3d2cbf1c8c30165e483a9099936da0c256e821aae8234484768c147666a3", "hashed_id", "not hex"),
    ],
)
def test_each_violation_names_row_and_field(
    tmp_path: Path, row: int, col: int, value: str, field: str, fragment: str
) -> None:
    error = rejected(tmp_path, cell(row, col, value))
    assert f"row {row} (line {row + 1})" in error.message
    assert f"field {field}" in error.message
    assert fragment in error.message
    assert error.evidence["row"] == str(row)
    assert error.evidence["field"] == field


def test_extra_field(tmp_path: Path) -> None:
    error = rejected(tmp_path, with_row(3, LINES[3] + ",5"))
    assert "row 3 (line 4)" in error.message
    assert "5 fields" in error.message


def test_missing_field(tmp_path: Path) -> None:
    error = rejected(tmp_path, with_row(3, LINES[3].rsplit(",", 1)[0]))
    assert "row 3" in error.message
    assert "3 fields, the header has 4" in error.message


def test_blank_line(tmp_path: Path) -> None:
    error = rejected(tmp_path, TEXT + "\n")
    assert "row 6" in error.message
    assert "empty" in error.message


def test_crlf(tmp_path: Path) -> None:
    assert "CR LF" in rejected(tmp_path, TEXT.replace("\n", "\r\n")).message
    error = rejected(tmp_path, with_row(2, LINES[2] + "\r"))
    assert "line 3" in error.message
    assert "carriage return" in error.message


def test_bom(tmp_path: Path) -> None:
    assert "byte order mark" in rejected(tmp_path, "\ufeff" + TEXT).message


def test_no_final_line_feed(tmp_path: Path) -> None:
    assert "line feed" in rejected(tmp_path, TEXT[:-1]).message


def test_empty_file(tmp_path: Path) -> None:
    assert "empty" in rejected(tmp_path, "").message


@pytest.mark.parametrize(
    "header",
    [
        "hashed_id,BTC,ETH",
        "hashed_id,BTC,USD,ETH",
        "hashed_id,BTC,ETH,USD,XRP",
        "id,BTC,ETH,USD",
        "hashed_id, BTC,ETH,USD",
        '"hashed_id",BTC,ETH,USD',
    ],
)
def test_header_must_be_exact(tmp_path: Path, header: str) -> None:
    error = rejected(tmp_path, with_row(0, header))
    assert "line 1" in error.message
    assert error.evidence["expected"] == "hashed_id,BTC,ETH,USD"


def test_not_utf8(tmp_path: Path) -> None:
    data = cell(4, 1, "0.0000000\xff1").encode("latin-1")
    error = rejected(tmp_path, data)
    assert "line 5" in error.message


def test_decimals_mismatch_is_rejected(tmp_path: Path) -> None:
    # THREATS L15: the same file read with another asset list (BTC at 6 decimals) fails.
    other = (Asset("BTC", 6), ASSETS[1], ASSETS[2])
    error = rejected(tmp_path, TEXT, other)
    assert "field BTC" in error.message
    assert "exactly 6" in error.message


def test_several_problems_are_listed_in_row_order(tmp_path: Path) -> None:
    lines = cell(4, 2, "-1.00000000").split("\n")
    lines[2] = lines[2].replace("1.50000000", "1.5")
    text = "\n".join(lines)
    error = rejected(tmp_path, text)
    assert "2 bad values" in error.message
    assert error.message.index("row 2") < error.message.index("row 4")
    assert error.evidence["row"] == "2"


def test_strictly_ascending() -> None:
    ids, _ = kat_arrays()
    check_strictly_ascending(ids)
    swapped = ids[[0, 2, 1, 3, 4]]
    with pytest.raises(OrderViolation) as info:
        check_strictly_ascending(swapped)
    assert info.value.evidence["row"] == "3"
    dup = ids[[0, 1, 1, 2]]
    with pytest.raises(OrderViolation, match="duplicate"):
        check_strictly_ascending(dup)
    # Equal first 8 bytes: the comparison must go on to later words.
    a = np.zeros((2, 32), dtype=np.uint8)
    a[0, 31], a[1, 31] = 2, 1
    with pytest.raises(OrderViolation):
        check_strictly_ascending(a)
    a[1, 31] = 3
    check_strictly_ascending(a)


def test_writer_refuses_unsorted_ids(tmp_path: Path) -> None:
    ids, amounts = kat_arrays()
    with pytest.raises(OrderViolation):
        write_liabilities_csv(tmp_path / "x.csv", ids[::-1], amounts[::-1], ASSETS)


def test_writer_checks_shapes(tmp_path: Path) -> None:
    ids, amounts = kat_arrays()
    with pytest.raises(ValueError, match="amounts"):
        write_liabilities_csv(tmp_path / "x.csv", ids, amounts[:, :2], ASSETS)
    with pytest.raises(ValueError, match="hashed_ids"):
        write_liabilities_csv(tmp_path / "x.csv", ids[:, :16], amounts, ASSETS)


def test_missing_file_is_a_fetch_error(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="cannot read"):
        read_liabilities_csv(tmp_path / "absent.csv", ASSETS)
