"""``serve(dirs, host, port)``: check the snapshots, bind, print the URL, serve until stopped.

The listening socket is bound here, before uvicorn starts, so that the printed URL
carries the real port (``--port 0`` picks a free one) and a port in use is a clear
usage error rather than a log line. With ``workers > 1`` the process forks after the
snapshots are loaded and the socket is bound: every worker shares the socket and the
memory-mapped tree files, and the parent forwards SIGINT/SIGTERM to them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from solvent.protocol.errors import InputError
from solvent.report.check import VerifierSettings
from solvent.web.catalog import Catalog, load_catalog

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "bind", "serve", "url_for"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv4 or IPv6); InputError if it cannot be had."""
    if not 0 <= port <= 65535:
        raise InputError(f"--port {port} is not a TCP port (0 picks a free one)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise InputError(f"--host {host!r} is not an address this machine can listen on ({e.strerror})") from e
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as e:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port} ({e.strerror}); pass another --port") from e
    sock.set_inheritable(True)
    return sock


def url_for(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):  # noqa: S104 - only to print a reachable URL
        shown = "127.0.0.1"
    return f"http://{shown}:{port}/"


def _run(catalog: Catalog, sock: socket.socket, *, log: bool) -> None:
    import uvicorn

    from solvent.web.api import create_app

    config = uvicorn.Config(
        create_app(catalog),
        log_level="info" if log else "warning",
        access_log=log,
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=2,
        limit_concurrency=4096,
    )
    uvicorn.Server(config).run(sockets=[sock])


def _fork_workers(workers: int, run: Callable[[], None]) -> None:
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # child: serve, never return into the caller's code
            code = 0
            try:
                run()
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        children.append(pid)

    def forward(signum: int, _frame: object) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    for pid in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def serve(
    directories: Sequence[Path],
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    workers: int = 1,
    log: bool = False,
    settings: VerifierSettings | None = None,
    out: Callable[[str], object] = sys.stdout.write,
) -> None:
    """Serve the page and API for ``directories`` until interrupted; prints the URL first.

    ``settings``: the server's own nodes, recognised tokens and block-age window, with
    which the reserves shown on the page are re-checked at start-up.
    """
    if not 1 <= workers <= 64:
        raise InputError("--workers must be between 1 and 64")
    catalog = load_catalog(directories, settings)
    try:
        sock = bind(host, port)
        try:
            names = ", ".join(s.snapshot_id for s in catalog)
            out(f"Serving {len(catalog)} snapshot(s) ({names})\n  open {url_for(sock)}\n  (Ctrl+C stops)\n")
            if hasattr(sys.stdout, "flush"):
                sys.stdout.flush()
            if workers == 1:
                _run(catalog, sock, log=log)
            else:
                _fork_workers(workers, lambda: _run(catalog, sock, log=log))
        finally:
            sock.close()
    finally:
        catalog.close()
