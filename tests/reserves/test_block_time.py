"""The pinned block must be the snapshot's: its time lies near the manifest's taken_at (review finding 2).

The attack: pin a block from before the coins left.  Its height and hash check out, the
signatures over it are fresh and the balance at that block is real -- only long gone.
The defense reads the block's time from the node, records it in reserves.json and
requires it within [taken_at - 24 h, taken_at + 1 h] (--max-block-age), else the
chain's wallets fail.  On a real node: test_stale_block_on_a_real_node below.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

import pytest

from solvent.demo.signers import ethereum_address, sign_eip191
from solvent.protocol.errors import FormatError, InputError, VerificationError
from solvent.reserves.attest import attest, parse_signatures
from solvent.reserves.block_window import (
    BlockTimeWindow,
    check_block_time,
    format_block_time,
    parse_block_time,
    parse_duration,
)
from solvent.reserves.challenge import challenge_message
from solvent.reserves.declaration import parse_declaration
from solvent.reserves.pinned_block import BlockPin
from solvent.reserves.recheck import check_attestation
from solvent.reserves.reserves_json import parse_attestation
from tests.reserves.fakes import FakeSource, node_for
from tests.reserves.scenario import SIGNING_KEY, make_scenario

TAKEN_AT = "2026-11-23T00:00:00Z"
T = 1795392000  # TAKEN_AT in seconds since 1970, computed independently below
HOUR = 3600


def test_the_constant_is_the_snapshot_time() -> None:
    assert time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(T)) == TAKEN_AT


@pytest.mark.parametrize(
    ("offset", "inside"),
    [
        (-24 * HOUR, True),
        (-24 * HOUR - 1, False),
        (0, True),
        (HOUR, True),
        (HOUR + 1, False),
        (-2 * 365 * 86400, False),
    ],
)
def test_window_edges(offset: int, inside: bool) -> None:
    if inside:
        check_block_time("ethereum", 7, T + offset, TAKEN_AT, read_from="reserves.json")
        return
    with pytest.raises(VerificationError) as e:
        check_block_time("ethereum", 7, T + offset, TAKEN_AT, read_from="reserves.json")
    assert e.value.code == "block-time"
    assert e.value.evidence["block_time"] == format_block_time(T + offset)
    assert e.value.evidence["taken_at"] == TAKEN_AT
    assert e.value.evidence["read_from"] == "reserves.json"


def test_window_with_a_fractional_snapshot_time_and_another_age() -> None:
    # taken at T + 0.5 s, blocks at most an hour older: T - 3599 is inside, T - 3600 half a second outside
    window = BlockTimeWindow(HOUR, 0)
    check_block_time("bitcoin", 1, T - HOUR + 1, "2026-11-23T00:00:00.5Z", window=window, read_from="a node")
    with pytest.raises(VerificationError):
        check_block_time("bitcoin", 1, T - HOUR, "2026-11-23T00:00:00.5Z", window=window, read_from="a node")
    with pytest.raises(VerificationError):  # and no lead at all: T + 1 is after T + 0.5
        check_block_time("bitcoin", 1, T + 1, "2026-11-23T00:00:00.5Z", window=window, read_from="a node")


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("30m", 1800), ("24h", 86400), ("2d", 172800)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "24", "1.5h", "-1h", "24 hours", "4000d", "h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(InputError):
        parse_duration(text)


@pytest.mark.parametrize(
    "text",
    ["2026-11-23T00:00:00", "2026-11-23T00:00:00.5Z", "2026-02-30T00:00:00Z", "2026-11-23T23:59:60Z", 1795392000],
)
def test_block_times_in_files_are_canonical(text: object) -> None:
    with pytest.raises(FormatError):
        parse_block_time(text, "block.time")
    assert parse_block_time(TAKEN_AT, "block.time") == T


# --- the verifier: (V4) time from the node, (V5) the window ----------------------------------------


def attested(keys, node: FakeSource | None = None):
    sc = make_scenario(keys)
    node = node or node_for(sc)
    return attest(sc.declaration(), sc.signatures(), {"ethereum": node}, signing_key=SIGNING_KEY), node


def test_the_node_time_is_recorded_in_reserves_json(keys) -> None:
    sc = make_scenario(keys)
    att, _ = attested(keys, node_for(sc, block_time=T - 5 * HOUR))
    doc = json.loads(att.to_json())
    times = {w["chain"]: w["block"]["time"] for w in doc["wallets"]}
    assert times == {"ethereum": "2026-11-22T19:00:00Z", "bitcoin": None}  # bitcoin: declared, no node
    assert parse_attestation(att.to_json()) == att


def test_a_stale_block_read_from_the_node_fails_the_chains_wallets(keys) -> None:
    sc = make_scenario(keys)
    two_years_ago = T - 2 * 365 * 86400
    att, node = attested(keys, node_for(sc, block_time=two_years_ago))
    result = check_attestation(att, {"ethereum": node}, taken_at=TAKEN_AT, signing_key=SIGNING_KEY)
    eth = [w for w in result.wallets if w.wallet.chain == "ethereum"]
    assert eth and all(w.error is not None and w.error.code == "block-time" for w in eth)
    assert eth[0].error.evidence["block_time"] == "2024-11-23T00:00:00Z"
    assert eth[0].error.evidence["taken_at"] == TAKEN_AT
    assert eth[0].error.evidence["read_from"] == node.description
    assert all(w.ok for w in result.wallets if w.wallet.chain == "bitcoin")
    # naive control: without the snapshot time the same check passes every wallet
    assert all(w.ok for w in check_attestation(att, {"ethereum": node}, signing_key=SIGNING_KEY).wallets)
    # and a verifier who accepts older blocks on purpose may say so
    lenient = BlockTimeWindow(max_age=800 * 86400)
    lenient_check = check_attestation(
        att, {"ethereum": node}, taken_at=TAKEN_AT, window=lenient, signing_key=SIGNING_KEY
    )
    assert all(w.ok for w in lenient_check.wallets)


def test_a_block_made_after_the_snapshot_fails(keys) -> None:
    sc = make_scenario(keys)
    att, node = attested(keys, node_for(sc, block_time=T + 2 * HOUR))
    result = check_attestation(att, {"ethereum": node}, taken_at=TAKEN_AT, signing_key=SIGNING_KEY)
    assert {w.error.code for w in result.wallets if w.error} == {"block-time"}


def test_the_file_and_the_node_must_agree_on_the_time(keys) -> None:
    att, node = attested(keys)
    node.block_time += 12  # the file says one time, the verifier's node another
    result = check_attestation(att, {"ethereum": node}, taken_at=TAKEN_AT, signing_key=SIGNING_KEY)
    eth = [w for w in result.wallets if w.wallet.chain == "ethereum"]
    assert all(w.error is not None and w.error.code == "block-time-mismatch" for w in eth)


def test_without_a_node_the_files_own_stale_time_fails(keys) -> None:
    sc = make_scenario(keys)
    att, _ = attested(keys, node_for(sc, block_time=T - 3 * 86400))
    result = check_attestation(att, taken_at=TAKEN_AT, signing_key=SIGNING_KEY)
    eth = [w for w in result.wallets if w.wallet.chain == "ethereum"]
    assert all(w.error is not None and w.error.code == "block-time" for w in eth)
    assert eth[0].error.evidence["read_from"] == "reserves.json"


def test_observed_balances_need_a_block_time_and_one_time_per_chain(keys) -> None:
    att, _ = attested(keys)
    doc = json.loads(att.to_json())
    doc["wallets"][0]["block"]["time"] = None
    with pytest.raises(FormatError) as e:
        parse_attestation(json.dumps(doc).encode())
    assert "block.time" in str(e.value)
    doc = json.loads(att.to_json())
    doc["wallets"][1]["block"]["time"] = "2026-11-22T23:00:01Z"
    with pytest.raises(FormatError) as e:
        parse_attestation(json.dumps(doc).encode())
    assert e.value.code == "block-mismatch"


# --- on a real node: the reviewer's stale-block attack ---------------------------------------------


def _declaration(address: str, pin: BlockPin) -> bytes:
    return f'''format = "solvent-reserves-declaration/1"
exchange = "Demo Exchange"
snapshot_id = "2026-11-23"
assets = "ETH:8"

[chains.ethereum]
block_height = {pin.height}
block_hash = "{pin.hash}"

[[wallets]]
chain = "ethereum"
address = "{address}"
assets = ["ETH"]
'''.encode()


@pytest.mark.integration
def test_stale_block_on_a_real_node(tmp_path: Path) -> None:
    from solvent.demo.devchain import Anvil, DevChain
    from solvent.reserves.sources.evm import EvmRpcSource
    from tests.cli_invoke import invoke
    from tests.reserves.helpers import write_snapshot

    with Anvil() as node:  # its own node: the test moves its clock two years ahead
        chain = DevChain(node.url)
        key = secrets.token_bytes(32)
        wallet = ethereum_address(key)
        chain.send_eth(wallet.key, 10**18 + 10**16)  # one ether, and gas money for the way out
        pin = BlockPin("ethereum", *chain.head())
        pinned_time = int(chain.rpc.rpc("eth_getBlockByNumber", [hex(pin.height), False])["timestamp"], 16)
        # the coins leave; two years pass
        chain.rpc.rpc("anvil_impersonateAccount", [wallet.text])
        chain._send({"from": wallet.text, "to": chain.accounts[1], "value": hex(10**18)})
        later = pinned_time + 2 * 365 * 86400
        chain.rpc.rpc("evm_setNextBlockTimestamp", [later])
        chain.rpc.rpc("evm_mine", [])
        assert int(chain.rpc.rpc("eth_getBalance", [wallet.text, "latest"]), 16) < 10**17
        message = challenge_message("Demo Exchange", "2026-11-23", pin, wallet, signing_key=SIGNING_KEY)
        signature = sign_eip191(key, message)
        signatures = parse_signatures(f"chain,address,signature\nethereum,{wallet.text},{signature}\n".encode())
        source = EvmRpcSource("ethereum", node.url)
        try:
            decl = parse_declaration(_declaration(wallet.text, pin))
            att = attest(decl, signatures, {"ethereum": source}, signing_key=SIGNING_KEY)
        finally:
            source.close()
        assert att.wallets[0].block_time == pinned_time
        assert att.wallets[0].balances[0].chain_amount == 10**18 + 10**16  # real, at the pinned block
        taken_at = format_block_time(later + 60)
        snap = write_snapshot(
            tmp_path / "snap",
            exchange="Demo Exchange",
            snapshot_id="2026-11-23",
            liabilities={"ETH": 10**8},
            assets=att.assets,
            reserves=att.to_json(),
            taken_at=taken_at,
        )
        result = invoke(["report", str(snap), "--json", "--node", f"ethereum={node.url}"])
        assert result.exit_code == 1, result.stdout + result.stderr
        wallet_report = json.loads(result.stdout)["snapshots"][0]["wallets"][0]
        assert wallet_report["error"]["code"] == "block-time"
        assert wallet_report["error"]["evidence"]["block_time"] == format_block_time(pinned_time)
        assert wallet_report["error"]["evidence"]["taken_at"] == taken_at
        assert wallet_report["block"]["time"] == format_block_time(pinned_time)
        # control: a verifier accepting blocks two years old would pass it -- the window is what stopped it
        lenient = invoke(["report", str(snap), "--json", "--node", f"ethereum={node.url}", "--max-block-age", "800d"])
        assert lenient.exit_code == 0, lenient.stdout
        assert json.loads(lenient.stdout)["snapshots"][0]["assets"][0]["status"] == "PASS"
        bad = invoke(["report", str(snap), "--max-block-age", "a while"])
        assert bad.exit_code == 2
        chain.close()
