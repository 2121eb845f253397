"""The native backend under threads: offsets changed mid-batch.

Each scenario that could crash the interpreter (an out-of-bounds read) runs in a child
interpreter, so that a failure is a failed test with the child's exit status, never a
dead test run.

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

import pytest

native = pytest.importorskip("solvent.tree.native", reason="native extension not built", exc_type=ImportError)


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
