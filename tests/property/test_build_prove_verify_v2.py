"""Random sparse ledgers (1..50 assets, empty and one-leaf trees included) through the v2
build; every account's proof is looked up and verified, every tree compared with the
naive reference of the v2 spec."""

from __future__ import annotations

import hashlib
from pathlib import Path
from tempfile import TemporaryDirectory

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solvent.pipeline.build import BuildRequest
from solvent.pipeline.build_v2 import build_snapshot_v2
from solvent.protocol.amounts import format_units
from solvent.protocol.assets import Asset
from solvent.protocol.ids import hashed_id, user_secret
from solvent.protocol.v2.inclusion import verify_proof_bytes
from solvent.publish.keys import write_key_file
from solvent.tree.store_v2 import SnapshotReaderV2
from tests.reference import naive_v2

MASTER = hashlib.sha256(b"property master key").digest()
SEED = hashlib.sha256(b"property signing seed").digest()

ledgers = st.integers(1, 50).flatmap(
    lambda n: st.tuples(
        st.just(tuple(Asset(f"T{i}", (i * 7) % 19) for i in range(n))),
        st.lists(
            st.lists(st.one_of(st.just(0), st.integers(1, 10**12)), min_size=n, max_size=n),
            min_size=1,
            max_size=20,
        ),
    )
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledgers)
def test_build_prove_verify(ledger: tuple[tuple[Asset, ...], list[list[int]]]) -> None:
    assets, rows = ledger
    with TemporaryDirectory() as tmp:
        work = Path(tmp)
        uids = [f"u{i}" for i in range(len(rows))]
        frame = {"uid": uids} | {
            a.symbol: [format_units(r[j], a.decimals) for r in rows] for j, a in enumerate(assets)
        }
        pl.DataFrame(frame).write_csv(work / "ledger.csv")
        write_key_file(work / "master.key", "master", MASTER)
        write_key_file(work / "signing.key", "signing", SEED)
        request = BuildRequest(
            work / "ledger.csv", assets, "prop", work / "master.key", work / "signing.key", work / "out",
            taken_at="2026-12-04T00:00:00Z",
        )
        result = build_snapshot_v2(request, workers=1)
        manifest = result.manifest
        ids = {uid: hashed_id(user_secret(MASTER, uid), "prop", uid) for uid in uids}
        for j, a in enumerate(assets):
            holdings = [(ids[u], r[j]) for u, r in zip(uids, rows, strict=True) if r[j]]
            root_hash, root_sum = naive_v2.levels(a.symbol, holdings)[-1][0]
            assert (manifest.trees[j].root.hash, manifest.trees[j].root.sum) == (root_hash, root_sum)
        assert manifest.accounts == sum(1 for r in rows if any(r))
        with SnapshotReaderV2(result.out / "public", manifest) as reader:
            for uid, r in zip(uids, rows, strict=True):
                proof = reader.proof(ids[uid])
                if not any(r):
                    assert proof is None
                    continue
                assert proof is not None
                checked = verify_proof_bytes(
                    proof.to_json(), manifest, uid=uid, user_secret=user_secret(MASTER, uid)
                )
                assert [(e.symbol, e.amount) for e in checked.proof.entries] == [
                    (a.symbol, r[j]) for j, a in enumerate(assets) if r[j]
                ]
