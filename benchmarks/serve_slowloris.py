"""Benchmark: honest customers while one address holds thousands of slow sockets (a slowloris).

1. Builds (or reuses, in ``--workdir``) a snapshot of ``--accounts`` accounts x 4 assets
   through the real pipeline, and starts ``solvent serve`` on a free loopback port
   (extra options after ``--``, e.g. ``-- --max-per-client 0`` for the control).
2. **Baseline**: ``--clients`` honest clients (each from its own loopback address,
   127.0.1.x, as customers are), each on one keep-alive connection asking for random
   customers' proofs back to back (or after a pause, ``--think-ms``), for ``--seconds``:
   look-ups per second, p50/p99/max latency, and every answer that was not a 200 or failed.
3. **Under attack**: the same, while an attacker process keeps ``--slow`` sockets open from
   one address (127.0.0.2), each sending an unfinished request head a header line at a
   time (one per second per socket) and reconnecting at once when the server drops it, as
   slowloris does.
4. The server's peak memory (``VmHWM``), and what the attacker saw (answers and closes).

Usage::

    .venv/bin/python benchmarks/serve_slowloris.py                    # about 1 minute
    .venv/bin/python benchmarks/serve_slowloris.py --think-ms 100     # below saturation
    .venv/bin/python benchmarks/serve_slowloris.py -- --max-per-client 0

Figures go to docs/benchmarks.md ("A server that stays up"). Everything targets 127.0.0.1,
every loop is bounded in time, and the run stops the server and the attacker it started.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from web_bench import build  # the snapshot, built once per --workdir and --accounts

ATTACKER = "127.0.0.2"
THINK_MS = 0.0  # set from --think-ms


def write_ledger(path: Path, accounts: int) -> None:
    """This benchmark's ledger (its own values; ``web_bench.build`` builds the snapshot from it)."""
    rng = random.Random(11)
    with path.open("w") as f:
        f.write("uid,BTC,ETH,USDT,USD\n")
        for i in range(accounts):
            f.write(f"u{i},{rng.randrange(10**9) / 10**8:.8f},0.00000000,{rng.randrange(10**12) / 10**8:.8f},1.00\n")


def start_server(snapshot: Path, extra: list[str]) -> tuple[subprocess.Popen[str], str, int]:
    from tests.web.conftest import wait_until_serving

    cmd = [sys.executable, "-m", "solvent", "serve", str(snapshot), "--port", "0", *extra]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    banner = "".join(process.stdout.readline() for _ in range(3))
    url = next(w for w in banner.split() if w.startswith("http://"))
    host, port = url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    wait_until_serving(host, int(port), "/api/snapshots")
    return process, host, int(port)


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --- honest clients ------------------------------------------------------------------------


async def _client(  # noqa: PLR0917 - one honest customer's whole state
    n: int, host: str, port: int, ids: list[str], until: float, latencies: list[float], failures: list[str]
) -> None:
    source = f"127.0.1.{1 + n % 250}"
    rng = random.Random(n)
    think = THINK_MS / 1000
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    while time.monotonic() < until:
        if think:  # a customer's pause between two look-ups (exponential), not part of the latency
            await asyncio.sleep(rng.expovariate(1 / think))
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(host, port, local_addr=(source, 0)), timeout=10
                )
            assert reader is not None
            path = f"/api/snapshots/bench/proofs/{rng.choice(ids)}"
            start = time.perf_counter()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
            status = int(head[9:12])
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            )
            await asyncio.wait_for(reader.readexactly(length), timeout=10)
            latencies.append(time.perf_counter() - start)
            if status != 200:
                failures.append(str(status))
            if b"connection: close" in head.lower():
                writer.close()
                writer = None
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError, StopIteration) as e:
            failures.append(type(e).__name__)
            if writer is not None:
                writer.close()
            writer = None
    if writer is not None:
        writer.close()


async def _load(host: str, port: int, ids: list[str], clients: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    failures: list[str] = []
    started = time.monotonic()
    until = started + seconds
    await asyncio.gather(*(_client(n, host, port, ids, until, latencies, failures) for n in range(clients)))
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))], 2) if latencies else -1

    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / elapsed),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": round(1000 * latencies[-1], 1) if latencies else -1,
        "failures": len(failures),
        "failure_kinds": ",".join(sorted(set(failures))[:5]),  # type: ignore[dict-item]
    }


def honest_load(host: str, port: int, ids: list[str], clients: int, seconds: float) -> dict[str, float]:
    return asyncio.run(_load(host, port, ids, clients, seconds))


