"""``solvent build``: the exchange operator's command."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from solvent.cli.common import terminate_as_interrupt
from solvent.cli.options import MIN_MEMORY, add_command, hash_backend, int_in, memory_size, path
from solvent.protocol.errors import FormatError, InputError
from solvent.protocol.v2.manifest import MAX_ASSETS as V2_MAX_ASSETS

__all__ = ["DEFAULT_MEMORY_TEXT", "add_parser", "load_config", "run"]

#: ``pipeline.build_v2.DEFAULT_MEMORY`` as --help shows it (spelled out so that --help need not
#: import NumPy and Polars; a test keeps the two equal).
DEFAULT_MEMORY_TEXT = "2G"

_CONFIG_KEYS = {"exchange", "assets", "layout", "round_up"}
#: A config file is a few lines; a larger one is a mistake (or /dev/zero) and is not read whole.
MAX_CONFIG_FILE = 1 << 20


def load_config(path: Path) -> dict[str, Any]:
    """A TOML file with any of: exchange, assets ("BTC:8,ETH:18" or [{symbol, decimals}]), layout, round_up."""
    import tomllib

    from solvent.protocol.assets import Asset, check_asset_list, parse_asset_list
    from solvent.protocol.layout import read_small_file

    try:
        # a regular file of bounded size: a FIFO or a device is refused, never read
        raw = read_small_file(path, "config file", MAX_CONFIG_FILE)
    except FormatError as e:  # too large: the operator's own input, a usage error
        raise InputError(e.message, evidence=e.evidence) from e
    try:
        data = tomllib.loads(raw.decode("utf-8"))
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
            data["assets"] = check_asset_list([Asset(a["symbol"], a["decimals"]) for a in assets], V2_MAX_ASSETS)
        except (TypeError, KeyError) as e:
            raise InputError(f"{path}: assets must be a list of {{symbol, decimals}} tables") from e
        except FormatError as e:
            raise InputError(f"{path}: {e}") from e
    elif isinstance(assets, str):
        data["assets"] = parse_asset_list(assets, V2_MAX_ASSETS)
    elif assets is not None:
        raise InputError(f"{path}: assets must be a string like 'BTC:8,ETH:18' or a list of tables")
    return data


#: Assets listed one per line in the build's summary; the rest are counted (all are in snapshot.json).
SHOWN_ASSETS = 20


def add_parser(subparsers: Any) -> None:
    parser = add_command(
        subparsers,
        "build",
        "Build a signed snapshot: hashed ids, one Merkle sum tree per asset, the per-asset CSVs, and the "
        "private users.csv.",
        "Writes protocol v2 (solvent-snapshot/2).  Memory stays within --memory however many accounts the\n"
        "ledger holds: rows are spilled to a temporary folder beside --out, which is removed on success,\n"
        "failure and Ctrl-C.  Nothing is written at --out unless the whole build succeeds.",
        extra="operator",
        handler=run,
    )
    parser.add_argument(
        "ledger",
        type=path,
        nargs="+",
        metavar="LEDGER",
        help="The ledger export: a CSV or Parquet file, long (uid,asset,amount) or wide; or a folder or a "
        "quoted glob ('export/part-*.parquet') of Parquet parts, as Spark, Snowflake or BigQuery write them.",
    )
    required = parser.add_argument_group("required options")
    required.add_argument("--snapshot-id", required=True, metavar="ID", help="The snapshot's id, e.g. 2026-11-23.")
    required.add_argument("--master-key-file", required=True, type=path, metavar="FILE", help="KEYDIR/master.key")
    required.add_argument("--signing-key-file", required=True, type=path, metavar="FILE", help="KEYDIR/signing.key")
    required.add_argument("--out", required=True, type=path, metavar="DIR", help="The snapshot directory to create.")
    parser.add_argument(
        "--assets",
        metavar="SYMBOL:DECIMALS,...",
        help=f"Ordered assets with decimals, e.g. BTC:8,ETH:8,USD:2 (1 to {V2_MAX_ASSETS}).",
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
    parser.add_argument(
        "--force",
        action="store_true",
        help="Replace an existing --out once the new one is whole; only a snapshot folder solvent made, "
        "holding none of the inputs.",
    )
    parser.add_argument(
        "--hasher", type=hash_backend, metavar="NAME", help="Hash backend: native or hashlib (default: the fastest)."
    )
    parser.add_argument(
        "--memory",
        type=memory_size,
        metavar="SIZE",
        help=f"The build's memory budget, e.g. 512M, 2G, 1.5GiB (K, M, G, T and KiB ... TiB count in 1024s, KB, "
        f"MB, GB, TB in 1000s; default: {DEFAULT_MEMORY_TEXT}, which fits a 4 GB machine; at least "
        f"{MIN_MEMORY >> 20}M).",
    )
    parser.add_argument(
        "--workers",
        type=int_in(1, 256),
        metavar="N",
        help="Processes for the sort pass (default: up to 2, one per core).",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="No progress display on stderr.")


def _ledger(given: list[Path]) -> Path:
    if len(given) == 1:
        return given[0]
    # The shell expanded an unquoted glob into many files: say how to pass it instead.
    raise InputError(
        f"give one LEDGER (a file, a folder of Parquet parts, or a quoted glob); got {len(given)} paths. "
        f"Quote a glob so that solvent expands it, not the shell: '{given[0].parent / '*.parquet'}'",
        evidence={"paths": len(given)},
    )


def _make_parents(out: Path) -> list[Path]:
    """Create the missing parent folders of ``--out`` (``snapshots/2026-11-23`` in a fresh
    folder, as the README writes it); returns those it made, deepest first."""
    made: list[Path] = []
    parent = out.parent
    while str(parent) not in ("", ".") and not parent.exists() and not parent.is_symlink():
        made.append(parent)
        parent = parent.parent
    for folder in reversed(made):
        try:
            folder.mkdir()
        except OSError as e:
            _remove_empty(made)
            raise InputError(f"{folder}: cannot create the parent folder of --out ({e.strerror or e})") from e
    return made


def _remove_empty(made: list[Path]) -> None:
    """A build that did not succeed leaves nothing behind, not even the folders it made for --out."""
    for folder in made:  # deepest first
        with contextlib.suppress(OSError):
            folder.rmdir()


def run(args: argparse.Namespace) -> int:
    from solvent.cli.progress import ProgressDisplay
    from solvent.pipeline.build import BuildRequest
    from solvent.pipeline.build_v2 import DEFAULT_MEMORY, build_snapshot_v2
    from solvent.protocol.assets import parse_asset_list
    from solvent.protocol.layout import PRIVATE_DIR, public_dir
    from solvent.publish.snapshot import SNAPSHOT_KIND, check_output, sweep

    ledger = _ledger(args.ledger)
    inputs = (ledger, args.master_key_file, args.signing_key_file, args.config, args.reserves)
    # Before anything is read: --out must neither hold nor sit inside an input, and --force
    # replaces only a snapshot folder solvent made (docs/threat-model.md, O4).
    check_output(args.out, inputs, replace=args.force, kind=SNAPSHOT_KIND, option="--out")
    parent = args.out.parent if str(args.out.parent) else Path()
    if parent.is_dir():
        for line in sweep(parent, args.out.name, inner="snapshot"):
            sys.stderr.write(f"{line}\n")
    settings = load_config(args.config) if args.config else {}
    asset_list = parse_asset_list(args.assets, V2_MAX_ASSETS) if args.assets else settings.get("assets")
    if not asset_list:
        raise InputError("give the assets with --assets BTC:8,ETH:8 (or in --config)")
    layout = args.layout
    request = BuildRequest(
        ledger=ledger,
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
    memory = DEFAULT_MEMORY if args.memory is None else args.memory
    made = _make_parents(args.out)
    try:
        with terminate_as_interrupt():
            if args.quiet:
                result = build_snapshot_v2(request, workers=args.workers, memory=memory)
            else:
                with ProgressDisplay(sys.stderr) as display:
                    result = build_snapshot_v2(request, progress=display, workers=args.workers, memory=memory)
    except BaseException:
        _remove_empty(made)
        raise
    manifest = result.manifest
    holdings = sum(t.root.leaf_count for t in manifest.trees)
    lines = [
        f"snapshot {manifest.snapshot_id} built in {result.out} (protocol v2: one sum tree per asset)",
        f"  accounts:    {manifest.accounts} holding something ({holdings} holdings)",
        f"  assets:      {len(manifest.trees)}",
    ]
    width = max(len(t.symbol) for t in manifest.trees[:SHOWN_ASSETS])
    for tree in manifest.trees[:SHOWN_ASSETS]:
        lines.append(
            f"    {tree.symbol:<{width}}  {tree.root.leaf_count:>10} leaves  root {tree.root.hash.hex()}"
        )
    if len(manifest.trees) > SHOWN_ASSETS:
        lines.append(f"    ... and {len(manifest.trees) - SHOWN_ASSETS} more (every root is in snapshot.json)")
    if result.rounded:
        counts = ", ".join(f"{count} {symbol}" for symbol, count in result.rounded.items())
        lines.append(f"  rounded up:  {counts} amounts (--round-up)")
    lines += [
        f"  publish:     {public_dir(result.out)}",
        f"  keep secret: {result.out / PRIVATE_DIR} (give each customer their uid, user_secret, hashed_id)",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
