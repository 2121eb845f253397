"""The native hashing backend: batched SHA-256 / HMAC-SHA256 in C, on every core.

A 10,000,000-account snapshot needs about 20 M HMACs (two per account, spec §3 (Hashed client ids))
and 20 M SHA-256 (leaves and nodes, spec §4 (The liabilities tree)).  The ``hashlib`` backend pays Python's
per-call overhead on each of them (about 1 M hashes/s, and ``hmac.digest`` only about
0.3 M/s); this one hands whole batches to ``_sha256x``, a small C extension over
OpenSSL's libcrypto, which hashes them with the GIL released.

Which OpenSSL interface, and why: the low-level ``SHA256_Init/Update/Final`` (deprecated
in OpenSSL 3, the warning silenced on purpose in ``_sha256x.c``).  They run the same
assembly as EVP (SHA-NI where the CPU has it) but skip EVP's per-message provider
dispatch; measured with ``benchmarks/sha256_interfaces.c`` they are 1.3-1.6x faster than
an EVP context reused across messages at our sizes, and HMAC from precomputed
ipad/opad ``SHA256_CTX`` states is 1.8x faster than copied EVP states and more than 10x
faster than one-shot ``HMAC()``.  ``docs/benchmarks.md`` has the figures.

A batch is cut into contiguous row ranges that a thread pool hashes in parallel: the C
code releases the GIL, so threads (not processes) use every core without copying.  The
thread count defaults to the CPU cores this process may run on; ``SOLVENT_THREADS``
overrides it (a whole number from 1 to 1024; anything else is an ``InputError`` that
names the variable).  :func:`shutdown` stops and joins every pool thread of the process;
it runs at interpreter exit, may be called any number of times, and work asked for after
it starts a new pool (or, once the interpreter is exiting and no thread may start, runs on
the calling thread).

Types, dtypes, shapes and contiguity are checked here; every length and offset (order,
bounds, piece sizes) is checked in C before it hashes anything, because the C code must
never trust its caller with a length: no input can make it read or write outside a
buffer.  Every refusal is a ValueError that names the argument and, for offsets, the
entry.
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from itertools import pairwise

import numpy as np
import numpy.typing as npt

from solvent.tree import _sha256x
from solvent.tree.environment import thread_count

__all__ = ["NativeHasher", "default_threads", "openssl_version", "shutdown"]

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]

KEY_SIZE = 32
# Below this many rows per piece, handing work to another thread costs more than the
# hashing it saves (a pool hand-off is tens of microseconds; a row is ~0.1-0.2 us).
MIN_ROWS_PER_TASK = 4096
# More pieces than threads, so that a core slowed by another process does not hold the
# whole batch back waiting for its one big piece.
TASKS_PER_THREAD = 4
def default_threads() -> int:
    """``SOLVENT_THREADS`` if set (:func:`solvent.tree.environment.thread_count`), else the
    number of CPU cores this process may use."""
    chosen = thread_count()
    if chosen is not None:
        return chosen
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def openssl_version() -> str:
    """The libcrypto the extension runs on (for benchmark reports)."""
    return _sha256x.openssl_version()


def _check_u8(name: str, value: object, ndim: int) -> U8:
    if not isinstance(value, np.ndarray):
        raise ValueError(f"{name} must be a numpy uint8 array, got {type(value).__name__}")
    if value.dtype != np.uint8:
        raise ValueError(f"{name} must have dtype uint8, got {value.dtype}")
    if value.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {value.shape}")
    if not value.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous (use np.ascontiguousarray)")
    return value


def _check_offsets(offsets: object) -> I64:
    """Type and shape only: the values (order, bounds, piece sizes) are checked in C."""
    if not isinstance(offsets, np.ndarray) or offsets.dtype != np.int64:
        got = offsets.dtype if isinstance(offsets, np.ndarray) else type(offsets).__name__
        raise ValueError(f"offsets must be a numpy int64 array, got {got}")
    if offsets.ndim != 1 or len(offsets) < 1:
        raise ValueError(f"offsets must be 1-dimensional with rows + 1 >= 1 entries, got shape {offsets.shape}")
    if not offsets.flags.c_contiguous:
        raise ValueError("offsets must be C-contiguous (use np.ascontiguousarray)")
    return offsets


class NativeHasher:
    """:class:`solvent.tree.bulk_hash.Hasher` in C over OpenSSL, split across threads."""

    name = "native"

    def __init__(self, threads: int | None = None) -> None:
        if threads is None:
            threads = default_threads()
        if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
            raise ValueError(f"threads must be a positive integer, got {threads!r}")
        self.threads = threads
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
        _registry.add(self)

    def sha256_rows(self, rows: U8) -> U8:
        rows = _check_u8("rows", rows, 2)
        m, width = rows.shape
        out = np.empty((m, 32), dtype=np.uint8)
        self._run(m, lambda a, b: _sha256x.sha256_rows(rows[a:b], width, out[a:b]))
        return out

    def hmac_lp(self, keys: bytes | U8, prefix: bytes, data: U8, offsets: I64) -> U8:
        data = _check_u8("data", data, 1)
        offsets = _check_offsets(offsets)
        m = len(offsets) - 1
        if not isinstance(prefix, bytes):
            raise ValueError(f"prefix must be bytes, got {type(prefix).__name__}")
        out = np.empty((m, 32), dtype=np.uint8)
        if isinstance(keys, bytes):
            if len(keys) != KEY_SIZE:
                raise ValueError(f"a shared key must be {KEY_SIZE} bytes, got {len(keys)}")
            shared = keys
            self._run(m, lambda a, b: _sha256x.hmac_lp(shared, prefix, data, offsets[a : b + 1], out[a:b], a))
        else:
            per_row = _check_u8("keys", keys, 2)
            if per_row.shape != (m, KEY_SIZE):
                raise ValueError(f"per-row keys must have shape ({m}, {KEY_SIZE}), got {per_row.shape}")
            self._run(m, lambda a, b: _sha256x.hmac_lp(per_row[a:b], prefix, data, offsets[a : b + 1], out[a:b], a))
        return out

    def close(self) -> None:
        """Stop this hasher's pool and join its threads; safe to repeat, and work after it starts a new pool."""
        with self._lock:
            pool, self._pool = self._pool, None
            mine = self._pool_pid == os.getpid()
        # A pool inherited through fork() has no threads in this process, and a lock its
        # parent held at the fork would never be released here: drop it, do not join it.
        if pool is not None and mine:
            pool.shutdown(wait=True)

    def _run(self, m: int, task: Callable[[int, int], None]) -> None:
        """Call ``task(a, b)`` over row ranges covering ``[0, m)``, in parallel if worth it."""
        pieces = min(self.threads * TASKS_PER_THREAD, m // MIN_ROWS_PER_TASK)
        if self.threads == 1 or pieces <= 1:
            task(0, m)
            return
        bounds = [m * i // pieces for i in range(pieces + 1)]
        ranges = list(pairwise(bounds))
        futures = self._submit(task, ranges)
        try:
            for a, b in ranges[len(futures) :]:  # what the pool would not take runs here
                task(a, b)
        finally:
            wait(futures)  # every piece has stopped writing into the output before anything raises
        for future in futures:
            future.result()

    def _submit(self, task: Callable[[int, int], None], ranges: list[tuple[int, int]]) -> list[Future[None]]:
        """Hand ranges to the pool, in order, until it refuses one.

        A pool refuses work (RuntimeError) once it is shut down: by :meth:`close` from
        another thread in between, or because the interpreter is exiting, when
        ``concurrent.futures`` lets no new thread start.  The caller hashes the rest itself.
        """
        futures: list[Future[None]] = []
        try:
            pool = self._executor()
            for a, b in ranges:
                futures.append(pool.submit(task, a, b))
        except RuntimeError:
            pass
        return futures

    def _executor(self) -> ThreadPoolExecutor:
        # A pool's threads do not survive fork(): a child process (multiprocessing's
        # default start method on Linux) would queue work that no thread ever runs, so
        # each process gets its own pool.
        with self._lock:
            if self._pool is None or self._pool_pid != os.getpid():
                self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="solvent-hash")
                self._pool_pid = os.getpid()
            return self._pool


class _Registry:
    """Every live hasher of the process, so that :func:`shutdown` reaches their pools.

    Weak, so that a hasher no one uses any more is collected (its pool's threads then
    exit on their own).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hashers: weakref.WeakSet[NativeHasher] = weakref.WeakSet()

    def add(self, hasher: NativeHasher) -> None:
        with self._lock:
            self._hashers.add(hasher)

    def live(self) -> list[NativeHasher]:
        with self._lock:
            return list(self._hashers)

    def after_fork_in_child(self) -> None:
        # A lock another thread held at fork() stays held forever in the child: start afresh.
        self._lock = threading.Lock()
        for hasher in list(self._hashers):
            hasher._lock = threading.Lock()


_registry = _Registry()


def shutdown() -> None:
    """Stop and join every hashing thread of this process (registered to run at exit).

    Safe to call more than once and from any thread; hashing asked for afterwards starts
    a new pool, or runs on the calling thread once the interpreter is exiting.
    """
    for hasher in _registry.live():
        hasher.close()


atexit.register(shutdown)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_registry.after_fork_in_child)
