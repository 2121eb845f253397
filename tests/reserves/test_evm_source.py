"""EvmRpcSource without a node: what it asks the node, counted (the real node: test_evm_anvil.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from solvent.protocol.errors import VerificationError
from solvent.reserves.chains import CHAINS, normalize_address
from solvent.reserves.pinned_block import BlockPin
from solvent.reserves.sources.base import read_token_balance
from solvent.reserves.sources.evm import EvmRpcSource

ETH = CHAINS["ethereum"]
PIN = BlockPin("ethereum", 100, "aa" * 32)
TOKEN = normalize_address(ETH, "0x" + "11" * 20)
NOT_A_TOKEN = normalize_address(ETH, "0x" + "22" * 20)
WALLETS = [normalize_address(ETH, "0x" + f"{i:02x}" * 20) for i in range(0x30, 0x35)]
# ERC-20 function selectors, the first four bytes of keccak256 of the signature (EIP-20).
DECIMALS = "0x313ce567"
BALANCE_OF = "0x70a08231"


def _word(n: int) -> str:
    return "0x" + n.to_bytes(32, "big").hex()


@dataclass
class CountingNode:
    """Answers the JSON-RPC calls EvmRpcSource makes and records each one (a test double)."""

    name: str = "counting node"
    calls: list[tuple[str, str]] = field(default_factory=list)

    def rpc(self, method: str, params: list[Any]) -> Any:
        if method == "eth_chainId":
            self.calls.append((method, ""))
            return hex(ETH.evm_chain_id)
        assert method == "eth_call", method
        call, block = params
        data = call["data"]
        self.calls.append((method, data[:10]))
        assert set(block) == {"blockHash"}  # state is read by block hash (EIP-1898), never "latest"
        if call["to"] != TOKEN.text:
            return "0x"  # no contract there
        if data == DECIMALS:
            return _word(6)
        assert data[:10] == BALANCE_OF
        return _word(int(data[-40:], 16) % 1000)

    def count(self, selector: str) -> int:
        return sum(1 for method, data in self.calls if method == "eth_call" and data == selector)


@pytest.fixture
def node() -> Iterator[tuple[EvmRpcSource, CountingNode]]:
    source = EvmRpcSource("ethereum", "http://127.0.0.1:9")  # nothing listens: every call goes to the double
    real, counting = source._http, CountingNode()
    source._http = counting  # type: ignore[assignment]
    try:
        yield source, counting
    finally:
        real.close()


def test_the_selectors_are_the_erc20_ones() -> None:
    from solvent.reserves.sources.evm import selector

    assert "0x" + selector("decimals()").hex() == DECIMALS
    assert "0x" + selector("balanceOf(address)").hex() == BALANCE_OF


def test_a_contract_held_by_many_wallets_is_asked_its_decimals_once(node) -> None:
    source, counting = node
    balances = [
        read_token_balance(
            source, TOKEN, w, PIN, asset="USDT", decimals=6, stated_in="reserves.json", evidence_key="attested"
        )
        for w in WALLETS
    ]
    assert balances == [int(w.text[-40:], 16) % 1000 for w in WALLETS]
    assert counting.count(DECIMALS) == 1
    assert counting.count(BALANCE_OF) == len(WALLETS)
    assert counting.calls.count(("eth_chainId", "")) == 1


def test_decimals_are_kept_per_pinned_block(node) -> None:
    source, counting = node
    other = BlockPin("ethereum", 101, "bb" * 32)
    assert source.token_decimals(TOKEN, PIN) == 6
    assert source.token_decimals(TOKEN, other) == 6
    assert source.token_decimals(TOKEN, PIN) == 6
    assert counting.count(DECIMALS) == 2


def test_a_failed_decimals_call_is_not_kept(node) -> None:
    source, counting = node
    for _ in range(2):
        with pytest.raises(VerificationError) as e:
            source.token_decimals(NOT_A_TOKEN, PIN)
        assert e.value.code == "token-contract"
    assert counting.count(DECIMALS) == 2


def test_decimals_other_than_stated_stop_before_the_balance_is_read(node) -> None:
    source, counting = node
    with pytest.raises(VerificationError) as e:
        read_token_balance(
            source,
            TOKEN,
            WALLETS[0],
            PIN,
            asset="USDT",
            decimals=18,
            stated_in="the declaration",
            evidence_key="declared",
        )
    assert e.value.code == "decimals-mismatch"
    assert (e.value.evidence["declared"], e.value.evidence["on_chain"]) == ("18", "6")
    assert "the declaration says 18" in e.value.message
    assert counting.count(BALANCE_OF) == 0
