"""Loopback HTTP servers playing nodes, honest and hostile, for the chain client's tests.

Each server runs in a thread on 127.0.0.1 and answers every request with the
``behaviour`` it was started with: a function given the request handler, which
writes whatever it likes to the socket (raw bytes included).  The server counts the
connections and requests it saw and the bytes it sent, and stops every endless
answer when the test ends.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MIB = 1024 * 1024


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


class NodeHandler(BaseHTTPRequestHandler):
    """Reads the request, records it, and hands the socket to the server's behaviour."""

    protocol_version = "HTTP/1.1"
    behaviour: Callable[[NodeHandler], None]
    seen: Seen

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = {
            "method": self.command,
            "path": self.path,
            "authorization": self.headers.get("Authorization"),
            "host": self.headers.get("Host"),
            "json": json.loads(body) if body else None,
        }
        self.seen.requests.append(request)
        self.request_json = request["json"]
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

    def stream(self, total: int, chunk: bytes) -> None:
        """Send ``chunk`` repeatedly until ``total`` bytes or the client hangs up."""
        sent = 0
        while sent < total and not self.seen.stop.is_set():
            self.raw(chunk)
            sent += len(chunk)

    def trickle(self, data: bytes, every: float = 0.05, limit: float = 20.0) -> None:
        """Send ``data`` one byte per ``every`` seconds, then keep trickling spaces, until the client hangs up."""
        end = time.monotonic() + limit
        i = 0
        while time.monotonic() < end and not self.seen.stop.is_set():
            self.raw(data[i : i + 1] if i < len(data) else b" ")
            i += 1
            self.seen.stop.wait(every)
        self.close_connection = True


@dataclass
class Node:
    url: str
    port: int
    seen: Seen


@contextmanager
def node_server(behaviour: Callable[[NodeHandler], None]) -> Iterator[Node]:
    """A loopback server answering every request with ``behaviour``; stopped on exit."""
    seen = Seen()
    handler = type("Handler", (NodeHandler,), {"behaviour": staticmethod(behaviour), "seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield Node(f"http://127.0.0.1:{port}", port, seen)
    finally:
        seen.stop.set()
        server.shutdown()
        server.server_close()
