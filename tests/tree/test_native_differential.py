"""The native backend computes exactly the bytes of the hashlib reference and of the KAT.

Expected values come from outside the code under test: FIPS 180-2 digests, the
protocol's known-answer vector (tests/vectors/kat-v1.json, computed by an independent
implementation), and the standard library's hashlib/hmac on random inputs.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvent.tree.bulk_hash import HashlibHasher

native = pytest.importorskip("solvent.tree.native", reason="native extension not built", exc_type=ImportError)

KAT = json.loads((Path(__file__).parents[1] / "vectors" / "kat-v1.json").read_text())
REF = HashlibHasher()
THREADS = (1, 2, 3, 4)


def lp(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def flat(pieces: list[bytes], lead: bytes = b"", tail: bytes = b"") -> tuple[np.ndarray, np.ndarray]:
    """Pieces laid out as the builder does: one byte array and m + 1 absolute offsets."""
    lengths = [len(p) for p in pieces]
    offsets = np.array([0, *np.cumsum(lengths, dtype=np.int64)], dtype=np.int64) + len(lead)
    data = np.frombuffer(lead + b"".join(pieces) + tail, dtype=np.uint8)
    return data, offsets


def rows_of(messages: list[bytes]) -> np.ndarray:
    width = len(messages[0])
    return np.frombuffer(b"".join(messages), dtype=np.uint8).reshape(len(messages), width)


# ---------------------------------------------------------------- known answers


@pytest.mark.parametrize(
    ("message", "digest"),
    [
        (b"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        (b"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        (
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",  # 56 bytes: padding needs a 2nd block
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
        ),
        (b"a" * 1_000_000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
    ],
    ids=["empty", "abc", "56-bytes", "million-a"],
)
def test_fips_180_vectors(message: bytes, digest: str) -> None:
    out = native.NativeHasher(threads=1).sha256_rows(rows_of([message, message]))
    assert [bytes(r).hex() for r in out] == [digest, digest]


def test_kat_user_secrets_with_a_shared_key() -> None:
    """Spec §2 user secrets; ids a user can recompute are the defense against clashes (L8, L10)."""
    uids = [a["uid"].encode() for a in KAT["accounts"]]
    data, offsets = flat(uids)
    out = native.NativeHasher().hmac_lp(bytes.fromhex(KAT["master_key"]), lp(b"solvent/user-secret/v1"), data, offsets)
    assert [bytes(r).hex() for r in out] == [a["user_secret"] for a in KAT["accounts"]]


def test_kat_hashed_ids_with_per_row_keys() -> None:
    """Spec §2 hashed ids, length-prefixed fields (L9) under the user's own secret (L8, L10)."""
    accounts = KAT["accounts"]
    keys = np.array([list(bytes.fromhex(a["user_secret"])) for a in accounts], dtype=np.uint8)
    data, offsets = flat([a["uid"].encode() for a in accounts])
    prefix = lp(b"solvent/hcid/v1") + lp(KAT["snapshot_id"].encode())
    out = native.NativeHasher().hmac_lp(keys, prefix, data, offsets)
    assert [bytes(r).hex() for r in out] == [a["hashed_id"] for a in accounts]


def _record(hash_hex: str, sums: list[str]) -> bytes:
    return bytes.fromhex(hash_hex) + b"".join(int(s).to_bytes(16, "big") for s in sums)


def test_kat_leaf_and_node_hashes() -> None:
    """Spec §3 leaf and node bytes: prefixes 0x00/0x01 (L5), both children's sums hashed (L1), padding (L6)."""
    hasher = native.NativeHasher()
    by_id = {a["hashed_id"]: a for a in KAT["accounts"]}
    leaves = [b"\x00" + _record(h, by_id[h]["amounts"]) for h in KAT["leaf_order"]]
    assert [bytes(r).hex() for r in hasher.sha256_rows(rows_of(leaves))] == KAT["leaf_hashes"]
    pad_sums = ["0"] * len(KAT["assets"])
    for k in range(len(KAT["levels"]) - 1):
        level = [_record(n["hash"], n["sums"]) for n in KAT["levels"][k]]
        if len(level) % 2:
            level.append(_record(KAT["pad_hashes_by_level"][k], pad_sums))
        nodes = [b"\x01" + level[i] + level[i + 1] for i in range(0, len(level), 2)]
        expected = [n["hash"] for n in KAT["levels"][k + 1]]
        assert [bytes(r).hex() for r in hasher.sha256_rows(rows_of(nodes))] == expected


