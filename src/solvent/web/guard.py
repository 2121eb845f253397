"""The connection guard: the HTTP protocol ``solvent serve`` runs, with limits a slow client cannot outlast.

uvicorn's own protocol trusts its clients in four ways that let one address take the
server down (docs/web.md, "A server that stays up"):

* it has no deadline for a request head: a socket that sends nothing, or a byte now and
  then, is kept open for ever;
* its parser (httptools) has no limit on the size of a head, and gathers a header's value
  by concatenation: four unfinished 100 MB headers took the server from 61 MB to 550 MB,
  a 60 MB header was answered 200;
* its only connection limit counts every client together (``limit_concurrency``): 4,200
  unfinished requests from one address made every other customer's request a 503;
* the answers it writes itself (a malformed request's 400, that 503, the 500 of an
  application that raised) carry none of the security headers.

:class:`GuardedProtocol` is uvicorn's httptools protocol (the fast one the benchmarks
measure) with those four closed, at the connection level, before any byte reaches the
application:

* **a per-client cap**: at most ``per_client`` open connections from one address (an IPv6
  client's whole /64, which one host gets for free), counted in this process; a
  connection beyond the cap, or beyond ``max_connections`` in all, is answered 503 and
  closed at once, so one address holding thousands of sockets holds ``per_client`` of
  them and every other address is served as before;
* **a head deadline**: a request head must be complete within ``header_timeout`` seconds
  of the connection opening, or of the previous answer ending (keep-alive); otherwise the
  connection is closed (with a 408 if part of a request had come);
* **a head size limit**: at most ``max_head`` bytes of request line and headers are
  handed to the parser; beyond that the answer is 414 (still in the request line) or 431
  and the connection is closed: memory per connection stays bounded whatever is sent;
* **a send deadline**: a client that stops reading its answer (the transport's buffer
  stays full) for ``send_timeout`` seconds is disconnected;
* every answer written here carries the security headers of :mod:`solvent.web.security`.

The counting is per worker process (``--workers N`` allows N times ``per_client``).
Behind a reverse proxy every request comes from the proxy's address: there, turn the
per-client cap off (``--max-per-client 0``) and let the proxy count clients.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import struct
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from solvent.protocol.errors import InputError
from solvent.web.errors import error_body
from solvent.web.limits import DEFAULT_LIMITS, Limits
from solvent.web.security import base_headers, content_security_policy

__all__ = ["GuardedProtocol", "client_key", "guarded_protocol"]


def client_key(client: tuple[str, int] | None) -> str:
    """The address a client is counted under: its IPv4 address, or its IPv6 /64 (an IPv4-mapped
    or translated IPv6 address counts as the IPv4 address it carries)."""
    if client is None:
        return "?"
    try:
        address = ipaddress.ip_address(client[0].split("%", 1)[0])
    except ValueError:
        return client[0]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        # IPv4 clients translated to IPv6 (NAT64 64:ff9b::/96, SIIT ::ffff:0:0/96) carry their
        # IPv4 address in the last 32 bits: each is its own client, not one /64 for them all
        if any(address in network for network in _TRANSLATED):
            return str(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


_TRANSLATED = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("::ffff:0:0:0/96"))


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the limits above (one instance per connection)."""

    limits: ClassVar[Limits] = DEFAULT_LIMITS
    #: Open connections per client address, in this process.
    open_per_client: ClassVar[dict[str, int]] = {}
    #: The headers every answer written here carries (the page's policy without its script hash).
    security_headers: ClassVar[list[tuple[bytes, bytes]]] = base_headers(content_security_policy())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._key: str | None = None  # set once the connection is counted
        self._refused = False
        self._awaiting_head = True  # the next bytes are a request head
        self._head_bytes = 0  # bytes of that head received so far
        self._in_request_line = True
        self._head_timer: asyncio.TimerHandle | None = None
        self._send_timer: asyncio.TimerHandle | None = None

    # -- connections ------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        key = client_key(self.client)
        limits = self.limits
        if len(self.connections) > limits.max_connections:
            self._refuse(503, "busy", "the server holds as many connections as it allows; try again")
            return
        held = self.open_per_client.get(key, 0)
        if limits.per_client and held >= limits.per_client:
            self._refuse(503, "busy", "too many open connections from your address; close some and try again")
            return
        self.open_per_client[key] = held + 1
        self._key = key
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        if self._key is not None:
            left = self.open_per_client.get(self._key, 1) - 1
            if left > 0:
                self.open_per_client[self._key] = left
            else:
                self.open_per_client.pop(self._key, None)
            self._key = None
        super().connection_lost(exc)

    # -- the request head: size and deadline ------------------------------------------

    def data_received(self, data: bytes) -> None:
        # Only a head's bytes are counted; at most what is left of the limit is parsed at once,
        # so the parser never holds more than ``max_head`` bytes of one head.
        while data and not self._refused and not self.transport.is_closing():
            if not self._awaiting_head:  # a body (answered 413 and closed by SecurityMiddleware)
                super().data_received(data)
                return
            room = self.limits.max_head - self._head_bytes
            if room <= 0:
                self._refuse_head()
                return
            piece, data = data[:room], data[room:]
            self._head_bytes += len(piece)
            super().data_received(piece)

    def on_message_begin(self) -> None:
        self._in_request_line = True
        super().on_message_begin()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._in_request_line = False
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._cancel_head_timer()
        self._awaiting_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        # From here on, bytes received are the next request's head.
        self._awaiting_head = True
        self._head_bytes = 0
        self._in_request_line = True
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
            self._arm_head_timer()

    def _refuse_head(self) -> None:
        if self._in_request_line:
            self._refuse(414, "too-long", f"the request line is longer than {self.limits.max_head} bytes")
        else:
            self._refuse(431, "too-large", f"the request head is larger than {self.limits.max_head} bytes")

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.limits.header_timeout, self._head_timeout)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timeout(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or (self.cycle is not None and not self.cycle.response_complete):
            return
        if self._head_bytes:
            self._refuse(408, "timeout", f"the request head did not arrive within {self.limits.header_timeout:g} s")
        else:  # an idle connection: nothing to answer
            self.transport.close()

    # -- answers: a client that stops reading ------------------------------------------

    def pause_writing(self) -> None:
        super().pause_writing()
        if self._send_timer is None:
            self._send_timer = self.loop.call_later(self.limits.send_timeout, self._send_timeout)

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    def _send_timeout(self) -> None:
        """Drop the client: a reset (``SO_LINGER`` 0), so that the kernel does not keep trying to
        deliver the megabytes queued for it either; the answer in progress stops writing quietly."""
        self._send_timer = None
        if self.cycle is not None:
            self.cycle.disconnected = True
        sock = self.transport.get_extra_info("socket")
        with contextlib.suppress(OSError, AttributeError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()
        self.flow.resume_writing()  # wake the answer waiting to write: it sees the disconnection

    def _cancel_timers(self) -> None:
        self._cancel_head_timer()
        if self._send_timer is not None:
            self._send_timer.cancel()
            self._send_timer = None

    # -- answers written by the protocol itself ----------------------------------------

    def send_400_response(self, msg: str) -> None:
        self._refuse(400, "bad-request", "the request is not valid HTTP/1.1")

    def _refuse(self, status: int, code: str, message: str) -> None:
        """Answer ``status`` with the JSON error shape and the security headers, then close."""
        self._refused = True
        self._cancel_timers()
        body = error_body(code, message)
        head = [STATUS_LINE[status]]
        for name, value in [
            *self.server_state.default_headers,
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode("ascii")),
            (b"connection", b"close"),
            *self.security_headers,
        ]:
            head += [name, b": ", value, b"\r\n"]
        self.transport.write(b"".join([*head, b"\r\n", body]))
        self.transport.close()


def guarded_protocol(limits: Limits) -> type[GuardedProtocol]:
    """A :class:`GuardedProtocol` class with ``limits`` and its own count of connections per client."""
    if limits.per_client < 0 or limits.max_connections < 1 or limits.max_head < 1024:
        raise InputError(f"server limits out of range: {limits}", code="limits")
    return type("GuardedProtocol", (GuardedProtocol,), {"limits": limits, "open_per_client": {}})
