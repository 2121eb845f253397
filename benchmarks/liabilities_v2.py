"""Protocol v2 build benchmark: wall time, peak memory, disk, proof size and cold `prove`.

    .venv/bin/python benchmarks/liabilities_v2.py --scale 5 --workdir /tmp/solvent-bench-v2
    .venv/bin/python benchmarks/liabilities_v2.py --scale 200 --accounts 1000000 --workdir ...
    .venv/bin/python benchmarks/liabilities_v2.py --scale 20 --accounts 30000000 --workdir ...

Three ledgers, generated once with NumPy (deterministic: a fixed seed) and reused:

* ``--scale 5``: the v1 benchmark's wide CSV (``benchmarks/liabilities.py``, the demo's
  five assets), 10,000,000 accounts by default;
* ``--scale 200``: a long ledger of 200 assets, about 4 holdings per account, skewed like
  an exchange (most accounts hold a stablecoin and BTC or ETH; a long tail of rare tokens
  drawn from a Zipf law), 10,000,000 accounts by default, Parquet;
* ``--scale 20``: a long ledger of 20 assets, about 1.5 holdings per account,
  100,000,000 accounts by default, Parquet.

The build (``solvent.pipeline.build_v2.build_snapshot_v2``) runs in a fresh process; this
one samples the resident memory of that process and its workers (summed, every 50 ms,
from ``/proc``) and also reports the largest single process (``ru_maxrss``).  Per stage:
the seconds the build reports, and its SHA-256 work in compressions per second against
this machine's floor (``openssl speed -multi`` over 16 KB messages, counted in 64-byte
compressions; ``benchmarks/hashing.py`` runs it).  Then: disk used, the proof of an account holding the most
assets (5 when there is one), `solvent prove` in a fresh process with the snapshot's files
evicted from the page cache first (``posix_fadvise(DONTNEED)``: no root needed, other
processes' caches untouched), and `solvent audit` when it accepts a v2 snapshot.

Before generating or building, the disk the run needs is estimated and compared with the
free space; ``--force`` runs anyway.  ``--keep`` keeps the snapshot (it is removed by
default: at 10,000,000 accounts and more it is tens of GB).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hashing import blocks_for, openssl_speed  # a sibling script, not a package

SRC = Path(__file__).resolve().parents[1] / "src"
SOLVENT = Path(sys.executable).parent / "solvent"
SEED = 20261204
FLOOR_BYTES = 16384
CHUNK = 1 << 20


@dataclass(frozen=True)
class Scale:
    """A benchmark ledger: its shape, and the default number of accounts."""

    n_assets: int
    accounts: int
    layout: str
    fmt: str
    #: Long layouts: the probability of holding each of the four majors, and the mean
    #: number of further (rare) holdings per account, drawn from a Zipf law over the rest.
    majors: tuple[float, ...] = ()
    tail_mean: float = 0.0


SCALES = {
    "5": Scale(5, 10_000_000, "wide", "csv"),
    "200": Scale(200, 10_000_000, "long", "parquet", (0.75, 0.5, 0.4, 0.25), 2.3),
    "20": Scale(20, 100_000_000, "long", "parquet", (0.6, 0.35, 0.25, 0.1), 0.15),
}
MAJORS = ("USDT", "BTC", "ETH", "USDC")

#: Run in a fresh interpreter: the build, its per-stage seconds and progress totals as JSON on stdout.
RUNNER = """
import json, sys, time
from pathlib import Path
from solvent.pipeline.build import BuildRequest
from solvent.pipeline.build_v2 import build_snapshot_v2
from solvent.protocol.assets import parse_asset_list

def main():
    a = json.loads(sys.argv[1])
    keys = Path(a["keys"])
    req = BuildRequest(ledger=Path(a["ledger"]), assets=parse_asset_list(a["assets"]), snapshot_id="bench",
                       master_key_file=keys / "master.key", signing_key_file=keys / "signing.key",
                       out=Path(a["out"]), exchange="Bench", taken_at="2026-12-04T00:00:00Z")
    totals = {}
    def progress(stage, done, total):
        totals[stage] = [done, total]
    kwargs = {k: a[k] for k in ("workers", "memory") if a.get(k)}
    result = build_snapshot_v2(req, progress=progress, **kwargs)
    m = result.manifest
    print(json.dumps({"seconds": result.seconds, "progress": totals, "accounts": m.accounts,
                      "leaves": {t.asset.symbol: t.root.leaf_count for t in m.trees}}))

if __name__ == "__main__":
    main()
