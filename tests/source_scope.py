"""Which source files the reference checks (spec citations, named modules and files) read."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "solvent"

#: Folders and files not held to the reference checks (none: every source file is).
NOT_YET_CHECKED: tuple[str, ...] = ()


def checked_sources(suffixes: Iterable[str]) -> list[Path]:
    """The files under src/solvent with one of ``suffixes``, third-party code and NOT_YET_CHECKED left out."""
    wanted = set(suffixes)
    return sorted(
        p
        for p in SOURCE.rglob("*")
        if p.suffix in wanted
        and "vendor" not in p.parts
        and "__pycache__" not in p.parts
        and not p.relative_to(ROOT).as_posix().startswith(NOT_YET_CHECKED)
    )
