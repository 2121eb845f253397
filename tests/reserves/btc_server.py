"""A loopback server speaking Bitcoin Core JSON-RPC and the Esplora HTTP API.

No Bitcoin node can be installed here, so the Bitcoin balance sources are tested
against this server: real HTTP on 127.0.0.1, the same request and reply shapes as
Bitcoin Core (``getblockhash``, ``getblockheader``, ``scantxoutset`` with amounts as
JSON numbers in BTC) and Esplora (``/block-height``, ``/block/:hash``, paged
``/address/.../txs/chain``).  The state it
serves is set by each test, including lies.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PAGE = 25
#: Block times: 2026-11-22T00:00:00Z plus ten minutes per height (unless a test sets its own).
GENESIS_TIME = 1795305600


def block_time(state: ChainState, height: int) -> int:
    return state.times.get(height, GENESIS_TIME + 600 * height)


@dataclass
class ChainState:
    blocks: dict[int, str] = field(default_factory=dict)
    tip: int = 0
    #: scantxoutset: descriptor address -> list of amount texts in BTC ("0.50000000")
    utxos: dict[str, list[str]] = field(default_factory=dict)
    total_override: str | None = None
    #: esplora: address -> confirmed txs, newest first
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    auth: tuple[str, str] | None = None
    requests: list[str] = field(default_factory=list)
    #: height -> block time, overriding the default spacing
    times: dict[int, int] = field(default_factory=dict)
    #: hash -> height reported by getblockheader and /block/:hash, overriding the true one
    header_height: dict[str, int] = field(default_factory=dict)


def _handler(state: ChainState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # keep test output clean
            pass

        def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            if state.auth is not None:
                expected = "Basic " + base64.b64encode(":".join(state.auth).encode()).decode()
                if self.headers.get("Authorization") != expected:
                    self._send(401, b"")
                    return
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append(request["method"])
            rid = json.dumps(request["id"])

            def reply(status: int, result: str, error: str = "null") -> None:
                # Built as text: Bitcoin Core writes amounts as JSON numbers ("0.50000000"), not strings.
                self._send(status, ('{"result": ' + result + ', "error": ' + error + ', "id": ' + rid + "}").encode())

            if request["method"] == "getblockhash":
                height = request["params"][0]
                if height not in state.blocks or height > state.tip:
                    reply(500, "null", '{"code": -8, "message": "Block height out of range"}')
                    return
                reply(200, json.dumps(state.blocks[height]))
            elif request["method"] == "getblockheader":
                heights = [h for h, bh in state.blocks.items() if bh == request["params"][0] and h <= state.tip]
                if not heights:
                    reply(500, "null", '{"code": -5, "message": "Block not found"}')
                    return
                header = _header(state, heights[0])
                reply(200, json.dumps({"hash": header["id"], "height": header["height"], "time": header["timestamp"]}))
            elif request["method"] == "scantxoutset":
                address = request["params"][1][0].removeprefix("addr(").removesuffix(")")
                amounts = state.utxos.get(address, [])
                unspents = ",".join(
                    f'{{"txid": "{"ab" * 32}", "vout": 0, "amount": {a}, "height": {state.tip}}}' for a in amounts
                )
                total = state.total_override or _btc_sum(amounts)
                reply(
                    200,
                    f'{{"success": true, "txouts": 1000, "height": {state.tip}, '
                    f'"bestblock": "{state.blocks[state.tip]}", "unspents": [{unspents}], "total_amount": {total}}}',
                )
            else:
                reply(200, "null", '{"code": -32601, "message": "Method not found"}')

        def do_GET(self) -> None:
            state.requests.append(self.path)
            parts = self.path.strip("/").split("/")
            if parts[0] == "block-height" and len(parts) == 2:
                height = int(parts[1])
                if height in state.blocks and height <= state.tip:
                    self._send(200, state.blocks[height].encode(), "text/plain")
                else:
                    self._send(404, b"Block not found", "text/plain")
            elif parts[0] == "block" and len(parts) == 2:
                heights = [h for h, bh in state.blocks.items() if bh == parts[1] and h <= state.tip]
                if heights:
                    self._send(200, json.dumps(_header(state, heights[0])).encode())
                else:
                    self._send(404, b"Block not found", "text/plain")
            elif parts[0] == "address" and parts[2:4] == ["txs", "chain"]:
                txs = state.history.get(parts[1], [])
                if len(parts) == 5:
                    index = next(i for i, tx in enumerate(txs) if tx["txid"] == parts[4]) + 1
                    txs = txs[index:]
                self._send(200, json.dumps(txs[:PAGE]).encode())
            else:
                self._send(404, b"not found", "text/plain")

    return Handler


def _header(state: ChainState, height: int) -> dict[str, Any]:
    block_hash = state.blocks[height]
    reported = state.header_height.get(block_hash, height)
    return {"id": block_hash, "height": reported, "timestamp": block_time(state, height)}


def _btc_sum(amounts: list[str]) -> str:
    sats = sum(int(a.replace(".", "")) for a in amounts)
    return f"{sats // 10**8}.{sats % 10**8:08d}"


class LoopbackChainServer:
    def __init__(self, state: ChainState) -> None:
        self.state = state
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
