"""Attacks on the version rules of Binance's zk proofs, its forks and OKX zk-STARK (issue 13).

A cheating exchange or a hostile file author against: a field no version has in any asset
entry (exit 2), a 2024 file without assets naming every version it can be, the
pre-fix Poseidon diagnosis of a failed root check, and the coins of an OKX zk-STARK
part.  Each test states the secure behaviour (the findings of this pass are fixed).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from solvent.formats import binance_zk, okx_zkstark
from solvent.formats.binance_zk import CURRENT, FEB_2023, PRE_RELEASE_2024, SAMPLE_2024
from solvent.formats.poseidon_bn254 import hash_elements
from solvent.protocol.errors import FormatError, RootMismatch
from tests.cli_invoke import invoke
from tests.formats.test_okx_zkstark import DOC as OKX_2023_04
from tests.formats.test_okx_zkstark import as_2023_05
from tests.formats.test_zk_versions import build as _shared_build

REALWORLD = Path(__file__).resolve().parents[1] / "vectors" / "realworld"
VIPLOAN_SAMPLE = REALWORLD / "binance" / "user_config_2024-07_viploan.json"
HTX_SAMPLE = REALWORLD / "htx" / "user_config.json"
B, T = "batch_inclusion_proof", "trunk_inclusion_proof"


def build(rule: Any, assets: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A valid proof of ``rule`` (tests/formats/test_zk_versions.py), deep-copied: its asset lists are shared."""
    return _copy(_shared_build(rule, assets=assets))


