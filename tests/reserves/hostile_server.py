"""Hostile nodes for the chain clients' tests: the loopback server of solvent.demo.simnodes, plus endless answers.

The server, its request records and the honest helpers (``send_body``, ``rpc_result``)
are :mod:`solvent.demo.simnodes.loopback`'s, which the demo's simulated nodes use too.
What only an attack test needs is here: a handler that streams a huge answer or trickles
one byte at a time until the client hangs up (the server stops every endless answer when
the test ends).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from solvent.demo.simnodes.loopback import Node, Seen, serve_loopback
from solvent.demo.simnodes.loopback import NodeHandler as _HonestHandler

__all__ = ["MIB", "Node", "NodeHandler", "Seen", "node_server"]

MIB = 1024 * 1024


class NodeHandler(_HonestHandler):
    """The simulated nodes' handler, with the hostile answers."""

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


@contextmanager
def node_server(behaviour: Callable[[NodeHandler], None]) -> Iterator[Node]:
    """A loopback server answering every request with ``behaviour`` (hostile answers included); stopped on exit."""
    with serve_loopback(behaviour, NodeHandler) as node:
        yield node
