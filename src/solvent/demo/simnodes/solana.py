"""A simulated Solana node: a loopback JSON-RPC server for the demo and the Solana source's tests.

No Solana validator can be installed where the demo and the tests run, so this plays one.

It speaks the methods :class:`~solvent.reserves.sources.solana.SolanaRpcSource` uses,
with the request and answer shapes of Solana's RPC documentation (solana.com,
"RPC HTTP methods": getGenesisHash, getSlot, getBlock, getBalance, getAccountInfo,
getTokenAccountsByOwner with ``encoding: jsonParsed``), including the fields a real node
adds and the source must ignore (``uiAmount`` floats, ``apiVersion``, ``rentEpoch``).
The answers are checked against ``solders``' RPC response types in the tests.

Its state is a :class:`SolanaState` the test changes at will: lamports per address,
token accounts (any owner, mint, program or state), blocks per slot (a slot without a
block answers as a skipped one, error -32007), the finalized slot, the genesis hash,
and ``override``: a function that may answer any request itself (a lying node).  With
``live``, slots keep coming every 400 ms (Solana's target) up to the present, the
finalized slot trailing the newest by 32 (a block is finalized once 31+ confirmed blocks
are built on it), as the demo's node serves them for as long as it runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from embit import base58

from solvent.demo.simnodes.loopback import MAX_RECORDED, LiveChain, LoopbackServer, NodeHandler, serve_loopback
from solvent.reserves.sources.solana import SOLANA_MAINNET_GENESIS, SPL_TOKEN_PROGRAM

__all__ = [
    "FINALIZED_LAG",
    "NULL",
    "SLOT_INTERVAL_MS",
    "TOKEN_2022_PROGRAM",
    "Block",
    "SolanaNode",
    "SolanaState",
    "TokenAccount",
    "answer",
    "solana_node",
    "start_solana_node",
]

TOKEN_2022_PROGRAM = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"  # noqa: S105 (a program id, not a secret)
#: What ``override`` returns to answer ``"result": null``.
NULL = object()
FAR_FUTURE_EPOCH = 18446744073709551615  # rentEpoch of a rent-exempt account (u64::MAX)
#: A Solana slot every 400 ms; the finalized slot trails the newest by 32.
SLOT_INTERVAL_MS = 400
FINALIZED_LAG = 32


@dataclass
class TokenAccount:
    pubkey: str
    owner: str
    mint: str
    amount: int
    decimals: int = 6
    program: str = SPL_TOKEN_PROGRAM
    state: str = "initialized"


@dataclass
class Block:
    blockhash: str  # base58
    time: int
    parent_slot: int = 0


@dataclass
class SolanaState:
    genesis: str = SOLANA_MAINNET_GENESIS
    finalized_slot: int = 1000
    #: The slot every account answer says it was read at (None: the finalized slot).
    context_slot: int | None = None
    blocks: dict[int, Block] = field(default_factory=dict)
    lamports: dict[str, int] = field(default_factory=dict)
    token_accounts: list[TokenAccount] = field(default_factory=list)
    #: mint -> (decimals, owning program)
    mints: dict[str, tuple[int, str]] = field(default_factory=dict)
    #: Answer a request itself: (method, params) -> result, :data:`NULL` for null, or None to answer honestly.
    override: Callable[[str, list[Any]], Any] | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    #: slots that keep coming after ``finalized_slot`` (None: only the slots set here)
    live: LiveChain | None = None

    def head(self) -> int:
        """The finalized slot."""
        return max(self.finalized_slot, self.live.head()) if self.live is not None else self.finalized_slot

    def block(self, slot: int) -> Block | None:
        if slot in self.blocks:
            return self.blocks[slot]
        if self.live is not None and self.live.has(slot):
            return Block(base58.encode(self.live.digest(slot)), self.live.time_ms(slot) // 1000, slot - 1)
        return None


class _NoBlock(Exception):
    pass


def _context(state: SolanaState) -> dict[str, Any]:
    slot = state.head() if state.context_slot is None else state.context_slot
    return {"slot": slot, "apiVersion": "2.2.0"}


def _token_account_json(acc: TokenAccount) -> dict[str, Any]:
    ui = acc.amount / 10**acc.decimals  # the float a real node adds; the source must ignore it
    return {
        "pubkey": acc.pubkey,
        "account": {
            "data": {
                "program": "spl-token" if acc.program == SPL_TOKEN_PROGRAM else "spl-token-2022",
                "parsed": {
                    "info": {
                        "isNative": False,
                        "mint": acc.mint,
                        "owner": acc.owner,
                        "state": acc.state,
                        "tokenAmount": {
                            "amount": str(acc.amount),
                            "decimals": acc.decimals,
                            "uiAmount": ui,
                            "uiAmountString": f"{ui}",
                        },
                    },
                    "type": "account",
                },
                "space": 165,
            },
            "executable": False,
            "lamports": 2039280,
            "owner": acc.program,
            "rentEpoch": FAR_FUTURE_EPOCH,
            "space": 165,
        },
    }


def answer(state: SolanaState, method: str, params: list[Any]) -> Any:
    """The result an honest node with ``state`` gives (raises _NoBlock for a skipped slot)."""
    if method == "getGenesisHash":
        return state.genesis
    if method == "getSlot":
        return state.head()
    if method == "getBlock":
        block = state.block(params[0]) if isinstance(params[0], int) else None
        if block is None:
            raise _NoBlock(params[0])
        return {
            "blockHeight": params[0] - 10,
            "blockTime": block.time,
            "blockhash": block.blockhash,
            "parentSlot": block.parent_slot,
            "previousBlockhash": "11111111111111111111111111111111",
        }
    if method == "getBalance":
        return {"context": _context(state), "value": state.lamports.get(params[0], 0)}
    if method == "getAccountInfo":
        mint = state.mints.get(params[0])
        value = None
        if mint is not None:
            decimals, program = mint
            value = {
                "data": {
                    "parsed": {
                        "info": {
                            "decimals": decimals,
                            "freezeAuthority": None,
                            "isInitialized": True,
                            "mintAuthority": None,
                            "supply": "1000000000000",
                        },
                        "type": "mint",
                    },
                    "program": "spl-token",
                    "space": 82,
                },
                "executable": False,
                "lamports": 1461600,
                "owner": program,
                "rentEpoch": FAR_FUTURE_EPOCH,
                "space": 82,
            }
        return {"context": _context(state), "value": value}
    if method == "getTokenAccountsByOwner":
        owner, flt = params[0], params[1]
        found = [a for a in state.token_accounts if a.owner == owner and a.mint == flt.get("mint")]
        return {"context": _context(state), "value": [_token_account_json(a) for a in found]}
    raise KeyError(method)


def _respond(state: SolanaState, h: NodeHandler) -> None:
    request = h.request_json
    if not isinstance(request, dict) or "id" not in request or not isinstance(request.get("method"), str):
        h.send_body(
            200,
            json.dumps(
                {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "Invalid request"}}
            ).encode(),
        )
        return
    if len(state.requests) < MAX_RECORDED:
        state.requests.append(request)
    method, params = request["method"], request.get("params", [])
    reply: dict[str, Any] = {"jsonrpc": "2.0", "id": request["id"]}
    try:
        result = state.override(method, params) if state.override is not None else None
        if result is NULL:
            reply["result"] = None
        else:
            reply["result"] = answer(state, method, params) if result is None else result
    except _NoBlock as e:
        reply["error"] = {
            "code": -32007,
            "message": f"Slot {e.args[0]} was skipped, or missing due to ledger jump to recent snapshot",
        }
    except KeyError:
        reply["error"] = {"code": -32601, "message": "Method not found"}
    h.send_body(200, json.dumps(reply).encode())


@dataclass
class SolanaNode:
    url: str
    state: SolanaState


@contextmanager
def solana_node(state: SolanaState) -> Iterator[SolanaNode]:
    """A loopback node answering from ``state`` (changes to it show in later answers); stopped on exit."""
    with serve_loopback(lambda h: _respond(state, h), NodeHandler) as node:
        yield SolanaNode(node.url, state)


def start_solana_node(state: SolanaState) -> LoopbackServer:
    """The same node, running until its ``stop()`` (the demo serves its page meanwhile)."""

    def behaviour(h: NodeHandler) -> None:
        _respond(state, h)

    return LoopbackServer(behaviour, NodeHandler)
