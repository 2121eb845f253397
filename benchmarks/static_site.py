"""The static site at scale: publish a v2 snapshot, serve it with a plain file server, time the page.

    .venv/bin/python benchmarks/static_site.py --workdir /tmp/solvent-bench-v2
    .venv/bin/python benchmarks/static_site.py --accounts 1000000 --workdir /tmp/solvent-bench-1m

1. The snapshot: ``WORKDIR/snapshot-v2-5-N`` is reused if it is there (as
   ``benchmarks/liabilities_v2.py --scale 5 --keep`` leaves it); otherwise the synthetic
   ledger of the v1 benchmark (``solvent.demo.synthetic``, five assets, N accounts) is
   written or reused and built with ``build_snapshot_v2``, as liabilities_v2.py does.
2. ``solvent publish SNAPSHOT --static WORKDIR/site-v2-5-N`` in a fresh process: wall time,
   peak resident memory of the process and its workers (summed, sampled every 50 ms from
   /proc), the files and bytes of the site (bytes written, and the published files that are
   hard links to the snapshot's own).
3. The site served by ``python -m http.server`` on loopback (no solvent code), and Debian's
   Chromium driven by Playwright (tests/web/browser.py's flags), ``--runs`` times, each run
   a fresh browser profile (a cold browser cache) after the site's files are dropped from the
   page cache: first paint and first contentful paint (the browser's paint timing), the page
   ready (the snapshot's summary shown: ``body[data-ready=true]``), the bytes transferred up
   to then (the page weight before any look-up, every response's headers and body), then
   Find My Balance for one account (a different one each run, spread over the id space):
   from the click to the verdict (``#verify-banner.pass``), and the bytes it fetched.

Medians, minimums and maximums are printed as a Markdown table, with the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))  # tests.web.browser: the flags the browser tests use
from liabilities_v2 import SCALES, MemorySampler, asset_list, evict, ledger_path, run_build  # noqa: E402 (a sibling script)

SOLVENT = Path(sys.executable).parent / "solvent"


def snapshot(args: argparse.Namespace) -> Path:
    """The v2 snapshot of ``--accounts`` accounts: reused, or built from the (reused) synthetic ledger."""
    snap = args.workdir / f"snapshot-v2-5-{args.accounts}"
    if (snap / "public" / "snapshot.json").is_file():
        print(f"reusing {snap}", file=sys.stderr)
        return snap
    scale = SCALES["5"]
    ledger = ledger_path(args.workdir, "5", scale, args.accounts)
    if not ledger.exists():
        from solvent.demo.synthetic import write_ledger

        write_ledger(ledger, args.accounts)
    keys = args.workdir / "keys"
    if not keys.exists():
        subprocess.run([str(SOLVENT), "keygen", "--out", str(keys)], check=True, capture_output=True)
    shutil.rmtree(snap, ignore_errors=True)
    build = argparse.Namespace(workdir=args.workdir, workers=0, memory=0)
    wall, _, _, _ = run_build(build, ledger, asset_list(scale), snap)
    print(f"built {snap} in {wall:.1f} s", file=sys.stderr)
    return snap


def publish(snap: Path, site: Path) -> dict[str, Any]:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(SOLVENT), "publish", str(snap), "--static", str(site), "--force"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampler = MemorySampler(proc.pid)
    sampler.start()
    _, stderr = proc.communicate()
    wall = time.perf_counter() - started
    sampler.done.set()
    sampler.join()
    if proc.returncode != 0:
        sys.exit(f"publish failed:\n{stderr[-3000:]}")
    files = written = linked = 0
    for path in site.rglob("*"):
        if path.is_file():
            st = path.stat()
            files += 1
            if st.st_nlink > 1:
                linked += st.st_size  # a published file, hard-linked from the snapshot: no copy
            else:
                written += st.st_size
    return {"wall": wall, "peak": sampler.peak, "files": files, "written": written, "linked": linked}


def accounts(public: Path, runs: int) -> list[tuple[str, int]]:
    """``runs`` accounts spread evenly over the id space, with the number of assets each holds."""
    raw = np.memmap(public / "tree" / "accounts.bin", dtype=np.uint8, mode="r").reshape(-1, 40)
    out = []
    for k in range(runs):
        i = (2 * k + 1) * len(raw) // (2 * runs)
        end = int.from_bytes(raw[i, 32:40].tobytes(), "big")
        start = 0 if i == 0 else int.from_bytes(raw[i - 1, 32:40].tobytes(), "big")
        out.append((raw[i, :32].tobytes().hex(), end - start))
    return out


def serve(site: Path) -> tuple[subprocess.Popen[bytes], str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, f"http://127.0.0.1:{port}/"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    sys.exit("the file server did not start")


def one_run(playwright: Any, url: str, hashed_id: str) -> dict[str, Any]:
    """A fresh profile (cold browser cache): load, then Find My Balance for ``hashed_id``."""
    from tests.web.browser import launch

    with launch(playwright) as context:
        page = context.new_page()
        sizes: list[tuple[str, int]] = []

        def finished(request: Any) -> None:
            s = request.sizes()
            sizes.append((request.url, s["responseHeadersSize"] + s["responseBodySize"]))

        page.on("requestfinished", finished)
        started = time.perf_counter()
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]")
        ready = time.perf_counter() - started
        page.wait_for_load_state("networkidle")
        paints = page.evaluate(
            "() => Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]))"
        )
        nav = page.evaluate("() => performance.getEntriesByType('navigation')[0].toJSON()")
        before = list(sizes)
        page.fill("#hashed-id", hashed_id)
        started = time.perf_counter()
        page.click("#find-button")
        page.wait_for_selector("#verify-banner.pass", timeout=60_000)
        find = time.perf_counter() - started
        page.wait_for_load_state("networkidle")
        lookup = sizes[len(before) :]
        errors = page.evaluate("() => document.querySelector('#verify-banner').textContent")
        page.close()
    return {
        "first_paint": paints.get("first-paint", float("nan")) / 1000,
        "fcp": paints.get("first-contentful-paint", float("nan")) / 1000,
        "ready": ready,
        "ready_nav": nav["loadEventEnd"] / 1000,
        "weight": sum(n for _, n in before),
        "requests": len(before),
        "files": before,
        "find": find,
        "lookup_bytes": sum(n for _, n in lookup),
        "lookup_requests": len(lookup),
        "banner": " ".join(errors.split())[:80],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--reuse-site", action="store_true", help="do not publish again if the site is there")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    snap = snapshot(args)
    site = args.workdir / f"site-v2-5-{args.accounts}"
    rows: list[tuple[str, str]] = []
    manifest = json.loads((snap / "public" / "snapshot.json").read_text())
    holdings = sum(a["root"]["leaf_count"] for a in manifest["assets"])
    rows.append(
        ("snapshot", f"{manifest['accounts']:,} accounts x {len(manifest['assets'])} assets, {holdings:,} holdings")
    )
    if not (args.reuse_site and (site / "index.html").is_file()):
        evict(snap / "public")  # publish reads the snapshot from disk, as a first run would
        load = os.getloadavg()[0]
        p = publish(snap, site)
        rows += [
            (f"`solvent publish --static`, wall (load average {load:.2f} before)", f"{p['wall']:.1f} s"),
            ("peak RSS, publish and its workers (sampled)", f"{p['peak'] / 2**20:,.0f} MB"),
            ("files in the site", f"{p['files']:,}"),
            ("bytes written (id shards, tree chunks, page, JSON)", f"{p['written'] / 1e9:.2f} GB"),
            ("published files hard-linked from the snapshot (no copy)", f"{p['linked'] / 1e9:.2f} GB"),
        ]
    base = site / "data" / "s" / manifest["snapshot_id"]
    for folder in ("ids", "trees"):
        size = sum(f.stat().st_size for f in (base / folder).rglob("*") if f.is_file())
        count = sum(1 for f in (base / folder).rglob("*") if f.is_file())
        rows.append((f"&nbsp;&nbsp;`{folder}/`", f"{count:,} files, {size / 1e6:,.0f} MB"))
    picks = accounts(snap / "public", args.runs)
    server, url = serve(site)
    results = []
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            for hashed_id, _ in picks:
                evict(site)  # the server reads from disk too: no run is helped by the one before
                results.append(one_run(playwright, url, hashed_id))
    finally:
        server.terminate()
        server.wait(timeout=10)

    def stat(key: str, unit: str = "s", scale: float = 1.0, fmt: str = ".3f") -> str:
        values = [r[key] * scale for r in results]
        return f"{statistics.median(values):{fmt}} {unit} (min {min(values):{fmt}}, max {max(values):{fmt}})"

    n = len(results)
    rows += [
        (f"first paint, median of {n}", stat("first_paint")),
        (f"first contentful paint, median of {n}", stat("fcp")),
        (f"page ready (summary shown), from navigation, median of {n}", stat("ready")),
        (f"page weight before look-up, median of {n}", stat("weight", "KB", 1 / 1000, ".1f")),
        ("requests before look-up", f"{results[0]['requests']}"),
        (f"Find My Balance, click to verdict, median of {n}", stat("find")),
        (f"bytes fetched by the look-up, median of {n}", stat("lookup_bytes", "KB", 1 / 1000, ".1f")),
        ("assets held by the accounts looked up", ", ".join(str(h) for _, h in picks)),
    ]
    print("| step | figure |\n|---|---|")
    for step, figure in rows:
        print(f"| {step} | {figure} |")
    heaviest = sorted(results[0]["files"], key=lambda f: -f[1])[:8]
    print("\nlargest responses before look-up (first run):")
    for u, size in heaviest:
        print(f"  {size:>8,} B  {u.removeprefix(url)}")
    print(f"\nverdicts: {sorted({r['banner'] for r in results})}")
    print(f"{os.cpu_count()} cores; load average (1 min) {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
