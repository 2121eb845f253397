"""Collecting bad rows while the data streams past, and turning them into one InputError.

The vectorised passes find every bad value at once; only the first few of each kind
are described (per-row Python is kept to those).  The error names the file, the
1-based data row, the line (CSV) and the field of the first few problems in row
order, and says how many there were in all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from solvent.protocol.errors import InputError

__all__ = ["MAX_SHOWN", "Problem", "Problems"]

MAX_SHOWN = 5


@dataclass(frozen=True, order=True)
class Problem:
    """One bad value: its 1-based data row, the column (field) and what is wrong."""

    row: int
    column: int
    field: str
    message: str


@dataclass
class Problems:
    """The first few problems (by row) and the count of all of them."""

    source: str
    problems: list[Problem] = field(default_factory=list)
    total: int = 0

    def add(self, row: int, column: int, name: str, message: str) -> None:
        self.problems.append(Problem(row, column, name, message))

    def count(self, n: int) -> None:
        """Record ``n`` bad values, of which only the first few are described with :meth:`add`."""
        self.total += n

    def __bool__(self) -> bool:
        return self.total > 0 or bool(self.problems)

    def first(self) -> list[Problem]:
        return sorted(self.problems)[:MAX_SHOWN]

    def replace_rows(self, replacements: Mapping[int, Problem]) -> None:
        """Replace every problem of a row by one row-level problem (e.g. a ragged row)."""
        self.problems = [p for p in self.problems if p.row not in replacements] + list(replacements.values())

    def error(
        self,
        line_of: Callable[[int], int | None],
        part_of: Callable[[int], tuple[Path, int] | None] = lambda row: None,
    ) -> InputError:
        """One InputError for all of them; ``line_of`` maps a data row to its line (CSV) or None,
        ``part_of`` to the Parquet part holding it and its row there (a ledger in parts) or None."""
        shown = self.first()
        total = max(self.total, len(self.problems))

        def where(p: Problem) -> str:
            line = line_of(p.row)
            part = part_of(p.row)
            at = f"row {p.row}" + (f" (line {line})" if line is not None else "")
            if part is not None:
                at += f" ({part[0]}, row {part[1]})"
            return f"{at}, field {p.field}" if p.field else at

        lines = [f"{where(p)}: {p.message}" for p in shown]
        if total == 1:
            message = f"{self.source}: {lines[0]}"
        else:
            more = f"; the first {len(shown)}" if total > len(shown) else ""
            message = f"{self.source}: {total} problems{more}:\n  " + "\n  ".join(lines)
        first = shown[0]
        evidence: dict[str, object] = {"file": self.source, "row": first.row}
        line = line_of(first.row)
        if line is not None:
            evidence["line"] = line
        part = part_of(first.row)
        if part is not None:
            evidence["part"], evidence["part row"] = str(part[0]), part[1]
        if first.field:
            evidence["field"] = first.field
        evidence["problems"] = total
        return InputError(message, evidence=evidence)
