"""liabilities-v2 vectors: one asset's ``liabilities/<S>.csv`` and the tree it must give, or the error.

docs/spec.md §13.6 (The full data and the tree files) says what the file is; §13.9 (Auditing
a whole v2 snapshot), steps 3-5 and 6, which error each fault gives, and §10 (Error codes)
the codes. Three readers must agree on every vector: the vectorised auditor
(``solvent.pipeline.audit_v2.csv_root``), the standard-library one
(``solvent.pipeline.audit_stdlib_v2.csv_root``) and the browser's ``treeFromCsv``.

Valid CSVs are the KAT v2's own, with the roots of its manifest (computed by an
implementation independent of solvent), and a few more whose roots come from the KAT's
levels or from the naive reference (tests/reference/naive_v2.py). Every fault's code is
written here by hand. Where a file has several faults, the one reported is: the bytes
(header, BOM, CR, final LF); a line that does not split into two fields anywhere; the
first bad value in row order (negative: ``negative-balance``; canonical but not below
2^128: ``range``; anything else: ``format``); the first zero amount (``range``), padding id
or id not above the previous one (``order``); a sum that reaches 2^128 (``sum-overflow``).
"""

from __future__ import annotations

from typing import Any

from tests.conformance.proofs_v2 import KAT2
from tests.conformance.recipes import Spec, error, input_of, lit, recipe, repeat
from tests.conformance.recipes import vector as make_vector
from tests.reference import naive_v2

__all__ = ["LARGE_ROWS", "liabilities_vectors"]

KIND = "liabilities-v2"
HEADER = "hashed_id,amount\n"
DECIMALS = {a["symbol"]: a["decimals"] for a in KAT2["assets"]}
BTC = KAT2["liabilities_csv"]["BTC"]
ETH = KAT2["liabilities_csv"]["ETH"]
JPY = KAT2["liabilities_csv"]["JPY"]
ROWS = BTC.splitlines(keepends=True)[1:]  # the five BTC rows
ID = [r.split(",")[0] for r in ROWS]
#: 2^127 base units of ETH (18 decimals), the KAT's first ETH holding: two of them overflow.
HALF_ETH = "170141183460469231731.687303715884105728"
MAX = 2**128 - 1
#: Rows of the large files: above 1 MiB (the byte scan's block), and more than one block of
#: the chunked readers.
LARGE_ROWS = 20_000
#: Rows of the large valid file: several of the browser's hashing batches (4096).
LARGE_VALID_ROWS = 5_000
#: The size of a hostile cell (the proof size limit).
HUGE = 4 * 1024 * 1024
#: A large file's row: a 16-hex-digit number, the rest of the id fixed, one BTC.
LARGE_ROW = "{}" + "ab" * 24 + ",1.00000000\n"


def _root(hash_hex: str, total: int, height: int, leaf_count: int) -> Spec:
    return {"root": {"hash": hash_hex, "sum": str(total), "height": height, "leaf_count": leaf_count}}


def _kat_root(symbol: str) -> Spec:
    root = next(a["root"] for a in KAT2["manifest"]["assets"] if a["symbol"] == symbol)
    return {"root": dict(root)}


def _btc(*rows: str) -> str:
    return HEADER + "".join(rows)


def _row(hashed_id: str, amount: str) -> str:
    return f"{hashed_id},{amount}\n"


def _with(row: int, amount: str) -> str:
    """The KAT's BTC CSV with the amount of data row ``row`` (1-based) replaced."""
    rows = list(ROWS)
    rows[row - 1] = _row(ID[row - 1], amount)
    return _btc(*rows)


def _large(*runs: tuple[int, int], tail: str = "") -> Spec:
    """A BTC CSV of ascending 16-hex-digit ids: each run ``(start, count)``, then ``tail``."""
    parts: list[Spec] = [lit(HEADER)]
    parts += [{"numbered": LARGE_ROW, "count": n, "start": a, "hex": 16} for a, n in runs]
    if tail:
        parts.append(lit(tail))
    return recipe(*parts)


