"""Loading a snapshot directory: manifest signature, reserves digest binding, same snapshot."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from solvent.pipeline.report import load_snapshot
from solvent.protocol.assets import parse_asset_list
from solvent.protocol.errors import BadSignature, FileDigestMismatch, FormatError, InputError, ManifestMismatch
from tests.report.fixtures import SCENARIO_ASSETS, declared_attestation
from tests.reserves.helpers import write_snapshot

ASSETS = parse_asset_list(SCENARIO_ASSETS)
LIAB = {"BTC": 1, "ETH": 2, "USDT": 3, "USD": 4}


def snap(tmp_path: Path, reserves: bytes | None, **kw) -> Path:
    args = {"exchange": "Test Exchange", "snapshot_id": "2026-11-23", "liabilities": LIAB, "assets": ASSETS}
    return write_snapshot(tmp_path, reserves=reserves, **{**args, **kw})


def test_loads_and_binds(tmp_path: Path) -> None:
    att = declared_attestation()
    loaded = load_snapshot(snap(tmp_path, att.to_json()))
    assert loaded.attestation == att
    assert loaded.manifest.root.sums == (1, 2, 3, 4)


def test_reserves_not_bound_in_the_manifest(tmp_path: Path) -> None:
    with pytest.raises(ManifestMismatch):
        load_snapshot(snap(tmp_path, declared_attestation().to_json(), bind_reserves=False))


def test_reserves_changed_after_signing(tmp_path: Path) -> None:
    d = snap(tmp_path, declared_attestation().to_json())
    path = d / "public" / "reserves.json"
    path.write_bytes(path.read_bytes().replace(b'"1000.50"', b'"1000.51"').replace(b"100050", b"900050"))
    with pytest.raises(FileDigestMismatch) as e:
        load_snapshot(d)
    assert e.value.evidence["expected"] != e.value.evidence["computed"]


def test_bound_reserves_file_missing(tmp_path: Path) -> None:
    d = snap(tmp_path, declared_attestation().to_json())
    (d / "public" / "reserves.json").unlink()
    with pytest.raises(ManifestMismatch):
        load_snapshot(d)


def test_reserves_of_another_snapshot(tmp_path: Path) -> None:
    att = dataclasses.replace(declared_attestation(), snapshot_id="2026-10-23")
    with pytest.raises(ManifestMismatch):
        load_snapshot(snap(tmp_path, att.to_json()))


def test_reserves_with_other_decimals_than_the_snapshot(tmp_path: Path) -> None:
    other = parse_asset_list("BTC:8,ETH:18,USDT:8,USD:2")
    with pytest.raises((ManifestMismatch, FormatError)):
        load_snapshot(snap(tmp_path, declared_attestation().to_json(), assets=other))


def test_tampered_manifest_signature(tmp_path: Path) -> None:
    d = snap(tmp_path, None)
    manifest = d / "public" / "snapshot.json"
    manifest.write_bytes(manifest.read_bytes().replace(b"Test Exchange", b"Test Exchangf"))
    with pytest.raises(BadSignature):
        load_snapshot(d)


def test_not_a_snapshot_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        load_snapshot(tmp_path)


def test_pinned_key_of_another_signer(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    d = snap(tmp_path, None)
    with pytest.raises(BadSignature):
        load_snapshot(d, public_key=other)
