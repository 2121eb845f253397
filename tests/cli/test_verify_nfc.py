"""A uid typed in decomposed Unicode is the customer's own uid, not "somebody else's".

Keyboards and copy-paste give "café" as one code point or as "e" and a combining accent.
``solvent verify --uid`` brings the typed uid to NFC first (v2 requires NFC of every uid);
a v1 snapshot, whose ledger was never held to NFC, is then tried with the uid exactly as
typed.  Either match proves the id is derived from this secret and a uid that looks like
the typed one.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from solvent.protocol.ids import hashed_id, user_secret
from tests.cli.conftest import KAT_V2, solvent
from tests.conformance.proofs import KAT, _proof, dump

pytestmark = pytest.mark.integration

NFC = "caf\u00e9"
NFD = unicodedata.normalize("NFD", NFC)
MASTER = bytes(range(32))


def _v1_proof(tmp_path: Path, owner: str) -> tuple[Path, str]:
    """A v1 proof of ``owner``'s leaf in a two-account tree whose uids are café in NFC and in NFD."""
    sid = KAT["snapshot_id"]
    accounts = [(hashed_id(user_secret(MASTER, uid), sid, uid), [1, 0, 0]) for uid in (NFC, NFD)]
    mine = hashed_id(user_secret(MASTER, owner), sid, owner)
    index = sorted(accounts).index(next(a for a in accounts if a[0] == mine))
    path = tmp_path / "proof.json"
    path.write_bytes(dump(_proof(sid, KAT["assets"], accounts, index)))
    return path, user_secret(MASTER, owner).hex()


def test_a_v1_uid_typed_decomposed_is_recognised(tmp_path: Path) -> None:
    proof, secret = _v1_proof(tmp_path, NFC)
    result = solvent("verify", proof, "--unanchored", "--uid", NFD, "--secret", secret)
    assert result.returncode == 0, result.stderr
    assert "recomputed from your uid and secret" in result.stdout


def test_a_v1_ledger_uid_in_nfd_still_verifies_as_typed(tmp_path: Path) -> None:
    proof, secret = _v1_proof(tmp_path, NFD)
    assert solvent("verify", proof, "--unanchored", "--uid", NFD, "--secret", secret).returncode == 0
    other = solvent("verify", proof, "--unanchored", "--uid", "cafe", "--secret", secret)
    assert other.returncode == 1 and "somebody else" in other.stderr


def test_a_v2_uid_typed_decomposed_is_recognised(kat_v2_snapshot: Path, tmp_path: Path) -> None:
    muller = next(a for a in KAT_V2["accounts"] if a["uid"].startswith("m\u00fcller"))
    typed = unicodedata.normalize("NFD", muller["uid"])
    assert typed != muller["uid"]
    proof = tmp_path / "p.json"
    assert solvent("prove", kat_v2_snapshot, muller["hashed_id"], "-o", proof).returncode == 0
    result = solvent("verify", proof, "--snapshot", kat_v2_snapshot / "public" / "snapshot.json",
                     "--uid", typed, "--secret", muller["user_secret"], "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["owner_checked"] is True
