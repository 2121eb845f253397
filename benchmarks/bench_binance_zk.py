"""How long Binance zk proof verification takes in pure Python (figures go to docs/formats/binance-zk.md).

Run: ``.venv/bin/python benchmarks/bench_binance_zk.py [user_config.json]``.  Measures
regenerating the Poseidon constants (once per process and width), one permutation per
width used, and a whole verification with warm constants.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from solvent.formats import binance_zk
from solvent.formats.poseidon_bn254 import parameters, permute

SAMPLE = Path(__file__).parents[1] / "tests" / "vectors" / "realworld" / "binance" / "user_config.json"
WIDTHS = (3, 6, 9, 13)  # node, leaf, last asset block, full asset block


def best_of(n: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    data = (Path(sys.argv[1]) if len(sys.argv) > 1 else SAMPLE).read_bytes()
    for width in WIDTHS:
        start = time.perf_counter()
        parameters(width)
        generate = time.perf_counter() - start
        state = list(range(width))
        perm = best_of(20, partial(permute, state))
        print(f"width {width:2}: constants {generate * 1e3:7.1f} ms (once), permutation {perm * 1e3:6.2f} ms")
    binance_zk.empty_subtree_hashes()
    verify = best_of(5, partial(binance_zk.verify_user_config, data))
    print(f"verify_user_config with warm constants: {verify * 1e3:.0f} ms")


if __name__ == "__main__":
    main()
