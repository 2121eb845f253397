"""Vectors of text: strict-JSON documents, Hashed Client IDs as a customer pastes them, and
exchange names (the one rule for untrusted text shown to people, manifest.check_exchange_name)."""

from __future__ import annotations

import json

from tests.conformance.proofs import KAT, manifest
from tests.conformance.recipes import Spec, error, input_of, lit, recipe, repeat, vector

__all__ = ["exchange_name_vectors", "hashed_id_vectors", "json_vectors"]


# (document, expected error code or None when it parses). Written by hand from the rules of
# protocol/strictjson.py; Python's json module and the browser's parser must both agree.
JSON_DOCS: list[tuple[str, str, bytes, str | None]] = [
    ("float-before-duplicate", "a float after a duplicate key: the float is seen first",
     b'{"a": 1, "a": 1.5}', "json-float"),
    ("duplicate-then-float-later", "a duplicate key, then a float in a later value of the same object",
     b'{"a": 1, "a": 2, "b": 1.5}', "json-float"),
    ("duplicate-nested", "a duplicate key in an inner object", b'{"a": {"b": 1, "b": 2}}', "json-duplicate-key"),
    ("duplicate-inner-before-outer-float", "an inner object closes (duplicate) before the outer float",
     b'[{"a": 1, "a": 1}, 1.5]', "json-duplicate-key"),
    ("duplicate-by-escape", "the same key written once plainly and once escaped", b'{"a": 1, "\\u0061": 2}',
     "json-duplicate-key"),
    ("trailing-comma-list", "a trailing comma in a list", b"[1, 2,]", "json-syntax"),
    ("trailing-comma-object", "a trailing comma in an object", b'{"a": 1,}', "json-syntax"),
    ("leading-zero", "a number with a leading zero", b"[01]", "json-syntax"),
    ("negative-leading-zero", "a negative number with a leading zero", b"-01", "json-syntax"),
    ("plus-sign", "a number with a plus sign", b"+1", "json-syntax"),
    ("hex-number", "a hex number", b"0x10", "json-syntax"),
    ("fullwidth-digit", "a full-width digit", "\uff11".encode(), "json-syntax"),
    ("lone-minus", "a minus sign alone", b"-", "json-syntax"),
    ("dot-no-fraction", "a number ending in a dot", b"1.", "json-syntax"),
    ("e-no-exponent", "a number ending in e", b"1e", "json-syntax"),
    ("lone-surrogate-escape", "an escaped lone high surrogate (accepted, as by Python)", b'"\\ud800"', None),
    ("surrogate-pair-escape", "an escaped surrogate pair", b'"\\ud83d\\ude00"', None),
    ("surrogate-bad-second-escape", "a high surrogate followed by a broken \\u escape", b'"\\ud83d\\u00zz"',
     "json-syntax"),
    ("short-unicode-escape", "a \\u escape with two digits", b'"\\u12"', "json-syntax"),
    ("unknown-escape", "the escape \\x", b'"\\x41"', "json-syntax"),
    ("raw-tab-in-string", "a raw tab inside a string", b'"tab\there"', "json-syntax"),
    ("raw-newline-in-string", "a raw line feed inside a string", b'"a\nb"', "json-syntax"),
    ("escaped-backslash-quote", "an escaped backslash before the closing quote", b'"\\\\"', None),
    ("nan", "NaN", b"NaN", "json-constant"),
    ("infinity", "Infinity", b"Infinity", "json-constant"),
    ("minus-infinity", "-Infinity", b"-Infinity", "json-constant"),
    ("nan-in-object", "NaN as a value", b'{"a": NaN}', "json-constant"),
    ("minus-zero", "-0 is an integer", b"-0", None),
    ("exponent", "1E5 is a float", b"1E5", "json-float"),
    ("fraction", "1.0 is a float", b"1.0", "json-float"),
    ("integer-21-digits", "21 digits", b"123456789012345678901", "json-int"),
    ("integer-20-digits-negative", "minus 20 digits", b"-12345678901234567890", None),
    ("integer-21-digits-negative", "minus 21 digits", b"-123456789012345678901", "json-int"),
    ("depth-65", "65 nested lists", b"[" * 65 + b"]" * 65, "json-syntax"),
    ("depth-64", "64 nested lists", b"[" * 64 + b"]" * 64, None),
    ("depth-64-brackets-in-string", "64 nested lists around a string of brackets and escapes",
     b"[" * 63 + b'["\\"[[[[{{\\\\"]' + b"]" * 63, None),
    ("brackets-in-string", "brackets inside a string", b'"[[[[" ', None),
    ("unterminated-string-with-brackets", "a string never closed, full of brackets", b'["' + b"[" * 100,
     "json-syntax"),
    ("two-values", "two documents", b"{} {}", "json-syntax"),
    ("literals", "true, false, null", b'{"x": [true, false, null]}', None),
    ("truncated-literal", "tru", b"tru", "json-syntax"),
    ("json-whitespace", "the four JSON whitespace characters", b" \n\t\r {}", None),
    ("no-break-space", "U+00A0 is not JSON whitespace", "\u00a0{}".encode(), "json-syntax"),
    ("empty", "no bytes at all", b"", "json-syntax"),
    ("missing-colon", "a key without a colon", b'{"a" 1}', "json-syntax"),
    ("missing-comma", "two values without a comma", b"[1 2]", "json-syntax"),
    ("unquoted-key", "a key without quotes", b"{a: 1}", "json-syntax"),
    ("bom", "a byte-order mark before an object", b"\xef\xbb\xbf{}", "json-bom"),
    ("overlong-utf8", "an overlong UTF-8 encoding of '/'", b'"\xc0\xaf"', "json-encoding"),
    ("encoded-surrogate", "a surrogate encoded in UTF-8", b'"\xed\xa0\x80"', "json-encoding"),
    ("four-byte-utf8", "a four-byte UTF-8 character", '"\U0001f600"'.encode(), None),
]