# ---------------------------------------------------------------- against hashlib, fixed shapes

WIDTHS = [0, 1, 31, 55, 56, 63, 64, 65, 113, 119, 120, 128, 129, 225, 300]
ROW_CASES = [(m, w) for m in (0, 1, 2, 7, 33) for w in WIDTHS] + [(70_001, w) for w in (1, 113, 225)]


@pytest.mark.parametrize(("m", "width"), ROW_CASES, ids=[f"m{m}-L{w}" for m, w in ROW_CASES])
def test_rows_match_hashlib(m: int, width: int) -> None:
    rows = np.random.default_rng(m * 1000 + width).integers(0, 256, size=(m, width), dtype=np.uint8)
    expected = REF.sha256_rows(rows)
    for threads in THREADS:
        out = native.NativeHasher(threads=threads).sha256_rows(rows)
        assert out.shape == (m, 32)
        assert out.dtype == np.uint8
        np.testing.assert_array_equal(out, expected, err_msg=f"threads={threads}")


def test_rows_of_a_slice_of_a_bigger_batch() -> None:
    """A contiguous row slice of a bigger array (what the builder hands over per level)."""
    big = np.random.default_rng(5).integers(0, 256, size=(10_000, 113), dtype=np.uint8)
    part = big[1234:9001]
    np.testing.assert_array_equal(native.NativeHasher(threads=2).sha256_rows(part), REF.sha256_rows(part))


PREFIXES = [
    b"",
    lp(b"solvent/user-secret/v1"),
    lp(b"solvent/hcid/v1") + lp(b"2026-11-23"),
    bytes(range(200)),  # longer than the 64-byte block: crosses block boundaries before the data
]
PREFIX_IDS = ["empty", "secret", "hcid", "long"]
# Large batches (split across the thread pool) only with two prefixes: hashlib is slow.
HMAC_CASES = [(m, p) for m in (0, 1, 2, 5, 64) for p in range(len(PREFIXES))] + [(70_001, 2), (70_001, 3)]
HMAC_IDS = [f"m{m}-{PREFIX_IDS[p]}" for m, p in HMAC_CASES]


def _pieces(m: int, seed: int) -> list[bytes]:
    rng = np.random.default_rng(seed)
    # mostly short, with empty pieces and pieces of more than two blocks mixed in
    lengths = rng.choice([0, 1, 3, 12, 27, 55, 56, 64, 100, 140, 200], size=m)
    return [rng.integers(0, 256, size=n, dtype=np.uint8).tobytes() for n in lengths]


@pytest.mark.parametrize(("m", "p"), HMAC_CASES, ids=HMAC_IDS)
def test_hmac_shared_key_matches_hmac_module(m: int, p: int) -> None:
    prefix = PREFIXES[p]
    data, offsets = flat(_pieces(m, m + len(prefix)), lead=b"\xff" * 3, tail=b"\xee" * 5)
    key = np.random.default_rng(m).integers(0, 256, size=32, dtype=np.uint8).tobytes()
    expected = REF.hmac_lp(key, prefix, data, offsets)
    for threads in THREADS:
        out = native.NativeHasher(threads=threads).hmac_lp(key, prefix, data, offsets)
        np.testing.assert_array_equal(out, expected, err_msg=f"threads={threads}")


@pytest.mark.parametrize(("m", "p"), HMAC_CASES, ids=HMAC_IDS)
def test_hmac_per_row_keys_match_hmac_module(m: int, p: int) -> None:
    prefix = PREFIXES[p]
    data, offsets = flat(_pieces(m, 7 * m + len(prefix)))
    keys = np.random.default_rng(m + 1).integers(0, 256, size=(m, 32), dtype=np.uint8)
    expected = REF.hmac_lp(keys, prefix, data, offsets)
    for threads in THREADS:
        out = native.NativeHasher(threads=threads).hmac_lp(keys, prefix, data, offsets)
        np.testing.assert_array_equal(out, expected, err_msg=f"threads={threads}")


