"""Hostile sizes and shapes: what a server or a file can send to a verifier, up to 4 MiB and beyond.

Each must be answered with its expected result, quickly (threat L18): a proof of exactly the
size limit and one byte over, nesting at and beyond the depth limit, megabytes of escapes,
long strings, huge integers, many keys, many siblings.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.conformance.proofs import MANIFEST, Obj, dump, kat_proof, put
from tests.conformance.recipes import LIMIT, Spec, error, fill, hex_part, input_of, lit, recipe, repeat, vector

__all__ = ["hostile_vectors"]


def hole(change: Callable[[Obj, str], None], index: int = 1) -> tuple[str, str]:
    """KAT proof ``index`` as text, split where ``change`` put the placeholder string."""
    p = kat_proof(index)
    change(p, "@@HOLE@@")
    head, tail = dump(p).decode().split('"@@HOLE@@"')
    return head, tail


def hostile_vectors() -> dict[str, Spec]:
    """Sizes and shapes a hostile server or file can send; each must be answered quickly (threat L18)."""
    m = MANIFEST
    kat1 = dump(kat_proof(1)).decode()
    anchored = {"valid": True, "anchored": True}

    def at(path: str) -> Callable[[Obj, str], None]:
        def change(p: Obj, hole: str) -> None:
            put(path, hole)(p)
        return change

    def extra(where: str) -> Callable[[Obj, str], None]:
        def change(p: Obj, hole: str) -> None:
            (p[where] if where else p)["x"] = hole
        return change

    sid_head, sid_tail = hole(at("snapshot_id"))
    fmt_head, fmt_tail = hole(at("format"))
    hid_head, hid_tail = hole(at("leaf.hashed_id"))
    idx_head, idx_tail = hole(at("leaf.index"))
    x_head, x_tail = hole(extra(""))
    leaf_x_head, leaf_x_tail = hole(extra("leaf"))
    sib_head, sib_tail = hole(at("siblings"))
    sibling = json.dumps(kat_proof(1)["siblings"][0], separators=(",", ":"))
    # Brackets inside a value nested 62 deep: with the proof object and the list around
    # them, exactly the limit of 64 levels.
    nest62 = "[" * 62 + "]" * 62
    return {
        "size-at-limit": vector(
            "proof", "KAT proof 1 followed by spaces up to exactly 4 MiB, the size limit",
            recipe(lit(kat1), repeat(" ", LIMIT - len(kat1))), anchored, m),
        "size-at-limit-leading-space": vector(
            "proof", "spaces up to exactly 4 MiB before KAT proof 1",
            recipe(repeat(" ", LIMIT - len(kat1)), lit(kat1)), anchored, m),
        "size-over-limit": vector(
            "proof", "KAT proof 1 followed by spaces up to 4 MiB and one byte",
            recipe(lit(kat1), repeat(" ", LIMIT + 1 - len(kat1))), error("too-large"), m),
        "size-bom-4mib": vector(
            "proof", "a byte-order mark before a 4 MiB proof", recipe(hex_part("efbbbf"), lit(kat1),
                                                                       repeat(" ", LIMIT - 3 - len(kat1))),
            error("json-bom"), m),
        "size-not-utf8-at-end-4mib": vector(
            "proof", "a 4 MiB proof whose last byte is not UTF-8",
            recipe(lit(kat1), repeat(" ", LIMIT - 1 - len(kat1)), hex_part("ff")), error("json-encoding"), m),
        "depth-64": vector(
            "proof", "an extra field nested to exactly the depth limit of 64: parses, then fails on the field",
            input_of(f'{x_head}{"[" * 63}{"]" * 63}{x_tail}'.encode()), error("fields"), m),
        "depth-65": vector(
            "proof", "an extra field nested one level beyond the depth limit",
            input_of(f'{x_head}{"[" * 64}{"]" * 64}{x_tail}'.encode()), error("json-syntax"), m),
        "depth-4mib-open-brackets": vector(
            "proof", "4 MiB of '['", recipe(repeat("[", LIMIT)), error("json-syntax"), m),
        "depth-at-limit-around-4mib-string": vector(
            "proof", "a 4 MiB string of brackets and escaped quotes inside lists nested to the limit of 64",
            fill(x_head + "[" * 63 + '"', '[{\\"', '"' + "]" * 63 + x_tail), error("fields"), m),
        # Two million lists cost what they cost to build (Chromium's own JSON.parse takes as
        # long as the verifier's parser): a quarter of the size limit keeps this a bound on
        # the depth scan, not on the browser's allocator.
        "depth-1mib-lists-at-limit": vector(
            "proof", "1 MiB of lists nested 64 deep, side by side: every one at the limit, none beyond",
            fill(x_head + "[", nest62 + ",", nest62 + "]" + x_tail, size=LIMIT // 4), error("fields"), m),
        "depth-4mib-brackets-in-a-string": vector(
            "proof", "a 4 MiB snapshot id of '[{': brackets inside a string do not nest",
            fill(sid_head + '"', "[{", '"' + sid_tail), error("snapshot-id"), m),
        "escapes-4mib-quotes": vector(
            "proof", "a 4 MiB snapshot id of escaped quotes",
            fill(sid_head + '"', '\\"', '"' + sid_tail), error("snapshot-id"), m),
        "escapes-4mib-quotes-unterminated": vector(
            "proof", "4 MiB of escaped quotes in a string that never ends",
            fill(fmt_head + '"', '\\"', ""), error("json-syntax"), m),
        "escapes-4mib-quote-bracket-unterminated": vector(
            "proof", "4 MiB of escaped quotes and brackets in a string that never ends",
            fill(fmt_head + '"', '\\"[', ""), error("json-syntax"), m),
        "escapes-4mib-backslashes": vector(
            "proof", "a 4 MiB format of escaped backslashes",
            fill(fmt_head + '"', "\\\\", '"' + fmt_tail), error("version"), m),
        "escapes-4mib-unicode": vector(
            "proof", "a 4 MiB hashed id of \\u0061 escapes ('a')",
            fill(hid_head + '"', "\\u0061", '"' + hid_tail), error("hex"), m),
        "escapes-4mib-surrogate-pairs": vector(
            "proof", "a 4 MiB snapshot id of escaped surrogate pairs",
            fill(sid_head + '"', "\\ud83d\\ude00", '"' + sid_tail), error("snapshot-id"), m),
        "string-4mib-hashed-id": vector(
            "proof", "a 4 MiB hashed id of hex digits",
            fill(hid_head + '"', "a", '"' + hid_tail), error("hex"), m),
        "string-4mib-key": vector(
            "proof", "an extra field with a 4 MiB name",
            fill(leaf_x_head[: leaf_x_head.rindex('"x"')] + '"', "k", '": "0"' + leaf_x_tail), error("fields"), m),
        "string-4mib-unterminated": vector(
            "proof", "a string that runs 4 MiB to the end of the file",
            fill(fmt_head + '"', "x", ""), error("json-syntax"), m),
        "integer-4mib": vector(
            "proof", "a leaf index of 4 MiB of digits", fill(idx_head, "9", idx_tail), error("json-int"), m),
        "integer-4mib-negative": vector(
            "proof", "a leaf index of minus 4 MiB of digits", fill(idx_head + "-", "9", idx_tail),
            error("json-int"), m),
        "integer-4mib-fraction": vector(
            "proof", "a leaf index of 4 MiB of digits with a fraction", fill(idx_head + "1", "0", ".5" + idx_tail),
            error("json-float"), m),
        "integer-4mib-exponent": vector(
            "proof", "a leaf index with a 4 MiB exponent", fill(idx_head + "1e", "9", idx_tail),
            error("json-float"), m),
        "integer-21-digits": vector(
            "proof", "a leaf index of 21 digits, one over the limit",
            input_of(f"{idx_head}{'1' * 21}{idx_tail}".encode()), error("json-int"), m),
        "integer-20-digits": vector(
            "proof", "a leaf index of 20 digits: parses, then is out of range",
            input_of(f"{idx_head}{'9' * 20}{idx_tail}".encode()), error("range"), m),
        # As for the lists above: a hundred thousand distinct fields are a bound on the parser,
        # four times as many would be one on the browser's hash tables.
        "keys-1mib-distinct": vector(
            "proof", "1 MiB of distinct extra fields in the leaf",
            many_keys(leaf_x_head, leaf_x_tail, LIMIT // 4), error("fields"), m),
        "keys-4mib-duplicate": vector(
            "proof", "4 MiB of one extra field repeated in the leaf",
            fill(leaf_x_head[: leaf_x_head.rindex('"x"')], '"k": 0, ', leaf_x_head[leaf_x_head.rindex('"x"'):]
                  + '"0"' + leaf_x_tail), error("json-duplicate-key"), m),
        "siblings-4mib": vector(
            "proof", "4 MiB of siblings", fill(sib_head + "[", sibling + ",", sibling + "]" + sib_tail),
            error("length"), m),
        "siblings-4mib-integers": vector(
            "proof", "4 MiB of small integers as the sibling list", fill(sib_head + "[", "0,", "0]" + sib_tail),
            error("length"), m),
    }


def many_keys(head: str, tail: str, size: int) -> Spec:
    """``head`` ends with ``"x": ``; distinct fields k0, k1, ... fill it to ``size`` bytes."""
    cut = head.rindex('"x"')
    before, after = head[:cut], head[cut:] + '"0"' + tail
    room = size - len(before) - len(after)
    count, used = 0, 0
    while True:  # '"k{i}": 0, ' is 8 bytes plus the digits of i
        step = 8 + len(str(count))
        if used + step > room:
            break
        used += step
        count += 1
    parts = [lit(before), {"numbered": '"k{}": 0, ', "count": count}]
    if room - used:
        parts.append(repeat(" ", room - used))
    return recipe(*parts, lit(after))