VALID_ID = KAT["accounts"][0]["hashed_id"]

# (name, description, text, accepted) for the one hashed-id rule (protocol.ids.parse_hashed_id):
# surrounding whitespace (as Python's str.isspace) removed, then 64 hex digits in either case.
HASHED_IDS: list[tuple[str, str, str, bool]] = [
    ("lower-case", "64 lower-case hex digits", VALID_ID, True),
    ("upper-case", "64 upper-case hex digits", VALID_ID.upper(), True),
    ("mixed-case", "mixed case", VALID_ID[:32].upper() + VALID_ID[32:], True),
    ("spaces-around", "spaces before and after", "  " + VALID_ID + " ", True),
    ("tabs-and-newlines-around", "tab, line feed, carriage return, vertical tab and form feed around",
     "\t\n" + VALID_ID + "\r\n\x0b\x0c", True),
    ("unicode-spaces-around", "no-break, ideographic, em and line-separator spaces around",
     "\u00a0\u3000" + VALID_ID + "\u2003\u2028", True),
    ("separator-controls-around", "U+001C..U+001F and U+0085 around (Python's isspace)",
     "\x1c\x1d" + VALID_ID + "\x1e\x1f\x85", True),
    ("many-spaces-around", "a megabyte of spaces on each side", " " * 1_000_000 + VALID_ID + " " * 1_000_000, True),
    ("byte-order-mark-before", "U+FEFF is not whitespace", "\ufeff" + VALID_ID, False),
    ("zero-width-space-after", "U+200B is not whitespace", VALID_ID + "\u200b", False),
    ("space-inside", "a space in the middle", VALID_ID[:32] + " " + VALID_ID[32:], False),
    ("empty", "nothing", "", False),
    ("only-spaces", "only whitespace", " \t\n ", False),
    ("63-digits", "one digit short", VALID_ID[:63], False),
    ("65-digits", "one digit over", VALID_ID + "0", False),
    ("0x-prefix", "0x and 62 digits", "0x" + VALID_ID[:62], False),
    ("0x-prefix-64", "0x and all 64 digits", "0x" + VALID_ID, False),
    ("letter-g", "64 characters with a g", "g" + VALID_ID[1:], False),
    ("fullwidth-digits", "64 full-width digits", "\uff10" * 64, False),
    ("arabic-indic-digits", "64 Arabic-Indic digits", "\u0660" * 64, False),
    ("emoji-at-end", "63 hex digits and an emoji: 64 code points", VALID_ID[:63] + "\U0001f600", False),
    ("long-hex", "a megabyte of hex digits", "a" * 1_000_000, False),
]


