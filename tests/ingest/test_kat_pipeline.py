"""From a ledger export to the published liabilities.csv, checked against the independent KAT (spec §7)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from solvent.columnar import u128
from solvent.columnar.liabilities_csv import check_strictly_ascending, read_liabilities_csv, write_liabilities_csv
from solvent.ingest import read_ledger
from solvent.protocol.assets import assets_from_json
from solvent.protocol.ids import hashed_id, user_secret

KAT = json.loads((Path(__file__).parents[1] / "vectors" / "kat-v1.json").read_text())
ASSETS = assets_from_json(KAT["assets"])


def ledger_csv(path: Path) -> Path:
    header = ",".join(["uid", *(a.symbol for a in ASSETS)])
    rows = [",".join([a["uid"], *a["balances"]]) for a in KAT["accounts"]]
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


@pytest.mark.integration
@pytest.mark.parametrize("kind", ["csv", "parquet", "long"])
def test_ledger_to_liabilities_csv_reproduces_the_kat(tmp_path: Path, kind: str) -> None:
    source = ledger_csv(tmp_path / "ledger.csv")
    if kind == "parquet":
        frame = pl.read_csv(source, infer_schema=False)
        source = tmp_path / "ledger.parquet"
        frame.write_parquet(source)
    elif kind == "long":
        frame = pl.read_csv(source, infer_schema=False).unpivot(index="uid", variable_name="asset", value_name="amount")
        source = tmp_path / "long.csv"
        frame.write_csv(source)

    ledger = read_ledger(source, ASSETS)
    assert ledger.uids.to_list() == [a["uid"] for a in KAT["accounts"]]
    assert [u128.to_ints(r) for r in ledger.amounts] == [[int(x) for x in a["amounts"]] for a in KAT["accounts"]]

    master = bytes.fromhex(KAT["master_key"])
    ids = np.array(
        [list(hashed_id(user_secret(master, uid), KAT["snapshot_id"], uid)) for uid in ledger.uids.to_list()],
        dtype=np.uint8,
    )
    order = sorted(range(len(ids)), key=lambda i: bytes(ids[i]))
    out = tmp_path / "liabilities.csv"
    write_liabilities_csv(out, ids[order], ledger.amounts[order], ASSETS)
    assert out.read_text() == KAT["liabilities_csv"]

    back_ids, back_amounts = read_liabilities_csv(out, ASSETS)
    check_strictly_ascending(back_ids)
    assert [bytes(r).hex() for r in back_ids] == KAT["leaf_order"]
    assert [str(s) for s in u128.total(back_amounts)] == KAT["root"]["sums"]
