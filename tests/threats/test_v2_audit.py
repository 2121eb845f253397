"""THREATS.md rows L2, L3, L4, L8, L11, L13, L15 and L19 against the v2 audit: a cheating exchange
edits its per-asset CSVs, tree files or manifest and re-signs; both auditors still catch it,
naming the asset, the row, the node or the field."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

from solvent.protocol.amounts import format_units
from solvent.protocol.ids import lp
from solvent.protocol.layout import MANIFEST_FILE
from tests.pipeline.v2_snapshots import both, build_kat, copy, manifest_of, resign, root_of, with_root

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_kat(tmp_path_factory.mktemp("kat-v2-threats"))


@pytest.fixture
def snap(built: Path, tmp_path: Path) -> Path:
    return copy(built, tmp_path)


def csv(out: Path, symbol: str) -> Path:
    return out / "public" / "liabilities" / f"{symbol}.csv"


def edit_row(out: Path, symbol: str, row: int, text: str) -> None:
    lines = csv(out, symbol).read_text().splitlines()
    lines[row] = text
    csv(out, symbol).write_text("\n".join(lines) + "\n")


def row_of(out: Path, symbol: str, row: int) -> tuple[str, str]:
    hashed_id, amount = csv(out, symbol).read_text().splitlines()[row].split(",")
    return hashed_id, amount


def withdraw_tree(out: Path, symbol: str) -> None:
    """Publish no tree files for one asset (they are optional; the CSV decides)."""
    for f in (out / "public" / "tree" / symbol).iterdir():
        f.unlink()
    m = manifest_of(out)
    resign(out, dataclasses.replace(m, files={k: v for k, v in m.files.items() if not k.startswith(f"tree/{symbol}/")}))


def test_l2_a_negative_row_hides_a_liability(snap: Path) -> None:
    hashed_id, _ = row_of(snap, "BTC", 2)
    edit_row(snap, "BTC", 2, f"{hashed_id},-0.00100000")
    resign(snap)
    result = both(snap)
    assert (result[1], result[3]["row"], result[3]["asset"]) == ("negative-balance", "2", "BTC")


def test_l3_sums_that_overflow_2_128(snap: Path) -> None:
    # ETH holds 2^127 wei for one account: a second one makes the tree's sum wrap in 128 bits.
    for row in range(1, 5):
        hashed_id, amount = row_of(snap, "ETH", row)
        if int(amount.replace(".", "")) != 2**127:
            edit_row(snap, "ETH", row, f"{hashed_id},{format_units(2**127, 18)}")
            break
    resign(snap)
    result = both(snap)
    assert (result[1], result[3]["asset"]) == ("sum-overflow", "ETH")


def test_l4_a_tampered_row_is_named(snap: Path) -> None:
    hashed_id, _ = row_of(snap, "BTC", 3)
    edit_row(snap, "BTC", 3, f"{hashed_id},0.00000002")
    resign(snap)
    result = both(snap)
    assert (result[1], result[3]["file"], result[3]["first_difference"]) == (
        "file-digest",
        "tree/BTC/level-00.bin",
        "row 3",
    )


def test_l4_an_inner_node_changed_and_rebound(snap: Path) -> None:
    level = snap / "public" / "tree" / "BTC" / "level-02.bin"
    raw = bytearray(level.read_bytes())
    raw[48 + 40] ^= 1  # node 1's sum
    level.write_bytes(bytes(raw))
    resign(snap)
    result = both(snap)
    assert (result[1], result[3]["file"], result[3]["first_difference"]) == (
        "file-digest",
        "tree/BTC/level-02.bin",
        "node 1",
    )


def test_l8_two_customers_shown_one_leaf(snap: Path) -> None:
    first, _ = row_of(snap, "BTC", 1)
    _, amount = row_of(snap, "BTC", 2)
    edit_row(snap, "BTC", 2, f"{first},{amount}")
    resign(snap)
    result = both(snap)
    assert result[1] == "order" and "duplicate" in result[2] and result[3]["row"] == "2"


def test_l11_an_excluded_customer_changes_the_root(snap: Path) -> None:
    """A holder dropped from the BTC tree, the leaf count and height made to fit, the total
    kept: the rebuilt root differs from the signed one."""
    lines = csv(snap, "BTC").read_text().splitlines()
    del lines[5]
    csv(snap, "BTC").write_text("\n".join(lines) + "\n")
    withdraw_tree(snap, "BTC")
    resign(snap, with_root(manifest_of(snap), "BTC", leaf_count=4, height=2))
    result = both(snap)
    assert (result[1], result[3]["asset"]) == ("root-mismatch", "BTC")


def test_l11_the_accounts_count_cannot_be_understated_or_inflated(snap: Path) -> None:
    resign(snap, dataclasses.replace(manifest_of(snap), accounts=7))
    result = both(snap)
    assert (result[1], result[3]["expected"], result[3]["computed"]) == ("manifest-mismatch", "7", "5")


def test_l13_an_edited_manifest_without_a_new_signature(snap: Path) -> None:
    path = snap / "public" / MANIFEST_FILE
    path.write_bytes(path.read_bytes().replace(b'"accounts": 5', b'"accounts": 6'))
    assert both(snap)[1] == "bad-signature"


def test_l15_amounts_with_another_assets_decimals(snap: Path) -> None:
    hashed_id, _ = row_of(snap, "BTC", 1)
    edit_row(snap, "BTC", 1, f"{hashed_id},1.500000000000000000")  # ETH's 18 decimals in BTC's file
    resign(snap)
    result = both(snap)
    assert (result[1], result[3]["file"], result[3]["row"]) == ("format", "liabilities/BTC.csv", "1")


def _naive_root(symbol: str, leaves: list[tuple[bytes, int]]) -> bytes:
    """The v2 root of docs/spec.md §13.2 (The per-asset tree) written out from its definition."""
    tag = lp(symbol.encode())
    nodes = [(hashlib.sha256(b"\x00" + tag + i + a.to_bytes(16, "big")).digest(), a) for i, a in leaves]
    pad = (hashlib.sha256(b"\x00" + tag + bytes(32) + bytes(16)).digest(), 0)
    while len(nodes) > 1 or not nodes:
        if len(nodes) % 2:
            nodes.append(pad)
        pad = (hashlib.sha256(b"\x01" + pad[0] + bytes(16) + pad[0] + bytes(16)).digest(), 0)
        nodes = [
            (hashlib.sha256(b"\x01" + h1 + s1.to_bytes(16, "big") + h2 + s2.to_bytes(16, "big")).digest(), s1 + s2)
            for (h1, s1), (h2, s2) in zip(nodes[0::2], nodes[1::2], strict=True)
        ]
    return nodes[0][0]


def test_l19_one_assets_leaves_passed_off_as_anothers(snap: Path) -> None:
    """DOGE (BTC's decimals) is published as a copy of BTC's CSV under BTC's root: the symbol
    inside every leaf makes DOGE's rebuilt root differ.  Without it (the control) the two
    trees would have one root and the cheat would pass."""
    csv(snap, "DOGE").write_bytes(csv(snap, "BTC").read_bytes())
    withdraw_tree(snap, "DOGE")
    m = manifest_of(snap)
    resign(snap, with_root(m, "DOGE", **dataclasses.asdict(root_of(m, "BTC"))))
    result = both(snap)
    assert (result[1], result[3]["asset"]) == ("root-mismatch", "DOGE")
    leaves = [
        (bytes.fromhex(line.split(",")[0]), int(line.split(",")[1].replace(".", "")))
        for line in csv(snap, "BTC").read_text().splitlines()[1:]
    ]
    assert _naive_root("BTC", leaves) == root_of(m, "BTC").hash  # the reference follows the real rule
    # With the symbol in the leaf, the same rows give each asset its own root; a leaf
    # without it (the control) would give both one root, and the copy would pass.
    assert _naive_root("DOGE", leaves) != _naive_root("BTC", leaves)
