"""Rendering: terminal, JSON and HTML; every output states what a proof of reserves cannot show (R5)."""

from __future__ import annotations

import dataclasses
import io
import json
import re
import secrets
from pathlib import Path

import pytest
from rich.console import Console
from rich.errors import MarkupError

from solvent.pipeline.report import assess, load_snapshot
from solvent.protocol.assets import parse_asset_list
from solvent.report.render_text import print_report
from solvent.report.solvency import LIMITATIONS
from solvent.reserves.attest import attest
from solvent.reserves.recheck import check_attestation
from tests.cli_invoke import invoke
from tests.report.fixtures import SCENARIO_ASSETS, declared_attestation
from tests.reserves.helpers import write_snapshot
from tests.reserves.scenario import EXCHANGE, SIGNING_KEY, make_scenario

pytestmark = pytest.mark.integration  # runs the CLI
ASSETS = parse_asset_list(SCENARIO_ASSETS)


def two_snapshots(tmp_path: Path) -> list[Path]:
    out = []
    for day, eth_liab in (("2026-11-23", 300_000_000), ("2026-11-24", 400_000_000)):
        att = declared_attestation(day)
        out.append(
            write_snapshot(
                tmp_path / day,
                exchange="Test Exchange",
                snapshot_id=day,
                assets=ASSETS,
                liabilities={"BTC": 100, "ETH": eth_liab, "USDT": 10**9, "USD": 5},
                reserves=att.to_json(),
                taken_at=f"{day}T00:00:00Z",
            )
        )
    return out


@pytest.mark.parametrize("fmt", ["text", "json", "html"])
def test_r5_every_output_carries_the_limitations(tmp_path: Path, fmt: str) -> None:
    dirs = two_snapshots(tmp_path)
    html = tmp_path / "report.html"
    args = ["report", *map(str, dirs), "--html", str(html)] + (["--json"] if fmt == "json" else [])
    result = invoke(args)
    text = {"text": result.stdout, "json": result.stdout, "html": html.read_text() if html.exists() else ""}[fmt]
    for sentence in ("borrowed funds", "off-chain liabilities", "encumbered assets"):
        assert sentence in text
    assert result.exit_code == 1  # declared-only reserves: not a pass by default


def test_allow_declared_and_json_figures(tmp_path: Path) -> None:
    dirs = two_snapshots(tmp_path)
    result = invoke(["report", *map(str, dirs), "--json", "--allow-declared"])
    doc = json.loads(result.stdout)
    assert [s["passed"] for s in doc["snapshots"]] == [True, False]
    assert result.exit_code == 1  # the second snapshot fails even when declared amounts are accepted
    assert [s["snapshot_id"] for s in doc["snapshots"]] == ["2026-11-23", "2026-11-24"]
    eth = [next(a for a in s["assets"] if a["asset"] == "ETH") for s in doc["snapshots"]]
    # declared ETH is 1.5 + 2 = 3.5 ETH = 350000000 base units
    assert [(a["declared_onchain"], a["status"], a["ratio_with_declared"]) for a in eth] == [
        ("350000000", "DECLARED", "116.66%"),
        ("350000000", "FAIL", "87.50%"),
    ]
    assert all(s["limitations"] == list(LIMITATIONS) for s in doc["snapshots"])


def test_html_is_static_and_self_contained(tmp_path: Path) -> None:
    dirs = two_snapshots(tmp_path)
    html = tmp_path / "r.html"
    invoke(["report", *map(str, dirs), "--html", str(html)])
    page = html.read_text()
    assert "<script" not in page.lower()
    assert not re.search(r"(src|href)=\"https?:", page)
    assert page.count('src="data:image/svg+xml;base64,') == 3  # one per snapshot and the ratio over time
    assert "Reserve ratio over time" in page


