"""``solvent verify`` on other exchanges' files: exit codes 0 / 1 / 2, the printed findings, --json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_invoke import invoke
from tests.formats.conftest import REALWORLD, VECTORS, bitget_file

pytestmark = pytest.mark.integration

KAT = Path(__file__).parents[1] / "vectors" / "kat-v1.json"
OKX = REALWORLD / "okx"


def run(*args: object) -> tuple[int, str, str]:
    result = invoke(["verify", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("path", "root"),
    [
        (OKX / "merkle_proof_file.json", "ac6b39d2a0aa8112bd1aadff5e7d4b5c2b91cd54d595262ba4367f5d2db4160d"),
        (OKX / "full-liabilities-merkle-tree.txt", "9e98ebde32ef22ded88a5fb2d5e53d76ed57cb9c6b2c966f250721defe6ab041"),
        (
            REALWORLD / "bybit" / "mock_user_merkle_tree_path_40_v5.json",
            "c91d5de0554f97244e4d9f8056fad70fa0cb2cdb23c290ec597a042645dcbc03",
        ),
        (REALWORLD / "mexc" / "merkle_proof.json", "35d01ffef2beec3ff0166c03f3d9b0cc"),
        (
            REALWORLD / "bitmex" / "liabilities-100-proof.csv",
            "85b0a83970a74a6ad0ee5d4bec5d3afe0048d18b8342e31e2d3a45e0f17879c7",
        ),
    ],
    ids=lambda v: v.name if isinstance(v, Path) else "",
)
def test_every_real_file_verifies_from_the_command_line(path: Path, root: str) -> None:
    code, out, _ = run(path)
    assert code == 0, out
    assert out.startswith("VALID")
    assert root in out
    assert "findings" in out and "[LIMITATION]" in out


def test_the_bitget_file_verifies_and_shows_its_anomaly() -> None:
    code, out, _ = run(bitget_file())
    assert code == 3  # its tree binds a negative sum: included, but the totals prove nothing
    assert out.startswith("NOT VALID: ") and "BUT: 1 anomaly" in out and "[ANOMALY]" in out and "[WEAKNESS]" in out


def test_companion_files_and_json_output() -> None:
    code, out, _ = run(OKX / "user_info_file.json", "--with", OKX / "full-liabilities-merkle-tree.txt", "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["valid"] is True and payload["format"] == "okx-v2"
    assert payload["balances"] == {"BTC": "0.00005", "ETH": "0", "USDT": "0"}
    assert {f["code"] for f in payload["findings"]} >= {"root-unanchored", "full-tree-balances"}


def test_bitmex_takes_the_account_and_nonce() -> None:
    nonce = "b88860add96111d84d38a500266df715158f91375d9aaa98aa58356f9a872412"
    tree = REALWORLD / "bitmex" / "liabilities-100-proof.csv"
    code, out, _ = run(tree, "--uid", "2", "--param", f"account_nonce={nonce}")
    assert code == 0 and "3000" in out
    accounts = json.loads((VECTORS / "bitmex" / "accounts.json").read_text())["accounts"]
    code, out, _ = run(VECTORS / "bitmex" / "account-12.proof.csv", "--secret", accounts[1]["nonce"])
    assert code == 0 and "150000000" in out and "[LIMITATION]" in out


def test_a_tampered_file_is_invalid_with_evidence(tmp_path: Path) -> None:
    doc = json.loads((OKX / "merkle_proof_file.json").read_text())
    doc["path"][4]["hash"] = "0" * 64
    bad = tmp_path / "proof.json"
    bad.write_text(json.dumps(doc))
    code, out, err = run(bad)
    assert code == 1
    assert "VALID" not in out
    assert err.startswith("INVALID") and "computed_hash" in err
    code, out, _ = run(bad, "--json")
    assert code == 1 and json.loads(out)["error"] == "root-mismatch"


def test_a_named_schema_that_does_not_fit_is_invalid() -> None:
    code, _, err = run(REALWORLD / "bybit" / "mock_user_merkle_tree_path_40_v5.json", "--param", "schema=40v4")
    assert code == 1 and "schema 40v4" in err


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--format", "okx-v9"], "unknown format"),
        (["--snapshot", "x.json"], "apply to solvent proofs only"),
        (["--uid", "1"], "does not take uid"),
        (["--param", "oops"], "expected KEY=VALUE"),
    ],
)
def test_usage_errors_exit_2(args: list[str], fragment: str) -> None:
    code, _, err = run(OKX / "merkle_proof_file.json", *args)
    assert code == 2
    assert fragment in err


def test_unknown_and_ambiguous_files_exit_2(tmp_path: Path) -> None:
    unknown = tmp_path / "unknown.json"
    unknown.write_text('{"hello": 1}')
    code, _, err = run(unknown)
    assert code == 2 and "not a proof format" in err
    both = tmp_path / "both.json"
    okx_leaf = {"balances": {}, "nonce": "n", "hash": "h", "height": 1, "type": 1}
    both.write_text(json.dumps({"self": {**okx_leaf, "balance": {}, "userHash": "u"}, "path": []}))
    code, _, err = run(both)
    assert code == 2 and "ambiguous" in err
    code, _, _ = run(both, "--format", "okx-v1")  # named: read as okx-v1, and it is not a valid one
    assert code == 1


def test_a_user_file_without_its_tree_exits_2() -> None:
    code, _, err = run(OKX / "user_info_file.json")
    assert code == 2 and "--with" in err


def test_solvent_proofs_keep_their_own_path(tmp_path: Path) -> None:
    proof = tmp_path / "proof.json"
    proof.write_text(json.dumps(json.loads(KAT.read_text())["proofs"][0]))
    code, out, err = run(proof, "--unanchored")
    assert code == 0
    assert out.startswith("UNANCHORED (--unanchored, no manifest checked): the balance below is included")
    assert "WARNING: no snapshot manifest" in err
    code, _, err = run(proof, "--with", OKX / "user_info_file.json")
    assert code == 2 and "--with and --param" in err


def test_text_from_the_file_cannot_drive_the_terminal(tmp_path: Path) -> None:
    """An account id with an escape sequence is printed escaped, never raw."""
    from tests.formats import builders

    proof = builders.mexc_proof("PR", [("\x1b[2J42", {"BTC": "1"}), ("43", {"BTC": "2"})], 0)
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proof))
    code, out, _ = run(path)
    assert code == 0
    assert "\x1b" not in out
    assert "\\x1b[2J42" in out  # shown, escaped


# -- every verification names the format and the version it matched ----------------------


def _old_bitget(tmp_path: Path, change: object = None) -> Path:
    from tests.formats import builders

    accounts = [("u0", "n0", ("1", "0.00000001")), ("u1", "n1", ("2.10", "0")), ("u2", "n2", ("0", "3"))]
    doc = builders.bitget_legacy_proof(("BTC", "ETH"), accounts, 0)
    if callable(change):
        change(doc)
    path = tmp_path / "merkel_tree_bg.json"
    path.write_text(builders.legacy_json(doc))
    return path


def test_an_old_bitget_proof_names_its_version_in_text_and_json(tmp_path: Path) -> None:
    path = _old_bitget(tmp_path)
    code, out, _ = run(path)
    assert code == 0 and out.startswith("VALID")
    assert "  format:        bitget (recognised from the file" in out
    assert "  version:       before 2025-11\n" in out
    code, out, _ = run(path, "--format", "bitget", "--json")
    assert code == 0 and json.loads(out)["version"] == "before 2025-11"


def test_the_current_bitget_proof_names_its_version() -> None:
    code, out, _ = run(bitget_file(), "--json")
    assert code == 3 and json.loads(out)["version"] == "2025-11 and later"


def test_a_format_with_one_version_says_so() -> None:
    code, out, _ = run(OKX / "merkle_proof_file.json")
    assert code == 0 and "  version:       single (the format has one published version)" in out
    code, out, _ = run(OKX / "merkle_proof_file.json", "--json")
    assert json.loads(out)["version"].startswith("single")


def test_a_failure_names_the_format_and_the_version_under_each_rule(tmp_path: Path) -> None:
    path = _old_bitget(tmp_path, lambda d: d["path"][0].update(merkelLeaf="0000000000000000"))
    code, out, err = run(path)
    assert code == 1 and out == "" and err.startswith("INVALID: the computed root hash")
    assert "  format: bitget (recognised from the file)" in err
    assert "  version: before 2025-11 (its leaf hash matched; under 2025-11 and later it did not)" in err
    assert "  under before 2025-11: root hash or totals failed (root-mismatch)" in err
    code, out, _ = run(path, "--json")
    evidence = json.loads(out)["evidence"]
    assert code == 1 and evidence["format"].startswith("bitget") and evidence["version"].startswith("before 2025-11")


def test_a_failure_of_a_one_version_format_names_it(tmp_path: Path) -> None:
    doc = json.loads((OKX / "merkle_proof_file.json").read_text())
    doc["path"][2]["hash"] = "00" * 32
    path = tmp_path / "okx.json"
    path.write_text(json.dumps(doc))
    code, _, err = run(path)
    assert code == 1 and "  format: okx-v1 (recognised from the file)" in err
    assert "  version: single (the format has one published version)" in err


def test_a_bitget_file_of_no_known_version_is_exit_2_never_invalid(tmp_path: Path) -> None:
    path = _old_bitget(tmp_path, lambda d: d["self"].update(extra="1"))
    code, out, err = run(path)
    assert code == 2 and out == "" and "INVALID" not in err
    assert err.startswith("ERROR: unsupported version: ") and "not a Bitget proof of a version solvent knows" in err
    assert "  version: unsupported (known: 2025-11 and later, before 2025-11)" in err
    code, out, _ = run(path, "--format", "bitget", "--json")
    assert code == 2 and json.loads(out)["error"] == "version"
