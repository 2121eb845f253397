"""Format recognition: every real file is recognised, unknown and ambiguous inputs are refused by name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solvent.formats import registry
from solvent.formats.base import ForeignFormat
from solvent.protocol.errors import InputError
from tests.formats.conftest import REALWORLD, VECTORS, bitget_file

KAT = Path(__file__).parents[1] / "vectors" / "kat-v1.json"

REAL = [
    (REALWORLD / "okx" / "merkle_proof_file.json", "okx-v1"),
    (REALWORLD / "okx" / "full-liabilities-merkle-tree.txt", "okx-v2"),
    (REALWORLD / "okx" / "user_info_file.json", "okx-v2"),
    (REALWORLD / "bybit" / "mock_user_merkle_tree_path_40_v5.json", "bybit"),
    (REALWORLD / "bybit" / "mock_user_merkle_tree_path_40.json", "bybit"),
    (REALWORLD / "mexc" / "merkle_proof.json", "mexc"),
    (REALWORLD / "bitmex" / "liabilities-100-proof.csv", "bitmex"),
    (REALWORLD / "binance" / "user_config.json", "binance-zk"),
    (REALWORLD / "binance" / "user_config_2024-07_viploan.json", "binance-zk"),
    (REALWORLD / "htx" / "user_config.json", "htx-zk"),
    (VECTORS / "bitmex" / "account-7.proof.csv", "bitmex"),
]


@pytest.mark.parametrize(("path", "name"), REAL, ids=[p.name for p, _ in REAL])
def test_every_real_file_is_recognised(path: Path, name: str) -> None:
    assert registry.detect_file(path) == name


def test_the_bitget_file_is_recognised() -> None:
    assert registry.detect_file(bitget_file()) == "bitget"


def test_solvent_proofs_are_recognised_as_solvent() -> None:
    proof = json.loads(KAT.read_text())["proofs"][0]
    assert registry.detect(json.dumps(proof).encode()) == registry.SOLVENT


def test_a_large_file_is_recognised_by_its_first_line() -> None:
    head = (REALWORLD / "okx" / "full-liabilities-merkle-tree.txt").read_bytes()[:300]
    assert registry.detect(head, complete=False) == "okx-v2"


@pytest.mark.parametrize(
    "data", [b'{"hello": 1}', b"\x00\xff\xfe binary", b"", b"[1, 2, 3]", b'{"self": {}, "path": []}', b"not,a,proof\n"]
)
def test_unknown_inputs_are_refused_and_the_known_formats_named(data: bytes) -> None:
    with pytest.raises(InputError) as e:
        registry.detect(data, "x.json")
    assert e.value.code == "unknown-format"
    assert "okx-v1" in str(e.value) and "--format" in str(e.value)


def test_a_file_that_fits_two_formats_is_ambiguous_not_guessed() -> None:
    okx_leaf = {"balances": {}, "nonce": "n", "hash": "h", "height": 1, "type": 1}
    both = {"self": {**okx_leaf, "balance": {}, "userHash": "u"}, "path": []}
    with pytest.raises(InputError) as e:
        registry.detect(json.dumps(both).encode(), "both.json")
    assert e.value.code == "ambiguous-format"
    assert e.value.evidence["candidates"] == "okx-v1,bybit"


def test_a_sniffer_that_trips_does_not_match(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(obj: object) -> bool:
        raise KeyError("odd input")

    fake = ForeignFormat("fake", "a test double", broken, lambda paths: None)  # type: ignore[arg-type, return-value]
    monkeypatch.setitem(registry._MODULES, "fake", "tests.formats.test_registry")
    monkeypatch.setattr(registry, "get", lambda name: fake if name == "fake" else _real_get(name))
    assert registry.detect((REALWORLD / "mexc" / "merkle_proof.json").read_bytes()) == "mexc"


_real_get = registry.get


def test_unknown_names_and_unwanted_inputs_are_usage_errors() -> None:
    with pytest.raises(InputError) as e:
        registry.get("okx-v3")
    assert e.value.code == "unknown-format"
    with pytest.raises(InputError) as e:
        registry.verify("okx-v1", [REALWORLD / "okx" / "merkle_proof_file.json"], {"uid": "1"})
    assert e.value.code == "params"


def test_every_format_has_a_name_title_and_module() -> None:
    for name in registry.names():
        if name != registry.SOLVENT:
            fmt = registry.get(name)
            assert fmt.name == name and fmt.title


def test_every_format_has_its_page_and_a_row_in_the_table() -> None:
    """The docs cannot drift from the registry: one page per format, one row each in the table."""
    docs = Path(__file__).parents[2] / "docs" / "formats"
    table = (docs / "README.md").read_text()
    for name in registry.names():
        assert f"| `{name}` |" in table, name
        if name != registry.SOLVENT:
            page = (docs / f"{name}.md").read_text()
            assert f"(`{name}`)" in page.splitlines()[0] and "Learned from" in page


@pytest.mark.parametrize(
    ("name", "path", "leaf_field"),
    [
        ("okx-v1", REALWORLD / "okx" / "merkle_proof_file.json", ("self", "type")),
        ("okx-v1", REALWORLD / "okx" / "merkle_proof_file.json", ("self", "hash")),
        ("bybit", REALWORLD / "bybit" / "mock_user_merkle_tree_path_40_v5.json", ("self", "nonce")),
        ("bybit", REALWORLD / "bybit" / "mock_user_merkle_tree_path_40_v5.json", ("self", "height")),
        ("mexc", REALWORLD / "mexc" / "merkle_proof.json", ("self", "accountId")),
        ("mexc", REALWORLD / "mexc" / "merkle_proof.json", ("self", "hash")),
    ],
)
def test_detection_never_picks_a_format_whose_required_fields_are_missing(
    name: str, path: Path, leaf_field: tuple[str, str]
) -> None:
    doc = json.loads(path.read_text())
    assert registry.detect(json.dumps(doc).encode()) == name
    del doc[leaf_field[0]][leaf_field[1]]
    with pytest.raises(InputError) as e:
        registry.detect(json.dumps(doc).encode(), "x.json")
    assert e.value.code == "unknown-format"


def test_a_bitget_file_missing_a_leaf_field_is_not_detected() -> None:
    doc = json.loads(bitget_file().read_text())
    del doc["self"]["encryptUid"]
    with pytest.raises(InputError) as e:
        registry.detect(json.dumps(doc).encode(), "x.json")
    assert e.value.code == "unknown-format"