"""


def asset_list(scale: Scale) -> str:
    if scale.layout == "wide":
        from solvent.demo.synthetic import DEMO_ASSETS

        return ",".join(f"{a.symbol}:{a.decimals}" for a in DEMO_ASSETS)
    symbols = [*MAJORS, *(f"T{i:03d}" for i in range(len(MAJORS) + 1, scale.n_assets + 1))]
    return ",".join(f"{s}:8" for s in symbols)


def ledger_path(work: Path, scale_name: str, scale: Scale, accounts: int) -> Path:
    if scale.layout == "wide":
        return work / f"ledger-{accounts}.csv"  # the v1 benchmark's name: one file serves both
    return work / f"ledger-v2-{scale_name}-{accounts}.{scale.fmt}"


def _uids(start: int, stop: int) -> np.ndarray:
    """Distinct account numbers: multiplying by a unit modulo 10^10 is a bijection."""
    return (np.arange(start, stop, dtype=np.int64) * 2_654_435_761) % 10_000_000_000


def _amounts(rng: np.random.Generator, k: int) -> np.ndarray:
    """Skewed balances in base units: a geometric number of digits (1..14), never zero."""
    digits = np.minimum(rng.geometric(0.35, k), 14)
    low = (10 ** (digits - 1)).astype(np.uint64)
    return rng.integers(low, low * 10, dtype=np.uint64)


def write_long_ledger(path: Path, scale: Scale, accounts: int) -> int:
    """A long ``uid,asset,amount`` ledger, chunk by chunk; returns the number of rows."""
    import polars as pl

    from solvent.columnar.decimal_text import format_limbs

    symbols = pl.Series("asset", asset_list(scale).replace(":8", "").split(","))
    n_tail = scale.n_assets - len(MAJORS)
    zipf = 1.0 / np.arange(1, n_tail + 1) ** 1.1
    zipf /= zipf.sum()
    rng = np.random.default_rng(SEED)
    parts = path.with_name(path.name + ".parts")
    shutil.rmtree(parts, ignore_errors=True)
    parts.mkdir()
    rows = 0
    try:
        for i, start in enumerate(range(0, accounts, CHUNK)):
            k = min(CHUNK, accounts - start)
            acct = [np.flatnonzero(rng.random(k) < p) for p in scale.majors]
            asset = [np.full(len(a), j) for j, a in enumerate(acct)]
            extra = rng.poisson(scale.tail_mean, k)
            acct.append(np.repeat(np.arange(k), extra))
            asset.append(len(MAJORS) + rng.choice(n_tail, size=int(extra.sum()), p=zipf))
            key = np.unique(np.concatenate(acct).astype(np.int64) * scale.n_assets + np.concatenate(asset))
            nobody = np.setdiff1d(np.arange(k), key // scale.n_assets)  # everyone holds something
            key = np.sort(np.concatenate([key, nobody * scale.n_assets]))
            who, what = key // scale.n_assets, key % scale.n_assets
            limbs = np.stack([np.zeros(len(key), dtype=np.uint64), _amounts(rng, len(key))], axis=-1)
            frame = pl.DataFrame(
                [
                    pl.Series("uid", _uids(start, start + k)[who]).cast(pl.String),
                    symbols.gather(what),
                    format_limbs(limbs, 8).alias("amount"),
                ]
            )
            rows += frame.height
            if scale.fmt == "parquet":
                frame.write_parquet(parts / f"{i:05d}.parquet", row_group_size=1 << 18)
            else:
                with path.open("ab" if i else "wb") as f:
                    frame.write_csv(f, include_header=i == 0, line_terminator="\n")
        if scale.fmt == "parquet":
            pl.scan_parquet(parts / "*.parquet").sink_parquet(path, row_group_size=1 << 18)
    finally:
        shutil.rmtree(parts, ignore_errors=True)
    return rows


def estimate_disk(scale: Scale, accounts: int) -> tuple[int, int]:
    """Bytes the ledger and one build need at most: (ledger, build).

    The build's peak is its spill beside the snapshot being written.  Spill: 58 B a
    holding and ~85 B an account (uid text, secret and id) until its bucket is sorted,
    then a 48 B leaf a holding and a users.csv part.  Snapshot: per holding a 32 B id,
    ~2 x 48 B of levels, a ~85 B CSV row and a 10 B position; per account a 40 B index
    entry and a ~145 B users.csv row.
    """
    per_account = sum(scale.majors) + scale.tail_mean if scale.layout == "long" else 2.05
    holdings = accounts * per_account * 1.05  # accounts that held nothing get one holding
    ledger = int(holdings * 22 if scale.fmt == "parquet" else accounts * (12 + 14 * scale.n_assets))
    spill = holdings * (58 + 48) + accounts * 85
    public = holdings * (32 + 96 + 85 + 10) + accounts * 40
    users = accounts * 145
    return ledger, int(spill + public + users)


class MemorySampler(threading.Thread):
    """Peak of the summed resident memory of a process and its descendants, from /proc."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.done = threading.Event()

    def tree_rss(self) -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                fields = stat[stat.rindex(")") + 2 :].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
                rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
            except (OSError, ValueError):
                continue
        total, stack = 0, [self.pid]
        while stack:
            pid = stack.pop()
            total += rss.get(pid, 0)
            stack.extend(children.get(pid, []))
        return total

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.peak = max(self.peak, self.tree_rss())


