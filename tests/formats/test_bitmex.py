"""BitMEX: BitMEX's own README example, generated vectors (diff-checked), one mutation per file."""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
from pathlib import Path
from typing import Any

import pytest

from solvent.formats import bitmex
from solvent.protocol import errors
from solvent.protocol.errors import FormatError, InputError, VerificationError
from tests.formats import gen_bitmex_vectors
from tests.formats.conftest import REALWORLD, VECTORS

README_TREE = REALWORLD / "bitmex" / "liabilities-100-proof.csv"
README_NONCES = {
    int(a): n
    for a, n in (line.split(",") for line in (REALWORLD / "bitmex" / "liabilities-100-nonces.txt").read_text().split())
}
GEN = VECTORS / "bitmex"
ACCOUNTS = json.loads((GEN / "accounts.json").read_text())


def test_the_readme_example_gives_the_readme_figures() -> None:
    """BitMEX's README: account 2 finds leaves 3 and 5, 3,000 sats, of 4,000,004,000 in all."""
    result = bitmex.verify_with([README_TREE], {"uid": "2", "account_nonce": README_NONCES[2]})
    assert result.balances == {"XBt": "3000"}
    assert result.details["leaves"] == "3,5"
    assert result.totals == {"XBt": "4000004000"}


def test_the_readme_example_with_the_per_proof_nonce() -> None:
    """The nonce BitMEX serves per proof, derived here with hashlib alone."""
    sub = hashlib.sha256(bytes.fromhex(README_NONCES[4]) + struct.pack("<Q", 100) + struct.pack("<Q", 4)).digest()
    result = bitmex.verify_with([README_TREE], {"secret": sub.hex()})
    assert result.balances == {"XBt": str(963610032 + 1543636957 + 1492753011)}


def test_an_account_that_is_not_in_the_tree_is_not_found() -> None:
    with pytest.raises(VerificationError) as e:
        bitmex.verify_with([README_TREE], {"uid": "3", "account_nonce": README_NONCES[3]})
    assert e.value.code == "leaf-not-found"


def test_the_tree_alone_verifies_but_checks_no_customer() -> None:
    result = bitmex.verify([README_TREE])
    assert result.balances == {}
    assert "no-customer-checked" in {f.code for f in result.findings}


def test_the_generator_is_deterministic_and_its_output_committed(tmp_path: Path) -> None:
    written = gen_bitmex_vectors.write(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in GEN.iterdir())
    for path in written:
        assert path.read_bytes() == (GEN / path.name).read_bytes(), f"{path.name} differs: regenerate the vectors"


@pytest.mark.parametrize("account", [a for a in ACCOUNTS["accounts"] if a["leaves"]], ids=lambda a: str(a["account"]))
def test_every_generated_account_proof_verifies_with_the_balance_it_was_built_from(account: dict[str, Any]) -> None:
    proof, tree = GEN / f"account-{account['account']}.proof.csv", GEN / "tree.csv"
    with_tree = bitmex.verify_with([proof, tree], {"secret": account["nonce"]})
    assert with_tree.balances == {"XBt": str(account["balance"])}
    assert with_tree.totals == {"XBt": str(ACCOUNTS["total"])}
    alone = bitmex.verify_with([proof], {"uid": str(account["account"]), "account_nonce": account["account_nonce"]})
    assert alone.root == with_tree.root
    assert "proof-only" in {f.code for f in alone.findings}
    scanned = bitmex.verify_with([tree], {"secret": account["nonce"]})
    assert scanned.details["leaves"] == ",".join(map(str, account["leaves"]))


MUTATIONS = json.loads((GEN / "mutations.json").read_text())


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m["name"])
def test_every_mutation_is_rejected_with_its_error(mutation: dict[str, Any], tmp_path: Path) -> None:
    paths = []
    for kind in ("proof", "tree"):
        if mutation[kind] is not None:
            paths.append(tmp_path / f"{kind}.csv")
            paths[-1].write_text(mutation[kind])
    expected = getattr(errors, mutation["expected"]["error"])
    with pytest.raises(expected) as e:
        bitmex.verify_with(paths, mutation["params"])
    assert e.value.code == mutation["expected"]["code"], mutation["description"]


def _hmac_leaf(key: bytes, value: int, index: int) -> tuple[bytes, int]:
    return hmac.new(key, struct.pack("<QQ", value, index), hashlib.sha256).digest(), value


def test_both_child_values_are_bound_so_the_max_forgery_fails() -> None:
    """Threat L1: two customers (5 and 3 sats) are shown siblings that make the root total max(5, 3).

    With BitMEX's node hash the two forged proofs lead to different roots, so both cannot
    match the one published root; with a hash over the total only (the control) they agree.
    """
    ka, kb = b"a" * 32, b"b" * 32
    (ha, a), (hb, b) = _hmac_leaf(ka, 5, 0), _hmac_leaf(kb, 3, 1)
    top = max(a, b)
    proof_a = bitmex.AccountProof((bitmex.ProofLine(0, 1, a, ((hb, top - a),), 1),))
    proof_b = bitmex.AccountProof((bitmex.ProofLine(1, 1, b, ((ha, top - b),), 1),))
    root_a, root_b = bitmex.verify_proof(proof_a, ka), bitmex.verify_proof(proof_b, kb)
    assert root_a[1] == root_b[1] == top
    assert root_a[0] != root_b[0]
    sum_only = lambda left, right, total: hashlib.sha256(left + right + struct.pack("<Q", total)).digest()  # noqa: E731
    assert sum_only(ha, hb, a + (top - a)) == sum_only(ha, hb, (top - b) + b)


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({}, "needs the account's nonce"),
        ({"account_nonce": "00" * 32}, "needs --uid"),
        ({"secret": "zz" * 32}, "64 hex digits"),
        ({"secret": "00" * 32, "account_nonce": "00" * 32}, "exactly one"),
        ({"secret": "00" * 32, "schema": "x"}, "does not take schema"),
        ({"uid": "-1", "secret": "00" * 32}, r"integer below 2\^64"),
    ],
)
def test_bad_customer_inputs_are_usage_errors(params: dict[str, str], fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        bitmex.verify_with([GEN / "account-12.proof.csv"], params)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("block_height:1\n", "no nodes"),
        ("block_height:x\n" + "a" * 64 + ",1\n", "expected 'block_height"),
        ("block_height:1\n" + "A" * 64 + ",1\n", "expected '<64 hex>"),
        ("block_height:1\n" + "a" * 64 + f",{1 << 64}\n", "8 unsigned bytes"),
        ("block_height:1\n" + "a" * 64 + ",-1\n", "expected '<64 hex>"),
    ],
)
def test_malformed_tree_files_are_format_errors(text: str, fragment: str, tmp_path: Path) -> None:
    path = tmp_path / "tree.csv"
    path.write_text(text)
    with pytest.raises(FormatError, match=fragment):
        bitmex.verify([path])
