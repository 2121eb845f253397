"""Reports of an exchange with 20 assets and very long amounts, made in memory (no files).

The amounts are the longest a report meets: near 2^127 base units, so 18-decimal amounts
of 40 characters and, with 0 or 2 decimals, 37 and 39 integer digits; statuses of all three
kinds.
"""

from __future__ import annotations

import hashlib

from solvent.protocol.assets import Asset
from solvent.protocol.manifest import Manifest, Root
from solvent.report.inputs import BalanceLine, OffchainLine, PinnedBlock, ReservesFacts, WalletLine
from solvent.report.solvency import SolvencyReport, assess

SYMBOLS = tuple(f"TOKEN{i:02d}" for i in range(20))
ASSETS = tuple(Asset(s, (18, 0, 8, 2)[i % 4]) for i, s in enumerate(SYMBOLS))
ADDRESS = "0x" + "ab" * 20
CONTRACT = "0x" + "cd" * 20


def _liabilities(i: int, day: int) -> int:
    return 2**127 - 7919 * i * day if i % 3 == 0 else (10**20 + 12345) * (i + 1) * day


def manifest(day: int) -> Manifest:
    sums = tuple(_liabilities(i, day) for i in range(len(ASSETS)))
    root = Root(hashlib.sha256(f"root {day}".encode()).digest(), sums, 20, 1_000_000)
    return Manifest(
        "Many Assets Exchange",
        f"2026-11-{day:02d}",
        f"2026-11-{day:02d}T00:00:00Z",
        ASSETS,
        root,
        {"liabilities.csv": hashlib.sha256(b"unused").hexdigest()},
    )


def _balance(asset: Asset, amount: int, counts_as: str) -> BalanceLine:
    published = {"asset": asset.symbol, "amount": str(amount), "source": "observed", "contract": CONTRACT}
    return BalanceLine(asset.symbol, amount, "observed", counts_as, CONTRACT, True, (), published)  # type: ignore[arg-type]


def reserves(day: int) -> ReservesFacts:
    """Every asset in one wallet (most observed, some declared) and an off-chain holding each."""
    balances = tuple(
        _balance(a, _liabilities(i, day) * (4 if i % 3 else 2) // 3 + i, "observed" if i % 4 else "declared")
        for i, a in enumerate(ASSETS)
    )
    wallet = WalletLine(
        chain="ethereum",
        address=ADDRESS,
        label="cold wallet 1",
        scheme="eip191",
        error=None,
        rechecked_by="ethereum node",
        balances=balances,
        block={"height": 21_000_000, "hash": "ee" * 32},
        block_time="2026-11-01T00:00:00Z",
        block_time_from="the node",
        key_bound=True,
        method="EIP-191 signature",
        timing="at the pinned block 21000000",
        chain_name="Ethereum",
    )
    offchain = []
    for i, a in enumerate(ASSETS):
        amount, custodian = _liabilities(i, day) // 4 + day, f"Custodian bank {i}"
        published = {"asset": a.symbol, "amount": str(amount), "custodian": custodian, "note": "fiat held in trust"}
        offchain.append(OffchainLine(a.symbol, amount, custodian, "fiat held in trust", published))
    return ReservesFacts(
        wallets=(wallet,),
        unrecognised_label="unrecognised token contract",
        offchain=tuple(offchain),
        pins=(PinnedBlock("ethereum", 21_000_000, "ee" * 32),),
        signing_key="11" * 32,
    )


def report(day: int) -> SolvencyReport:
    return assess(manifest(day), reserves(day), "checked with signing.pub")


def amounts(r: SolvencyReport) -> list[str]:
    """Every amount a report of ``r`` shows, as exact decimal text."""
    from solvent.protocol.amounts import format_signed_units, format_units

    out = []
    for line in r.lines:
        d = line.decimals
        out += [format_signed_units(v, d) for v in (line.liabilities, line.observed, line.declared, line.surplus)]
        out += [format_units(c.observed, d) for c in line.by_chain]
        out += [format_units(c.declared, d) for c in line.by_chain]
    assert r.reserves is not None
    decimals = {a.symbol: a.decimals for a in r.manifest.assets}
    out += [format_units(b.amount, decimals[b.asset]) for w in r.reserves.wallets for b in w.balances]
    out += [format_units(o.amount, decimals[o.asset]) for o in r.reserves.offchain]
    return out
