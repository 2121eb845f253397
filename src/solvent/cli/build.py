"""``solvent build``: the exchange operator's command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from solvent.cli.options import add_command, hash_backend, path
from solvent.protocol.errors import FormatError, InputError

__all__ = ["add_parser", "load_config", "run"]

_CONFIG_KEYS = {"exchange", "assets", "layout", "round_up"}


def load_config(path: Path) -> dict[str, Any]:
    """A TOML file with any of: exchange, assets ("BTC:8,ETH:18" or [{symbol, decimals}]), layout, round_up."""
    import tomllib

    from solvent.protocol.assets import Asset, check_asset_list, parse_asset_list

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise InputError(f"{path}: cannot read the config file ({e.strerror})") from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: not valid TOML ({e})") from e
    unknown = set(data) - _CONFIG_KEYS
    for key, kind in (("exchange", str), ("layout", str), ("round_up", bool)):
        if key in data and not isinstance(data[key], kind):
            raise InputError(f"{path}: {key} must be a {'true/false' if kind is bool else 'string'}")
    if data.get("layout", "auto") not in ("auto", "long", "wide"):
        raise InputError(f"{path}: layout must be auto, long or wide")
    if unknown:
        known = ", ".join(sorted(_CONFIG_KEYS))
        raise InputError(f"{path}: unknown settings {', '.join(sorted(unknown))}; known: {known}")
    assets = data.get("assets")
    if isinstance(assets, list):
        try:
            data["assets"] = check_asset_list([Asset(a["symbol"], a["decimals"]) for a in assets])
        except (TypeError, KeyError) as e:
            raise InputError(f"{path}: assets must be a list of {{symbol, decimals}} tables") from e
        except FormatError as e:
            raise InputError(f"{path}: {e}") from e
    elif isinstance(assets, str):
        data["assets"] = parse_asset_list(assets)
    elif assets is not None:
        raise InputError(f"{path}: assets must be a string like 'BTC:8,ETH:18' or a list of tables")
    return data


def _progress(line: str) -> None:
    sys.stderr.write(f"  {line}\n")


def add_parser(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "build",
        "Build a signed snapshot: hashed ids, the Merkle sum tree, liabilities.csv, and the private users.csv.",
        "Nothing is written unless the whole build succeeds.",
        extra="operator",
        handler=run,
    )
    parser.add_argument(
        "ledger",
        type=path,
        metavar="LEDGER",
        help="The ledger export: CSV or Parquet, long (uid,asset,amount) or wide.",
    )
    required = parser.add_argument_group("required options")
    required.add_argument("--snapshot-id", required=True, metavar="ID", help="The snapshot's id, e.g. 2026-11-23.")
    required.add_argument("--master-key-file", required=True, type=path, metavar="FILE", help="KEYDIR/master.key")
    required.add_argument("--signing-key-file", required=True, type=path, metavar="FILE", help="KEYDIR/signing.key")
    required.add_argument("--out", required=True, type=path, metavar="DIR", help="The snapshot directory to create.")
    parser.add_argument(
        "--assets", metavar="SYMBOL:DECIMALS,...", help="Ordered assets with decimals, e.g. BTC:8,ETH:8,USD:2."
    )
    parser.add_argument("--config", type=path, metavar="FILE", help="A TOML file with exchange/assets/layout.")
    parser.add_argument("--exchange", metavar="NAME", help="The exchange's name.")
    parser.add_argument("--taken-at", metavar="TIME", help="Snapshot time, RFC 3339 UTC (default: now).")
    parser.add_argument(
        "--layout",
        choices=("auto", "long", "wide"),
        default="auto",
        metavar="LAYOUT",
        help="Ledger layout: auto, long (uid,asset,amount) or wide (uid,BTC,ETH,...) (default: auto).",
    )
    parser.add_argument(
        "--round-up", action="store_true", help="Round amounts with excess decimals UP instead of failing."
    )
    parser.add_argument(
        "--reserves", type=path, metavar="FILE", help="A reserves.json attestation to publish and bind."
    )
    parser.add_argument("--force", action="store_true", help="Replace an existing --out once the new one is whole.")
    parser.add_argument(
        "--hasher", type=hash_backend, metavar="NAME", help="Hash backend: native or hashlib (default: the fastest)."
    )


def run(args: argparse.Namespace) -> int:
    from solvent.pipeline.build import BuildRequest, build_snapshot
    from solvent.protocol.assets import parse_asset_list
    from solvent.protocol.layout import PRIVATE_DIR, public_dir

    settings = load_config(args.config) if args.config else {}
    asset_list = parse_asset_list(args.assets) if args.assets else settings.get("assets")
    if not asset_list:
        raise InputError("give the assets with --assets BTC:8,ETH:8 (or in --config)")
    layout = args.layout
    request = BuildRequest(
        ledger=args.ledger,
        assets=tuple(asset_list),
        snapshot_id=args.snapshot_id,
        master_key_file=args.master_key_file,
        signing_key_file=args.signing_key_file,
        out=args.out,
        exchange=args.exchange or settings.get("exchange") or "Exchange",
        taken_at=args.taken_at,
        layout=settings.get("layout", layout) if layout == "auto" else layout,
        round_up=args.round_up or settings.get("round_up", False) is True,
        reserves=args.reserves,
        replace=args.force,
        hasher=args.hasher,
    )
    result = build_snapshot(request, progress=_progress)
    root = result.manifest.root
    lines = [
        f"snapshot {result.manifest.snapshot_id} built in {result.out}",
        f"  accounts:    {root.leaf_count}",
        f"  merkle root: {root.hash.hex()}",
    ]
    if result.rounded:
        counts = ", ".join(f"{count} {symbol}" for symbol, count in result.rounded.items())
        lines.append(f"  rounded up:  {counts} amounts (--round-up)")
    lines += [
        f"  publish:     {public_dir(result.out)}",
        f"  keep secret: {result.out / PRIVATE_DIR} (give each customer their uid, user_secret, hashed_id)",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
