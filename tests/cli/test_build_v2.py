"""``solvent build`` writes protocol v2: the KAT v2 through the real command line, the memory
budget, Parquet parts, bad input, and an interrupted build."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from solvent.protocol.signature import verify_manifest_signature
from solvent.protocol.strictjson import dumps_canonical
from solvent.protocol.v2.manifest import parse_manifest
from tests.cli.conftest import KAT_V2, build_kat_v2, kat_v2_assets, solvent, write_kat_v2_keys, write_kat_v2_ledger

pytestmark = pytest.mark.integration


def _files(snapshot: Path) -> dict[str, str]:
    """Every file of a snapshot (public and private) and its SHA-256."""
    return {
        p.relative_to(snapshot).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(snapshot.rglob("*"))
        if p.is_file()
    }


def _beside(folder: Path) -> list[str]:
    """What a build left in ``folder`` besides its inputs: temporary or spill folders."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# -- the known-answer vector ---------------------------------------------------------------------


def test_build_reproduces_the_kat_v2(kat_v2_snapshot: Path) -> None:
    public = kat_v2_snapshot / "public"
    data = (public / "snapshot.json").read_bytes()
    manifest = parse_manifest(data)
    expected = parse_manifest(KAT_V2["manifest_text"].encode())
    # Every field and every asset's root; the CSVs' digests are the vector's, and the tree
    # files (which the vector does not list) are bound too.
    assert manifest.to_dict() | {"files": {}} == expected.to_dict() | {"files": {}}
    assert {k: v for k, v in manifest.files.items() if k.startswith("liabilities/")} == dict(expected.files)
    assert all((public / name).is_file() for name in manifest.files)
    for asset in KAT_V2["assets"]:
        symbol = asset["symbol"]
        assert (public / "liabilities" / f"{symbol}.csv").read_text() == KAT_V2["liabilities_csv"][symbol]
    assert (public / "signing.pub").read_text().strip() == KAT_V2["signing_pub_hex"]
    signature = bytes.fromhex((public / "snapshot.json.sig").read_text().strip())
    verify_manifest_signature(data, signature, bytes.fromhex(KAT_V2["signing_pub_hex"]))
    users = kat_v2_snapshot / "private" / "users.csv"
    assert users.stat().st_mode & 0o777 == 0o600
    lines = users.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "uid,user_secret,hashed_id"
    rows = [line.rsplit(",", 2) for line in lines[1:]]
    assert sorted(map(tuple, rows)) == sorted((a["uid"], a["user_secret"], a["hashed_id"]) for a in KAT_V2["accounts"])
    assert [r[2] for r in rows] == sorted(r[2] for r in rows)  # in hashed-id order


