"""A synthetic exchange ledger: many accounts, skewed balances, many zeros. Integers only.

Two asset lists: :data:`EXCHANGE_ASSETS`, sixteen assets held as on a real exchange (most
accounts hold a stablecoin and BTC or ETH, a long tail holds rare tokens: about 2.3
holdings per account, the sparse ledger protocol v2 is made for), which the demo uses;
and :data:`DEMO_ASSETS`, the five dense assets of the liabilities benchmark (its ledger
stays byte for byte what it was, for figures comparable across releases).

Whether an account holds an asset is drawn independently per asset, with the asset's
share of holders.  A holder's balance has a geometrically distributed number of digits
(each further digit about a third as likely as the one before), then a uniformly random
value with that many digits: most balances are small and a few whales hold a large
share, as on a real exchange; most accounts hold nothing of most assets.  Every
amount is an integer of base units from the start and is written as exact decimal
text: no floating point is involved anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from solvent.columnar import u128
from solvent.columnar.decimal_text import format_limbs
from solvent.protocol.assets import Asset, parse_asset_list

__all__ = ["DEMO_ASSETS", "EXCHANGE_ASSETS", "EXCHANGE_PROFILES", "PROFILES", "Profile", "write_ledger"]

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
#: Every asset other than BTC and fiat is an ERC-20 token on Ethereum, so that the demo's
#: local chain can hold (and a verifier re-read) every reserve but Bitcoin's and the bank's.
EXCHANGE_ASSETS = parse_asset_list(
    "BTC:8,ETH:8,USDT:8,USDC:8,USD:2,DAI:8,LINK:8,SHIB:8,UNI:8,PEPE:8,ARB:8,AAVE:8,LDO:8,CRV:8,MKR:8,COMP:8"
)
#: Shares of holders from 70 % (USDT) down to 0.5 % (COMP); memecoin holders hold thousands to billions.
EXCHANGE_PROFILES: dict[str, Profile] = {
    "BTC": Profile(450, 3, 11),
    "ETH": Profile(400, 4, 12),
    "USDT": Profile(700, 8, 16),
    "USDC": Profile(300, 8, 16),
    "USD": Profile(150, 2, 10),
    "DAI": Profile(60, 8, 14),
    "LINK": Profile(40, 7, 13),
    "SHIB": Profile(35, 13, 18),
    "UNI": Profile(30, 7, 13),
    "PEPE": Profile(25, 14, 18),
    "ARB": Profile(20, 7, 13),
    "AAVE": Profile(15, 6, 12),
    "LDO": Profile(12, 7, 13),
    "CRV": Profile(10, 8, 14),
    "MKR": Profile(8, 5, 10),
    "COMP": Profile(5, 6, 11),
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
    path: Path,
    accounts: int,
    assets: Sequence[Asset] = DEMO_ASSETS,
    *,
    profiles: Mapping[str, Profile] = PROFILES,
    seed: int = 20261123,
) -> dict[str, int]:
    """Write a wide ledger CSV (``uid,<ASSET>...``) of ``accounts`` rows; return each asset's
    total in base units (what the snapshot's roots will say), summed as the rows are made.
    ``profiles`` gives each asset's holders and balances (others: a default profile)."""
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
                units = _balances(rng, k, profiles.get(asset.symbol, _DEFAULT))
                limbs = np.stack([np.zeros(k, dtype=np.uint64), units], axis=-1)
                totals[asset.symbol] += u128.total(limbs.reshape(k, 1, 2))[0]
                columns.append(format_limbs(limbs, asset.decimals).alias(asset.symbol))
            pl.DataFrame(columns).write_csv(f, include_header=False, line_terminator="\n")
    return totals
