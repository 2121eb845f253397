"""Every command on bad input: a clear message, the right exit code (0 / 1 / 2), nothing half-written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.cli.conftest import KAT, kat_assets, solvent, write_kat_inputs
from tests.cli_invoke import invoke
from tests.conformance.vectors import DIR as VECTORS
from tests.conformance.vectors import Vector, load_all, materialise

pytestmark = pytest.mark.integration


# -- keygen --------------------------------------------------------------------------------------


def test_keygen_never_overwrites_a_key(tmp_path: Path) -> None:
    assert solvent("keygen", "--out", tmp_path / "k").returncode == 0
    before = (tmp_path / "k" / "master.key").read_bytes()
    again = solvent("keygen", "--out", tmp_path / "k")
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr
    assert (tmp_path / "k" / "master.key").read_bytes() == before
    assert oct((tmp_path / "k" / "master.key").stat().st_mode & 0o777) == "0o600"
    assert oct((tmp_path / "k" / "signing.key").stat().st_mode & 0o777) == "0o600"


# -- build ---------------------------------------------------------------------------------------


def _build(tmp_path: Path, ledger_text: str | None = None, *extra: object, out: str = "snap"):
    keys = tmp_path / "keys"
    ledger = tmp_path / "ledger.csv"
    if not keys.exists():
        ledger, keys = write_kat_inputs(tmp_path)
    if ledger_text is not None:
        ledger.write_text(ledger_text)
    return solvent("build", ledger, "--assets", kat_assets(), "--snapshot-id", "2026-11-23",
                   "--master-key-file", keys / "master.key", "--signing-key-file", keys / "signing.key",
                   "--out", tmp_path / out, *extra)


@pytest.mark.parametrize(
    ("ledger", "fragments"),
    [
        ("uid,BTC,ETH,USD\nalice,-1,0,0\n", ["row 1", "line 2", "BTC", "negative"]),
        ("uid,BTC,ETH,USD\nalice,1,0,0\nbob,0.000000001,0,0\n", ["row 2", "BTC", "fractional digits"]),
        ("uid,BTC,ETH,USD\nalice,1e-9,0,0\n", ["row 1", "BTC", "exponent"]),
        ("uid,BTC,ETH,USD\nalice,1.5,,0\n", ["row 1", "ETH", "empty"]),
        ("uid,BTC,ETH,USD\nalice,1,0,0\nalice,2,0,0\n", ["alice", "duplicate"]),
        ("uid,BTC,ETH,JUNK\nalice,1,0,0\n", ["JUNK"]),
        ("uid,BTC,ETH,USD\nalice,3402823669209384634633746074317.68211456,0,0\n", ["row 1", "2^128"]),
        ("", ["empty"]),
        ("uid,BTC,ETH,USD\n", ["no rows"]),
    ],
    ids=["negative", "decimals", "exponent", "empty-field", "duplicate", "unknown-asset", "2^128", "empty-file",
         "header-only"],
)
def test_build_rejects_bad_ledgers_and_leaves_nothing(tmp_path: Path, ledger: str, fragments: list[str]) -> None:
    result = _build(tmp_path, ledger)
    assert result.returncode == 2, result.stdout + result.stderr
    for fragment in fragments:
        assert fragment.lower() in result.stderr.lower(), (fragment, result.stderr)
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "snap").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".snap.")], "a temporary directory was left"


def test_build_rejects_a_ledger_that_is_not_utf8(tmp_path: Path) -> None:
    assert _build(tmp_path, None).returncode == 0
    (tmp_path / "ledger.csv").write_bytes(b"uid,BTC,ETH,USD\n\xff\xfeal,1,0,0\n")
    bad = _build(tmp_path, None, out="snap2")
    assert bad.returncode == 2 and "UTF-8" in bad.stderr and not (tmp_path / "snap2").exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--snapshot-id", "bad id"), "snapshot id"),
        (("--taken-at", "yesterday"), "RFC 3339"),
        (("--assets", "BTC:8,ETH"), "SYMBOL:DECIMALS"),
        (("--assets", "BTC:19"), "decimals"),
    ],
)
def test_build_rejects_bad_options(tmp_path: Path, args: tuple[str, ...], fragment: str) -> None:
    ledger, keys = write_kat_inputs(tmp_path)
    options = {"--assets": kat_assets(), "--snapshot-id": "s1", "--taken-at": "2026-11-23T00:00:00Z"}
    options.update(dict(zip(args[::2], args[1::2])))
    flat = [x for pair in options.items() for x in pair]
    result = solvent("build", ledger, *flat, "--master-key-file", keys / "master.key",
                     "--signing-key-file", keys / "signing.key", "--out", tmp_path / "snap")
    assert result.returncode == 2 and fragment in result.stderr, result.stderr
    assert not (tmp_path / "snap").exists()


def test_build_key_files_are_checked(tmp_path: Path) -> None:
    ledger, keys = write_kat_inputs(tmp_path)
    (keys / "master.key").write_text("abcd\n")
    result = solvent("build", ledger, "--assets", kat_assets(), "--snapshot-id", "s1",
                     "--master-key-file", keys / "master.key", "--signing-key-file", keys / "signing.key",
                     "--out", tmp_path / "snap")
    assert result.returncode == 2 and "not a solvent master key file" in result.stderr


def test_build_never_replaces_a_snapshot_unless_forced(tmp_path: Path) -> None:
    assert _build(tmp_path).returncode == 0
    manifest = (tmp_path / "snap" / "public" / "snapshot.json").read_bytes()
    again = _build(tmp_path, None)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert (tmp_path / "snap" / "public" / "snapshot.json").read_bytes() == manifest
    forced = _build(tmp_path, None, "--taken-at", "2026-11-24T00:00:00Z", "--force")
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "snap" / "public" / "snapshot.json").read_bytes() != manifest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys", "ledger.csv", "snap"]


def test_nothing_private_is_published(tmp_path: Path) -> None:
    assert _build(tmp_path).returncode == 0  # v2, by the command line
    snap = tmp_path / "snap"
    public_bytes = b"".join(p.read_bytes() for p in (snap / "public").rglob("*") if p.is_file())
    for account in KAT["accounts"]:
        assert account["user_secret"].encode() not in public_bytes
        assert bytes.fromhex(account["user_secret"]) not in public_bytes
        assert f"{account['uid']},".encode() not in public_bytes
    assert KAT["master_key"].encode() not in public_bytes


# -- prove ---------------------------------------------------------------------------------------


def test_prove_errors(kat_snapshot: Path, tmp_path: Path) -> None:
    malformed = solvent("prove", kat_snapshot, "xyz")
    assert malformed.returncode == 2 and "64 hex digits" in malformed.stderr
    unknown = solvent("prove", kat_snapshot, "ab" * 32)
    assert unknown.returncode == 1 and "not in snapshot" in unknown.stderr
    not_a_snapshot = solvent("prove", tmp_path, "ab" * 32)
    assert not_a_snapshot.returncode == 2 and "not a snapshot directory" in not_a_snapshot.stderr
    usage = solvent("prove", kat_snapshot)
    assert usage.returncode == 2


def test_prove_in_process_and_as_a_process_agree(kat_snapshot: Path) -> None:
    for hashed_id in (KAT["leaf_order"][3], " " + KAT["leaf_order"][0].upper() + " ", "ab" * 32, "xyz"):
        process = solvent("prove", kat_snapshot, hashed_id)
        in_process = invoke(["prove", kat_snapshot, hashed_id])
        assert process.returncode == in_process.exit_code
        assert process.stdout == in_process.stdout
    assert "usage:" in solvent("prove", "--help").stdout


# -- verify --------------------------------------------------------------------------------------


# The committed proof vectors (the megabyte ones, generated from recipes, run in tests/conformance).
@pytest.mark.parametrize("case", [v for v in load_all() if v.kind == "proof" and "generate" not in v.input],
                         ids=lambda v: v.name)
def test_verify_cli_on_every_vector(case: Vector, tmp_path: Path) -> None:
    proof = tmp_path / "proof.json"
    proof.write_bytes(materialise(case.input))
    args = ["verify", proof, "--json", "--format", "solvent"]
    if case.manifest:
        args += ["--snapshot", VECTORS / case.manifest, "--no-signature"]
    else:
        args += ["--unanchored"]  # without it, no manifest is itself a failure (its own test)
    if case.asked_for:
        args += ["--hashed-id", case.asked_for]
    result = solvent(*args)
    payload = json.loads(result.stdout)
    if case.error is None:
        assert result.returncode == 0 and payload["valid"]
    else:
        # A version this release does not read (or a proof of the other version than its
        # manifest) is "unsupported version", exit 2; everything else that fails is exit 1.
        assert result.returncode == (2 if case.error == "version" else 1), result.stderr
        assert payload == {**payload, "valid": False, "error": case.error}


def test_verify_usage_errors(kat_snapshot: Path, tmp_path: Path) -> None:
    alice = next(a for a in KAT["accounts"] if a["uid"] == "alice")
    proof = tmp_path / "p.json"
    assert solvent("prove", kat_snapshot, alice["hashed_id"], "-o", proof).returncode == 0
    manifest = kat_snapshot / "public" / "snapshot.json"
    assert solvent("verify", tmp_path / "missing.json").returncode == 2
    assert solvent("verify", proof, "--uid", "alice").returncode == 2
    assert solvent("verify", proof, "--uid", "alice", "--secret", "zz").returncode == 2
    wrong_owner = solvent("verify", proof, "--snapshot", manifest, "--uid", "bob", "--secret", alice["user_secret"])
    assert wrong_owner.returncode == 1 and "not derived from this uid" in wrong_owner.stderr
    # The signature: missing (fails closed, exit 1, unless explicitly waived), wrong key (exit 1).
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copy(manifest, bare / "snapshot.json")
    missing = solvent("verify", proof, "--snapshot", bare / "snapshot.json")
    assert missing.returncode == 1 and "signature not found" in missing.stderr
    assert solvent("verify", proof, "--snapshot", bare / "snapshot.json", "--no-signature").returncode == 0
    other_key = solvent("verify", proof, "--snapshot", manifest, "--public-key", "11" * 32)
    assert other_key.returncode == 1 and "does not verify" in other_key.stderr


# -- audit ---------------------------------------------------------------------------------------


def test_audit_usage_errors(tmp_path: Path) -> None:
    assert solvent("audit", tmp_path / "nope").returncode == 2
    assert solvent("audit").returncode == 2


def test_review_findings_are_usage_errors_not_tracebacks(kat_snapshot: Path, tmp_path: Path) -> None:
    """Each of these once ended in a traceback or the wrong exit code."""
    alice = next(a for a in KAT["accounts"] if a["uid"] == "alice")
    manifest = kat_snapshot / "public" / "snapshot.json"
    cases = [
        (("prove", kat_snapshot, alice["hashed_id"], "--out", tmp_path / "no" / "such" / "dir.json"), 2),
        (("prove", kat_snapshot, alice["hashed_id"], "--out", tmp_path), 2),
        (("verify", tmp_path / "p.json", "--snapshot", manifest, "--public-key", "ab" * 200), 2),
        (("verify", tmp_path / "p.json", "--snapshot", manifest, "--public-key", "zz"), 2),
        (("verify", tmp_path / "p.json", "--snapshot", manifest, "--uid", "al\x07ice",
          "--secret", alice["user_secret"]), 2),
    ]
    assert solvent("prove", kat_snapshot, alice["hashed_id"], "-o", tmp_path / "p.json").returncode == 0
    for args, code in cases:
        result = solvent(*args)
        assert result.returncode == code, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_build_refuses_what_a_verifier_would_refuse(tmp_path: Path) -> None:
    ledger, keys = write_kat_inputs(tmp_path)
    common = ("--assets", kat_assets(), "--snapshot-id", "s1", "--master-key-file", keys / "master.key",
              "--signing-key-file", keys / "signing.key")
    bell = solvent("build", ledger, *common, "--out", tmp_path / "a", "--exchange", "Evil\x07Ex")
    assert bell.returncode == 2 and "control characters" in bell.stderr and not (tmp_path / "a").exists()
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    dangling = solvent("build", ledger, *common, "--out", tmp_path / "link")
    assert dangling.returncode == 2 and "Traceback" not in dangling.stderr
    config = tmp_path / "c.toml"
    config.write_text('round_up = "false"\n')
    typed = solvent("build", ledger, *common, "--out", tmp_path / "b", "--config", config)
    assert typed.returncode == 2 and "round_up" in typed.stderr
    config.write_text("exchange = 5\n")
    assert solvent("build", ledger, *common, "--out", tmp_path / "b", "--config", config).returncode == 2


def test_build_refuses_a_ledger_whose_total_overflows(tmp_path: Path) -> None:
    half = "1701411834604692317316873037158.84105728"  # 2^127 base units of an 8-decimal asset
    big = f"uid,BTC,ETH,USD\na,{half},0,0\nb,{half},0,0\nc,{half},0,0\n"
    result = _build(tmp_path, big)
    assert result.returncode == 2 and "BTC" in result.stderr and "2^128" in result.stderr


def test_round_up_is_never_silent(tmp_path: Path) -> None:
    result = _build(tmp_path, "uid,BTC,ETH,USD\nalice,0.123456789,0,0\nbob,1,0,0.005\n", "--round-up")
    assert result.returncode == 0, result.stderr
    assert "rounded up:  1 BTC, 1 USD amounts (--round-up)" in result.stdout
    liabilities = tmp_path / "snap" / "public" / "liabilities"
    btc, usd = (liabilities / "BTC.csv").read_text(), (liabilities / "USD.csv").read_text()
    assert ",0.12345679\n" in btc and ",0.01\n" in usd  # up, never down


def test_an_unknown_hash_backend_is_a_usage_error_before_any_work(kat_snapshot: Path) -> None:
    result = solvent("audit", kat_snapshot / "public", "--hasher", "md5")
    assert result.returncode == 2 and "unknown hash backend" in result.stderr and "Traceback" not in result.stderr