def test_hmac_of_non_ascii_uids() -> None:
    uids = ["Zoë", "ユーザー42", "用户", "😀", "x" * 300, "Ångström", "ǅ", "a\u0301"]
    pieces = [u.encode("utf-8") for u in uids]
    data, offsets = flat(pieces)
    key = bytes(range(32))
    keys = np.arange(32 * len(uids), dtype=np.uint64).astype(np.uint8).reshape(len(uids), 32)
    hasher = native.NativeHasher(threads=2)
    np.testing.assert_array_equal(hasher.hmac_lp(key, b"p", data, offsets), REF.hmac_lp(key, b"p", data, offsets))
    np.testing.assert_array_equal(hasher.hmac_lp(keys, b"p", data, offsets), REF.hmac_lp(keys, b"p", data, offsets))


def test_one_row_with_a_per_row_key_equals_a_shared_key() -> None:
    """With m = 1 the C code cannot tell the two key forms apart, and need not."""
    data, offsets = flat([b"alice"])
    key = bytes(range(1, 33))
    hasher = native.NativeHasher()
    shared = hasher.hmac_lp(key, b"", data, offsets)
    per_row = hasher.hmac_lp(np.frombuffer(key, dtype=np.uint8).reshape(1, 32), b"", data, offsets)
    np.testing.assert_array_equal(shared, per_row)
    np.testing.assert_array_equal(shared, REF.hmac_lp(key, b"", data, offsets))


def test_unaligned_offsets_buffer_in_the_extension() -> None:
    """The C code reads offsets that are not 8-byte aligned correctly (and without UB)."""
    from solvent.tree import _sha256x

    data, offsets = flat([b"ab", b"", b"cdefg"])
    raw = bytearray(1 + offsets.nbytes)
    raw[1:] = offsets.tobytes()
    out = bytearray(3 * 32)
    _sha256x.hmac_lp(bytes(32), b"pre", data, memoryview(raw)[1:], out)
    assert bytes(out) == REF.hmac_lp(bytes(32), b"pre", data, offsets).tobytes()


# ---------------------------------------------------------------- properties


@st.composite
def row_batches(draw: st.DrawFn) -> np.ndarray:
    m = draw(st.integers(0, 24))
    width = draw(st.integers(0, 200))
    raw = draw(st.binary(min_size=m * width, max_size=m * width))
    return np.frombuffer(raw, dtype=np.uint8).reshape(m, width)


@settings(max_examples=150, deadline=None)
@given(rows=row_batches(), threads=st.integers(1, 4))
def test_property_rows(rows: np.ndarray, threads: int) -> None:
    # One row per task, so that even small batches go through the thread pool.
    with mock.patch.object(native, "MIN_ROWS_PER_TASK", 1):
        out = native.NativeHasher(threads=threads).sha256_rows(rows)
    np.testing.assert_array_equal(out, REF.sha256_rows(rows))


pieces_strategy = st.lists(
    st.one_of(st.binary(max_size=160), st.text(max_size=40).map(lambda s: s.encode("utf-8"))),
    max_size=24,
)


@settings(max_examples=150, deadline=None)
@given(
    pieces=pieces_strategy,
    prefix=st.binary(max_size=140),
    lead=st.binary(max_size=9),
    tail=st.binary(max_size=9),
    per_row=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
    threads=st.integers(1, 4),
)
def test_property_hmac(
    pieces: list[bytes], prefix: bytes, lead: bytes, tail: bytes, per_row: bool, seed: int, threads: int
) -> None:
    data, offsets = flat(pieces, lead, tail)
    rng = np.random.default_rng(seed)
    keys: bytes | np.ndarray = (
        rng.integers(0, 256, size=(len(pieces), 32), dtype=np.uint8) if per_row else rng.bytes(32)
    )
    with mock.patch.object(native, "MIN_ROWS_PER_TASK", 1):
        out = native.NativeHasher(threads=threads).hmac_lp(keys, prefix, data, offsets)
    np.testing.assert_array_equal(out, REF.hmac_lp(keys, prefix, data, offsets))
