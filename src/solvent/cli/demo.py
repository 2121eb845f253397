"""``solvent demo``: a synthetic exchange end to end (the README's first command)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from solvent.cli.app import app, guarded

if TYPE_CHECKING:
    from solvent.demo.run import DemoRun

__all__ = ["demo_command"]


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@app.command("demo")
@guarded
def demo_command(
    accounts: Annotated[int, typer.Option("--accounts", min=1, help="Number of synthetic accounts.")] = 100_000,
    out: Annotated[Path, typer.Option("--out", help="Working folder (replaced if made by an earlier demo).")] = Path(
        "demo-output"
    ),
    insolvent: Annotated[bool, typer.Option("--insolvent", help="Fund one asset's cold wallets 10 % short.")] = False,
    no_reserves: Annotated[
        bool, typer.Option("--no-reserves", help="Skip the reserves side (no local chain node).")
    ] = False,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Stop after the report instead of serving.")] = False,
    host: Annotated[str, typer.Option("--host", help="Address to serve the page on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0: any free port).")] = 8000,
) -> None:
    """Run a synthetic exchange end to end: ledger, reserves on a local chain, snapshot, proof, audit, report,
    then serve its Proof-of-Reserves page."""
    from solvent.demo.run import run_demo

    run = run_demo(
        out, accounts=accounts, insolvent=insolvent, with_reserves=not no_reserves, keep_node=not no_serve, say=_say
    )
    try:
        _show(run, out)
        if not no_serve:
            _serve(run, host, port)
    finally:
        if run.node is not None:
            run.node.stop()


def _show(run: DemoRun, out: Path) -> None:
    """What each of the three users sees."""
    from rich.console import Console

    from solvent.protocol.amounts import format_units
    from solvent.protocol.layout import MANIFEST_FILE, public_dir
    from solvent.protocol.signed_manifest import load_signed_manifest

    public = public_dir(run.snapshot)
    check = load_signed_manifest(public / MANIFEST_FILE)
    manifest = check.manifest
    leaf = run.inclusion.leaf
    _say("")
    _say("What the customer sees (Proof of Reserves page -> Find My Balance):")
    _say(f"  Hashed Client ID:  {run.customer_id}")
    _say(f"  snapshot time:     {manifest.taken_at}")
    _say(f"  Merkle root hash:  {manifest.root.hash.hex()}")
    for asset, amount in zip(manifest.assets, leaf.amounts, strict=True):
        _say(f"  {asset.symbol:<6} {format_units(amount, asset.decimals):>24}")
    _say(f"  Check: verified from leaf {leaf.index} up to the root through {manifest.root.height} siblings,")
    _say("         against the signed manifest, and the id recomputed from the customer's uid and secret.")
    _say(f"  (account page: uid {run.customer_uid}, user secret {run.customer_secret})")
    _say("")
    _say(f"The auditor: {manifest.root.leaf_count:,} accounts rebuilt from liabilities.csv; every file matches.")
    totals = zip(manifest.assets, run.audit.totals, strict=True)
    _say("  total liabilities: " + ", ".join(f"{format_units(t, a.decimals)} {a.symbol}" for a, t in totals))
    if run.report is not None:
        from solvent.report.render_text import print_report

        _say("")
        _say("The solvency report (Ethereum balances re-read from the local node at the pinned block):")
        print_report(run.report, Console(width=140))
        by_status: dict[str, list[str]] = {}
        for line in run.report.lines:
            by_status.setdefault(str(line.status), []).append(line.symbol)
        _say("In short: " + "; ".join(f"{status} {', '.join(symbols)}" for status, symbols in by_status.items()) + ".")
        if "DECLARED" in by_status:
            _say("  DECLARED is not a pass: those reserves are the exchange's word (no Bitcoin node or bank here),")
            _say("  and solvent never counts what nobody verified.")
    _say("")
    _say("Try it yourself:")
    _say(
        f"  solvent verify {run.proof_file} --snapshot {public / MANIFEST_FILE}"
        f" --uid {run.customer_uid} --secret {run.customer_secret}"
    )
    _say(f"  solvent audit {public}")
    if run.node is not None:
        tokens = " ".join(f"--token {t}" for t in run.node.token_options)
        node = f"--node ethereum={run.node.rpc_url}"
        _say(f"  solvent report {run.snapshot} {node} {tokens} --html {out / 'report.html'}")
        _say("    (re-reads the balances from the demo's node, which runs while the page is served)")


def _serve(run: DemoRun, host: str, port: int) -> None:
    from solvent.report.check import VerifierSettings
    from solvent.web.server import serve

    settings = None
    if run.node is not None:
        from solvent.reserves.tokens import default_registry

        settings = VerifierSettings((f"ethereum={run.node.rpc_url}",), default_registry(run.node.token_options))
    _say("")
    _say(f"The Proof-of-Reserves page: paste the Hashed Client ID {run.customer_id} and press Find My Balance.")
    serve([run.snapshot], host, port, settings=settings)
