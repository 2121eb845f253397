"""Issue 9's promise to old snapshots, on the demo's own exchange: a v1 snapshot (built with
the v1 library builder, reserves on a real local chain bound into it) is still proved,
verified, audited and reported by the same code the demo uses for v2."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console

from solvent.demo.reserves import DemoReserves, prepare_demo_reserves
from solvent.demo.synthetic import DEMO_ASSETS, write_ledger
from solvent.pipeline.audit import audit_snapshot
from solvent.pipeline.build import BuildRequest, build_snapshot
from solvent.pipeline.lookup import open_proofs, proof_bytes
from solvent.pipeline.report import assess_snapshot, load_snapshot, opened_sources
from solvent.protocol.errors import VerificationError
from solvent.protocol.inclusion import verify_proof_bytes
from solvent.protocol.layout import public_dir, users_file
from solvent.protocol.manifest import Manifest as ManifestV1
from solvent.publish.keys import generate_keys
from solvent.report.render_json import report_to_dict
from solvent.report.render_text import print_report
from solvent.reserves.tokens import default_registry

pytestmark = pytest.mark.integration  # a real anvil node

EXCHANGE = "Demo Exchange"
SNAPSHOT_ID = "2026-11-23"
ACCOUNTS = 400


@pytest.fixture(scope="module")
def v1(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, int], DemoReserves]]:
    work = tmp_path_factory.mktemp("v1")
    ledger = work / "ledger.csv"
    totals = write_ledger(ledger, ACCOUNTS)  # the five dense assets, as demos before v2 wrote them
    keys = generate_keys(work / "keys")
    reserves = prepare_demo_reserves(
        work / "reserves",
        exchange=EXCHANGE,
        snapshot_id=SNAPSHOT_ID,
        assets=DEMO_ASSETS,
        liabilities=totals,
        signing_key=keys.signing_pub.read_text().strip(),
    )
    try:
        built = build_snapshot(
            BuildRequest(
                ledger=ledger,
                assets=DEMO_ASSETS,
                snapshot_id=SNAPSHOT_ID,
                master_key_file=keys.master_key,
                signing_key_file=keys.signing_key,
                out=work / "snapshot",
                exchange=EXCHANGE,
                reserves=reserves.reserves_json,
            )
        )
        yield built.out, totals, reserves
    finally:
        reserves.stop()


def test_a_v1_proof_still_verifies(v1: tuple[Path, dict[str, int], DemoReserves]) -> None:
    snapshot, _, _ = v1
    with open_proofs(snapshot) as proofs:
        assert proofs.version == 1
    uid, secret, hashed = pl.read_csv(users_file(snapshot), n_rows=1, schema_overrides={"uid": pl.String}).row(0)
    loaded = load_snapshot(snapshot)
    manifest = loaded.manifest
    assert isinstance(manifest, ManifestV1)
    data = proof_bytes(snapshot, hashed)
    result = verify_proof_bytes(data, manifest, uid=uid, user_secret=bytes.fromhex(secret))
    assert result.owner_checked and result.leaf.hashed_id.hex() == hashed
    with pytest.raises(VerificationError):
        verify_proof_bytes(data, manifest, uid=uid + "0", user_secret=bytes.fromhex(secret))


def test_a_v1_snapshot_still_audits(v1: tuple[Path, dict[str, int], DemoReserves]) -> None:
    snapshot, totals, _ = v1
    manifest = load_snapshot(snapshot).manifest
    assert isinstance(manifest, ManifestV1)
    assert audit_snapshot(public_dir(snapshot), manifest).totals == tuple(totals.values())


def test_a_v1_snapshot_still_reports(v1: tuple[Path, dict[str, int], DemoReserves]) -> None:
    snapshot, totals, reserves = v1
    loaded = load_snapshot(snapshot)
    assert loaded.attestation is not None
    with opened_sources(reserves.node_options) as sources:
        report = assess_snapshot(loaded, sources, tokens=default_registry(reserves.token_options))
    assert report.protocol == 1
    assert {line.symbol: line.liabilities for line in report.lines} == totals
    status = {line.symbol: line.status for line in report.lines}
    assert status == {"BTC": "DECLARED", "ETH": "PASS", "USDT": "PASS", "USDC": "PASS", "USD": "DECLARED"}
    d = report_to_dict(report)
    assert isinstance(loaded.manifest, ManifestV1)
    assert d["protocol"] == 1 and d["root_hash"] == loaded.manifest.root.hash.hex()
    buffer = io.StringIO()
    print_report(report, Console(file=buffer, width=200))
    assert "protocol:           v1" in buffer.getvalue()
    assert f"liabilities root:   {loaded.manifest.root.hash.hex()} ({ACCOUNTS} accounts)" in buffer.getvalue()
