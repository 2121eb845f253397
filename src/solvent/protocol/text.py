"""Text from untrusted files, made safe to print on a terminal (standard library only)."""

from __future__ import annotations

__all__ = ["printable"]


def printable(text: object, keep: str = "") -> str:
    """Escape control characters (``\\x1b`` becomes the four characters ``\\x1b``).

    Evidence and reports quote hostile files, which must not drive the terminal;
    ``keep`` lists control characters to let through (e.g. ``"\\n"``).
    """
    return "".join(c if c.isprintable() or c in keep else repr(c)[1:-1] for c in str(text))
