"""``run_demo`` end to end in protocol v2: reserves on five chains, a sparse sixteen-asset ledger,
one customer's proof checked against the ledger itself, the audit and the report."""

from __future__ import annotations

import polars as pl
import pytest

from solvent.demo import run as demo_run
from solvent.demo.synthetic import EXCHANGE_ASSETS, EXCHANGE_PROFILES, write_ledger
from solvent.protocol.amounts import parse_units
from solvent.protocol.v2.manifest import Manifest as ManifestV2
from solvent.report.solvency import liabilities_by_asset

pytestmark = pytest.mark.integration  # real anvil nodes

ACCOUNTS = 1500


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> demo_run.DemoRun:
    return demo_run.run_demo(tmp_path_factory.mktemp("demo") / "out", accounts=ACCOUNTS)


def _ledger(run: demo_run.DemoRun) -> pl.DataFrame:
    return pl.read_csv(run.workdir / "ledger.csv", infer_schema=False)


def _units(text: str, decimals: int) -> int:
    return parse_units(text, decimals)


def test_the_snapshot_is_v2_and_sparse(demo: demo_run.DemoRun) -> None:
    manifest = demo.build.manifest
    assert isinstance(manifest, ManifestV2)
    assert [t.asset for t in manifest.trees] == list(EXCHANGE_ASSETS) and len(manifest.trees) >= 12
    holdings = sum(t.root.leaf_count for t in manifest.trees)
    # a real exchange's shape: about 2.3 holdings per account, not one per asset
    assert ACCOUNTS < holdings < 4 * ACCOUNTS
    counts = {t.symbol: t.root.leaf_count for t in manifest.trees}
    assert counts["USDT"] > ACCOUNTS // 2 and counts["COMP"] < ACCOUNTS // 50  # skewed: a long tail
    # every tree over exactly the accounts holding the asset, as the ledger says
    ledger = _ledger(demo)
    for asset in EXCHANGE_ASSETS:
        held = sum(1 for text in ledger[asset.symbol] if _units(text, asset.decimals) > 0)
        assert counts[asset.symbol] == held, asset.symbol
    assert manifest.accounts == sum(
        1 for row in ledger.drop("uid").iter_rows() if any(_units(t, a.decimals) for t, a in zip(row, EXCHANGE_ASSETS))
    )


def test_the_customers_proof_shows_every_holding_from_the_ledger(demo: demo_run.DemoRun) -> None:
    inclusion = demo.inclusion
    assert inclusion.anchored and inclusion.owner_checked
    proof = inclusion.proof
    assert proof.hashed_id.hex() == demo.customer_id
    assert demo.proof_file.read_bytes() == proof.to_json()
    row = _ledger(demo).filter(pl.col("uid") == demo.customer_uid).row(0, named=True)
    held = {a.symbol: _units(row[a.symbol], a.decimals) for a in EXCHANGE_ASSETS if _units(row[a.symbol], a.decimals)}
    assert {e.symbol: e.amount for e in proof.entries} == held
    assert len(held) >= 2  # the demo shows a customer with several asset trees


def test_the_report_sets_each_trees_total_against_reserves_on_the_chain(demo: demo_run.DemoRun) -> None:
    report = demo.report
    assert report is not None and report.protocol == 2
    totals = write_ledger(demo.workdir / "again.csv", ACCOUNTS, EXCHANGE_ASSETS, profiles=EXCHANGE_PROFILES)
    assert {line.symbol: line.liabilities for line in report.lines} == totals
    assert liabilities_by_asset(demo.build.manifest) == tuple(totals.values())
    status = {line.symbol: line.status for line in report.lines}
    # BTC is declared (no Bitcoin node here), USD is a bank balance; every ERC-20 and ETH re-read
    assert status.pop("BTC") == "DECLARED" and status.pop("USD") == "DECLARED"
    assert set(status.values()) == {"PASS"}


def _wallets(demo: demo_run.DemoRun) -> dict[str, list]:
    assert demo.report is not None and demo.report.reserves is not None
    by_chain: dict[str, list] = {}
    for w in demo.report.reserves.wallets:
        by_chain.setdefault(w.chain, []).append(w)
    return by_chain


