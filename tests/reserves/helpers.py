"""Test helpers: snapshot directories with a signed manifest, without the tree builder.

The report only reads the manifest (root sums = liabilities), its signature and the
bound reserves.json, so a test can write those directly with the real manifest and
signing code.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from solvent.protocol.assets import Asset, parse_asset_list
from solvent.protocol.manifest import Manifest
from solvent.protocol.proof import Root
from solvent.publish.keys import public_key_hex, sign
from tests.reserves.scenario import MANIFEST_KEY

DEMO_ASSETS = parse_asset_list("BTC:8,ETH:8,USDT:8,USDC:8,USD:2")


def write_snapshot(
    directory: Path,
    *,
    exchange: str,
    snapshot_id: str,
    liabilities: Mapping[str, int],
    assets: tuple[Asset, ...] = DEMO_ASSETS,
    reserves: bytes | None = None,
    bind_reserves: bool = True,
    taken_at: str = "2026-11-23T00:00:00Z",
    key: Ed25519PrivateKey | None = None,
) -> Path:
    """Write DIR/public/{snapshot.json, .sig, signing.pub[, reserves.json]} and return DIR."""
    key = key or MANIFEST_KEY  # the key the scenarios' challenges name
    public = directory / "public"
    public.mkdir(parents=True, exist_ok=True)
    files = {"liabilities.csv": hashlib.sha256(b"not used by the report").hexdigest()}
    if reserves is not None:
        (public / "reserves.json").write_bytes(reserves)
        if bind_reserves:
            files["reserves.json"] = hashlib.sha256(reserves).hexdigest()
    root = Root(secrets.token_bytes(32), tuple(liabilities.get(a.symbol, 0) for a in assets), 3, 6)
    manifest = Manifest(exchange, snapshot_id, taken_at, assets, root, files)
    data = manifest.to_json()
    (public / "snapshot.json").write_bytes(data)
    (public / "snapshot.json.sig").write_text(sign(key, data) + "\n")
    (public / "signing.pub").write_text(public_key_hex(key) + "\n")
    return directory