def test_build_says_what_it_built(tmp_path: Path) -> None:
    result = build_kat_v2(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "protocol v2" in result.stdout
    assert f"accounts:    {KAT_V2['manifest']['accounts']} " in result.stdout
    for tree in KAT_V2["manifest"]["assets"]:
        assert f"root {tree['root']['hash']}" in result.stdout
    assert "keep secret" in result.stdout


@pytest.mark.parametrize("case", KAT_V2["proofs"], ids=lambda c: c["uid"])
def test_prove_reproduces_every_kat_v2_proof(kat_v2_snapshot: Path, case: dict) -> None:
    account = next(a for a in KAT_V2["accounts"] if a["uid"] == case["uid"])
    result = solvent("prove", kat_v2_snapshot, account["hashed_id"])
    if case["proof"] is None:  # an account holding nothing is in no tree
        assert result.returncode == 1 and "not in snapshot" in result.stderr
        return
    assert result.returncode == 0, result.stderr
    assert result.stdout.encode() == dumps_canonical(case["proof"])
    assert json.loads(result.stdout) == case["proof"]


@pytest.mark.parametrize("case", [c for c in KAT_V2["proofs"] if c["proof"]], ids=lambda c: c["uid"])
def test_every_kat_v2_proof_verifies_with_uid_and_secret(kat_v2_snapshot: Path, tmp_path: Path, case: dict) -> None:
    account = next(a for a in KAT_V2["accounts"] if a["uid"] == case["uid"])
    proof = tmp_path / "proof.json"
    assert solvent("prove", kat_v2_snapshot, account["hashed_id"], "-o", proof).returncode == 0
    manifest = kat_v2_snapshot / "public" / "snapshot.json"
    result = solvent("verify", proof, "--snapshot", manifest, "--uid", case["uid"], "--secret", account["user_secret"])
    assert result.returncode == 0, result.stderr
    assert "protocol:      v2" in result.stdout and "recomputed from your uid and secret" in result.stdout
    payload = json.loads(
        solvent("verify", proof, "--snapshot", manifest, "--uid", case["uid"], "--secret", account["user_secret"],
                "--json").stdout
    )
    assert payload["protocol"] == 2 and payload["owner_checked"] and payload["anchored"]


# -- the memory budget ---------------------------------------------------------------------------


def _many_assets_ledger(path: Path, rows: int, n_assets: int) -> tuple[Path, str]:
    """A wide ledger of ``rows`` accounts over ``n_assets`` assets, each holding about three."""
    symbols = [f"T{j:03d}" for j in range(n_assets)]
    columns: dict[str, list[str]] = {"uid": [f"acct-{i:06d}" for i in range(rows)]}
    for j, symbol in enumerate(symbols):
        columns[symbol] = [f"{(i * 7919 + j) % 1000}.{j % 10}" if (i + j) % (n_assets // 3) == 0 else "0"
                           for i in range(rows)]
    pl.DataFrame(columns).write_csv(path)
    return path, ",".join(f"{s}:2" for s in symbols)


def test_a_ledger_bigger_than_a_small_memory_budget_builds_the_same_bytes(tmp_path: Path) -> None:
    from solvent.cli.options import MIN_MEMORY
    from solvent.pipeline.build_v2 import batch_rows

    n_assets = 40
    rows = 3 * batch_rows(MIN_MEMORY, n_assets) + 17  # several batches at the smallest budget
    ledger, assets = _many_assets_ledger(tmp_path / "ledger.csv", rows, n_assets)
    master, signing = write_kat_v2_keys(tmp_path / "keys")
    common = ("--assets", assets, "--snapshot-id", "s1", "--master-key-file", master, "--signing-key-file", signing,
              "--taken-at", "2026-12-04T00:00:00Z", "--quiet")
    small = solvent("build", ledger, *common, "--out", tmp_path / "small", "--memory", f"{MIN_MEMORY >> 20}M",
                    "--workers", "1")
    assert small.returncode == 0, small.stderr
    large = solvent("build", ledger, *common, "--out", tmp_path / "large")
    assert large.returncode == 0, large.stderr
    assert _files(tmp_path / "small") == _files(tmp_path / "large")
    assert parse_manifest((tmp_path / "small" / "public" / "snapshot.json").read_bytes()).accounts == rows
    assert _beside(tmp_path) == []


def test_the_default_budget_in_help_is_the_build_s() -> None:
    from solvent.cli.build import DEFAULT_MEMORY_TEXT
    from solvent.cli.options import parse_size
    from solvent.pipeline.build_v2 import DEFAULT_MEMORY

    assert parse_size(DEFAULT_MEMORY_TEXT) == DEFAULT_MEMORY


# -- Parquet parts -------------------------------------------------------------------------------


def test_parquet_folder_and_glob_give_the_snapshot_of_the_single_file(tmp_path: Path) -> None:
    frame = pl.read_csv(write_kat_v2_ledger(tmp_path / "ledger.csv"), infer_schema=False)
    frame.write_parquet(tmp_path / "ledger.parquet")
    export = tmp_path / "export"
    (export / "day=2").mkdir(parents=True)
    frame[:3].write_parquet(export / "part-00000-c0ffee.snappy.parquet")
    frame[3:5].write_parquet(export / "part-00001-c0ffee.snappy.parquet")
    frame[5:].write_parquet(export / "day=2" / "part-00002-c0ffee.snappy.parquet")
    (export / "_SUCCESS").write_bytes(b"")
    (export / ".part-00000-c0ffee.snappy.parquet.crc").write_bytes(b"crc")
    built = {}
    for name, ledger in [("file", tmp_path / "ledger.parquet"), ("folder", export),
                         ("glob", Path(f"{export}/**/part-*.parquet"))]:
        result = build_kat_v2(tmp_path, "--quiet", "--workers", "1", ledger=ledger, out=tmp_path / name)
        assert result.returncode == 0, (name, result.stderr)
        built[name] = _files(tmp_path / name)
    assert built["folder"] == built["file"] == built["glob"]
    manifest = parse_manifest((tmp_path / "folder" / "public" / "snapshot.json").read_bytes())
    assert manifest.trees == parse_manifest(KAT_V2["manifest_text"].encode()).trees


def test_parquet_parts_with_another_schema_are_a_usage_error(tmp_path: Path) -> None:
    frame = pl.read_csv(write_kat_v2_ledger(tmp_path / "ledger.csv"), infer_schema=False)
    export = tmp_path / "export"
    export.mkdir()
    frame[:3].write_parquet(export / "part-0.parquet")
    frame[3:].drop("DOGE").write_parquet(export / "part-1.parquet")
    result = build_kat_v2(tmp_path, ledger=export)
    assert result.returncode == 2 and "part-1.parquet" in result.stderr and "DOGE" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "snap").exists() and _beside(tmp_path) == []


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("--memory", "lots"), "not a size"),
        (("--memory", "1M"), "too small"),
        (("--memory", "0"), "too small"),
        (("--memory=-2G",), "not a size"),
        (("--memory", "9999999T"), "more memory"),
        (("--workers", "0"), "from 1 to 256"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else v,
)
def test_bad_budgets_are_usage_errors(tmp_path: Path, args: tuple[str, ...], fragment: str) -> None:
    result = build_kat_v2(tmp_path, *args)
    assert result.returncode == 2 and fragment in result.stderr, result.stderr
    assert not (tmp_path / "snap").exists()


