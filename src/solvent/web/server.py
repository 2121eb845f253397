"""``serve(dirs, host, port)``: check the snapshots, bind, print the URL, serve until stopped.

The listening socket is bound here, before uvicorn starts, so that the printed URL
carries the real port (``--port 0`` picks a free one) and a port in use is a clear
usage error rather than a log line. With ``workers > 1`` the process forks after the
snapshots are loaded and the socket is bound: every worker shares the socket and the
memory-mapped tree files, and the parent forwards SIGINT/SIGTERM to them.

A worker that fails is never silent: it sends its error to the parent through a pipe,
the parent stops the other workers and raises that error, so ``solvent serve`` prints it
once and exits non-zero, as it would with one worker. A worker's unexpected exception (a
bug) also prints its traceback; a worker killed by a signal is reported as such.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from solvent.pipeline.report import VerifierSettings
from solvent.protocol import errors
from solvent.protocol.errors import InputError, SolventError
from solvent.web.catalog import Catalog, load_catalog
from solvent.web.limits import DEFAULT_LIMITS, Limits

__all__ = ["DEFAULT_HOST", "DEFAULT_LIMITS", "DEFAULT_PORT", "Limits", "bind", "serve", "url_for"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: Connections the kernel queues before the server accepts them (a burst of slow sockets is
#: accepted and sorted out by the guard rather than left to fill this queue).
BACKLOG = 2048


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
        sock.listen(BACKLOG)
    except OSError as e:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port} ({e.strerror}); pass another --port") from e
    sock.set_inheritable(True)
    return sock


def _allow_open_files(limits: Limits) -> None:
    """Raise this process's open-file limit (up to its hard limit) to fit ``limits.max_connections``:
    at a distribution's default of 1,024 the guard's limits would never be reached, the accept
    loop would fail first."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = limits.max_connections + 256  # the snapshots' files, the listening socket, logs
    if soft != resource.RLIM_INFINITY and soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))


def url_for(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):  # noqa: S104 - only to print a reachable URL
        shown = "127.0.0.1"
    return f"http://{shown}:{port}/"


def _run(catalog: Catalog, sock: socket.socket, *, log: bool, limits: Limits) -> None:
    import uvicorn

    from solvent.web.api import create_app
    from solvent.web.guard import guarded_protocol

    config = uvicorn.Config(
        create_app(catalog),
        # The connection guard (solvent.web.guard): per-client cap, head size and deadline, send
        # deadline, and its own answers with the security headers. It counts connections itself,
        # per client: uvicorn's limit_concurrency (all clients together) stays off.
        http=guarded_protocol(limits),
        ws="none",  # no WebSocket: an upgrade request is an ordinary request (uvicorn's 403 has no headers)
        log_level="info" if log else "warning",
        access_log=log,
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=2,
        timeout_keep_alive=5,
        limit_concurrency=None,
        backlog=BACKLOG,
    )
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except SystemExit as e:  # uvicorn's way to say that it could not start (it logged why)
        raise SolventError(f"the web server did not start (exit status {e.code})", code="serve") from None


#: How much of a worker's error report the parent reads (a message and its evidence).
REPORT_LIMIT = 64 * 1024


def _report(e: BaseException) -> bytes:
    """A worker's failure as the parent will re-raise it: the error tree's class, code, message, evidence."""
    trace = ""
    if isinstance(e, SolventError):
        kind, code, message, evidence = type(e).__name__, e.code, e.message, e.evidence
    else:  # a bug: its traceback is what its fixer needs
        trace = "".join(traceback.format_exception(e))[-16384:]
        kind, code, message, evidence = "SolventError", "internal", f"a worker failed: {type(e).__name__}: {e}", {}
    report = {"kind": kind, "code": code, "message": message[:4096], "evidence": evidence, "traceback": trace}
    return json.dumps(report).encode("utf-8")[:REPORT_LIMIT]


