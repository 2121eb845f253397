"""The chain client against hostile nodes: huge, trickling, silent, lying, redirecting (and honest controls).

Every node is a real HTTP server on 127.0.0.1 (tests/reserves/hostile_server.py).  Deadlines
are short (1 s) so a client that waits longer fails the test by its elapsed time; nothing
here sleeps to make a point.  Every error is also checked to name the node by scheme and
host only, although each test's node URL carries a user, a password, an API key in the
path and one in the query.
"""

from __future__ import annotations

import datetime
import json
import socket
import ssl
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from solvent.protocol.errors import FetchError
from solvent.reserves.chains import CHAINS, normalize_address
from solvent.reserves.pinned_block import BlockPin
from solvent.reserves.sources.bitcoin_core import BitcoinCoreSource
from solvent.reserves.sources.esplora import EsploraSource
from solvent.reserves.sources.evm import EvmRpcSource
from solvent.reserves.sources.http import ATTEMPTS, MAX_RESPONSE_BYTES, HttpClient, redact_url, redact_urls
from tests.reserves.hostile_server import MIB, NodeHandler, node_server

SECRETS = ("alice-user", "pa55-word", "PATHKEY123", "QUERYKEY456", "FRAGMENT789")
DEADLINE = 1.0
#: How much later than its deadline a call may end (thread scheduling on a busy machine).
SLACK = 1.5


def secret_url(base: str) -> str:
    """``base`` with a user, a password, an API key in the path and in the query, and a fragment."""
    return base.replace("http://", "http://alice-user:pa55-word@") + "/v3/PATHKEY123?apikey=QUERYKEY456#FRAGMENT789"


def assert_redacted(e: FetchError, base: str) -> None:
    shown = e.message + " " + json.dumps(e.evidence)
    for secret in SECRETS:
        assert secret not in shown, (secret, shown)
    assert base in shown  # the node is still named: scheme, host and port


def client(base: str, **kw: object) -> HttpClient:
    return HttpClient(secret_url(base), timeout=kw.pop("timeout", DEADLINE), **kw)  # type: ignore[arg-type]


def fails(call: Callable[[], object], code: str, base: str) -> FetchError:
    with pytest.raises(FetchError) as e:
        call()
    assert e.value.code == code, e.value.message
    assert_redacted(e.value, base)
    return e.value