def _huge(head: str, unit: str, tail: str) -> Spec:
    """The header and one row: ``head``, ``unit`` repeated to 4 MiB, ``tail``."""
    return recipe(lit(HEADER + head), repeat(unit, HUGE), lit(tail))


def _large_id(i: int) -> str:
    return f"{i:016x}" + "ab" * 24


def _valid() -> dict[str, tuple[str, Spec, Spec, str]]:
    """name -> (description, input, expect, symbol)."""
    btc_levels = KAT2["trees"]["BTC"]["levels"]
    first = btc_levels[0][0]
    max_leaf = naive_v2.leaf("JPY", bytes.fromhex(ID[0]), MAX)
    large = [(bytes.fromhex(_large_id(i)), 100_000_000) for i in range(1, LARGE_VALID_ROWS + 1)]
    large_levels = naive_v2.levels("BTC", large)
    out: dict[str, tuple[str, Spec, Spec, str]] = {}
    for symbol, text in KAT2["liabilities_csv"].items():
        name = f"valid-kat-{symbol.lower()}"
        out[name] = (f"the KAT v2's {symbol} CSV: the manifest's root", lit(text), _kat_root(symbol), symbol)
    out["valid-empty-btc"] = (
        "the header alone: an empty tree, its root the padding leaf pad_0(BTC) with sum 0",
        lit(HEADER),
        _root(KAT2["trees"]["BTC"]["pad_hashes_by_level"][0], 0, 0, 0),
        "BTC",
    )
    out["valid-single-leaf-btc"] = (
        "one row: the root is that leaf (height 0)",
        lit(_btc(ROWS[0])),
        _root(first["hash"], int(first["sum"]), 0, 1),
        "BTC",
    )
    out["valid-max-amount-jpy"] = (
        "one row of 2^128 - 1 base units (decimals 0): the largest amount",
        lit(HEADER + _row(ID[0], str(MAX))),
        _root(max_leaf[0].hex(), MAX, 0, 1),
        "JPY",
    )
    top = large_levels[-1][0]
    out["valid-large-btc"] = (
        f"{LARGE_VALID_ROWS} rows of one BTC (several hashing batches); root from the naive reference",
        _large((1, LARGE_VALID_ROWS)),
        _root(top[0].hex(), top[1], len(large_levels) - 1, LARGE_VALID_ROWS),
        "BTC",
    )
    return out


