"""The v2 audit (docs/spec.md §13.6 (The full data and the tree files)) by both auditors:
the KAT v2 snapshot and random sparse ledgers pass; one tamper per check fails with its
error, the same error from both; a subset of assets is a partial audit; a tiny chunk size
gives the same result (memory bounded by the chunk)."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from pathlib import Path

import pytest

from solvent.pipeline.audit_common import AuditResult
from solvent.protocol.amounts import format_units
from solvent.protocol.errors import InputError
from solvent.protocol.layout import MANIFEST_FILE
from solvent.protocol.signed_manifest import load_signed_any_manifest
from solvent.protocol.strictjson import dumps_canonical
from solvent.publish.keys import load_signing_key
from tests.pipeline.v2_snapshots import (
    AUDITORS,
    KAT,
    KAT_ASSETS,
    both,
    build,
    build_kat,
    copy,
    manifest_of,
    outcome,
    random_ledger,
    resign,
    root_of,
    with_root,
)


@pytest.fixture(scope="module")
def kat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_kat(tmp_path_factory.mktemp("kat-v2"))


@pytest.fixture
def snap(kat: Path, tmp_path: Path) -> Path:
    return copy(kat, tmp_path)


def csv(out: Path, symbol: str) -> Path:
    return out / "public" / "liabilities" / f"{symbol}.csv"


def rows(out: Path, symbol: str) -> list[str]:
    return csv(out, symbol).read_text().splitlines()[1:]


def write_rows(out: Path, symbol: str, lines: list[str]) -> None:
    csv(out, symbol).write_text("".join(f"{line}\n" for line in ["hashed_id,amount", *lines]))


def set_amount(out: Path, symbol: str, row: int, amount: str) -> None:
    lines = rows(out, symbol)
    lines[row - 1] = lines[row - 1].split(",")[0] + "," + amount
    write_rows(out, symbol, lines)


def passed(result: tuple[object, ...]) -> AuditResult:
    assert result[0] == "passed", result
    assert isinstance(result[1], AuditResult)
    return result[1]


# -- passing snapshots ---------------------------------------------------------------


def test_the_kat_v2_snapshot_passes_with_its_totals_and_accounts(kat: Path) -> None:
    result = passed(both(kat))
    assert result.version == 2 and not result.partial
    want = [sum(int(a["balances"].get(asset.symbol, 0)) for a in KAT["accounts"]) for asset in KAT_ASSETS]
    assert list(result.totals) == want
    assert [v.symbol for v in result.assets] == [a.symbol for a in KAT_ASSETS]
    assert [v.leaf_count for v in result.assets] == [5, 4, 1, 0]
    assert result.accounts == 5 == KAT["manifest"]["accounts"]
    # Everything the manifest binds was checked, every tree file compared, the index rebuilt.
    assert set(result.files_checked) == set(manifest_of(kat).files)
    assert result.index_compared == ("tree/accounts.bin", "tree/positions.bin")
    assert result.assets[0].tree_files_compared == tuple(
        f"tree/BTC/{n}" for n in ("ids.bin", "level-00.bin", "level-01.bin", "level-02.bin", "level-03.bin")
    )
    assert result.assets[3].tree_files_compared == ("tree/DOGE/ids.bin", "tree/DOGE/level-00.bin")


def test_the_empty_tree_csv_is_the_header_alone(kat: Path) -> None:
    assert csv(kat, "DOGE").read_bytes() == b"hashed_id,amount\n"
    assert root_of(manifest_of(kat), "DOGE").leaf_count == 0


@pytest.mark.parametrize("seed", range(6))
def test_random_sparse_ledgers_pass(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    assets, ledger = random_ledger(rng)
    out = build(tmp_path, assets, ledger)
    result = passed(both(out))
    assert list(result.totals) == [sum(r[j] for _, r in ledger) for j in range(len(assets))]
    assert result.accounts == sum(1 for _, r in ledger if any(r))
    assert [v.leaf_count for v in result.assets] == [sum(1 for _, r in ledger if r[j]) for j in range(len(assets))]


@pytest.mark.parametrize("seed", range(3))
def test_a_changed_amount_in_a_random_ledger_is_caught(tmp_path: Path, seed: int) -> None:
    rng = random.Random(100 + seed)
    assets, ledger = random_ledger(rng)
    while not any(any(r) for _, r in ledger):
        assets, ledger = random_ledger(rng)
    out = build(tmp_path, assets, ledger)
    held = [j for j in range(len(assets)) if any(r[j] for _, r in ledger)]
    j = rng.choice(held)
    symbol, decimals = assets[j].symbol, assets[j].decimals
    row = rng.randrange(len(rows(out, symbol))) + 1
    amount = int(rows(out, symbol)[row - 1].split(",")[1].replace(".", ""))
    set_amount(out, symbol, row, format_units(amount + 1, decimals))
    resign(out)
    result = both(out)
    assert result[1] == "file-digest" and result[3]["file"] == f"tree/{symbol}/level-00.bin", result
    assert result[3]["first_difference"] == f"row {row}"


# -- one tamper per check ----------------------------------------------------------------

Tamper = Callable[[Path], None]


def _amount_changed(out: Path) -> None:
    set_amount(out, "BTC", 2, "0.00100001")
    resign(out)


def _amount_changed_tree_withdrawn(out: Path) -> None:
    set_amount(out, "BTC", 2, "0.00100001")
    for f in (out / "public" / "tree" / "BTC").iterdir():
        f.unlink()
    m = manifest_of(out)
    resign(out, dataclasses.replace(m, files={k: v for k, v in m.files.items() if not k.startswith("tree/BTC/")}))


def _out_of_order(out: Path) -> None:
    lines = rows(out, "BTC")
    lines[1], lines[2] = lines[2], lines[1]
    write_rows(out, "BTC", lines)
    resign(out)


def _id_twice(out: Path) -> None:
    lines = rows(out, "BTC")
    lines[2] = lines[1].split(",")[0] + "," + lines[2].split(",")[1]
    write_rows(out, "BTC", lines)
    resign(out)


def _zero_amount(out: Path) -> None:
    set_amount(out, "BTC", 4, "0.00000000")
    resign(out)


def _moved_to_another_asset(out: Path) -> None:
    lines = rows(out, "BTC")
    write_rows(out, "DOGE", [lines.pop()])  # DOGE has BTC's decimals: the row parses there
    write_rows(out, "BTC", lines)
    resign(out)


def _csv_not_its_digest(out: Path) -> None:
    set_amount(out, "BTC", 1, "1.50000001")


def _wrong_accounts(out: Path) -> None:
    resign(out, dataclasses.replace(manifest_of(out), accounts=6))


def _wrong_sum(out: Path) -> None:
    m = manifest_of(out)
    resign(out, with_root(m, "BTC", sum=root_of(m, "BTC").sum + 1))


def _wrong_hash(out: Path) -> None:
    resign(out, with_root(manifest_of(out), "ETH", hash=bytes(range(32))))


def _wrong_leaf_count(out: Path) -> None:
    resign(out, with_root(manifest_of(out), "ETH", leaf_count=3))


def _wrong_height(out: Path) -> None:
    # The v2 manifest parser refuses a height that is not the smallest for the leaf count,
    # so the resigned manifest is written by hand.
    path = out / "public" / MANIFEST_FILE
    obj = manifest_of(out).to_dict()
    obj["assets"][0]["root"]["height"] = 4
    path.write_bytes(dumps_canonical(obj))

    key = load_signing_key(out.parent / "signing.key")
    (out / "public" / "snapshot.json.sig").write_text(key.sign(path.read_bytes()).hex() + "\n")


def _truncated_tree_file(out: Path) -> None:
    path = out / "public" / "tree" / "BTC" / "level-01.bin"
    path.write_bytes(path.read_bytes()[:-48])


def _missing_csv(out: Path) -> None:
    csv(out, "JPY").unlink()


def _padding_id(out: Path) -> None:
    lines = rows(out, "BTC")
    lines[0] = "0" * 64 + "," + lines[0].split(",")[1]
    write_rows(out, "BTC", lines)
    resign(out)


def _negative(out: Path) -> None:
    set_amount(out, "BTC", 3, "-0.00100000")
    resign(out)


def _too_many_decimals(out: Path) -> None:
    set_amount(out, "BTC", 3, "0.001000000")
    resign(out)


def _overflow(out: Path) -> None:
    # alice holds 2^127 wei; a second 2^127 makes the ETH sum reach 2^128.
    lines = rows(out, "ETH")
    big = next(i for i, line in enumerate(lines) if int(line.split(",")[1].replace(".", "")) != 2**127)
    set_amount(out, "ETH", big + 1, format_units(2**127, 18))
    resign(out)


def _accounts_bin_edited(out: Path) -> None:
    path = out / "public" / "tree" / "accounts.bin"
    raw = bytearray(path.read_bytes())
    raw[45] ^= 1  # the second account's id
    path.write_bytes(bytes(raw))
    resign(out)


def _positions_bin_truncated(out: Path) -> None:
    path = out / "public" / "tree" / "positions.bin"
    path.write_bytes(path.read_bytes()[:-10])


def _ids_bin_edited(out: Path) -> None:
    path = out / "public" / "tree" / "ETH" / "ids.bin"
    raw = bytearray(path.read_bytes())
    raw[32 * 2] ^= 0x80
    path.write_bytes(bytes(raw))
    resign(out)


def _header(out: Path) -> None:
    csv(out, "ETH").write_text(csv(out, "ETH").read_text().replace("hashed_id,amount", "hashed_id,ETH", 1))
    resign(out)


def _stray_tree_file(out: Path) -> None:
    m = manifest_of(out)
    resign(out, dataclasses.replace(m, files={**m.files, "tree/BTC/level-09.bin": "00" * 32}), rebind=False)


def _bad_row_and_order_problem(out: Path) -> None:
    """A bad value (row 5) is named before an order violation earlier in the file (row 2)."""
    lines = rows(out, "BTC")
    lines[0], lines[1] = lines[1], lines[0]
    lines[4] = lines[4].split(",")[0] + ",1.5"
    write_rows(out, "BTC", lines)
    resign(out)


def _raw_row(text: bytes) -> Tamper:
    def tamper(out: Path) -> None:
        lines = csv(out, "BTC").read_bytes().split(b"\n")
        lines[3] = text
        csv(out, "BTC").write_bytes(b"\n".join(lines))
        resign(out)

    return tamper


def _bound_extra_file_changed(out: Path) -> None:
    extra = out / "public" / "reserves.json"
    extra.write_text("{}\n")
    m = manifest_of(out)
    resign(out, dataclasses.replace(m, files={**m.files, "reserves.json": "00" * 32}))  # rebinds its digest
    extra.write_text("{ }\n")


def _bound_extra_file_missing(out: Path) -> None:
    _bound_extra_file_changed(out)
    (out / "public" / "reserves.json").unlink()


#: (tamper, expected code, evidence that must be in the error)
TAMPERS: dict[str, tuple[Tamper, str, dict[str, str]]] = {
    "changed amount (tree files left)": (
        _amount_changed,
        "file-digest",
        {"file": "tree/BTC/level-00.bin", "first_difference": "row 2"},
    ),
    "changed amount (tree files withdrawn)": (_amount_changed_tree_withdrawn, "root-mismatch", {"asset": "BTC"}),
    "id out of order": (_out_of_order, "order", {"file": "liabilities/BTC.csv", "row": "3"}),
    "id twice in one tree": (_id_twice, "order", {"file": "liabilities/BTC.csv", "row": "3"}),
    "zero amount row": (_zero_amount, "range", {"file": "liabilities/BTC.csv", "row": "4"}),
    "row moved to another asset's CSV": (
        _moved_to_another_asset,
        "leaf-count",
        {"asset": "BTC", "rows": "4", "failed_assets": "BTC,DOGE"},
    ),
    "CSV not matching its digest": (_csv_not_its_digest, "file-digest", {"file": "liabilities/BTC.csv"}),
    "wrong accounts": (_wrong_accounts, "manifest-mismatch", {"field": "accounts", "expected": "6", "computed": "5"}),
    "wrong root sum": (_wrong_sum, "root-mismatch", {"asset": "BTC"}),
    "wrong root hash": (_wrong_hash, "root-mismatch", {"asset": "ETH"}),
    "wrong leaf_count": (_wrong_leaf_count, "leaf-count", {"asset": "ETH", "rows": "4", "leaf_count": "3"}),
    "wrong height": (_wrong_height, "height", {"asset": "BTC", "height": "4"}),
    "truncated tree file": (
        _truncated_tree_file,
        "file-digest",
        {"file": "tree/BTC/level-01.bin", "first_difference": "node 2"},
    ),
    "missing CSV": (_missing_csv, "file-digest", {"file": "liabilities/JPY.csv"}),
    "padding id": (_padding_id, "order", {"file": "liabilities/BTC.csv", "row": "1"}),
    "negative amount": (_negative, "negative-balance", {"file": "liabilities/BTC.csv", "row": "3"}),
    "too many decimals": (_too_many_decimals, "format", {"file": "liabilities/BTC.csv", "row": "3"}),
    "sum overflow": (_overflow, "sum-overflow", {"asset": "ETH"}),
    "accounts.bin edited": (_accounts_bin_edited, "file-digest", {"file": "tree/accounts.bin"}),
    "positions.bin truncated": (_positions_bin_truncated, "file-digest", {"file": "tree/positions.bin"}),
    "ids.bin edited": (_ids_bin_edited, "file-digest", {"file": "tree/ETH/ids.bin", "first_difference": "row 3"}),
    "CSV header": (_header, "format", {"line": "1"}),
    "stray tree file bound": (_stray_tree_file, "file-digest", {"file": "tree/BTC/level-09.bin"}),
    "bad value before order": (_bad_row_and_order_problem, "format", {"row": "5"}),
    "bound extra file changed": (_bound_extra_file_changed, "file-digest", {"file": "reserves.json"}),
    "bound extra file missing": (_bound_extra_file_missing, "file-digest", {"file": "reserves.json"}),
    "row not UTF-8": (_raw_row(b"\xff" * 64 + b",1.00000000"), "format", {"row": "3"}),
    "row of three fields": (_raw_row(b"a" * 64 + b",1.00000000,2"), "format", {"row": "3"}),
    "blank row": (_raw_row(b""), "format", {"row": "3"}),
    "upper-case id": (_raw_row(b"A" * 64 + b",1.00000000"), "format", {"row": "3", "field": "hashed_id"}),
}


@pytest.mark.parametrize("name", list(TAMPERS))
def test_each_tamper_fails_with_its_error_in_both_auditors(snap: Path, name: str) -> None:
    tamper, code, evidence = TAMPERS[name]
    assert passed(outcome(AUDITORS["vectorised"], snap))  # the control: the untouched copy passes
    tamper(snap)
    result = both(snap)
    assert result[1] == code, result
    assert {k: result[3].get(k) for k in evidence} == evidence, result


def test_the_errors_survive_worker_processes(snap: Path) -> None:
    """Two workers: the same error (a failed asset's error crosses the process boundary)."""
    _zero_amount(snap)
    assert outcome(AUDITORS["vectorised"], snap, workers=2) == outcome(AUDITORS["vectorised"], snap)


def test_two_workers_give_the_same_result(kat: Path) -> None:
    assert passed(outcome(AUDITORS["vectorised"], kat, workers=2)) == passed(outcome(AUDITORS["vectorised"], kat))


# -- memory bounded by the chunk ------------------------------------------------------------


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 5])
def test_a_tiny_chunk_gives_the_same_result(tmp_path: Path, kat: Path, chunk_rows: int) -> None:
    """Rows are read, checked and hashed a chunk at a time: order across chunk boundaries,
    the totals and the tree come out the same however small the chunk."""
    assets, ledger = random_ledger(random.Random(7))
    out = build(tmp_path, assets, ledger)
    for folder in (kat, out):
        assert passed(outcome(AUDITORS["vectorised"], folder, chunk_rows=chunk_rows)) == passed(
            outcome(AUDITORS["vectorised"], folder)
        )


