"""A synthetic exchange ledger: many accounts, skewed balances, many zeros. Integers only.

A holder's balance has a geometrically distributed number of digits (each further
digit about a third as likely as the one before), then a uniformly random value with
that many digits: most balances are small and a few whales hold a large share, as on
a real exchange; most accounts hold nothing of most assets.  Every
amount is an integer of base units from the start and is written as exact decimal
text: no floating point is involved anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from solvent.columnar import u128
from solvent.columnar.decimal_text import format_limbs
from solvent.protocol.assets import Asset, parse_asset_list

__all__ = ["DEMO_ASSETS", "PROFILES", "Profile", "write_ledger"]

DEMO_ASSETS = parse_asset_list("BTC:8,ETH:8,USDT:8,USDC:8,USD:2")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Profile:
    """Per mille of accounts holding the asset, and the range of a holder's balance in
    base-unit digits (``min_digits`` to ``max_digits``)."""

    holders_per_mille: int
    min_digits: int
    max_digits: int


#: Holders' balances: BTC 0.000001-1,000, ETH 0.00001-10,000, stablecoins 0.1-100,000,000,
#: USD 0.1-100,000,000; about 6,000 BTC of liabilities per 100,000 accounts.
PROFILES: dict[str, Profile] = {
    "BTC": Profile(350, 3, 11),
    "ETH": Profile(300, 4, 12),
    "USDT": Profile(600, 8, 16),
    "USDC": Profile(300, 8, 16),
    "USD": Profile(500, 2, 10),
}
_DEFAULT = Profile(200, 1, 10)
#: Probability that a balance stops at each further digit (a probability, not money).
_STOP = 0.65


def _balances(rng: np.random.Generator, k: int, profile: Profile) -> np.ndarray:
    extra = np.minimum(rng.geometric(_STOP, k) - 1, profile.max_digits - profile.min_digits)
    digits = profile.min_digits + extra
    low = (10 ** (digits - 1)).astype(np.uint64)
    high = (10**digits).astype(np.uint64)
    units = rng.integers(low, high, dtype=np.uint64)
    units[rng.integers(0, 1000, k) >= profile.holders_per_mille] = 0
    return units


def write_ledger(
    path: Path, accounts: int, assets: Sequence[Asset] = DEMO_ASSETS, *, seed: int = 20261123
) -> dict[str, int]:
    """Write a wide ledger CSV (``uid,<ASSET>...``) of ``accounts`` rows; return each asset's
    total in base units (what the snapshot's root will say), summed as the rows are made."""
    totals = dict.fromkeys((a.symbol for a in assets), 0)
    if accounts < 1:
        raise ValueError("a ledger needs at least one account")
    rng = np.random.default_rng(seed)
    # Distinct 9- and 10-digit account numbers in random order, like an exchange's uids.
    uid_numbers = rng.permutation(accounts).astype(np.int64) * 7 + 100_000_000
    with path.open("wb") as f:
        f.write(("uid," + ",".join(a.symbol for a in assets) + "\n").encode("ascii"))
        for start in range(0, accounts, _CHUNK):
            k = min(_CHUNK, accounts - start)
            columns = [pl.Series("uid", uid_numbers[start : start + k]).cast(pl.String)]
            for asset in assets:
                units = _balances(rng, k, PROFILES.get(asset.symbol, _DEFAULT))
                limbs = np.stack([np.zeros(k, dtype=np.uint64), units], axis=-1)
                totals[asset.symbol] += u128.total(limbs.reshape(k, 1, 2))[0]
                columns.append(format_limbs(limbs, asset.decimals).alias(asset.symbol))
            pl.DataFrame(columns).write_csv(f, include_header=False, line_terminator="\n")
    return totals
