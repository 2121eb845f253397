"""``solvent demo`` end to end: five chains (anvil and simulated nodes), a real v2 build, the customer's
check, the report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from solvent.demo.synthetic import EXCHANGE_ASSETS
from tests.cli.conftest import solvent

pytestmark = pytest.mark.integration
TOKENS = [a.symbol for a in EXCHANGE_ASSETS if a.symbol not in ("BTC", "USD")]


def _result_of(output: str, symbol: str) -> str:
    match = re.search(rf"│ {symbol}\s+│.*│ (PASS|FAIL|DECLARED)\s+│", output)
    assert match, f"no {symbol} row in:\n{output}"
    return match.group(1)


def test_demo_solvent(tmp_path: Path) -> None:
    result = solvent("demo", "--accounts", "300", "--out", tmp_path / "demo", "--no-serve")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Hashed Client ID" in out and "snapshot time" in out
    assert "protocol v2: one Merkle sum tree per asset" in out and "holdings per account: the trees hold" in out
    assert len(re.findall(r"^  [A-Z]+ +tree root:  [0-9a-f]{64} \(\d+ holders\)$", out, flags=re.M)) == len(
        EXCHANGE_ASSETS
    )
    assert "observed (re-read)" in out  # Ethereum balances read back from the node at the pinned block
    # five chains, every wallet kind valid, and how each was read
    chains = out.split("Reserves on 5 chains (and 1 off-chain), wallet by wallet:\n", 1)[1].split("In short:", 1)[0]
    assert [line.strip() for line in chains.splitlines() if not line.startswith("    ")] == [
        "Ethereum",
        "Polygon PoS",
        "Bitcoin",
        "Tron",
        "Solana",
    ]
    assert "INVALID" not in chains
    assert re.search(
        r"polygon 2-of-3 Safe: valid; 2-of-3 Safe, one EIP-191 signature per owner; balances at the pinned block \d+",
        chains,
    )
    assert "(2-of-3 P2WSH multisig): valid; 2-of-3 P2WSH multisig, one signature per key; balances declared" in chains
    for label in ("tron cold (TRC-20 USDT): valid; TIP-191 v2", "solana cold (SPL USDC): valid; Solana off-chain"):
        assert re.search(
            re.escape(label) + r".*; balances observed at block \d+ \(latest\), not at the pinned block", chains
        )
    for symbol in TOKENS:
        assert _result_of(out, symbol) == "PASS"
    assert _result_of(out, "BTC") == "DECLARED"  # Bitcoin balances are declared (no Bitcoin node here)
    assert _result_of(out, "USD") == "DECLARED"  # a bank balance
    assert "borrowed funds" in out
    # The commands it suggests work as printed.
    audit = next(line.strip() for line in out.splitlines() if line.strip().startswith("solvent audit "))
    audited = solvent(*audit.split()[1:])
    assert audited.returncode == 0, audited.stdout + audited.stderr
    verify = next(line.strip() for line in out.splitlines() if line.strip().startswith("solvent verify "))
    assert solvent(*verify.split()[1:]).returncode == 0


def test_demo_insolvent_shows_the_short_asset_failing(tmp_path: Path) -> None:
    result = solvent("demo", "--accounts", "300", "--out", tmp_path / "demo", "--insolvent", "--no-serve")
    assert result.returncode == 0, result.stderr
    assert _result_of(result.stdout, "ETH") == "FAIL"
    assert _result_of(result.stdout, "USDT") == "PASS"


def test_demo_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "precious.txt").write_text("keep me")
    result = solvent("demo", "--accounts", "10", "--out", tmp_path / "mine", "--no-reserves", "--no-serve")
    assert result.returncode == 2 and "not made by solvent demo" in result.stderr
    assert (tmp_path / "mine" / "precious.txt").read_text() == "keep me"
    again = solvent("demo", "--accounts", "10", "--out", tmp_path / "demo", "--no-reserves", "--no-serve")
    assert again.returncode == 0, again.stderr
    rerun = solvent("demo", "--accounts", "10", "--out", tmp_path / "demo", "--no-reserves", "--no-serve")
    assert rerun.returncode == 0, rerun.stderr


def test_demo_ends_by_serving_its_page(tmp_path: Path) -> None:
    """What `make demo` does: the same run, reserves on its local chain included, then the page on a
    port (here a free one), until stopped; the page's summary has the solvency verdict per asset."""
    import json
    import subprocess
    import sys
    import urllib.request

    proc = subprocess.Popen(
        [sys.executable, "-m", "solvent", "demo", "--accounts", "50", "--out", str(tmp_path / "demo"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = None
        printed = []
        assert proc.stdout is not None
        for line in proc.stdout:  # blocks until the demo prints; bounded by the demo finishing or failing
            printed.append(line)
            if line.strip().startswith("open http://"):
                url = line.split("open ", 1)[1].strip()
                break
        assert url, "the demo never printed its URL"
        with urllib.request.urlopen(url, timeout=30) as page:
            assert page.status == 200 and b"Find My Balance" in page.read()
        with urllib.request.urlopen(url.rstrip("/") + "/api/snapshots", timeout=30) as api:
            assert api.status == 200
            listing = json.load(api)
            assert [(s["version"], s["reserves"]) for s in listing] == [(2, True)]
        summary_url = url.rstrip("/") + "/api/snapshots/" + listing[0]["snapshot_id"]
        with urllib.request.urlopen(summary_url, timeout=30) as api:
            summary = json.load(api)
        # The demo's node still runs while the page is served: the server re-read the balances.
        # Tokens funded on chain pass; Bitcoin and the bank balance are declared (nothing declared is
        # needed where nothing is owed).
        verdicts = {a["symbol"]: a["reserves"]["status"] for a in summary["assets"]}
        owed = {a["symbol"]: int(a["liabilities"]) > 0 for a in summary["assets"]}
        assert verdicts == {
            a.symbol: "DECLARED" if a.symbol in ("BTC", "USD") and owed[a.symbol] else "PASS" for a in EXCHANGE_ASSETS
        }
        assert owed["BTC"] and owed["USDT"]
        assert summary["solvency"]["wallets"] and all(w["valid"] for w in summary["solvency"]["wallets"])
        assert {w["chain"] for w in summary["solvency"]["wallets"]} == {
            "ethereum",
            "polygon",
            "bitcoin",
            "tron",
            "solana",
        }
        # "Try it yourself": the printed report command, every --node included, gives the page's verdicts
        report = next(line.strip() for line in printed if line.strip().startswith("solvent report "))
        nodes = re.findall(r"--node (\w+)=", report)
        assert nodes == ["ethereum", "polygon", "tron", "solana"]
        again = solvent(*report.split()[1:], "--json")
        assert again.returncode in (0, 1), again.stderr  # 1: declared-only assets (BTC, USD) do not pass
        assert {a["asset"]: a["status"] for a in json.loads(again.stdout)["snapshots"][0]["assets"]} == verdicts
    finally:
        proc.terminate()
        proc.wait(timeout=30)
