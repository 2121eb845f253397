"""The native backend under threads: offsets changed mid-batch, and the pool's shutdown.

Each scenario that could crash the interpreter (an out-of-bounds read) or hang it (a
pool at exit) runs in a child interpreter, so that a failure is a failed test with the
child's exit status, never a dead test run.

Not tested here, because Python cannot observe it: that the extension wipes its
key-derived state (HMAC pad blocks, SHA-256 contexts, inner digests) with
OPENSSL_cleanse before returning.  That is checked by reading ``hmac_run`` in
``_sha256x.c``: all of it lives in one ``struct hmac_state`` that is cleansed on the
function's only return path.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

native = pytest.importorskip("solvent.tree.native", reason="native extension not built", exc_type=ImportError)
from solvent.tree.bulk_hash import HashlibHasher  # noqa: E402

# Enough rows that the pool is used (MIN_ROWS_PER_TASK = 4096 per piece).
ROWS = np.random.default_rng(11).integers(0, 256, size=(40_000, 65), dtype=np.uint8)


def _child(code: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter; the timeout guards against a hang, it times nothing."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=timeout, check=False
    )


# ---------------------------------------------------------------- offsets changed while hashing

RACE = """
    import hashlib, hmac, sys, threading
    import numpy as np
    from solvent.tree import _sha256x

    M, PIECE, CALLS = 20_000, 16, 40
    key, prefix = bytes(range(32)), b"tag"
    data = np.random.default_rng(5).integers(0, 256, size=M * PIECE, dtype=np.uint8)
    good = (np.arange(M + 1, dtype=np.int64) * PIECE).tobytes()
    # Every entry 2^40 past a good one: any mix of good and bad entries read while hashing
    # points a piece outside `data` (or makes it ~4 GiB long).
    bad = (np.arange(M + 1, dtype=np.int64) * PIECE + 2**40).tobytes()
    offsets = bytearray(good)
    raw = data.tobytes()
    expected = b"".join(
        hmac.digest(key, prefix + PIECE.to_bytes(4, "big") + raw[i * PIECE:(i + 1) * PIECE], "sha256")
        for i in range(M)
    )

    stop = threading.Event()
    flips = 0

    def mutate():
        global flips
        # Same-size slice assignments: allowed while the extension holds the buffer.
        while not stop.is_set():
            offsets[:] = bad
            offsets[:] = good
            flips += 1

    mutator = threading.Thread(target=mutate)
    mutator.start()
    hashed = refused = 0
    try:
        for _ in range(CALLS):
            out = bytearray(32 * M)
            offsets[:] = good  # so that the check passes, and only a later change could matter
            try:
                _sha256x.hmac_lp(key, prefix, data, offsets, out)
            except ValueError as e:
                # The copy was taken while the bad offsets were in place: refused, cleanly.
                assert "past the end of the data" in str(e) or "outside the data" in str(e), e
                refused += 1
            else:
                # The copy was taken while the good ones were: exactly their digests.
                assert bytes(out) == expected, "digests differ from those of the offsets as copied"
                hashed += 1
    finally:
        stop.set()
        mutator.join()
    assert flips > 0
    print(f"hashed={hashed} refused={refused} flips={flips}")
"""


def test_offsets_changed_by_another_thread_mid_batch_are_never_followed() -> None:
    """A second thread rewrites the offsets while the GIL is released; never an out-of-bounds read.

    Without the private copy, the hashing loop reads entries rewritten after the check
    and the child dies of SIGSEGV (or hashes bytes outside the data).
    """
    result = _child(RACE)
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert result.stdout.startswith("hashed="), result.stdout


# ---------------------------------------------------------------- shutdown


def test_shutdown_joins_every_pool_thread_and_work_after_it_starts_a_new_pool() -> None:
    """In a fresh interpreter, so that no other test's hasher (or its collected pool) is around."""
    result = _child(
        """
        import threading
        import numpy as np
        from solvent.tree import native
        from solvent.tree.bulk_hash import HashlibHasher

        def pool_threads():
            return [t for t in threading.enumerate() if t.name.startswith("solvent-hash")]

        rows = np.random.default_rng(11).integers(0, 256, size=(40_000, 65), dtype=np.uint8)
        expected = HashlibHasher().sha256_rows(rows)
        first, second = native.NativeHasher(threads=2), native.NativeHasher(threads=2)
        assert (first.sha256_rows(rows) == expected).all()
        assert (second.sha256_rows(rows) == expected).all()
        assert pool_threads(), "the batches did not use the pools"

        native.shutdown()
        assert pool_threads() == [], pool_threads()
        native.shutdown()  # twice is harmless
        first.close()

        assert (first.sha256_rows(rows) == expected).all()  # a new pool
        assert pool_threads()
        first.close()
        second.close()
        assert pool_threads() == [], pool_threads()
        print("ok")
        """
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "ok\n", "")


def test_a_process_that_hashed_exits_cleanly() -> None:
    result = _child(
        """
        import numpy as np
        from solvent.tree.native import NativeHasher
        rows = np.zeros((40_000, 65), dtype=np.uint8)
        NativeHasher(threads=2).sha256_rows(rows)
        print("hashed")
        """
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "hashed\n", "")


def test_hashing_after_shutdown_and_during_exit_still_gives_the_digests() -> None:
    """Work after shutdown() is done (a new pool), even from an exit handler.

    The exit handler below runs after the module's own one (handlers run last-registered
    first) and after ``concurrent.futures`` has stopped accepting work for any pool, so
    the batch must be hashed on the calling thread instead of raising.
    """
    expected = HashlibHasher().sha256_rows(ROWS)
    result = _child(
        """
        import atexit, hashlib, sys
        import numpy as np

        rows = np.random.default_rng(11).integers(0, 256, size=(40_000, 65), dtype=np.uint8)

        def at_exit():
            digest = hasher.sha256_rows(rows)
            print("at-exit", hashlib.sha256(digest.tobytes()).hexdigest())

        atexit.register(at_exit)  # before the module registers its own: so it runs after it

        from solvent.tree import native
        hasher = native.NativeHasher(threads=2)
        hasher.sha256_rows(rows)
        native.shutdown()
        native.shutdown()
        print("after-shutdown", hashlib.sha256(hasher.sha256_rows(rows).tobytes()).hexdigest())
        """
    )
    import hashlib

    want = hashlib.sha256(expected.tobytes()).hexdigest()
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.split("\n") == [f"after-shutdown {want}", f"at-exit {want}", ""]
