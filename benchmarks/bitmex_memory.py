"""Peak memory of ``solvent verify`` on big BitMEX tree files (issue 11, "bounded everything").

Two files, each verified in a fresh process whose peak resident memory is read from
``os.wait4`` (the child's own ``ru_maxrss``):

- ``short``: the reproduction -- ``block_height:1`` then 57 MB of three-byte lines.  A reader
  that loads the whole file and splits it holds one Python string per line (~1.5 GB);
  a streaming reader refuses line 2 having held one line.
- ``tree``: a valid tree of 2^k leaves (k=19: 1,048,575 node lines, ~75 MB), rebuilt and
  scanned with one account's nonce.

    .venv/bin/python benchmarks/bitmex_memory.py [k] [--src OTHER/src]

``--src`` runs the CLI from another checkout's ``src`` (e.g. the code before the change,
``git archive COMMIT src | tar -x -C /tmp/old``) to compare.  Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from formats_full_trees import bitmex_tree

SHORT_BYTES = 57 * 1000 * 1000


def write_short_lines(path: Path, size: int = SHORT_BYTES) -> None:
    with path.open("wb") as f:
        f.write(b"block_height:1\n")
        chunk = b"00\n" * (1 << 20)  # two characters: one-character strings are shared
        for _ in range(size // len(chunk)):
            f.write(chunk)


def peak_rss_mib(args: list[str], src: str | None) -> tuple[int, float, float]:
    """(exit status, peak RSS in MiB, seconds) of ``python -m solvent ARGS`` in a fresh process."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = src
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "solvent", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_maxrss / 1024, time.perf_counter() - start


def main(k: int, src: str | None) -> None:
    nonce = b"n" * 32
    with tempfile.TemporaryDirectory() as tmp:
        short = Path(tmp) / "short.csv"
        write_short_lines(short)
        code, mib, took = peak_rss_mib(["verify", "--format", "bitmex", str(short)], src)
        print(f"short lines, {short.stat().st_size / 1e6:.0f} MB: exit {code}, peak {mib:,.0f} MiB, {took:.1f} s")
        short.unlink()
        tree = Path(tmp) / "tree.csv"
        # Written by another process: a child forked from a parent that built the tree in
        # memory would count the parent's pages in its own peak.
        subprocess.run([sys.executable, __file__, "--write-tree", str(k), str(tree)], check=True)
        code, mib, took = peak_rss_mib(["verify", "--format", "bitmex", str(tree), "--secret", nonce.hex()], src)
        size = tree.stat().st_size / 1e6
        print(f"valid tree, 2^{k} leaves, {size:.0f} MB: exit {code}, peak {mib:,.0f} MiB, {took:.1f} s")


if __name__ == "__main__":
    argv = sys.argv[1:]
    if argv[:1] == ["--write-tree"]:
        Path(argv[2]).write_text(bitmex_tree(1 << int(argv[1]), random.Random(1), b"n" * 32))
        sys.exit(0)
    src_dir = None
    if "--src" in argv:
        i = argv.index("--src")
        src_dir = argv[i + 1]
        del argv[i : i + 2]
    main(int(argv[0]) if argv else 19, src_dir)
