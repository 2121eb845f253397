"""Bad arguments are refused with a clear ValueError, in Python and again in C.

The C extension must never read or write outside a buffer, whatever it is handed: the
second half of this file calls it directly with inconsistent buffers that the Python
wrapper would have refused.
"""

from __future__ import annotations

import ctypes
import mmap
import re
import threading
from itertools import pairwise

import numpy as np
import pytest

from solvent.protocol.errors import InputError

native = pytest.importorskip("solvent.tree.native", reason="native extension not built", exc_type=ImportError)
from solvent.tree import _sha256x  # noqa: E402  (only importable when the extension is built)

HASHER = native.NativeHasher(threads=2)
ROWS = np.zeros((4, 113), dtype=np.uint8)
DATA = np.frombuffer(b"alicebobcarol", dtype=np.uint8)
OFFSETS = np.array([0, 5, 8, 13], dtype=np.int64)
KEY = bytes(32)


# ---------------------------------------------------------------- sha256_rows


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (ROWS.astype(np.int8), "dtype uint8"),
        (ROWS.astype(np.uint16), "dtype uint8"),
        (ROWS.astype(np.float64), "dtype uint8"),
        (ROWS.reshape(-1), "2-dimensional"),
        (ROWS.reshape(2, 2, 113), "2-dimensional"),
        (ROWS[:, ::2], "C-contiguous"),
        (np.asfortranarray(np.zeros((4, 3), dtype=np.uint8)), "C-contiguous"),
        (ROWS.T, "C-contiguous"),
        (ROWS.tobytes(), "numpy uint8 array"),
        ([[1, 2], [3, 4]], "numpy uint8 array"),
    ],
    ids=["int8", "uint16", "float", "1-d", "3-d", "strided", "fortran", "transposed", "bytes", "list"],
)
def test_rows_rejected(rows: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HASHER.sha256_rows(rows)  # type: ignore[arg-type]


# ---------------------------------------------------------------- hmac_lp


@pytest.mark.parametrize(
    ("offsets", "message"),
    [
        (np.array([0, 5, 4, 13], dtype=np.int64), r"offsets decrease at index 2 \(4 < 5\)"),
        (np.array([-1, 5, 8, 13], dtype=np.int64), r"offsets\[0\] = -1 is outside the data \(0..13\)"),
        (np.array([0, 5, 8, 14], dtype=np.int64), r"offsets\[3\] = 14 is past the end of the data \(13 bytes\)"),
        (np.array([0, 5, 8, 2**62], dtype=np.int64), r"offsets\[3\] = 4611686018427387904 is past the end"),
        (np.array([14, 14], dtype=np.int64), r"offsets\[0\] = 14 is outside the data"),
        (OFFSETS.astype(np.int32), "int64"),
        (OFFSETS.astype(np.uint64), "int64"),
        (OFFSETS.astype(">i8"), "int64"),
        (OFFSETS.astype(np.float64), "int64"),
        (np.array([], dtype=np.int64), "rows \\+ 1 >= 1 entries"),
        (OFFSETS.reshape(2, 2), "1-dimensional"),
        (np.repeat(OFFSETS, 2)[::2], "C-contiguous"),
        ([0, 5, 8, 13], "numpy int64 array"),
    ],
    ids=[
        "decreasing", "negative", "past-end", "far-past-end", "start-past-end", "int32", "uint64",
        "big-endian", "float", "empty", "2-d", "strided", "list",
    ],
)  # fmt: skip
def test_offsets_rejected(offsets: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HASHER.hmac_lp(KEY, b"", DATA, offsets)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (DATA.astype(np.int8), "dtype uint8"),
        (DATA.reshape(1, -1), "1-dimensional"),
        (np.repeat(DATA, 2)[::2], "C-contiguous"),
        (b"alicebobcarol", "numpy uint8 array"),
    ],
    ids=["int8", "2-d", "strided", "bytes"],
)
def test_data_rejected(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HASHER.hmac_lp(KEY, b"", data, OFFSETS)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (bytes(31), "shared key must be 32 bytes, got 31"),
        (bytes(33), "shared key must be 32 bytes, got 33"),
        (b"", "shared key must be 32 bytes, got 0"),
        (np.zeros((3, 31), dtype=np.uint8), r"shape \(3, 32\), got \(3, 31\)"),
        (np.zeros((4, 32), dtype=np.uint8), r"shape \(3, 32\), got \(4, 32\)"),
        (np.zeros((2, 32), dtype=np.uint8), r"shape \(3, 32\), got \(2, 32\)"),
        (np.zeros(96, dtype=np.uint8), "2-dimensional"),
        (np.zeros((3, 32), dtype=np.int64), "dtype uint8"),
        (np.zeros((3, 64), dtype=np.uint8)[:, ::2], "C-contiguous"),
        (bytearray(32), "numpy uint8 array"),
        ("k" * 32, "numpy uint8 array"),
    ],
    ids=["31", "33", "empty", "narrow", "too-many", "too-few", "1-d", "int64", "strided", "bytearray", "str"],
)
def test_keys_rejected(keys: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HASHER.hmac_lp(keys, b"", DATA, OFFSETS)  # type: ignore[arg-type]


@pytest.mark.parametrize("prefix", ["solvent", bytearray(b"solvent"), None])
def test_prefix_must_be_bytes(prefix: object) -> None:
    with pytest.raises(ValueError, match="prefix must be bytes"):
        HASHER.hmac_lp(KEY, prefix, DATA, OFFSETS)  # type: ignore[arg-type]


def test_offset_errors_name_the_entry_of_the_whole_batch() -> None:
    """A batch split across threads still reports the index in the caller's array."""
    m = 100_000
    offsets = np.arange(m + 1, dtype=np.int64)
    offsets[77_777] = 0
    data = np.zeros(m, dtype=np.uint8)
    with pytest.raises(ValueError, match=r"offsets decrease at index 77777 \(0 < 77776\)"):
        native.NativeHasher(threads=4).hmac_lp(KEY, b"", data, offsets)
    offsets = np.arange(m + 1, dtype=np.int64)
    offsets[-1] = m + 1
    with pytest.raises(ValueError, match=rf"offsets\[{m}\] = {m + 1} is past the end"):
        native.NativeHasher(threads=4).hmac_lp(np.zeros((m, 32), dtype=np.uint8), b"", data, offsets)


def test_a_piece_longer_than_its_u32_length_prefix_is_rejected() -> None:
    """u32be(len) cannot encode 2^32 bytes: refused before a byte of the data is read.

    The 4 GiB of data is an anonymous mapping that is never touched, so the kernel never
    allocates it.
    """
    size = 2**32 + 1
    mapping = mmap.mmap(-1, size)
    data = np.frombuffer(mapping, dtype=np.uint8)
    offsets = np.array([0, 1, size], dtype=np.int64)
    with pytest.raises(ValueError, match=r"piece 1 is longer than 2\^32 - 1 bytes"):
        HASHER.hmac_lp(KEY, b"", data, offsets)
    with pytest.raises(ValueError, match=r"piece 1 is longer than 2\^32 - 1 bytes"):
        _sha256x.hmac_lp(KEY, b"", data, offsets, bytearray(64))


# ---------------------------------------------------------------- thread count


def test_threads_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLVENT_THREADS", "3")
    assert native.NativeHasher().threads == 3
    assert native.NativeHasher(threads=1).threads == 1  # an explicit argument wins


def test_threads_default_to_the_usable_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.delenv("SOLVENT_THREADS", raising=False)
    assert native.NativeHasher().threads == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("raw", ["0", "-2", "two", "1.5", "+3", "1_0", "\u0663", "1025", "9" * 40, "9" * 5000, "abc"])
def test_bad_threads_environment_is_an_input_error(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    """The operator's input: an InputError (exit 2) naming the variable and the accepted values."""
    monkeypatch.setenv("SOLVENT_THREADS", raw)
    with pytest.raises(InputError, match=rf"SOLVENT_THREADS={re.escape(repr(raw))}: .* from 1 to 1024") as caught:
        native.NativeHasher()
    assert caught.value.evidence == {"variable": "SOLVENT_THREADS", "value": raw, "accepted": "1..1024"}


@pytest.mark.parametrize(("raw", "threads"), [("1", 1), (" 2 ", 2), ("007", 7), ("1024", 1024)])
def test_good_threads_environment_accepted(monkeypatch: pytest.MonkeyPatch, raw: str, threads: int) -> None:
    monkeypatch.setenv("SOLVENT_THREADS", raw)
    assert native.NativeHasher().threads == threads


@pytest.mark.parametrize("raw", ["", "  "])
def test_empty_threads_environment_means_unset(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("SOLVENT_THREADS", raw)
    assert native.NativeHasher().threads == native.default_threads() >= 1


@pytest.mark.parametrize("threads", [0, -1, True, 2.0, "2"])
def test_bad_threads_argument_rejected(threads: object) -> None:
    with pytest.raises(ValueError, match="threads must be a positive integer"):
        native.NativeHasher(threads=threads)  # type: ignore[arg-type]


def test_a_batch_is_cut_into_ranges_that_run_concurrently(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every row range is handed out once, and two of them are in flight at the same time.

    The barrier only opens when two pool threads wait at it together; with one thread
    (or serial execution) it times out and the test fails, so no timing is measured.
    """
    monkeypatch.setattr(native, "MIN_ROWS_PER_TASK", 10)
    barrier = threading.Barrier(2, timeout=60)
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()

    def task(a: int, b: int) -> None:
        with lock:
            seen.append((a, b))
        barrier.wait()

    native.NativeHasher(threads=2)._run(1001, task)
    seen.sort()
    assert len(seen) == 8  # threads * TASKS_PER_THREAD
    assert seen[0][0] == 0 and seen[-1][1] == 1001
    assert all(prev[1] == cur[0] for prev, cur in pairwise(seen))


def test_small_batches_stay_on_the_calling_thread() -> None:
    caller = threading.get_ident()
    seen: list[tuple[int, int, int]] = []
    native.NativeHasher(threads=4)._run(100, lambda a, b: seen.append((a, b, threading.get_ident())))
    assert seen == [(0, 100, caller)]


def test_an_error_in_one_range_is_raised() -> None:
    def task(a: int, b: int) -> None:
        if a > 0:
            raise ValueError(f"range {a}..{b}")

    with pytest.raises(ValueError, match="range"):
        native.NativeHasher(threads=2)._run(100_000, task)


# ---------------------------------------------------------------- the extension itself


def test_c_rows_length_must_match() -> None:
    with pytest.raises(ValueError, match="src has 10 bytes, not 2 rows of 4"):
        _sha256x.sha256_rows(bytes(10), 4, bytearray(64))
    with pytest.raises(ValueError, match="not a multiple of 32"):
        _sha256x.sha256_rows(bytes(8), 4, bytearray(33))
    with pytest.raises(ValueError, match="width must be >= 0"):
        _sha256x.sha256_rows(bytes(8), -4, bytearray(64))
    with pytest.raises(ValueError, match="src has"):
        _sha256x.sha256_rows(bytes(8), 2**62, bytearray(64))  # m * width would overflow


def test_c_refuses_read_only_or_strided_buffers() -> None:
    with pytest.raises(ValueError, match="writable"):
        _sha256x.sha256_rows(bytes(8), 4, bytes(64))
    with pytest.raises(ValueError, match="src must be a C-contiguous buffer"):
        _sha256x.sha256_rows(np.zeros((2, 8), dtype=np.uint8)[:, ::2], 4, bytearray(64))
    with pytest.raises(ValueError, match="src must be a C-contiguous buffer"):
        _sha256x.sha256_rows(object(), 4, bytearray(64))


# The buffer-request flags the extension passes (CPython's Include/pybuffer.h).
PyBUF_WRITABLE = 0x0001
PyBUF_C_CONTIGUOUS = 0x0020 | 0x0010 | 0x0008  # C-contiguous | strides | nd


def _own_refusal(obj: object, flags: int) -> Exception:
    """What ``obj`` itself raises when asked for a buffer with ``flags``: the error to keep."""
    get_buffer = ctypes.pythonapi["PyObject_GetBuffer"]  # a fresh function object, not the shared one
    get_buffer.argtypes = [ctypes.py_object, ctypes.c_void_p, ctypes.c_int]
    get_buffer.restype = ctypes.c_int
    view = ctypes.create_string_buffer(256)  # room for a Py_buffer (80 bytes on 64-bit)
    try:
        get_buffer(obj, view, flags)
    except Exception as e:  # any type: the test compares it
        return e
    ctypes.pythonapi["PyBuffer_Release"](view)
    raise AssertionError(f"{obj!r} gave a buffer for flags {flags:#x}")


READ_ONLY = np.zeros(64, dtype=np.uint8)
READ_ONLY.flags.writeable = False


@pytest.mark.parametrize(
    ("call", "bad", "flags", "named"),
    [
        ("rows-dst", bytes(64), PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE, "dst must be a writable C-contiguous buffer"),
        ("rows-dst", READ_ONLY, PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE, "dst must be a writable C-contiguous buffer"),
        ("rows-dst", np.zeros(128, dtype=np.uint8)[::2], PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE, "dst must be a writable"),
        ("rows-src", np.zeros((2, 8), dtype=np.uint8)[:, ::2], PyBUF_C_CONTIGUOUS, "src must be a C-contiguous buffer"),
        ("rows-src", object(), PyBUF_C_CONTIGUOUS, "src must be a C-contiguous buffer"),
        ("rows-src", "text", PyBUF_C_CONTIGUOUS, "src must be a C-contiguous buffer"),
        ("hmac-offsets", np.zeros(4, dtype=np.int64)[::2], PyBUF_C_CONTIGUOUS, "offsets must be a C-contiguous"),
        ("hmac-keys", 3.5, PyBUF_C_CONTIGUOUS, "keys must be a C-contiguous buffer"),
        ("hmac-dst", READ_ONLY[:32], PyBUF_C_CONTIGUOUS | PyBUF_WRITABLE, "dst must be a writable"),
    ],
    ids=["bytes-dst", "read-only-array-dst", "strided-dst", "strided-src", "object-src", "str-src",
         "strided-offsets", "float-keys", "read-only-hmac-dst"],
)  # fmt: skip
def test_a_refused_buffer_keeps_the_objects_own_error(call: str, bad: object, flags: int, named: str) -> None:
    """The error names our argument and keeps the object's own (type and message) as its cause."""
    own = _own_refusal(bad, flags)
    offsets = np.array([0, 1], dtype=np.int64)
    with pytest.raises(ValueError, match=re.escape(named)) as caught:
        if call == "rows-dst":
            _sha256x.sha256_rows(bytes(8), 4, bad)
        elif call == "rows-src":
            _sha256x.sha256_rows(bad, 4, bytearray(64))
        elif call == "hmac-offsets":
            _sha256x.hmac_lp(KEY, b"", b"a", bad, bytearray(32))
        elif call == "hmac-keys":
            _sha256x.hmac_lp(bad, b"", b"a", offsets, bytearray(32))
        else:
            _sha256x.hmac_lp(KEY, b"", b"a", offsets, bad)
    cause = caught.value.__cause__
    assert type(cause) is type(own) and str(cause) == str(own), (cause, own)
    assert str(own) in str(caught.value)


def _offsets(*values: int) -> bytes:
    return np.array(values, dtype=np.int64).tobytes()


@pytest.mark.parametrize(
    ("keys", "data", "offsets", "out", "message"),
    [
        (bytes(32), b"abc", _offsets(0, 1), bytearray(64), r"not 3 int64 entries"),
        (bytes(32), b"abc", _offsets(0, 1, 2)[:-1], bytearray(64), r"not 3 int64 entries"),
        (bytes(64), b"abc", _offsets(0, 1, 2, 3), bytearray(96), r"need 32 \(shared\) or 32 \* 3"),
        (bytes(31), b"abc", _offsets(0, 3), bytearray(32), r"need 32"),
        (bytes(32), b"abc", _offsets(0, 4), bytearray(32), r"offsets\[1\] = 4 is past the end of the data \(3 bytes\)"),
        (bytes(32), b"abc", _offsets(-1, 2), bytearray(32), r"offsets\[0\] = -1 is outside"),
        (bytes(32), b"abc", _offsets(4, 4), bytearray(32), r"offsets\[0\] = 4 is outside"),
        (bytes(32), b"abc", _offsets(2, 1), bytearray(32), r"offsets decrease at index 1"),
        (bytes(32), b"abc", _offsets(0, -(2**63)), bytearray(32), r"offsets decrease"),
        (bytes(32), b"abc", _offsets(0, 1), bytes(32), r"writable"),
    ],
    ids=[
        "offsets-short", "offsets-ragged", "keys-between", "key-31", "past-end", "negative", "start-past-end",
        "decrease", "int64-min", "read-only-out",
    ],
)  # fmt: skip
def test_c_hmac_guards(keys: bytes, data: bytes, offsets: bytes, out: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _sha256x.hmac_lp(keys, b"", data, offsets, out)


def _hash_in_child(hasher: object, rows: np.ndarray, expected: np.ndarray) -> None:
    assert isinstance(hasher, native.NativeHasher)
    np.testing.assert_array_equal(hasher.sha256_rows(rows), expected)


def test_a_forked_child_gets_its_own_thread_pool() -> None:
    """multiprocessing forks on Linux; the parent's pool threads do not exist in the child."""
    import multiprocessing

    from solvent.tree.bulk_hash import HashlibHasher

    rows = np.random.default_rng(3).integers(0, 256, size=(50_000, 113), dtype=np.uint8)
    hasher = native.NativeHasher(threads=2)
    expected = hasher.sha256_rows(rows)  # the parent's pool now exists
    np.testing.assert_array_equal(expected, HashlibHasher().sha256_rows(rows))
    child = multiprocessing.get_context("fork").Process(target=_hash_in_child, args=(hasher, rows, expected))
    child.start()
    child.join(timeout=120)  # a hang guard, not a timing check: the work takes well under a second
    if child.is_alive():
        child.kill()
        pytest.fail("the forked child hung: it reused the parent's thread pool")
    assert child.exitcode == 0