def _error_from(report: bytes, pid: int, status: int) -> SolventError:
    """The error a worker reported (as the same class of the tree), or what its exit status says.

    A bug's traceback is printed here, once, however many workers hit it.
    """
    try:
        d = json.loads(report)
        if d.get("traceback"):
            sys.stderr.write(str(d["traceback"]))
        kind = getattr(errors, d["kind"], SolventError)
        if not (isinstance(kind, type) and issubclass(kind, SolventError)):
            kind = SolventError
        return kind(str(d["message"]), code=str(d["code"]), evidence=dict(d["evidence"]))
    except (ValueError, KeyError, TypeError):
        pass
    if os.WIFSIGNALED(status):
        name = signal.Signals(os.WTERMSIG(status)).name
        return SolventError(f"worker process {pid} was killed by {name}", code="worker")
    return SolventError(f"worker process {pid} exited with status {os.waitstatus_to_exitcode(status)}", code="worker")


def _read_all(fd: int) -> bytes:
    chunks = []
    size = 0
    while size < REPORT_LIMIT and (chunk := os.read(fd, REPORT_LIMIT - size)):
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _fork_workers(workers: int, run: Callable[[], None]) -> None:
    """Run ``run`` in ``workers`` child processes until they all stop; raise the first failure."""
    children: dict[int, int] = {}  # pid -> read end of its report pipe
    try:
        for _ in range(workers):
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # child: serve, never return into the caller's code
                os.close(read_end)
                for fd in children.values():
                    os.close(fd)
                code = 0
                try:
                    run()
                except KeyboardInterrupt:  # Ctrl+C reached the worker itself: a normal stop
                    pass
                except BaseException as e:
                    code = 1
                    with contextlib.suppress(BaseException):
                        os.write(write_end, _report(e))
                finally:
                    os._exit(code)
            os.close(write_end)
            children[pid] = read_end
    except BaseException:
        _stop(children)
        raise

    def forward(signum: int, _frame: object) -> None:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    previous = {signum: signal.signal(signum, forward) for signum in (signal.SIGINT, signal.SIGTERM)}
    failure: SolventError | None = None
    try:
        while children:
            pid, status = os.wait()
            if pid not in children:
                continue
            fd = children.pop(pid)
            report = _read_all(fd)
            os.close(fd)
            if status != 0 and failure is None:
                failure = _error_from(report, pid, status)
                _stop(children, wait=False)  # one worker down: stop the rest, fail closed
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _stop(children)
    if failure is not None:
        raise failure


def _stop(children: dict[int, int], *, wait: bool = True) -> None:
    """SIGTERM to every worker still running (a graceful stop); with ``wait``, reap them."""
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    if wait:
        for pid, fd in list(children.items()):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            os.close(fd)
            del children[pid]


def serve(
    directories: Sequence[Path],
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    workers: int = 1,
    log: bool = False,
    settings: VerifierSettings | None = None,
    limits: Limits = DEFAULT_LIMITS,
    out: Callable[[str], object] = sys.stdout.write,
) -> None:
    """Serve the page and API for ``directories`` until interrupted; prints the URL first.

    ``settings``: the server's own nodes, recognised tokens and block-age window, with
    which the reserves shown on the page are re-checked at start-up. ``limits``: what one
    client and one connection may hold (:mod:`solvent.web.guard`).
    """
    if not 1 <= workers <= 64:
        raise InputError("--workers must be between 1 and 64")
    _allow_open_files(limits)
    catalog = load_catalog(directories, settings)
    try:
        sock = bind(host, port)
        try:
            names = ", ".join(s.snapshot_id for s in catalog)
            out(f"Serving {len(catalog)} snapshot(s) ({names})\n  open {url_for(sock)}\n  (Ctrl+C stops)\n")
            if hasattr(sys.stdout, "flush"):
                sys.stdout.flush()
            if workers == 1:
                _run(catalog, sock, log=log, limits=limits)
            else:
                _fork_workers(workers, lambda: _run(catalog, sock, log=log, limits=limits))
        finally:
            sock.close()
    finally:
        catalog.close()
