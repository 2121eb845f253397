"""``solvent demo``: a synthetic exchange end to end (the README's first command)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from solvent.cli.options import add_command, host, int_in, path

if TYPE_CHECKING:
    from solvent.demo.run import DemoRun

__all__ = ["add_parser", "run"]


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def add_parser(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "demo",
        "Run a synthetic exchange end to end: ledger, reserves on five chains (local and simulated nodes),\n"
        "snapshot, proof, audit, report, then serve its Proof-of-Reserves page.",
        extra="all",
        handler=run,
    )
    parser.add_argument(
        "--accounts",
        type=int_in(1),
        default=100_000,
        metavar="N",
        help="Number of synthetic accounts (default: 100000).",
    )
    parser.add_argument(
        "--out",
        type=path,
        default=Path("demo-output"),
        metavar="DIR",
        help="Working folder, replaced if made by an earlier demo (default: demo-output).",
    )
    parser.add_argument("--insolvent", action="store_true", help="Fund one asset's cold wallets 10 %% short.")
    parser.add_argument("--no-reserves", action="store_true", help="Skip the reserves side (no chain nodes).")
    parser.add_argument("--no-serve", action="store_true", help="Stop after the report instead of serving.")
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        type=host,
        metavar="ADDRESS",
        help="Address to serve the page on (default: 127.0.0.1).",
    )
    parser.add_argument(
        "--port", type=int_in(0, 65535), default=8000, metavar="N", help="Port; 0: any free port (default: 8000)."
    )


def run(args: argparse.Namespace) -> int:
    from solvent.demo.run import run_demo

    out: Path = args.out
    run = run_demo(
        out,
        accounts=args.accounts,
        insolvent=args.insolvent,
        with_reserves=not args.no_reserves,
        keep_node=not args.no_serve,
        say=_say,
    )
    try:
        _show(run, out)
        if not args.no_serve:
            _serve(run, args.host, args.port)
    finally:
        if run.node is not None:
            run.node.stop()
    return 0


def _show(run: DemoRun, out: Path) -> None:
    """What each of the three users sees."""
    from rich.console import Console

    from solvent.protocol.amounts import format_units
    from solvent.protocol.layout import MANIFEST_FILE, public_dir
    from solvent.protocol.v2.inclusion import balances

    public = public_dir(run.snapshot)
    manifest = run.build.manifest
    proof = run.inclusion.proof
    entries = {e.symbol: e for e in proof.entries}
    _say("")
    _say("What the customer sees (Proof of Reserves page -> Find My Balance):")
    _say(f"  Hashed Client ID:  {run.customer_id}")
    _say(f"  snapshot time:     {manifest.taken_at}")
    _say(f"  protocol v2: one Merkle sum tree per asset; this account is a leaf of {len(entries)} of them")
    for asset, amount in balances(proof, manifest):
        entry = entries.get(asset.symbol)
        if entry is None:
            continue  # the page hides zero rows by default, as here
        _say(
            f"  {asset.symbol:<6} {format_units(amount, asset.decimals):>28}   leaf {entry.index:,} of "
            f"{entry.root.leaf_count:,}, {entry.root.height} siblings up to root {entry.root.hash.hex()[:16]}..."
        )
    hidden = len(manifest.trees) - len(entries)
    _say(f"  ({hidden} other assets at zero: this account is in none of their trees)")
    _say("  Check: every entry verified from its leaf up to its asset's root, against the signed manifest,")
    _say("         and the id recomputed from the customer's uid and secret.")
    _say(f"  (account page: uid {run.customer_uid}, user secret {run.customer_secret})")
    _say("")
    holdings = sum(t.root.leaf_count for t in manifest.trees)
    _say(
        f"The auditor: {manifest.accounts:,} accounts holding {holdings:,} balances in {len(manifest.trees)} "
        "asset trees, each rebuilt from its liabilities/<asset>.csv; every file matches."
    )
    if manifest.accounts:
        # what v2 is for: leaves grow with holdings, where v1 gave every account every asset
        tenths = holdings * 10 // manifest.accounts
        _say(
            f"  {tenths // 10}.{tenths % 10} holdings per account: the trees hold {holdings:,} leaves, where one "
            f"v1 tree would carry all {len(manifest.trees)} amounts in every account's leaf."
        )
    _say("  total liabilities (each asset tree's root sum):")
    for tree, total in zip(manifest.trees, run.audit.totals, strict=True):
        units = format_units(total, tree.asset.decimals)
        _say(f"    {tree.symbol:<6} {units:>28}   {tree.root.leaf_count:,} holders")
    if run.report is not None:
        from solvent.report.render_text import print_report

        _say("")
        _say("The solvency report: five chains, each wallet's ownership proof re-checked; Ethereum and Polygon")
        _say("balances re-read from the local anvil nodes at the pinned block; Tron and Solana ones from simulated")
        _say("nodes at their latest block (those nodes answer no other); Bitcoin's declared (no Bitcoin node here):")
        print_report(run.report, Console(width=140))
        _show_chains(run)
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
        nodes = " ".join(f"--node {n}" for n in run.node.node_options)
        _say(f"  solvent report {run.snapshot} {nodes} {tokens} --html {out / 'report.html'}")
        _say("    (re-reads the balances from the demo's nodes, which run while the page is served)")


def _show_chains(run: DemoRun) -> None:
    """Per chain, each wallet: whether it passed, how ownership was proven, how its balances were read."""
    facts = run.report.reserves if run.report is not None else None
    if facts is None:
        return
    chains: dict[str, list[str]] = {}
    for w in facts.wallets:
        verdict = "valid" if w.ok else f"INVALID ({w.error.message if w.error else ''})"
        timing = w.timing or "declared"
        chains.setdefault(w.chain_name or w.chain, []).append(
            f"    {w.label or w.address}: {verdict}; {w.method or w.scheme}; balances {timing}"
        )
    _say("")
    _say(f"Reserves on {len(chains)} chains (and {len(facts.offchain)} off-chain), wallet by wallet:")
    for chain, lines in chains.items():
        _say(f"  {chain}")
        for line in lines:
            _say(line)


def _serve(run: DemoRun, host: str, port: int) -> None:
    from solvent.pipeline.report import VerifierSettings
    from solvent.web.server import serve

    settings = None
    if run.node is not None:
        from solvent.reserves.tokens import default_registry

        settings = VerifierSettings(tuple(run.node.node_options), default_registry(run.node.token_options))
    _say("")
    _say(f"The Proof-of-Reserves page: paste the Hashed Client ID {run.customer_id} and press Find My Balance.")
    serve([run.snapshot], host, port, settings=settings)