# --- the attacker ---------------------------------------------------------------------------


async def _attack_async(host: str, port: int, sockets: int, seconds: float) -> dict[str, int]:
    """``sockets`` slowloris sockets for ``seconds``; what they saw, and how many were open and
    unanswered at once (sampled every 0.5 s from the fifth second on: median and max)."""
    stats: dict[str, int] = {"connects": 0, "open": 0}
    until = time.monotonic() + seconds
    samples: list[int] = []

    async def sample() -> None:
        await asyncio.sleep(5)
        while time.monotonic() < until - 1:
            samples.append(stats["open"])
            await asyncio.sleep(0.5)

    await asyncio.gather(sample(), *(_trickle(host, port, until, stats) for _ in range(sockets)))
    samples.sort()
    del stats["open"]
    stats["open_unanswered_median"] = samples[len(samples) // 2] if samples else -1
    stats["open_unanswered_max"] = samples[-1] if samples else -1
    return stats


async def _trickle(host: str, port: int, until: float, stats: dict[str, int]) -> None:
    """One slowloris socket: an unfinished head, a header line a second; reconnect when dropped."""
    while time.monotonic() < until:
        writer: asyncio.StreamWriter | None = None
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port, local_addr=(ATTACKER, 0)), timeout=10
            )
            stats["connects"] += 1
            stats["open"] += 1
            writer.write(b"GET /api/snapshots HTTP/1.1\r\nHost: x\r\n")
            outcome = "held to the end"
            while time.monotonic() < until:
                try:
                    answer = await asyncio.wait_for(reader.read(65536), timeout=1.0)
                except TimeoutError:
                    writer.write(b"X-a: b\r\n")  # still unfinished
                    continue
                outcome = answer[9:12].decode("ascii", "replace") if answer else "closed"
                break
            stats["open"] -= 1
            stats[outcome] = stats.get(outcome, 0) + 1
        except (OSError, TimeoutError) as e:
            stats[type(e).__name__] = stats.get(type(e).__name__, 0) + 1
            await asyncio.sleep(0.1)
        finally:
            if writer is not None:
                writer.close()


def _attacker(host: str, port: int, sockets: int, seconds: float, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    _raise_fd_limit()
    out.put(asyncio.run(_attack_async(host, port, sockets, seconds)))


def _raise_fd_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=10_000)
    ap.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "solvent-slowloris-bench")
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--slow", type=int, default=2000, help="slow sockets the attacker keeps open")
    ap.add_argument("--seconds", type=float, default=15.0, help="each phase's length (bounded: at most 120)")
    ap.add_argument("--think-ms", type=float, default=0.0, help="mean pause per client; 0: back to back")
    ap.add_argument("serve_args", nargs="*", help="after --: extra `solvent serve` options")
    args = ap.parse_args()
    seconds = min(args.seconds, 120.0)
    global THINK_MS  # noqa: PLW0603 - one setting for every client coroutine
    THINK_MS = args.think_ms
    _raise_fd_limit()
    snapshot = build(args.workdir, args.accounts, write_ledger=write_ledger, log=lambda _line: None)
    import numpy as np

    raw = np.memmap(snapshot / "public" / "tree" / "ids.bin", dtype=np.uint8, mode="r").reshape(-1, 32)
    ids = [bytes(raw[i]).hex() for i in random.Random(5).sample(range(len(raw)), min(10_000, len(raw)))]
    process, host, port = start_server(snapshot, args.serve_args)
    report: dict[str, object] = {
        "accounts": args.accounts,
        "cpus": os.cpu_count(),
        "think_ms": args.think_ms,
        "serve_args": args.serve_args,
    }
    try:
        report["baseline"] = honest_load(host, port, ids, args.clients, seconds)
        report["peak_rss_mib_baseline"] = round(peak_rss_mib(process.pid), 1)
        ctx = multiprocessing.get_context("spawn")
        results: multiprocessing.Queue = ctx.Queue()  # type: ignore[type-arg]
        attacker = ctx.Process(target=_attacker, args=(host, port, args.slow, seconds + 10, results))
        attacker.start()
        try:
            # the attacker's sockets are opened first (a few seconds), then the customers come
            time.sleep(5)  # a benchmark's warm-up, not a test's timing
            report["under_attack"] = honest_load(host, port, ids, args.clients, seconds)
            report["attacker"] = results.get(timeout=seconds + 60)
        finally:
            attacker.join(timeout=30)
            if attacker.is_alive():
                attacker.kill()
        report["peak_rss_mib"] = round(peak_rss_mib(process.pid), 1)
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
