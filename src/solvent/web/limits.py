"""What one client and one connection may hold on ``solvent serve`` (enforced by :mod:`solvent.web.guard`).

Kept apart from the guard so that the command line and :func:`solvent.web.server.serve`
can name them without importing the web server.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_LIMITS", "Limits"]


@dataclass(frozen=True)
class Limits:
    """What one client and one connection may hold; ``per_client=0`` turns the per-client cap off.

    ``per_client``: open connections from one address (an IPv6 /64); ``max_connections``: in
    all, per worker process; ``header_timeout``: seconds for a request head to arrive;
    ``max_head``: bytes of request line and headers; ``send_timeout``: seconds a client may
    leave its answer unread.
    """

    per_client: int = 64
    max_connections: int = 4096
    header_timeout: float = 10.0
    max_head: int = 16 * 1024
    send_timeout: float = 30.0


DEFAULT_LIMITS = Limits()
