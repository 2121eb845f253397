"""The page's message catalogues: one key set in every language, every key the page uses
there, every placeholder kept, and no English left outside them in the page's modules.

Keys are found by their shape: a string literal "page.…", "app.…", "summary.…" (one
namespace per module) in the page's JS, or a data-i18n / data-i18n-<attribute> value in
index.html. The hard-coded-English check is a heuristic: a string literal in a page module,
or a text node / label attribute in index.html, that reads as words.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

STATIC = Path(__file__).parents[2] / "src" / "solvent" / "web" / "static"
TEMPLATE = STATIC.parent / "templates" / "index.html"
CATALOGUES = STATIC / "i18n"
LANGUAGES = ("en", "zh", "es")
#: The page's own modules (the protocol's browser modules word errors for the developer and
#: are shared with the Python core: they are not translated, see docs/web.md).
MODULES = ("app", "summary", "holdings", "pathview", "treeview", "ui", "history", "i18n")
NAMESPACES = ("page", "app", "ui", "summary", "holdings", "pathview", "treeview", "history")
KEY = re.compile(r"""["'`]((?:NS)\.[A-Za-z0-9_.]*[A-Za-z0-9])["'`]""".replace("NS", "|".join(NAMESPACES)))
HTML_KEY = re.compile(r'data-i18n(?:-[a-z-]+)?="([^"]+)"')
#: Parameters a translation may use that English does not need: the count a Spanish
#: participle agrees with ("1 de 20 activos respaldado" / "5 … respaldados"); summary.js passes it.
EXTRA_PARAMS = {
    "summary.headline.countPass": {"k"},
    "summary.headline.countDeclared": {"k"},
    "summary.headline.countFail": {"k"},
    "summary.headline.countNone": {"k"},
}


def catalogue(code: str) -> dict[str, str]:
    data = json.loads((CATALOGUES / f"{code}.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict) and all(isinstance(v, str) for v in data.values()), code
    return data


def used_keys() -> set[str]:
    keys = {m for name in MODULES for m in KEY.findall((STATIC / "js" / f"{name}.js").read_text(encoding="utf-8"))}
    return keys | set(HTML_KEY.findall(TEMPLATE.read_text(encoding="utf-8")))


def closing(msg: str, start: int) -> int:
    depth = 0
    for i in range(start, len(msg)):
        if msg[i] == "{":
            depth += 1
        elif msg[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError(f"unclosed brace in {msg!r}")


def arguments(msg: str) -> set[str]:
    """The parameters a message uses, as i18n.js reads it; ValueError for what it cannot read."""
    names: set[str] = set()
    i = 0
    while i < len(msg):
        if msg[i] == "}":
            raise ValueError(f"stray closing brace in {msg!r}")
        if msg[i] != "{":
            i += 1
            continue
        end = closing(msg, i)
        inner = msg[i + 1 : end]
        m = re.fullmatch(r"\s*(\w+)\s*(?:,\s*plural\s*,(.*))?", inner, re.S)
        if not m:
            raise ValueError(f"not a placeholder: {{{inner}}} in {msg!r}")
        names.add(m.group(1))
        if m.group(2) is not None:
            options, forms, j = m.group(2), set(), 0
            while options[j:].strip():
                f = re.match(r"\s*(=\d+|zero|one|two|few|many|other)\s*\{", options[j:])
                if not f:
                    raise ValueError(f"bad plural in {msg!r}")
                open_ = j + f.end() - 1
                close = closing(options, open_)
                forms.add(f.group(1))
                names |= arguments(options[open_ + 1 : close])
                j = close + 1
            if "other" not in forms:
                raise ValueError(f"a plural without 'other' in {msg!r}")
        i = end + 1
    return names


def test_every_language_has_exactly_the_english_keys() -> None:
    english = set(catalogue("en"))
    for code in LANGUAGES[1:]:
        keys = set(catalogue(code))
        assert sorted(english - keys) == [], f"{code}.json lacks these keys"
        assert sorted(keys - english) == [], f"{code}.json has keys English lacks"


def test_every_key_the_page_uses_is_in_the_catalogue_and_none_is_dead() -> None:
    used = used_keys()
    assert len(used) > 150  # the extraction found the page's keys
    english = set(catalogue("en"))
    assert sorted(used - english) == [], "used by the page, missing from en.json"
    assert sorted(english - used) == [], "in en.json, used nowhere"


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_message_reads_and_keeps_its_placeholders(code: str) -> None:
    english = catalogue("en")
    for key, msg in catalogue(code).items():
        assert msg.strip(), (code, key)
        got = arguments(msg)
        want = arguments(english[key])
        assert want <= got <= want | EXTRA_PARAMS.get(key, set()), (code, key, got, want)


def test_the_translations_are_translated() -> None:
    english = catalogue("en")
    for code in LANGUAGES[1:]:
        same = [k for k, v in catalogue(code).items() if v == english[k] and re.search(r"[A-Za-z]{3,} [A-Za-z]{3,}", v)]
        assert same == [], f"{code}: still English"


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_verdicts_are_three_distinct_words_and_declared_never_reads_as_a_pass(code: str) -> None:
    words = catalogue(code)
    passed, declared, failed = (words[f"summary.status.{k}"] for k in ("pass", "declared", "fail"))
    assert len({passed, declared, failed}) == 3
    assert passed not in declared and declared not in passed
    assert passed.lower() not in words["summary.headline.countDeclared"].lower()
    # The history table says the same words as the headline's badges.
    assert words["history.cell"].count("{status}") == 1


# -- no English left in the page's code -------------------------------------------------------------


def string_literals(source: str) -> list[str]:
    """The string literals of a JS source (comments skipped; a template's ${…} left out)."""
    out: list[str] = []
    i, n = 0, len(source)
    while i < n:
        c = source[i]
        if source.startswith("//", i):
            i = source.find("\n", i)
            i = n if i < 0 else i
        elif source.startswith("/*", i):
            i = source.index("*/", i) + 2
        elif c in "\"'`":
            j, text, depth = i + 1, "", 0
            while source[j] != c or depth:
                if source[j] == "\\":
                    text += source[j : j + 2]
                    j += 2
                    continue
                if c == "`" and source.startswith("${", j):
                    depth += 1
                    j += 2
                    continue
                if depth and source[j] == "}":
                    depth -= 1
                elif not depth:
                    text += source[j]
                j += 1
            out.append(text)
            i = j + 1
        elif c == "/" and re.search(r"[(,=:!&|?;{}]\s*$", source[max(0, i - 20) : i]):
            # a regular expression literal: skip it (its text is no words for people)
            j = i + 1
            while source[j] != "/":
                j += 2 if source[j] == "\\" else 1
            i = j + 1
        else:
            i += 1
    return out


#: Literals that read as words but are not shown to people as the page's own words.
NOT_WORDS = (
    re.compile(r"^(solvent|sha256sum|pip install) "),  # commands to copy, run as they are
    re.compile(r"^(English|Español)$"),  # each language named in its own language (the menu)
    re.compile(r"^xMidYMid "),  # an SVG attribute's value
)


#: The page's class names (styled in its CSS, or given as `class: "…"` in its modules): a
#: literal made of them only is a class list, not words.
CLASSES = {
    m
    for css in STATIC.glob("*.css")
    for m in re.findall(r"\.([A-Za-z][\w-]*)", re.sub(r"/\*.*?\*/", "", css.read_text(encoding="utf-8"), flags=re.S))
} | {
    word
    for js in STATIC.glob("js/*.js")
    for value in re.findall(r"""class(?:Name)?\s*[:=]\s*["'`]([^"'`$]*)""", js.read_text(encoding="utf-8"))
    for word in value.split()
}


def reads_as_english(text: str) -> bool:
    if any(p.search(text) for p in NOT_WORDS):
        return False
    if text.split() and all(word in CLASSES for word in text.split()):
        return False
    return bool(re.search(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}", text) or re.fullmatch(r"\s*[A-Z][a-z]{2,}[.:]?\s*", text))


@pytest.mark.parametrize("name", MODULES)
def test_no_english_is_hard_coded_in_a_page_module(name: str) -> None:
    literals = string_literals((STATIC / "js" / f"{name}.js").read_text(encoding="utf-8"))
    assert len(literals) > 5
    assert [s for s in literals if reads_as_english(s)] == []


def test_the_heuristic_catches_english() -> None:
    source = 'const a = "Find My Balance"; el("b", {}, `Check ${x} now`, "Pass"); // "Not this one"'
    assert [s for s in string_literals(source) if reads_as_english(s)] == ["Find My Balance", "Check  now", "Pass"]
    assert not reads_as_english("summary.status.pass") and not reads_as_english("badge pass")
    assert reads_as_english("reserves do not cover") and reads_as_english("Copy")


class StaticWords(HTMLParser):
    """Text and label attributes of index.html that no data-i18n covers."""

    SKIP = frozenset({"script", "style", "noscript"})
    LABELS = ("aria-label", "title", "placeholder", "alt")
    VOID = frozenset({"meta", "link", "input", "br", "img", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []  # (tag, covered by a data-i18n)
        self.bare: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for name in self.LABELS:
            if re.search(r"[A-Za-z]{2}", a.get(name) or "") and f"data-i18n-{name}" not in a:
                self.bare.append(f"<{tag} {name}={a[name]!r}>")
        if tag not in self.VOID:
            covered = "data-i18n" in a or (bool(self.stack) and self.stack[-1][1] and "data-slot" not in a)
            self.stack.append((tag, covered or tag in self.SKIP or any(t in self.SKIP for t, _ in self.stack)))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        covered = bool(self.stack) and self.stack[-1][1]
        if not covered and re.search(r"[A-Za-z]{2}", data) and "{{" not in data:
            self.bare.append(data.strip())


def test_no_english_is_hard_coded_in_index_html() -> None:
    words = StaticWords()
    words.feed(TEMPLATE.read_text(encoding="utf-8"))
    assert words.bare == []
    shown = StaticWords()
    shown.feed('<p>Snapshot <span data-i18n="page.x">ok</span></p><ul aria-label="Tree"></ul><noscript>fine</noscript>')
    assert shown.bare == ["Snapshot", "<ul aria-label='Tree'>"]
