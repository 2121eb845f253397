"""Hand-made re-checked reserves with every kind of wallet, as the report's plain inputs.

The report renders what :mod:`solvent.pipeline.report` fills in; building the plain values
directly lets the renderers be tested on every wallet kind (Bitcoin multisig, Safe,
ERC-1271 not checked, Tron read at its latest block, declared) without a node per chain.
"""

from __future__ import annotations

from solvent.protocol.assets import parse_asset_list
from solvent.protocol.manifest import Manifest
from solvent.protocol.proof import Root
from solvent.report import solvency
from solvent.report.inputs import BalanceLine, Counted, OffchainLine, PinnedBlock, ReservesFacts, WalletLine
from solvent.report.solvency import SolvencyReport

TAKEN_AT = "2026-11-23T00:00:00Z"
LATEST = "observed at block 77000123 (latest), not at the pinned block"
USDT_ETH = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
USDT_TRON = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"

MULTISIG = "bc1qwqdg6squsna38e46795at95yu9atm8azzmyvckulcc7kytlcckxswvvzej"
SAFE = "0x1111111111111111111111111111111111111111"
ERC1271 = "0x2222222222222222222222222222222222222222"
TRON = "TJCnKsPa7y5okkXvQAidZBzqx3QyQ6sxMW"
DECLARED = "0x3333333333333333333333333333333333333333"


def _b(
    asset: str,
    amount: int,
    counts: Counted,
    *,
    claimed: Counted = "observed",
    notes: tuple[str, ...] = (),
    contract: str | None = None,
) -> BalanceLine:
    # as reserves.json publishes it (the JSON report repeats it)
    published = {
        "asset": asset,
        "contract": contract,
        "chain_decimals": 8,
        "chain_amount": str(amount),
        "amount": str(amount),
        "source": claimed,
    }
    return BalanceLine(asset, amount, claimed, counts, contract, None if contract is None else True, notes, published)


def wallets() -> tuple[WalletLine, ...]:
    block = {"height": 900000, "hash": "00" * 32}
    return (
        WalletLine(
            "bitcoin",
            MULTISIG,
            "cold vault",
            "multisig",
            None,
            "node bitcoin",
            (_b("BTC", 150_000_000, "observed"),),
            block=block,
            block_time="2026-11-22T23:50:00Z",
            block_time_from="node bitcoin",
            key_bound=True,
            method="2-of-3 P2WSH multisig, one signature per key",
            timing="at the pinned block 900000",
            chain_name="Bitcoin",
        ),
        WalletLine(
            "ethereum",
            SAFE,
            "treasury safe",
            "safe",
            None,
            "node ethereum",
            (_b("ETH", 300_000_000, "observed"), _b("USDT", 1_000_000_000, "observed", contract=USDT_ETH)),
            block={"height": 21000000, "hash": "0x" + "ab" * 32},
            key_bound=True,
            method="2-of-3 Safe, one EIP-191 signature per owner",
            timing="at the pinned block 21000000",
            chain_name="Ethereum",
        ),
        WalletLine(
            "bsc",
            ERC1271,
            "contract wallet",
            "erc1271",
            None,
            None,
            (_b("ETH", 50_000_000, "declared", notes=("not re-read",)),),
            block={"height": 44000000, "hash": "0x" + "cd" * 32},
            key_bound=True,
            method="ERC-1271 contract signature",
            ownership_checked=False,
            ownership_note="ERC-1271 ownership is checked on chain: not checked without a node",
            timing="at the pinned block 44000000",
            chain_name="BNB Smart Chain",
        ),
        WalletLine(
            "tron",
            TRON,
            "tron cold",
            "tip191",
            None,
            "node tron",
            (_b("USDT", 2_500_000_000, "observed", notes=(LATEST,), contract=USDT_TRON),),
            block={"height": 77000000, "hash": "00" * 32},
            key_bound=True,
            method="TIP-191 v2 signature",
            timing=LATEST,
            observed={"height": 77000123, "hash": "11" * 32, "time": "2026-11-23T00:05:00Z"},
            chain_name="Tron",
        ),
        WalletLine(
            "ethereum",
            DECLARED,
            "declared only",
            "eip191",
            None,
            None,
            (_b("ETH", 25_000_000, "declared", claimed="declared"),),
            block={"height": 21000000, "hash": "0x" + "ab" * 32},
            key_bound=True,
            method="EIP-191 signature",
            timing="declared",
            chain_name="Ethereum",
        ),
    )


def facts() -> ReservesFacts:
    return ReservesFacts(
        wallets=wallets(),
        unrecognised_label="unrecognised token contract",
        offchain=(
            OffchainLine(
                "USD", 7000, "a bank", "", {"asset": "USD", "amount": "7000", "custodian": "a bank", "note": ""}
            ),
        ),
        pins=(
            PinnedBlock("bitcoin", 900000, "00" * 32),
            PinnedBlock("ethereum", 21000000, "0x" + "ab" * 32),
            PinnedBlock("bsc", 44000000, "0x" + "cd" * 32),
            PinnedBlock("tron", 77000000, "00" * 32),
        ),
        taken_at=TAKEN_AT,
        max_age=86400,
        max_lead=3600,
        max_age_text="1 day",
        max_lead_text="1 hour",
        attestation_format="solvent-reserves/3",
        signing_key="ab" * 32,
    )


def report(sums: tuple[int, ...] = (150_000_000, 350_000_000, 3_000_000_000, 7000)) -> SolvencyReport:
    """BTC 1.5 owed, ETH 3.5, USDT 30, USD 70.00 (or ``sums``): the reserves above against them."""
    assets = parse_asset_list("BTC:8,ETH:8,USDT:8,USD:2")
    manifest = Manifest("Test Exchange", "2026-11-23", TAKEN_AT, assets, Root(b"\x01" * 32, sums, 3, 6), {})
    return solvency.assess(manifest, facts(), "checked with the key beside it")
