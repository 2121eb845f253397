"""What every foreign-format verifier returns, and how formats are described.

A verifier of another exchange's proof recomputes everything the format allows
(leaf, every node, the root, the totals) and raises a ``VerificationError`` or
``FormatError`` (with evidence) on the first thing that does not check out.  When it
succeeds it returns a :class:`ForeignResult`, whose ``findings`` say plainly what
the format cannot guarantee or leaks, so that a "valid" is never read as more than
it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

__all__ = ["Finding", "ForeignFormat", "ForeignResult", "Severity"]

Severity = Literal["info", "limitation", "weakness", "leak"]


@dataclass(frozen=True)
class Finding:
    """One plain statement about the strength of what was checked.

    ``limitation``: something the format cannot prove (e.g. no per-asset
    non-negativity without the full tree); ``weakness``: a cryptographic weakness
    (e.g. 64-bit truncated hashes); ``leak``: private data the proof reveals (e.g. a
    neighbour's balances); ``info``: anything else worth saying.
    """

    severity: Severity
    text: str


@dataclass(frozen=True)
class ForeignResult:
    format: str
    root: str
    totals: Mapping[str, str]
    balances: Mapping[str, str]
    findings: Sequence[Finding]
    checked: Sequence[str] = field(default_factory=tuple)
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ForeignFormat:
    """A registered format: its name, a sniffing test, and the verifier.

    ``sniff`` gets the parsed JSON (or the raw text for line formats) of the main
    file and says whether it looks like this format; ``verify`` gets the file paths
    (main file first, companions after) and returns a ForeignResult or raises.
    """

    name: str
    title: str
    sniff: Callable[[object], bool]
    verify: Callable[[Sequence[Path]], ForeignResult]
