"""The environment variables the hashing backends read, each parsed by one rule.

Standard library only, so that the command line can check them before any work (and
before importing NumPy), with the same rule and the same message the backends use.
"""

from __future__ import annotations

import os

from solvent.protocol.errors import InputError

__all__ = ["BACKENDS", "HASHER_VARIABLE", "MAX_THREADS", "THREADS_VARIABLE", "hasher_name", "thread_count"]

THREADS_VARIABLE = "SOLVENT_THREADS"
HASHER_VARIABLE = "SOLVENT_HASHER"
#: Every hashing backend solvent has, fastest first (whether native is built is asked elsewhere).
BACKENDS = ("native", "hashlib")
# An upper bound on SOLVENT_THREADS: far above any core count this runs on, low enough
# that a typo (20000 for 2) cannot start thousands of threads.
MAX_THREADS = 1024


def thread_count() -> int | None:
    """``SOLVENT_THREADS`` as a thread count, or None when it is unset or empty.

    An unusable value is the operator's input error (exit 2 at the command line), named
    with the accepted values; it is never silently replaced by the default.
    """
    raw = os.environ.get(THREADS_VARIABLE, "").strip()
    if not raw:
        return None
    # ASCII digits only: int() would also take "+3", "1_0" and non-ASCII digits (and
    # raise on more than 4300 of them, hence the length bound first).
    value = int(raw) if len(raw) <= 10 and raw.isascii() and raw.isdigit() else 0
    if not 1 <= value <= MAX_THREADS:
        raise InputError(
            f"{THREADS_VARIABLE}={raw!r}: the hashing thread count must be a whole number "
            f"from 1 to {MAX_THREADS} (or leave {THREADS_VARIABLE} unset to use every core)",
            evidence={"variable": THREADS_VARIABLE, "value": raw, "accepted": f"1..{MAX_THREADS}"},
        )
    return value


def hasher_name() -> str | None:
    """``SOLVENT_HASHER`` if it names a backend, None when unset or empty; InputError otherwise."""
    name = os.environ.get(HASHER_VARIABLE, "").strip()
    if not name:
        return None
    if name not in BACKENDS:
        accepted = ", ".join(BACKENDS)
        raise InputError(
            f"{HASHER_VARIABLE}: unknown hash backend {name!r}; accepted: {accepted}",
            evidence={"source": HASHER_VARIABLE, "value": name, "accepted": accepted},
        )
    return name
