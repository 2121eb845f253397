"""`solvent reserves challenge | attest | verify` and their exit codes (0 valid, 1 invalid, 2 usage/unreachable)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from solvent.protocol.errors import SolventError
from solvent.reserves.challenge import challenge_message
from tests.cli_invoke import invoke
from tests.reserves.scenario import BTC_PIN, ETH_PIN, EXCHANGE, SIGNING_KEY, SNAPSHOT, make_scenario

ATTEST = ["reserves", "attest", "--public-key", SIGNING_KEY]

pytestmark = pytest.mark.integration


def files(tmp_path: Path, keys, **kw) -> tuple[Path, Path]:
    sc = make_scenario(keys, eth_declared=True, **kw)
    decl, sigs = tmp_path / "reserves.toml", tmp_path / "signatures.csv"
    decl.write_text(sc.toml)
    sigs.write_text(sc.signatures_csv())
    return decl, sigs


def test_challenge_prints_the_exact_messages(tmp_path: Path, keys) -> None:
    decl, _ = files(tmp_path, keys)
    sc = make_scenario(keys)
    result = invoke(["reserves", "challenge", str(decl), "--public-key", SIGNING_KEY, "--json"])
    assert result.exit_code == 0
    items = json.loads(result.stdout)
    assert items[0]["message"] == challenge_message(EXCHANGE, SNAPSHOT, ETH_PIN, sc.eth[0], signing_key=SIGNING_KEY)
    assert items[2]["address"] == sc.btc["p2wpkh"].text  # normalised from the upper-case spelling
    expected = challenge_message(EXCHANGE, SNAPSHOT, BTC_PIN, sc.btc["p2wpkh"], signing_key=SIGNING_KEY)
    assert items[2]["message"] == expected
    text = invoke(["reserves", "challenge", str(decl), "--public-key", SIGNING_KEY]).stdout
    assert items[4]["message"] in text


def test_attest_then_verify(tmp_path: Path, keys) -> None:
    decl, sigs = files(tmp_path, keys)
    out = tmp_path / "reserves.json"
    result = invoke([*ATTEST, str(decl), "--signatures", str(sigs), "--out", str(out)])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "5 wallets" in result.stdout
    result = invoke(["reserves", "verify", str(out)])
    assert result.exit_code == 0
    assert result.stdout.count("ok ") == 5
    assert "not re-read" in result.stderr
    assert "not bound to any signed manifest" in result.stderr
    again = invoke([*ATTEST, str(decl), "--signatures", str(sigs), "--out", str(out)])
    assert again.exit_code == 2  # never overwrites


def test_verify_reports_a_forged_signature_with_exit_1(tmp_path: Path, keys) -> None:
    decl, sigs = files(tmp_path, keys)
    out = tmp_path / "reserves.json"
    invoke([*ATTEST, str(decl), "--signatures", str(sigs), "--out", str(out)])
    doc = json.loads(out.read_text())
    doc["wallets"][0]["signature"], doc["wallets"][1]["signature"] = (
        doc["wallets"][1]["signature"],
        doc["wallets"][0]["signature"],
    )
    out.write_text(json.dumps(doc))
    result = invoke(["reserves", "verify", str(out), "--json"])
    assert result.exit_code == 1
    verdicts = [w["valid"] for w in json.loads(result.stdout)["wallets"]]
    assert verdicts == [False, False, True, True, True]


def test_attest_with_a_bad_signature_is_invalid(tmp_path: Path, keys) -> None:
    decl, sigs = files(tmp_path, keys)
    lines = sigs.read_text().splitlines()
    lines[1], lines[2] = lines[1].rsplit(",", 1)[0] + "," + lines[2].rsplit(",", 1)[1], lines[2]
    sigs.write_text("\n".join(lines) + "\n")
    result = invoke([*ATTEST, str(decl), "--signatures", str(sigs), "--out", str(tmp_path / "r")])
    assert result.exit_code == 1
    assert "INVALID" in result.stderr
    assert not (tmp_path / "r").exists()


def test_unreachable_node_is_exit_2_and_nothing_is_written(tmp_path: Path, keys) -> None:
    sc = make_scenario(keys)
    decl, sigs = tmp_path / "reserves.toml", tmp_path / "signatures.csv"
    decl.write_text(sc.toml)
    sigs.write_text(sc.signatures_csv())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    out = tmp_path / "reserves.json"
    result = invoke(
        [
            "reserves",
            "attest",
            str(decl),
            "--public-key",
            SIGNING_KEY,
            "--signatures",
            str(sigs),
            "--out",
            str(out),
            "--node",
            f"ethereum=http://127.0.0.1:{port}",
        ],
    )
    assert result.exit_code == 2
    assert "cannot reach" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda t: t.replace('assets = "BTC:8', 'assets = "BTC:x'), "SYMBOL:DECIMALS"),
        (lambda t: t.replace('declared = { BTC = "1.25" }', "declared = { BTC = 1.25 }"), "decimal strings"),
        (lambda t: t.replace('declared = { BTC = "1.25" }', 'declared = { BTC = "1.123456789" }'), "fractional"),
        (lambda t: t.replace('declared = { BTC = "1.25" }', 'declared = { BTC = "-1" }'), "negative"),
        (lambda t: t.replace('chain = "bitcoin"\n', 'chain = "dogecoin"\n', 1), "unknown chain"),
        (lambda t: t + "\nsurprise = 1\n", "unknown surprise"),
        (lambda t: t.replace("[chains.bitcoin]", "[chains.bitcoin]\nextra = 1"), "chains.bitcoin: unknown extra"),
        (lambda t: t.replace('format = "solvent-reserves-declaration/1"', 'format = "v2"'), "format"),
        (lambda t: "not = [toml", "not valid TOML"),
    ],
)
def test_bad_declarations_are_usage_errors_naming_the_entry(tmp_path: Path, keys, mutate, needle: str) -> None:
    decl, _ = files(tmp_path, keys)
    decl.write_text(mutate(decl.read_text()))
    result = invoke(["reserves", "challenge", str(decl), "--public-key", SIGNING_KEY])
    assert result.exit_code == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr


def test_verify_against_the_signed_snapshot(tmp_path: Path, keys) -> None:
    from solvent.protocol.assets import parse_asset_list
    from tests.reserves.helpers import write_snapshot

    decl, sigs = files(tmp_path, keys)
    out = tmp_path / "reserves.json"
    invoke([*ATTEST, str(decl), "--signatures", str(sigs), "--out", str(out)])
    snap = write_snapshot(
        tmp_path / "snap",
        exchange=EXCHANGE,
        snapshot_id=SNAPSHOT,
        liabilities={},
        assets=parse_asset_list("BTC:8,ETH:8,USDT:8,USD:2"),
        reserves=out.read_bytes(),
    )
    manifest = snap / "public" / "snapshot.json"
    published = snap / "public" / "reserves.json"
    assert invoke(["reserves", "verify", str(published), "--snapshot", str(manifest)]).exit_code == 0
    published.write_bytes(published.read_bytes().replace(b'"label": "eth cold 1"', b'"label": "eth cold 9"'))
    result = invoke(["reserves", "verify", str(published), "--snapshot", str(manifest)])
    assert result.exit_code == 1
    assert "SHA-256 differs" in result.stderr


@pytest.mark.parametrize(
    ("case", "code", "says"),
    [
        ("not bound", "manifest-mismatch", "not bound in the signed manifest"),
        ("unbound garbage", "manifest-mismatch", "not bound in the signed manifest"),
        ("another snapshot", "manifest-mismatch", "another snapshot"),
    ],
)
def test_verify_snapshot_binds_as_the_report_does(tmp_path: Path, case: str, code: str, says: str) -> None:
    """--snapshot runs the report loader's steps: bound by digest first, then parsed, then same snapshot."""
    from solvent.pipeline.report import load_snapshot
    from solvent.protocol.assets import parse_asset_list
    from tests.report.fixtures import SCENARIO_ASSETS, declared_attestation
    from tests.reserves.helpers import write_snapshot

    raw = b'{"format": "not json' if case == "unbound garbage" else declared_attestation().to_json()
    snap = write_snapshot(
        tmp_path / "snap",
        exchange=EXCHANGE,
        snapshot_id="2026-11-24" if case == "another snapshot" else SNAPSHOT,
        liabilities={},
        assets=parse_asset_list(SCENARIO_ASSETS),
        reserves=raw,
        bind_reserves=case == "another snapshot",
    )
    public = snap / "public"
    result = invoke(
        ["reserves", "verify", str(public / "reserves.json"), "--snapshot", str(public / "snapshot.json"), "--json"]
    )
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert (doc["valid"], doc["error"]) == (False, code)
    assert says in doc["message"]
    with pytest.raises(SolventError) as e:  # the report refuses the same directory the same way
        load_snapshot(snap)
    assert e.value.code == code and says in e.value.message


