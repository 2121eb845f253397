"""The v2 build end to end on the KAT v2 ledger (wide and long, CSV and Parquet), then its
failure modes: every file byte for byte, the signed manifest, users.csv, and nothing left
behind when the ledger is bad."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import polars as pl
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from solvent.pipeline.build import BuildRequest
from solvent.pipeline.build_v2 import build_snapshot_v2
from solvent.protocol.amounts import format_units
from solvent.protocol.assets import Asset
from solvent.protocol.errors import InputError
from solvent.protocol.signature import verify_manifest_signature
from solvent.protocol.v2.manifest import parse_manifest
from solvent.publish.keys import write_key_file

KAT = json.loads((Path(__file__).parents[1] / "vectors" / "kat-v2.json").read_text(encoding="utf-8"))
ASSETS = tuple(Asset(a["symbol"], a["decimals"]) for a in KAT["assets"])


def _wide(path: Path) -> Path:
    def units(acc: dict, a: Asset) -> str:
        return format_units(int(acc["balances"].get(a.symbol, 0)), a.decimals)

    rows = [{"uid": acc["uid"]} | {a.symbol: units(acc, a) for a in ASSETS} for acc in KAT["accounts"]]
    pl.DataFrame(rows).write_csv(path)
    return path


def _ledger(tmp_path: Path, kind: str) -> Path:
    wide = _wide(tmp_path / "wide.csv")
    if kind == "wide-csv":
        return wide
    frame = pl.read_csv(wide, infer_schema=False)
    if kind == "wide-parquet":
        frame.write_parquet(tmp_path / "wide.parquet")
        return tmp_path / "wide.parquet"
    long = frame.unpivot(index="uid", variable_name="asset", value_name="amount")
    long.write_csv(tmp_path / "long.csv")
    return tmp_path / "long.csv"


def _keys(tmp_path: Path) -> tuple[Path, Path]:
    master, signing = tmp_path / "master.key", tmp_path / "signing.key"
    for path, kind, key in ((master, "master", KAT["master_key"]), (signing, "signing", KAT["signing_seed_hex"])):
        path.unlink(missing_ok=True)
        write_key_file(path, kind, bytes.fromhex(key))
    return master, signing


def _request(tmp_path: Path, ledger: Path, out: Path | None = None) -> BuildRequest:
    master, signing = _keys(tmp_path)
    return BuildRequest(
        ledger=ledger,
        assets=ASSETS,
        snapshot_id=KAT["snapshot_id"],
        master_key_file=master,
        signing_key_file=signing,
        out=out or tmp_path / "out",
        exchange=KAT["exchange"],
        taken_at=KAT["taken_at"],
    )


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("kind", ["wide-csv", "wide-parquet", "long-csv"])
def test_the_kat_v2_snapshot_byte_for_byte(tmp_path: Path, kind: str, workers: int) -> None:
    result = build_snapshot_v2(_request(tmp_path, _ledger(tmp_path, kind)), workers=workers)
    public = result.out / "public"
    manifest_bytes = (public / "snapshot.json").read_bytes()
    manifest = parse_manifest(manifest_bytes)
    assert manifest.to_dict() == parse_manifest(KAT["manifest_text"].encode()).to_dict() | {
        "files": manifest.to_dict()["files"]
    }
    for a in ASSETS:
        assert (public / "liabilities" / f"{a.symbol}.csv").read_text() == KAT["liabilities_csv"][a.symbol]
    expected_files = parse_manifest(KAT["manifest_text"].encode()).files
    assert {k: v for k, v in manifest.files.items() if k.startswith("liabilities/")} == dict(expected_files)
    assert (public / "signing.pub").read_text().strip() == KAT["signing_pub_hex"]
    verify_manifest_signature(manifest_bytes, bytes.fromhex((public / "snapshot.json.sig").read_text().strip()),
                              bytes.fromhex(KAT["signing_pub_hex"]))
    users = pl.read_csv(result.out / "private" / "users.csv", infer_schema=False)
    assert sorted(users.rows()) == sorted((a["uid"], a["user_secret"], a["hashed_id"]) for a in KAT["accounts"])
    assert users["hashed_id"].to_list() == sorted(users["hashed_id"].to_list())
    assert (result.out / "private" / "users.csv").stat().st_mode & 0o777 == 0o600
    assert not any(p.name == "spill" for p in result.out.rglob("*"))
    # The per-asset level files hold exactly the KAT's levels.
    for a in ASSETS:
        for k, level in enumerate(KAT["trees"][a.symbol]["levels"]):
            raw = (public / "tree" / a.symbol / f"level-{k:02d}.bin").read_bytes()
            assert [raw[i : i + 32].hex() for i in range(0, len(raw), 48)] == [n["hash"] for n in level]


def _leftovers(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".out"))


def test_a_duplicate_uid_names_both_rows_and_leaves_nothing(tmp_path: Path) -> None:
    wide = _wide(tmp_path / "wide.csv")
    lines = wide.read_text().splitlines()
    wide.write_text("\n".join([*lines, lines[2].replace(",0.", ",1.", 1)]) + "\n")
    with pytest.raises(InputError) as caught:
        build_snapshot_v2(_request(tmp_path, wide))
    assert "duplicate account" in caught.value.message and "row 2" in caught.value.message
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []


def test_an_asset_listed_twice_in_the_long_layout(tmp_path: Path) -> None:
    long = _ledger(tmp_path, "long-csv")
    lines = long.read_text().splitlines()
    long.write_text("\n".join([*lines, lines[1]]) + "\n")
    with pytest.raises(InputError) as caught:
        build_snapshot_v2(_request(tmp_path, long))
    assert "again" in caught.value.message
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("uid", "what"), [(" alice", "white space"), ("bob\u00a0", "white space"), ("e\u0301lise", "NFC")]
)
def test_the_v2_uid_rule_names_the_row(tmp_path: Path, uid: str, what: str) -> None:
    wide = _wide(tmp_path / "wide.csv")
    wide.write_text(wide.read_text() + f'"{uid}",0,0,0,0\n', encoding="utf-8")
    with pytest.raises(InputError) as caught:
        build_snapshot_v2(_request(tmp_path, wide))
    assert what in caught.value.message and f"row {len(KAT['accounts']) + 1}" in caught.value.message


def test_an_account_holding_nothing_gets_its_id_but_no_leaf(tmp_path: Path) -> None:
    result = build_snapshot_v2(_request(tmp_path, _ledger(tmp_path, "wide-csv")))
    assert result.manifest.accounts == KAT["manifest"]["accounts"] < len(KAT["accounts"])


def test_the_signing_key_signs(tmp_path: Path) -> None:
    """Control for the signature check above: the seed's public key is the KAT's."""
    from cryptography.hazmat.primitives import serialization

    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(KAT["signing_seed_hex"]))
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert raw.hex() == KAT["signing_pub_hex"]


def test_a_tiny_memory_budget_builds_the_same_snapshot(tmp_path: Path) -> None:
    """The spill path with many small batches: the same files as one batch."""
    rows = [{"uid": f"user-{i}", "BTC": f"{(i * 7919) % 1000}.5", "ETH": "0", "JPY": str(i % 3), "DOGE": "0"}
            for i in range(3000)]
    ledger = tmp_path / "big.csv"
    pl.DataFrame(rows).write_csv(ledger)
    small = build_snapshot_v2(_request(tmp_path, ledger, out=tmp_path / "small"), memory=1, workers=1)
    large = build_snapshot_v2(_request(tmp_path, ledger, out=tmp_path / "large"), workers=2)
    assert small.manifest.to_dict() == large.manifest.to_dict()
    assert (small.out / "private" / "users.csv").read_bytes() == (large.out / "private" / "users.csv").read_bytes()


@pytest.mark.parametrize("stage", ["read ledger", "sort buckets", "asset trees"])
def test_an_interrupted_build_leaves_nothing_behind(tmp_path: Path, stage: str) -> None:
    """Ctrl-C (KeyboardInterrupt) in each pass: no snapshot, no temporary or spill folder."""

    def interrupt(at: str, done: int, total: int) -> None:
        if at == stage:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        build_snapshot_v2(_request(tmp_path, _ledger(tmp_path, "wide-csv")), progress=interrupt, workers=1)
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []


def test_every_kat_proof_is_looked_up_exactly(tmp_path: Path) -> None:
    """The look-up index and the per-asset trees give each account the KAT's proof."""
    from solvent.protocol.v2.inclusion import verify_proof_bytes
    from solvent.tree.store_v2 import SnapshotReaderV2

    result = build_snapshot_v2(_request(tmp_path, _ledger(tmp_path, "long-csv")), workers=1)
    public = result.out / "public"
    manifest = parse_manifest((public / "snapshot.json").read_bytes())
    with SnapshotReaderV2(public, manifest) as reader:
        for case in KAT["proofs"]:
            account = next(a for a in KAT["accounts"] if a["uid"] == case["uid"])
            proof = reader.proof(bytes.fromhex(account["hashed_id"]))
            if case["proof"] is None:
                assert proof is None
                continue
            assert proof is not None and proof.to_dict() == case["proof"]
            verify_proof_bytes(
                proof.to_json(), manifest, uid=case["uid"], user_secret=bytes.fromhex(account["user_secret"])
            )
        assert reader.proof(bytes(32)) is None and reader.proof(b"\xff" * 32) is None


