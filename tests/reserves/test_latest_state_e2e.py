"""Tron and Solana end to end: balances observed at the latest block, never at the pinned one (R11).

Declaration + signatures -> attest against a node -> reserves.json -> a verifier with its
own node.  No Tron or Solana node can be installed here: the nodes are loopback servers
speaking java-tron's HTTP API and Solana's JSON-RPC (solvent.demo.simnodes.tron and
.solana, which the demo runs too).  Each test changes the chain the way the threat needs: a stale node,
a balance that moved after the observed block, a late re-read, an observed block outside
the snapshot's window, a Tron account whose key no longer controls it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from embit import base58

from solvent.demo.signers_solana import sign_solana_offchain, solana_keypair
from solvent.demo.signers_tron import sign_tip191, tron_address_of
from solvent.demo.simnodes.solana import Block as SolBlock
from solvent.demo.simnodes.solana import SolanaState, TokenAccount, solana_node
from solvent.demo.simnodes.tron import Token, TronState, block_id, tron_node
from solvent.protocol.errors import VerificationError
from solvent.reserves.attest import attest, parse_signatures
from solvent.reserves.block_window import format_block_time
from solvent.reserves.challenge import challenge_message
from solvent.reserves.declaration import parse_declaration
from solvent.reserves.pinned_block import BlockPin
from solvent.reserves.recheck import check_attestation, latest_note
from solvent.reserves.reserves_json import parse_attestation
from solvent.reserves.sources.solana import SPL_TOKEN_PROGRAM, SolanaRpcSource
from solvent.reserves.sources.tron import TronHttpSource
from tests.reserves.scenario import SIGNING_KEY

EXCHANGE = "Latest Exchange"
SNAPSHOT = "2026-12-02"
TRON_USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
SOLANA_USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
#: The test's "now": set afresh before each test (the node refuses a latest block 5 minutes old).
NOW = int(time.time())


@pytest.fixture(autouse=True)
def _now() -> None:
    global NOW  # noqa: PLW0603 - one clock for the test and its fixtures
    NOW = int(time.time())


def _declaration(chain: str, pin: BlockPin, address: str, native: str, token: str, contract: str) -> bytes:
    return "\n".join(
        [
            'format = "solvent-reserves-declaration/1"',
            f'exchange = "{EXCHANGE}"',
            f'snapshot_id = "{SNAPSHOT}"',
            f'assets = "{native}:8,{token}:8"',
            f"[chains.{chain}]",
            f"block_height = {pin.height}",
            f'block_hash = "{pin.hash}"',
            "[[tokens]]",
            f'chain = "{chain}"',
            f'asset = "{token}"',
            f'contract = "{contract}"',
            "decimals = 6",
            "[[wallets]]",
            f'chain = "{chain}"',
            f'address = "{address}"',
            f'assets = ["{native}", "{token}"]',
        ]
    ).encode()


@dataclass
class Tron:
    state: TronState
    url: str
    secret: bytes
    address: str
    pin: BlockPin

    def source(self, clock: Any = time.time) -> TronHttpSource:
        return TronHttpSource("tron", self.url, clock=clock)

    def attest(self, source: TronHttpSource | None = None) -> Any:
        decl = parse_declaration(_declaration("tron", self.pin, self.address, "TRX", "USDT", TRON_USDT))
        message = challenge_message(EXCHANGE, SNAPSHOT, self.pin, decl.wallets[0].address, signing_key=SIGNING_KEY)
        sigs = f"chain,address,signature\ntron,{self.address},{sign_tip191(self.secret, message, 'tip191-v2')}\n"
        own = source or self.source()
        try:
            return attest(decl, parse_signatures(sigs.encode()), {"tron": own}, signing_key=SIGNING_KEY)
        finally:
            if source is None:
                own.close()


@pytest.fixture
def tron() -> Iterator[Tron]:
    state = TronState()
    state.add_block(0, 0)
    pin_block = state.add_block(100, NOW - 60)
    state.add_block(120, NOW - 10)
    secret = secrets.token_bytes(32)
    address = tron_address_of(secret).text
    state.accounts[address] = 5_000_000
    state.tokens[TRON_USDT] = Token(6, {address: 1_250_000})
    with tron_node(state) as node:
        yield Tron(state, node.url, secret, address, BlockPin("tron", 100, pin_block.id))


def _check(att: Any, source: Any, chain: str, taken_at: int | None = None) -> Any:
    when = NOW - 30 if taken_at is None else taken_at
    return check_attestation(
        parse_attestation(att.to_json()), {chain: source}, taken_at=format_block_time(when), signing_key=SIGNING_KEY
    )


def test_tron_balances_are_observed_at_the_latest_block_and_say_so(tron: Tron) -> None:
    att = tron.attest()
    wallet = att.wallets[0]
    assert wallet.scheme == "tip191-v2"
    assert wallet.observed is not None and wallet.observed.height == 120
    assert [b.chain_amount for b in wallet.balances] == [5_000_000, 1_250_000]
    source = tron.source()
    try:
        (wc,) = _check(att, source, "tron").wallets
    finally:
        source.close()
    assert wc.ok, wc.error
    assert wc.timing == "observed at block 120 (latest), not at the pinned block" == latest_note(wallet.observed)
    assert [b.counts_as for b in wc.balances] == ["observed", "observed"]
    assert all(latest_note(wallet.observed) in b.notes for b in wc.balances)
    assert all("pinned block 100" not in b for bc in wc.balances for b in bc.notes)


def test_a_stale_tron_node_is_refused_when_attesting(tron: Tron) -> None:
    tron.state.blocks[120].timestamp_ms = (NOW - 3600) * 1000
    with pytest.raises(VerificationError) as e:
        tron.attest()
    assert e.value.code == "stale-node"


def test_a_tron_account_controlled_by_other_keys_is_refused(tron: Tron) -> None:
    other = tron_address_of(secrets.token_bytes(32)).text
    tron.state.owner_permission[tron.address] = {
        "permission_name": "owner",
        "threshold": 2,
        "keys": [{"address": tron.address, "weight": 1}, {"address": other, "weight": 1}],
    }
    with pytest.raises(VerificationError) as e:
        tron.attest()
    assert e.value.code == "permission-moved"


def test_a_balance_that_moved_after_the_observed_block_counts_as_declared(tron: Tron) -> None:
    att = tron.attest()
    tron.state.accounts[tron.address] = 1  # drained after the reading
    source = tron.source()
    try:
        (wc,) = _check(att, source, "tron").wallets
    finally:
        source.close()
    assert wc.ok  # the chain moved on: not a failure, but nothing proves the earlier balance
    trx, usdt = wc.balances
    assert trx.counts_as == "declared" and usdt.counts_as == "observed"
    assert any("the node reports 1" in n for n in trx.notes)


def test_a_re_read_more_than_a_day_later_counts_as_declared(tron: Tron) -> None:
    att = tron.attest()
    later = NOW + 25 * 3600
    tron.state.add_block(30000, later)
    source = tron.source(clock=lambda: float(later))
    try:
        (wc,) = _check(att, source, "tron").wallets
    finally:
        source.close()
    assert wc.ok
    assert [b.counts_as for b in wc.balances] == ["declared", "declared"]
    assert all(any("a later balance does not show the earlier one" in n for n in b.notes) for b in wc.balances)


def test_an_observed_block_outside_the_snapshot_window_fails_the_wallet(tron: Tron) -> None:
    att = tron.attest()
    source = tron.source()
    try:
        (wc,) = _check(att, source, "tron", taken_at=NOW + 2 * 86400).wallets
    finally:
        source.close()
    assert wc.error is not None and wc.error.code == "block-time"


def test_an_observed_block_the_chain_does_not_have_fails_the_wallet(tron: Tron) -> None:
    att = tron.attest()
    tron.state.blocks[120].id = block_id(120)  # another block at that height
    source = tron.source()
    try:
        (wc,) = _check(att, source, "tron").wallets
    finally:
        source.close()
    assert wc.error is not None and wc.error.code == "block-mismatch"


def test_without_a_node_a_latest_reading_counts_as_declared_and_still_says_latest(tron: Tron) -> None:
    att = tron.attest()
    (wc,) = check_attestation(
        parse_attestation(att.to_json()), taken_at=format_block_time(NOW - 30), signing_key=SIGNING_KEY
    ).wallets
    assert wc.ok and [b.counts_as for b in wc.balances] == ["declared", "declared"]
    assert wc.timing.startswith("observed at block 120 (latest)")


# ---- Solana ----


def _blockhash() -> str:
    return base58.encode(secrets.token_bytes(32))


@pytest.fixture
def solana() -> Iterator[tuple[SolanaState, str, bytes, str, BlockPin]]:
    seed = secrets.token_bytes(32)
    address, _ = solana_keypair(seed)
    state = SolanaState(finalized_slot=2000)
    pin_hash = _blockhash()
    state.blocks[1900] = SolBlock(pin_hash, NOW - 60)
    state.blocks[2000] = SolBlock(_blockhash(), NOW - 5)
    state.lamports[address.text] = 3 * 10**9
    state.mints[SOLANA_USDC] = (6, SPL_TOKEN_PROGRAM)
    state.token_accounts.append(TokenAccount(_blockhash(), address.text, SOLANA_USDC, 7_000_000))
    # someone else's USDC account and another mint's account: never counted
    state.token_accounts.append(TokenAccount(_blockhash(), _blockhash(), SOLANA_USDC, 10**12))
    pin = BlockPin("solana", 1900, base58.decode(pin_hash).hex())
    with solana_node(state) as node:
        yield state, node.url, seed, address.text, pin


def test_solana_balances_are_observed_at_the_latest_slot(solana: Any) -> None:
    _, url, seed, address, pin = solana
    decl = parse_declaration(_declaration("solana", pin, address, "SOL", "USDC", SOLANA_USDC))
    message = challenge_message(EXCHANGE, SNAPSHOT, pin, decl.wallets[0].address, signing_key=SIGNING_KEY)
    sigs = f"chain,address,signature\nsolana,{address},{sign_solana_offchain(seed, message)}\n".encode()
    source = SolanaRpcSource("solana", url)
    try:
        att = attest(decl, parse_signatures(sigs), {"solana": source}, signing_key=SIGNING_KEY)
        wallet = att.wallets[0]
        assert wallet.scheme == "solana-offchain"
        assert wallet.observed is not None and wallet.observed.height == 2000
        assert [b.chain_amount for b in wallet.balances] == [3 * 10**9, 7_000_000]
        (wc,) = _check(att, source, "solana").wallets
        assert wc.ok, wc.error
        assert [b.counts_as for b in wc.balances] == ["observed", "observed"]
        assert wc.timing == "observed at block 2000 (latest), not at the pinned block"
    finally:
        source.close()


def test_a_stale_solana_node_is_refused_when_attesting(solana: Any) -> None:
    state, url, seed, address, pin = solana
    state.blocks[2000].time = NOW - 7200
    decl = parse_declaration(_declaration("solana", pin, address, "SOL", "USDC", SOLANA_USDC))
    message = challenge_message(EXCHANGE, SNAPSHOT, pin, decl.wallets[0].address, signing_key=SIGNING_KEY)
    sigs = f"chain,address,signature\nsolana,{address},{sign_solana_offchain(seed, message)}\n".encode()
    source = SolanaRpcSource("solana", url)
    try:
        with pytest.raises(VerificationError) as e:
            attest(decl, parse_signatures(sigs), {"solana": source}, signing_key=SIGNING_KEY)
        assert e.value.code == "stale-node"
    finally:
        source.close()
