"""HTTP and JSON-RPC transport for the balance sources: a client that trusts the node with nothing.

A node is untrusted input, and so is the time and memory it may cost:

* **one deadline per call**: resolving the name, connecting, the TLS handshake, sending
  the request and every byte of the answer (headers and body) share one overall
  deadline (``timeout`` seconds).  Every socket operation waits at most for what is
  left of it, so a node trickling one byte a second is cut off at the deadline, not
  kept alive by each byte it sends (``code="timeout"``);
* **the answer's size is capped while it streams**: a ``Content-Length`` above the cap is
  refused before the body is read, and a body without one is read in chunks and
  dropped as soon as it passes the cap (``code="too-large"``), so memory stays bounded
  by the cap whatever the node sends;
* **bounded retries, for reads only**: a GET, a JSON-RPC method in :data:`READ_METHODS`
  or a POST of JSON to a path in :data:`READ_POST_PATHS` (Tron's HTTP API reads with POST)
  is tried at most :data:`ATTEMPTS` times when the connection fails or the node answers
  429/502/503/504, with a short pause between tries, and never past the call's deadline;
  any other method or path is sent once, on a new connection;
* **redirects are not followed** (``code="redirect"``): a node that sends the request
  elsewhere would take the credentials or answer for another node;
* **node URLs are shown by scheme and host only**: :func:`redact_url` is the one rule;
  the user name, password, path, query and fragment (where API keys live) are used for
  the request and never appear in a message, evidence or description.

A node that cannot be reached, times out, answers with an HTTP error, a JSON-RPC error or a
body that is not the expected JSON is a :class:`~solvent.protocol.errors.FetchError`
naming the node (:func:`redact_url`) and the request: a balance that could not be read is
never counted.  JSON numbers with a fraction are kept as their exact text
(:class:`RawNumber`) and never become floats.
"""

from __future__ import annotations

import base64
import http.client
import io
import ipaddress
import itertools
import json
import re
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from solvent.protocol.errors import FetchError, FormatError
from solvent.protocol.strictjson import check_depth

__all__ = [
    "ATTEMPTS",
    "MAX_RESPONSE_BYTES",
    "READ_METHODS",
    "READ_POST_PATHS",
    "HttpClient",
    "RawNumber",
    "redact_url",
    "redact_urls",
]

#: The largest answer read from a node, in bytes (a Bitcoin Core ``scantxoutset`` reply of
#: about 100,000 unspent outputs); the body is dropped as soon as it passes this.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
#: Tries of one idempotent read (the first and at most two retries), all within its deadline.
ATTEMPTS = 3
#: Pause before the n-th retry: RETRY_PAUSE * n seconds (if the deadline leaves time for it).
RETRY_PAUSE = 0.25
#: JSON-RPC methods that only read, so trying one again cannot change anything on the node.
READ_METHODS = frozenset(
    {
        # Bitcoin Core
        "getblockhash",
        "getblockheader",
        "getblockchaininfo",
        "scantxoutset",
        # Ethereum and EVM chains
        "eth_chainId",
        "eth_blockNumber",
        "eth_getBlockByNumber",
        "eth_getBlockByHash",
        "eth_getBalance",
        "eth_getCode",
        "eth_getStorageAt",
        "eth_call",
        # Solana
        "getGenesisHash",
        "getSlot",
        "getBlock",
        "getBalance",
        "getAccountInfo",
        "getTokenAccountsByOwner",
    }
)
#: Paths of HTTP APIs that read with a POST of JSON (java-tron's solidity-node API): nothing
#: they are sent changes the node, so trying one again is as safe as a GET.
READ_POST_PATHS = frozenset(
    {
        "/walletsolidity/getnowblock",
        "/walletsolidity/getblockbynum",
        "/walletsolidity/getaccount",
        "/walletsolidity/triggerconstantcontract",
    }
)
#: HTTP statuses that say "try again" (busy, rate-limited, a gateway's failure).
RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: URL schemes a node option may use (``esplora+`` picks the Esplora API).
_SCHEMES = frozenset({"http", "https", "esplora+http", "esplora+https"})
_CHUNK = 64 * 1024
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>]*")


@dataclass(frozen=True)
class RawNumber:
    """A JSON number with a fraction or exponent, kept as its exact text."""

    text: str


