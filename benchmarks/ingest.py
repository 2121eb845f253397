"""Benchmark: ledger ingest and liabilities.csv write/read at exchange scale.

Generates (or reuses) a wide ledger CSV of ``--rows`` accounts x 5 assets with a
realistic, skewed distribution (most balances zero, the rest spread over many
orders of magnitude), then measures, each in a fresh process so that peak RSS
belongs to that step alone:

* ``read_ledger`` of the wide CSV (and, with ``--long``, of the same ledger in the
  long layout, non-zero balances only);
* ``write_liabilities_csv`` and ``read_liabilities_csv`` of ``--rows`` rows.

Usage::

    .venv/bin/python benchmarks/ingest.py                    # 10,000,000 rows
    .venv/bin/python benchmarks/ingest.py --rows 1000000 --long

Figures go to docs/ingest.md ("Ingest" heading).  Wall time depends on what else
runs on the machine; CPU time (user + system, all threads) is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

ASSETS = "BTC:8,ETH:8,USDT:8,USDC:8,USD:2"
# symbol, decimals, share of accounts holding it, log10 range of holdings in asset units
PROFILE = [
    ("BTC", 8, 0.25, (-8, 3)),
    ("ETH", 8, 0.20, (-8, 4)),
    ("USDT", 8, 0.50, (-2, 7)),
    ("USDC", 8, 0.15, (-2, 7)),
    ("USD", 2, 0.40, (-2, 6)),
]
CHUNK = 1_000_000


def _unit_decimal(decimals: int) -> pl.Expr:
    one = pl.Series([f"0.{'0' * (decimals - 1)}1" if decimals else "1"]).cast(pl.Decimal(38, decimals))
    return pl.lit(one[0], dtype=pl.Decimal(38, decimals))


def _amount_text(units: np.ndarray, decimals: int) -> pl.Series:
    """Base units -> asset-unit text with trailing zeros trimmed, as exports often write them."""
    text = (
        pl.DataFrame({"x": units})
        .select((pl.col("x").cast(pl.Decimal(38, 0)) * _unit_decimal(decimals)).cast(pl.String))
        .to_series()
    )
    if decimals:
        text = text.str.strip_chars_end("0").str.strip_chars_end(".")
    return text


def generate(path: Path, rows: int, long_path: Path | None, seed: int = 20261123) -> None:
    rng = np.random.default_rng(seed)
    header = "uid," + ",".join(p[0] for p in PROFILE) + "\n"
    long_file = long_path.open("wb") if long_path else None
    with path.open("wb") as wide:
        wide.write(header.encode())
        if long_file:
            long_file.write(b"uid,asset,amount\n")
        for start in range(0, rows, CHUNK):
            k = min(CHUNK, rows - start)
            uid = pl.Series("uid", np.arange(start, start + k, dtype=np.int64) * 7919 + 10**9).cast(pl.String)
            columns = {"uid": uid}
            for symbol, decimals, share, (lo, hi) in PROFILE:
                exponent = rng.uniform(lo + decimals, hi + decimals, k)
                units = np.floor(10.0**exponent).astype(np.uint64)
                units[rng.random(k) >= share] = 0
                columns[symbol] = _amount_text(units, decimals)
            frame = pl.DataFrame(columns)
            frame.write_csv(wide, include_header=False)
            if long_file:
                long = frame.unpivot(index="uid", variable_name="asset", value_name="amount").filter(
                    pl.col("amount") != "0"
                )
                long.write_csv(long_file, include_header=False)
    if long_file:
        long_file.close()


def _measure(step: str, *args: str) -> dict[str, float]:
    """Run one step in a fresh interpreter; it prints its own figures as JSON."""
    out = subprocess.run(
        [sys.executable, __file__, "--step", step, *args], check=True, capture_output=True, text=True
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def peak_rss_mb() -> float:
    """This process's peak RSS.  VmHWM, because ru_maxrss survives exec and would include the parent's."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _figures(started: float, cpu0: os.times_result, **extra: float) -> str:
    cpu1 = os.times()
    return json.dumps(
        {
            "wall_s": round(time.perf_counter() - started, 2),
            "cpu_s": round((cpu1.user + cpu1.system) - (cpu0.user + cpu0.system), 2),
            "peak_rss_mb": peak_rss_mb(),
            **extra,
        }
    )