@pytest.mark.parametrize("memory", ["64M", "0.5G", "1.5GiB", "800MB"])
def test_budgets_in_every_unit_build(tmp_path: Path, memory: str) -> None:
    assert build_kat_v2(tmp_path, "--memory", memory, "--quiet").returncode == 0


def test_1024_assets_build_and_1025_do_not(tmp_path: Path) -> None:
    ledger = tmp_path / "long.csv"
    ledger.write_text("uid,asset,amount\nalice,A0001,1\nbob,A1023,2\n")
    master, signing = write_kat_v2_keys(tmp_path / "keys")

    def build(n: int, out: str) -> subprocess.CompletedProcess[str]:
        assets = ",".join(f"A{j:04d}:0" for j in range(n))
        return solvent("build", ledger, "--assets", assets, "--snapshot-id", "s1", "--master-key-file", master,
                       "--signing-key-file", signing, "--out", tmp_path / out, "--quiet", "--workers", "1")

    too_many = build(1025, "b")
    assert too_many.returncode == 2 and "1..1024 assets, got 1025" in too_many.stderr
    assert not (tmp_path / "b").exists()
    most = build(1024, "a")
    assert most.returncode == 0, most.stderr
    assert len(parse_manifest((tmp_path / "a" / "public" / "snapshot.json").read_bytes()).trees) == 1024


def test_a_ledger_the_shell_expanded_into_many_files_is_explained(tmp_path: Path) -> None:
    master, signing = write_kat_v2_keys(tmp_path / "keys")
    result = solvent("build", tmp_path / "a.parquet", tmp_path / "b.parquet", "--assets", kat_v2_assets(),
                     "--snapshot-id", "s1", "--master-key-file", master, "--signing-key-file", signing,
                     "--out", tmp_path / "snap")
    assert result.returncode == 2 and "give one LEDGER" in result.stderr and "Quote a glob" in result.stderr