def _write(tmp_path: Path, doc: Any, name: str = "proof.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def _copy(doc: Any) -> Any:
    return json.loads(json.dumps(doc))


def _prototype_chain(doc: dict[str, Any], levels: range | list[int], key: str = "Proof") -> dict[str, Any]:
    """Set sibling ``i + 1`` to the pre-fix Poseidon (output element 0) of two copies of sibling ``i``."""
    for i in levels:
        s = int.from_bytes(base64.b64decode(doc[key][i]), "big")
        doc[key][i + 1] = base64.b64encode(hash_elements([s, s], output_index=0).to_bytes(32, "big")).decode()
    return doc


# ---------------------------------------------------------------------------------------------
# Open findings.


def test_okx_2023_04_a_coin_deleted_from_the_users_own_part_is_malformed_not_a_new_version(tmp_path: Path) -> None:
    doc = _copy(OKX_2023_04)
    del doc[B]["BTC"]  # the customer's own BTC row, whose value the exchange would rather not show
    with pytest.raises(FormatError) as exc:
        okx_zkstark.verify_proof(json.dumps(doc).encode())
    assert exc.value.code != "version", exc.value.message
    result = invoke(["verify", str(_write(tmp_path, doc))])
    assert result.exit_code == 1 and "INVALID" in result.stderr, result.stderr


def test_a_mix_of_viploan_and_loan_entries_is_malformed_not_a_new_version(tmp_path: Path) -> None:
    doc = json.loads(VIPLOAN_SAMPLE.read_text())
    doc["Assets"][1] = {("Loan" if k == "VipLoan" else k): v for k, v in doc["Assets"][1].items()}
    with pytest.raises(FormatError) as exc:
        binance_zk.verify_user_config(json.dumps(doc).encode(), name="mixed.json")
    assert exc.value.code != "version", exc.value.message
    result = invoke(["verify", str(_write(tmp_path, doc))])
    assert result.exit_code == 1, result.stderr


@pytest.mark.parametrize("entry", [0, 1])
def test_a_case_variant_of_a_known_asset_field_is_refused_as_malformed(tmp_path: Path, entry: int) -> None:
    doc = build(CURRENT)
    doc["Assets"][entry]["debt"] = 999
    with pytest.raises(FormatError) as exc:
        binance_zk.verify_user_config(json.dumps(doc).encode(), name="case.json")
    assert exc.value.code != "version", exc.value.message
    result = invoke(["verify", str(_write(tmp_path, doc))])
    assert result.exit_code == 1, result.stderr


def test_the_prototype_diagnosis_names_only_the_levels_that_chain() -> None:
    doc = _prototype_chain(build(CURRENT), [2, 20])
    with pytest.raises(RootMismatch) as exc:
        binance_zk.verify_user_config(json.dumps(doc).encode(), name="sparse.json")
    assert exc.value.evidence.get("prototype_hash_levels") == "2,20"  # what was found
    assert "levels 2-21" not in exc.value.message


def test_a_crafted_prototype_chain_does_not_remove_the_warning_that_the_account_is_not_proven() -> None:
    doc = _prototype_chain(build(CURRENT), range(27))  # a current-hash proof, its siblings replaced
    with pytest.raises(RootMismatch) as exc:
        binance_zk.verify_user_config(json.dumps(doc).encode(), name="crafted.json")
    assert "prototype_hash_levels" in exc.value.evidence
    assert "not in that tree" in exc.value.message


def _many_fields(n: int) -> dict[str, int]:
    return {f"k{i:06d}": 0 for i in range(n)}


def _binance_wide_entry() -> dict[str, Any]:
    doc = build(CURRENT)
    doc["Assets"][1].update(_many_fields(50_000))
    return doc


def _okx_wide_trunk() -> dict[str, Any]:
    doc = as_2023_05(OKX_2023_04)
    doc[T].update(_many_fields(50_000))
    return doc


@pytest.mark.parametrize("make", [_binance_wide_entry, _okx_wide_trunk], ids=["binance asset entry", "okx trunk"])
def test_the_unsupported_version_message_of_a_hostile_file_is_bounded(tmp_path: Path, make: Any) -> None:
    path = _write(tmp_path, make())
    assert path.stat().st_size < 1 << 20
    result = invoke(["verify", str(path)])
    assert result.exit_code == 2
    assert len(result.stderr) < 20_000, len(result.stderr)


# ---------------------------------------------------------------------------------------------
# Attacks that are defended (coverage beyond tests/formats/test_zk_versions.py and test_okx_zkstark.py).


@pytest.mark.parametrize("rule", [SAMPLE_2024, CURRENT], ids=["dense", "tiered"])
@pytest.mark.parametrize("field", ["TotalEquity", "TotalDebt", "TotalCollateral"])
def test_a_tampered_2024_file_without_assets_is_invalid_under_every_version_it_can_be(
    tmp_path: Path, rule: Any, field: str
) -> None:
    """The empty-Assets path tries the VipLoan versions too: a changed total still fails all of them."""
    doc = build(rule, assets=[])
    doc[field] += 1
    with pytest.raises(RootMismatch) as exc:
        binance_zk.verify_user_config(json.dumps(doc).encode(), name="empty.json")
    assert PRE_RELEASE_2024.source in exc.value.evidence["rules"] and rule.source in exc.value.evidence["rules"]
    result = invoke(["verify", str(_write(tmp_path, doc)), "--format", "binance-zk"])
    assert result.exit_code == 1 and "INVALID" in result.stderr


def test_a_pre_2024_file_without_assets_is_never_matched_to_a_2024_version() -> None:
    """Only the 2024 layouts share top-level fields: a file without TotalCollateral names one version."""
    result = binance_zk.verify_user_config(json.dumps(build(FEB_2023, assets=[])).encode(), name="feb.json")
    assert result.version == FEB_2023.version


def test_a_pre_2024_file_with_a_2024_entry_after_the_first_is_not_valid(tmp_path: Path) -> None:
    doc = build(FEB_2023)
    doc["Assets"][1] = {**doc["Assets"][1], "VipLoan": 0, "Margin": 0, "PortfolioMargin": 0}
    result = invoke(["verify", str(_write(tmp_path, doc))])
    # Fields of a known version in a file of another: one file mixing two versions' entries
    # is malformed (exit 1), as a mix of VipLoan and Loan entries is.
    out = result.stdout + result.stderr
    assert result.exit_code == 1 and "Assets[1]" in out and "unsupported version" not in out


def test_htx_a_later_asset_entry_with_a_field_no_version_has_is_unsupported_as_in_binance(tmp_path: Path) -> None:
    doc = json.loads(HTX_SAMPLE.read_text())
    doc["Assets"].append({"Index": doc["Assets"][-1]["Index"] + 1, "Balance": 1, "Collateral": 1})
    result = invoke(["verify", str(_write(tmp_path, doc))])
    assert result.exit_code == 2 and "unsupported version" in result.stderr and "Assets[1]" in result.stderr


def test_a_megabyte_of_entries_after_a_valid_first_one_is_refused_as_too_many(tmp_path: Path) -> None:
    doc = build(CURRENT)
    doc["Assets"] = [doc["Assets"][0], *[{} for _ in range(200_000)]]
    path = _write(tmp_path, doc)
    assert path.stat().st_size < 1 << 20
    result = invoke(["verify", str(path)])
    assert result.exit_code == 1 and "at most 500" in result.stderr


def test_one_prototype_chained_sibling_is_not_enough_for_the_diagnosis() -> None:
    """A single chained pair would make the diagnosis cheap to trigger by chance; two are required."""
    doc = _prototype_chain(build(CURRENT), [9])
    with pytest.raises(RootMismatch) as exc:
        binance_zk.verify_user_config(json.dumps(doc).encode(), name="one.json")
    assert "prototype_hash_levels" not in exc.value.evidence and "not in that tree" in exc.value.message


def test_okx_2023_04_a_coin_deleted_from_the_trunk_part_is_malformed(tmp_path: Path) -> None:
    doc = _copy(OKX_2023_04)
    del doc[T]["BTC"]
    result = invoke(["verify", str(_write(tmp_path, doc))])
    assert result.exit_code == 1 and "INVALID" in result.stderr


def test_okx_2023_05_a_coin_of_the_list_missing_from_the_users_part_is_malformed(tmp_path: Path) -> None:
    doc = as_2023_05(OKX_2023_04)
    del doc[B]["BTC"]
    result = invoke(["verify", str(_write(tmp_path, doc))])
    assert result.exit_code == 1 and "INVALID" in result.stderr
