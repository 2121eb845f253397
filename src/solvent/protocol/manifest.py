"""The snapshot manifest ``solvent-snapshot/1`` (spec §5 (The snapshot manifest)): the signed tree head.

The exchange signs the exact bytes of ``snapshot.json``; the manifest binds the
snapshot id, time, asset list, root (hash, sums, height, leaf count) and the SHA-256
of every further published file (threats L12, L13).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from solvent.protocol.assets import Asset, assets_from_json, assets_to_json
from solvent.protocol.errors import FormatError
from solvent.protocol.ids import check_snapshot_id
from solvent.protocol.proof import Root
from solvent.protocol.strictjson import check_fields, dumps_canonical, hex_bytes, loads_strict

__all__ = [
    "MANIFEST_FORMAT",
    "UNSAFE_TEXT_RANGES",
    "Manifest",
    "check_exchange_name",
    "check_file_name",
    "check_timestamp",
    "is_control",
    "parse_files",
    "parse_manifest",
    "timestamp_seconds",
]

MANIFEST_FORMAT = "solvent-snapshot/1"
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?Z\Z")
_FILE_NAME = re.compile(r"[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*\Z")


def check_timestamp(value: object, where: str = "taken_at") -> str:
    """RFC 3339 in UTC with a ``Z`` suffix, e.g. ``2026-11-23T00:00:00Z``."""
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        raise FormatError(f"{where}: {str(value)[:40]!r} is not an RFC 3339 UTC time like 2026-11-23T00:00:00Z")
    try:
        datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError as e:
        raise FormatError(f"{where}: {value!r} is not a valid date and time") from e
    return value


def timestamp_seconds(value: object, where: str = "taken_at") -> Fraction:
    """A :func:`check_timestamp` time as exact seconds since 1970 (UTC), fraction kept.

    Exact because a block-time window is compared against it to the second (and
    nanoseconds may be written): no float ever stands for a time here.
    """
    text = check_timestamp(value, where)
    whole = calendar.timegm(datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").timetuple())
    digits = text[20:-1]  # after "." and before "Z"; empty without a fraction
    return whole + Fraction(int(digits or "0"), 10 ** len(digits))


def check_file_name(name: object) -> str:
    """A relative POSIX path of safe characters, no ``.``/``..`` segments."""
    if (
        not isinstance(name, str)
        or len(name) > 255
        or not _FILE_NAME.match(name)
        or any(part in {".", ".."} for part in name.split("/"))
    ):
        raise FormatError(f"files: {str(name)[:80]!r} is not a safe relative file name", evidence={"field": "files"})
    return name


def parse_files(value: object) -> dict[str, str]:
    """A manifest's ``files``: safe relative names, each bound to a SHA-256 (64 lower-case hex)."""
    if not isinstance(value, dict):
        raise FormatError("snapshot.files: expected an object of file name -> sha256 hex")
    return {
        check_file_name(name): hex_bytes(digest, f"snapshot.files[{name!r}]", 32).hex()
        for name, digest in value.items()
    }


#: The one rule for text from untrusted files that is shown to people or written on one line
#: of a signed text (exchange names; reserves labels, custodians and notes): no code point in
#: these inclusive ranges.  The browser's twin is ``UNSAFE_TEXT_RANGES`` in protocol/js/parse.js
#: (a test keeps the two tables equal) and the ``exchange-name`` conformance vectors pin both.
UNSAFE_TEXT_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x001F),  # C0 controls: ESC starts terminal escape sequences; tab, line feed
    (0x007F, 0x009F),  # DEL and C1 controls (U+0085 NEL is a line break, U+009B CSI an escape)
    (0x00AD, 0x00AD),  # soft hyphen: invisible
    (0x034F, 0x034F),  # combining grapheme joiner: invisible
    (0x0600, 0x0605),  # Arabic number signs and marks (format characters that attach to what follows)
    (0x061C, 0x061C),  # Arabic letter mark: a bidi control
    (0x06DD, 0x06DD),  # Arabic end of ayah (a format character)
    (0x070F, 0x070F),  # Syriac abbreviation mark (a format character)
    (0x0890, 0x0891),  # Arabic pound and piastre marks above (format characters)
    (0x08E2, 0x08E2),  # Arabic disputed end of ayah (a format character)
    (0x115F, 0x1160),  # Hangul choseong and jungseong fillers: blank
    (0x17B4, 0x17B5),  # Khmer inherent vowels: invisible
    (0x180B, 0x180F),  # Mongolian free variation selectors and vowel separator: invisible
    (0x200B, 0x200F),  # zero-width space, non-joiner and joiner; left-to-right and right-to-left marks
    (0x2028, 0x202E),  # line and paragraph separators; bidi embeddings, pops and overrides
    (0x2060, 0x206F),  # word joiner, invisible operators, bidi isolates, deprecated format controls
    (0x2800, 0x2800),  # braille pattern blank: looks like a space but is not one
    (0x3164, 0x3164),  # Hangul filler: blank
    (0xD800, 0xDFFF),  # surrogates: a lone one (JSON "\ud800") has no UTF-8 form at all
    (0xE000, 0xF8FF),  # private use: a glyph that differs from one font, terminal or phone to the next
    (0xFDD0, 0xFDEF),  # noncharacters
    (0xFE00, 0xFE0F),  # variation selectors: invisible
    (0xFEFF, 0xFEFF),  # byte-order mark (zero-width no-break space): a name of only it looks empty
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler: blank
    (0xFFF0, 0xFFFB),  # unassigned specials (default ignorable) and interlinear annotation controls
    (0xFFFE, 0xFFFF),  # noncharacters
    (0x110BD, 0x110BD),  # Kaithi number sign (a format character)
    (0x110CD, 0x110CD),  # Kaithi number sign above (a format character)
    (0x13430, 0x1343F),  # Egyptian hieroglyph format controls
    (0x1BCA0, 0x1BCA3),  # shorthand format controls: invisible
    (0x1D173, 0x1D17A),  # musical symbol format controls: invisible
    (0xE0000, 0xE0FFF),  # tag characters and variation selectors supplement: invisible
    (0xF0000, 0x10FFFF),  # supplementary private use (planes 15 and 16)
)


