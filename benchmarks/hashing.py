"""Throughput of the hashing backends against this machine's own floor, `openssl speed`.

Measures messages per second for the four shapes the tree builder hashes (n assets):

* leaf:  SHA-256 of 1 + 32 + 16 n bytes          (spec §3, one per account)
* node:  SHA-256 of 1 + 2 (32 + 16 n) bytes      (spec §3, one per inner node)
* user secret:  HMAC-SHA256 with one shared key   (spec §2, the master key)
* hashed id:    HMAC-SHA256 with a key per row    (spec §2, the user's secret)

for the hashlib reference (one thread) and the native backend (1 and 2 threads), and runs
``openssl speed -evp sha256 -bytes L -seconds S`` (single and ``-multi 2``) for messages
that cost the same number of SHA-256 compressions, then prints a Markdown table.  Every
figure, ours and openssl's alike, is the best of ``--repeat`` runs, so that a burst of
other load on the machine counts less.

    python benchmarks/hashing.py [--rows 1000000] [--repeat 5] [--openssl-seconds 1]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from solvent.protocol.ids import HCID_TAG, USER_SECRET_TAG, lp
from solvent.tree.bulk_hash import Hasher, HashlibHasher

U8 = np.ndarray


@dataclass(frozen=True)
class Shape:
    name: str
    message_bytes: int  # SHA-256 input (for HMAC: the inner message, after the key block)
    blocks: int  # SHA-256 compressions per message, key blocks included
    openssl_bytes: int  # an `openssl speed` size with the same number of compressions
    make: Callable[[int, np.random.Generator], Callable[[Hasher], object]]


def blocks_for(length: int) -> int:
    """SHA-256 compressions for a message of ``length`` bytes (padding adds 1 + 8 bytes)."""
    return (length + 9 + 63) // 64


def _rows(width: int) -> Callable[[int, np.random.Generator], Callable[[Hasher], object]]:
    def make(m: int, rng: np.random.Generator) -> Callable[[Hasher], object]:
        rows = rng.integers(0, 256, size=(m, width), dtype=np.uint8)
        return lambda hasher: hasher.sha256_rows(rows)

    return make


def _uids(m: int) -> tuple[U8, U8]:
    """Exchange-style account ids ("user-0000001" ...), as the builder's flat byte layout."""
    width = 12
    digits = np.char.zfill(np.arange(m).astype(str), width - 5)
    raw = np.char.add("user-", digits).astype(f"S{width}")
    data = np.frombuffer(raw.tobytes(), dtype=np.uint8)
    offsets = np.arange(0, width * (m + 1), width, dtype=np.int64)
    return data, offsets


def _hmac(per_row: bool, prefix: bytes) -> Callable[[int, np.random.Generator], Callable[[Hasher], object]]:
    def make(m: int, rng: np.random.Generator) -> Callable[[Hasher], object]:
        data, offsets = _uids(m)
        keys: bytes | U8
        if per_row:
            keys = rng.integers(0, 256, size=(m, 32), dtype=np.uint8)
        else:
            keys = rng.integers(0, 256, size=32, dtype=np.uint8).tobytes()
        return lambda hasher: hasher.hmac_lp(keys, prefix, data, offsets)

    return make


def shapes(n_assets: int, snapshot_id: bytes) -> list[Shape]:
    leaf = 1 + 32 + 16 * n_assets
    node = 1 + 2 * (32 + 16 * n_assets)
    uid_len = 12
    secret_prefix = lp(USER_SECRET_TAG)
    hcid_prefix = lp(HCID_TAG) + lp(snapshot_id)
    secret_msg = len(secret_prefix) + 4 + uid_len
    hcid_msg = len(hcid_prefix) + 4 + uid_len
    # HMAC = inner hash over the message after a precomputed key block + outer hash of 32
    # bytes (one block); a per-row key adds the two key-block compressions.
    secret_blocks = blocks_for(secret_msg) + 1
    hcid_blocks = blocks_for(hcid_msg) + 1 + 2
    return [
        Shape(f"leaf (n={n_assets})", leaf, blocks_for(leaf), leaf, _rows(leaf)),
        Shape(f"node (n={n_assets})", node, blocks_for(node), node, _rows(node)),
        Shape("HMAC, shared key", secret_msg, secret_blocks, _size(secret_blocks), _hmac(False, secret_prefix)),
        Shape("HMAC, per-row keys", hcid_msg, hcid_blocks, _size(hcid_blocks), _hmac(True, hcid_prefix)),
    ]