def _faults() -> dict[str, tuple[str, str | bytes | Spec, str, str]]:
    """name -> (description, input, code, symbol)."""
    two_128 = "3402823669209384634633746074317.68211456"  # 2^128 base units at 8 decimals
    f: dict[str, tuple[str, str | bytes | Spec, str, str]] = {
        # the bytes
        "empty-file": ("an empty file: no header", "", "format", "BTC"),
        "no-header": ("the rows without the header line", "".join(ROWS), "format", "BTC"),
        "header-v1": (
            "the v1 header naming the asset",
            BTC.replace("hashed_id,amount", "hashed_id,BTC", 1),
            "format",
            "BTC",
        ),
        "header-upper-case": (
            "the header in capitals",
            BTC.replace("hashed_id,amount", "HASHED_ID,AMOUNT", 1),
            "format",
            "BTC",
        ),
        "header-extra-column": (
            "a third header column",
            BTC.replace("hashed_id,amount", "hashed_id,amount,note", 1),
            "format",
            "BTC",
        ),
        "header-without-lf": ("the header alone, without its line feed", "hashed_id,amount", "format", "BTC"),
        "byte-order-mark": ("a UTF-8 byte order mark before the header", "\ufeff" + BTC, "format", "BTC"),
        "crlf": ("CR LF line ends", BTC.replace("\n", "\r\n"), "format", "BTC"),
        "crlf-header-only": ("an empty tree's header with CR LF", "hashed_id,amount\r\n", "format", "BTC"),
        "cr-in-last-row": ("a CR before the last row's LF", BTC[:-1] + "\r\n", "format", "BTC"),
        "no-final-line-feed": ("the last row without its LF", BTC[:-1], "format", "BTC"),
        "blank-line": ("an empty line between rows", _btc(ROWS[0], "\n", *ROWS[1:]), "format", "BTC"),
        "blank-line-at-end": ("an empty line after the last row", BTC + "\n", "format", "BTC"),
        # the fields
        "quoted-amount": ("a quoted amount (the format has no quoting)", _with(1, '"1.50000000"'), "format", "BTC"),
        "quoted-id": ("a quoted hashed id", _btc(f'"{ID[0]}",1.50000000\n', *ROWS[1:]), "format", "BTC"),
        "quoted-comma": ("a quoted amount holding a comma: three fields", _with(1, '"1,50000000"'), "format", "BTC"),
        "extra-column": ("a third field in a row", _with(1, "1.50000000,x"), "format", "BTC"),
        "extra-empty-column": ("a trailing comma in a row", _with(1, "1.50000000,"), "format", "BTC"),
        "id-only": ("a row without its comma and amount", _btc(ID[0] + "\n", *ROWS[1:]), "format", "BTC"),
        "empty-amount": ("a row with an empty amount", _with(1, ""), "format", "BTC"),
        "id-upper-case": ("a hashed id in capitals", _btc(ROWS[0].upper(), *ROWS[1:]), "format", "BTC"),
        "id-short": ("a hashed id of 62 hex digits", _btc(ROWS[0][2:], *ROWS[1:]), "format", "BTC"),
        "id-long": ("a hashed id of 66 hex digits", _btc("00" + ROWS[0], *ROWS[1:]), "format", "BTC"),
        "id-not-hex": ("a hashed id with a 'g'", _btc("g" + ROWS[0][1:], *ROWS[1:]), "format", "BTC"),
        "id-non-ascii": (
            "a hashed id with a non-ASCII letter",
            _btc("\u00e9" + ROWS[0][1:], *ROWS[1:]),
            "format",
            "BTC",
        ),
        "id-0x": ("a hashed id written 0x...", _btc("0x" + ROWS[0][2:], *ROWS[1:]), "format", "BTC"),
        "padding-id": (
            "the padding id (all zeros) as the first row",
            _btc(_row("0" * 64, "1.00000000"), *ROWS),
            "order",
            "BTC",
        ),
        "padding-id-alone": ("the padding id as the only row", _btc(_row("0" * 64, "1.00000000")), "order", "BTC"),
        "ids-equal": ("a row repeated", _btc(ROWS[0], ROWS[0], *ROWS[1:]), "order", "BTC"),
        "ids-equal-at-end": ("the last row repeated", BTC + ROWS[-1], "order", "BTC"),
        "ids-descending": ("two rows swapped", _btc(ROWS[1], ROWS[0], *ROWS[2:]), "order", "BTC"),
        "ids-descending-at-end": ("the last two rows swapped", _btc(*ROWS[:3], ROWS[4], ROWS[3]), "order", "BTC"),
        # the amounts
        "zero-amount": ("a zero amount: a holder of nothing is no leaf", _with(2, "0.00000000"), "range", "BTC"),
        "zero-amount-decimals-0": ("a zero amount of JPY", HEADER + _row(ID[2], "0"), "range", "JPY"),
        "negative-amount": ("a negative amount (threat L2)", _with(1, "-1.50000000"), "negative-balance", "BTC"),
        "negative-zero": ("minus zero", _with(1, "-0.00000000"), "negative-balance", "BTC"),
        "negative-1000-digits": (
            "a negative amount of 1000 digits",
            HEADER + _row(ID[2], "-" + "9" * 1000),
            "negative-balance",
            "JPY",
        ),
        "negative-malformed": (
            "a negative amount with 7 fractional digits",
            _with(1, "-1.5000000"),
            "negative-balance",
            "BTC",
        ),
        "plus-sign": ("an amount with a plus sign", _with(1, "+1.50000000"), "format", "BTC"),
        "fraction-too-short": ("7 fractional digits for an asset of 8", _with(1, "1.5000000"), "format", "BTC"),
        "fraction-too-long": ("9 fractional digits for an asset of 8", _with(1, "1.500000000"), "format", "BTC"),
        "fraction-missing": ("no fractional part for an asset of 8", _with(1, "1"), "format", "BTC"),
        "fraction-dot-only": ("a dot without fractional digits", _with(1, "1."), "format", "BTC"),
        "integer-part-missing": ("no integer part", _with(1, ".50000000"), "format", "BTC"),
        "fraction-decimals-0": (
            "a fraction for an asset of 0 decimals",
            HEADER + _row(ID[2], "98765432109.0"),
            "format",
            "JPY",
        ),
        "dot-decimals-0": (
            "a trailing dot for an asset of 0 decimals",
            HEADER + _row(ID[2], "98765432109."),
            "format",
            "JPY",
        ),
        "leading-zeros": ("an integer part with a leading zero", _with(1, "01.50000000"), "format", "BTC"),
        "leading-zeros-decimals-0": (
            "a JPY amount with a leading zero",
            HEADER + _row(ID[2], "098765432109"),
            "format",
            "JPY",
        ),
        "exponent": ("an exponent", _with(1, "1.5e0"), "format", "BTC"),
        "exponent-decimals-0": ("a JPY amount with an exponent", HEADER + _row(ID[2], "1e3"), "format", "JPY"),
        "hex-amount": ("a hexadecimal amount", HEADER + _row(ID[2], "0x10"), "format", "JPY"),
        "space-before-amount": ("a space after the comma", _with(1, " 1.50000000"), "format", "BTC"),
        "space-after-amount": ("a space before the LF", _with(1, "1.50000000 "), "format", "BTC"),
        "space-after-id": ("a space before the comma", _btc(ID[0] + " ,1.50000000\n", *ROWS[1:]), "format", "BTC"),
        "tab-in-amount": ("a tab before the amount", _with(1, "\t1.50000000"), "format", "BTC"),
        "nul-in-amount": ("a NUL byte in the amount", _with(1, "1.5000000\x000"), "format", "BTC"),
        "digit-grouping": ("an amount with a thousands separator", _with(3, "21_000_000.00000000"), "format", "BTC"),
        "non-ascii-amount": ("a full-width digit", _with(1, "\uff11.50000000"), "format", "BTC"),
        "arabic-digit": ("an Arabic-Indic digit", HEADER + _row(ID[2], "\u0663"), "format", "JPY"),
        "not-utf-8": (
            "a byte that is not UTF-8 in an amount",
            _with(1, "1.5000000").encode().replace(b",1.5000000\n", b",1.5000000\xff\n"),
            "format",
            "BTC",
        ),
        "amount-2-to-128": ("2^128 base units (decimals 0)", HEADER + _row(ID[2], str(2**128)), "range", "JPY"),
        "amount-2-to-128-btc": ("2^128 base units of BTC", _with(3, two_128), "range", "BTC"),
        "amount-10-to-39": ("10^39 base units", HEADER + _row(ID[2], str(10**39)), "range", "JPY"),
        "amount-1000-digits": ("an amount of 1000 digits", HEADER + _row(ID[2], "9" * 1000), "range", "JPY"),
        "amount-1000-digits-btc": ("1000 whole digits of BTC", _with(3, "9" * 1000 + ".00000000"), "range", "BTC"),
        "amount-huge-malformed": ("2^128 base units without BTC's fraction", _with(3, str(2**128)), "format", "BTC"),
        "sum-overflow": (
            "two holdings of 2^127 base units: their parent's sum is 2^128",
            HEADER + _row(ID[0], HALF_ETH) + _row(ID[1], HALF_ETH),
            "sum-overflow",
            "ETH",
        ),
        "sum-overflow-max": (
            "2^128 - 1 and 1 base units",
            HEADER + _row(ID[0], str(MAX)) + _row(ID[1], "1"),
            "sum-overflow",
            "JPY",
        ),
        "sum-overflow-late": (
            "the KAT's ETH CSV with a second holding of 2^127 added at the end",
            ETH + _row("f" * 64, HALF_ETH),
            "sum-overflow",
            "ETH",
        ),
        # which fault is reported when there are several
        "order-then-negative": (
            "rows swapped, then a negative amount: the bad value",
            _btc(ROWS[1], ROWS[0], ROWS[2], _row(ID[3], "-0.00000001"), ROWS[4]),
            "negative-balance",
            "BTC",
        ),
        "zero-then-malformed": (
            "a zero amount, then a malformed one: the bad value",
            _btc(_row(ID[0], "0.00000000"), *ROWS[1:3], _row(ID[3], "1"), ROWS[4]),
            "format",
            "BTC",
        ),
        "zero-then-out-of-range": (
            "a zero amount, then 2^128: the bad value",
            HEADER + _row(ID[0], "0") + _row(ID[1], str(2**128)),
            "range",
            "JPY",
        ),
        "order-then-out-of-range": (
            "rows swapped, then 2^128 base units: range",
            _btc(ROWS[1], ROWS[0], _row(ID[2], two_128), *ROWS[3:]),
            "range",
            "BTC",
        ),
        "negative-then-extra-column": (
            "a negative amount, then a row of three fields: the line that does not split",
            _btc(_row(ID[0], "-1.50000000"), *ROWS[1:3], _row(ID[3], "1.00000000,x"), ROWS[4]),
            "format",
            "BTC",
        ),
        "negative-then-not-utf-8": (
            "a negative amount, then a line that is not UTF-8",
            (_btc(_row(ID[0], "-1.50000000"), *ROWS[1:4]) + ID[4] + ",0.0000000").encode() + b"\xff\n",
            "format",
            "BTC",
        ),
        "bad-id-then-negative": (
            "a bad id then a negative amount in the same row: the id first",
            _btc("G" + ROWS[0][1:].replace("1.5", "-1.5"), *ROWS[1:]),
            "format",
            "BTC",
        ),
        "malformed-then-negative": (
            "a malformed amount, then a negative one",
            _btc(_row(ID[0], "1.5"), _row(ID[1], "-0.00100000"), *ROWS[2:]),
            "format",
            "BTC",
        ),
        "negative-then-malformed": (
            "a negative amount, then a malformed one",
            _btc(_row(ID[0], "-1.50000000"), _row(ID[1], "0.001"), *ROWS[2:]),
            "negative-balance",
            "BTC",
        ),
        "zero-then-order": (
            "a zero amount, then rows swapped",
            _btc(_row(ID[0], "0.00000000"), ROWS[2], ROWS[1], *ROWS[3:]),
            "range",
            "BTC",
        ),
        "order-then-zero": (
            "rows swapped, then a zero amount",
            _btc(ROWS[1], ROWS[0], _row(ID[2], "0.00000000"), *ROWS[3:]),
            "order",
            "BTC",
        ),
        "order-then-overflow": (
            "ids descending, and their sum overflows",
            HEADER + _row(ID[1], HALF_ETH) + _row(ID[0], HALF_ETH),
            "order",
            "ETH",
        ),
        "negative-then-crlf": (
            "a negative amount in a file with CR LF: the bytes first",
            _with(1, "-1.50000000").replace("\n", "\r\n"),
            "format",
            "BTC",
        ),
        # large files: the faults far from the start, across reading blocks
        "large-ids-equal": (
            f"{LARGE_ROWS} rows, row 1294 repeating row 1293 (between two blocks of a chunked reader)",
            _large((1, 1293), (1293, LARGE_ROWS - 1293)),
            "order",
            "BTC",
        ),
        "large-ids-descending": (
            f"{LARGE_ROWS} rows, the last one's id below the one before it (past 1 MiB)",
            _large((2, LARGE_ROWS - 1), (1, 1)),
            "order",
            "BTC",
        ),
        "large-ids-equal-late": (
            f"{LARGE_ROWS} rows, the last one repeating the one before it (past 1 MiB)",
            _large((1, LARGE_ROWS - 1), (LARGE_ROWS - 1, 1)),
            "order",
            "BTC",
        ),
        "large-zero-amount-late": (
            f"{LARGE_ROWS} rows, then a zero amount (past 1 MiB)",
            _large((1, LARGE_ROWS), tail=_row(_large_id(LARGE_ROWS + 1), "0.00000000")),
            "range",
            "BTC",
        ),
        "large-negative-late": (
            f"{LARGE_ROWS} rows, then a negative amount (past 1 MiB)",
            _large((1, LARGE_ROWS), tail=_row(_large_id(LARGE_ROWS + 1), "-1.00000000")),
            "negative-balance",
            "BTC",
        ),
        "large-cr-late": (
            f"{LARGE_ROWS} rows, then a row ending with CR LF (past 1 MiB)",
            _large((1, LARGE_ROWS), tail=_row(_large_id(LARGE_ROWS + 1), "1.00000000\r")),
            "format",
            "BTC",
        ),
        "large-descending-then-malformed": (
            f"{LARGE_ROWS} rows, row 2 out of order, a malformed amount at the end: the bad value",
            _large((2, 1), (1, 1), (3, LARGE_ROWS - 2), tail=_row(_large_id(LARGE_ROWS + 1), "1.0")),
            "format",
            "BTC",
        ),
        # hostile sizes: one cell of 4 MiB
        "huge-amount-4mib": ("an amount of 4 MiB of digits", _huge(ID[2] + ",", "9", "\n"), "range", "JPY"),
        "huge-negative-4mib": (
            "a negative amount of 4 MiB of digits",
            _huge(ID[2] + ",-", "9", "\n"),
            "negative-balance",
            "JPY",
        ),
        "huge-fraction-4mib": ("4 MiB of fractional digits", _huge(ID[2] + ",1.", "0", "\n"), "format", "BTC"),
        "huge-id-4mib": ("a hashed id of 4 MiB of hex digits", _huge("", "a", ",1\n"), "format", "JPY"),
        "blank-lines-128kib": (
            "128 Ki empty lines: a bad row each, none named but the first",
            recipe(lit(HEADER), repeat("\n", 128 * 1024)),
            "format",
            "BTC",
        ),
        "blank-lines-then-extra-column": (
            "64 Ki empty lines, then a row of three fields: the line that does not split",
            recipe(lit(HEADER), repeat("\n", 64 * 1024), lit(_row(ID[0], "1.50000000,x"))),
            "format",
            "BTC",
        ),
        "huge-line-4mib": ("a line of 4 MiB without a comma", _huge("", "a", "\n"), "format", "JPY"),
    }
    return f


def _spec(data: str | bytes | Spec) -> Spec:
    if isinstance(data, dict):
        return data
    return input_of(data.encode("utf-8") if isinstance(data, str) else data)


def liabilities_vectors() -> dict[str, Any]:
    """Every liabilities-v2 vector, by file name."""
    out: dict[str, Any] = {}
    for name, (description, data, expect, symbol) in _valid().items():
        out[name] = make_vector(KIND, description, data, expect, asset=(symbol, DECIMALS[symbol]))
    for name, (description, raw, code, symbol) in _faults().items():
        out[f"invalid-{name}"] = make_vector(
            KIND, description, _spec(raw), error(code), asset=(symbol, DECIMALS[symbol])
        )
    return out