def is_control(c: str) -> bool:
    """A code point that no name, label or note may hold (:data:`UNSAFE_TEXT_RANGES`).

    Control characters (C0, DEL, C1: ESC and CSI drive a terminal, U+0085 is NEL), the line
    and paragraph separators (with them, every character at which ``str.splitlines``
    breaks), bidi controls (an override makes "Good\u202eliveD" read as another name),
    invisible characters (zero-width, the byte-order mark: two names that look the same,
    or a name that looks empty: every default-ignorable code point, and the blank-looking
    Hangul fillers and braille blank), every format character (category Cf), private-use
    code points (a glyph that differs from one font to the next), noncharacters and lone
    surrogates (no UTF-8 form: a signed file could not even be printed).  The strictest
    reading of the CLI's and the browser's former rules.
    """
    o = ord(c)
    return any(low <= o <= high for low, high in UNSAFE_TEXT_RANGES)


def check_exchange_name(value: object, where: str = "exchange") -> str:
    """1..200 characters, not blank, none of :func:`is_control`'s (controls, line breaks,
    bidi controls, invisible characters, surrogates), in Unicode NFC ("Cafe\u0301" and "Café" are
    two names that look alike), and white space only as single plain
    spaces (U+0020) between words: " Binance", "Binance\u00a0" and "Bin  ance" are other
    names that a page, which collapses white space, would draw as "Binance" or "Bin ance".

    The one rule everywhere the name appears (manifest, reserves declaration and
    attestation, ownership challenge, ``build --exchange``), in both languages: a name that
    a manifest accepts can always be written on one line of a challenge, and shows on a
    terminal and on the page as the same visible text.
    """
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise FormatError(f"{where}: expected a non-empty name of at most 200 characters", evidence={"field": where})
    bad = next((c for c in value if is_control(c)), None)
    if bad is not None:
        raise FormatError(
            f"{where}: contains control characters, bidi controls, invisible characters or line breaks "
            f"(U+{ord(bad):04X})",
            evidence={"field": where},
        )
    if not unicodedata.is_normalized("NFC", value):
        raise FormatError(
            f"{where}: not in Unicode Normalization Form C: a name written with combining marks "
            "looks the same as its composed form, and must be written composed",
            evidence={"field": where},
        )
    space = next((c for c in value if c.isspace() and c != " "), None)
    if space is not None or value != value.strip() or "  " in value:
        shown = f" (U+{ord(space):04X})" if space is not None else ""
        raise FormatError(
            f"{where}: white space other than single plain spaces between words{shown}: "
            f"{value.strip()!r} padded or spaced otherwise would look the same",
            evidence={"field": where},
        )
    return value


@dataclass(frozen=True)
class Manifest:
    exchange: str
    snapshot_id: str
    taken_at: str
    assets: tuple[Asset, ...]
    root: Root
    files: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, obj: object) -> Manifest:
        d = check_fields(
            obj, {"format", "exchange", "snapshot_id", "taken_at", "assets", "root", "files"}, "snapshot"
        )
        if d["format"] != MANIFEST_FORMAT:
            raise FormatError(
                f"snapshot: format {str(d['format'])[:40]!r} is not {MANIFEST_FORMAT!r}", code="version"
            )
        assets = assets_from_json(d["assets"], "snapshot.assets")
        checked = parse_files(d["files"])
        return cls(
            exchange=check_exchange_name(d["exchange"]),
            snapshot_id=check_snapshot_id(d["snapshot_id"]),
            taken_at=check_timestamp(d["taken_at"]),
            assets=assets,
            root=Root.from_dict(d["root"], len(assets), "snapshot.root"),
            files=checked,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MANIFEST_FORMAT,
            "exchange": self.exchange,
            "snapshot_id": self.snapshot_id,
            "taken_at": self.taken_at,
            "assets": assets_to_json(self.assets),
            "root": self.root.to_dict(),
            "files": dict(sorted(self.files.items())),
        }

    def to_json(self) -> bytes:
        """The exact bytes that are written to ``snapshot.json`` and signed."""
        return dumps_canonical(self.to_dict())


def parse_manifest(data: bytes, name: str = "snapshot.json") -> Manifest:
    return Manifest.from_dict(loads_strict(data, name=name))
