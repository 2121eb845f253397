"""How fast solvent re-computes other exchanges' full tree files (OKX v2, BitMEX).

Builds a synthetic tree of 2^k leaves in each format, writes it to a temporary file,
and times the verifier on it (parse + rebuild of every node; for BitMEX also the HMAC
scan of every leaf with one account's nonce).  Figures go to docs/formats/README.md
with the command that produced them:

    .venv/bin/python benchmarks/formats_full_trees.py 18
"""

from __future__ import annotations

import hashlib
import hmac
import random
import resource
import struct
import sys
import tempfile
import time
from pathlib import Path

from solvent.formats import bitmex, okx_v2
from solvent.formats.exchange_decimals import plain


def okx_tree(leaves: int, rng: random.Random) -> str:
    """An OKX v2 tree file of ``leaves`` random leaves; a level of an odd number of nodes (not
    the root) gets its padding node, the zero-balance twin of its last node."""
    unit = 10**10  # amounts with 8 decimals, in 10^-18 units
    level = []
    for i in range(leaves):
        amounts = [rng.randrange(0, 10**9) * unit for _ in range(3)]
        level.append((hashlib.sha256(f"leaf{i}".encode()).hexdigest(), amounts))
    levels = [level]
    height = 1
    while len(levels[-1]) > 1:
        height += 1
        row = levels[-1]
        if len(row) % 2:
            row.append((row[-1][0], [0, 0, 0]))
        up = []
        for left, right in zip(row[0::2], row[1::2], strict=True):
            sums = [a + b for a, b in zip(left[1], right[1], strict=True)]
            text = left[0] + right[0] + "".join(plain(s) for s in sums) + str(height)
            up.append((hashlib.sha256(text.encode()).hexdigest(), sums))
        levels.append(up)
    lines = []
    for h, row in reversed(list(enumerate(levels, start=1))):
        for node_hash, sums in reversed(row):
            bal = ",".join(f'"{a}":"{plain(s)}"' for a, s in zip(("BTC", "ETH", "USDT"), sums, strict=True))
            lines.append(f"{node_hash},{h},{{{bal}}}")
    return "\n".join(lines) + "\n"


def bitmex_tree(leaves: int, rng: random.Random, nonce: bytes) -> str:
    row = []
    for i in range(leaves):
        value = rng.randrange(1, 10**8)
        key = nonce if i % 97 == 0 else hashlib.sha256(b"other%d" % i).digest()
        row.append((hmac.new(key, struct.pack("<QQ", value, i), hashlib.sha256).digest(), value))
    levels = [row]
    while len(levels[-1]) > 1:
        r = levels[-1]
        levels.append(
            [
                (hashlib.sha256(a[0] + struct.pack("<Q", a[1]) + b[0] + struct.pack("<Q", b[1])).digest(), a[1] + b[1])
                for a, b in zip(r[0::2], r[1::2], strict=True)
            ]
        )
    return "block_height:1\n" + "".join(f"{h.hex()},{v}\n" for r in reversed(levels) for h, v in r)


def main(k: int) -> None:
    rng = random.Random(1)
    leaves = 1 << k
    nonce = b"n" * 32
    with tempfile.TemporaryDirectory() as tmp:
        okx = Path(tmp) / "okx.txt"
        okx.write_text(okx_tree(leaves, rng))
        start = time.perf_counter()
        okx_v2.verify([okx])
        took = time.perf_counter() - start
        nodes = 2 * leaves - 1
        print(
            f"okx-v2: {leaves:,} leaves, {nodes:,} lines, {okx.stat().st_size / 1e6:.1f} MB: "
            f"{took:.2f} s ({nodes / took:,.0f} nodes/s)"
        )
        bmx = Path(tmp) / "bitmex.csv"
        bmx.write_text(bitmex_tree(leaves, rng, nonce))
        start = time.perf_counter()
        bitmex.verify_with([bmx], {"secret": nonce.hex()})
        took = time.perf_counter() - start
        rate = nodes / took
        print(f"bitmex: {leaves:,} leaves, {nodes:,} nodes, rebuild + HMAC scan: {took:.2f} s ({rate:,.0f} nodes/s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 16)
    print(f"peak memory of the whole run: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")
