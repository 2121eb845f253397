"""A simulated Tron node: a loopback server speaking the part of java-tron's HTTP API that TronHttpSource uses.

No Tron node can be installed where the demo and the tests run, so this plays one, on
127.0.0.1 (the transport is :mod:`solvent.demo.simnodes.loopback`'s; the tests' hostile
behaviours are in tests/reserves/hostile_server.py).  The shapes are
java-tron's own, as its servlets print them (framework/src/main/java/org/tron/core/
services/http/: GetNowBlockServlet, GetBlockByNumServlet, GetAccountServlet,
TriggerConstantContractServlet, Util.printBlockToJSON, Util.printAccount,
Util.printErrorMsg, and JsonFormat, which leaves out every protobuf field at its default
value; github.com/tronprotocol/java-tron at commit 1e35f79a165424bbae319799d9aca92948b8f5c2),
with the genesis block's missing ``number`` and ``timestamp`` as TronGrid shows them:

* ``/walletsolidity/getblockbynum {"num": N}``, ``/walletsolidity/getnowblock``:
  ``{"blockID", "block_header": {"raw_data": {"number", "txTrieRoot", "witness_address",
  "parentHash", "version", "timestamp"}, "witness_signature"}}`` or ``{}``;
* ``/walletsolidity/getaccount {"address": "T...", "visible": true}``: the account with
  ``balance`` left out at 0 and its ``owner_permission`` (``{"permission_name": "owner",
  "threshold": N, "keys": [{"address", "weight"}]}``) where it has one, or ``{}`` for an
  account never created;
* ``/walletsolidity/triggerconstantcontract``: ``{"result": {"result": true},
  "energy_used", "constant_result": [hex], "transaction": {...}}``; a missing contract is
  ``{"result": {"code": "CONTRACT_VALIDATE_ERROR", "message": hex}}``; a revert keeps
  ``result: true`` and adds a message and a FAILED ``ret``;
* an exception is ``{"Error": "class ... : ..."}`` with HTTP 200.

:class:`TronState` is the chain the server shows; ``override`` replaces the honest answer
to one path by any behaviour (a lie, a huge or slow answer).  Its blocks are the ones
added with :meth:`TronState.add_block`, and, with ``live``, a :class:`LiveChain` of
blocks every 3 s (Tron's pace) up to the present, the solidified head trailing the
newest block by 19 (java-tron solidifies a block once 2/3 of the 27 super
representatives built on it), as the demo's node serves them for as long as it runs.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from solvent.demo.simnodes.loopback import LiveChain, LoopbackServer, Node, NodeHandler, serve_loopback
from solvent.reserves.chains import tron_address
from solvent.reserves.sources.tron import TRON_MAINNET_GENESIS

__all__ = [
    "BLOCK_INTERVAL_MS",
    "SOLIDIFIED_LAG",
    "Block",
    "Token",
    "TronState",
    "block_id",
    "honest",
    "reply",
    "start_tron_node",
    "tron_node",
]

#: Nile test network's genesis block id (another Tron chain with the same API).
NILE_GENESIS = "0000000000000000d698d4192c56cb6be724a558448e2684802de4d6cd8690dc"
BALANCE_OF = "balanceOf(address)"
DECIMALS = "decimals()"
#: A Tron block every 3 seconds; the solidified head trails the newest block by 19.
BLOCK_INTERVAL_MS = 3000
SOLIDIFIED_LAG = 19


def block_id(number: int) -> str:
    """A Tron block id: the block number in 8 bytes, then 24 bytes of the block's hash."""
    return number.to_bytes(8, "big").hex() + secrets.token_hex(24)


@dataclass
class Block:
    number: int
    id: str
    timestamp_ms: int

    def to_json(self) -> dict[str, Any]:
        raw: dict[str, Any] = {
            "txTrieRoot": secrets.token_hex(32),
            "witness_address": "41" + secrets.token_hex(20),
            "parentHash": secrets.token_hex(32),
        }
        if self.number:  # JsonFormat prints no field at its default value: the genesis has neither
            raw["number"] = self.number
            raw["version"] = 31
        if self.timestamp_ms:
            raw["timestamp"] = self.timestamp_ms
        return {"blockID": self.id, "block_header": {"raw_data": raw, "witness_signature": secrets.token_hex(65)}}


@dataclass
class Token:
    decimals: int
    balances: dict[str, int] = field(default_factory=dict)  # holder (base58) -> base units