def test_an_empty_glob_is_a_usage_error(tmp_path: Path) -> None:
    result = build_kat_v2(tmp_path, ledger=Path(f"{tmp_path}/export/part-*.parquet"))
    assert result.returncode == 2 and "matches no data file" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_v2_uid_rule_violation_names_the_row(tmp_path: Path) -> None:
    ledger = write_kat_v2_ledger(tmp_path / "ledger.csv")
    ledger.write_text(ledger.read_text(encoding="utf-8") + '" padded",1,0,0,0\n', encoding="utf-8")
    result = build_kat_v2(tmp_path, ledger=ledger)
    assert result.returncode == 2 and f"row {len(KAT_V2['accounts']) + 1}" in result.stderr
    assert "white space" in result.stderr and _beside(tmp_path) == []


# -- progress ------------------------------------------------------------------------------------


def test_progress_in_a_log_is_one_line_per_stage_start_and_end(tmp_path: Path) -> None:
    result = build_kat_v2(tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert "\r" not in result.stderr and "\x1b" not in result.stderr
    for stage in ("read ledger", "sort buckets", "asset trees"):
        assert f"  {stage} ..." in lines
        assert any(line.startswith(f"  {stage}: done") and " in " in line for line in lines), result.stderr
    quiet = build_kat_v2(tmp_path, "--quiet", out=tmp_path / "quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""


# -- Ctrl-C --------------------------------------------------------------------------------------


def test_an_interrupted_build_leaves_nothing_beside_out(tmp_path: Path) -> None:
    """SIGINT (Ctrl-C) once the build has started spilling: exit 130, no snapshot, no
    temporary or spill folder left."""
    rows = 400_000
    pl.DataFrame(
        {"uid": [f"user-{i:07d}" for i in range(rows)], "BTC": [f"{i % 97}.5" for i in range(rows)],
         "ETH": ["1"] * rows, "JPY": [str(i) for i in range(rows)], "DOGE": ["0"] * rows}
    ).write_csv(tmp_path / "ledger.csv")
    master, signing = write_kat_v2_keys(tmp_path / "keys")
    process = subprocess.Popen(
        [sys.executable, "-m", "solvent", "build", tmp_path / "ledger.csv", "--assets", kat_v2_assets(),
         "--snapshot-id", "s1", "--master-key-file", master, "--signing-key-file", signing,
         "--out", tmp_path / "snap", "--memory", "64M"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 120
        spilling = False
        while not spilling and process.poll() is None and time.monotonic() < deadline:
            spilling = any(any(spill.iterdir()) for spill in tmp_path.glob(".snap.tmp-*/spill") if spill.is_dir())
            time.sleep(0.01)  # polling for the spill folder, not waiting for a guessed time
        assert spilling, "the build never started spilling (or finished first)"
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys", "ledger.csv"]


# -- reserves ------------------------------------------------------------------------------------


def test_reserves_are_published_and_bound_into_the_signed_manifest(tmp_path: Path) -> None:
    from solvent.publish.keys import load_signing_key, public_key_hex
    from tests.report.fixtures import SCENARIO_ASSETS, declared_attestation

    master, signing = write_kat_v2_keys(tmp_path / "keys")
    attestation = declared_attestation("s1", signing_key=public_key_hex(load_signing_key(signing)))
    reserves = tmp_path / "reserves.json"
    reserves.write_bytes(attestation.to_json())
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("uid,asset,amount\nalice,BTC,1.5\nbob,USD,10\n")

    def build(snapshot_id: str, out: str) -> subprocess.CompletedProcess[str]:
        return solvent("build", ledger, "--assets", SCENARIO_ASSETS, "--snapshot-id", snapshot_id,
                       "--exchange", attestation.exchange, "--master-key-file", master, "--signing-key-file",
                       signing, "--reserves", reserves, "--out", tmp_path / out, "--quiet", "--workers", "1")

    result = build("s1", "snap")
    assert result.returncode == 0, result.stderr
    public = tmp_path / "snap" / "public"
    manifest = parse_manifest((public / "snapshot.json").read_bytes())
    assert (public / "reserves.json").read_bytes() == reserves.read_bytes()
    assert manifest.files["reserves.json"] == hashlib.sha256(reserves.read_bytes()).hexdigest()
    other = build("s2", "other")  # an attestation for another snapshot is refused, nothing written
    assert other.returncode == 2 and "attests snapshot 's1'" in other.stderr and not (tmp_path / "other").exists()
    assert _beside(tmp_path) == []
