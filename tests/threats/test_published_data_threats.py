"""THREATS.md rows L2, L4, L8, L10, L11, L15 on published files: a cheating exchange edits its
own data and even re-signs the manifest; the audit (or the customer) still catches it, naming
the row, node or field."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from solvent.protocol.errors import FileDigestMismatch, IdMismatch, NegativeBalance, OrderViolation, SolventError
from solvent.protocol.ids import verify_hashed_id
from solvent.protocol.manifest import parse_manifest
from solvent.protocol.proof import parse_proof
from solvent.publish.keys import load_signing_key
from tests.auditors import Auditor, run_audit
from tests.cli.conftest import KAT, build_kat, solvent

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_kat(tmp_path_factory.mktemp("kat-threats"))


@pytest.fixture
def snap(built: Path, tmp_path: Path) -> Path:
    """A fresh copy of the KAT snapshot (with its keys beside it) for each test to tamper with."""
    shutil.copytree(built.parent, tmp_path / "exchange")
    return tmp_path / "exchange" / "snap"


def resign(snap: Path) -> None:
    """What a cheating exchange does after editing its files: new digests, a valid signature."""
    public = snap / "public"
    manifest = json.loads((public / "snapshot.json").read_text())
    for name in manifest["files"]:
        manifest["files"][name] = hashlib.sha256((public / name).read_bytes()).hexdigest()
    data = (json.dumps(manifest, indent=2) + "\n").encode()
    (public / "snapshot.json").write_bytes(data)
    key = load_signing_key(snap.parent / "keys" / "signing.key")
    (public / "snapshot.json.sig").write_text(key.sign(data).hex() + "\n")


def edit_csv(snap: Path, row: int, text: str) -> None:
    path = snap / "public" / "liabilities.csv"
    lines = path.read_text().split("\n")
    lines[row] = text
    path.write_text("\n".join(lines))


def audit(snap: Path, auditor: Auditor) -> tuple[int, dict]:
    """The audit of the folder by one auditor, as ``solvent audit --json`` reports it."""
    return run_audit(auditor, snap / "public")


def test_the_untampered_snapshot_passes_and_the_cli_agrees(snap: Path, auditor: Auditor) -> None:
    code, out = audit(snap, auditor)
    assert code == 0
    cli = json.loads(solvent("audit", snap / "public", "--json").stdout)
    assert cli["valid"] and cli["files_checked"] == out["files_checked"]


def test_l2_negative_balance_in_published_data_fails_the_audit(snap: Path, auditor: Auditor) -> None:
    row = KAT["liabilities_csv"].split("\n")[2]
    edit_csv(snap, 2, row.replace("1.50000000", "-1.50000000"))
    resign(snap)
    code, out = audit(snap, auditor)
    assert code == 1 and out["error"] == NegativeBalance.code
    assert out["evidence"]["row"] == "2" and out["evidence"]["field"] == "BTC"


@pytest.mark.parametrize("digits", [40, 5000])
def test_l3_an_amount_of_thousands_of_digits_is_out_of_range_not_a_crash(
    snap: Path, auditor: Auditor, digits: int
) -> None:
    """A canonical-looking amount longer than Python converts to int (4300 digits) is an
    out-of-range value named with its row, as one of 40 digits is."""
    row = KAT["liabilities_csv"].split("\n")[2]
    edit_csv(snap, 2, row.replace("1.50000000", "1" * digits + ".50000000"))
    resign(snap)
    code, out = audit(snap, auditor)
    assert code == 1 and out["error"] == "format", out
    assert out["evidence"]["row"] == "2" and "not below 2^128" in out["message"]


def test_l4_tampered_csv_row_is_named_even_when_re_signed(snap: Path, auditor: Auditor) -> None:
    row = KAT["liabilities_csv"].split("\n")[4]  # bob, row 4
    edit_csv(snap, 4, row.replace("0.00000001", "0.00000000"))  # hide 1 satoshi of liabilities
    resign(snap)
    code, out = audit(snap, auditor)
    assert code == 1 and out["error"] == FileDigestMismatch.code
    assert out["evidence"]["file"] == "tree/level-00.bin" and out["evidence"]["first_difference"] == "row 4"


def test_l4_tampered_inner_node_is_named(snap: Path, auditor: Auditor) -> None:
    level = snap / "public" / "tree" / "level-02.bin"
    raw = bytearray(level.read_bytes())
    raw[80 + 32 + 15] ^= 1  # node 1's BTC sum, lowest byte
    level.write_bytes(bytes(raw))
    resign(snap)
    code, out = audit(snap, auditor)
    assert code == 1 and out["evidence"]["file"] == "tree/level-02.bin"
    assert out["evidence"]["first_difference"] == "node 1"


def test_l4_tampered_file_without_a_new_signature(snap: Path, auditor: Auditor) -> None:
    edit_csv(snap, 1, KAT["liabilities_csv"].split("\n")[1].replace("0.00", "5.00"))
    code, out = audit(snap, auditor)
    assert code == 1 and out["error"] == FileDigestMismatch.code and out["evidence"]["file"] == "liabilities.csv"


def test_l8_duplicate_id_fails_the_audit(snap: Path, auditor: Auditor) -> None:
    rows = KAT["liabilities_csv"].split("\n")
    edit_csv(snap, 2, rows[1])  # row 2 repeats row 1's id (a clash: two users, one leaf)
    resign(snap)
    code, out = audit(snap, auditor)
    assert code == 1 and out["error"] == OrderViolation.code and out["evidence"]["row"] == "2"


def test_l8_a_leaf_shown_to_two_customers_fails_for_the_one_it_is_not(snap: Path) -> None:
    alice, bob = (next(a for a in KAT["accounts"] if a["uid"] == u) for u in ("alice", "bob"))
    proof = parse_proof(solvent("prove", snap, alice["hashed_id"]).stdout.encode())
    verify_hashed_id(proof.leaf.hashed_id, bytes.fromhex(alice["user_secret"]), proof.snapshot_id, "alice")
    with pytest.raises(IdMismatch):
        verify_hashed_id(proof.leaf.hashed_id, bytes.fromhex(bob["user_secret"]), proof.snapshot_id, "bob")


def test_l10_guessing_uids_finds_nobody_in_the_published_csv(tmp_path: Path) -> None:
    """Uids 1..10^5 tried against a published CSV under every scheme an outsider could compute;
    the same attack on an unsalted scheme (a control) recovers every account."""
    ledger = tmp_path / "ledger.csv"
    uids = [str(u) for u in range(1, 2001, 7)]
    ledger.write_text("uid,BTC\n" + "".join(f"{u},1\n" for u in uids))
    assert solvent("keygen", "--out", tmp_path / "k").returncode == 0
    assert solvent("build", ledger, "--assets", "BTC:8", "--snapshot-id", "s1", "--out", tmp_path / "s",
                   "--master-key-file", tmp_path / "k" / "master.key",
                   "--signing-key-file", tmp_path / "k" / "signing.key").returncode == 0
    published = {line.split(",")[0] for line in (tmp_path / "s" / "public" / "liabilities" / "BTC.csv").read_text()
                 .splitlines()[1:]}
    assert len(published) == len(uids)

    def guesses(uid: str) -> list[str]:
        b = uid.encode()
        return [
            hashlib.sha256(b).hexdigest(),
            hashlib.sha256(b"s1" + b).hexdigest(),
            hmac.new(b, b"s1", hashlib.sha256).hexdigest(),
            hmac.new(hashlib.sha256(b).digest(), b"s1" + b, hashlib.sha256).hexdigest(),
        ]

    found = {g for u in range(1, 100_001) for g in guesses(str(u))} & published
    assert not found
    control = {hashlib.sha256(u.encode()).hexdigest() for u in uids}
    assert {g for u in range(1, 100_001) for g in guesses(str(u))} >= control


@pytest.mark.parametrize("protocol", [1, 2])
def test_l11_an_excluded_customer_finds_out(tmp_path: Path, protocol: int) -> None:
    """Day 1 includes bob; day 2's snapshot leaves him out: his look-up fails and his saved
    proof does not verify against the new manifest (v1 snapshots from the library's v1
    builder, v2 ones from ``solvent build``)."""
    build_kat(tmp_path / "d1")
    bob = next(a for a in KAT["accounts"] if a["uid"] == "bob")
    ledger1 = tmp_path / "d1" / "ledger.csv"
    (tmp_path / "d2").mkdir()
    ledger2 = tmp_path / "d2" / "ledger.csv"
    ledger2.write_text("\n".join(line for line in ledger1.read_text().splitlines()
                                 if not line.startswith("bob,")) + "\n")
    keys = tmp_path / "d1" / "keys"

    def build(ledger: Path, out: Path) -> Path:
        if protocol == 1:
            from solvent.pipeline.build import BuildRequest, build_snapshot
            from solvent.protocol.assets import parse_asset_list

            return build_snapshot(BuildRequest(
                ledger=ledger, assets=parse_asset_list("BTC:8,ETH:8,USD:2"), snapshot_id=KAT["snapshot_id"],
                master_key_file=keys / "master.key", signing_key_file=keys / "signing.key", out=out,
            )).out
        assert solvent("build", ledger, "--assets", "BTC:8,ETH:8,USD:2", "--snapshot-id", KAT["snapshot_id"],
                       "--master-key-file", keys / "master.key", "--signing-key-file", keys / "signing.key",
                       "--out", out).returncode == 0
        return out

    day1 = build(ledger1, tmp_path / "d1" / f"snap{protocol}") if protocol == 2 else tmp_path / "d1" / "snap"
    if protocol == 2:  # v2 derives ids by its own rule: bob's is in the operator's users.csv
        users = (day1 / "private" / "users.csv").read_text().splitlines()
        bob = dict(zip(users[0].split(","), next(r for r in users if r.startswith("bob,")).split(","), strict=True))
    saved = tmp_path / "bob.json"
    assert solvent("prove", day1, bob["hashed_id"], "-o", saved).returncode == 0
    assert json.loads(saved.read_text())["format"] == f"solvent-proof/{protocol}"
    day2 = build(ledger2, tmp_path / "d2" / "snap")
    lookup = solvent("prove", day2, bob["hashed_id"])
    assert lookup.returncode == 1 and "not in snapshot" in lookup.stderr
    against_old = solvent("verify", saved, "--snapshot", day1 / "public" / "snapshot.json")
    assert against_old.returncode == 0, against_old.stderr
    against_new = solvent("verify", saved, "--snapshot", day2 / "public" / "snapshot.json")
    assert against_new.returncode == 1 and "root" in against_new.stderr, against_new.stderr
    manifest = json.loads((day2 / "public" / "snapshot.json").read_text())
    if protocol == 1:
        assert manifest["root"]["leaf_count"] == 4
    else:
        assert manifest["accounts"] == 3  # carol holds nothing: no v2 tree lists her


def test_l15_csv_written_with_other_decimals_fails_the_audit(snap: Path, auditor: Auditor) -> None:
    row = KAT["liabilities_csv"].split("\n")[2]
    edit_csv(snap, 2, row.replace("1.50000000", "1.500000000000000000"))  # BTC with 18 decimals
    resign(snap)
    code, out = audit(snap, auditor)
    assert code == 1 and out["evidence"]["field"] == "BTC" and out["evidence"]["row"] == "2"


def test_l15_manifest_decimals_change_breaks_proofs(snap: Path) -> None:
    alice = next(a for a in KAT["accounts"] if a["uid"] == "alice")
    proof = parse_proof(solvent("prove", snap, alice["hashed_id"]).stdout.encode())
    other = replace(proof, assets=(proof.assets[0], replace(proof.assets[1], decimals=18), proof.assets[2]))
    manifest = parse_manifest((snap / "public" / "snapshot.json").read_bytes())
    from solvent.protocol.inclusion import verify_inclusion

    verify_inclusion(proof, manifest)
    with pytest.raises(SolventError) as e:
        verify_inclusion(other, manifest)
    assert e.value.code == "manifest-mismatch"


def test_l4_tree_files_are_compared_even_when_the_manifest_binds_only_some(snap: Path, auditor: Auditor) -> None:
    """A re-signed manifest that stops binding ids.bin cannot hide a tampered level file."""
    level = snap / "public" / "tree" / "level-01.bin"
    raw = bytearray(level.read_bytes())
    raw[0] ^= 1
    level.write_bytes(bytes(raw))
    manifest = json.loads((snap / "public" / "snapshot.json").read_text())
    del manifest["files"]["tree/ids.bin"]
    (snap / "public" / "snapshot.json").write_text(json.dumps(manifest, indent=2) + "\n")
    resign(snap)
    code, out = audit(snap, auditor)
    assert code == 1 and out["evidence"]["file"] == "tree/level-01.bin"
    assert out["evidence"]["first_difference"] == "node 0"


def test_l4_a_bound_file_of_another_tree_shape_is_refused(snap: Path, auditor: Auditor) -> None:
    extra = snap / "public" / "tree" / "level-04.bin"
    extra.write_bytes(b"\x00" * 80)
    manifest = json.loads((snap / "public" / "snapshot.json").read_text())
    manifest["files"]["tree/level-04.bin"] = hashlib.sha256(extra.read_bytes()).hexdigest()
    (snap / "public" / "snapshot.json").write_text(json.dumps(manifest, indent=2) + "\n")
    resign(snap)
    code, out = audit(snap, auditor)
    assert code == 1 and out["evidence"]["file"] == "tree/level-04.bin"


def test_l18_millions_of_blank_lines_fail_before_any_allocation(snap: Path, auditor: Auditor) -> None:
    path = snap / "public" / "liabilities.csv"
    path.write_bytes(path.read_bytes() + b"\n" * 5_000_000)
    resign(snap)
    code, out = audit(snap, auditor)
    assert code == 1 and out["error"] == "leaf-count"
