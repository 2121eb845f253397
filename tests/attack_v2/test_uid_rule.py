"""Attack: look-alike uids (THREATS L21, "invisible spaces").

The v2 uid rule refuses Cc controls, outer white space and non-NFC text, but a format
character (category Cf) passes: ``alice`` and ``alice`` + U+200B ZERO WIDTH SPACE, or a
uid with U+202E RIGHT-TO-LEFT OVERRIDE, are two accounts that look identical (or
reversed) to their owners.  The builder accepts both in one ledger.
"""

from __future__ import annotations

import pytest

from solvent.protocol.errors import FormatError
from solvent.protocol.v2.accounts import check_uid


@pytest.mark.xfail(strict=True, reason="SPEC-v2 §2 refuses Cc only; Cf invisibles (ZWSP, bidi, BOM) pass the builder")
@pytest.mark.parametrize("uid", ["alice\u200b", "al\u202eice", "\u2066alice", "ali\ufeffce", "al\u200dice"])
def test_invisible_format_characters_in_a_uid_are_refused(uid: str) -> None:
    with pytest.raises(FormatError):
        check_uid(uid)


@pytest.mark.parametrize("uid", ["e\u0301", " bob", "bob\u00a0", "a\u0007b", "\u3000x"])
def test_held_up_non_nfc_outer_space_and_controls_are_refused(uid: str) -> None:
    with pytest.raises(FormatError):
        check_uid(uid)