def redact_url(url: str) -> str:
    """``scheme://host[:port]`` of a node URL: how a node is named in every message and output.

    The user name, password, path, query and fragment are dropped (API keys are put in
    any of them); a URL that does not parse, or whose scheme is not a node's, is named by
    a placeholder instead, since its "scheme" or "host" may be a secret typed in the
    wrong place.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "<malformed node URL>"
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        return "<node URL without an http(s) scheme>"
    if not host or not re.fullmatch(r"[A-Za-z0-9.:_-]+", host):
        return f"{scheme}://<no valid host>"
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}" if port is None else f"{scheme}://{host}:{port}"


def redact_urls(text: str) -> str:
    """``text`` with every URL in it reduced by :func:`redact_url` (for node descriptions shown to anyone)."""
    return _URL_IN_TEXT.sub(lambda m: redact_url(m.group()), text)


def _loads(body: bytes | bytearray) -> Any:
    # A node's answer is untrusted input: bound its nesting before the C decoder recurses.
    check_depth(body.decode("utf-8", "replace"), name="node response")
    return json.loads(body, parse_float=RawNumber, parse_constant=RawNumber)


class _Deadline:
    """The end of one call (monotonic clock); every wait of the call is at most what is left."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError("the call's deadline passed")
        return left


def _resolve(host: str, port: int, deadline: _Deadline) -> list[tuple[Any, ...]]:
    """``getaddrinfo`` within the deadline (the resolver itself has no timeout)."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:  # a literal address resolves at once
        return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[Any] = []

    def run() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as e:
            found.append(e)

    worker = threading.Thread(target=run, name="resolve", daemon=True)
    worker.start()
    worker.join(deadline.left())
    if not found:
        raise TimeoutError("name resolution did not finish before the deadline")
    if isinstance(found[0], OSError):
        raise found[0]
    result: list[tuple[Any, ...]] = found[0]
    return result


class _DeadlineReader(io.RawIOBase):
    """The socket's byte stream, each read waiting at most for what is left of the call."""

    def __init__(self, owner: _DeadlineSocket) -> None:
        self._owner = owner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        sock = self._owner.sock
        sock.settimeout(self._owner.conn.deadline.left())
        return sock.recv_into(buffer)

    def close(self) -> None:
        if not self.closed:
            self._owner.release()
        super().close()


class _DeadlineSocket:
    """What :mod:`http.client` uses of a socket, every operation bound by the call's deadline.

    As with a real socket, the connection is closed once both the connection and the
    response reading from it have let go (http.client closes the connection of an answer
    that ends with the connection, and goes on reading through the response).
    """

    def __init__(self, sock: socket.socket, conn: _Connection) -> None:
        self.sock = sock
        self.conn = conn
        self._users = 1  # the connection

    def sendall(self, data: bytes) -> None:
        # Since Python 3.5 the timeout of sendall bounds the whole send, not each piece.
        self.sock.settimeout(self.conn.deadline.left())
        self.sock.sendall(data)

    def makefile(self, mode: str = "rb", *args: object, **kwargs: object) -> io.BufferedReader:
        self._users += 1
        return io.BufferedReader(_DeadlineReader(self), _CHUNK)

    def release(self) -> None:
        self._users -= 1
        if self._users == 0:
            self.sock.close()

    def close(self) -> None:
        self.release()


class _Connection(http.client.HTTPConnection):
    """One keep-alive connection to the node; ``deadline`` is set before each call."""

    def __init__(self, host: str, port: int, tls: ssl.SSLContext | None) -> None:
        super().__init__(host, port)
        self.default_port = 443 if tls is not None else 80  # the Host header omits the default port
        self._tls = tls
        self.deadline = _Deadline(0.0)

    def connect(self) -> None:
        error: OSError | None = None
        for family, kind, proto, _, address in _resolve(self.host, self.port, self.deadline):
            sock = socket.socket(family, kind, proto)
            try:
                sock.settimeout(self.deadline.left())
                sock.connect(address)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if self._tls is not None:
                    # The handshake as a whole is bound by the socket's timeout (Python >= 3.5).
                    sock.settimeout(self.deadline.left())
                    sock = self._tls.wrap_socket(sock, server_hostname=self.host)
            except OSError as e:
                sock.close()
                error = e
                continue
            self.sock = _DeadlineSocket(sock, self)
            return
        raise error or OSError("the node's name has no address")