def test_open_proofs_serves_kat_proofs_byte_for_byte(tmp_path: Path) -> None:
    """The one look-up (``open_proofs``, used by prove, serve and the static site) on a v2 snapshot."""
    from solvent.pipeline.lookup import SnapshotProofsV2, open_proofs, proof_bytes
    from solvent.protocol.errors import NotFound
    from solvent.protocol.versions import parse_any_proof

    result = build_snapshot_v2(_request(tmp_path, _ledger(tmp_path, "wide-csv")), workers=1)
    with open_proofs(result.out) as proofs:
        assert isinstance(proofs, SnapshotProofsV2) and proofs.version == 2
        held = [a for a in KAT["accounts"] if any(int(v) for v in a["balances"].values())]
        assert list(proofs.hashed_ids()) == sorted(bytes.fromhex(a["hashed_id"]) for a in held)
        for case in KAT["proofs"]:
            account = next(a for a in KAT["accounts"] if a["uid"] == case["uid"])
            if case["proof"] is None:
                with pytest.raises(NotFound):
                    proofs.proof(account["hashed_id"])
                continue
            data = proofs.proof(account["hashed_id"].upper())
            assert json.loads(data) == case["proof"]
            assert parse_any_proof(data).to_dict() == case["proof"]
            assert proof_bytes(result.out, account["hashed_id"]) == data


