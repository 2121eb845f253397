"""``run_demo`` end to end in protocol v2: a real local chain, a sparse sixteen-asset ledger,
one customer's proof checked against the ledger itself, the audit and the report."""

from __future__ import annotations

import polars as pl
import pytest

from solvent.demo import run as demo_run
from solvent.demo.synthetic import EXCHANGE_ASSETS, EXCHANGE_PROFILES, write_ledger
from solvent.protocol.amounts import parse_units
from solvent.protocol.v2.manifest import Manifest as ManifestV2
from solvent.report.solvency import liabilities_by_asset

pytestmark = pytest.mark.integration  # a real anvil node

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


def test_the_audit_rebuilt_every_tree_and_counted_the_accounts(demo: demo_run.DemoRun) -> None:
    audit = demo.audit
    assert audit.version == 2 and not audit.partial
    assert audit.accounts == demo.build.manifest.accounts
    assert [v.symbol for v in audit.assets] == [a.symbol for a in EXCHANGE_ASSETS]
    totals = write_ledger(demo.workdir / "again.csv", ACCOUNTS, EXCHANGE_ASSETS, profiles=EXCHANGE_PROFILES)
    assert demo.audit.totals == tuple(totals.values())