def test_the_reserves_are_on_five_chains_and_every_wallet_kind_is_valid(demo: demo_run.DemoRun) -> None:
    by_chain = _wallets(demo)
    assert list(by_chain) == ["ethereum", "polygon", "bitcoin", "tron", "solana"]
    wallets = [w for ws in by_chain.values() for w in ws]
    assert all(w.ok for w in wallets), [(w.label, w.error) for w in wallets if not w.ok]
    assert all(w.key_bound for w in wallets)
    methods = {w.label: w.method for w in wallets}
    assert methods["bitcoin cold (2-of-3 P2WSH multisig)"] == "2-of-3 P2WSH multisig, one signature per key"
    assert methods["polygon 2-of-3 Safe"] == "2-of-3 Safe, one EIP-191 signature per owner"
    assert methods["tron cold (TRC-20 USDT)"] == "TIP-191 v2 signature"
    assert {w.scheme for w in wallets} == {
        "eip191",
        "safe",
        "multisig",
        "bip322-simple",
        "bip137",
        "tip191-v2",
        "solana-offchain",
    }
    (multisig,) = [w for w in by_chain["bitcoin"] if w.scheme == "multisig"]
    assert [b.counts_as for b in multisig.balances] == ["declared"]  # no Bitcoin node here
    # Ethereum and Polygon are read at the pinned block; the Safe holds the demo's USDC on Polygon
    (safe,) = by_chain["polygon"]
    assert [(b.asset, b.counts_as, b.recognised) for b in safe.balances] == [("USDC", "observed", True)]
    assert safe.timing.startswith("at the pinned block")
    assert all(w.timing.startswith("at the pinned block") for w in by_chain["ethereum"])


def test_tron_and_solana_balances_count_as_observed_at_their_latest_block(demo: demo_run.DemoRun) -> None:
    by_chain = _wallets(demo)
    (tron,) = by_chain["tron"]
    (solana,) = by_chain["solana"]
    for wallet, asset, contract in (
        (tron, "USDT", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"),
        (solana, "USDC", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"),
    ):
        assert wallet.observed is not None
        height = wallet.observed["height"]
        assert wallet.timing == f"observed at block {height} (latest), not at the pinned block"
        assert height > wallet.block["height"]  # pinned earlier, read later: the reading is not the pin's
        (balance,) = wallet.balances
        # the real contract, recognised by the built-in registry (no --token for it)
        assert (balance.asset, balance.contract, balance.recognised) == (asset, contract, True)
        assert balance.counts_as == "observed" and balance.amount > 0
        assert wallet.rechecked_by is not None


def test_split_stablecoins_add_up_across_chains(demo: demo_run.DemoRun) -> None:
    """USDT on Ethereum and Tron, USDC on Ethereum, the Polygon Safe and Solana: each asset's
    reserves are its liabilities plus 5 %, wherever they are held."""
    assert demo.report is not None and demo.report.reserves is not None
    held: dict[tuple[str, str], int] = {}
    for w in demo.report.reserves.wallets:
        for b in w.balances:
            if b.counts_as == "observed":
                held[b.asset, w.chain] = held.get((b.asset, w.chain), 0) + b.amount
    lines = {line.symbol: line for line in demo.report.lines}
    for symbol, chains in (("USDT", {"ethereum", "tron"}), ("USDC", {"ethereum", "polygon", "solana"})):
        assert {c for (s, c) in held if s == symbol} == chains
        total = sum(v for (s, _), v in held.items() if s == symbol)
        liabilities = lines[symbol].liabilities
        assert total >= liabilities + liabilities // 20 and total - (liabilities + liabilities // 20) < 100


def test_the_audit_rebuilt_every_tree_and_counted_the_accounts(demo: demo_run.DemoRun) -> None:
    audit = demo.audit
    assert audit.version == 2 and not audit.partial
    assert audit.accounts == demo.build.manifest.accounts
    assert [v.symbol for v in audit.assets] == [a.symbol for a in EXCHANGE_ASSETS]
    totals = write_ledger(demo.workdir / "again.csv", ACCOUNTS, EXCHANGE_ASSETS, profiles=EXCHANGE_PROFILES)
    assert demo.audit.totals == tuple(totals.values())
