"""The solvency report as a terminal table (rich), with the limits always printed."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from solvent.report.solvency import LIMITATIONS, SolvencyReport, format_ratio
from solvent.spec.amounts import format_units

__all__ = ["print_report"]

_STYLE = {"PASS": "bold green", "DECLARED": "bold yellow", "FAIL": "bold red"}


def _units(value: int, decimals: int) -> str:
    return ("-" if value < 0 else "") + format_units(abs(value), decimals)


def print_report(report: SolvencyReport, console: Console, *, allow_declared: bool = False) -> None:
    m = report.manifest
    console.print(f"[bold]Solvency report[/bold]: {m.exchange}, snapshot {m.snapshot_id} taken at {m.taken_at}")
    console.print(f"  manifest signature: {report.signature_note}")
    console.print(f"  liabilities root:   {m.root.hash.hex()} ({m.root.leaf_count} accounts)")
    table = Table(show_lines=False)
    for column in (
        "asset",
        "liabilities",
        "observed reserves",
        "declared (unverified)",
        "ratio (observed)",
        "surplus",
        "result",
    ):
        table.add_column(column, justify="left" if column in ("asset", "result") else "right")
    for line in report.lines:
        table.add_row(
            line.symbol,
            _units(line.liabilities, line.decimals),
            _units(line.observed, line.decimals),
            _units(line.declared, line.decimals),
            format_ratio(line.ratio),
            _units(line.surplus, line.decimals),
            f"[{_STYLE[line.status]}]{line.status}[/]",
        )
    console.print(table)
    console.print(
        "  PASS: observed on-chain reserves alone cover the liabilities. DECLARED: only with amounts the "
        "exchange declared but nobody verified. FAIL: not covered.",
        highlight=False,
    )
    check = report.check
    if check is None:
        console.print("[bold red]No reserves.json was published with this snapshot: no reserves are proven.[/]")
    else:
        wallets = Table(title="Reserves by wallet")
        for column in ("chain", "address", "label", "checks", "balances", "source", "block"):
            wallets.add_column(column, overflow="fold")
        decimals = {a.symbol: a.decimals for a in m.assets}
        for wc in check.wallets:
            w = wc.wallet
            sig = f"[green]valid ({w.scheme})[/]" if wc.error is None else f"[red]FAILED: {wc.error.code}[/]"
            amounts = ", ".join(f"{format_units(b.amount, decimals[b.asset])} {b.asset}" for b in w.balances)
            sources = {b.source for b in w.balances}
            source = "/".join(sorted(sources))
            if "observed" in sources:
                source += " (re-read)" if wc.rechecked_by else " (as attested)"
            wallets.add_row(w.chain, w.address.text, w.label, sig, amounts, source, str(w.block.height))
        for o in check.attestation.offchain:
            wallets.add_row(
                "off-chain",
                o.custodian,
                o.note[:40],
                "none possible",
                f"{format_units(o.amount, decimals[o.asset])} {o.asset}",
                "declared",
                "-",
            )
        console.print(wallets)
        for wc in report.wallet_failures:
            if wc.error is None:
                continue
            console.print(f"[red]INVALID wallet {wc.wallet.address.text}: {wc.error.message}[/]", highlight=False)
            for key, value in wc.error.evidence.items():
                console.print(f"    {key}: {value}", highlight=False)
        unchecked = sorted(
            {
                w.wallet.chain
                for w in check.wallets
                if w.rechecked_by is None and w.ok and any(b.source == "observed" for b in w.wallet.balances)
            }
        )
        if unchecked:
            console.print(
                f"[yellow]Observed balances on {', '.join(unchecked)} are as attested by the exchange and "
                "were not re-read: pass --node CHAIN=URL to re-read them at the pinned block.[/]"
            )
    for text in LIMITATIONS:
        console.print(text, highlight=False)
    verdict = "PASS" if report.passed(allow_declared=allow_declared) else "NOT PASSED"
    console.print(f"Overall: [{'bold green' if verdict == 'PASS' else 'bold red'}]{verdict}[/]")