def _why(e: BaseException) -> str:
    """A short reason for a failed request, from the exception's kind only: never its text,
    which may quote the request (and so a secret of the URL) or pages of the node's bytes."""
    if isinstance(e, TimeoutError):
        return "timed out"
    if isinstance(e, ssl.SSLError):
        return f"TLS failed ({e.reason or type(e).__name__})"[:120]
    if isinstance(e, OSError) and e.strerror:
        return e.strerror[:120]
    if isinstance(e, http.client.HTTPException):
        return f"not an HTTP/1.x answer ({type(e).__name__})"
    return type(e).__name__


class _Retry(Exception):
    """An attempt that failed in a way worth trying again (for a read), with the error to give if not."""

    def __init__(self, error: FetchError) -> None:
        self.error = error


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytearray


class HttpClient:
    """One node: GET for REST APIs, POST for JSON-RPC.  Close it (or use ``with``).

    ``timeout`` is the overall deadline of one call in seconds (all its tries together),
    ``max_bytes`` the largest answer read.  ``name`` is the node as it may be shown
    (:func:`redact_url`); the full URL, with its credentials, stays inside.
    """

    def __init__(self, url: str, *, timeout: float = 30.0, max_bytes: int = MAX_RESPONSE_BYTES) -> None:
        self.name = redact_url(url)
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            port = -1
        if port == -1 or parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise FetchError(
                f"{self.name}: not an http(s) URL with a host", code="bad-url", evidence={"node": self.name}
            )
        if re.search(r"[\x00-\x20\x7f]", url.strip()):
            raise FetchError(
                f"{self.name}: the node URL contains spaces or control characters",
                code="bad-url",
                evidence={"node": self.name},
            )
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if parts.username is not None:
            user_pass = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            self._headers["Authorization"] = "Basic " + base64.b64encode(user_pass).decode("ascii")
        self._path = parts.path.rstrip("/")
        self._query = parts.query
        tls = ssl.create_default_context() if parts.scheme.lower() == "https" else None
        self._conn = _Connection(parts.hostname, port or (443 if tls else 80), tls)
        self.timeout = timeout
        self.max_bytes = max_bytes
        self._ids = itertools.count(1)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _target(self, path: str) -> str:
        target = (self._path + path) or "/"
        return f"{target}?{self._query}" if self._query else target

    def _fail(self, what: str, message: str, code: str, **evidence: object) -> FetchError:
        return FetchError(
            f"{self.name}: {message}", code=code, evidence={"node": self.name, "request": what, **evidence}
        )

    def _attempt(self, method: str, target: str, body: bytes | None, what: str) -> _Answer:
        """One try, every byte within the call's deadline; the connection is closed on any failure."""
        conn = self._conn
        response: http.client.HTTPResponse | None = None

        def hang_up() -> None:
            if response is not None:
                response.close()  # the answer's stream holds the socket open until closed
            conn.close()

        try:
            conn.request(method, target, body=body, headers=self._headers)
            response = conn.getresponse()
            if response.length is not None and response.length > self.max_bytes:  # its Content-Length
                raise self._fail(
                    what,
                    f"the answer to {what} announces {response.length} bytes, more than the {self.max_bytes} read "
                    "from a node",
                    "too-large",
                )
            data = bytearray()
            while True:
                chunk = response.read(min(_CHUNK, self.max_bytes + 1 - len(data)))
                if not chunk:
                    break
                data += chunk
                if len(data) > self.max_bytes:
                    raise self._fail(
                        what,
                        f"the answer to {what} is larger than the {self.max_bytes} bytes read from a node",
                        "too-large",
                    )
            if response.will_close:
                conn.close()
        except FetchError:
            hang_up()
            raise
        except TimeoutError as e:
            hang_up()
            raise self._fail(
                what,
                f"no complete answer to {what} within the {conn.deadline.seconds:g} s deadline",
                "timeout",
                deadline_seconds=f"{conn.deadline.seconds:g}",
            ) from e
        except (OSError, http.client.HTTPException) as e:
            hang_up()
            error = self._fail(what, f"cannot reach the node for {what} ({_why(e)})", "unreachable")
            if isinstance(e, ssl.SSLCertVerificationError):
                raise error from e  # a certificate that does not verify will not verify on a second try
            raise _Retry(error) from e
        assert response is not None
        if 300 <= response.status < 400:
            raise self._fail(
                what,
                f"{what} answered with a redirect (HTTP {response.status}), which is not followed: "
                "give the node's own URL",
                "redirect",
                status=response.status,
            )
        if response.status in RETRY_STATUSES:
            raise _Retry(
                self._fail(what, f"{what} answered HTTP {response.status}", "http-status", status=response.status)
            )
        return _Answer(response.status, data)

    def _call(
        self, method: str, target: str, body: bytes | None, what: str, *, idempotent: bool, timeout: float | None = None
    ) -> _Answer:
        self._conn.deadline = deadline = _Deadline(self.timeout if timeout is None else timeout)
        attempts = ATTEMPTS if idempotent else 1
        if not idempotent:
            self._conn.close()  # sent once, so not on a kept-alive connection the node may have dropped
        for attempt in range(1, attempts + 1):
            try:
                return self._attempt(method, target, body, what)
            except _Retry as retry:
                if attempt == attempts or deadline.end - time.monotonic() <= RETRY_PAUSE * attempt:
                    raise retry.error from retry.__cause__
            time.sleep(RETRY_PAUSE * attempt)  # a pause between tries, within the deadline
        raise AssertionError("unreachable")  # pragma: no cover

    def _ok(self, answer: _Answer, what: str) -> bytearray:
        """The body of an HTTP 200 answer; any other status is an error naming the node."""
        if answer.status != 200:
            raise self._fail(
                what,
                f"{what} answered HTTP {answer.status}",
                "http-status",
                status=answer.status,
                body=answer.body[:200].decode("utf-8", "replace"),
            )
        return answer.body

    def _get(self, path: str, what: str) -> bytearray:
        return self._ok(self._call("GET", self._target(path), None, what, idempotent=True), what)

    def get_text(self, path: str, what: str) -> str:
        return self._get(path, what).decode("utf-8", "replace")

    def get_json(self, path: str, what: str) -> Any:
        body = self._get(path, what)
        try:
            return _loads(body)
        except (ValueError, RecursionError, FormatError) as e:
            raise self._fail(what, f"the answer to {what} is not JSON", "bad-response") from e

    def post_json(self, path: str, body: dict[str, Any], what: str) -> Any:
        """POST ``body`` as JSON to ``path`` and return the JSON answer (HTTP 200 only).

        Retried within the deadline only if ``path`` is in :data:`READ_POST_PATHS`; any
        other path is sent once.
        """
        payload = json.dumps(body, separators=(",", ":")).encode()
        answer = self._call("POST", self._target(path), payload, what, idempotent=path in READ_POST_PATHS)
        try:
            return _loads(self._ok(answer, what))
        except (ValueError, RecursionError, FormatError) as e:
            raise self._fail(what, f"the answer to {what} is not JSON", "bad-response") from e

    def rpc(self, method: str, params: list[Any], *, timeout: float | None = None) -> Any:
        """Call a JSON-RPC 2.0 method (Bitcoin Core accepts 1.0-style replies too).

        Retried within the deadline (``timeout``, by default the client's) only if ``method``
        is in :data:`READ_METHODS`.
        """
        request_id = next(self._ids)
        payload = json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}).encode()
        answer = self._call(
            "POST", self._target(""), payload, method, idempotent=method in READ_METHODS, timeout=timeout
        )
        try:
            reply = _loads(answer.body)
        except (ValueError, RecursionError, FormatError) as e:
            raise FetchError(
                f"{self.name}: {method} answered HTTP {answer.status} without JSON",
                code="bad-response",
                evidence={"node": self.name, "method": method, "status": answer.status},
            ) from e
        if not isinstance(reply, dict) or reply.get("id") != request_id or type(reply.get("id")) is not int:
            raise FetchError(
                f"{self.name}: {method} answered with a malformed JSON-RPC reply (or another request's id)",
                code="bad-response",
                evidence={"node": self.name, "method": method},
            )
        error = reply.get("error")
        if error is not None:
            message = error.get("message") if isinstance(error, dict) else error
            raise FetchError(
                f"{self.name}: {method} failed: {str(message)[:200]}",
                code="rpc-error",
                evidence={"node": self.name, "method": method, "error": str(error)[:300]},
            )
        if "result" not in reply:
            raise FetchError(
                f"{self.name}: {method} reply has no result",
                code="bad-response",
                evidence={"node": self.name, "method": method},
            )
        return reply["result"]