def run_build(args: argparse.Namespace, ledger: Path, assets: str, out: Path) -> tuple[float, int, int, dict]:
    """(wall seconds, peak summed RSS, largest process's RSS, the runner's JSON)."""
    spec = {
        "ledger": str(ledger),
        "assets": assets,
        "out": str(out),
        "keys": str(args.workdir / "keys"),
        "workers": args.workers,
        "memory": args.memory,
    }
    env = dict(os.environ, PYTHONPATH=str(SRC))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", RUNNER, json.dumps(spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    sampler = MemorySampler(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    if proc.returncode != 0:
        sys.exit(f"the build failed:\n{stderr[-3000:]}")
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    if largest <= before * 1024:
        largest = 0  # an earlier child was bigger: the figure says nothing about this one
    return wall, sampler.peak, largest, json.loads(stdout.strip().splitlines()[-1])


def evict(directory: Path) -> None:
    """Drop a folder's files from the page cache (clean pages only; they were synced)."""
    os.sync()
    for path in directory.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def pick_account(public: Path, want: int) -> tuple[str, int]:
    """The hashed id of an account holding ``want`` assets (or the most held), and that count."""
    raw = np.memmap(public / "tree" / "accounts.bin", dtype=np.uint8, mode="r").reshape(-1, 40)
    probe = min(len(raw), 1 << 20)
    ends = np.frombuffer(raw[:probe, 32:40].tobytes(), dtype=">u8").astype(np.int64)
    held = np.diff(np.concatenate([[0], ends]))
    exact = np.flatnonzero(held == want)
    i = int(exact[0]) if exact.size else int(np.argmax(held))
    return raw[i, :32].tobytes().hex(), int(held[i])


def time_prove(snap: Path, hashed_id: str, runs: int) -> tuple[list[float], list[float], int]:
    """Cold (files evicted first) and warm `solvent prove` times, and the proof's size."""
    cold, warm, size = [], [], 0
    for _ in range(runs):
        evict(snap / "public")
        for bucket in (cold, warm):
            started = time.perf_counter()
            out = subprocess.run([str(SOLVENT), "prove", str(snap), hashed_id], capture_output=True, check=True)
            bucket.append(time.perf_counter() - started)
            size = len(out.stdout)
    return cold, warm, size


def time_audit(snap: Path) -> str:
    started = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-v", str(SOLVENT), "audit", str(snap / "public")],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        first = (proc.stderr.strip().splitlines() or ["?"])[0]
        return f"audit: not available ({first[:120]})"
    rss = next((int(line.split()[-1]) for line in proc.stderr.splitlines() if "Maximum resident" in line), 0)
    return f"{wall:.1f} s, peak RSS {rss / 1024:,.0f} MB"


