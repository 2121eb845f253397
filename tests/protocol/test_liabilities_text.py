"""The strict rules of liabilities.csv (spec §7) held alike by both readers.

``solvent.protocol.liabilities_text`` (standard library, one row at a time) must refuse
exactly what ``solvent.columnar.liabilities_csv`` (Polars/NumPy) refuses, with the same
error class, code, message and evidence: every case here is read by both.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solvent.columnar.decimal_text import describe
from solvent.columnar.liabilities_csv import read_liabilities_csv
from solvent.protocol.assets import Asset, assets_from_json
from solvent.protocol.errors import SolventError
from solvent.protocol.liabilities_text import RowReader, describe_amount, header_line, scan_bytes

KAT = json.loads((Path(__file__).parents[1] / "vectors" / "kat-v1.json").read_text())
ASSETS = assets_from_json(KAT["assets"])
LINES: list[str] = KAT["liabilities_csv"].split("\n")  # header, 5 rows, ""


def rows(*changes: tuple[int, str]) -> str:
    lines = list(LINES)
    for row, text in changes:
        lines[row] = text
    return "\n".join(lines)


def cell(row: int, col: int, value: str) -> tuple[int, str]:
    fields = LINES[row].split(",")
    fields[col] = value
    return row, ",".join(fields)


def read_stdlib(path: Path, assets: tuple[Asset, ...]) -> list[tuple[bytes, tuple[int, ...]]]:
    scan_bytes(path, header_line(assets))
    reader = RowReader(path, assets)
    out = [(hashed_id, amounts) for _, hashed_id, amounts in reader.rows()]
    reader.check()
    return out


def outcome(read: object, path: Path, assets: tuple[Asset, ...]) -> tuple[object, ...]:
    try:
        read(path, assets)  # type: ignore[operator]
    except SolventError as e:
        return type(e).__name__, e.code, e.message, e.evidence
    return ("read",)


CASES: dict[str, str | bytes] = {
    "kat": rows(),
    "negative": rows(cell(2, 1, "-1.50000000")),
    "negative zero": rows(cell(2, 3, "-0.00")),
    "negative junk": rows(cell(2, 3, "-abc")),
    "sign": rows(cell(2, 1, "+1.50000000")),
    "fewer decimals": rows(cell(2, 1, "1.5")),
    "more decimals": rows(cell(2, 1, "1.500000000")),
    "leading zero": rows(cell(2, 1, "01.50000000")),
    "exponent": rows(cell(2, 1, "1.5e0")),
    "nan": rows(cell(2, 1, "NaN")),
    "inf": rows(cell(2, 1, "inf")),
    "space": rows(cell(2, 1, " 1.50000000")),
    "tab": rows(cell(2, 1, "\t1.50000000")),
    "nul": rows(cell(2, 1, "\x00")),
    "quoted": rows(cell(2, 1, '"1.50000000"')),
    "empty": rows(cell(2, 1, "")),
    "no fraction": rows(cell(2, 3, "1.")),
    "no integer part": rows(cell(2, 3, ".00")),
    "2^128": rows(cell(4, 2, "3402823669209384634633746074317.68211456")),
    "huge": rows(cell(2, 3, "9" * 200 + ".00")),
    "fullwidth digit": rows(cell(4, 1, "\uff11.00000000")),
    "arabic digit": rows(cell(4, 3, "٣.00")),
    "upper-case id": rows(cell(3, 0, LINES[3].split(",")[0].upper())),
    "short id": rows(cell(3, 0, "7e3d2cbf")),
    "non-hex id": rows(cell(3, 0, "g" * 64)),
    "non-ascii id": rows(cell(3, 0, "é" * 64)),
    "extra field": rows((3, LINES[3] + ",5")),
    "missing field": rows((3, LINES[3].rsplit(",", 1)[0])),
    "only the id": rows((2, LINES[2].split(",")[0])),
    "commas only": rows((2, ",,,")),
    "blank line": rows((2, "")),
    "blank line at the end": rows() + "\n",
    "short then long": rows((2, LINES[2].rsplit(",", 1)[0]), (4, LINES[4] + ",5")),
    "crlf": rows().replace("\n", "\r\n"),
    "cr in a row": rows((2, LINES[2] + "\r")),
    "bom": "\ufeff" + rows(),
    "no final lf": rows()[:-1],
    "empty file": "",
    "header": rows((0, "hashed_id,BTC,USD,ETH")),
    "not utf-8": rows(cell(4, 1, "0.0000000\xff1")).encode("latin-1"),
    "short then not utf-8": rows((2, LINES[2].rsplit(",", 1)[0]), cell(4, 1, "0.0000000\xff1")).encode("latin-1"),
    "bad then negative": rows(cell(2, 3, "x"), cell(1, 1, "-1.00000000")),
    "negative then bad": rows(cell(2, 3, "-1.00"), cell(1, 1, "x")),
    "many": rows(
        cell(1, 1, "-1"),
        cell(1, 2, "-1"),
        cell(1, 3, "-1"),
        cell(2, 1, "01.50000000"),
        (3, LINES[3].rsplit(",", 1)[0]),
        (4, ""),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_both_readers_agree(tmp_path: Path, name: str) -> None:
    path = tmp_path / "liabilities.csv"
    text = CASES[name]
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    fast = outcome(read_liabilities_csv, path, ASSETS)
    slow = outcome(read_stdlib, path, ASSETS)
    assert slow == fast
    assert (fast[0] == "read") == (name == "kat")


def test_other_decimals_are_refused_alike(tmp_path: Path) -> None:
    """Threat L15: the KAT read with BTC at 6 decimals."""
    path = tmp_path / "liabilities.csv"
    path.write_text(rows())
    other = (Asset("BTC", 6), ASSETS[1], ASSETS[2])
    assert outcome(read_stdlib, path, other) == outcome(read_liabilities_csv, path, other)
    assert "exactly 6" in str(outcome(read_stdlib, path, other)[2])


def test_the_kat_reads_to_its_accounts(tmp_path: Path) -> None:
    path = tmp_path / "liabilities.csv"
    path.write_text(rows())
    by_id = {a["hashed_id"]: a for a in KAT["accounts"]}
    want = [(bytes.fromhex(h), tuple(int(x) for x in by_id[h]["amounts"])) for h in KAT["leaf_order"]]
    assert read_stdlib(path, ASSETS) == want


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1",
        "01",
        "1.5",
        "-1",
        "+1",
        " 1",
        "1 ",
        '"1"',
        "1\r",
        "1e3",
        "nan",
        "1.2.3",
        "٣",
        "0.000",
        "340282366920938463463374607431768211456",
        "340282366920938463463374607431768211455",
        "x" * 100,
    ],
)
@pytest.mark.parametrize("decimals", [0, 3])
def test_value_descriptions_match_the_columnar_ones(text: str, decimals: int) -> None:
    assert describe_amount(text, decimals) == describe(text, decimals, canonical=True)
