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
``okx_memory.py`` measures OKX v2 tree files with the helpers here.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent))

from formats_full_trees import bitmex_tree

SHORT_BYTES = 57 * 1000 * 1000


def write_short_lines(path: Path, size: int = SHORT_BYTES) -> None:
    with path.open("wb") as f:
        f.write(b"block_height:1\n")
        chunk = b"00\n" * (1 << 20)  # two characters: one-character strings are shared
        for _ in range(size // len(chunk)):
            f.write(chunk)


class Run(NamedTuple):
    code: int  # exit status
    mib: float  # peak resident memory
    seconds: float  # wall clock
    cpu: float  # user + system seconds (steadier than the wall clock on a shared machine)

    def __str__(self) -> str:
        return f"exit {self.code}, peak {self.mib:,.0f} MiB, {self.seconds:.1f} s (CPU {self.cpu:.1f} s)"


def peak_rss_mib(args: list[str], src: str | None) -> Run:
    """How ``python -m solvent ARGS`` ran in a fresh process (``src``: the checkout to run)."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = src
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "solvent", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - start
    return Run(os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024, took, usage.ru_utime + usage.ru_stime)


def write_apart(script: str, *args: str) -> None:
    """Run ``script --write-tree ARGS`` in another process: a child forked from a parent that
    built the tree in memory would count the parent's pages in its own peak."""
    subprocess.run([sys.executable, script, "--write-tree", *args], check=True)


def src_option(argv: list[str]) -> str | None:
    """Take ``--src DIR`` out of ``argv``: the ``src`` to run the CLI from (None: this one)."""
    if "--src" not in argv:
        return None
    i = argv.index("--src")
    src = argv[i + 1]
    del argv[i : i + 2]
    return src


def main(k: int, src: str | None) -> None:
    nonce = b"n" * 32
    with tempfile.TemporaryDirectory() as tmp:
        short = Path(tmp) / "short.csv"
        write_short_lines(short)
        run = peak_rss_mib(["verify", "--format", "bitmex", str(short)], src)
        print(f"short lines, {short.stat().st_size / 1e6:.0f} MB: {run}")
        short.unlink()
        tree = Path(tmp) / "tree.csv"
        write_apart(__file__, str(k), str(tree))
        run = peak_rss_mib(["verify", "--format", "bitmex", str(tree), "--secret", nonce.hex()], src)
        print(f"valid tree, 2^{k} leaves, {tree.stat().st_size / 1e6:.0f} MB: {run}")


if __name__ == "__main__":
    argv = sys.argv[1:]
    if argv[:1] == ["--write-tree"]:
        Path(argv[2]).write_text(bitmex_tree(1 << int(argv[1]), random.Random(1), b"n" * 32))
        sys.exit(0)
    src_dir = src_option(argv)
    main(int(argv[0]) if argv else 19, src_dir)
