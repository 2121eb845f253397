"""Peak memory of ``solvent verify`` on big OKX v2 tree files (issue 11, "bounded everything").

Two files, each verified in a fresh process whose peak resident memory is read from
``os.wait4`` (the helpers of ``bitmex_memory.py``):

- ``hostile``: a root of height 2, then a million leaf lines (114 MB) that each parse.  Every
  line is read before the levels are counted, so a reader keeping an object per line holds
  them all; the file is refused (``node-count``, exit 1) only then.
- ``tree``: a valid tree of ``leaves`` leaves (default 2^19 + 1: every level but the root has
  an odd number of nodes, so each gets its padding node), every node rebuilt.

    .venv/bin/python benchmarks/okx_memory.py [leaves] [--src OTHER/src]

``--src`` runs the CLI from another checkout's ``src`` to compare.  Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import hashlib
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bitmex_memory import peak_rss_mib, src_option, write_apart
from formats_full_trees import okx_tree

HOSTILE_LINES = 1_000_000
LEAVES = (1 << 19) + 1


def write_hostile(path: Path, lines: int = HOSTILE_LINES) -> None:
    """A root of height 2 over ``lines`` leaves: each line well formed, the level count wrong."""
    balances = '{"BTC":"0.01","ETH":"0.02","USDT":"0.03"}'
    with path.open("w") as f:
        f.write(f"{'0' * 64},2,{balances}\n")
        for i in range(lines):
            f.write(f"{hashlib.sha256(b'%d' % i).hexdigest()},1,{balances}\n")


def main(leaves: int, src: str | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        hostile = Path(tmp) / "hostile.txt"
        write_hostile(hostile)
        run = peak_rss_mib(["verify", "--format", "okx-v2", str(hostile)], src)
        print(f"hostile, {HOSTILE_LINES:,} leaf lines, {hostile.stat().st_size / 1e6:.0f} MB: {run}")
        hostile.unlink()
        tree = Path(tmp) / "tree.txt"
        write_apart(__file__, str(leaves), str(tree))
        run = peak_rss_mib(["verify", "--format", "okx-v2", str(tree)], src)
        print(f"valid tree, {leaves:,} leaves, {tree.stat().st_size / 1e6:.0f} MB: {run}")


if __name__ == "__main__":
    argv = sys.argv[1:]
    if argv[:1] == ["--write-tree"]:
        Path(argv[2]).write_text(okx_tree(int(argv[1]), random.Random(1)))
        sys.exit(0)
    src_dir = src_option(argv)
    main(int(argv[0]) if argv else LEAVES, src_dir)