# --- redact_url: the one rule -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "http://alice-user:pa55-word@127.0.0.1:8332/v3/PATHKEY123?apikey=QUERYKEY456#FRAGMENT789",
            "http://127.0.0.1:8332",
        ),
        ("https://eth-mainnet.example.com/v2/PATHKEY123", "https://eth-mainnet.example.com"),
        ("HTTPS://Node.Example.COM:8545/?key=QUERYKEY456", "https://node.example.com:8545"),
        ("http://[::1]:8545/PATHKEY123", "http://[::1]:8545"),
        ("esplora+https://alice-user@blockstream.example/api?k=QUERYKEY456", "esplora+https://blockstream.example"),
        # malformed: what looks like a scheme or a host may be a secret typed in the wrong place
        ("alice-user:pa55-word@host", "<node URL without an http(s) scheme>"),
        ("PATHKEY123", "<node URL without an http(s) scheme>"),
        ("http://[::1/PATHKEY123", "<malformed node URL>"),
        ("http://host:port-PATHKEY123/", "<malformed node URL>"),
        ("http:///PATHKEY123", "http://<no valid host>"),
    ],
)
def test_redact_url_keeps_scheme_and_host_only(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_redact_urls_reduces_every_url_in_a_text() -> None:
    text = "ethereum JSON-RPC http://alice-user:pa55-word@10.0.0.1:8545/v3/PATHKEY123?apikey=QUERYKEY456 (re-read)"
    assert redact_urls(text) == "ethereum JSON-RPC http://10.0.0.1:8545 (re-read)"


# --- honest controls --------------------------------------------------------------------------


def honest_rpc(h: NodeHandler) -> None:
    h.rpc_result({"method": h.request_json["method"], "params": h.request_json["params"]})


def test_honest_node_gets_the_credentials_path_and_query_and_answers() -> None:
    with node_server(honest_rpc) as node, client(node.url) as c:
        assert c.rpc("getblockhash", [5]) == {"method": "getblockhash", "params": [5]}
        assert c.rpc("eth_chainId", []) == {"method": "eth_chainId", "params": []}
        first = node.seen.requests[0]
        assert first["path"] == "/v3/PATHKEY123?apikey=QUERYKEY456"  # used for the request, never shown
        assert first["authorization"] == "Basic YWxpY2UtdXNlcjpwYTU1LXdvcmQ="  # alice-user:pa55-word
        assert first["host"] == f"127.0.0.1:{node.port}"
        assert c.name == node.url


def test_honest_rest_api_paths_go_between_the_base_path_and_its_query() -> None:
    def answer(h: NodeHandler) -> None:
        h.send_body(200, json.dumps({"path": h.path}).encode())

    with node_server(answer) as node, client(node.url) as c:
        assert c.get_json("/block-height/7", "block-height") == {
            "path": "/v3/PATHKEY123/block-height/7?apikey=QUERYKEY456"
        }


def test_an_answer_just_under_the_cap_is_read() -> None:
    body = b"[" + b"1," * 5000 + b"1]"
    with node_server(lambda h: h.send_body(200, body)) as node, client(node.url, max_bytes=len(body)) as c:
        assert len(c.get_json("/x", "x")) == 5001


# --- huge ------------------------------------------------------------------------------------


def huge_with_length(h: NodeHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", str(300 * MIB))
    h.end_headers()
    h.stream(300 * MIB, b"0" * MIB)


def huge_close_delimited(h: NodeHandler) -> None:
    h.raw(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n")
    h.stream(300 * MIB, b"0" * MIB)
    h.close_connection = True


def huge_chunked(h: NodeHandler) -> None:
    h.raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"0" * (64 * 1024)
    h.stream(300 * MIB, b"%x\r\n" % len(chunk) + chunk + b"\r\n")


@pytest.mark.parametrize("behaviour", [huge_with_length, huge_close_delimited, huge_chunked])
def test_a_huge_answer_is_cut_at_the_cap(behaviour: Callable[[NodeHandler], None]) -> None:
    with node_server(behaviour) as node, client(node.url, timeout=30.0, max_bytes=MIB) as c:
        e = fails(lambda: c.rpc("getblockhash", [1]), "too-large", node.url)
        assert "1048576" in e.message
        fails(lambda: c.get_json("/x", "x"), "too-large", node.url)  # and after it, the next call too
    assert node.seen.bytes_sent < 100 * MIB  # the client hung up: the node did not get to send 300 MiB


RSS_PROBE = textwrap.dedent(
    """
    import json, resource, sys
    from solvent.protocol.errors import FetchError
    from solvent.reserves.sources.http import HttpClient

    def peak_kib():
        # The process's own peak RSS.  getrusage's ru_maxrss also counts the high-water mark the
        # process inherited from its parent through fork and exec (a large test runner), so the
        # figure of this address space alone is read from VmHWM, and ru_maxrss is kept as a bound.
        with open("/proc/self/status") as f:
            hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
        return hwm, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    before = peak_kib()
    codes = []
    with HttpClient(sys.argv[1], timeout=120.0) as c:
        for call in (lambda: c.rpc("getblockhash", [1]), lambda: c.get_text("/x", "x")):
            try:
                call()
                codes.append("read")
            except FetchError as e:
                codes.append(e.code)
    after = peak_kib()
    print(json.dumps({"before_kib": before[0], "after_kib": after[0], "maxrss_kib": after[1], "codes": codes}))
    """
)


def test_a_300_mib_answer_keeps_the_clients_memory_bounded() -> None:
    """The red-team's 300 MiB node (655 MB RSS before): the client's peak RSS grows by about the cap only."""
    with node_server(huge_close_delimited) as node:
        done = subprocess.run(
            [sys.executable, "-c", RSS_PROBE, secret_url(node.url)],
            check=False,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert done.returncode == 0, done.stderr
    probe = json.loads(done.stdout)
    assert probe["codes"] == ["too-large", "too-large"]
    grown = (probe["after_kib"] - probe["before_kib"]) * 1024
    assert grown < MAX_RESPONSE_BYTES + 24 * MIB, f"peak RSS grew by {grown / MIB:.0f} MiB"
    assert probe["after_kib"] * 1024 < 200 * MIB
    assert probe["maxrss_kib"] >= probe["after_kib"]  # the same measure, plus what was inherited
    assert node.seen.bytes_sent < 200 * MIB


# --- slow -------------------------------------------------------------------------------------


def trickle_body(h: NodeHandler) -> None:
    h.raw(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n")
    h.trickle(b'{"jsonrpc": "2.0", "id": 1, "result": "')


def trickle_status_line(h: NodeHandler) -> None:
    h.trickle(b"HTTP/1.1 200 OK\r\nX-Slow: ")


def trickle_chunked(h: NodeHandler) -> None:
    h.raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    h.trickle(b"ffff\r\n")


def silent(h: NodeHandler) -> None:
    h.seen.stop.wait(20)  # reads the request, never answers


@pytest.mark.parametrize("behaviour", [trickle_body, trickle_status_line, trickle_chunked, silent])
def test_a_slow_node_is_cut_off_at_the_deadline(behaviour: Callable[[NodeHandler], None]) -> None:
    with node_server(behaviour) as node, client(node.url) as c:
        start = time.monotonic()
        e = fails(lambda: c.rpc("getblockhash", [1]), "timeout", node.url)
        elapsed = time.monotonic() - start
        assert DEADLINE * 0.9 <= elapsed < DEADLINE + SLACK, elapsed
        assert "1 s deadline" in e.message
        assert len(node.seen.requests) == 1  # a deadline passed is not retried


def test_a_slow_node_is_cut_off_through_a_source() -> None:
    with node_server(trickle_body) as node:
        source = EvmRpcSource("ethereum", secret_url(node.url), timeout=DEADLINE)
        start = time.monotonic()
        fails(source.check_chain_id, "timeout", node.url)
        assert time.monotonic() - start < DEADLINE + SLACK
        source.close()


# --- lying ------------------------------------------------------------------------------------


def test_a_reply_with_another_requests_id_is_refused() -> None:
    with node_server(lambda h: h.rpc_result("0x1", id_shift=1)) as node, client(node.url) as c:
        fails(lambda: c.rpc("eth_chainId", []), "bad-response", node.url)


def test_a_reply_with_a_string_id_equal_in_text_is_refused() -> None:
    def answer(h: NodeHandler) -> None:
        h.send_body(200, json.dumps({"id": str(h.request_json["id"]), "result": "0x1"}).encode())

    with node_server(answer) as node, client(node.url) as c:
        fails(lambda: c.rpc("eth_chainId", []), "bad-response", node.url)


def test_a_node_of_another_chain_is_refused() -> None:
    def bsc(h: NodeHandler) -> None:
        h.rpc_result("0x38" if h.request_json["method"] == "eth_chainId" else "0x0")

    with node_server(bsc) as node:
        source = EvmRpcSource("ethereum", secret_url(node.url), timeout=DEADLINE)
        address = normalize_address(CHAINS["ethereum"], "0x" + "11" * 20)
        fails(lambda: source.native_balance(address, BlockPin("ethereum", 1, "aa" * 32)), "wrong-chain", node.url)
        source.close()


def test_an_answer_that_is_not_http_is_an_error_naming_the_host_only() -> None:
    def garbage(h: NodeHandler) -> None:
        h.raw(b"PATHKEY123 this is not HTTP\r\n\r\n")
        h.close_connection = True

    with node_server(garbage) as node, client(node.url) as c:
        fails(lambda: c.rpc("getblockhash", [1]), "unreachable", node.url)


def test_endless_headers_are_refused() -> None:
    def headers(h: NodeHandler) -> None:
        h.raw(b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 200 + b"\r\n")
        h.close_connection = True

    with node_server(headers) as node, client(node.url) as c:
        fails(lambda: c.rpc("getblockhash", [1]), "unreachable", node.url)


# --- redirects ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_to_another_host_is_not_followed(status: int) -> None:
    with node_server(honest_rpc) as elsewhere:

        def redirect(h: NodeHandler) -> None:
            h.send_body(status, b"", {"Location": secret_url(elsewhere.url.replace("127.0.0.1", "localhost"))})

        with node_server(redirect) as node, client(node.url) as c:
            e = fails(lambda: c.rpc("getblockhash", [1]), "redirect", node.url)
            assert "localhost" not in e.message
            fails(lambda: c.get_json("/block/x", "block"), "redirect", node.url)
        assert elsewhere.seen.requests == []  # neither the request nor the credentials went there


# --- retries ----------------------------------------------------------------------------------


def flaky(failures: int) -> Callable[[NodeHandler], None]:
    def behaviour(h: NodeHandler) -> None:
        if len(h.seen.requests) <= failures:
            h.close_connection = True  # hang up without an answer
            return
        honest_rpc(h)

    return behaviour


def test_a_dropped_connection_is_retried_for_a_read() -> None:
    with node_server(flaky(ATTEMPTS - 1)) as node, client(node.url, timeout=10.0) as c:
        assert c.rpc("getblockhash", [3]) == {"method": "getblockhash", "params": [3]}
        assert len(node.seen.requests) == ATTEMPTS


def test_retries_are_bounded_in_count() -> None:
    with node_server(flaky(100)) as node, client(node.url, timeout=10.0) as c:
        fails(lambda: c.rpc("getblockhash", [3]), "unreachable", node.url)
        assert len(node.seen.requests) == ATTEMPTS


def test_a_busy_answer_is_retried_and_then_given_up() -> None:
    with node_server(lambda h: h.send_body(503, b"busy")) as node, client(node.url, timeout=10.0) as c:
        e = fails(lambda: c.get_text("/x", "x"), "http-status", node.url)
        assert e.evidence["status"] == "503"
        assert len(node.seen.requests) == ATTEMPTS


def test_a_method_that_is_not_a_read_is_sent_once() -> None:
    with node_server(flaky(100)) as node, client(node.url, timeout=10.0) as c:
        fails(lambda: c.rpc("eth_sendRawTransaction", ["0x00"]), "unreachable", node.url)
        assert len(node.seen.requests) == 1


def test_retries_never_go_past_the_deadline() -> None:
    def slow_busy(h: NodeHandler) -> None:
        h.seen.stop.wait(0.4)
        h.send_body(503, b"busy")

    with node_server(slow_busy) as node, client(node.url) as c:
        start = time.monotonic()
        with pytest.raises(FetchError) as e:
            c.rpc("getblockhash", [3])
        elapsed = time.monotonic() - start
        assert e.value.code in ("timeout", "http-status")
        assert_redacted(e.value, node.url)
        assert elapsed < DEADLINE + SLACK, elapsed
        assert len(node.seen.requests) < ATTEMPTS


# --- the sources name the node by scheme and host ----------------------------------------------


def test_every_source_describes_its_node_by_scheme_and_host() -> None:
    url = secret_url("http://127.0.0.1:9")
    sources = [
        EvmRpcSource("ethereum", url),
        BitcoinCoreSource("bitcoin", url),
        EsploraSource("bitcoin", url),
    ]
    for source in sources:
        assert source.description.endswith(" http://127.0.0.1:9"), source.description
        source.close()


def test_an_unreachable_node_is_named_by_scheme_and_host() -> None:
    with node_server(honest_rpc) as node:
        base = node.url
    for source in (
        EvmRpcSource("ethereum", secret_url(base), timeout=DEADLINE),
        BitcoinCoreSource("bitcoin", secret_url(base), timeout=DEADLINE),
        EsploraSource("bitcoin", secret_url(base), timeout=DEADLINE),
    ):
        fails(lambda s=source: s.check_block(BlockPin(s.chain, 1, "aa" * 32)), "unreachable", base)
        source.close()


@pytest.mark.parametrize(
    "url",
    [
        "ftp://alice-user:pa55-word@host/PATHKEY123",
        "http://alice-user:pa55-word@host/PATHKEY123 QUERYKEY456",
        "http://alice-user:pa55-word@host/PATHKEY123\nQUERYKEY456",
    ],
)
def test_a_bad_node_url_is_refused_without_showing_it(url: str) -> None:
    with pytest.raises(FetchError) as e:
        HttpClient(url)
    assert e.value.code == "bad-url"
    shown = e.value.message + json.dumps(e.value.evidence)
    assert not any(s in shown for s in SECRETS), shown


# --- TLS ---------------------------------------------------------------------------------------


def _tcp_server(answer: Callable[[socket.socket], None]) -> tuple[socket.socket, threading.Event, int]:
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return listener, stop, listener.getsockname()[1]


def test_a_tls_handshake_that_never_ends_is_cut_off_at_the_deadline() -> None:
    held: list[socket.socket] = []
    listener, stop, port = _tcp_server(held.append)  # accepts, and never says a word
    try:
        base = f"https://127.0.0.1:{port}"
        with HttpClient(
            secret_url(f"http://127.0.0.1:{port}").replace("http://", "https://", 1), timeout=DEADLINE
        ) as c:
            start = time.monotonic()
            fails(lambda: c.rpc("getblockhash", [1]), "timeout", base)
            assert time.monotonic() - start < DEADLINE + SLACK
    finally:
        stop.set()
        listener.close()
        for conn in held:
            conn.close()


def test_a_certificate_that_does_not_verify_is_refused_once() -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    with tempfile.TemporaryDirectory() as folder:
        cert_file, key_file = Path(folder, "cert.pem"), Path(folder, "key.pem")
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_file, key_file)
    handshakes: list[int] = []

    def answer(conn: socket.socket) -> None:
        handshakes.append(1)
        try:
            context.wrap_socket(conn, server_side=True).close()
        except OSError:
            conn.close()

    listener, stop, port = _tcp_server(answer)
    try:
        base = f"https://127.0.0.1:{port}"
        with HttpClient(secret_url(f"http://127.0.0.1:{port}").replace("http://", "https://", 1), timeout=5.0) as c:
            e = fails(lambda: c.rpc("getblockhash", [1]), "unreachable", base)
            assert "CERTIFICATE_VERIFY_FAILED" in e.message
        assert len(handshakes) == 1  # not retried
    finally:
        stop.set()
        listener.close()