@pytest.mark.parametrize("where", [1, 2, 3])
def test_an_order_violation_across_a_chunk_boundary(snap: Path, where: int) -> None:
    """With one or two rows per chunk, the pair out of order straddles a boundary."""
    lines = rows(snap, "BTC")
    lines[where], lines[where + 1] = lines[where + 1], lines[where]
    write_rows(snap, "BTC", lines)
    resign(snap)
    for chunk_rows in (1, 2):
        result = outcome(AUDITORS["vectorised"], snap, chunk_rows=chunk_rows)
        assert (result[1], result[3]["row"]) == ("order", str(where + 2)), result


# -- a subset of the assets ----------------------------------------------------------------


@pytest.mark.parametrize("auditor", list(AUDITORS))
def test_a_subset_is_a_partial_audit(snap: Path, auditor: str) -> None:
    _zero_amount(snap)  # BTC is broken; ETH and JPY are not
    result = passed(outcome(AUDITORS[auditor], snap, assets=["ETH", "JPY"]))
    assert result.partial and result.not_checked == ("BTC", "DOGE")
    assert result.accounts is None and result.index_compared == ()
    assert [v.symbol for v in result.assets] == ["ETH", "JPY"]
    assert "liabilities/BTC.csv" not in result.files_checked and "tree/accounts.bin" in result.files_checked
    failed = outcome(AUDITORS[auditor], snap, assets=["BTC"])
    assert failed[1] == "range"


@pytest.mark.parametrize("auditor", list(AUDITORS))
def test_asking_for_what_is_not_there_is_a_usage_error(kat: Path, tmp_path: Path, auditor: str) -> None:
    manifest = load_signed_any_manifest(kat / "public" / MANIFEST_FILE).manifest
    with pytest.raises(InputError, match="XRP"):
        AUDITORS[auditor](kat / "public", manifest, assets=["BTC", "XRP"])
    with pytest.raises(InputError, match="--csv"):
        AUDITORS[auditor](kat / "public", manifest, csv_path=csv(kat, "BTC"))
    with pytest.raises(InputError):
        AUDITORS[auditor](kat / "public", manifest, hasher="md5")


def test_a_v1_snapshot_is_audited_whole(tmp_path: Path) -> None:
    from tests.cli.conftest import build_kat as build_v1

    public = build_v1(tmp_path) / "public"
    check = load_signed_any_manifest(public / MANIFEST_FILE)
    for audit_snapshot in AUDITORS.values():
        assert audit_snapshot(public, check.manifest).version == 1
        with pytest.raises(InputError, match="v1"):
            audit_snapshot(public, check.manifest, assets=["BTC"])
