"""``solvent verify`` verdicts fail closed (issue 11, "Verdicts that fail closed").

Each test is a reproduction that used to pass as "valid" (or fail for the wrong reason):
a foreign tree binding negative sums (exit 3, ``"valid": false``), a ``--uid`` that the
format ignored yet printed, an unsupported version reported as INVALID, a closed pipe
reported as an error, and a proof checked against no manifest reported VALID.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_invoke import invoke
from tests.formats import builders
from tests.formats.conftest import REALWORLD

pytestmark = pytest.mark.integration

KAT = Path(__file__).parents[1] / "vectors" / "kat-v1.json"
BITMEX_TREE = REALWORLD / "bitmex" / "liabilities-100-proof.csv"
BITMEX_NONCES = {
    int(a): n
    for a, n in (line.split(",") for line in (REALWORLD / "bitmex" / "liabilities-100-nonces.txt").read_text().split())
}
BINANCE = REALWORLD / "binance" / "user_config.json"


def run(*args: object) -> tuple[int, str, str]:
    result = invoke(["verify", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def _negative_okx(tmp_path: Path) -> Path:
    """An OKX v1 proof (recognised from the file) whose sibling binds a negative BTC sum (threat L2)."""
    accounts = [("a", ("1", "0", "0")), ("b", ("-2", "0", "0")), ("c", ("5", "0", "0")), ("d", ("0", "0", "1"))]
    path = tmp_path / "negative.json"
    path.write_text(json.dumps(builders.okx_v1_proof(accounts, 2)))
    return path


def test_a_tree_with_negative_sums_exits_3_and_is_not_valid(tmp_path: Path) -> None:
    proof = _negative_okx(tmp_path)
    code, out, err = run(proof)
    assert code == 3
    first = out.splitlines()[0]
    assert first == (
        "NOT VALID: your balance is included, but this tree contains negative sums: its totals prove nothing"
    )
    assert "VALID:" not in out.replace("NOT VALID:", "") and "[ANOMALY]" in out
    assert "NOT VALID: your balance is included" in err  # on stderr too, for a script that drops stdout
    code, out, _ = run(proof, "--json")
    payload = json.loads(out)
    assert code == 3 and payload["valid"] is False
    assert payload["verdict"].startswith("your balance is included, but this tree contains negative sums")
    assert any(f["code"] == "negative-sum" for f in payload["findings"])


def test_a_sound_foreign_file_still_exits_0(tmp_path: Path) -> None:
    accounts = [("a", ("1", "0", "0")), ("b", ("2", "0", "0")), ("c", ("5", "0", "0")), ("d", ("0", "0", "1"))]
    path = tmp_path / "sound.json"
    path.write_text(json.dumps(builders.okx_v1_proof(accounts, 2)))
    code, out, _ = run(path, "--json")
    assert code == 0 and json.loads(out)["valid"] is True and json.loads(out)["verdict"] == "valid"


def test_the_format_is_always_printed_and_said_to_be_detected() -> None:
    nonce = BITMEX_NONCES[2]
    code, out, _ = run(BITMEX_TREE, "--uid", "2", "--param", f"account_nonce={nonce}")
    assert code == 0
    assert "  format:        bitmex (recognised from the file; name another with --format)" in out
    code, out, _ = run(BITMEX_TREE, "--format", "bitmex", "--uid", "2", "--param", f"account_nonce={nonce}")
    assert code == 0 and "  format:        bitmex (--format)" in out
    payload = json.loads(run(BITMEX_TREE, "--json")[1])
    assert payload["format"] == "bitmex" and payload["format_chosen_by"] == "detected"


def test_a_failure_names_the_format_it_was_checked_by(tmp_path: Path) -> None:
    lines = BITMEX_TREE.read_text().splitlines()
    lines[2] = ("0" * 64) + "," + lines[2].split(",")[1]
    bad = tmp_path / "tree.csv"
    bad.write_text("\n".join(lines) + "\n")
    code, _, err = run(bad)
    assert code == 1 and "  format: bitmex (recognised from the file)" in err


def test_a_uid_the_format_cannot_check_is_refused() -> None:
    """BitMEX with this proof's nonce (--secret) used to print "account: 999" for any --uid."""
    secret = hashlib_sub_nonce(2)
    code, out, _ = run(BITMEX_TREE, "--secret", secret)
    assert code == 0 and "account:" not in out  # the nonce alone: no account number is claimed
    code, out, err = run(BITMEX_TREE, "--secret", secret, "--uid", "999")
    assert code == 2 and out == "" and "--uid cannot be checked with --secret" in err
    # A format that takes no uid or secret at all refuses them, naming the detection.
    okx = REALWORLD / "okx" / "merkle_proof_file.json"
    for option in ("--uid", "--secret"):
        code, out, err = run(okx, option, "1")
        assert code == 2 and out == "" and "does not take" in err and "recognised from the file" in err


def hashlib_sub_nonce(account: int) -> str:
    """This proof's nonce for ``account`` of BitMEX's README tree, derived as BitMEX does."""
    import hashlib
    import struct

    height = int(BITMEX_TREE.read_text().split("\n", 1)[0].split(":")[1])
    data = bytes.fromhex(BITMEX_NONCES[account]) + struct.pack("<Q", height) + struct.pack("<Q", account)
    return hashlib.sha256(data).hexdigest()


def test_an_unsupported_version_of_a_known_format_exits_2(tmp_path: Path) -> None:
    doc = json.loads(BINANCE.read_text())
    del doc["TotalCollateral"]  # the shape of Binance's pre-2024 proofs
    old = tmp_path / "user_config.json"
    old.write_text(json.dumps(doc))
    code, out, err = run(old)
    assert code == 2 and out == ""
    assert err.startswith("ERROR: unsupported version: ") and "INVALID" not in err
    code, out, _ = run(old, "--json")
    assert code == 2 and json.loads(out)["error"] == "version" and json.loads(out)["valid"] is False


def _solvent(*args: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "solvent", *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


@pytest.mark.parametrize("expected", [0, 3])
def test_a_closed_pipe_is_not_an_error(tmp_path: Path, expected: int) -> None:
    """``solvent verify F | head -1``: the reader leaves; the exit code is still the verdict's."""
    if expected == 0:
        proof = REALWORLD / "okx" / "full-liabilities-merkle-tree.txt"  # a long report: many writes
    else:
        proof = _negative_okx(tmp_path)
    process = _solvent("verify", proof)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader is gone before a byte is written: every write is EPIPE
    code = process.wait(timeout=120)
    err = process.stderr.read().decode()
    process.stderr.close()
    assert code == expected, err
    assert "Broken pipe" not in err and "Traceback" not in err and "Errno" not in err


def test_a_proof_without_a_manifest_fails_unless_unanchored(tmp_path: Path) -> None:
    proof = tmp_path / "proof.json"
    proof.write_text(json.dumps(json.loads(KAT.read_text())["proofs"][0]))
    code, out, err = run(proof)
    assert code == 1 and out == ""
    assert err.startswith("INVALID: no snapshot manifest was given")
    code, out, err = run(proof, "--unanchored")
    assert code == 0
    assert out.startswith("UNANCHORED (--unanchored, no manifest checked): ")  # says so on stdout
    assert "manifest NOT checked" in out
    assert "WARNING: no snapshot manifest was given" in err  # and on stderr
    payload = json.loads(run(proof, "--unanchored", "--json")[1])
    assert payload["anchored"] is False
    code, _, err = run(REALWORLD / "okx" / "merkle_proof_file.json", "--unanchored")
    assert code == 2 and "solvent proofs only" in err