def test_verify_says_when_the_file_is_bound_to_no_manifest(tmp_path: Path, keys) -> None:
    """Review finding 8: without --snapshot the manifest binding was skipped silently."""
    from solvent.protocol.assets import parse_asset_list
    from tests.reserves.helpers import write_snapshot

    decl, sigs = files(tmp_path, keys)
    out = tmp_path / "reserves.json"
    invoke([*ATTEST, str(decl), "--signatures", str(sigs), "--out", str(out)])
    loose = invoke(["reserves", "verify", str(out), "--json"])
    assert loose.exit_code == 0
    assert json.loads(loose.stdout)["bound"] is False
    assert "not bound to any signed manifest" in loose.stderr
    assert any("not bound" in w for w in json.loads(loose.stdout)["warnings"])
    snap = write_snapshot(
        tmp_path / "snap",
        exchange=EXCHANGE,
        snapshot_id=SNAPSHOT,
        liabilities={},
        assets=parse_asset_list("BTC:8,ETH:8,USDT:8,USD:2"),
        reserves=out.read_bytes(),
    )
    public = snap / "public"
    bound = invoke(
        ["reserves", "verify", str(public / "reserves.json"), "--snapshot", str(public / "snapshot.json"), "--json"]
    )
    assert bound.exit_code == 0
    doc = json.loads(bound.stdout)
    assert (doc["bound"], doc["taken_at"]) == (True, "2026-11-23T00:00:00Z")
    assert "not bound" not in bound.stderr


