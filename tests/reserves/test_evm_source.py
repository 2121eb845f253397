"""EvmRpcSource without a node: what it asks the node, counted (the real node: test_evm_anvil.py)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from solvent.protocol.errors import FetchError, VerificationError
from solvent.reserves.chains import CHAINS, normalize_address
from solvent.reserves.pinned_block import BlockPin
from solvent.reserves.sources.base import read_token_balance
from solvent.reserves.sources.evm import MAX_CALL_BYTES, MAX_CODE_BYTES, EvmRpcSource
from tests.reserves.hostile_server import NodeHandler, node_server

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


# -- raw eth_call and eth_getCode at the pinned block (contract wallets), over a loopback node -----------


@pytest.fixture(scope="module")
def loopback() -> Iterator[tuple[str, dict[str, Any], list[dict[str, Any]]]]:
    """A loopback JSON-RPC node: eth_chainId is Ethereum's; other methods answer from the dict a test fills."""
    answers: dict[str, Any] = {}

    def behaviour(handler: NodeHandler) -> None:
        method = handler.request_json["method"]
        if method == "eth_chainId":
            handler.rpc_result(hex(1))
            return
        answer = answers[method]
        if isinstance(answer, dict) and "error" in answer:
            body = {"jsonrpc": "2.0", "id": handler.request_json["id"], "error": answer["error"]}
            handler.send_body(200, json.dumps(body).encode())
        else:
            handler.rpc_result(answer)

    with node_server(behaviour) as server:
        yield server.url, answers, server.seen.requests


@pytest.fixture
def rpc(loopback) -> Iterator[tuple[EvmRpcSource, dict[str, Any], list[dict[str, Any]]]]:
    url, answers, requests = loopback
    answers.clear()
    requests.clear()
    source = EvmRpcSource("ethereum", url)
    try:
        yield source, answers, requests
    finally:
        source.close()


def test_call_returns_the_raw_bytes_read_by_block_hash(rpc) -> None:
    source, answers, requests = rpc
    answers.update({"eth_call": "0x" + "ab" * 100, "eth_getCode": "0x6080AB"})
    assert source.call(TOKEN, b"\x01\x02\x03\x04", PIN, "f()") == b"\xab" * 100
    assert source.code_at(TOKEN, PIN) == bytes.fromhex("6080ab")
    calls = [r["json"] for r in requests if r["json"]["method"] != "eth_chainId"]
    assert calls[0]["params"] == [{"to": TOKEN.text, "data": "0x01020304"}, {"blockHash": "0x" + PIN.hash}]
    assert calls[1]["params"] == [TOKEN.text, {"blockHash": "0x" + PIN.hash}]


@pytest.mark.parametrize(
    "error",
    [
        {"code": 3, "message": "execution reverted", "data": "0x"},  # anvil, geth with revert data
        {"code": -32000, "message": "execution reverted"},  # geth without revert data
        {"code": 3, "message": "execution reverted: GS031", "data": "0x08c379a0"},
    ],
)
def test_a_revert_is_the_contracts_answer_not_a_node_failure(rpc, error: dict[str, Any]) -> None:
    source, answers, _ = rpc
    answers["eth_call"] = {"error": error}
    with pytest.raises(VerificationError) as e:
        source.call(TOKEN, b"\x01\x02\x03\x04", PIN, "f()")
    assert e.value.code == "call-reverted"
    assert e.value.evidence["contract"] == TOKEN.text


def test_another_node_error_stays_a_fetch_error(rpc) -> None:
    source, answers, _ = rpc
    answers["eth_call"] = {"error": {"code": -32000, "message": "header not found"}}
    with pytest.raises(FetchError) as e:
        source.call(TOKEN, b"\x01\x02\x03\x04", PIN, "f()")
    assert e.value.code == "rpc-error"


def test_call_and_code_sizes_are_bounded(rpc) -> None:
    source, answers, _ = rpc
    answers.update({"eth_call": "0x" + "00" * MAX_CALL_BYTES, "eth_getCode": "0x" + "60" * MAX_CODE_BYTES})
    assert len(source.call(TOKEN, b"", PIN, "f()")) == MAX_CALL_BYTES  # the bound itself is accepted
    assert len(source.code_at(TOKEN, PIN)) == MAX_CODE_BYTES
    answers["eth_call"] += "00"
    answers["eth_getCode"] += "60"
    with pytest.raises(FetchError) as e:
        source.call(TOKEN, b"", PIN, "f()")
    assert e.value.code == "bad-response"
    with pytest.raises(FetchError) as e:
        source.code_at(TOKEN, PIN)
    assert e.value.code == "bad-response"


@pytest.mark.parametrize("answer", ["0x0", "0xabc", "abcd", "0xgg", 7, None, ["0x00"]])
def test_malformed_call_data_is_refused(rpc, answer: object) -> None:
    source, answers, _ = rpc
    answers.update({"eth_call": answer, "eth_getCode": answer})
    with pytest.raises(FetchError) as e:
        source.call(TOKEN, b"", PIN, "f()")
    assert e.value.code == "bad-response"
    with pytest.raises(FetchError) as e:
        source.code_at(TOKEN, PIN)
    assert e.value.code == "bad-response"


@pytest.mark.parametrize("answer", ["0x" + "00" * 31, "0x" + "00" * 33, "0x" + "00" * 64])
def test_an_erc20_read_still_takes_exactly_one_word(rpc, answer: str) -> None:
    source, answers, _ = rpc
    answers["eth_call"] = answer
    with pytest.raises(FetchError) as e:
        source.token_decimals(TOKEN, PIN)
    assert e.value.code == "bad-response"
