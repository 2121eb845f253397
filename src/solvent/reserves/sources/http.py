"""HTTP and JSON-RPC transport for the balance sources, with every failure wrapped.

A node that cannot be reached, times out, answers with an HTTP error, a JSON-RPC
error or a body that is not the expected JSON is a :class:`~solvent.protocol.errors.FetchError`
naming the node (credentials removed) and the method: a balance that could not be
read is never counted.  JSON numbers with a fraction are kept as their exact text
(:class:`RawNumber`) and never become floats.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from solvent.protocol.errors import FetchError, FormatError
from solvent.protocol.strictjson import check_depth

__all__ = ["HttpClient", "RawNumber", "redact_url"]

MAX_RESPONSE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class RawNumber:
    """A JSON number with a fraction or exponent, kept as its exact text."""

    text: str


def redact_url(url: str) -> str:
    """The URL without user name and password, for messages and evidence."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def _loads(body: bytes) -> Any:
    # A node's answer is untrusted input: bound its nesting before the C decoder recurses.
    check_depth(body.decode("utf-8", "replace"), name="node response")
    return json.loads(body, parse_float=RawNumber, parse_constant=RawNumber)


class HttpClient:
    """One node: GET for REST APIs, POST for JSON-RPC.  Close it (or use ``with``)."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"{redact_url(url)}: not an http(s) URL", evidence={"node": redact_url(url)})
        auth = None
        if parts.username is not None:
            from urllib.parse import unquote

            auth = httpx.BasicAuth(unquote(parts.username), unquote(parts.password or ""))
        self.url = urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, parts.query, ""))
        self.name = redact_url(url)
        self._ids = itertools.count(1)
        self._client = httpx.Client(timeout=timeout, auth=auth, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, url, **kwargs)
        except httpx.HTTPError as e:
            raise FetchError(
                f"{self.name}: cannot reach the node for {what} ({type(e).__name__}: {str(e)[:200]})",
                code="unreachable",
                evidence={"node": self.name, "request": what},
            ) from e
        if len(response.content) > MAX_RESPONSE_BYTES:
            raise FetchError(f"{self.name}: the answer to {what} is too large", evidence={"node": self.name})
        return response

    def get_text(self, path: str, what: str) -> str:
        response = self._request("GET", self.url.rstrip("/") + path, what)
        if response.status_code != 200:
            raise FetchError(
                f"{self.name}: {what} answered HTTP {response.status_code}",
                code="http-status",
                evidence={
                    "node": self.name,
                    "request": what,
                    "status": response.status_code,
                    "body": response.text[:200],
                },
            )
        return response.text

    def get_json(self, path: str, what: str) -> Any:
        text = self.get_text(path, what)
        try:
            return _loads(text.encode("utf-8"))
        except (ValueError, RecursionError, FormatError) as e:
            raise FetchError(
                f"{self.name}: the answer to {what} is not JSON",
                code="bad-response",
                evidence={"node": self.name, "request": what},
            ) from e

    def rpc(self, method: str, params: list[Any]) -> Any:
        """Call a JSON-RPC 2.0 method (Bitcoin Core accepts 1.0-style replies too)."""
        request_id = next(self._ids)
        payload = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": params}
        response = self._request("POST", self.url, method, json=payload)
        try:
            reply = _loads(response.content)
        except (ValueError, RecursionError, FormatError) as e:
            raise FetchError(
                f"{self.name}: {method} answered HTTP {response.status_code} without JSON",
                code="bad-response",
                evidence={"node": self.name, "method": method, "status": response.status_code},
            ) from e
        if not isinstance(reply, dict) or reply.get("id") != request_id:
            raise FetchError(
                f"{self.name}: {method} answered with a malformed JSON-RPC reply",
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