def _size(blocks: int) -> int:
    """The largest message that costs exactly ``blocks`` compressions."""
    return 64 * blocks - 9


def measure(shape: Shape, hashers: list[tuple[Hasher, int]], repeat: int, seed: int) -> list[float]:
    """Best-of-``repeat`` messages per second for each ``(hasher, rows)``.

    The hashers take turns within each repeat, so that a burst of other load on the
    machine hits them alike and the 1- and 2-thread figures are comparable.
    """
    runs = []
    for hasher, m in hashers:
        run = shape.make(m, np.random.default_rng(seed))
        run(hasher)  # warm-up: page in the inputs, start the thread pool
        runs.append(run)
    best = [float("inf")] * len(hashers)
    for _ in range(repeat):
        for i, ((hasher, _m), run) in enumerate(zip(hashers, runs, strict=True)):
            start = time.perf_counter()
            run(hasher)
            best[i] = min(best[i], time.perf_counter() - start)
    return [m / t for (_h, m), t in zip(hashers, best, strict=True)]


_SPEED_LINE = re.compile(r"^sha256\s+([0-9.]+)k\s*$", re.MULTILINE)


def openssl_speed(length: int, seconds: int, multi: int, repeat: int = 1) -> float | None:
    """Best-of-``repeat`` messages per second from ``openssl speed -evp sha256`` (all processes together)."""
    exe = shutil.which("openssl")
    if exe is None:
        return None
    argv = [exe, "speed", "-evp", "sha256", "-bytes", str(length), "-seconds", str(seconds)]
    if multi > 1:
        argv += ["-multi", str(multi)]
    best = None
    for _ in range(repeat):
        out = subprocess.run(argv, capture_output=True, text=True, check=False).stdout
        found = _SPEED_LINE.findall(out)
        if found:
            rate = float(found[-1]) * 1000 / length  # the figure is in 1000s of bytes per second
            best = rate if best is None else max(best, rate)
    return best


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value / 1e6:.2f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None else f"{a / b:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="messages per native run")
    parser.add_argument("--hashlib-rows", type=int, default=200_000, help="messages per hashlib run")
    parser.add_argument("--assets", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--openssl-seconds", type=int, default=1, help="seconds per `openssl speed` run")
    parser.add_argument("--no-openssl", action="store_true", help="skip `openssl speed`")
    args = parser.parse_args(argv)

    try:
        from solvent.tree.native import NativeHasher, openssl_version
    except ImportError:
        print("the native extension is not built; run `make install`", file=sys.stderr)
        return 1

    hashers: list[tuple[Hasher, int]] = [
        (HashlibHasher(), args.hashlib_rows),
        (NativeHasher(threads=1), args.rows),
        (NativeHasher(threads=2), args.rows),
    ]
    print(f"# Hashing throughput, million messages per second (best of {args.repeat})\n")
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{openssl_version()}; {args.rows:,} messages per native run, {args.hashlib_rows:,} per hashlib run; "
        f"load average before the run {os.getloadavg()[0]:.2f}.\n"
    )
    print(
        "| message | bytes | SHA-256 blocks | hashlib | native 1 thread | native 2 threads "
        "| openssl speed | openssl speed -multi 2 | native / hashlib (1 thread) "
        "| native / openssl (1) | native / openssl (2) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for shape in shapes(args.assets, b"2026-11-23"):
        rates = measure(shape, hashers, args.repeat, seed=7)
        single = multi = None
        if not args.no_openssl:
            single = openssl_speed(shape.openssl_bytes, args.openssl_seconds, 1, args.repeat)
            multi = openssl_speed(shape.openssl_bytes, args.openssl_seconds, 2, args.repeat)
        print(
            f"| {shape.name} | {shape.message_bytes} | {shape.blocks} | {_rate(rates[0])} | {_rate(rates[1])} "
            f"| {_rate(rates[2])} | {_rate(single)} | {_rate(multi)} | {_ratio(rates[1], rates[0])} "
            f"| {_ratio(rates[1], single)} | {_ratio(rates[2], multi)} |"
        )
    print(
        "\nopenssl speed runs at a message size with the same number of SHA-256 compressions "
        "(for HMAC: the key blocks and the outer hash included)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
