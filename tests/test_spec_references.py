"""Every ``§N`` cited in the source names a section of docs/spec.md, with its heading.

A citation is written ``spec §6 (Inclusion proofs)`` or ``docs/spec.md §12.2 (The
pinned block)``: the number must be a numbered heading of docs/spec.md and the words in
parentheses that heading's title (backticks dropped), so that a renumbering of the spec
breaks this test instead of leaving the code pointing one section off.  A bare ``§N``
fails.  ``§`` after another document's name (``RFC 8032 §5.1.7``) is not ours.  Folders
being rewritten on other branches wait in ``tests.source_scope.NOT_YET_CHECKED``.
"""

from __future__ import annotations

import re

import pytest

from tests.source_scope import ROOT, checked_sources

SPEC = ROOT / "docs" / "spec.md"
SUFFIXES = {".py", ".js", ".mjs", ".c", ".h", ".html", ".j2"}

_HEADING = re.compile(r"^#{2,4} (\d+(?:\.\d+)*)\.? (.+?)\s*$", re.MULTILINE)
_CITATION = re.compile(r"§\s*(\d+(?:\.\d+)*)")
#: A section sign after one of these is another document's (RFC 8032 §5.1.7, BIP-322 §2).
_FOREIGN = re.compile(r"(?:RFC|BIP|EIP|ERC|FIPS|SEC)[- ]?\d+\s*$")
#: Comment leaders that continue a citation onto the next line.
_CONTINUATION = re.compile(r"\s*\n\s*(?:#|//|\*(?!/))?\s*")


#: Blanks between a section number and its heading, possibly onto the next comment line.
_GAP = re.compile(r"[ \t]*(?:\n\s*(?:#|//|\*(?!/))?[ \t]*)?")


def _normal(text: str) -> str:
    return " ".join(_CONTINUATION.sub(" ", text).replace("`", "").split())


def spec_sections(text: str) -> dict[str, str]:
    """Section number -> heading title (``12.2`` -> ``The pinned block``)."""
    return {m.group(1): _normal(m.group(2)) for m in _HEADING.finditer(text)}


def _parenthesised(text: str, start: int) -> str | None:
    """The balanced ``( ... )`` starting at ``start`` (after blanks), without the outer pair."""
    i = _GAP.match(text, start).end()  # type: ignore[union-attr]  # the pattern matches the empty string
    if i >= len(text) or text[i] != "(":
        return None
    depth = 0
    for j in range(i, min(len(text), i + 300)):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return text[i + 1 : j]
    return None


def citation_problems(text: str, sections: dict[str, str]) -> list[str]:
    """What is wrong with each spec citation in ``text`` (an empty list: all resolve)."""
    problems = []
    for m in _CITATION.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        before = text[text.rfind("\n", 0, m.start()) + 1 : m.start()]
        if _FOREIGN.search(before):
            continue
        number = m.group(1)
        if number not in sections:
            problems.append(f"line {line}: §{number} is not a section of docs/spec.md")
            continue
        quoted = _parenthesised(text, m.end())
        if quoted is None:
            problems.append(f"line {line}: §{number} without its heading: write §{number} ({sections[number]})")
        elif _normal(quoted) != sections[number]:
            problems.append(f"line {line}: §{number} is ({sections[number]}), not ({_normal(quoted)})")
    return problems


def test_the_spec_has_numbered_sections() -> None:
    sections = spec_sections(SPEC.read_text(encoding="utf-8"))
    assert sections["6"] == "Inclusion proofs"
    assert sections["12.2"] == "The pinned block"
    assert sections["12.7"] == "reserves.json (solvent-reserves/2)"


def test_every_citation_in_the_source_resolves() -> None:
    sections = spec_sections(SPEC.read_text(encoding="utf-8"))
    problems = [
        f"{path.relative_to(ROOT)}: {problem}"
        for path in checked_sources(SUFFIXES)
        for problem in citation_problems(path.read_text(encoding="utf-8"), sections)
    ]
    assert problems == [], "\n".join(problems)


SECTIONS = {"4": "The liabilities tree", "6": "Inclusion proofs", "12.8": "Verifying reserves.json (anyone)"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"""Proofs (spec §6 (Inclusion proofs))."""', []),
        ("# docs/spec.md §12.8 (Verifying `reserves.json`\n# (anyone)), steps (V1)-(V7)", []),
        ("see RFC 8032 §5.1.7 for the encoding", []),
        ("/* the tree, spec §4\n * (The liabilities tree) */", []),
        ('"""Proofs (spec §5)."""', ["line 1: §5 is not a section of docs/spec.md"]),
        ('"""Proofs (spec §6)."""', ["line 1: §6 without its heading: write §6 (Inclusion proofs)"]),
        (
            "x\n# the tree (spec §6 (The liabilities tree))",
            ["line 2: §6 is (Inclusion proofs), not (The liabilities tree)"],
        ),
        (
            "(spec §4 (The liabilities tree), §6)",
            ["line 1: §6 without its heading: write §6 (Inclusion proofs)"],
        ),
    ],
)
def test_the_check_catches_a_wrong_or_bare_citation(text: str, expected: list[str]) -> None:
    assert citation_problems(text, SECTIONS) == expected
