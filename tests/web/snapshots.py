"""Demo snapshots for the web tests, built through the real pipeline (keys, ledger, build, reserves)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from solvent.pipeline.build import BuildRequest, build_snapshot
from solvent.protocol.amounts import format_units, parse_units
from solvent.protocol.assets import Asset, parse_asset_list
from solvent.publish.keys import generate_keys

ASSETS = parse_asset_list("BTC:8,ETH:8,USDT:8,USD:2")
EXCHANGE = "Demo Exchange"


@dataclass(frozen=True)
class Account:
    uid: str
    user_secret: str
    hashed_id: str
    balances: tuple[str, ...]


@dataclass(frozen=True)
class DemoSnapshot:
    directory: Path
    snapshot_id: str
    taken_at: str
    assets: tuple[Asset, ...]
    accounts: tuple[Account, ...]
    reserves: bool

    @property
    def public(self) -> Path:
        return self.directory / "public"


def _units(value: int, decimals: int) -> str:
    return format_units(value, decimals)


def ledger_rows(count: int, seed: int) -> list[tuple[str, tuple[str, ...]]]:
    """Deterministic balances in asset units; most accounts hold one or two assets."""
    rows = [("alice", ("1.50000000", "0.00000000", "2500.00000000", "100.25"))]
    x = seed
    for i in range(1, count):
        x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
        btc = (x >> 8) % 300_000_000 if i % 3 == 0 else 0
        eth = (x >> 16) % 4_000_000_000 if i % 4 == 1 else 0
        usdt = (x >> 24) % 1_000_000_000_000 if i % 2 == 0 else 0
        usd = (x >> 32) % 10_000_000 if i % 5 == 0 else 0
        rows.append((f"user-{i:05d}", tuple(_units(v, d) for v, d in ((btc, 8), (eth, 8), (usdt, 8), (usd, 2)))))
    return rows


def make_snapshot(
    workdir: Path,
    *,
    snapshot_id: str,
    taken_at: str,
    accounts: int = 40,
    seed: int = 7,
    reserves: Path | None = None,
    keys: Path | None = None,
) -> DemoSnapshot:
    workdir.mkdir(parents=True, exist_ok=True)
    keydir = keys or workdir / "keys"
    if not (keydir / "master.key").exists():
        generate_keys(keydir)
    ledger = workdir / f"ledger-{snapshot_id}.csv"
    rows = ledger_rows(accounts, seed)
    with ledger.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["uid", *(a.symbol for a in ASSETS)])
        w.writerows([uid, *balances] for uid, balances in rows)
    out = workdir / f"snapshot-{snapshot_id}"
    build_snapshot(
        BuildRequest(
            ledger=ledger,
            assets=ASSETS,
            snapshot_id=snapshot_id,
            master_key_file=keydir / "master.key",
            signing_key_file=keydir / "signing.key",
            out=out,
            exchange=EXCHANGE,
            taken_at=taken_at,
            reserves=reserves,
        )
    )
    balances = dict(rows)
    with (out / "private" / "users.csv").open() as f:
        users = [
            Account(r["uid"], r["user_secret"], r["hashed_id"], balances[r["uid"]]) for r in csv.DictReader(f)
        ]
    return DemoSnapshot(out, snapshot_id, taken_at, ASSETS, tuple(users), reserves is not None)


def liabilities(rows: list[tuple[str, tuple[str, ...]]]) -> dict[str, int]:
    """Per-asset totals in base units, for funding the demo reserves."""
    return {a.symbol: sum(parse_units(b[i], a.decimals) for _, b in rows) for i, a in enumerate(ASSETS)}
