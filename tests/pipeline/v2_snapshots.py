"""v2 snapshots for audit tests: the KAT v2 ledger and random sparse ledgers, built by
``build_snapshot_v2``; what a cheating exchange does after editing its files (new digests,
a manifest re-signed with its own key); and both auditors behind one call.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from solvent.pipeline import audit, audit_stdlib
from solvent.pipeline.audit_common import AuditResult
from solvent.pipeline.build import BuildRequest
from solvent.pipeline.build_v2 import build_snapshot_v2
from solvent.protocol.amounts import format_units
from solvent.protocol.assets import Asset
from solvent.protocol.errors import InputError, SolventError
from solvent.protocol.layout import MANIFEST_FILE, SIGNATURE_FILE
from solvent.protocol.signed_manifest import load_signed_any_manifest
from solvent.protocol.v2.manifest import AssetRoot, AssetTree, Manifest, parse_manifest
from solvent.publish.keys import load_signing_key, write_key_file

KAT = json.loads((Path(__file__).parents[1] / "vectors" / "kat-v2.json").read_text(encoding="utf-8"))
KAT_ASSETS = tuple(Asset(a["symbol"], a["decimals"]) for a in KAT["assets"])

Auditor = Callable[..., AuditResult]
AUDITORS: dict[str, Auditor] = {"vectorised": audit.audit_snapshot, "stdlib": audit_stdlib.audit_snapshot}


def build(
    folder: Path,
    assets: Sequence[Asset],
    balances: Sequence[tuple[str, Sequence[int]]],
    *,
    snapshot_id: str = "2026-12-04",
    master_key: str | None = None,
    signing_seed: str | None = None,
) -> Path:
    """Build a v2 snapshot of ``(uid, amounts)`` into ``folder/out``; the keys sit in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = {"uid": [uid for uid, _ in balances]} | {
        a.symbol: [format_units(amounts[j], a.decimals) for _, amounts in balances] for j, a in enumerate(assets)
    }
    pl.DataFrame(rows, schema=dict.fromkeys(rows, pl.String)).write_csv(folder / "ledger.csv")
    for name, kind, key in (
        ("master.key", "master", master_key or hashlib.sha256(b"audit master").hexdigest()),
        ("signing.key", "signing", signing_seed or hashlib.sha256(b"audit signing").hexdigest()),
    ):
        (folder / name).unlink(missing_ok=True)
        write_key_file(folder / name, kind, bytes.fromhex(key))
    request = BuildRequest(
        ledger=folder / "ledger.csv",
        assets=tuple(assets),
        snapshot_id=snapshot_id,
        master_key_file=folder / "master.key",
        signing_key_file=folder / "signing.key",
        out=folder / "out",
        exchange="Audit Exchange",
        taken_at="2026-12-04T00:00:00Z",
    )
    return build_snapshot_v2(request, workers=1).out


def build_kat(folder: Path) -> Path:
    """The KAT v2 snapshot (its trees, CSVs and manifest are the vector's), keys beside it."""
    balances = [(acc["uid"], [int(acc["balances"].get(a.symbol, 0)) for a in KAT_ASSETS]) for acc in KAT["accounts"]]
    return build(
        folder,
        KAT_ASSETS,
        balances,
        snapshot_id=KAT["snapshot_id"],
        master_key=KAT["master_key"],
        signing_seed=KAT["signing_seed_hex"],
    )


def random_ledger(rng: random.Random) -> tuple[tuple[Asset, ...], list[tuple[str, list[int]]]]:
    """1..50 assets over 1..40 accounts, sparse: some assets held by nobody (empty trees),
    some by one account (height 0), some accounts holding nothing."""
    n = rng.randint(1, 50)
    assets = tuple(Asset(f"T{i}", rng.choice([0, 2, 8, 18])) for i in range(n))
    kinds = [rng.choice(["empty", "single", "sparse", "dense"]) for _ in range(n)]
    accounts = rng.randint(1, 40)
    rows: list[tuple[str, list[int]]] = [(f"user-{k}", [0] * n) for k in range(accounts)]
    for j, kind in enumerate(kinds):
        holders = {
            "empty": [],
            "single": [rng.randrange(accounts)],
            "sparse": rng.sample(range(accounts), max(1, accounts // 5)),
            "dense": list(range(accounts)),
        }[kind]
        for k in holders:
            rows[k][1][j] = rng.choice([1, rng.randrange(1, 10**6), rng.randrange(1, 10**30)])
    return assets, rows


def copy(out: Path, tmp: Path) -> Path:
    """A fresh copy of a built snapshot folder (and its keys beside it) to tamper with."""
    shutil.copytree(out.parent, tmp / "copy", ignore=shutil.ignore_patterns("ledger.csv"))
    return tmp / "copy" / "out"


def manifest_of(out: Path) -> Manifest:
    return parse_manifest((out / "public" / MANIFEST_FILE).read_bytes())


def resign(out: Path, manifest: Manifest | None = None, *, rebind: bool = True) -> None:
    """What a cheating exchange does after editing its files: bind the files' new digests (or
    not), and sign the manifest with its own key, so that only the audit's checks can catch it."""
    public = out / "public"
    manifest = manifest or manifest_of(out)
    if rebind:
        files = {
            name: hashlib.sha256((public / name).read_bytes()).hexdigest()
            for name in manifest.files
            if (public / name).is_file()
        }
        manifest = dataclasses.replace(manifest, files={**manifest.files, **files})
    data = manifest.to_json()
    (public / MANIFEST_FILE).write_bytes(data)
    key = load_signing_key(out.parent / "signing.key")
    (public / SIGNATURE_FILE).write_text(key.sign(data).hex() + "\n")


def with_root(manifest: Manifest, symbol: str, **changes: Any) -> Manifest:
    """The manifest with one asset's root changed."""
    trees = tuple(
        AssetTree(t.asset, dataclasses.replace(t.root, **changes)) if t.symbol == symbol else t for t in manifest.trees
    )
    return dataclasses.replace(manifest, trees=trees)


def root_of(manifest: Manifest, symbol: str) -> AssetRoot:
    tree = manifest.tree(symbol)
    assert tree is not None
    return tree.root


def outcome(auditor: Auditor, out: Path, **kwargs: Any) -> tuple[Any, ...]:
    """What ``solvent audit --json`` would report: ("passed", result) or the error's
    (class, code, message, evidence); a manifest that does not load fails the same way."""
    kwargs.setdefault("workers", 1)
    try:
        check = load_signed_any_manifest(out / "public" / MANIFEST_FILE)
        result = auditor(out / "public", check.manifest, **kwargs)
    except InputError:
        raise
    except SolventError as e:
        return type(e).__name__, e.code, e.message, e.evidence
    return "passed", result


def both(out: Path, **kwargs: Any) -> tuple[Any, ...]:
    """The outcome of both auditors, which must agree (a sum overflow: on the asset)."""
    fast = outcome(AUDITORS["vectorised"], out, **kwargs)
    slow = outcome(AUDITORS["stdlib"], out, **kwargs)
    if fast[0] == "passed":
        assert slow[0] == "passed", slow
        assert slow[1] == fast[1]
    elif fast[1] == "sum-overflow":
        assert slow[:2] == fast[:2] and slow[3]["asset"] == fast[3]["asset"], (fast, slow)
    else:
        assert slow == fast
    return fast
