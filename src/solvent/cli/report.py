"""``solvent report DIR [DIR...]``: liabilities against verified reserves, per asset.

A snapshot of either protocol version: a v1 manifest's root sums or each v2 asset tree's
root sum are the liabilities (:func:`solvent.report.solvency.liabilities_by_asset`).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from solvent.cli.common import EXIT_INVALID, EXIT_OK
from solvent.cli.options import add_command, output_file, path
from solvent.cli.reserves import add_verifier_options, verifier_settings

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "report",
        "Per asset: total liabilities, verified reserves, ratio, surplus and PASS / DECLARED / FAIL.",
        extra="report",
        handler=run,
    )
    parser.add_argument(
        "directories",
        nargs="+",
        type=path,
        metavar="DIR",
        help="Snapshot directories (DIR/public/snapshot.json), protocol v1 or v2.",
    )
    parser.add_argument("--json", dest="as_json", action="store_true", help="Print the report as JSON.")
    parser.add_argument("--html", type=output_file, metavar="FILE", help="Also write a static HTML page with charts.")
    parser.add_argument(
        "--public-key", metavar="KEY", help="Pin the exchange's Ed25519 key (hex) instead of signing.pub."
    )
    parser.add_argument(
        "--allow-declared",
        action="store_true",
        help="Exit 0 when declared (unverified) amounts are needed to cover.",
    )
    add_verifier_options(
        parser,
        node_help="CHAIN=URL of your own node: re-read observed balances at the pinned block (without it they "
        "count as declared). Repeatable.",
    )


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from solvent.pipeline.report import assess_snapshot, load_snapshot
    from solvent.report.render_json import reports_to_dict
    from solvent.reserves.sources.base import opened_sources

    allow_declared = args.allow_declared
    if args.html is not None:
        from solvent.protocol.layout import check_output_file

        check_output_file(args.html, snapshots=args.directories, option="--html")
    settings = verifier_settings(args)
    loaded = sorted(
        (load_snapshot(d, public_key=args.public_key) for d in args.directories), key=lambda s: s.manifest.taken_at
    )
    with opened_sources(settings.nodes) as sources:
        reports = [assess_snapshot(s, sources, tokens=settings.tokens, window=settings.window) for s in loaded]
    if args.as_json:
        import json

        sys.stdout.write(json.dumps(reports_to_dict(reports, allow_declared=allow_declared), indent=2) + "\n")
    else:
        from solvent.report.render_text import print_report

        # The terminal's width (or $COLUMNS); piped to a file, 160 columns. The report fits
        # any width: tables that do not fit drop to one line per figure, no number cut.
        console = Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)
        for r in reports:
            print_report(r, console, allow_declared=allow_declared)
    if args.html is not None:
        from solvent.protocol.layout import write_output_file
        from solvent.report.render_html import render_html

        html = render_html(reports, allow_declared=allow_declared).encode("utf-8")
        write_output_file(args.html, html, snapshots=args.directories, option="--html")
        if not args.as_json:
            sys.stdout.write(f"wrote {args.html}\n")
    return EXIT_OK if all(r.passed(allow_declared=allow_declared) for r in reports) else EXIT_INVALID
