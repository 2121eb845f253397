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

__all__ = ["SEVERITIES", "SINGLE_VERSION", "Finding", "ForeignFormat", "ForeignResult", "Severity", "version_of"]

Severity = Literal["info", "limitation", "weakness", "leak", "anomaly"]

#: Every severity, most alarming first (the order findings are printed in).
SEVERITIES: tuple[Severity, ...] = ("anomaly", "weakness", "leak", "limitation", "info")


@dataclass(frozen=True)
class Finding:
    """One plain statement about the strength of what was checked.

    ``limitation``: something the format cannot prove (e.g. no per-asset
    non-negativity without the full tree); ``weakness``: a cryptographic weakness
    (e.g. 64-bit truncated hashes); ``leak``: private data the proof reveals (e.g. a
    neighbour's balances); ``anomaly``: something in this very file that the hashes
    bind but a sound liabilities tree would not contain (e.g. a negative subtree
    sum); ``info``: anything else worth saying.  ``code`` is a stable name for the
    finding (tests and JSON consumers match on it, never on the wording).
    """

    severity: Severity
    text: str
    code: str = ""


#: What ``solvent verify`` prints as the version of a format that has only one.
SINGLE_VERSION = "single (the format has one published version)"


@dataclass(frozen=True)
class ForeignResult:
    """What a foreign file proved.  ``version`` names the version (or rule) of ``format``
    that matched, e.g. ``"2025-11 and later"``; empty where the format has one
    (:func:`version_of` prints it)."""

    format: str
    root: str
    totals: Mapping[str, str]
    balances: Mapping[str, str]
    findings: Sequence[Finding]
    checked: Sequence[str] = field(default_factory=tuple)
    details: Mapping[str, str] = field(default_factory=dict)
    version: str = ""


@dataclass(frozen=True)
class ForeignFormat:
    """A registered format: its name, a sniffing test, and the verifier.

    ``sniff`` gets the parsed JSON (or the raw text for line formats) of the main
    file and says whether it looks like this format; ``verify`` gets the file paths
    (main file first, companions after) and returns a ForeignResult or raises.

    ``versions`` names the versions (or rules) the verifier knows, in the order it tries
    them, when there are several; a file that fits none of them is refused as an
    unsupported version (a FormatError with code ``version``: exit 2), never as invalid.

    A format that needs the customer's own secrets (BitMEX: account number and
    nonce) names them in ``params`` (name -> help) and takes them through
    ``verify_with``; ``verify`` then checks what can be checked without them.
    """

    name: str
    title: str
    sniff: Callable[[object], bool]
    verify: Callable[[Sequence[Path]], ForeignResult]
    params: Mapping[str, str] = field(default_factory=dict)
    verify_with: Callable[[Sequence[Path], Mapping[str, str]], ForeignResult] | None = None
    versions: tuple[str, ...] = ()


def version_of(result: ForeignResult) -> str:
    """The version a result matched, as printed: its own name, or :data:`SINGLE_VERSION`."""
    return result.version or SINGLE_VERSION
