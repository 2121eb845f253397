"""Every kind of bad ledger CSV is an InputError naming the file, the row (and line) and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from solvent.ingest import read_ledger
from solvent.ingest.rows import MAX_UID_BYTES
from tests.ingest.helpers import ASSETS, names_row_and_field, read, rejected

HEADER = "uid,BTC,ETH,USD\n"
GOOD = "alice,1.5,0,100.25\nbob,0.00000001,2,0\n"


def one_bad(value: str, column: str = "ETH") -> str:
    """A ledger whose third data row has ``value`` in ``column``."""
    cells = {"uid": "carol", "BTC": "0", "ETH": "0", "USD": "0"}
    cells[column] = value
    return HEADER + GOOD + ",".join(cells[c] for c in ("uid", "BTC", "ETH", "USD")) + "\n"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("-1", "negative"),  # THREATS L2: a negative balance is rejected naming the row
        ("-0.5", "negative"),
        ("+1", "sign"),
        ("1e-9", "exponent"),
        ("1.5E3", "exponent"),
        ("NaN", "not a number"),
        ("nan", "not a number"),
        ("inf", "not a number"),
        ("-inf", "negative"),
        (" 1", "whitespace"),
        ("1 ", "whitespace"),
        ("1,5", "fields"),  # a decimal comma splits the row
        ("1.", "not a decimal number"),
        (".5", "not a decimal number"),
        ("1_000", "not a decimal number"),
        ("0x10", "not a decimal number"),
        ("\u0661", "not a decimal number"),  # an Arabic-Indic digit one
    ],
)
def test_bad_amount_syntax(tmp_path: Path, value: str, fragment: str) -> None:
    error = rejected(tmp_path, one_bad(value))
    field = None if fragment == "fields" else "ETH"
    names_row_and_field(error, 3, field)
    assert fragment in error.message


def test_too_many_fraction_digits(tmp_path: Path) -> None:
    error = rejected(tmp_path, one_bad("0.123456789"))
    names_row_and_field(error, 3, "ETH")
    assert "9 fractional digits, the asset has 8" in error.message


def test_too_many_fraction_digits_rounded_up_when_asked(tmp_path: Path) -> None:
    ledger = read(tmp_path, one_bad("0.123456781") + "dave,0,0.000000000,0.001\n", round_up=True)
    assert ledger.amounts[2, 1].tolist() == [0, 12345679]  # up, not down
    assert ledger.amounts[3, 1].tolist() == [0, 0]  # extra zeros change nothing
    assert ledger.amounts[3, 2].tolist() == [0, 1]  # 0.001 USD -> 0.01
    assert ledger.rounded == (0, 1, 1)  # and the build can say so


def test_amount_not_below_2_pow_128(tmp_path: Path) -> None:
    top = "3402823669209384634633746074317.68211455"  # 2^128 - 1 base units at 8 decimals
    ledger = read(tmp_path, one_bad(top))
    assert ledger.amounts[2, 1].tolist() == [2**64 - 1, 2**64 - 1]
    error = rejected(tmp_path, one_bad("3402823669209384634633746074317.68211456"))
    names_row_and_field(error, 3, "ETH")
    assert "2^128" in error.message


def test_empty_field(tmp_path: Path) -> None:
    error = rejected(tmp_path, one_bad(""))
    names_row_and_field(error, 3, "ETH")
    assert "empty or missing" in error.message


def test_quoted_empty_field(tmp_path: Path) -> None:
    error = rejected(tmp_path, one_bad('""'))
    names_row_and_field(error, 3, "ETH")


def test_missing_field_short_row(tmp_path: Path) -> None:
    error = rejected(tmp_path, HEADER + GOOD + "carol,0,0\n")
    names_row_and_field(error, 3, None)
    assert "3 fields, the header has 4" in error.message


def test_ragged_long_row(tmp_path: Path) -> None:
    error = rejected(tmp_path, HEADER + GOOD + "carol,0,0,0,7\n")
    names_row_and_field(error, 3, None)
    assert "5 fields, the header has 4" in error.message


def test_blank_line(tmp_path: Path) -> None:
    error = rejected(tmp_path, HEADER + "alice,1,0,0\n\nbob,0,1,0\n")
    names_row_and_field(error, 2, None)
    assert "blank" in error.message


def test_uid_empty(tmp_path: Path) -> None:
    error = rejected(tmp_path, HEADER + GOOD + ",1,0,0\n")
    names_row_and_field(error, 3, "uid")
    assert "uid is empty" in error.message


@pytest.mark.parametrize(
    ("uid", "code"), [("a\tb", "U+0009"), ("a\x00b", "U+0000"), ("x\x7f", "U+007F"), ("y\u0085", "U+0085")]
)
def test_uid_control_characters(tmp_path: Path, uid: str, code: str) -> None:
    error = rejected(tmp_path, HEADER + GOOD + f"{uid},1,0,0\n")
    names_row_and_field(error, 3, "uid")
    assert code in error.message


@pytest.mark.parametrize(("unit", "count"), [("u", MAX_UID_BYTES), ("\u00e9", MAX_UID_BYTES // 2), ("\u2603", 341)])
def test_a_uid_up_to_the_limit_is_taken(tmp_path: Path, unit: str, count: int) -> None:
    uid = unit * count  # "é" is 2 bytes of UTF-8, "☃" 3: the limit counts bytes
    assert len(uid.encode()) <= MAX_UID_BYTES
    assert read(tmp_path, HEADER + GOOD + f"{uid},1,0,0\n").uids.to_list()[2] == uid


@pytest.mark.parametrize(
    ("uid", "size"),
    [("u" * (MAX_UID_BYTES + 1), MAX_UID_BYTES + 1), ("\u00e9" * 513, 1026), ("u" * (8 << 20), 8 << 20)],
)
@pytest.mark.parametrize("layout", ["wide", "long"])
def test_a_uid_over_the_limit_names_its_row(tmp_path: Path, uid: str, size: int, layout: str) -> None:
    text = HEADER + GOOD + f"{uid},1,0,0\n" if layout == "wide" else f"uid,asset,amount\nalice,BTC,1\n{uid},BTC,1\n"
    error = rejected(tmp_path, text, layout=layout)
    names_row_and_field(error, 3 if layout == "wide" else 2, "uid")
    assert f"is {size:,} bytes long" in error.message and f"at most {MAX_UID_BYTES:,} bytes" in error.message
    assert len(error.message) < 2000  # the row is named, the field is not repeated


def test_uid_newline_inside_quotes(tmp_path: Path) -> None:
    error = rejected(tmp_path, HEADER + GOOD + '"car\nol",1,0,0\n')
    names_row_and_field(error, 3, "uid")
    assert "U+000A" in error.message


def test_uid_with_a_bare_carriage_return(tmp_path: Path) -> None:
    # Polars would drop a CR before a delimiter and read "carol": the byte scan stops it first.
    error = rejected(tmp_path, HEADER + GOOD + "carol\r,1,0,0\n")
    assert "line 4" in error.message
    assert "carriage return" in error.message
    assert error.evidence["line"] == "4"


def test_uids_are_kept_exactly(tmp_path: Path) -> None:
    ledger = read(tmp_path, HEADER + ' alice ,1,0,0\n"b,o""b",0,1,0\n007,0,0,1\nÄrger ☃,0,0,0\n')
    assert ledger.uids.to_list() == [" alice ", 'b,o"b', "007", "Ärger ☃"]


def test_duplicate_account(tmp_path: Path) -> None:
    error = rejected(tmp_path, HEADER + GOOD + "carol,0,0,0\nbob,1,0,0\n")
    names_row_and_field(error, 4, "uid")
    assert "'bob' already appears in row 2" in error.message


def test_several_duplicates_in_row_order(tmp_path: Path) -> None:
    rows = "".join(f"u{i % 7},0,0,0\n" for i in range(20))
    error = rejected(tmp_path, HEADER + rows)
    assert error.evidence["problems"] == "13"
    assert error.evidence["row"] == "8"  # the first repeat: u0 again
    assert error.message.index("row 8 ") < error.message.index("row 9 ")


def test_empty_file(tmp_path: Path) -> None:
    error = rejected(tmp_path, "")
    assert "empty" in error.message


def test_header_and_no_rows(tmp_path: Path) -> None:
    error = rejected(tmp_path, HEADER)
    assert "no rows" in error.message


def test_blank_first_line(tmp_path: Path) -> None:
    error = rejected(tmp_path, "\n" + HEADER + GOOD)
    assert "line 1" in error.message


def test_not_utf8(tmp_path: Path) -> None:
    data = (HEADER + GOOD).encode() + b"caf\xe9,1,0,0\n"  # Latin-1, not UTF-8
    error = rejected(tmp_path, data)
    assert "line 4" in error.message
    assert "UTF-8" in error.message
    assert error.evidence["line"] == "4"


def test_not_utf8_header(tmp_path: Path) -> None:
    error = rejected(tmp_path, b"uid,BTC,ETH,US\xff\n" + GOOD.encode())
    assert "line 1" in error.message


def test_bom_is_accepted(tmp_path: Path) -> None:
    plain = read(tmp_path, HEADER + GOOD)
    with_bom = read(tmp_path, "\ufeff" + HEADER + GOOD)
    assert with_bom.uids.to_list() == plain.uids.to_list() == ["alice", "bob"]
    assert (with_bom.amounts == plain.amounts).all()


def test_crlf_is_accepted(tmp_path: Path) -> None:
    plain = read(tmp_path, HEADER + GOOD)
    crlf = read(tmp_path, (HEADER + GOOD).replace("\n", "\r\n"))
    assert crlf.uids.to_list() == plain.uids.to_list()
    assert (crlf.amounts == plain.amounts).all()


def test_no_final_newline_is_accepted(tmp_path: Path) -> None:
    ledger = read(tmp_path, HEADER + GOOD.rstrip("\n"))
    assert ledger.amounts[1].tolist() == [[0, 1], [0, 200_000_000], [0, 0]]


def test_missing_uid_column(tmp_path: Path) -> None:
    error = rejected(tmp_path, "id,BTC,ETH,USD\n" + GOOD)
    assert "no 'uid' column" in error.message
    assert error.evidence["field"] == "uid"
    assert "found 'UID'" in rejected(tmp_path, "UID,BTC,ETH,USD\n" + GOOD).message


def test_semicolon_separated_gets_a_hint(tmp_path: Path) -> None:
    error = rejected(tmp_path, "uid;BTC;ETH;USD\nalice;1;0;0\n")
    assert "';'" in error.message


def test_column_that_is_not_a_declared_asset(tmp_path: Path) -> None:
    error = rejected(tmp_path, "uid,BTC,ETH,USD,JUNK\nalice,1,0,0,5\n")
    assert "'JUNK' is not a declared asset" in error.message
    assert error.evidence["field"] == "JUNK"
    assert "did you mean BTC" in rejected(tmp_path, "uid,btc,ETH,USD\nalice,1,0,0\n", layout="wide").message


def test_declared_asset_without_a_column(tmp_path: Path) -> None:
    error = rejected(tmp_path, "uid,BTC,ETH\nalice,1,0\n")
    assert "USD has no column" in error.message
    assert error.evidence["field"] == "USD"


def test_duplicate_header_column(tmp_path: Path) -> None:
    error = rejected(tmp_path, "uid,BTC,ETH,USD,BTC\nalice,1,0,0,1\n")
    assert "'BTC' twice" in error.message


def test_auto_cannot_tell(tmp_path: Path) -> None:
    error = rejected(tmp_path, "uid,balance\nalice,1\n")
    assert "cannot tell the layout" in error.message
    both = rejected(tmp_path, "uid,asset,amount,BTC\nalice,BTC,1,1\n")
    assert "both" in both.message


def test_forced_layout_mismatch(tmp_path: Path) -> None:
    error = rejected(tmp_path, HEADER + GOOD, layout="long")
    assert "uid,asset,amount" in error.message


def test_first_few_problems_in_row_order_with_the_total(tmp_path: Path) -> None:
    rows = "".join(f"u{i},{'-1' if i % 3 == 0 else '1'},0,{'x' if i % 4 == 0 else '0'}\n" for i in range(1, 40))
    error = rejected(tmp_path, HEADER + rows)
    bad = sorted({i for i in range(1, 40) if i % 3 == 0} | {i for i in range(1, 40) if i % 4 == 0})
    assert error.evidence["row"] == str(bad[0])
    assert error.evidence["problems"] == str(13 + 9)
    listed = [int(part.split()[0]) for part in error.message.split("row ")[1:]]
    assert listed == sorted(listed)
    assert listed[0] == bad[0]


def test_errors_in_later_batches_name_the_right_row(tmp_path: Path) -> None:
    rows = "".join(f"u{i},0,0,0\n" for i in range(1, 50)) + "u50,0,-3,0\n"
    error = rejected(tmp_path, HEADER + rows, chunk_rows=7)
    names_row_and_field(error, 50, "ETH")


def test_lines_count_quoted_line_breaks(tmp_path: Path) -> None:
    # Row 2's uid spans two lines, so row 3 is on line 5.
    text = HEADER + 'alice,1,0,0\n"bo\nb",0,0,0\ncarol,-1,0,0\n'
    error = rejected(tmp_path, text)
    assert "row 2 (line 3), field uid" in error.message
    assert "row 3 (line 5), field BTC" in error.message


def test_garbage_file_is_an_input_error_not_a_traceback(tmp_path: Path) -> None:
    error = rejected(tmp_path, b'uid,BTC,ETH,USD\n"unterminated,1,0,0\nbob,1,"x"y,0\n')
    assert error.code == "input"


def test_missing_file(tmp_path: Path) -> None:
    from solvent.protocol.errors import InputError

    with pytest.raises(InputError, match="not found"):
        read_ledger(tmp_path / "nope.csv", ASSETS)
    with pytest.raises(InputError, match="the folder has no data files"):  # a folder is read as Parquet parts
        read_ledger(tmp_path, ASSETS)


def test_stray_quote_names_the_row(tmp_path: Path) -> None:
    error = rejected(tmp_path, HEADER + GOOD + 'carol,1,x"y,0\n')
    names_row_and_field(error, 3, None)
    assert "quote" in error.message


def test_bad_asset_declarations(tmp_path: Path) -> None:
    from solvent.protocol.assets import Asset
    from solvent.protocol.errors import InputError

    path = tmp_path / "ledger.csv"
    path.write_text(HEADER + GOOD)
    with pytest.raises(InputError, match="twice"):
        read_ledger(path, (Asset("BTC", 8), Asset("BTC", 8)))
    with pytest.raises(InputError, match=r"1\.\.255"):
        read_ledger(path, ())
