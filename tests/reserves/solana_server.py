"""A loopback Solana JSON-RPC node for the Solana source's tests (no validator can be installed here).

It speaks the methods :class:`~solvent.reserves.sources.solana.SolanaRpcSource` uses,
with the request and answer shapes of Solana's RPC documentation (solana.com,
"RPC HTTP methods": getGenesisHash, getSlot, getBlock, getBalance, getAccountInfo,
getTokenAccountsByOwner with ``encoding: jsonParsed``), including the fields a real node
adds and the source must ignore (``uiAmount`` floats, ``apiVersion``, ``rentEpoch``).
The answers are checked against ``solders``' RPC response types in the tests.

Its state is a :class:`SolanaState` the test changes at will: lamports per address,
token accounts (any owner, mint, program or state), blocks per slot (a slot without a
block answers as a skipped one, error -32007), the finalized slot, the genesis hash,
and ``override``: a function that may answer any request itself (a lying node).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from solvent.reserves.sources.solana import SOLANA_MAINNET_GENESIS, SPL_TOKEN_PROGRAM

TOKEN_2022_PROGRAM = "TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb"
#: What ``override`` returns to answer ``"result": null``.
NULL = object()
FAR_FUTURE_EPOCH = 18446744073709551615  # rentEpoch of a rent-exempt account (u64::MAX)


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


class _NoBlock(Exception):
    pass


def _context(state: SolanaState) -> dict[str, Any]:
    slot = state.finalized_slot if state.context_slot is None else state.context_slot
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
        return state.finalized_slot
    if method == "getBlock":
        block = state.blocks.get(params[0])
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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state: SolanaState

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length))
        state = type(self).state
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
        body = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@dataclass
class SolanaNode:
    url: str
    state: SolanaState


@contextmanager
def solana_node(state: SolanaState) -> Iterator[SolanaNode]:
    """A loopback node answering from ``state`` (changes to it show in later answers); stopped on exit."""
    handler = type("Handler", (_Handler,), {"state": state})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield SolanaNode(f"http://127.0.0.1:{server.server_address[1]}", state)
    finally:
        server.shutdown()
        server.server_close()
