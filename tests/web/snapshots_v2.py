"""A v2 snapshot for the web tests (one tree per asset), built through the real v2 pipeline.

Five assets; ``alice`` holds two of them (BTC and USDT), ``whale`` holds four, and nobody
holds DOGE (an empty tree). The other accounts hold one to three assets, deterministically.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from solvent.pipeline.build import BuildRequest
from solvent.pipeline.build_v2 import build_snapshot_v2
from solvent.protocol.amounts import format_units
from solvent.protocol.assets import Asset, parse_asset_list
from solvent.publish.keys import generate_keys

ASSETS_V2 = parse_asset_list("BTC:8,ETH:18,USDT:6,JPY:0,DOGE:8")
EXCHANGE_V2 = "Demo Exchange"


@dataclass(frozen=True)
class AccountV2:
    uid: str
    user_secret: str
    hashed_id: str
    #: Base units per symbol, held assets only (no zero).
    holdings: dict[str, int]


@dataclass(frozen=True)
class SnapshotV2:
    directory: Path
    snapshot_id: str
    assets: tuple[Asset, ...]
    accounts: tuple[AccountV2, ...]

    @property
    def public(self) -> Path:
        return self.directory / "public"

    def account(self, uid: str) -> AccountV2:
        return next(a for a in self.accounts if a.uid == uid)


def ledger_v2(count: int, seed: int) -> dict[str, dict[str, int]]:
    """uid -> {symbol: base units}: alice holds BTC and USDT, whale four assets, nobody DOGE."""
    rows: dict[str, dict[str, int]] = {
        "alice": {"BTC": 150_000_000, "USDT": 2_500_000_000},
        "whale": {"BTC": 2_100_000_000_000_000, "ETH": 10**24, "USDT": 7, "JPY": 98_765_432_109},
    }
    x = seed
    for i in range(2, count):
        x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
        held = {"BTC": 1 + (x >> 8) % 300_000_000, "ETH": 1 + (x >> 16) % 4 * 10**18, "USDT": 1 + (x >> 24) % 10**9}
        held["JPY"] = 1 + (x >> 32) % 10**7
        picks = [s for k, s in enumerate(("BTC", "ETH", "USDT", "JPY")) if (i >> k) & 1 or (i % 4 == k)]
        rows[f"user-{i:05d}"] = {s: held[s] for s in picks[:3]}
    return rows


def liabilities_v2(rows: dict[str, dict[str, int]]) -> dict[str, int]:
    """Per-asset totals in base units, for funding the demo reserves."""
    return {a.symbol: sum(held.get(a.symbol, 0) for held in rows.values()) for a in ASSETS_V2}


def make_snapshot_v2(
    workdir: Path,
    *,
    snapshot_id: str,
    taken_at: str,
    accounts: int = 40,
    seed: int = 5,
    reserves: Path | None = None,
    assets: tuple[Asset, ...] = ASSETS_V2,
    rows: dict[str, dict[str, int]] | None = None,
) -> SnapshotV2:
    """``assets`` and ``rows`` (uid -> {symbol: base units}) default to :data:`ASSETS_V2` and
    :func:`ledger_v2` (``accounts``, ``seed``)."""
    workdir.mkdir(parents=True, exist_ok=True)
    keydir = workdir / "keys"
    if not (keydir / "master.key").exists():
        generate_keys(keydir)
    if rows is None:
        rows = ledger_v2(accounts, seed)
    ledger = workdir / f"ledger-{snapshot_id}.csv"
    with ledger.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["uid", *(a.symbol for a in assets)])
        for uid, held in rows.items():
            w.writerow([uid, *(format_units(held.get(a.symbol, 0), a.decimals) for a in assets)])
    out = workdir / f"snapshot-{snapshot_id}"
    build_snapshot_v2(
        BuildRequest(
            ledger=ledger,
            assets=assets,
            snapshot_id=snapshot_id,
            master_key_file=keydir / "master.key",
            signing_key_file=keydir / "signing.key",
            out=out,
            exchange=EXCHANGE_V2,
            taken_at=taken_at,
            reserves=reserves,
        ),
        workers=1,
    )
    with (out / "private" / "users.csv").open() as f:
        users = tuple(AccountV2(r["uid"], r["user_secret"], r["hashed_id"], rows[r["uid"]]) for r in csv.DictReader(f))
    return SnapshotV2(out, snapshot_id, assets, users)


#: Twenty assets, as a mid-sized exchange lists them: long names, 0 to 18 decimals.
ASSETS_WIDE = parse_asset_list(
    "BTC:8,ETH:18,USDT:6,USDC:6,BNB:18,XRP:6,SOL:9,ADA:6,DOGE:8,TRX:6,"
    "DOT:10,MATIC:18,LTC:8,SHIB:18,AVAX:18,LINK:18,XLM:7,ATOM:6,JPY:0,WRAPPED-STETH:18"
)


def ledger_wide(count: int = 60, seed: int = 11) -> dict[str, dict[str, int]]:
    """uid -> {symbol: base units} over :data:`ASSETS_WIDE`: ``alice`` holds three assets, one
    with a long fraction; ``whale`` holds every asset but LINK in amounts with many digits;
    nobody holds LINK (an empty tree)."""
    rows: dict[str, dict[str, int]] = {
        "alice": {"BTC": 150_000_000, "USDT": 2_500_000_000, "ETH": 963_651_612_221_294_360_000_000_000},
        "whale": {
            a.symbol: 10 ** (a.decimals + 9) + 123_456_789 * 10 ** max(a.decimals - 3, 0)
            for a in ASSETS_WIDE
            if a.symbol != "LINK"
        },
    }
    x = seed
    symbols = [a.symbol for a in ASSETS_WIDE if a.symbol != "LINK"]
    for i in range(2, count):
        x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
        held = {symbols[(x >> (8 * k)) % len(symbols)] for k in range(1 + i % 3)}
        rows[f"user-{i:05d}"] = {s: 1 + (x >> 16) % 10**12 for s in sorted(held)}
    return rows
