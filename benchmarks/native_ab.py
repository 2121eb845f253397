"""Two builds of the hashing extension, timed against each other on the same machine.

For a change to ``src/solvent/tree/_sha256x.c``: build the extension before and after
with the same flags (e.g. ``cc $(python3-config --includes) -O2 -fPIC -shared
_sha256x.c -lcrypto -o before/_sha256x.so``), then

    python benchmarks/native_ab.py before/_sha256x.so after/_sha256x.so [--rows 100000] [--rounds 15]

Both builds are loaded into this one process and time, on one thread and straight
through the extension (no pool), batches of the four shapes the tree builder hashes:
SHA-256 of leaf- and node-sized rows, HMAC-SHA256 with a shared key and with per-row
keys.  The builds take turns call by call (A, B, A, B, ...; who goes first alternates),
so that load from other processes on a shared machine falls on both alike.  The report
gives each build's best (the minimum time) and median rate over the rounds, in millions
of messages per second, and their ratios.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("_sha256x", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{path}: not a loadable extension module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shapes(ext: ModuleType, m: int) -> dict[str, Callable[[], object]]:
    rng = np.random.default_rng(7)
    leaf = rng.integers(0, 256, size=(m, 113), dtype=np.uint8)  # 1 + 32 + 16 * 5 assets
    node = rng.integers(0, 256, size=(m, 225), dtype=np.uint8)  # 1 + 2 * (32 + 16 * 5)
    lengths = rng.integers(6, 24, size=m)  # customer ids of 6-23 bytes
    offsets = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    data = rng.integers(0, 256, size=int(offsets[-1]), dtype=np.uint8)
    keys = rng.integers(0, 256, size=(m, 32), dtype=np.uint8)
    out = np.empty((m, 32), dtype=np.uint8)
    prefix = b"\x00\x00\x00\x13solvent/user-secret"
    return {
        "SHA-256, 113 B rows": lambda: ext.sha256_rows(leaf, 113, out),
        "SHA-256, 225 B rows": lambda: ext.sha256_rows(node, 225, out),
        "HMAC, shared key": lambda: ext.hmac_lp(bytes(32), prefix, data, offsets, out),
        "HMAC, per-row keys": lambda: ext.hmac_lp(keys, prefix, data, offsets, out),
    }


def seconds(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", type=Path, help="the first build (e.g. before the change)")
    parser.add_argument("b", type=Path, help="the second build (e.g. after it)")
    parser.add_argument("--rows", type=int, default=100_000, help="messages per batch")
    parser.add_argument("--rounds", type=int, default=15, help="timed calls of each build per shape")
    args = parser.parse_args()
    a, b = shapes(load(args.a), args.rows), shapes(load(args.b), args.rows)
    print(f"{args.rows:,} messages per batch, one thread, {args.rounds} interleaved rounds; M messages/s")
    print()
    print("| shape | A best | A median | B best | B median | B / A (best) | B / A (median) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for shape in a:
        a[shape](), b[shape]()  # warm caches and pages
        times: dict[str, list[float]] = {"a": [], "b": []}
        for i in range(args.rounds):
            order = (("a", a), ("b", b)) if i % 2 == 0 else (("b", b), ("a", a))
            for side, calls in order:
                times[side].append(seconds(calls[shape]))
        rate = {side: [args.rows / t / 1e6 for t in ts] for side, ts in times.items()}
        best = {side: max(r) for side, r in rate.items()}
        median = {side: statistics.median(r) for side, r in rate.items()}
        print(
            f"| {shape} | {best['a']:.2f} | {median['a']:.2f} | {best['b']:.2f} | {median['b']:.2f} | "
            f"{best['b'] / best['a']:.3f} | {median['b'] / median['a']:.3f} |"
        )


if __name__ == "__main__":
    main()
