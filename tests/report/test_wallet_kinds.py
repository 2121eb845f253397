"""Every wallet kind in the three reports: how ownership was checked, how balances were read,
and each asset's reserves per chain.

A balance read at a chain's latest block (Tron, Solana keep no history) is always said to
be "observed at block N (latest), not at the pinned block", never shown as a reading at
the pinned block.
"""

from __future__ import annotations

import dataclasses
import html
import io
import json
import re

from rich.console import Console

from solvent.report import solvency
from solvent.report.render_html import render_html
from solvent.report.render_json import NOT_CHECKED, report_to_dict
from solvent.report.render_text import print_report
from tests.report import wallet_kinds as kinds
from tests.report.wallet_kinds import DECLARED, ERC1271, LATEST, MULTISIG, SAFE, TRON, report

METHODS = {
    MULTISIG: "2-of-3 P2WSH multisig, one signature per key",
    SAFE: "2-of-3 Safe, one EIP-191 signature per owner",
    ERC1271: "ERC-1271 contract signature",
    TRON: "TIP-191 v2 signature",
    DECLARED: "EIP-191 signature",
}


def text(width: int = 130) -> str:
    out = io.StringIO()
    print_report(report(), Console(file=out, width=width))
    return out.getvalue()


def flat(s: str) -> str:
    """Table cells wrap: one line of words, without the box drawing."""
    return " ".join(re.sub(r"[│┃┏┓┗┛━─┡┩╇┳┻┼└┘├┤╋]", " ", s).split())


def test_json_says_how_each_wallet_was_checked_and_read() -> None:
    d = json.loads(json.dumps(report_to_dict(report())))
    by_address = {w["address"]: w for w in d["wallets"]}
    for address, method in METHODS.items():
        assert by_address[address]["method"] == method
    assert by_address[MULTISIG]["timing"] == "at the pinned block 900000"
    assert by_address[MULTISIG]["chain_name"] == "Bitcoin" and by_address[MULTISIG]["observed"] is None
    assert by_address[ERC1271]["ownership_checked"] is False
    assert "not checked without a node" in by_address[ERC1271]["ownership_note"]
    assert all(by_address[a]["ownership_checked"] for a in (MULTISIG, SAFE, TRON, DECLARED))
    tron = by_address[TRON]
    assert tron["timing"] == LATEST
    assert tron["observed"] == {"height": 77000123, "hash": "11" * 32, "time": "2026-11-23T00:05:00Z"}
    assert tron["balances"][0]["notes"] == [LATEST]
    assert by_address[DECLARED]["timing"] == "declared"
    # the older fields stay: the page and other readers use them
    assert {"scheme", "key_bound", "key_binding", "valid", "block", "balances_rechecked_by"} <= set(tron)


def test_json_reserves_per_chain_add_up_and_stay_apart() -> None:
    d = report_to_dict(report())
    assets = {a["asset"]: a for a in d["assets"]}
    # USDT: 10 observed on Ethereum and 25 on Tron, listed apart, 35 in all
    usdt = assets["USDT"]["by_chain"]
    assert usdt == {
        "ethereum": {
            "name": "Ethereum",
            "observed": "1000000000",
            "declared": "0",
            "display": {"observed": "10.00000000", "declared": "0.00000000"},
        },
        "tron": {
            "name": "Tron",
            "observed": "2500000000",
            "declared": "0",
            "display": {"observed": "25.00000000", "declared": "0.00000000"},
        },
    }
    assert assets["USDT"]["observed_reserves"] == "3500000000"
    # ETH: observed 3 + declared 0.25 on Ethereum (two wallets), declared 0.5 on BNB Smart Chain
    eth = assets["ETH"]["by_chain"]
    assert list(eth) == ["ethereum", "bsc"]  # in the order reserves.json lists them
    assert (eth["ethereum"]["observed"], eth["ethereum"]["declared"]) == ("300000000", "25000000")
    assert (eth["bsc"]["observed"], eth["bsc"]["declared"]) == ("0", "50000000")
    assert eth["bsc"]["name"] == "BNB Smart Chain"
    for a in d["assets"]:  # the chains add up to the asset's on-chain totals
        assert sum(int(c["observed"]) for c in a["by_chain"].values()) == int(a["observed_reserves"])
        assert sum(int(c["declared"]) for c in a["by_chain"].values()) == int(a["declared_onchain"])
    assert assets["USD"]["by_chain"] == {} and assets["USD"]["declared_offchain"] == "7000"


