"""OKX zk-STARK user inclusion proofs: OKX's own sample files (2023-04), the 2023-05 shape,
tampered copies, and Keccak-256 against a second implementation."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from solvent.formats import okx_zkstark, registry
from solvent.formats.keccak import keccak256
from solvent.protocol.errors import FormatError, RootMismatch, VerificationError
from tests.formats.conftest import REALWORLD, load, set_at, tampered

FOLDER = REALWORLD / "okx-zkstark"
USER0 = FOLDER / "user_0_inclusion_proof.json"
ROOT = "6119b687c0c58ebffd019d416ae9eb0e47b40b8e32f26bfcd63f8a9fda0e3bba"
DOC = load(USER0)
FIXED = set(okx_zkstark._BATCH_FIXED)


def as_2023_05(doc: dict[str, Any]) -> dict[str, Any]:
    """The same proof as OKX's May 2023 tool writes it: values as strings, the config inside."""
    out = json.loads(json.dumps(doc))
    coins = [k for k in doc["batch_inclusion_proof"] if k not in FIXED]
    for part in ("batch_inclusion_proof", "trunk_inclusion_proof"):
        for key in [*coins, "total_value"]:
            out[part][key] = str(out[part][key])
    out["config"] = {"main_coins_num": 22, "coins": coins}
    return out


@pytest.mark.parametrize("name", ["user_0_inclusion_proof.json", "user_14_inclusion_proof.json"])
def test_okxs_own_samples_verify_and_name_their_version(name: str) -> None:
    result = okx_zkstark.verify_proof((FOLDER / name).read_bytes())
    assert result.version == okx_zkstark.V2023_04
    assert result.root == ROOT
    assert "stark-not-checked" in {f.code for f in result.findings}
    assert registry.detect((FOLDER / name).read_bytes()) == "okx-zkstark"


def test_the_2023_05_shape_verifies_and_names_its_version() -> None:
    result = okx_zkstark.verify_proof(json.dumps(as_2023_05(DOC)).encode())
    assert result.version == okx_zkstark.V2023_05
    assert result.balances["total_value"] == "136771132"


def test_the_findings_say_plainly_the_stark_is_not_checked() -> None:
    result = okx_zkstark.verify_proof(USER0.read_bytes())
    stark = next(f for f in result.findings if f.code == "stark-not-checked")
    assert "NOT checked" in stark.text
    assert any("NOT checked" in line for line in result.checked)


B, T = "batch_inclusion_proof", "trunk_inclusion_proof"
TAMPERS = [
    ("own balance", set_at(B, "BTC", 1025793), VerificationError, "total"),
    ("own balance and total", lambda d: (d[B].update(BTC=1025793, total_value=136771133)), VerificationError,
     "leaf-hash"),
    ("sibling hash", set_at(B, "merkle_path", 3, "0" * 64), RootMismatch, "root-mismatch"),
    ("trunk sibling hash", set_at(T, "merkle_path", 5, "1" * 64), RootMismatch, "root-mismatch"),
    ("level (user index)", set_at(B, "user_index", 1), RootMismatch, "root-mismatch"),
    ("level beyond the tree", set_at(B, "user_index", 300), VerificationError, "level"),
    ("batch root", set_at(B, "batch_mtree_root", "2" * 64), RootMismatch, "root-mismatch"),
    ("trunk root", set_at(T, "trunk_mtree_root", "3" * 64), RootMismatch, "root-mismatch"),
    ("batch totals", set_at(T, "ETH", 13838758), VerificationError, "total"),
    ("coin order", lambda d: d.__setitem__(B, {k: d[B][k] for k in sorted(d[B])}), FormatError, "fields"),
]


@pytest.mark.parametrize(("what", "change", "error", "code"), TAMPERS, ids=[t[0] for t in TAMPERS])
def test_every_tampered_copy_is_rejected_naming_the_check(what: str, change: Any, error: type, code: str) -> None:
    with pytest.raises(error) as e:
        okx_zkstark.verify_proof(tampered(DOC, change))
    assert e.value.code == code


def test_the_batch_link_is_checked() -> None:
    """A trunk entry for another batch: both trees may be right, but they are not yours."""
    doc = json.loads(json.dumps(DOC))
    doc[T]["batch_id"] = "4" * 64
    with pytest.raises(VerificationError) as e:
        okx_zkstark.verify_proof(json.dumps(doc).encode())
    assert e.value.code in {"leaf-hash", "batch-link"}


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.__setitem__("config", {"coins": ["BTC"]}),  # a config of another shape
        lambda d: d.__setitem__("signature", "x"),  # a field no version has
        lambda d: d.__setitem__("config", {"main_coins_num": 1, "coins": ["BTC"]}),  # config, integer values
        lambda d: d[T].__setitem__("signature", "x"),  # a trunk field that is no coin of the batch's
    ],
)
def test_a_shape_of_no_known_version_is_unsupported_not_invalid(change: Any) -> None:
    with pytest.raises(FormatError) as e:
        okx_zkstark.verify_proof(tampered(DOC, change))
    assert e.value.code == "version"


@pytest.mark.parametrize("part", [B, T])
def test_a_field_beyond_the_listed_coins_is_unsupported_in_the_2023_05_shape(part: str) -> None:
    """The May 2023 tool lists its coins in config: any other field is of a version not known here."""
    doc = as_2023_05(DOC)
    doc[part]["signature"] = "x"
    with pytest.raises(FormatError) as e:
        okx_zkstark.verify_proof(json.dumps(doc).encode())
    assert e.value.code == "version" and "signature" in e.value.message


def test_keccak256_is_the_original_keccak_not_sha3() -> None:
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    keccak = pytest.importorskip("Crypto.Hash.keccak")
    for n in (1, 135, 136, 137, 500):
        data = os.urandom(n)
        assert keccak256(data) == keccak.new(digest_bits=256, data=data).digest()
