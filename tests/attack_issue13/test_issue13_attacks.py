"""Attacks on the foreign formats and versions of issue 13: what `solvent verify` must do.

Each test states the secure behaviour; the ones marked xfail(strict) are open findings.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from solvent.formats import htx_zk
from solvent.formats.binance_zk import leaf_hash, root_from_proof
from solvent.formats.binance_zk_file import parse_user_config
from tests.formats import test_bitbase, test_bitunix

REALWORLD = Path(__file__).resolve().parents[1] / "vectors" / "realworld"


def _cli(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "solvent", "verify", str(path), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _write(tmp_path: Path, doc: Any, name: str = "proof.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def _htx_without_assets() -> dict[str, Any]:
    """HTX's published sample re-rooted for an account that holds no asset: a valid HTX proof."""
    doc: dict[str, Any] = json.loads((REALWORLD / "htx" / "user_config.json").read_text())
    doc.update(Assets=[], TotalEquity=0, TotalDebt=0)
    proof = parse_user_config(json.dumps(doc).encode(), layouts=(htx_zk.HTX,), family="HTX")
    rule = htx_zk.RULES[0]
    siblings = [int.from_bytes(s, "big") for s in proof.proof]
    root = root_from_proof(leaf_hash(proof, rule=rule), proof.account_index, siblings, rule.block)
    doc["Root"] = root.to_bytes(32, "big").hex()
    return doc


def test_an_htx_proof_without_assets_is_never_called_invalid_as_binance(tmp_path: Path) -> None:
    path = _write(tmp_path, _htx_without_assets())
    named = _cli(path, "--format", "htx-zk")
    assert named.returncode == 0, named.stdout + named.stderr  # the file is a valid HTX proof
    detected = _cli(path)
    # Either recognised as HTX, or ambiguous (exit 2, name it with --format): never INVALID under Binance's rules.
    assert detected.returncode == 2 or (detected.returncode == 0 and "htx-zk" in detected.stdout), detected.stderr


def _tampered_binance(tmp_path: Path) -> Path:
    doc = json.loads((REALWORLD / "binance" / "user_config.json").read_text())
    doc["Root"] = "0" * 63 + "1"
    return _write(tmp_path, doc)


def _tampered_mexc_2022(tmp_path: Path) -> Path:
    doc = json.loads((REALWORLD / "mexc" / "merkle_proof_2022.json").read_text())
    doc["self"]["hash"] = "0" * 32
    return _write(tmp_path, doc)


def _tampered_okx_zkstark(tmp_path: Path) -> Path:
    doc = json.loads((REALWORLD / "okx-zkstark" / "user_0_inclusion_proof.json").read_text())
    doc["batch_inclusion_proof"]["random_number"] = "0" * 64
    return _write(tmp_path, doc)


@pytest.mark.parametrize("make", [_tampered_binance, _tampered_mexc_2022, _tampered_okx_zkstark])
def test_a_failure_of_a_format_with_several_versions_never_says_it_has_one(tmp_path: Path, make: Any) -> None:
    result = _cli(make(tmp_path))
    assert result.returncode == 1, result.stderr
    assert "one published version" not in result.stdout + result.stderr


def _with_new_field(doc: dict[str, Any], where: str) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    (out[where] if where else out)["newField"] = "x"
    return out


@pytest.mark.parametrize(
    "make",
    [
        lambda: _with_new_field(test_bitunix.DOC, "self"),
        lambda: _with_new_field(json.loads((REALWORLD / "mexc" / "merkle_proof.json").read_text()), "self"),
        lambda: _with_new_field(test_bitbase.DOC, ""),
    ],
    ids=["bitunix", "mexc", "bitbase"],
)
def test_a_field_of_no_known_version_is_unsupported_never_invalid(tmp_path: Path, make: Any) -> None:
    result = _cli(_write(tmp_path, make()))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "INVALID" not in result.stderr


def test_an_unhashed_period_is_not_shown_as_part_of_a_valid_proof(tmp_path: Path) -> None:
    forged = {**test_bitbase.DOC, "period": "2099-12"}
    result = _cli(_write(tmp_path, forged), "--json")
    assert result.returncode in (0, 1, 2), result.stderr
    if result.returncode == 0:
        details = json.loads(result.stdout)["details"]
        assert details.get("period", "") != "2099-12"