def test_a_failed_wallet_is_in_no_chain_sum() -> None:
    from solvent.protocol.errors import BadSignature

    facts = kinds.facts()
    wallets = tuple(dataclasses.replace(w, error=BadSignature("no")) if w.address == TRON else w for w in facts.wallets)
    r = solvency.assess(report().manifest, dataclasses.replace(facts, wallets=wallets))
    usdt = next(ln for ln in r.lines if ln.symbol == "USDT")
    assert [(c.chain, c.observed) for c in usdt.by_chain] == [("ethereum", 1_000_000_000)]


def test_text_report_says_method_timing_and_chain() -> None:
    out = flat(text(400))  # wide enough for no cell to wrap
    for method in METHODS.values():
        assert method in out
    assert "2-of-3" in out
    assert NOT_CHECKED in out
    assert f"balances {LATEST}" in out
    assert "balances at the pinned block 900000" in out
    assert "balances declared" in out
    assert "BNB Smart Chain" in out
    # the latest reading is never called a reading at the pinned block
    assert "balances at the pinned block 77000000" not in out
    assert f"{TRON}: balances {LATEST}" in out  # beside tron's pinned block too


def test_text_report_lists_reserves_per_chain() -> None:
    out = text()
    per_chain = out[out.index("Reserves per chain") : out.index("Reserves by wallet")]
    rows = [flat(line) for line in per_chain.splitlines() if line.startswith("│")]
    assert rows == [
        "BTC Bitcoin (bitcoin) 1.50000000 0.00000000",
        "ETH Ethereum (ethereum) 3.00000000 0.25000000",
        "ETH BNB Smart Chain (bsc) 0.00000000 0.50000000",
        "USDT Ethereum (ethereum) 10.00000000 0.00000000",
        "USDT Tron (tron) 25.00000000 0.00000000",
        "USD off-chain - 70.00",
    ]


def test_text_report_fits_130_columns_and_cuts_no_address() -> None:
    out = text(130)
    out = out[out.index("Reserves by wallet") :]
    assert max(len(line) for line in out.splitlines() if line.startswith(("│", "┃", "┏", "└"))) <= 130
    cells = "".join(line.split("│")[2].strip() for line in out.splitlines() if line.count("│") == 5)
    for address in (MULTISIG, SAFE, ERC1271, TRON):
        assert address in cells  # folded over lines, never cut
    wide = text(400)  # a wide console: every address on one line
    assert all(address in wide for address in (MULTISIG, SAFE, TRON))


def test_html_report_says_method_timing_and_chain() -> None:
    page = html.unescape(render_html([report()]))
    for method in METHODS.values():
        assert method in page
    assert NOT_CHECKED in page
    assert f"balances {LATEST}" in page
    assert "balances at the pinned block 900000" in page
    assert "balances at the pinned block 77000000" not in page
    assert "BNB Smart Chain" in page
    per_chain = page[page.index("Reserves per chain") : page.index("</table>", page.index("Reserves per chain"))]
    cells = re.findall(
        r"<tr><td>(\w+)</td><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td></tr>", per_chain
    )
    assert cells == [
        ("BTC", "Bitcoin (bitcoin)", "1.50000000", "0.00000000"),
        ("ETH", "Ethereum (ethereum)", "3.00000000", "0.25000000"),
        ("ETH", "BNB Smart Chain (bsc)", "0.00000000", "0.50000000"),
        ("USDT", "Ethereum (ethereum)", "10.00000000", "0.00000000"),
        ("USDT", "Tron (tron)", "25.00000000", "0.00000000"),
        ("USD", "off-chain", "-", "70.00"),
    ]