def step_ingest(path: str) -> None:
    from solvent.ingest import read_ledger
    from solvent.protocol.assets import parse_asset_list

    assets = parse_asset_list(ASSETS)
    baseline = peak_rss_mb()
    cpu0, started = os.times(), time.perf_counter()
    ledger = read_ledger(path, assets)
    print(
        _figures(
            started,
            cpu0,
            rows=len(ledger),
            baseline_rss_mb=round(baseline, 1),
            amounts_mb=round(ledger.amounts.nbytes / 2**20, 1),
        )
    )


def step_liabilities(path: str, rows: str) -> None:
    from solvent.columnar.liabilities_csv import check_strictly_ascending, read_liabilities_csv, write_liabilities_csv
    from solvent.protocol.assets import parse_asset_list

    assets = parse_asset_list(ASSETS)
    m = int(rows)
    rng = np.random.default_rng(7)
    ids = rng.integers(0, 256, (m, 32), dtype=np.uint8)
    ids = ids[np.lexsort(ids.view(">u8").reshape(m, 4).astype(np.uint64).T[::-1])]
    amounts = np.zeros((m, len(assets), 2), dtype=np.uint64)
    for j, (_, decimals, share, (lo, hi)) in enumerate(PROFILE):
        units = np.floor(10.0 ** rng.uniform(lo + decimals, hi + decimals, m)).astype(np.uint64)
        units[rng.random(m) >= share] = 0
        amounts[:, j, 1] = units
    baseline = peak_rss_mb()
    cpu0, started = os.times(), time.perf_counter()
    write_liabilities_csv(path, ids, amounts, assets)
    write = json.loads(_figures(started, cpu0))
    del ids, amounts
    cpu0, started = os.times(), time.perf_counter()
    got_ids, _ = read_liabilities_csv(path, assets)
    check_strictly_ascending(got_ids)
    read = json.loads(_figures(started, cpu0))
    print(
        json.dumps(
            {
                "write_wall_s": write["wall_s"],
                "write_cpu_s": write["cpu_s"],
                "read_wall_s": read["wall_s"],
                "read_cpu_s": read["cpu_s"],
                "peak_rss_mb": read["peak_rss_mb"],
                "baseline_rss_mb": round(baseline, 1),
                "file_mb": round(os.path.getsize(path) / 2**20, 1),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "solvent-bench")
    parser.add_argument("--long", action="store_true", help="also measure the long layout")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.step == "ingest":
        return step_ingest(*opts.args)
    if opts.step == "liabilities":
        return step_liabilities(*opts.args)

    opts.dir.mkdir(parents=True, exist_ok=True)
    wide = opts.dir / f"ledger-wide-{opts.rows}.csv"
    long = opts.dir / f"ledger-long-{opts.rows}.csv"
    if opts.regenerate or not wide.exists() or (opts.long and not long.exists()):
        started = time.perf_counter()
        generate(wide, opts.rows, long if opts.long else None)
        print(f"generated {wide} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    print(f"# {opts.rows:,} accounts x 5 assets ({ASSETS}), {os.cpu_count()} cores")
    print("| step | wall s | CPU s | peak RSS MB | notes |")
    print("|---|---|---|---|---|")
    fig = _measure("ingest", str(wide))
    print(
        f"| read_ledger, wide CSV ({wide.stat().st_size / 2**20:.0f} MB) | {fig['wall_s']} | {fig['cpu_s']} | "
        f"{fig['peak_rss_mb']} | amounts {fig['amounts_mb']} MB, interpreter+imports {fig['baseline_rss_mb']} MB |"
    )
    if opts.long:
        lines = sum(1 for _ in long.open("rb")) - 1
        fig = _measure("ingest", str(long))
        print(
            f"| read_ledger, long CSV ({lines:,} rows, {long.stat().st_size / 2**20:.0f} MB) | {fig['wall_s']} | "
            f"{fig['cpu_s']} | {fig['peak_rss_mb']} | |"
        )
    out = opts.dir / f"liabilities-{opts.rows}.csv"
    fig = _measure("liabilities", str(out), str(opts.rows))
    print(f"| write_liabilities_csv ({fig['file_mb']} MB) | {fig['write_wall_s']} | {fig['write_cpu_s']} | | |")
    print(
        f"| read_liabilities_csv + order check | {fig['read_wall_s']} | {fig['read_cpu_s']} | "
        f"{fig['peak_rss_mb']} | peak of write and read; ids + amounts in memory |"
    )


if __name__ == "__main__":
    main()
