"""Look-alike uids (THREATS L21): the v2 uid rule (SPEC-v2 §2) refuses non-NFC text, outer
white space and control characters.  Format characters (category Cf: U+200B, U+202E…)
are not refused by SPEC-v2 §2, and solvent follows the spec's bytes; that gap is reported
to the spec's owners rather than closed here by a rule of our own."""

from __future__ import annotations

import pytest

from solvent.protocol.errors import FormatError
from solvent.protocol.v2.accounts import check_uid


@pytest.mark.parametrize("uid", ["e\u0301", " bob", "bob\u00a0", "a\u0007b", "\u3000x"])
def test_held_up_non_nfc_outer_space_and_controls_are_refused(uid: str) -> None:
    with pytest.raises(FormatError):
        check_uid(uid)
