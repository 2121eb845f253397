"""Row-level pieces shared by both layouts: uid checks, batches, and recording bad values.

Everything here works on whole columns; the per-row Python is limited to the first
few bad rows of each column in each batch, which is all an error message needs.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import polars as pl

from solvent.columnar.decimal_text import ParsedAmounts, describe, finish
from solvent.ingest.problems import MAX_SHOWN, Problems

__all__ = [
    "CHUNK_ROWS",
    "MAX_UID_BYTES",
    "UID_BAD_CONTROL",
    "UID_BAD_EMPTY",
    "UID_BAD_LONG",
    "batches",
    "describe_uid",
    "record_amount_problems",
    "record_uid_problems",
    "record_uid_v2_problems",
    "take_parsed",
    "uid_status",
]

# Small batches keep Polars' streaming engine busy on both cores while Python copies the last one.
CHUNK_ROWS = 1 << 18
UID_BAD_EMPTY = 1
UID_BAD_CONTROL = 2
UID_BAD_LONG = 3
#: The longest uid ``solvent build`` takes, in UTF-8 bytes.  The specs bound a uid only by
#: ``lp``'s 32-bit length; this builder is stricter, so that a runaway ledger field (a
#: broken export, a missing quote swallowing the rest of the file) is a named row, not an
#: account that no customer could ever type.  Verifiers take a uid of any length.
MAX_UID_BYTES = 1024
# Unicode category Cc is exactly U+0000..U+001F and U+007F..U+009F (spec §3 (Hashed client ids): no control characters).
_CONTROL = r"[\x00-\x1F\x7F-\x9F]"


def uid_status(uid: pl.Expr) -> pl.Expr:
    """0 for a good uid, UID_BAD_EMPTY for an empty or missing one, UID_BAD_CONTROL for a
    control character, UID_BAD_LONG for one of more than MAX_UID_BYTES bytes."""
    return (
        pl.when(uid.is_null() | (uid == ""))
        .then(pl.lit(UID_BAD_EMPTY))
        .when(uid.str.contains(_CONTROL))
        .then(pl.lit(UID_BAD_CONTROL))
        .when(uid.str.len_bytes() > MAX_UID_BYTES)
        .then(pl.lit(UID_BAD_LONG))
        .otherwise(pl.lit(0))
        .cast(pl.UInt8)
    )


def describe_uid(uid: str | None) -> str:
    if uid is None or uid == "":
        return "the uid is empty or missing"
    bad = next((ch for ch in uid if unicodedata.category(ch) == "Cc"), None)
    shown = uid if len(uid) <= 40 else uid[:37] + "..."
    if bad is not None:
        return f"the uid {shown!r} contains the control character U+{ord(bad):04X}"
    size = len(uid.encode("utf-8", "surrogatepass"))
    if size > MAX_UID_BYTES:
        return f"the uid {shown!r} is {size:,} bytes long; solvent build takes uids of at most {MAX_UID_BYTES:,} bytes"
    return f"the uid {shown!r} is not valid"  # pragma: no cover - the vector check and this agree


def batches(lf: pl.LazyFrame, chunk_rows: int) -> Iterator[pl.DataFrame]:
    """The query's result in order, ``chunk_rows`` at a time (Polars' streaming engine)."""
    yield from lf.collect_batches(chunk_size=chunk_rows, maintain_order=True)


def take_parsed(batch: pl.DataFrame, prefix: str) -> ParsedAmounts:
    """The four columns that ``with_parsed`` added under ``prefix``, as limbs and statuses."""
    return finish(
        batch[f"{prefix}hi"].to_numpy(),
        batch[f"{prefix}lo"].to_numpy(),
        batch[f"{prefix}status"].to_numpy(),
        batch[f"{prefix}round"].to_numpy(),
    )


def record_uid_problems(
    problems: Problems, status: npt.NDArray[np.uint8], uids: pl.Series, offset: int, column: int
) -> None:
    bad = np.flatnonzero(status)
    if bad.size:
        problems.count(bad.size)
        for r in bad[:MAX_SHOWN].tolist():
            problems.add(offset + r + 1, column, "uid", describe_uid(uids[r]))


def record_uid_v2_problems(problems: Problems, uids: pl.Series, offset: int, column: int) -> None:
    """Protocol v2's uid rule beyond v1's: no leading or trailing white space (``uid ==
    uid.strip()``) and Unicode NFC.  Candidates are found on the whole column; the exact
    Python rule decides only for them."""
    candidates = (uids.str.contains(r"^[\s\x1c-\x1f]|[\s\x1c-\x1f]$") | (uids.str.normalize("NFC") != uids)).fill_null(
        False
    )
    bad = []
    for r in np.flatnonzero(candidates.to_numpy()).tolist():
        uid = uids[r]
        shown = uid if len(uid) <= 40 else uid[:37] + "..."
        if uid != uid.strip():
            bad.append((r, f"the uid {shown!r} has leading or trailing white space"))
        elif not unicodedata.is_normalized("NFC", uid):
            bad.append((r, f"the uid {shown!r} is not in Unicode Normalization Form C (NFC)"))
    if bad:
        problems.count(len(bad))
        for r, message in bad[:MAX_SHOWN]:
            problems.add(offset + r + 1, column, "uid", message)


def record_amount_problems(
    problems: Problems,
    parsed: ParsedAmounts,
    texts: pl.Series,
    *,
    decimals: int | npt.NDArray[np.int64],
    offset: int,
    column: int,
    field: str | pl.Series,
    round_up: bool,
) -> None:
    """Describe the first few bad amounts of a batch (``decimals``/``field`` per row in the long layout)."""
    bad = parsed.bad_rows
    if not bad.size:
        return
    problems.count(bad.size)
    for r in bad[:MAX_SHOWN].tolist():
        d = decimals if isinstance(decimals, int) else int(decimals[r])
        name = field if isinstance(field, str) else f"amount ({field[r]})"
        problems.add(offset + r + 1, column, name, describe(texts[r], d, round_up=round_up))
