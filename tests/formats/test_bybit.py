"""Bybit proofs: both real schemas, tampered copies, schema detection, own vectors for other schemas."""

from __future__ import annotations

import json
from typing import Any

import pytest

from solvent.formats import bybit
from solvent.formats.bybit_schemas import SCHEMAS
from solvent.protocol.errors import FormatError, RootMismatch, VerificationError
from tests.formats import builders
from tests.formats.conftest import REALWORLD, load, set_at, tampered

V5 = REALWORLD / "bybit" / "mock_user_merkle_tree_path_40_v5.json"
V40 = REALWORLD / "bybit" / "mock_user_merkle_tree_path_40.json"
DOC = load(V5)


@pytest.mark.parametrize(("path", "schema"), [(V5, "40v5"), (V40, "40")])
def test_the_real_proofs_verify_under_the_schema_their_names_fit(path: Any, schema: str) -> None:
    doc = load(path)
    result = bybit.verify_proof(path.read_bytes())
    assert result.details["schema"] == schema
    assert result.root == doc["path"][-1]["hash"]
    assert result.totals == doc["path"][-1]["balance"]
    assert result.balances == doc["self"]["balance"]


def test_the_schema_order_is_bybits_not_the_files() -> None:
    """Reordering the keys in the file changes nothing: the order comes from the schema."""
    reordered = tampered(DOC, lambda d: d["self"].update(balance=dict(sorted(d["self"]["balance"].items()))))
    assert bybit.verify_proof(reordered).root == DOC["path"][-1]["hash"]


def test_the_neighbour_nonce_in_the_older_file_is_reported() -> None:
    leak = [f for f in bybit.verify_proof(V40.read_bytes()).findings if f.code == "neighbour-balances"]
    assert leak and "nonce" in leak[0].text


TAMPERS = [
    ("own balance", set_at("self", "balance", "BTC", "6.69365261"), VerificationError, "leaf-hash"),
    ("userHash", set_at("self", "userHash", "0" * 64), VerificationError, "leaf-hash"),
    ("sibling balance", set_at("path", 4, "balance", "ETH", "1.00000000"), RootMismatch, "root-mismatch"),
    ("sibling hash", set_at("path", 2, "hash", "1" * 64), RootMismatch, "root-mismatch"),
    ("sibling level", set_at("path", 2, "height", 4), VerificationError, "level"),
    ("sibling side", set_at("path", 4, "type", 2), RootMismatch, "root-mismatch"),
    ("root flag", set_at("path", 14, "type", 2), FormatError, "type"),
    ("root hash", set_at("path", 14, "hash", "0" * 64), RootMismatch, "root-mismatch"),
    ("root total", set_at("path", 14, "balance", "USDE", "1.00000000"), RootMismatch, "root-mismatch"),
    (
        "root total, same value other print",
        set_at("path", 14, "balance", "AGLA", "24144.3718207300"),
        FormatError,
        "decimal",
    ),
    ("own side", set_at("self", "type", 1), VerificationError, "side"),
]


@pytest.mark.parametrize(("what", "change", "error", "code"), TAMPERS, ids=[t[0] for t in TAMPERS])
def test_every_tampered_copy_is_rejected(what: str, change: Any, error: type, code: str) -> None:
    with pytest.raises(error) as e:
        bybit.verify_proof(tampered(DOC, change))
    assert e.value.code == code


def test_names_that_fit_no_schema_are_refused_not_guessed() -> None:
    with pytest.raises(FormatError) as e:
        bybit.verify_proof(tampered(DOC, lambda d: d["self"]["balance"].pop("USDE")))
    assert e.value.code == "schema"
    assert "refusing to guess" in str(e.value)


def test_thousands_of_asset_names_are_not_all_quoted_back() -> None:
    def widen(d: Any) -> None:
        d["self"]["balance"].update({f"X{i:05}": "0" for i in range(20_000)})

    with pytest.raises(FormatError) as e:
        bybit.verify_proof(tampered(DOC, widen))
    assert e.value.code == "schema" and len(e.value.evidence["assets"]) < 400
    assert e.value.evidence["assets"].endswith("more")


def test_a_named_schema_that_does_not_fit_is_refused() -> None:
    with pytest.raises(FormatError) as e:
        bybit.verify_proof(V5.read_bytes(), schema="40v4")
    assert e.value.code == "schema"
    with pytest.raises(FormatError):
        bybit.verify_proof(V5.read_bytes(), schema="41")


def test_a_sibling_with_other_assets_than_the_leaf_is_refused() -> None:
    def rename(doc: Any) -> None:
        doc["path"][3]["balance"]["EOS"] = doc["path"][3]["balance"].pop("A")

    with pytest.raises(FormatError) as e:
        bybit.verify_proof(tampered(DOC, rename))
    assert e.value.code == "schema" and "path[3]" in str(e.value)


def test_asset_names_are_not_hashed_so_a_renamed_file_verifies_too() -> None:
    """The limitation the findings state: relabel A as EOS everywhere and it reads as schema 40v4."""

    def rename(doc: Any) -> None:
        for node in [doc["self"], *doc["path"]]:
            node["balance"] = {("EOS" if k == "A" else k): v for k, v in node["balance"].items()}

    result = bybit.verify_proof(tampered(DOC, rename))
    assert result.details["schema"] == "40v4"
    assert result.root == DOC["path"][-1]["hash"]
    assert "unnamed-assets" in {f.code for f in result.findings}


@pytest.mark.parametrize("schema", ["20", "mnt20", "32", "40v2", "40v3", "50"])
@pytest.mark.parametrize("index", [0, 3])
def test_own_vectors_of_every_other_schema_verify(schema: str, index: int) -> None:
    assets = SCHEMAS[schema]
    accounts = [
        (f"{n:064x}", [f"{(n * 7 + i) % 5}.{i:08d}" if (n + i) % 3 else "0.00000000" for i in range(len(assets))])
        for n in range(4)
    ]
    accounts[1] = (accounts[1][0], ["0.00000000"] * len(assets))  # an empty account
    proof = builders.bybit_proof(assets, accounts, index)
    result = bybit.verify_proof(json.dumps(proof).encode())
    assert result.details["schema"] == schema
    assert result.root == proof["path"][-1]["hash"]


def test_schema_sets_are_all_distinct() -> None:
    """Detection from the names is exact only because no two schemas share a set of names."""
    sets = [frozenset(a) for a in SCHEMAS.values()]
    assert len(set(sets)) == len(sets)
    assert all(len(set(a)) == len(a) for a in SCHEMAS.values())
