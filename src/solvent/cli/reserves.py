"""``solvent reserves ...``: challenges, the operator's attestation, and anyone's re-check."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from solvent.cli.app import EXIT_INVALID, app, guarded, printable
from solvent.protocol.layout import read_small_file

if TYPE_CHECKING:
    from solvent.report.check import VerifierSettings
    from solvent.reserves.recheck import ReservesCheck, WalletCheck

__all__ = ["MaxBlockAgeOption", "NodeOption", "TokenOption", "reserves_app", "verifier_settings"]

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


TokenOption = Annotated[
    list[str] | None,
    typer.Option(
        "--token",
        help="CHAIN:SYMBOL=CONTRACT: also recognise this token contract as SYMBOL (built in: Ethereum mainnet USDT "
        "and USDC). A balance in an unrecognised contract counts at most as declared. Repeatable.",
    ),
]
MaxBlockAgeOption = Annotated[
    str,
    typer.Option(
        "--max-block-age",
        help="How long before the snapshot time a pinned block may have been made (e.g. 24h, 90m, 2d); "
        "it may be made at most 1h after.",
    ),
]


def verifier_settings(node: list[str] | None, token: list[str] | None, max_block_age: str) -> VerifierSettings:
    """The nodes, recognised tokens and block-time window a verifier chose (InputError if malformed)."""
    from solvent.report.check import VerifierSettings
    from solvent.reserves.block_window import DEFAULT_WINDOW, BlockTimeWindow, parse_duration
    from solvent.reserves.tokens import default_registry

    window = BlockTimeWindow(parse_duration(max_block_age), DEFAULT_WINDOW.max_lead)
    return VerifierSettings(tuple(node or ()), default_registry(token or []), window)


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
    from solvent.protocol.errors import InputError
    from solvent.reserves.attest import attest, parse_signatures
    from solvent.reserves.declaration import parse_declaration
    from solvent.reserves.sources.base import opened_sources

    decl = parse_declaration(read_small_file(declaration, "reserves declaration"), str(declaration))
    sigs = parse_signatures(read_small_file(signatures, "signatures file"), str(signatures))
    if out.exists():
        raise InputError(f"{out} already exists; refusing to overwrite an attestation")
    with opened_sources(node or []) as sources:
        attestation = attest(decl, sigs, sources)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(attestation.to_json())
    tmp.replace(out)
    from solvent.reserves.tokens import default_registry

    registry = default_registry()
    contracts = {(w.chain, b.asset, b.contract) for w in attestation.wallets for b in w.balances if b.contract}
    for chain, symbol, contract in sorted(contracts, key=lambda c: (c[0], c[1], c[2].text)):
        if not registry.recognises(chain, symbol, contract):
            sys.stdout.write(
                f"note: {symbol} on {chain} at {contract.text} is not a token contract solvent recognises; "
                f"verifiers count it as declared unless they pass --token {chain}:{symbol}={contract.text}\n"
            )
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
            "the reserves file's SHA-256 in its files, the snapshot id, exchange and asset decimals, and the "
            "pinned blocks' times against the snapshot time. Without it the file is bound to nothing.",
        ),
    ] = None,
    node: NodeOption = None,
    token: TokenOption = None,
    max_block_age: MaxBlockAgeOption = "24h",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Re-check every ownership signature offline, and the balances at the pinned block with --node."""
    from solvent.reserves.recheck import bound_attestation, check_attestation
    from solvent.reserves.reserves_json import parse_attestation
    from solvent.reserves.sources.base import opened_sources

    settings = verifier_settings(node, token, max_block_age)
    raw = read_small_file(reserves, "reserves attestation")
    taken_at = None
    warnings = []
    if snapshot is not None:
        from solvent.protocol.signed_manifest import load_signed_manifest

        manifest = load_signed_manifest(snapshot).manifest
        attestation = bound_attestation(raw, manifest, str(reserves))
        taken_at = manifest.taken_at
    else:
        attestation = parse_attestation(raw, str(reserves))
        warnings.append(
            f"{reserves} is not bound to any signed manifest (no --snapshot): anybody could have written it, "
            "and the pinned blocks' times were not checked against a snapshot time"
        )
    if not node:
        warnings.append("no --node given: balances are as attested and were not re-read on chain")
    for warning in warnings:
        sys.stderr.write(f"warning: {printable(warning)}\n")
    with opened_sources(settings.nodes) as sources:
        result = check_attestation(
            attestation, sources, taken_at=taken_at, window=settings.window, tokens=settings.tokens
        )
    if as_json:
        payload = {
            "valid": not result.failures,
            "bound": snapshot is not None,
            "taken_at": taken_at,
            "wallets": [_wallet_json(wc) for wc in result.wallets],
            "warnings": warnings,
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        _print_result(result)
    if result.failures:
        raise typer.Exit(EXIT_INVALID)


def _wallet_json(wc: WalletCheck) -> dict[str, Any]:
    from solvent.report.render_json import error_to_dict
    from solvent.reserves.block_window import format_block_time

    return {
        "chain": wc.wallet.chain,
        "address": wc.wallet.address.text,
        "valid": wc.ok,
        "block": {
            **wc.wallet.block.to_dict(),
            "time": None if wc.block_time is None else format_block_time(wc.block_time),
        },
        "balances_rechecked_by": wc.rechecked_by,
        "balances": [
            {
                "asset": bc.balance.asset,
                "contract": bc.balance.contract.text if bc.balance.contract else None,
                "source": bc.balance.source,
                "recognised_contract": bc.recognised,
                "notes": list(bc.notes),
            }
            for bc in wc.balance_checks()
        ],
        "error": error_to_dict(wc.error),
    }


def _print_result(result: ReservesCheck) -> None:
    from solvent.reserves.block_window import format_block_time

    def out(line: str) -> None:
        sys.stdout.write(printable(line) + "\n")

    for wc in result.wallets:
        w = wc.wallet
        when = f" at block {w.block.height}" + (f" ({format_block_time(wc.block_time)})" if wc.block_time else "")
        if wc.error is None:
            if not any(b.source == "observed" for b in w.balances):
                where = "balances declared, not observed on chain"
            elif wc.rechecked_by:
                where = f"balances re-read from {wc.rechecked_by}"
            else:
                where = "balances not re-read"
            out(f"ok       {w.chain} {w.address.text}: signature valid ({w.scheme}); {where}{when}")
        else:
            out(f"INVALID  {w.chain} {w.address.text}: {wc.error.message}")
            for key, value in wc.error.evidence.items():
                out(f"           {key}: {value}")
        for bc in wc.balance_checks():
            if bc.balance.contract is not None:
                flags = "".join(f"; {note}" for note in bc.notes)
                out(f"           {bc.balance.asset} contract {bc.balance.contract.text}{flags}")