def _long_ledger(path: Path, accounts: int, assets: tuple[Asset, ...]) -> Path:
    """A long ledger where accounts hold different numbers of assets, most of them few."""
    rows = [
        {"uid": f"acct-{i}", "asset": a.symbol, "amount": f"{(i * 31 + j * 7) % 997 + 1}"}
        for i in range(accounts)
        for j, a in enumerate(assets)
        if j == 0 or (i * (j + 3)) % (j + 2) == 0
    ]
    pl.DataFrame(rows).write_csv(path)
    return path


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_process_pool_builds_the_same_bytes_as_one_process(tmp_path: Path) -> None:
    """Buckets sorted and trees built by two workers (finishing in any order): every file,
    users.csv and the signed manifest byte for byte as with one."""
    assets = tuple(Asset(s, 2) for s in ("AAA", "BBB", "CCC", "DDD", "EEE", "FFF", "GGG"))
    ledger = _long_ledger(tmp_path / "long.csv", 2000, assets)
    built = {}
    for workers in (1, 2):
        req = dataclasses.replace(_request(tmp_path, ledger, out=tmp_path / f"w{workers}"), assets=assets)
        built[workers] = build_snapshot_v2(req, workers=workers)
    one, two = (_files(built[w].out) for w in (1, 2))
    assert one.keys() == two.keys() and len(one) > 3 * len(assets)
    assert [name for name in one if one[name] != two[name]] == []


def test_every_long_stage_reports_progress_with_a_known_total(tmp_path: Path) -> None:
    """What a progress bar needs: each long stage says its total up front and ends on it."""
    seen: dict[str, list[tuple[int, int]]] = {}

    def progress(stage: str, done: int, total: int) -> None:
        seen.setdefault(stage, []).append((done, total))

    for workers in (1, 2):
        seen.clear()
        build_snapshot_v2(
            _request(tmp_path, _ledger(tmp_path, "long-csv"), out=tmp_path / f"p{workers}"),
            progress=progress,
            workers=workers,
        )
        assert list(seen) == ["read ledger", "sort buckets", "users.csv", "asset trees"]
        for stage, calls in seen.items():
            totals = {total for _, total in calls}
            assert len(totals) == 1 and totals.pop() > 0, stage
            done = [d for d, _ in calls]
            assert done == sorted(done) and done[-1] == calls[-1][1], stage


@pytest.mark.parametrize("stage", ["sort buckets", "asset trees"])
def test_an_interrupted_pooled_build_leaves_nothing_behind(tmp_path: Path, stage: str) -> None:
    """Ctrl-C while the workers have work queued: the pool stops, and nothing is left."""

    def interrupt(at: str, done: int, total: int) -> None:
        if at == stage:
            raise KeyboardInterrupt

    assets = tuple(Asset(s, 2) for s in ("AAA", "BBB", "CCC", "DDD", "EEE"))
    ledger = _long_ledger(tmp_path / "long.csv", 500, assets)
    req = dataclasses.replace(_request(tmp_path, ledger), assets=assets)
    with pytest.raises(KeyboardInterrupt):
        build_snapshot_v2(req, progress=interrupt, workers=2)
    assert not (tmp_path / "out").exists() and _leftovers(tmp_path) == []