def test_verify_and_report_refuse_bad_verifier_options(tmp_path: Path, keys) -> None:
    decl, sigs = files(tmp_path, keys)
    out = tmp_path / "reserves.json"
    invoke([*ATTEST, str(decl), "--signatures", str(sigs), "--out", str(out)])
    for args in (["--token", "ethereum:USDT"], ["--max-block-age", "soon"]):
        result = invoke(["reserves", "verify", str(out), *args])
        assert result.exit_code == 2
        assert "Traceback" not in result.stderr


def test_attest_names_token_contracts_verifiers_will_not_recognise(tmp_path: Path, keys) -> None:
    from solvent.reserves.chains import eip55

    fake = eip55(bytes([0x12] * 20))
    decl, sigs = files(tmp_path, keys, usdt=fake)
    out = tmp_path / "reserves.json"
    result = invoke([*ATTEST, str(decl), "--signatures", str(sigs), "--out", str(out)])
    assert result.exit_code == 0
    note = f"USDT on ethereum at {fake} is not a token contract solvent recognises; verifiers count it as declared"
    assert note in result.stdout
    assert f"unless they pass --token ethereum:USDT={fake}" in result.stdout
    # control: the real USDT contract draws no such note
    real = tmp_path / "real"
    real.mkdir()
    decl, sigs = files(real, keys)
    plain = invoke([*ATTEST, str(decl), "--signatures", str(sigs), "--out", str(real / "r")])
    assert plain.exit_code == 0
    assert "recognises" not in plain.stdout


def _printed(capsys, *checks) -> list[str]:
    """The `reserves verify` lines for hand-made checks of wallets no scenario signs yet."""
    from solvent.cli.reserves import _print_result
    from solvent.reserves.recheck import ReservesCheck

    _print_result(ReservesCheck(None, tuple(checks)), key_checked=True)  # type: ignore[arg-type]
    return capsys.readouterr().out.splitlines()


def _entry(chain: str, raw: bytes, scheme: str, source: str, *, observed=None, height: int = 1000):
    from solvent.reserves.chains import get_chain, normalize_address, tron_address
    from solvent.reserves.pinned_block import BlockPin
    from solvent.reserves.reserves_json import Balance, WalletEntry

    spec = get_chain(chain)
    text = tron_address(raw) if chain == "tron" else "0x" + raw.hex()
    address = normalize_address(spec, text)
    balance = Balance("USDT", None, 6, 5_000_000, 5_000_000, source)
    pin = BlockPin(chain, height, "ab" * 32)
    return WalletEntry(address, pin, scheme, "00", (balance,), block_time=1_700_000_000, observed=observed)


def test_verify_prints_the_method_and_a_latest_reading_as_such(capsys) -> None:
    from solvent.report.render_json import NOT_CHECKED
    from solvent.reserves.pinned_block import ObservedBlock
    from solvent.reserves.recheck import WalletCheck

    observed = ObservedBlock("tron", 1234567, "cd" * 32, 1_700_000_060)
    tron = WalletCheck(
        _entry("tron", b"\x11" * 20, "tip191-v2", "observed", observed=observed),
        None,
        "a tron node",
        key_bound=True,
        method="TIP-191 v2 signature",
    )
    safe = WalletCheck(
        _entry("ethereum", b"\x22" * 20, "safe", "observed"),
        None,
        "an ethereum node",
        key_bound=True,
        method="2-of-3 Safe, one EIP-191 signature per owner",
    )
    contract = WalletCheck(
        _entry("ethereum", b"\x33" * 20, "erc1271", "observed"),
        None,
        None,
        key_bound=True,
        method="ERC-1271 contract signature",
        ownership_checked=False,
        ownership_note="ERC-1271 ownership is checked on chain: not checked without a node",
    )
    lines = _printed(capsys, tron, safe, contract)
    assert lines[0].startswith(f"ok       tron {tron.wallet.address.text}: signature valid (TIP-191 v2 signature)")
    assert "balances re-read from a tron node, observed at block 1234567 (latest), not at the pinned block" in lines[0]
    assert "at the pinned block" not in lines[0].replace("not at the pinned block", "")
    assert "signature valid (2-of-3 Safe, one EIP-191 signature per owner)" in lines[1]
    assert "balances re-read from an ethereum node, at the pinned block 1000" in lines[1]
    assert f"{NOT_CHECKED} (ERC-1271 contract signature)" in lines[2] and "signature valid" not in lines[2]
    assert lines[3].strip() == "ERC-1271 ownership is checked on chain: not checked without a node"
