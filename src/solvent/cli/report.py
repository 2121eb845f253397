"""``solvent report DIR [DIR...]``: liabilities against verified reserves, per asset."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from solvent.cli.app import EXIT_INVALID, app, guarded
from solvent.cli.reserves import MaxBlockAgeOption, TokenOption, verifier_settings

__all__ = ["report_command"]


@app.command("report")
@guarded
def report_command(
    directories: Annotated[list[Path], typer.Argument(help="Snapshot directories (DIR/public/snapshot.json).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    html: Annotated[Path | None, typer.Option("--html", help="Also write a static HTML page with charts.")] = None,
    node: Annotated[
        list[str] | None,
        typer.Option(
            "--node",
            help="CHAIN=URL of your own node: re-read observed balances at the pinned block (without it they "
            "count as declared). Repeatable.",
        ),
    ] = None,
    public_key: Annotated[
        str | None, typer.Option("--public-key", help="Pin the exchange's Ed25519 key (hex) instead of signing.pub.")
    ] = None,
    allow_declared: Annotated[
        bool, typer.Option("--allow-declared", help="Exit 0 when declared (unverified) amounts are needed to cover.")
    ] = False,
    token: TokenOption = None,
    max_block_age: MaxBlockAgeOption = "24h",
) -> None:
    """Per asset: total liabilities, verified reserves, ratio, surplus and PASS / DECLARED / FAIL."""
    from rich.console import Console

    from solvent.report.check import assess_snapshot
    from solvent.report.load import load_snapshot
    from solvent.report.render_json import reports_to_dict
    from solvent.reserves.sources.base import opened_sources

    settings = verifier_settings(node, token, max_block_age)
    loaded = sorted((load_snapshot(d, public_key=public_key) for d in directories), key=lambda s: s.manifest.taken_at)
    with opened_sources(settings.nodes) as sources:
        reports = [assess_snapshot(s, sources, tokens=settings.tokens, window=settings.window) for s in loaded]
    if as_json:
        import json

        sys.stdout.write(json.dumps(reports_to_dict(reports, allow_declared=allow_declared), indent=2) + "\n")
    else:
        from solvent.report.render_text import print_report

        console = Console(width=160)
        for r in reports:
            print_report(r, console, allow_declared=allow_declared)
    if html is not None:
        from solvent.report.render_html import render_html

        html.write_text(render_html(reports, allow_declared=allow_declared), encoding="utf-8")
        if not as_json:
            sys.stdout.write(f"wrote {html}\n")
    if not all(r.passed(allow_declared=allow_declared) for r in reports):
        raise typer.Exit(EXIT_INVALID)