def hashing_rows(result: dict, public: Path, uid_len: float, floor: float | None) -> list[tuple[str, str]]:
    """SHA-256 compressions of each stage against the machine's floor (compressions per second):
    the spill's two HMACs per account; the trees' leaves, nodes and the digests of their files."""
    from solvent.protocol.ids import HCID_TAG, USER_SECRET_TAG, lp

    accounts = result["accounts"]
    secret = blocks_for(len(lp(USER_SECRET_TAG)) + 4 + int(uid_len)) + 1
    hcid = blocks_for(len(lp(HCID_TAG)) + len(lp(b"bench")) + 4 + int(uid_len)) + 3
    trees = 0
    for level in public.glob("tree/*/level-*.bin"):
        symbol = level.parent.name
        records = level.stat().st_size // 48
        trees += records * (blocks_for(1 + 4 + len(symbol) + 48) if level.name == "level-00.bin" else 2)
    # Every published file is hashed once more for the manifest: one compression per 64 bytes.
    trees += (
        sum(f.stat().st_size for d in ("tree", "liabilities") for f in (public / d).rglob("*") if f.is_file()) // 64
    )
    work = {"read and spill": accounts * (secret + hcid), "trees and CSVs": trees}
    rows = []
    for stage, blocks in work.items():
        seconds = result["seconds"].get(stage)
        if not seconds:
            continue
        rate = blocks / seconds
        share = f", {rate / floor:.0%} of the floor" if floor else ""
        rows.append((f"hashing in {stage}", f"{blocks / 1e6:,.0f} M compressions, {rate / 1e6:.1f} M/s{share}"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="5")
    parser.add_argument("--accounts", type=int, help="default: 10,000,000 (scales 5, 200), 100,000,000 (20)")
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=0, help="build_snapshot_v2(workers=); 0: its default")
    parser.add_argument("--memory", type=int, default=0, help="build_snapshot_v2(memory=) in bytes; 0: its default")
    parser.add_argument("--prove-runs", type=int, default=5)
    parser.add_argument("--floor-seconds", type=int, default=1, help="seconds of `openssl speed`; 0 skips it")
    parser.add_argument("--no-audit", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the snapshot (removed by default)")
    parser.add_argument("--force", action="store_true", help="run even if the disk estimate exceeds the free space")
    args = parser.parse_args()
    scale = SCALES[args.scale]
    accounts = args.accounts or scale.accounts
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    assets = asset_list(scale)
    ledger = ledger_path(work, args.scale, scale, accounts)
    need_ledger, need_build = estimate_disk(scale, accounts)
    need = need_build + (0 if ledger.exists() else need_ledger)
    free = shutil.disk_usage(work).free
    print(
        f"disk: about {need / 1e9:.1f} GB needed ({need_build / 1e9:.1f} GB for the build), {free / 1e9:.1f} GB free",
        file=sys.stderr,
    )
    if need > free * 0.9 and not args.force:
        sys.exit("not enough disk for this scale: try fewer --accounts and extrapolate, or --force")
    rows: list[tuple[str, str]] = []
    if not ledger.exists():
        started = time.perf_counter()
        if scale.layout == "wide":
            from solvent.demo.synthetic import write_ledger

            write_ledger(ledger, accounts)
        else:
            write_long_ledger(ledger, scale, accounts)
        rows.append(("generate ledger (not part of solvent)", f"{time.perf_counter() - started:.1f} s"))
    keys = work / "keys"
    if not keys.exists():
        subprocess.run([str(SOLVENT), "keygen", "--out", str(keys)], check=True, capture_output=True)
    snap = work / f"snapshot-v2-{args.scale}-{accounts}"
    shutil.rmtree(snap, ignore_errors=True)
    load = os.getloadavg()
    wall, peak, largest, result = run_build(args, ledger, assets, snap)
    load_after = os.getloadavg()
    holdings = sum(result["leaves"].values())
    rows.append(
        (
            f"build: {accounts:,} accounts x {scale.n_assets} assets, {holdings:,} holdings, "
            f"{scale.layout} {scale.fmt} ledger of {ledger.stat().st_size / 1e9:.2f} GB",
            f"{wall:.1f} s",
        )
    )
    rows.append(("peak RSS, build process and its workers together (sampled)", f"{peak / 2**20:,.0f} MB"))
    if largest:
        rows.append(("peak RSS, largest single process (ru_maxrss)", f"{largest / 2**20:,.0f} MB"))
    for stage, seconds in result["seconds"].items():
        rows.append((f"&nbsp;&nbsp;stage: {stage}", f"{seconds:.1f} s"))
    public = snap / "public"
    floor = None
    if args.floor_seconds:
        # Long messages: openssl's per-message overhead vanishes and what is left is the
        # compression function itself (SHA-NI where the CPU has it), on every core.
        rate = openssl_speed(FLOOR_BYTES, args.floor_seconds, os.cpu_count() or 1)
        floor = rate * FLOOR_BYTES / 64 if rate else None
    uid_len = float(np.mean([len(str(u)) for u in _uids(0, 1000)])) if scale.layout == "long" else 9.5
    rows.extend(hashing_rows(result, public, uid_len, floor))
    if floor:
        rows.append(
            ("SHA-256 floor: `openssl speed -multi`, 16 KB messages, in compressions", f"{floor / 1e6:.1f} M/s")
        )
    used = {p: sum(f.stat().st_size for f in (snap / p).rglob("*") if f.is_file()) for p in ("public", "private")}
    rows.append(("disk: public/ + private/", f"{used['public'] / 1e9:.2f} GB + {used['private'] / 1e9:.2f} GB"))
    hashed_id, held = pick_account(public, 5)
    cold, warm, size = time_prove(snap, hashed_id, args.prove_runs)
    rows.append((f"proof of an account holding {held} assets", f"{size:,} bytes"))
    rows.append(
        (f"`solvent prove`, cold (files evicted first), median of {len(cold)}", f"{sorted(cold)[len(cold) // 2]:.3f} s")
    )
    rows.append((f"`solvent prove`, warm, median of {len(warm)}", f"{sorted(warm)[len(warm) // 2]:.3f} s"))
    if not args.no_audit:
        rows.append(("`solvent audit`", time_audit(snap)))
    if not args.keep:
        shutil.rmtree(snap)
    print("| step | figure |\n|---|---|")
    for step, figure in rows:
        print(f"| {step} | {figure} |")
    print(
        f"\n{os.cpu_count()} cores; load average (1 min) {load[0]:.2f} before the build, {load_after[0]:.2f} after it"
    )


if __name__ == "__main__":
    main()
