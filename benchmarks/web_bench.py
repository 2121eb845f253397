"""Benchmark: the customer's page and proof API on a 10,000,000-account snapshot.

1. Builds (or reuses, in ``--workdir``) a snapshot of ``--accounts`` accounts x 4 assets
   through the real pipeline (keys, wide ledger CSV, ``build_snapshot``).
2. Starts ``solvent serve`` on a free loopback port and loads the proof look-up API with
   ``wrk`` (Debian's package; ``apt-get install wrk``): ``--connections`` concurrent
   keep-alive connections, each request for a random customer's proof (ids read from the
   public ``tree/ids.bin``), for ``--seconds``. Latency percentiles are wrk's.
3. Opens the page in headless Chromium: first contentful paint, and Find My Balance
   (typing an id, clicking, until the browser's own verification is shown).

Usage::

    .venv/bin/python benchmarks/web_bench.py                       # 10,000,000 accounts
    .venv/bin/python benchmarks/web_bench.py --accounts 100000 --seconds 10

Figures go to docs/benchmarks.md ("Web" section). Every request loop is bounded in
count and time and targets 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).parents[1]))

ASSETS = "BTC:8,ETH:8,USDT:8,USD:2"
LUA = """
local ids = {}
for line in io.lines("%(ids)s") do ids[#ids + 1] = line end
math.randomseed(%(seed)d)
local think = %(think_ms)d
request = function()
  return wrk.format("GET", "/api/snapshots/%(sid)s/proofs/" .. ids[math.random(#ids)])
end
if think > 0 then
  -- each connection is one customer: an exponential pause (mean `think` ms) between look-ups
  delay = function() return math.floor(-math.log(1 - math.random()) * think) end
end
done = function(summary, latency, requests)
  local e = summary.errors
  local out = {
    requests = summary.requests, seconds = summary.duration / 1e6, non2xx = e.status,
    errors = e.connect + e.read + e.write + e.timeout, p50 = latency:percentile(50),
    p90 = latency:percentile(90), p99 = latency:percentile(99), max = latency.max,
  }
  for k, v in pairs(out) do io.write("RESULT ", k, " ", v, "\\n") end
end
"""


def make_ledger(path: Path, accounts: int) -> None:
    rng = np.random.default_rng(11)
    cols = {"uid": pl.Series([f"u{i}" for i in range(accounts)])}
    for symbol, decimals, share in (("BTC", 8, 0.25), ("ETH", 8, 0.2), ("USDT", 8, 0.5), ("USD", 2, 0.4)):
        held = rng.random(accounts) < share
        units = np.where(held, rng.integers(1, 10**12, accounts), 0)
        whole, frac = np.divmod(units, 10**decimals)
        cols[symbol] = pl.Series(whole.astype(str)) + "." + pl.Series(frac.astype(str)).str.zfill(decimals)
    pl.DataFrame(cols).write_csv(path, line_terminator="\n")


def build(
    workdir: Path,
    accounts: int,
    *,
    write_ledger: Callable[[Path, int], None] = make_ledger,
    log: Callable[[str], None] = print,
) -> Path:
    """The snapshot of ``accounts`` accounts in ``workdir`` (built once, then reused): keys, a
    ledger from ``write_ledger``, ``build_snapshot``; timings and progress go to ``log``."""
    from solvent.pipeline.build import BuildRequest, build_snapshot
    from solvent.protocol.assets import parse_asset_list
    from solvent.publish.keys import generate_keys

    out = workdir / f"snapshot-{accounts}"
    if (out / "public" / "snapshot.json").exists():
        return out
    workdir.mkdir(parents=True, exist_ok=True)
    if not (workdir / "keys" / "master.key").exists():
        generate_keys(workdir / "keys")
    ledger = workdir / f"ledger-{accounts}.csv"
    t = time.perf_counter()
    write_ledger(ledger, accounts)
    log(f"ledger: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    build_snapshot(
        BuildRequest(
            ledger=ledger,
            assets=parse_asset_list(ASSETS),
            snapshot_id="bench",
            master_key_file=workdir / "keys" / "master.key",
            signing_key_file=workdir / "keys" / "signing.key",
            out=out,
            exchange="Bench Exchange",
            taken_at="2026-11-23T00:00:00Z",
        ),
        progress=lambda line: log(f"  {line}"),
    )
    log(f"build: {time.perf_counter() - t:.1f} s")
    ledger.unlink()
    return out


def sample_ids(snapshot: Path, count: int, out: Path) -> list[str]:
    ids = np.memmap(snapshot / "public" / "tree" / "ids.bin", dtype=np.uint8, mode="r").reshape(-1, 32)
    rows = np.random.default_rng(5).choice(len(ids), size=min(count, len(ids)), replace=False)
    hexes = [bytes(ids[r]).hex() for r in rows]
    out.write_text("\n".join(hexes) + "\n")
    return hexes


def start_server(snapshot: Path, workers: int) -> tuple[subprocess.Popen[str], str]:
    from tests.web.conftest import wait_until_serving

    cmd = [sys.executable, "-m", "solvent", "serve", str(snapshot), "--port", "0", "--workers", str(workers)]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    banner = "".join(process.stdout.readline() for _ in range(3))
    url = next(w for w in banner.split() if w.startswith("http://"))
    host, port = url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    wait_until_serving(host, int(port), "/api/snapshots")
    return process, url


def wrk(
    url: str, ids_file: Path, connections: int, seconds: int, *, threads: int, think_ms: int = 0
) -> dict[str, float]:
    """One wrk run; latencies in milliseconds. ``think_ms`` > 0: each connection pauses between look-ups."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA % {"ids": ids_file, "seed": 1, "sid": "bench", "think_ms": think_ms})
        script = f.name
    try:
        done = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", script, url],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        )
    finally:
        os.unlink(script)
    lines = [line.split()[1:3] for line in done.stdout.splitlines() if line.startswith("RESULT")]
    raw = {k: float(v) for k, v in lines}
    result = {k: raw[k] / 1000 for k in ("p50", "p90", "p99", "max")}
    result.update(requests=raw["requests"], errors=raw["errors"], non2xx=raw["non2xx"], think_ms=think_ms)
    result["rps"] = round(raw["requests"] / raw["seconds"])
    return result


def browser_figures(url: str, ids: list[str], runs: int) -> dict[str, list[float]]:
    from tests.web.browser import chromium

    paints: list[float] = []
    finds: list[float] = []
    with chromium() as context:
        for i in range(runs):
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector("body[data-ready=true]")
            paints.append(
                page.evaluate(
                    "() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1"
                )
            )
            page.fill("#hashed-id", ids[i % len(ids)])
            start = page.evaluate("() => performance.now()")
            page.click("#find-button")
            page.wait_for_selector("#verify-banner.pass")
            finds.append(page.evaluate("() => performance.now()") - start)
            page.close()
    return {"first_paint_ms": paints, "find_my_balance_ms": finds}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=10_000_000)
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "solvent-web-bench")
    ap.add_argument("--connections", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument(
        "--think-ms", type=int, nargs="+", default=[0, 400, 200, 100], help="mean pause per connection; 0: flat out"
    )
    ap.add_argument("--browser-runs", type=int, default=10)
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    snapshot = build(args.workdir, args.accounts)
    ids_file = args.workdir / "sample-ids.txt"
    ids = sample_ids(snapshot, 100_000, ids_file)
    report: dict[str, object] = {"accounts": args.accounts, "cpus": os.cpu_count()}
    for workers in args.workers:
        process, url = start_server(snapshot, workers)
        try:
            wrk(url, ids_file, args.connections, 5, threads=args.wrk_threads)  # warm-up: page cache, connections
            runs = []
            for think in args.think_ms:
                result = wrk(url, ids_file, args.connections, args.seconds, threads=args.wrk_threads, think_ms=think)
                print(f"workers={workers} think={think} ms:", result)
                runs.append(result)
            report[f"api_workers_{workers}"] = runs
            if workers == args.workers[0]:
                figures = browser_figures(url, random.Random(3).sample(ids, args.browser_runs), args.browser_runs)
                report["browser"] = figures
                print("browser:", figures)
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(json.dumps(report, indent=2))
    stats = report.get("browser")
    if isinstance(stats, dict):
        for key, values in stats.items():
            print(f"{key}: median {np.median(values):.0f}, max {max(values):.0f}")


if __name__ == "__main__":
    main()
