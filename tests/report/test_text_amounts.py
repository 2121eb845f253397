"""The terminal report never folds an amount: an 18-decimal balance split over two lines reads
as another number on its first line ("123...679.1234567890123456" over "79")."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from solvent.pipeline.build import BuildRequest
from solvent.pipeline.build_v2 import build_snapshot_v2
from solvent.pipeline.report import assess_snapshot, load_snapshot
from solvent.protocol.assets import parse_asset_list
from solvent.report.render_text import print_report
from tests.reserves.scenario import write_keys

BIG = "123456789012345679.123456789012345679"


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("amounts")
    ledger = folder / "ledger.csv"
    ledger.write_text("uid,ETH,BTC\nalice,123456789012345678.123456789012345678,1\nbob,1.000000000000000001,2\n")
    keys = write_keys(folder / "keys")
    request = BuildRequest(
        ledger=ledger, assets=parse_asset_list("ETH:18,BTC:8"), snapshot_id="s18",
        master_key_file=keys.master_key, signing_key_file=keys.signing_key, out=folder / "snap",
        exchange="Ex", taken_at="2026-11-23T00:00:00Z",
    )
    build_snapshot_v2(request, workers=1)
    return request.out


@pytest.mark.parametrize("width", [60, 80, 160])
def test_an_18_decimal_amount_is_printed_whole_on_one_line(snapshot: Path, width: int) -> None:
    buffer = io.StringIO()
    print_report(assess_snapshot(load_snapshot(snapshot)), Console(file=buffer, width=width))
    text = buffer.getvalue()
    eth = next(line for line in text.splitlines() if line.startswith("│ ETH"))
    cells = [c.strip() for c in eth.split("│")[1:-1]]
    assert cells[0] == "ETH" and cells[1] == BIG and cells[5] == "-" + BIG and cells[-1] == "FAIL"
    btc = next(line for line in text.splitlines() if line.startswith("│ BTC"))
    assert [c.strip() for c in btc.split("│")[1:-1]][1] == "3.00000000"
