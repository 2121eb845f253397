"""The one proof look-up (pipeline.lookup): the object a server keeps open, and proof_bytes, its one-shot use."""

from __future__ import annotations

from pathlib import Path

import pytest

from solvent.pipeline.lookup import SnapshotProofs, proof_bytes
from solvent.protocol.errors import FormatError, InputError, NotFound
from solvent.protocol.ids import parse_hashed_id
from solvent.tree.store import level_file
from tests.web.snapshots import DemoSnapshot, make_snapshot


@pytest.fixture(scope="module")
def snap(tmp_path_factory: pytest.TempPathFactory) -> DemoSnapshot:
    return make_snapshot(
        tmp_path_factory.mktemp("lookup"), snapshot_id="s1", taken_at="2026-01-01T00:00:00Z", accounts=9
    )


def test_the_object_and_the_one_shot_give_the_same_bytes(snap: DemoSnapshot) -> None:
    with SnapshotProofs.open(snap.directory) as proofs:
        assert proofs.snapshot_id == "s1"
        for account in snap.accounts:
            data = proofs.proof(account.hashed_id)
            assert data == proof_bytes(snap.directory, account.hashed_id)
            assert data == proofs.proof_at(proofs.reader.find(bytes.fromhex(account.hashed_id)) or 0)


@pytest.mark.parametrize("dressed", ["  {}\n", "{upper}", "\t{upper} "])
def test_ids_as_customers_paste_them(snap: DemoSnapshot, dressed: str) -> None:
    account = snap.accounts[0]
    text = dressed.format(account.hashed_id, upper=account.hashed_id.upper())
    with SnapshotProofs.open(snap.public) as proofs:  # the public/ folder is accepted too
        assert proofs.proof(text) == proofs.proof(account.hashed_id)


@pytest.mark.parametrize("text", ["", "ab" * 31, "0" * 63 + "g", "0" * 32 + " " + "0" * 31, "0x" + "0" * 62])
def test_malformed_ids_are_the_one_rule_s_input_errors(snap: DemoSnapshot, text: str) -> None:
    with pytest.raises(InputError) as expected:
        parse_hashed_id(text)
    assert expected.value.code == "hex"
    with SnapshotProofs.open(snap.directory) as proofs, pytest.raises(InputError) as got:
        proofs.proof(text)
    assert (got.value.code, got.value.message, got.value.evidence) == (
        "hex",
        expected.value.message,
        expected.value.evidence,
    )


def test_a_malformed_id_fails_before_any_file_is_opened(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="64 hex digits"):
        proof_bytes(tmp_path / "no-such-snapshot", "xyz")


def test_an_absent_id_is_not_found_with_its_evidence(snap: DemoSnapshot) -> None:
    with SnapshotProofs.open(snap.directory) as proofs, pytest.raises(NotFound) as e:
        proofs.proof("cd" * 32)
    assert e.value.code == "not-found"
    assert e.value.evidence == {"hashed_id": "cd" * 32, "snapshot_id": "s1"}


def test_a_truncated_tree_file_is_refused_when_opened(snap: DemoSnapshot, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(snap.directory, copy)
    level = copy / "public" / level_file(1)
    level.write_bytes(level.read_bytes()[:-1])
    with pytest.raises(FormatError, match="expected"):
        SnapshotProofs.open(copy)
