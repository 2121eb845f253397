"""Loopback HTTP servers playing nodes, and a chain whose blocks keep coming.

Each server runs in a thread on 127.0.0.1 (port 0: any free port) and answers every
request with the ``behaviour`` it was started with: a function given the request
handler, which writes whatever it likes to the socket (the tests' hostile nodes write
raw bytes, huge or slow answers).  The server records the requests it saw and the bytes
it sent.  :class:`LoopbackServer` starts and stops one like :class:`~solvent.demo.devchain.Anvil`
(the demo keeps its nodes running while the page is served); :func:`node_server` is the
same for a ``with`` block.

:class:`LiveChain` is the chain's clock: a block every ``interval_ms``, derived from the
height (its hash from a seed, its time from the height), so that a simulated node's
latest block is always recent, as a live node's is -- the sources refuse a latest block
more than a few minutes old -- without storing a block per tick.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

__all__ = ["LiveChain", "LoopbackServer", "Node", "NodeHandler", "Seen", "node_server", "serve_loopback"]

#: How many requests :class:`Seen` keeps (a page served for hours must not grow without bound).
MAX_RECORDED = 10_000


@dataclass
class Seen:
    """What the server saw and did."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    bytes_sent: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_sent(self, n: int) -> None:
        with self.lock:
            self.bytes_sent += n

    def add_request(self, request: dict[str, Any]) -> None:
        with self.lock:
            if len(self.requests) < MAX_RECORDED:
                self.requests.append(request)


class NodeHandler(BaseHTTPRequestHandler):
    """Reads the request, records it, and hands the socket to the server's behaviour."""

    protocol_version = "HTTP/1.1"
    behaviour: Callable[[Any], None]
    seen: Seen
    request_json: Any = None

    def log_message(self, format: str, *args: object) -> None:  # keep the demo's and the tests' output clean
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        request = {
            "method": self.command,
            "path": self.path,
            "authorization": self.headers.get("Authorization"),
            "host": self.headers.get("Host"),
            "json": parsed,
        }
        self.seen.add_request(request)
        self.request_json = parsed
        try:
            type(self).behaviour(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = _handle
    do_POST = _handle

    # --- helpers for behaviours -------------------------------------------------------------

    def raw(self, data: bytes) -> None:
        self.wfile.write(data)
        self.wfile.flush()
        self.seen.add_sent(len(data))

    def send_body(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.raw(body)

    def rpc_result(self, result: Any, *, id_shift: int = 0) -> None:
        rid = self.request_json["id"] + id_shift
        self.send_body(200, json.dumps({"jsonrpc": "2.0", "id": rid, "result": result}).encode())


@dataclass
class Node:
    url: str
    port: int
    seen: Seen


H = TypeVar("H", bound=NodeHandler)


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 answering with ``behaviour``; call :meth:`stop` (or use ``with``)."""

    def __init__(self, behaviour: Callable[[H], None], handler: type[H]) -> None:
        self.seen = Seen()
        cls = type("Handler", (handler,), {"behaviour": staticmethod(behaviour), "seen": self.seen})
        self._server: ThreadingHTTPServer | None = ThreadingHTTPServer(("127.0.0.1", 0), cls)
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def node(self) -> Node:
        return Node(self.url, self.port, self.seen)

    @property
    def running(self) -> bool:
        return self._server is not None

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self.seen.stop.set()  # ends every endless answer
        server.shutdown()
        server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def serve_loopback(behaviour: Callable[[H], None], handler: type[H]) -> Iterator[Node]:
    """A :class:`LoopbackServer` with the given handler class for a ``with`` block; stopped on exit."""
    server = LoopbackServer(behaviour, handler)
    try:
        yield server.node
    finally:
        server.stop()


@contextmanager
def node_server(behaviour: Callable[[NodeHandler], None]) -> Iterator[Node]:
    """A loopback server answering every request with ``behaviour``; stopped on exit."""
    with serve_loopback(behaviour, NodeHandler) as node:
        yield node


@dataclass(frozen=True)
class LiveChain:
    """A chain that produces a block every ``interval_ms``, its head always at the present.

    Height ``start_height`` was produced at ``start_ms`` (Unix milliseconds); every later
    height ``h`` at ``start_ms + (h - start_height) * interval_ms``.  The node serves the
    head ``lag`` blocks behind the newest (Tron's solidified and Solana's finalized blocks
    trail the chain's tip).  Each block's hash is SHA-256 of ``seed`` and the height, so
    a block reads the same every time it is asked for.
    """

    start_height: int
    start_ms: int
    interval_ms: int
    lag: int = 0
    seed: bytes = b""
    clock: Callable[[], float] = time.time

    @classmethod
    def ending_now(
        cls, head: int, interval_ms: int, *, lag: int = 0, history: int = 1000, seed: bytes = b""
    ) -> LiveChain:
        """A chain whose served head is ``head`` now, with ``history`` blocks before it."""
        now_ms = int(time.time()) * 1000  # whole seconds: a Tron block time is whole seconds in ms
        return cls(head - history, now_ms - (lag + history) * interval_ms, interval_ms, lag, seed)

    def head(self) -> int:
        newest = self.start_height + max(0, int(self.clock() * 1000) - self.start_ms) // self.interval_ms
        return max(self.start_height, newest - self.lag)

    def time_ms(self, height: int) -> int:
        return self.start_ms + (height - self.start_height) * self.interval_ms

    def has(self, height: int) -> bool:
        return self.start_height <= height <= self.head()

    def digest(self, height: int) -> bytes:
        return hashlib.sha256(self.seed + height.to_bytes(8, "big")).digest()
