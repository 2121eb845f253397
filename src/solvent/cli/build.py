"""``solvent build``: the exchange operator's command."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from solvent.cli.app import app, guarded
from solvent.protocol.assets import Asset, check_asset_list, parse_asset_list
from solvent.protocol.errors import FormatError, InputError

__all__ = ["build_command", "load_config"]

_CONFIG_KEYS = {"exchange", "assets", "layout", "round_up"}


def load_config(path: Path) -> dict[str, Any]:
    """A TOML file with any of: exchange, assets ("BTC:8,ETH:18" or [{symbol, decimals}]), layout, round_up."""
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


@app.command("build")
@guarded
def build_command(
    ledger: Annotated[Path, typer.Argument(help="The ledger export: CSV or Parquet, long (uid,asset,amount) or wide.")],
    snapshot_id: Annotated[str, typer.Option("--snapshot-id", help="The snapshot's id, e.g. 2026-11-23.")],
    master_key_file: Annotated[Path, typer.Option("--master-key-file", help="KEYDIR/master.key")],
    signing_key_file: Annotated[Path, typer.Option("--signing-key-file", help="KEYDIR/signing.key")],
    out: Annotated[Path, typer.Option("--out", help="The snapshot directory to create.")],
    assets: Annotated[
        str | None, typer.Option("--assets", help="Ordered assets with decimals, e.g. BTC:8,ETH:8,USD:2.")
    ] = None,
    config: Annotated[Path | None, typer.Option("--config", help="A TOML file with exchange/assets/layout.")] = None,
    exchange: Annotated[str | None, typer.Option("--exchange", help="The exchange's name.")] = None,
    taken_at: Annotated[
        str | None, typer.Option("--taken-at", help="Snapshot time, RFC 3339 UTC (default: now).")
    ] = None,
    layout: Annotated[
        Literal["auto", "long", "wide"], typer.Option("--layout", help="Ledger layout.")
    ] = "auto",
    round_up: Annotated[
        bool, typer.Option("--round-up", help="Round amounts with excess decimals UP instead of failing.")
    ] = False,
    reserves: Annotated[
        Path | None, typer.Option("--reserves", help="A reserves.json attestation to publish and bind.")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing --out once the new one is whole.")
    ] = False,
    hasher: Annotated[str | None, typer.Option("--hasher", help="Hash backend: native or hashlib.")] = None,
) -> None:
    """Build a signed snapshot: hashed ids, the Merkle sum tree, liabilities.csv, and the private users.csv."""
    from solvent.pipeline.build import BuildRequest, build_snapshot
    from solvent.protocol.layout import PRIVATE_DIR, public_dir

    settings = load_config(config) if config else {}
    asset_list = parse_asset_list(assets) if assets else settings.get("assets")
    if not asset_list:
        raise InputError("give the assets with --assets BTC:8,ETH:8 (or in --config)")
    request = BuildRequest(
        ledger=ledger,
        assets=tuple(asset_list),
        snapshot_id=snapshot_id,
        master_key_file=master_key_file,
        signing_key_file=signing_key_file,
        out=out,
        exchange=exchange or settings.get("exchange") or "Exchange",
        taken_at=taken_at,
        layout=settings.get("layout", layout) if layout == "auto" else layout,
        round_up=round_up or settings.get("round_up", False) is True,
        reserves=reserves,
        replace=force,
        hasher=hasher,
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
