"""The v2 rule for uid text: what a builder accepts before hashing a uid.

A uid must be non-empty, in Unicode Normalization Form C, with no control characters
(general category Cc) and no leading or trailing white space (``uid == uid.strip()``).
Two accounts that differ only in normalisation or invisible spaces would otherwise look
identical to their owners.  Builders refuse such a uid, naming the row; verifiers bring
the uid a customer types to NFC before hashing (:mod:`solvent.protocol.v2.inclusion`).
The hashing itself is v1's (:mod:`solvent.protocol.ids`), unchanged.
"""

from __future__ import annotations

import unicodedata

from solvent.protocol.errors import FormatError
from solvent.protocol.ids import check_uid as check_uid_v1

__all__ = ["check_uid"]


def check_uid(uid: object) -> str:
    """Return ``uid`` if it obeys the v2 rule; FormatError saying which part it breaks."""
    text = check_uid_v1(uid)  # non-empty str, no Cc, no lone surrogate
    if text != text.strip():
        raise FormatError(
            f"uid {text[:40]!r} has leading or trailing white space", evidence={"field": "uid"}
        )
    if not unicodedata.is_normalized("NFC", text):
        raise FormatError(
            f"uid {text[:40]!r} is not in Unicode Normalization Form C (NFC)", evidence={"field": "uid"}
        )
    return text
