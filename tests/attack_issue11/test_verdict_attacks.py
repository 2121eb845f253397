"""Verdicts that must fail closed: negative sums in foreign proofs, versions, ignored options, pipes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from solvent.formats.bybit_schemas import SCHEMAS
from tests.attack_issue11.conftest import Kit
from tests.cli_invoke import invoke
from tests.formats import builders

#: Exit codes the README's table lists for verify.
DOCUMENTED = {0, 1, 2, 3}


def _okx(neg: str) -> dict[str, Any]:
    accts = [("n0", ("1", "2", "3")), ("n1", ("0", neg, "0")), ("n2", ("1", "1", "1")), ("n3", ("2", "0", "0"))]
    return builders.okx_v1_proof(accts, 0)


def _bybit(neg: str) -> dict[str, Any]:
    assets = SCHEMAS["20"]
    plain = ["1.00000000"] * len(assets)
    accts = [(f"{n:064x}", list(plain)) for n in range(4)]
    accts[1][1][1] = neg
    return builders.bybit_proof(assets, accts, 0)


def _bitget(neg: str) -> dict[str, Any]:
    accts = [("u0", "n0", ("1", "2")), ("u1", "n1", ("0", neg)), ("u2", "n2", ("1", "1")), ("u3", "n3", ("2", "0"))]
    return builders.bitget_proof(("BTC", "ETH"), accts, 0)


def _mexc(neg: str) -> dict[str, Any]:
    accts = [("40", {"BTC": "1"}), ("41", {"BTC": neg}), ("42", {"BTC": "1"}), ("43", {"BTC": "2"})]
    return builders.mexc_proof("PR", accts, 0)


BUILDERS: dict[str, Callable[[str], dict[str, Any]]] = {"okx": _okx, "bybit": _bybit, "bitget": _bitget, "mexc": _mexc}


@pytest.mark.parametrize("fmt", BUILDERS)
@pytest.mark.parametrize("neg", ["-5", "-0.00000001", "-1e2"])
def test_a_foreign_proof_with_a_negative_sibling_never_passes(fmt: str, neg: str, tmp_path: Path) -> None:
    path = tmp_path / f"{fmt}.json"
    path.write_text(json.dumps(BUILDERS[fmt](neg)))
    r = invoke(["verify", path])
    assert r.exit_code in (1, 2, 3), r.output
    assert not r.stdout.startswith("VALID")
    j = invoke(["verify", path, "--json"])
    assert j.exit_code == r.exit_code
    if j.stdout.strip():
        assert json.loads(j.stdout)["valid"] is False


@pytest.mark.parametrize("fmt", BUILDERS)
def test_the_chosen_format_is_always_named(fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"{fmt}.json"
    path.write_text(json.dumps(BUILDERS[fmt]("0")))
    r = invoke(["verify", path])
    assert r.exit_code in DOCUMENTED
    assert "format:" in r.output, r.output


@pytest.mark.parametrize("fmt", BUILDERS)
@pytest.mark.parametrize("option", [["--uid", "999"], ["--secret", "ab" * 32], ["--hashed-id", "ab" * 32]])
def test_uid_and_secret_are_never_silently_ignored(fmt: str, option: list[str], tmp_path: Path) -> None:
    path = tmp_path / f"{fmt}.json"
    path.write_text(json.dumps(BUILDERS[fmt]("0")))
    r = invoke(["verify", path, *option])
    if r.exit_code == 0:  # only a format that really checked the value may pass
        assert option[1] in r.output, r.output
    else:
        assert r.exit_code == 2, r.output


def test_a_solvent_proof_without_a_manifest_is_not_valid(kit: Kit) -> None:
    r = invoke(["verify", kit.proof, "--uid", kit.uid, "--secret", kit.secret])
    assert r.exit_code == 1 and not r.stdout.startswith("VALID")
    j = invoke(["verify", kit.proof, "--uid", kit.uid, "--secret", kit.secret, "--json"])
    assert j.exit_code == 1 and json.loads(j.stdout)["valid"] is False


def test_unanchored_says_so_on_both_streams_and_never_mixes_with_a_manifest(kit: Kit) -> None:
    r = invoke(["verify", kit.proof, "--uid", kit.uid, "--secret", kit.secret, "--unanchored"])
    assert r.exit_code == 0 and "manifest" in r.stdout.lower() and "manifest" in r.stderr.lower()
    j = invoke(["verify", kit.proof, "--unanchored", "--json"])
    assert json.loads(j.stdout)["anchored"] is False
    both = invoke(["verify", kit.proof, "--snapshot", kit.manifest, "--unanchored"])
    assert both.exit_code == 2


@pytest.mark.parametrize("field", ["proof", "manifest"])
def test_an_unsupported_version_exits_2_never_invalid(kit: Kit, field: str, tmp_path: Path) -> None:
    proof, manifest = kit.proof, kit.manifest
    if field == "proof":
        doc = json.loads(proof.read_text())
        doc["format"] = "solvent-proof/9"
        proof = tmp_path / "p.json"
        proof.write_text(json.dumps(doc))
    else:
        doc = json.loads(manifest.read_text())
        doc["format"] = "solvent-snapshot/9"
        manifest = tmp_path / "snapshot.json"
        manifest.write_text(json.dumps(doc))
    r = invoke(["verify", proof, "--snapshot", manifest, "--uid", kit.uid, "--secret", kit.secret])
    assert r.exit_code == 2 and "unsupported version" in r.output and "INVALID" not in r.output


def test_a_closed_pipe_is_not_an_error(kit: Kit) -> None:
    """``solvent verify ... | head -c 1``: the reader goes away; the verdict's exit code stands."""
    p = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "solvent",
            "verify",
            str(kit.proof),
            "--snapshot",
            str(kit.manifest),
            "--uid",
            kit.uid,
            "--secret",
            kit.secret,
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert p.stdout is not None and p.stderr is not None
    p.stdout.close()  # nobody reads the answer
    err = p.stderr.read()
    assert p.wait(timeout=60) == 0, err
    assert b"Traceback" not in err and b"Broken pipe" not in err