@dataclass
class TronState:
    genesis: str = TRON_MAINNET_GENESIS
    #: the solidified blocks, by number; ``now`` is the latest one
    blocks: dict[int, Block] = field(default_factory=dict)
    now: int = 0
    #: accounts that exist (base58) -> balance in sun
    accounts: dict[str, int] = field(default_factory=dict)
    #: accounts (base58) -> their owner_permission, for accounts whose permissions were changed
    owner_permission: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: TRC-20 contracts (base58) -> token
    tokens: dict[str, Token] = field(default_factory=dict)
    #: path -> behaviour replacing the honest answer
    override: dict[str, Callable[[NodeHandler], None]] = field(default_factory=dict)
    #: blocks that keep coming after the added ones (None: only the added blocks)
    live: LiveChain | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_block(self, number: int, timestamp_s: int) -> Block:
        block = Block(number, self.genesis if number == 0 else block_id(number), timestamp_s * 1000)
        self.blocks[number] = block
        self.now = max(self.now, number)
        return block

    def latest(self) -> int:
        """The latest solidified block's number."""
        return max(self.now, self.live.head()) if self.live is not None else self.now

    def block(self, number: int) -> Block | None:
        if number in self.blocks:
            return self.blocks[number]
        if self.live is not None and self.live.has(number):
            digest = self.live.digest(number)[:24].hex()
            return Block(number, number.to_bytes(8, "big").hex() + digest, self.live.time_ms(number))
        return None


def reply(h: NodeHandler, answer: Any) -> None:
    h.send_body(200, json.dumps(answer).encode())


def honest(state: TronState, h: NodeHandler) -> None:
    path = h.path.split("?")[0]
    path = path[path.find("/wallet") :] if "/wallet" in path else path  # after any prefix of the node URL
    if path in state.override:
        state.override[path](h)
        return
    body = h.request_json or {}
    if path == "/walletsolidity/getblockbynum":
        with state.lock:
            state.blocks.setdefault(0, Block(0, state.genesis, 0))
        num = body.get("num", 0)
        block = state.block(num) if isinstance(num, int) else None
        reply(h, block.to_json() if block else {})
    elif path == "/walletsolidity/getnowblock":
        block = state.block(state.latest())
        reply(h, block.to_json() if block else {})
    elif path == "/walletsolidity/getaccount":
        reply(h, account_json(state, body))
    elif path == "/walletsolidity/triggerconstantcontract":
        reply(h, trigger_json(state, body))
    else:
        h.send_body(404, b"")


def account_json(state: TronState, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("visible") is not True:
        return {"Error": "class java.lang.IllegalArgumentException : this simulated node answers visible=true only"}
    address = body.get("address")
    if address not in state.accounts:
        return {}
    account: dict[str, Any] = {
        "address": address,
        "create_time": 1_700_000_000_000,
        "latest_opration_time": 1_700_000_300_000,  # sic: java-tron's field name
        "net_window_size": 28800000,
        "frozenV2": [{}, {"type": "ENERGY"}, {"type": "TRON_POWER"}],
    }
    if state.accounts[address]:
        account["balance"] = state.accounts[address]
    if address in state.owner_permission:
        account["owner_permission"] = state.owner_permission[address]
        account["active_permission"] = [
            {"type": "Active", "id": 2, "permission_name": "active", **state.owner_permission[address]}
        ]
    return account


def trigger_json(state: TronState, body: dict[str, Any]) -> dict[str, Any]:
    contract = body.get("contract_address")
    if body.get("visible") is not True or not body.get("owner_address"):
        return {"result": {"code": "OTHER_ERROR", "message": b"bad request".hex()}}
    token = state.tokens.get(str(contract))
    if token is None:
        return {"result": {"code": "CONTRACT_VALIDATE_ERROR", "message": b"Smart contract is not exist.".hex()}}
    selector, parameter = body.get("function_selector"), str(body.get("parameter", ""))
    if selector == DECIMALS and parameter == "":
        word = token.decimals
    elif selector == BALANCE_OF and len(parameter) == 64 and parameter[:24] == "0" * 24:
        word = token.balances.get(tron_address(bytes.fromhex(parameter[24:])), 0)
    else:
        return {
            "result": {"result": True, "message": b"REVERT opcode executed".hex()},
            "energy_used": 300,
            "constant_result": [""],
            "transaction": {"ret": [{"ret": "FAILED"}], "visible": True, "txID": secrets.token_hex(32)},
        }
    return {
        "result": {"result": True},
        "energy_used": 935,
        "constant_result": [word.to_bytes(32, "big").hex()],
        "transaction": {
            "ret": [{}],
            "visible": True,
            "txID": secrets.token_hex(32),
            "raw_data": {
                "contract": [
                    {
                        "parameter": {
                            "value": {"data": "", "owner_address": body["owner_address"], "contract_address": contract},
                            "type_url": "type.googleapis.com/protocol.TriggerSmartContract",
                        },
                        "type": "TriggerSmartContract",
                    }
                ],
            },
        },
    }


@contextmanager
def tron_node(state: TronState, handler: type[NodeHandler] = NodeHandler) -> Iterator[Node]:
    """A loopback java-tron HTTP API showing ``state`` (which the test may change while it runs).

    ``handler``: the request handler class, a subclass of NodeHandler whose helpers the
    ``override`` behaviours may call (the tests' hostile answers)."""
    with serve_loopback(lambda h: honest(state, h), handler) as node:
        yield node


def start_tron_node(state: TronState) -> LoopbackServer:
    """The same node, running until its ``stop()`` (the demo serves its page meanwhile)."""

    def behaviour(h: NodeHandler) -> None:
        honest(state, h)

    return LoopbackServer(behaviour, NodeHandler)
