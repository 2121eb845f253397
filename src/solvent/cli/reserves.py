"""``solvent reserves ...``: challenges, the operator's attestation, and anyone's re-check.

Also the options every verifier of reserves shares (``--node``, ``--token``,
``--max-block-age``: ``report``, ``serve`` and ``publish`` take them too).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from solvent.cli.common import EXIT_INVALID, EXIT_OK, printable
from solvent.cli.options import add_command, path

if TYPE_CHECKING:
    from solvent.pipeline.report import VerifierSettings
    from solvent.reserves.recheck import ReservesCheck, WalletCheck
    from solvent.reserves.reserves_json import WalletEntry

__all__ = ["add_node_option", "add_parser", "add_verifier_options", "verifier_settings"]

NODE_HELP = (
    "CHAIN=URL of a node to read balances at the pinned block "
    "(ethereum=http://..., polygon=https://..., any EVM chain of the registry; bitcoin=http://user:pass@host:8332, "
    "bitcoin=esplora+https://...; tron=https://... (a java-tron HTTP API) and solana=https://... (JSON-RPC), "
    "read at their latest block). Repeatable."
)
CONTRACT_HELP = (
    "CHAIN:SYMBOL=CONTRACT: also recognise this token contract (EVM 0x..., Tron T..., Solana mint) as SYMBOL "
    "(built in: USDT and USDC on every chain of the registry). A balance in an unrecognised contract counts at "
    "most as declared. Repeatable."
)
NO_BRIDGED_HELP = (
    "Do not recognise bridged token variants (USDC.e, Binance-Peg, ...): balances in them count at most as declared."
)
PUBLIC_KEY_HELP = (
    "The manifest signing key the snapshot is (or will be) signed with: 64 hex digits, or a file holding "
    "them (keys/signing.pub from solvent keygen, or a published snapshot's public/signing.pub). "
    "Every challenge names it, so the signatures hold for snapshots signed by this key only."
)
MAX_BLOCK_AGE_HELP = (
    "How long before the snapshot time a pinned block may have been made (e.g. 24h, 90m, 2d; default: 24h); "
    "it may be made at most 1h after."
)


def add_node_option(parser: argparse.ArgumentParser, help_text: str = NODE_HELP) -> None:
    parser.add_argument("--node", action="append", metavar="CHAIN=URL", help=help_text)


def add_verifier_options(parser: argparse.ArgumentParser, *, node_help: str = NODE_HELP) -> None:
    """``--node``, ``--token``, ``--no-bridged`` and ``--max-block-age``, as every verifier of reserves takes them."""
    add_node_option(parser, node_help)
    parser.add_argument("--token", action="append", metavar="CHAIN:SYMBOL=CONTRACT", help=CONTRACT_HELP)
    parser.add_argument("--no-bridged", action="store_true", help=NO_BRIDGED_HELP)
    parser.add_argument("--max-block-age", default="24h", metavar="DURATION", help=MAX_BLOCK_AGE_HELP)


def verifier_settings(args: argparse.Namespace) -> VerifierSettings:
    """The nodes, recognised tokens and block-time window a verifier chose (InputError if malformed)."""
    from solvent.pipeline.report import VerifierSettings
    from solvent.reserves.block_window import DEFAULT_WINDOW, BlockTimeWindow, parse_duration
    from solvent.reserves.tokens import default_registry

    window = BlockTimeWindow(parse_duration(args.max_block_age), DEFAULT_WINDOW.max_lead)
    registry = default_registry(args.token or [], bridged=not args.no_bridged)
    return VerifierSettings(tuple(args.node or ()), registry, window)


def add_parser(subparsers: Any) -> None:
    group = add_command(
        subparsers,
        "reserves",
        "Proof of reserves: ownership challenges, the attestation (reserves.json) and its verification.",
    )
    commands = group.add_subparsers(title="commands", metavar="COMMAND")

    challenge = add_command(
        commands,
        "challenge",
        "Print the exact message each cold wallet must sign (one per address).",
        extra="reserves",
        handler=challenge_command,
        parent="reserves",
    )
    challenge.add_argument(
        "declaration", type=path, metavar="DECLARATION", help="The reserves declaration (reserves.toml)."
    )
    challenge.add_argument("--public-key", metavar="KEY", help=PUBLIC_KEY_HELP + " Required.")
    challenge.add_argument(
        "--json", dest="as_json", action="store_true", help="Print a JSON list of {chain, address, message}."
    )

    attest = add_command(
        commands,
        "attest",
        "Check every signature, read every balance at the pinned block, and write reserves.json.",
        extra="reserves",
        handler=attest_command,
        parent="reserves",
    )
    attest.add_argument(
        "declaration", type=path, metavar="DECLARATION", help="The reserves declaration (reserves.toml)."
    )
    required = attest.add_argument_group("required options")
    required.add_argument(
        "--signatures", required=True, type=path, metavar="FILE", help="CSV chain,address,signature (one per wallet)."
    )
    required.add_argument("--out", required=True, type=path, metavar="FILE", help="Where to write reserves.json.")
    required.add_argument("--public-key", metavar="KEY", help=PUBLIC_KEY_HELP)
    add_node_option(attest)

    verify = add_command(
        commands,
        "verify",
        "Re-check every ownership signature offline, and the balances at the pinned block with --node.",
        extra="reserves",
        handler=verify_command,
        parent="reserves",
    )
    verify.add_argument("reserves", type=path, metavar="RESERVES", help="The reserves.json to check.")
    verify.add_argument(
        "--snapshot",
        type=path,
        metavar="FILE",
        help="The signed snapshot.json it belongs to: checks its signature (signing.pub beside it), "
        "the reserves file's SHA-256 in its files, the snapshot id, exchange and asset decimals, and the "
        "pinned blocks' times against the snapshot time. Without it the file is bound to nothing.",
    )
    verify.add_argument(
        "--public-key",
        metavar="KEY",
        help="Pin the exchange's Ed25519 key (hex, or a file) instead of the signing.pub beside --snapshot.",
    )
    add_verifier_options(verify)
    verify.add_argument("--json", dest="as_json", action="store_true", help="Print the result as JSON.")


def public_key_hex(value: str | None) -> str:
    """``--public-key``: 64 hex digits, or a file holding them (InputError otherwise; never a
    private key file, :func:`solvent.protocol.signature.pinned_public_key`).

    Checked here rather than by the parser, so that a bare install still names the
    extra a command needs before complaining about its options."""
    from solvent.protocol.errors import InputError
    from solvent.protocol.signature import pinned_public_key

    if value is None:
        raise InputError(
            "--public-key is required: the manifest signing key the snapshot will be signed with "
            "(keys/signing.pub from solvent keygen); every challenge names it"
        )
    return pinned_public_key(value)[0].hex()


def challenge_command(args: argparse.Namespace) -> int:
    from solvent.protocol.layout import read_small_file
    from solvent.reserves.challenge import challenge_message
    from solvent.reserves.declaration import parse_declaration

    decl = parse_declaration(read_small_file(args.declaration, "reserves declaration"), str(args.declaration))
    key = public_key_hex(args.public_key)
    items = [
        {
            "chain": w.address.chain,
            "address": w.address.text,
            "message": challenge_message(
                decl.exchange, decl.snapshot_id, decl.pins[w.address.chain], w.address, signing_key=key
            ),
        }
        for w in decl.wallets
    ]
    if args.as_json:
        sys.stdout.write(json.dumps(items, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    for item in items:
        sys.stdout.write(
            f"----- {item['chain']} {item['address']} (sign exactly the lines below, without a final newline) -----\n"
        )
        sys.stdout.write(item["message"] + "\n")
    return EXIT_OK


def attest_command(args: argparse.Namespace) -> int:
    from solvent.protocol.errors import InputError
    from solvent.protocol.layout import read_small_file
    from solvent.reserves.attest import attest, parse_signatures
    from solvent.reserves.declaration import parse_declaration
    from solvent.reserves.sources.base import opened_sources
    from solvent.reserves.tokens import default_registry

    declaration, signatures, out = args.declaration, args.signatures, args.out
    decl = parse_declaration(read_small_file(declaration, "reserves declaration"), str(declaration))
    sigs = parse_signatures(read_small_file(signatures, "signatures file"), str(signatures))
    key = public_key_hex(args.public_key)
    if out.exists():
        raise InputError(f"{out} already exists; refusing to overwrite an attestation")
    with opened_sources(args.node or []) as sources:
        attestation = attest(decl, sigs, sources, signing_key=key)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(attestation.to_json())
    tmp.replace(out)

    registry = default_registry()
    contracts = {(w.chain, b.asset, b.contract) for w in attestation.wallets for b in w.balances if b.contract}
    for chain, symbol, contract in sorted(contracts, key=lambda c: (c[0], c[1], c[2].text)):
        if not registry.recognises(chain, symbol, contract):
            sys.stdout.write(
                f"note: {symbol} on {chain} at {contract.text} is not a token contract solvent recognises; "
                f"verifiers count it as declared unless they pass --token {chain}:{symbol}={contract.text}\n"
            )
    def observed_in(wallets: Iterable[WalletEntry]) -> int:
        return sum(1 for w in wallets for b in w.balances if b.source == "observed")

    parts = []
    pinned = observed_in(w for w in attestation.wallets if w.observed is None)
    if pinned or not any(w.observed for w in attestation.wallets):
        parts.append(f"{pinned} balances observed at the pinned blocks")
    latest = {w.chain: w.observed for w in attestation.wallets if w.observed is not None}
    if latest:
        blocks = ", ".join(f"{chain} {block.height}" for chain, block in latest.items())
        parts.append(
            f"{observed_in(w for w in attestation.wallets if w.observed)} observed at the latest block "
            f"({blocks}), not at the pinned block"
        )
    declared = sum(1 for w in attestation.wallets for b in w.balances if b.source == "declared")
    read = ", ".join(parts)
    sys.stdout.write(
        f"wrote {out}: {len(attestation.wallets)} wallets, signatures valid; {read}; {declared} declared; "
        f"{len(attestation.offchain)} off-chain entries; "
        f"bound to signing key {key} (sign the snapshot with its private key)\n"
    )
    return EXIT_OK


def verify_command(args: argparse.Namespace) -> int:
    from solvent.protocol.layout import read_small_file
    from solvent.reserves.recheck import bound_attestation, check_attestation
    from solvent.reserves.reserves_json import NOT_KEY_BOUND, parse_attestation
    from solvent.reserves.sources.base import opened_sources

    reserves, snapshot = args.reserves, args.snapshot
    settings = verifier_settings(args)
    raw = read_small_file(reserves, "reserves attestation")
    taken_at = None
    signing_key = None
    warnings = []
    if snapshot is not None:
        from solvent.protocol.signed_manifest import load_signed_any_manifest

        signed = load_signed_any_manifest(snapshot, public_key=args.public_key)  # bound alike in v1 and v2
        signing_key = signed.public_key
        attestation = bound_attestation(raw, signed.manifest, str(reserves), signing_key=signing_key)
        taken_at = signed.manifest.taken_at
    else:
        from solvent.protocol.errors import InputError

        if args.public_key:
            raise InputError("--public-key checks a manifest's signature: give the manifest with --snapshot")
        attestation = parse_attestation(raw, str(reserves))
        warnings.append(
            f"{reserves} is not bound to any signed manifest (no --snapshot): anybody could have written it, "
            "the pinned blocks' times were not checked against a snapshot time, and the signing key it names "
            "was not compared with a manifest's"
        )
    if not attestation.key_bound:
        warnings.append(f"{reserves} is in the older format {attestation.format}: its signatures are {NOT_KEY_BOUND}")
    if not args.node:
        warnings.append("no --node given: balances are as attested and were not re-read on chain")
    for warning in warnings:
        sys.stderr.write(f"warning: {printable(warning)}\n")
    with opened_sources(settings.nodes) as sources:
        result = check_attestation(
            attestation,
            sources,
            taken_at=taken_at,
            window=settings.window,
            tokens=settings.tokens,
            signing_key=signing_key,
        )
    if args.as_json:
        payload = {
            "valid": not result.failures,
            "bound": snapshot is not None,
            "format": attestation.format,
            "signing_key": result.signing_key,
            "key_bound": attestation.key_bound,
            "taken_at": taken_at,
            "wallets": [_wallet_json(wc, key_checked=snapshot is not None) for wc in result.wallets],
            "warnings": warnings,
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
    else:
        _print_result(result, key_checked=snapshot is not None)
    return EXIT_INVALID if result.failures else EXIT_OK


def _binding(wc: WalletCheck, *, key_checked: bool) -> tuple[bool, str]:
    """Whether a wallet's signature is bound to the manifest signing key, in words.  Without a
    manifest (no --snapshot) a /3 file's key was compared with nothing: it names a key, and
    nothing says that key signed any snapshot."""
    from solvent.reserves.reserves_json import NOT_KEY_BOUND

    if not wc.key_bound:
        return False, NOT_KEY_BOUND
    if not key_checked:
        return False, "names a signing key, not compared with a manifest (give --snapshot)"
    return True, "bound to the signing key"


def _wallet_json(wc: WalletCheck, *, key_checked: bool) -> dict[str, Any]:
    from solvent.report.render_json import error_to_dict
    from solvent.reserves.block_window import format_block_time
    from solvent.reserves.reserves_json import observed_to_dict

    bound, binding = _binding(wc, key_checked=key_checked)
    return {
        "chain": wc.wallet.chain,
        "address": wc.wallet.address.text,
        "valid": wc.ok,
        "key_bound": bound,
        "key_binding": binding,
        "block": {
            **wc.wallet.block.to_dict(),
            "time": None if wc.block_time is None else format_block_time(wc.block_time),
        },
        "method": wc.method or wc.wallet.scheme,
        "ownership_checked": wc.ownership_checked,
        "ownership_note": wc.ownership_note,
        "timing": wc.timing,
        "observed": None if wc.wallet.observed is None else observed_to_dict(wc.wallet.observed),
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


def _print_result(result: ReservesCheck, *, key_checked: bool) -> None:
    from solvent.report.render_json import NOT_CHECKED
    from solvent.reserves.block_window import format_block_time

    def out(line: str) -> None:
        sys.stdout.write(printable(line) + "\n")

    for wc in result.wallets:
        w = wc.wallet
        pinned = f"pinned block {w.block.height}" + (f" ({format_block_time(wc.block_time)})" if wc.block_time else "")
        if wc.error is None:
            # how the balances were read, in the report's words: a chain without history is
            # read at its latest block, never presented as a reading at the pinned block
            if wc.timing == "declared":
                where = f"balances declared, not observed on chain; {pinned}"
            else:
                by = f"re-read from {wc.rechecked_by}" if wc.rechecked_by else "not re-read"
                if w.observed is not None:
                    where = f"balances {by}, {wc.timing}; {pinned}"
                else:
                    where = f"balances {by}, at the {pinned}"
            is_bound, binding = _binding(wc, key_checked=key_checked)
            bound = "" if is_bound else f", {binding}"
            method = wc.method or w.scheme
            if wc.ownership_checked:
                out(f"ok       {w.chain} {w.address.text}: signature valid ({method}{bound}); {where}")
            else:
                out(f"ok       {w.chain} {w.address.text}: {NOT_CHECKED} ({method}{bound}); {where}")
            if wc.ownership_note:
                out(f"           {wc.ownership_note}")
        else:
            out(f"INVALID  {w.chain} {w.address.text}: {wc.error.message}")
            for key, value in wc.error.evidence.items():
                out(f"           {key}: {value}")
        for bc in wc.balance_checks():
            if bc.balance.contract is not None:
                flags = "".join(f"; {note}" for note in bc.notes)
                out(f"           {bc.balance.asset} contract {bc.balance.contract.text}{flags}")
