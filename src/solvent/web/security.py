"""Safe by default: response headers on every answer, request limits, errors as JSON.

Written as a plain ASGI middleware (no per-request task or body buffering) because it
sits in front of the proof look-up, the one hot path. Every response, the page's and
the API's, error or not, carries the same headers:

* a strict Content-Security-Policy: scripts only from this origin plus the page's one
  import map allowed by its SHA-256 (no inline code, no ``eval``), no inline styles,
  no third-party origin anywhere, no framing, Trusted Types enforced;
* ``nosniff``, ``no-referrer``, same-origin opener and resource policies.

A request whose path or query string is longer than the limits gets a 414 JSON answer
before any routing; a method other than GET or HEAD gets 405 (the API is read-only), a
request with a body 413 (no route reads one); both close the connection, since the body
is never read. (The request head's own size and deadline, and the number of connections
per client, are limited one layer down, in :mod:`solvent.web.guard`.)

Being the outermost layer, it is also where a failed request is answered: any exception
from the layers inside (the proof fast path, FastAPI's routes) becomes the JSON error of
:func:`solvent.web.errors.to_http`, with these headers, whatever it was. And a HEAD
request is answered with the GET answer's status and headers and no body, on every route.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from solvent.web.errors import error_body, to_http

__all__ = [
    "MAX_PATH",
    "MAX_QUERY",
    "SecurityMiddleware",
    "base_headers",
    "has_body",
    "content_security_policy",
]

MAX_PATH = 512
MAX_QUERY = 512

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def content_security_policy(script_hashes: tuple[str, ...] = (), *, for_meta: bool = False) -> str:
    """The page's policy; ``for_meta`` leaves out what a ``<meta>`` policy cannot carry."""
    scripts = " ".join(["'self'", *(f"'sha256-{h}'" for h in script_hashes)])
    parts = [
        "default-src 'none'",
        f"script-src {scripts}",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "object-src 'none'",
        "require-trusted-types-for 'script'",
        "trusted-types 'none'",
    ]
    if not for_meta:
        parts.append("frame-ancestors 'none'")
    return "; ".join(parts)


def base_headers(csp: str) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-security-policy", csp.encode("ascii")),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"cross-origin-resource-policy", b"same-origin"),
        (b"x-frame-options", b"DENY"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ]


def has_body(scope: Scope) -> bool:
    """Whether a request announces a body (``Content-Length`` other than 0, or ``Transfer-Encoding``)."""
    for name, value in scope.get("headers", ()):
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0"):
            return True
    return False


class SecurityMiddleware:
    """Adds the headers to every response and rejects oversized or non-read requests early."""

    def __init__(self, app: ASGIApp, csp: str) -> None:
        self.app = app
        self.headers = base_headers(csp)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "replace")
        query = scope.get("query_string", b"")
        if len(raw_path) > MAX_PATH or len(query) > MAX_QUERY:
            await self._reject(
                send,
                414,
                "too-long",
                f"the request path or query is too long (limits: {MAX_PATH} and {MAX_QUERY} bytes)",
                head=head,
            )
            return
        if scope["method"] not in ("GET", "HEAD"):
            await self._reject(send, 405, "method", "this server is read-only: use GET", allow=True, close=True)
            return
        if has_body(scope):
            await self._reject(send, 413, "body", "a request to this server has no body", head=head, close=True)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = [*message.get("headers", []), *self.headers]
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}  # the GET answer's headers, no body
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as e:
            if started:  # too late for an error answer: the server closes the connection
                raise
            status, body = to_http(e)
            await self._answer(send, status, body, head=head)

    async def _reject(
        self,
        send: Send,
        status: int,
        code: str,
        message: str,
        *,
        allow: bool = False,
        head: bool = False,
        close: bool = False,
    ) -> None:
        await self._answer(send, status, error_body(code, message), allow=allow, head=head, close=close)

    async def _answer(
        self, send: Send, status: int, body: bytes, *, allow: bool = False, head: bool = False, close: bool = False
    ) -> None:
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *self.headers,
        ]
        if allow:
            headers.append((b"allow", b"GET, HEAD"))
        if close:  # the request's body, if any, is never read: the connection cannot be reused
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else body})
