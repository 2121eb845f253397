"""Attack: a Parquet-parts ledger folder whose part cannot be opened as a regular file.

``find_parts`` keeps only ``f.is_file()``: a dangling symlink, a FIFO or a device named
like a part is dropped without a word, and the build succeeds without that part's
accounts (their liabilities silently left out).  The module's own rule is "every other
file must be Parquet ... an error names the odd file".
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest

from solvent.ingest.source import find_parts
from solvent.protocol.errors import InputError


def _folder(tmp_path: Path) -> Path:
    parts = tmp_path / "parts"
    parts.mkdir()
    pl.DataFrame({"uid": ["a", "b"], "BTC": ["1", "2"]}).write_parquet(parts / "part-0.parquet")
    return parts


def test_a_dangling_part_is_an_error_not_skipped(tmp_path: Path) -> None:
    parts = _folder(tmp_path)
    (parts / "part-1.parquet").symlink_to(tmp_path / "unmounted" / "part-1.parquet")
    with pytest.raises(InputError, match="part-1"):
        find_parts(str(parts))


def test_a_fifo_part_is_an_error_not_skipped(tmp_path: Path) -> None:
    parts = _folder(tmp_path)
    os.mkfifo(parts / "part-1.parquet")
    with pytest.raises(InputError, match="part-1"):
        find_parts(str(parts))


def test_a_part_of_another_schema_is_refused(tmp_path: Path) -> None:
    """Held up: a part with other columns is named and refused (control)."""
    from solvent.ingest.source import open_source

    parts = _folder(tmp_path)
    pl.DataFrame({"uid": ["c"], "ETH": ["5"]}).write_parquet(parts / "part-1.parquet")
    with pytest.raises(InputError, match=r"part-1\.parquet"):
        open_source(str(parts))
