"""``solvent build``: ledger export -> hashed ids -> Merkle sum tree -> signed snapshot directory.

The one place the stages meet (ingest, tree, publish); each stage knows nothing of
the others. Order matters for memory at 10^7 accounts: user secrets are written and
dropped before the tree is built, and the input-order amounts are dropped as soon as
the leaf-order copy exists.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import polars as pl

from solvent.columnar import u128
from solvent.columnar.hexcols import hex_column
from solvent.columnar.liabilities_csv import write_liabilities_csv
from solvent.ingest.ledger import read_ledger
from solvent.protocol.amounts import AMOUNT_LIMIT
from solvent.protocol.assets import Asset
from solvent.protocol.errors import FormatError, InputError, SolventError
from solvent.protocol.ids import check_snapshot_id
from solvent.protocol.layout import LIABILITIES_FILE, RESERVES_FILE, USERS_FILE, read_small_file
from solvent.protocol.manifest import Manifest, check_exchange_name, check_timestamp
from solvent.publish.keys import load_master_key, load_signing_key, public_key_hex
from solvent.publish.snapshot import SnapshotWriter, secret_file
from solvent.tree.builder import build_tree
from solvent.tree.bulk_hash import get_hasher
from solvent.tree.bulk_ids import derive_ids, leaf_order

if TYPE_CHECKING:
    from solvent.reserves.reserves_json import Attestation

__all__ = ["BuildRequest", "BuildResult", "StageTimer", "build_snapshot", "utc_now"]


class StageTimer:
    """Wall-clock seconds per build stage, in order, each reported when it ends."""

    def __init__(self, report: Callable[[str], None] = lambda _: None) -> None:
        self.seconds: dict[str, float] = {}
        self._report = report
        self._mark = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._mark, 3)
        self._mark = now
        self._report(f"{name}: {self.seconds[name]:.1f} s")


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class BuildRequest:
    ledger: Path
    assets: Sequence[Asset]
    snapshot_id: str
    master_key_file: Path
    signing_key_file: Path
    out: Path
    exchange: str = "Exchange"
    taken_at: str | None = None
    layout: Literal["auto", "long", "wide"] = "auto"
    round_up: bool = False
    reserves: Path | None = None
    replace: bool = False
    hasher: str | None = None


@dataclass(frozen=True)
class BuildResult:
    out: Path
    manifest: Manifest
    seconds: dict[str, float] = field(default_factory=dict)
    #: Per asset, how many amounts --round-up rounded up (only assets with any).
    rounded: dict[str, int] = field(default_factory=dict)


def _check_request(req: BuildRequest, clock: Callable[[], str]) -> tuple[str, str]:
    try:
        check_snapshot_id(req.snapshot_id)
        taken_at = check_timestamp(req.taken_at or clock(), "--taken-at")
        check_exchange_name(req.exchange, "--exchange")
    except FormatError as e:
        raise InputError(str(e)) from e
    return req.snapshot_id, taken_at


def _check_totals(amounts: np.ndarray, assets: Sequence[Asset]) -> None:
    """Every node's sum is at most its asset's total: a total below 2^128 means no sum overflows (L3)."""
    for asset, total in zip(assets, u128.total(amounts), strict=True):
        if total >= AMOUNT_LIMIT:
            raise InputError(
                f"the {asset.symbol} balances add up to {total} base units, not below 2^128",
                evidence={"asset": asset.symbol, "total": total},
            )


def _attach_reserves(req: BuildRequest, writer: SnapshotWriter) -> Attestation | None:
    if req.reserves is None:
        return None
    from solvent.reserves.reserves_json import parse_attestation

    try:
        data = read_small_file(req.reserves, "reserves attestation")
        attestation = parse_attestation(data, str(req.reserves))
    except FormatError as e:
        raise InputError(f"{req.reserves}: {e}") from e
    if attestation.snapshot_id != req.snapshot_id:
        raise InputError(
            f"{req.reserves} attests snapshot {attestation.snapshot_id!r}, this build is {req.snapshot_id!r}"
        )
    if attestation.exchange != req.exchange:
        raise InputError(f"{req.reserves} is for exchange {attestation.exchange!r}, this build is {req.exchange!r}")
    own_key = public_key_hex(load_signing_key(req.signing_key_file))
    if attestation.signing_key is None:
        # An older attestation names no key: it could be any exchange's (docs/spec.md §12.7
        # (reserves.json (solvent-reserves/2))).  Old snapshots are still read; a new one binds
        # only a key-bound attestation.
        raise InputError(
            f"{req.reserves} is an older attestation ({attestation.format}) whose challenges name no signing key, "
            "so it could be any exchange's; attest again with --public-key of this build's key"
        )
    if attestation.signing_key != own_key:
        # its challenges name another key: every verifier would refuse it (docs/spec.md §12.7 (reserves.json
        # (solvent-reserves/2)))
        raise InputError(
            f"{req.reserves} was made for signing key {attestation.signing_key}, this build signs with {own_key}; "
            "attest again with --public-key of this build's key"
        )
    writer.add_public_bytes(RESERVES_FILE, data)
    return attestation


def _check_reserves_fit(attestation: Attestation | None, manifest: Manifest) -> None:
    """The attestation's assets and decimals must be the snapshot's (threat L15), checked before signing."""
    if attestation is None:
        return
    from solvent.reserves.recheck import check_against_manifest

    try:
        check_against_manifest(attestation, manifest)
    except SolventError as e:
        raise InputError(f"--reserves: {e}", evidence=e.evidence) from e


def _write_users(path: Path, uids: pl.Series, secrets: np.ndarray, ids: np.ndarray) -> None:
    """``uid,user_secret,hashed_id`` in input order, a million rows at a time (bounded memory)."""
    chunk = 1 << 20
    with os.fdopen(secret_file(path), "wb") as f:  # 0600 from its first byte
        for start in range(0, len(uids), chunk):
            stop = start + chunk
            frame = pl.DataFrame(
                [
                    uids[start:stop].alias("uid"),
                    hex_column(secrets[start:stop], "user_secret"),
                    hex_column(ids[start:stop], "hashed_id"),
                ]
            )
            frame.write_csv(f, include_header=start == 0, line_terminator="\n")


def build_snapshot(
    req: BuildRequest,
    *,
    clock: Callable[[], str] = utc_now,
    progress: Callable[[str], None] = lambda _: None,
) -> BuildResult:
    """Build and sign a snapshot; nothing is left at ``req.out`` unless it all succeeded."""
    snapshot_id, taken_at = _check_request(req, clock)
    master_key = load_master_key(req.master_key_file)
    signing_key = load_signing_key(req.signing_key_file)
    hasher = get_hasher(req.hasher)
    timer = StageTimer(progress)
    lap = timer.lap
    with SnapshotWriter(req.out, replace=req.replace) as writer:
        attestation = _attach_reserves(req, writer)
        ledger = read_ledger(req.ledger, req.assets, layout=req.layout, round_up=req.round_up)
        uids, amounts = ledger.uids, ledger.amounts
        rounded = {a.symbol: r for a, r in zip(req.assets, ledger.rounded, strict=False) if r}
        del ledger
        _check_totals(amounts, req.assets)
        lap("ingest")
        if rounded:  # --round-up is never silent (spec §2 (Assets and amounts))
            progress("rounded up: " + ", ".join(f"{count} {symbol} amounts" for symbol, count in rounded.items()))
        secrets, ids = derive_ids(master_key, snapshot_id, uids, hasher)
        lap("hashed ids")
        _write_users(writer.private / USERS_FILE, uids, secrets, ids)
        del secrets, uids
        lap("private users.csv")
        order = leaf_order(ids)
        ids = np.take(ids, order, axis=0)  # np.take: several times faster than fancy indexing here
        amounts = np.take(amounts, order, axis=0)
        del order
        lap("leaf order")
        tree = build_tree(len(ids), lambda s, e: (ids[s:e], amounts[s:e]), req.assets, hasher, writer.public)
        for name, digest in tree.digests.items():
            writer.bind(name, digest)
        lap("tree")
        writer.bind(LIABILITIES_FILE, write_liabilities_csv(writer.public / LIABILITIES_FILE, ids, amounts, req.assets))
        lap("liabilities.csv")
        manifest = Manifest(req.exchange, snapshot_id, taken_at, tuple(req.assets), tree.root, writer.digests)
        _check_reserves_fit(attestation, manifest)
        out = writer.finish(manifest, signing_key)
        lap("sign and publish")
    return BuildResult(out, manifest, timer.seconds, rounded)
