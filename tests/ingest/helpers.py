"""Small helpers for the ingest tests: write a ledger, read it, expect an InputError."""

from __future__ import annotations

from pathlib import Path

import pytest

from solvent.ingest import Ledger, read_ledger
from solvent.protocol.assets import Asset, parse_asset_list
from solvent.protocol.errors import InputError

ASSETS = parse_asset_list("BTC:8,ETH:8,USD:2")


def write(tmp_path: Path, text: str | bytes, name: str = "ledger.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def read(tmp_path: Path, text: str | bytes, assets: tuple[Asset, ...] = ASSETS, **kw: object) -> Ledger:
    return read_ledger(write(tmp_path, text), assets, **kw)  # type: ignore[arg-type]


def rejected(tmp_path: Path, text: str | bytes, assets: tuple[Asset, ...] = ASSETS, **kw: object) -> InputError:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        read_ledger(path, assets, **kw)  # type: ignore[arg-type]
    error = info.value
    assert str(path) in error.message  # every error names the file
    return error


def names_row_and_field(error: InputError, row: int, field: str | None, line: int | None = None) -> None:
    """The message and the evidence both name the row (and line) and the field."""
    line = row + 1 if line is None else line
    assert f"row {row} (line {line})" in error.message, error.message
    assert error.evidence["row"] == str(row)
    assert error.evidence["line"] == str(line)
    if field is not None:
        assert f"field {field}" in error.message, error.message
        assert error.evidence["field"] == field
