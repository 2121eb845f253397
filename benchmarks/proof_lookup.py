"""Benchmark: proofs per second of the one proof look-up, in process (no HTTP).

Builds (or reuses, in ``--workdir``) a snapshot of ``--accounts`` accounts x 4 assets with
:func:`web_bench.build`, then, on one core, for ``--lookups`` random customers:

* ``lookup``: ``SnapshotProofs.proof(hashed_id_text)``, what the API, the CLI and the
  static site call (parse the id, find the leaf, render the bytes; upper levels cached);
* ``to_json``: ``TreeReader.proof(index).to_json()``, a Proof object then its bytes (no cache).

Usage::

    .venv/bin/python benchmarks/proof_lookup.py --accounts 200000 --lookups 20000

Figures go to docs/benchmarks.md ("Web" section).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from web_bench import build


def rate(label: str, count: int, run: object) -> None:
    assert callable(run)
    start = time.perf_counter()
    run()
    elapsed = time.perf_counter() - start
    print(f"{label:8} {count / elapsed:10,.0f} proofs/s  ({elapsed / count * 1e6:.1f} µs each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()

    from solvent.pipeline.lookup import SnapshotProofs

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="proof-bench-"))
    snapshot = build(workdir, args.accounts)
    rng = random.Random(1)
    with SnapshotProofs.open(snapshot) as proofs:
        ids = proofs.reader._ids()
        picks = [rng.randrange(args.accounts) for _ in range(args.lookups)]
        texts = [ids[32 * i : 32 * i + 32].hex() for i in picks]
        print(f"{args.accounts:,} accounts, height {proofs.manifest.root.height}, {args.lookups:,} look-ups")
        rate("lookup", len(texts), lambda: [proofs.proof(t) for t in texts])
        reader = proofs.reader
        rate("to_json", len(picks), lambda: [reader.proof(i).to_json() for i in picks])


if __name__ == "__main__":
    main()
