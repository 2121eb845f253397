"""``solvent reserves ...``: challenges, the operator's attestation, and anyone's re-check."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from solvent.cli.app import EXIT_INVALID, app, guarded
from solvent.layout import read_small_file

__all__ = ["reserves_app"]

reserves_app = typer.Typer(
    name="reserves",
    help="Proof of reserves: ownership challenges, the attestation (reserves.json) and its verification.",
    no_args_is_help=True,
)
app.add_typer(reserves_app, name="reserves")

NodeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--node",
        help="CHAIN=URL of a node to read balances at the pinned block "
        "(ethereum=http://..., bitcoin=http://user:pass@host:8332, bitcoin=esplora+https://...). Repeatable.",
    ),
]


@reserves_app.command("challenge")
@guarded
def challenge_command(
    declaration: Annotated[Path, typer.Argument(help="The reserves declaration (reserves.toml).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list of {chain, address, message}.")] = False,
) -> None:
    """Print the exact message each cold wallet must sign (one per address)."""
    from solvent.reserves.challenge import challenge_message
    from solvent.reserves.declaration import parse_declaration

    decl = parse_declaration(read_small_file(declaration, "reserves declaration"), str(declaration))
    items = [
        {
            "chain": w.address.chain,
            "address": w.address.text,
            "message": challenge_message(decl.exchange, decl.snapshot_id, decl.pins[w.address.chain], w.address),
        }
        for w in decl.wallets
    ]
    if as_json:
        sys.stdout.write(json.dumps(items, indent=2, ensure_ascii=False) + "\n")
        return
    for item in items:
        sys.stdout.write(
            f"----- {item['chain']} {item['address']} (sign exactly the lines below, without a final newline) -----\n"
        )
        sys.stdout.write(item["message"] + "\n")


@reserves_app.command("attest")
@guarded
def attest_command(
    declaration: Annotated[Path, typer.Argument(help="The reserves declaration (reserves.toml).")],
    signatures: Annotated[Path, typer.Option("--signatures", help="CSV chain,address,signature (one per wallet).")],
    out: Annotated[Path, typer.Option("--out", help="Where to write reserves.json.")],
    node: NodeOption = None,
) -> None:
    """Check every signature, read every balance at the pinned block, and write reserves.json."""
    from solvent.errors import InputError
    from solvent.reserves.attest import attest, parse_signatures
    from solvent.reserves.declaration import parse_declaration
    from solvent.reserves.sources.base import open_sources

    decl = parse_declaration(read_small_file(declaration, "reserves declaration"), str(declaration))
    sigs = parse_signatures(read_small_file(signatures, "signatures file"), str(signatures))
    if out.exists():
        raise InputError(f"{out} already exists; refusing to overwrite an attestation")
    sources = open_sources(node or [])
    try:
        attestation = attest(decl, sigs, sources)
    finally:
        for source in sources.values():
            source.close()
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(attestation.to_json())
    tmp.replace(out)
    observed = sum(1 for w in attestation.wallets for b in w.balances if b.source == "observed")
    declared = sum(1 for w in attestation.wallets for b in w.balances if b.source == "declared")
    sys.stdout.write(
        f"wrote {out}: {len(attestation.wallets)} wallets, signatures valid; {observed} balances observed "
        f"at the pinned blocks, {declared} declared; {len(attestation.offchain)} off-chain entries\n"
    )


@reserves_app.command("verify")
@guarded
def verify_command(
    reserves: Annotated[Path, typer.Argument(help="The reserves.json to check.")],
    snapshot: Annotated[
        Path | None,
        typer.Option(
            "--snapshot",
            help="The signed snapshot.json it belongs to: checks its signature (signing.pub beside it), "
            "the reserves file's SHA-256 in its files, and the snapshot id, exchange and asset decimals.",
        ),
    ] = None,
    node: NodeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Re-check every ownership signature offline, and the balances at the pinned block with --node."""
    from solvent.reserves.attestation import parse_attestation
    from solvent.reserves.sources.base import open_sources
    from solvent.reserves.verify import check_against_manifest, check_attestation, check_bound

    raw = read_small_file(reserves, "reserves attestation")
    attestation = parse_attestation(raw, str(reserves))
    if snapshot is not None:
        from solvent.verify.manifest import load_signed_manifest

        manifest = load_signed_manifest(snapshot).manifest
        check_bound(raw, manifest, str(reserves))
        check_against_manifest(attestation, manifest)
    sources = open_sources(node or [])
    try:
        result = check_attestation(attestation, sources)
    finally:
        for source in sources.values():
            source.close()
    if as_json:
        payload = {
            "valid": not result.failures,
            "wallets": [
                {
                    "chain": wc.wallet.chain,
                    "address": wc.wallet.address.text,
                    "valid": wc.ok,
                    "balances_rechecked_by": wc.rechecked_by,
                    "error": None
                    if wc.error is None
                    else {"code": wc.error.code, "message": wc.error.message, "evidence": wc.error.evidence},
                }
                for wc in result.wallets
            ],
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        for wc in result.wallets:
            w = wc.wallet
            if wc.error is None:
                if not any(b.source == "observed" for b in w.balances):
                    where = "balances declared, not observed on chain"
                elif wc.rechecked_by:
                    where = f"balances re-read from {wc.rechecked_by}"
                else:
                    where = "balances not re-read"
                sys.stdout.write(f"ok       {w.chain} {w.address.text}: signature valid ({w.scheme}); {where}\n")
            else:
                sys.stdout.write(f"INVALID  {w.chain} {w.address.text}: {wc.error.message}\n")
                for key, value in wc.error.evidence.items():
                    sys.stdout.write(f"           {key}: {value}\n")
        if not sources:
            sys.stdout.write("note: no --node given; balances are as attested and were not re-read on chain\n")
    if result.failures:
        raise typer.Exit(EXIT_INVALID)
