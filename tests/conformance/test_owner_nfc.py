"""The page's check that a v1 leaf is the customer's takes a uid typed in decomposed Unicode
(verifyOwnerV1: NFC first, then as typed), exactly as ``solvent verify`` does."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

from solvent.protocol.ids import hashed_id, user_secret
from tests.conformance.test_differential import needs_node, run_node

NFC = "caf\u00e9"
NFD = unicodedata.normalize("NFD", NFC)
MASTER = bytes(range(32))
SID = "2026-11-23"


def _doc(ledger_uid: str, typed: str) -> bytes:
    secret = user_secret(MASTER, ledger_uid)
    expected = hashed_id(secret, SID, ledger_uid)
    return json.dumps({"expected": expected.hex(), "secret": secret.hex(), "snapshot_id": SID, "uid": typed}).encode()


@needs_node
def test_the_page_recognises_a_decomposed_uid(tmp_path: Path) -> None:
    docs = [_doc(NFC, NFD), _doc(NFC, NFC), _doc(NFD, NFD), _doc(NFD, NFC), _doc(NFC, "cafe")]
    # NFC ledger, typed either way: yours; NFD (v1) ledger typed NFD: yours, as typed; an NFD
    # ledger typed NFC, or another uid: not derived from what was typed.
    assert run_node(tmp_path, "owner-v1", docs) == [None, None, None, "id-mismatch", "id-mismatch"]
