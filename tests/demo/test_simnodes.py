"""The demo's simulated Tron and Solana nodes keep a live chain for as long as they run.

The sources refuse a latest block more than five minutes old, and the demo serves its
page for as long as the user likes: the simulated nodes must keep producing blocks
dated "now", while every earlier block (the pinned one) reads the same as before.  The
chain's clock is injected, so hours pass without any sleeping; the real sources read
the nodes, with their own clock set to the same time.
"""

from __future__ import annotations

import secrets

import pytest
from embit import base58

from solvent.demo.simnodes.loopback import LiveChain, LoopbackServer
from solvent.demo.simnodes.solana import SLOT_INTERVAL_MS, SolanaState, start_solana_node
from solvent.demo.simnodes.tron import BLOCK_INTERVAL_MS, SOLIDIFIED_LAG, TronState, start_tron_node
from solvent.protocol.errors import VerificationError
from solvent.reserves.pinned_block import BlockPin
from solvent.reserves.sources.solana import SolanaRpcSource
from solvent.reserves.sources.tron import TronHttpSource

START_S = 1_800_000_000
MAX_LAG = 300


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_live_chain_has_a_block_per_interval_up_to_the_present() -> None:
    clock = Clock(START_S)
    chain = LiveChain(1000, START_S * 1000, 3000, lag=19, seed=b"s", clock=clock)
    assert chain.head() == 1000  # not yet 19 blocks past the start
    clock.now += 3 * 100
    assert chain.head() == 1000 + 100 - 19
    assert chain.time_ms(chain.head()) == (START_S + 3 * 81) * 1000
    assert chain.has(1000) and chain.has(chain.head()) and not chain.has(chain.head() + 1) and not chain.has(999)
    assert chain.digest(1050) == LiveChain(1000, 0, 1, seed=b"s").digest(1050) != chain.digest(1051)


def test_the_simulated_tron_node_stays_current_and_its_pinned_block_does_not_change() -> None:
    clock = Clock(START_S)
    state = TronState(live=LiveChain(5000, START_S * 1000, BLOCK_INTERVAL_MS, SOLIDIFIED_LAG, b"t", clock))
    node: LoopbackServer = start_tron_node(state)
    try:
        clock.now += 600
        pinned = state.block(state.latest())
        assert pinned is not None
        pin = BlockPin("tron", pinned.number, pinned.id)
        for hours in (0, 2, 30):  # the page served for hours: the latest block is always recent
            clock.now = START_S + 600 + hours * 3600
            source = TronHttpSource("tron", node.url, clock=clock)
            try:
                observed = source.latest_block(max_lag=MAX_LAG)
                assert clock.now - observed.time < 60 + MAX_LAG // 5
                assert observed.height == pin.height + hours * 1200
                assert source.check_block(pin) == pinned.timestamp_ms // 1000
            finally:
                source.close()
        # control: a node whose chain stopped is refused, so the live chain is what keeps it usable
        state.live = None
        state.add_block(pin.height, int(pinned.timestamp_ms // 1000))
        source = TronHttpSource("tron", node.url, clock=clock)
        try:
            with pytest.raises(VerificationError) as e:
                source.latest_block(max_lag=MAX_LAG)
            assert e.value.code == "stale-node"
        finally:
            source.close()
    finally:
        node.stop()
    assert not node.running


def test_the_simulated_solana_node_stays_current_and_its_pinned_slot_does_not_change() -> None:
    clock = Clock(START_S)
    live = LiveChain(90_000, START_S * 1000, SLOT_INTERVAL_MS, 32, secrets.token_bytes(8), clock)
    state = SolanaState(finalized_slot=90_000, live=live)
    node = start_solana_node(state)
    try:
        clock.now += 120
        slot = state.head()
        block = state.block(slot)
        assert block is not None
        pin = BlockPin("solana", slot, base58.decode(block.blockhash).hex())
        for hours in (0, 5):
            clock.now = START_S + 120 + hours * 3600
            source = SolanaRpcSource("solana", node.url, clock=clock)
            try:
                observed = source.latest_block(max_lag=MAX_LAG)
                assert clock.now - observed.time < 30
                assert observed.height == slot + hours * 9000
                assert source.check_block(pin) == block.time
            finally:
                source.close()
    finally:
        node.stop()
