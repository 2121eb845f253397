"""The solvency report of a protocol v2 snapshot: each asset tree's root sum is that asset's
liabilities, reserves are bound as in v1, and every output names the protocol version."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from solvent.pipeline.build import BuildRequest, build_snapshot
from solvent.pipeline.build_v2 import build_snapshot_v2
from solvent.pipeline.report import assess_snapshot, load_snapshot, report_to_dict
from solvent.protocol.assets import parse_asset_list
from solvent.protocol.errors import FileDigestMismatch, ManifestMismatch
from solvent.protocol.manifest import Manifest as ManifestV1
from solvent.protocol.v2.manifest import Manifest as ManifestV2
from solvent.report.render_html import render_html
from solvent.report.render_text import print_report
from solvent.report.solvency import liabilities_by_asset
from tests.report.fixtures import SCENARIO_ASSETS, declared_attestation
from tests.reserves.scenario import EXCHANGE, write_keys

ASSETS = parse_asset_list(SCENARIO_ASSETS)
#: uid -> BTC, ETH, USDT, USD in asset units; zeros are holdings v2 leaves out.
LEDGER = {
    "alice": ("1.25000000", "0", "30.00000000", "0"),
    "bob": ("0", "1.00000000", "0", "12.50"),
    "carol": ("0.50000000", "2.00000000", "0", "0"),
    "dave": ("0", "0", "0", "0"),
}
#: The same in base units, summed by hand: what each asset tree's root must say.
TOTALS = {"BTC": 175_000_000, "ETH": 300_000_000, "USDT": 3_000_000_000, "USD": 1250}
HOLDERS = {"BTC": 2, "ETH": 2, "USDT": 1, "USD": 1}


def _build(tmp_path: Path, version: int, reserves: bytes | None) -> Path:
    ledger = tmp_path / "ledger.csv"
    rows = ["uid," + ",".join(a.symbol for a in ASSETS)] + [f"{uid},{','.join(v)}" for uid, v in LEDGER.items()]
    ledger.write_text("\n".join(rows) + "\n")
    keys = write_keys(tmp_path / "keys")  # the key the scenario's challenges name
    reserves_file = None
    if reserves is not None:
        reserves_file = tmp_path / "reserves.json"
        reserves_file.write_bytes(reserves)
    req = BuildRequest(
        ledger=ledger,
        assets=ASSETS,
        snapshot_id="2026-11-23",
        master_key_file=keys.master_key,
        signing_key_file=keys.signing_key,
        out=tmp_path / "snap",
        exchange=EXCHANGE,
        taken_at="2026-11-23T00:00:00Z",
        reserves=reserves_file,
    )
    if version == 2:
        build_snapshot_v2(req, workers=1)
    else:
        build_snapshot(req)
    return req.out


@pytest.fixture(scope="module")
def v2_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("v2"), 2, declared_attestation().to_json())


def test_liabilities_are_each_asset_trees_root_sum(v2_snapshot: Path) -> None:
    loaded = load_snapshot(v2_snapshot)
    manifest = loaded.manifest
    assert isinstance(manifest, ManifestV2)
    assert loaded.attestation is not None
    assert loaded.attestation.to_json() == (v2_snapshot / "public" / "reserves.json").read_bytes()
    assert dict(zip((a.symbol for a in manifest.assets), liabilities_by_asset(manifest), strict=True)) == TOTALS
    report = assess_snapshot(loaded)
    assert report.protocol == 2
    assert {line.symbol: line.liabilities for line in report.lines} == TOTALS
    # the declared attestation: BTC 2.00000001, ETH 3.5, USDT 10 and USD 1000.50, nothing
    # re-read (no node here): 30 USDT are not covered even by declared amounts
    status = {line.symbol: line.status for line in report.lines}
    assert status == {"BTC": "DECLARED", "ETH": "DECLARED", "USDT": "FAIL", "USD": "DECLARED"}
    assert not report.passed() and not report.passed(allow_declared=True)


def test_v1_and_v2_of_one_ledger_owe_the_same(tmp_path: Path, v2_snapshot: Path) -> None:
    v1 = load_snapshot(_build(tmp_path, 1, declared_attestation().to_json()))
    assert isinstance(v1.manifest, ManifestV1)
    v1_report, v2_report = assess_snapshot(v1), assess_snapshot(load_snapshot(v2_snapshot))
    assert v1_report.protocol == 1
    assert [(ln.symbol, ln.liabilities, ln.status) for ln in v1_report.lines] == [
        (ln.symbol, ln.liabilities, ln.status) for ln in v2_report.lines
    ]


def test_json_names_the_protocol_and_each_tree(tmp_path: Path, v2_snapshot: Path) -> None:
    loaded = load_snapshot(v2_snapshot)
    manifest = loaded.manifest
    assert isinstance(manifest, ManifestV2)
    d = report_to_dict(assess_snapshot(loaded))
    assert d["protocol"] == 2 and d["accounts"] == 3 and "root_hash" not in d
    for entry, tree in zip(d["assets"], manifest.trees, strict=True):
        assert entry["asset"] == tree.symbol
        assert entry["root"] == tree.root.to_dict()
        assert entry["root"]["leaf_count"] == HOLDERS[tree.symbol]
        assert entry["liabilities"] == str(TOTALS[tree.symbol])
    v1 = load_snapshot(_build(tmp_path, 1, None))
    d1 = report_to_dict(assess_snapshot(v1))
    assert isinstance(v1.manifest, ManifestV1)
    assert d1["protocol"] == 1 and d1["accounts"] == 4 and d1["root_hash"] == v1.manifest.root.hash.hex()
    assert all("root" not in entry for entry in d1["assets"])


def test_text_and_html_name_the_protocol_and_each_tree(v2_snapshot: Path) -> None:
    loaded = load_snapshot(v2_snapshot)
    manifest = loaded.manifest
    assert isinstance(manifest, ManifestV2)
    report = assess_snapshot(loaded)
    buffer = io.StringIO()
    print_report(report, Console(file=buffer, width=200))
    text = buffer.getvalue()
    html = render_html([report])
    assert "v2 (one sum tree per asset), 3 accounts" in text
    assert "Protocol v2 (one sum tree per asset), 3 accounts" in html
    for tree in manifest.trees:
        line = next(ln for ln in text.splitlines() if tree.root.hash.hex() in ln)
        words = [tree.symbol, "tree", "root:", tree.root.hash.hex(), f"({tree.root.leaf_count}", "holders)"]
        assert line.split() == words
        assert f"<code>{tree.root.hash.hex()}</code>" in html
    assert "liabilities root" not in text and "Liabilities root" not in html


def test_reserves_bound_into_a_v2_manifest_cannot_change(tmp_path: Path) -> None:
    snap = _build(tmp_path, 2, declared_attestation().to_json())
    path = snap / "public" / "reserves.json"
    raw = path.read_bytes()
    assert b"Example Bank" in raw
    path.write_bytes(raw.replace(b"Example Bank", b"Examplf Bank"))
    with pytest.raises(FileDigestMismatch):
        load_snapshot(snap)
    path.unlink()
    with pytest.raises(ManifestMismatch, match=r"binds reserves\.json but the file is missing"):
        load_snapshot(snap)


def test_one_html_page_over_a_v1_and_a_v2_snapshot(tmp_path: Path, v2_snapshot: Path) -> None:
    """An exchange that switched protocols: both snapshots on one page, each with its own roots."""
    v1 = load_snapshot(_build(tmp_path, 1, None))
    v2 = load_snapshot(v2_snapshot)
    assert isinstance(v1.manifest, ManifestV1) and isinstance(v2.manifest, ManifestV2)
    html = render_html([assess_snapshot(v1), assess_snapshot(v2)])
    assert "Protocol v1 (one tree, every asset's amount in every leaf), 4 accounts" in html
    assert f"Liabilities root: <code>{v1.manifest.root.hash.hex()}</code>" in html
    assert "Protocol v2 (one sum tree per asset), 3 accounts" in html
    assert all(f"<code>{t.root.hash.hex()}</code>" in html for t in v2.manifest.trees)


def test_reserves_verify_checks_the_binding_to_a_v2_manifest(v2_snapshot: Path) -> None:
    """``solvent reserves verify --snapshot`` takes a v2 manifest as it takes a v1 one."""
    import json

    from tests.cli_invoke import invoke

    public = v2_snapshot / "public"
    result = invoke(["reserves", "verify", public / "reserves.json", "--snapshot", public / "snapshot.json", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["valid"] and payload["bound"] and payload["taken_at"] == "2026-11-23T00:00:00Z"
    other = public.parent.parent / "other-reserves.json"
    other.write_bytes((public / "reserves.json").read_bytes().replace(b"Example Bank", b"Examplf Bank"))
    tampered = invoke(["reserves", "verify", other, "--snapshot", public / "snapshot.json"])
    assert tampered.exit_code == 1 and "SHA-256 differs" in tampered.output


@pytest.mark.parametrize("version", [1, 2])
def test_a_build_refuses_reserves_made_for_another_signing_key(tmp_path: Path, version: int) -> None:
    """The operator finds out at build time, not from every verifier: the attestation's challenges
    name the scenario's key, this build signs with a fresh one (docs/spec.md §12.7 (reserves.json
    (solvent-reserves/2)))."""
    from solvent.protocol.errors import InputError
    from solvent.publish.keys import generate_keys

    ledger = tmp_path / "ledger.csv"
    rows = ["uid," + ",".join(a.symbol for a in ASSETS)] + [f"{uid},{','.join(v)}" for uid, v in LEDGER.items()]
    ledger.write_text("\n".join(rows) + "\n")
    keys = generate_keys(tmp_path / "keys")  # not the key the attestation names
    reserves = tmp_path / "reserves.json"
    reserves.write_bytes(declared_attestation().to_json())
    req = BuildRequest(
        ledger=ledger,
        assets=ASSETS,
        snapshot_id="2026-11-23",
        master_key_file=keys.master_key,
        signing_key_file=keys.signing_key,
        out=tmp_path / "snap",
        exchange=EXCHANGE,
        taken_at="2026-11-23T00:00:00Z",
        reserves=reserves,
    )
    with pytest.raises(InputError, match="was made for signing key"):
        build_snapshot_v2(req, workers=1) if version == 2 else build_snapshot(req)
    assert not req.out.exists()
