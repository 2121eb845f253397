"""End-to-end liabilities benchmark: build, audit and prove on a synthetic exchange.

    .venv/bin/python benchmarks/liabilities.py --accounts 10000000 --workdir /tmp/solvent-bench

``--stdlib-audit`` also times the standard-library auditor (``pipeline.audit_stdlib``), run
as ``python -I -S`` with only ``src/`` on the path, as a machine with no extras would.

Generates (once, then reuses) a wide ledger CSV of N accounts x 5 assets with the demo's
skewed integer balances, then times each command as a user runs it, in a fresh process,
with its peak RSS from /usr/bin/time. Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

SOLVENT = [sys.executable, "-m", "solvent"]
SRC = Path(__file__).resolve().parents[1] / "src"
#: The standard-library audit of a folder, signature included: ``python -I -S -c STDLIB_AUDIT SRC PUBLIC``.
STDLIB_AUDIT = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from solvent.pipeline.audit_stdlib import audit_snapshot
from solvent.protocol.signed_manifest import load_signed_manifest
public = Path(sys.argv[2])
check = load_signed_manifest(public / "snapshot.json")
audit_snapshot(public, check.manifest)
"""


def timed(args: list[str]) -> tuple[float, float, str]:
    """Run a command under /usr/bin/time -v: (wall seconds, peak RSS in MB, stderr before time's report)."""
    started = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", *args], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"failed: {' '.join(args)}\n{proc.stderr[-3000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    return wall, (int(rss.group(1)) / 1024 if rss else float("nan")), proc.stderr.split("\tCommand being timed")[0]


def drop_page_cache() -> bool:
    """Make the next read cold, where the machine allows it (root, not in a container)."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--prove-runs", type=int, default=20)
    parser.add_argument("--stdlib-audit", action="store_true", help="also time the standard-library auditor")
    args = parser.parse_args()
    from solvent.demo.synthetic import DEMO_ASSETS, write_ledger
    from solvent.protocol.layout import public_dir, users_file

    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    ledger = work / f"ledger-{args.accounts}.csv"
    rows: list[tuple[str, str, str]] = []
    if not ledger.exists():
        started = time.perf_counter()
        write_ledger(ledger, args.accounts)
        rows.append(("generate ledger (not part of solvent)", f"{time.perf_counter() - started:.1f} s", "-"))
    keys = work / "keys"
    if not keys.exists():
        subprocess.run([*SOLVENT, "keygen", "--out", str(keys)], check=True, capture_output=True)
    snap = work / "snapshot"
    shutil.rmtree(snap, ignore_errors=True)
    assets = ",".join(f"{a.symbol}:{a.decimals}" for a in DEMO_ASSETS)
    wall, rss, progress = timed([*SOLVENT, "build", str(ledger), "--assets", assets, "--snapshot-id", "bench",
                                 "--master-key-file", str(keys / "master.key"), "--signing-key-file",
                                 str(keys / "signing.key"), "--out", str(snap)])
    rows.append((f"solvent build ({args.accounts:,} accounts x 5 assets, {ledger.stat().st_size / 1e6:.0f} MB CSV)",
                 f"{wall:.1f} s", f"{rss:,.0f} MB"))
    for step, seconds in re.findall(r"^  ([a-z. ]+): ([0-9.]+) s$", progress, flags=re.M):
        rows.append((f"&nbsp;&nbsp;build step: {step}", f"{float(seconds):.1f} s", ""))
    wall, rss, _ = timed([*SOLVENT, "audit", str(public_dir(snap))])
    rows.append(("solvent audit (rebuild and compare everything)", f"{wall:.1f} s", f"{rss:,.0f} MB"))
    if args.stdlib_audit:
        wall, rss, _ = timed([sys.executable, "-I", "-S", "-c", STDLIB_AUDIT, str(SRC), str(public_dir(snap))])
        rows.append(("standard-library audit (`python -I -S`, no third-party package)", f"{wall:.1f} s",
                     f"{rss:,.0f} MB"))
    users = users_file(snap).open()
    next(users)
    ids = [next(users).rstrip("\n").split(",")[2] for _ in range(args.prove_runs)]
    cold = drop_page_cache()
    times = []
    for hashed_id in ids:
        started = time.perf_counter()
        subprocess.run([str(Path(sys.executable).parent / "solvent"), "prove", str(snap), hashed_id],
                       check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    first = times[0]
    times.sort()
    label = "page cache dropped first" if cold else "page cache not dropped (not permitted here)"
    rows.append((f"solvent prove, first run ({label})", f"{first:.3f} s", "-"))
    median = times[len(times) // 2]
    rows.append((f"solvent prove, median of {len(times)} runs, process start included", f"{median:.3f} s", "-"))
    size = sum(p.stat().st_size for p in public_dir(snap).rglob("*") if p.is_file())
    print("| step | time | peak RSS |\n|---|---|---|")
    for step, seconds, memory in rows:
        print(f"| {step} | {seconds} | {memory} |")
    print(f"\npublic/ holds {size / 1e9:.2f} GB; machine: {os.cpu_count()} cores; "
          f"load average before the run {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