def json_vectors() -> dict[str, Spec]:
    return {name: vector("json", description, input_of(data), {"valid": True} if code is None else error(code))
            for name, description, data, code in JSON_DOCS}


def hashed_id_vectors() -> dict[str, Spec]:
    out: dict[str, Spec] = {}
    for name, description, text, accepted in HASHED_IDS:
        data = text.encode("utf-8")
        spec = input_of(data) if len(data) < 4096 else big_text(text)
        expect = {"hashed_id": VALID_ID} if accepted else error("hex")
        out[name] = vector("hashed-id", description, spec, expect)
    return out


def big_text(text: str) -> Spec:
    """A long text as runs of one character (the long hashed-id inputs are such runs)."""
    parts: list[Spec] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and text[j] == text[i]:
            j += 1
        parts.append(repeat(text[i], j - i) if j - i > 1 else lit(text[i]))
        i = j
    return recipe(*parts)


# (name, description, exchange name, accepted) for the one rule for names shown to people
# (protocol.manifest.check_exchange_name and UNSAFE_TEXT_RANGES; protocol/js/parse.js
# checkExchange): written by hand, the strictest reading of both former rules. Each is the
# KAT manifest with this name, written with JSON \u escapes (so a lone surrogate can be one).
EXCHANGE_NAMES: list[tuple[str, str, str, bool]] = [
    ("plain", "an ordinary name", "Example Exchange", True),
    ("accented", "letters beyond ASCII", "\u00c9change \u4ea4\u6613\u6240", True),
    ("emoji", "an emoji (a surrogate pair in JSON)", "Moon \U0001f680", True),
    ("right-to-left-script", "Arabic letters, no bidi control", "\u0645\u0646\u0635\u0629", True),
    ("max-length", "200 characters", "x" * 200, True),
    ("single-spaces", "single plain spaces between words", "A B C", True),
    ("inner-spaces", "two spaces and a no-break space inside: drawn like one space", "A  B\u00a0C", False),
    ("double-space", "two plain spaces in a row", "Bin  ance", False),
    ("leading-space", "a plain space before the name", " Binance", False),
    ("trailing-space", "a plain space after the name", "Binance ", False),
    ("no-break-space-inside", "U+00A0 between words", "Crypto\u00a0Exchange", False),
    ("ideographic-space-after", "U+3000 after the name", "Binance\u3000", False),
    ("figure-space-after", "U+2007 after the name", "Binance\u2007", False),
    ("composed-accent", "é as one code point (NFC)", "Caf\u00e9 Exchange", True),
    ("decomposed-accent", "e + U+0301: looks like the composed name, not NFC", "Cafe\u0301 Exchange", False),
    ("only-combining-mark", "a lone U+0301 is NFC, accepted: names of marks alone are a known gap", "\u0301", True),
    ("too-long", "201 characters", "x" * 201, False),
    ("empty", "no characters", "", False),
    ("only-spaces", "only white space as str.isspace() sees it", " \t\u3000\u00a0", False),
    ("only-separator-controls", "only U+001C..U+001F (white space to Python, controls)", "\x1c\x1f", False),
    ("only-byte-order-mark", "only U+FEFF: looks empty (the CLI used to accept it)", "\ufeff", False),
    ("byte-order-mark-inside", "U+FEFF inside a name", "Ex\ufeffchange", False),
    ("line-separator", "U+2028 inside (the browser used to accept it)", "X\u2028Y", False),
    ("paragraph-separator", "U+2029 inside", "X\u2029Y", False),
    ("next-line", "U+0085 (NEL, a C1 control)", "X\u0085Y", False),
    ("escape", "ESC: a terminal escape sequence", "X\x1b[31mY", False),
    ("delete", "DEL", "X\x7fY", False),
    ("csi", "U+009B, the one-character CSI", "X\u009bY", False),
    ("tab", "a tab", "X\tY", False),
    ("right-to-left-override", "U+202E reorders what follows", "Good\u202eliveD", False),
    ("left-to-right-embedding", "U+202A", "A\u202aB", False),
    ("bidi-isolate", "U+2066 (left-to-right isolate)", "A\u2066B\u2069", False),
    ("right-to-left-mark", "U+200F", "A\u200fB", False),
    ("arabic-letter-mark", "U+061C", "A\u061cB", False),
    ("zero-width-space", "U+200B: two names that look the same", "Ex\u200bchange", False),
    ("zero-width-joiner", "U+200D", "A\u200dB", False),
    ("only-zero-width-space", "a name that looks empty", "\u200b", False),
    ("word-joiner", "U+2060", "A\u2060B", False),
    ("soft-hyphen", "U+00AD: invisible", "Ex\u00adchange", False),
    ("mongolian-vowel-separator", "U+180E: invisible", "A\u180eB", False),
    ("tag-character", "U+E0041: invisible tag text", "A\U000e0041B", False),
    ("noncharacter", "U+FFFF", "A\uffffB", False),
    ("interlinear-annotation", "U+FFF9", "A\ufff9B", False),
    ("lone-high-surrogate", "an escaped lone surrogate (it used to break verify after VALID)", "Ex\ud800", False),
    ("lone-low-surrogate", "an escaped lone low surrogate", "\udcffEx", False),
    ("only-hangul-filler", "only U+3164: a letter to Unicode, blank on screen", "\u3164", False),
    ("only-choseong-filler", "only U+115F: blank", "\u115f", False),
    ("only-halfwidth-filler", "only U+FFA0: blank", "\uffa0", False),
    ("only-braille-blank", "only U+2800: looks like a space, is not white space", "\u2800", False),
    ("combining-grapheme-joiner", "U+034F after a name: looks like the name", "Binance\u034f", False),
    ("variation-selector-16", "U+FE0F after a name: invisible", "Binance\ufe0f", False),
    ("variation-selector-17", "U+E0100 after a name: invisible", "Binance\U000e0100", False),
    ("musical-format", "U+1D173: an invisible format control", "Binance\U0001d173", False),
    ("khmer-inherent-vowel", "U+17B4: invisible", "Binance\u17b4", False),
    ("mongolian-variation-selector", "U+180B: invisible", "A\u180bB", False),
    ("arabic-number-sign", "U+0600: a format character", "A\u0600B", False),
    ("private-use", "U+E000: a glyph that differs from one font to the next", "A\ue000B", False),
    ("supplementary-private-use", "U+10FFFD", "A\U0010fffdB", False),
    ("noncharacter-fdd0", "U+FDD0", "A\ufdd0B", False),
    ("hangul-letter", "an ordinary Hangul syllable next to the fillers' block", "\ud55c\uad6d \u3131", True),
    ("braille-letter", "a braille letter (U+2801), not the blank", "A\u2801B", True),
    ("replacement-character", "U+FFFD is visible", "A\ufffdB", True),
]


def exchange_name_vectors() -> dict[str, Spec]:
    out: dict[str, Spec] = {}
    for name, description, text, accepted in EXCHANGE_NAMES:
        doc = (json.dumps({**manifest(), "exchange": text}, indent=2, ensure_ascii=True) + "\n").encode("ascii")
        expect = {"valid": True} if accepted else error("format")
        out[name] = vector("exchange-name", description, input_of(doc), expect)
    return out