def test_exchange_name_is_escaped_in_html(tmp_path: Path) -> None:
    att = dataclasses.replace(declared_attestation(), exchange="<b>Evil</b>")
    d = write_snapshot(
        tmp_path / "s",
        exchange="<b>Evil</b>",
        snapshot_id="2026-11-23",
        assets=ASSETS,
        liabilities={},
        reserves=att.to_json(),
    )
    html = tmp_path / "r.html"
    invoke(["report", str(d), "--html", str(html)])
    assert "<b>Evil</b>" not in html.read_text()
    assert "&lt;b&gt;Evil&lt;/b&gt;" in html.read_text()


# --- exchange-controlled text is never markup (review finding 4) ------------------------------------

HOSTILE_EXCHANGE = "[/x] Evil [link=https://evil.example]Exchange[/link]"
HOSTILE = {
    "label": "[link=https://evil.example]cold[/link] [bold green]valid[/]",
    "custodian": "[/] Bank",
    "note": "[red]audited[/red]",
    "signature": "[/x][link=https://evil.example]sig[/link]",
}


def hostile_snapshot(tmp_path: Path) -> Path:
    keys = {n: secrets.token_bytes(32) for n in ("eth1", "eth2", "btc_wpkh", "btc_tr", "btc_pkh", "other")}
    sc = make_scenario(keys, eth_declared=True)
    sc.toml = sc.toml.replace(f'exchange = "{EXCHANGE}"', f'exchange = "{HOSTILE_EXCHANGE}"')
    att = attest(sc.declaration(), sc.signatures(exchange=HOSTILE_EXCHANGE), {}, signing_key=SIGNING_KEY)
    doc = json.loads(att.to_json())
    doc["wallets"][0]["label"] = HOSTILE["label"]
    doc["wallets"][1]["label"] = "[/x]"
    doc["wallets"][2]["signature"] = HOSTILE["signature"]  # fails, and its evidence quotes the text
    doc["offchain"][0].update(custodian=HOSTILE["custodian"], note=HOSTILE["note"])
    return write_snapshot(
        tmp_path / "hostile",
        exchange=HOSTILE_EXCHANGE,
        snapshot_id="2026-11-23",
        assets=ASSETS,
        liabilities={},
        reserves=json.dumps(doc, indent=2).encode() + b"\n",
    )


def test_control_rich_markup_is_what_the_hostile_text_attacks() -> None:
    with pytest.raises(MarkupError):
        Console(file=io.StringIO()).print("[/x]")
    out = io.StringIO()
    Console(file=out, force_terminal=True).print(HOSTILE["label"])
    assert "\x1b]8;" in out.getvalue()  # an OSC 8 hyperlink the exchange chose


def test_hostile_text_is_printed_literally(tmp_path: Path) -> None:
    loaded = load_snapshot(hostile_snapshot(tmp_path))
    check = check_attestation(loaded.attestation, taken_at=loaded.manifest.taken_at, signing_key=SIGNING_KEY)
    report = assess(loaded.manifest, check)
    out = io.StringIO()
    print_report(report, Console(file=out, force_terminal=True, width=400))
    raw = out.getvalue()
    assert "\x1b]8;" not in raw  # no hyperlink
    plain = re.sub(r"\x1b\[[0-9;]*m", "", raw)
    for text in (HOSTILE_EXCHANGE, "[/x]", *HOSTILE.values()):
        assert text in plain


def test_hostile_text_through_the_cli(tmp_path: Path) -> None:
    snap = hostile_snapshot(tmp_path)
    result = invoke(["report", str(snap)])
    assert result.exit_code == 1  # a forged signature: invalid, not a crash
    assert "Traceback" not in result.stdout + result.stderr
    # (an exception escaping the command would have propagated out of invoke and failed the test)
    assert "INVALID wallet" in result.stdout
    html = tmp_path / "r.html"
    invoke(["report", str(snap), "--html", str(html)])
    assert 'href="https://evil.example"' not in html.read_text()
