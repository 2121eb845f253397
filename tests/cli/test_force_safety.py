"""``--force`` replaces only a folder solvent made that holds none of the command's inputs
(threat O4; the red-team reproductions of issue 11: ``build ... --out exchange --force``
deleted the ledger and both keys, ``publish snap --static snap --force`` the snapshot,
``publish snaps/X --static snaps --force`` every snapshot)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from solvent.protocol.errors import InputError
from solvent.publish.snapshot import MARKER_FILE, check_output
from tests.cli.conftest import KAT_V2, kat_v2_assets, write_kat_v2_keys, write_kat_v2_ledger
from tests.cli_invoke import Result, invoke

pytestmark = pytest.mark.integration


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` and its SHA-256 (what must survive a refused command)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _build(ledger: Path, keys: Path, out: Path, *extra: object) -> Result:
    return invoke(
        [
            "build", ledger, "--assets", kat_v2_assets(), "--snapshot-id", KAT_V2["snapshot_id"],
            "--master-key-file", keys / "master.key", "--signing-key-file", keys / "signing.key",
            "--out", out, "--exchange", KAT_V2["exchange"], "--taken-at", KAT_V2["taken_at"], "-q", *extra,
        ]
    )


def _exchange(folder: Path) -> Path:
    """An operator's folder as the red team found it: the ledger and the keys side by side."""
    folder.mkdir()
    write_kat_v2_ledger(folder / "ledger.csv")
    write_kat_v2_keys(folder)
    return folder


def test_build_force_into_the_folder_of_its_own_inputs_is_refused(tmp_path: Path) -> None:
    exchange = _exchange(tmp_path / "exchange")
    before = _tree(exchange)
    result = _build(exchange / "ledger.csv", exchange, exchange, "--force")
    assert result.exit_code == 2, result.output
    assert "holds the input" in result.stderr
    assert _tree(exchange) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exchange"]  # no temporary folder either


def test_build_force_over_a_folder_solvent_did_not_make_is_refused(tmp_path: Path) -> None:
    exchange = _exchange(tmp_path / "exchange")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("the operator's own file\n")
    result = _build(exchange / "ledger.csv", exchange, mine, "--force")
    assert result.exit_code == 2, result.output
    assert MARKER_FILE in result.stderr and "remove it yourself" in result.stderr
    assert _tree(mine) == {"notes.txt": hashlib.sha256(b"the operator's own file\n").hexdigest()}
    # A marker naming another kind (a static site) does not make it a snapshot.
    (mine / MARKER_FILE).write_text("solvent-output static-site\n")
    assert _build(exchange / "ledger.csv", exchange, mine, "--force").exit_code == 2
    assert (mine / "notes.txt").exists()


def test_build_force_replaces_a_snapshot_solvent_built(tmp_path: Path) -> None:
    exchange = _exchange(tmp_path / "exchange")
    out = tmp_path / "snap"
    assert _build(exchange / "ledger.csv", exchange, out).exit_code == 0
    assert (out / MARKER_FILE).read_text() == "solvent-output snapshot\n"
    (out / "public" / "stale.txt").write_text("from the first build\n")
    again = _build(exchange / "ledger.csv", exchange, out, "--force")
    assert again.exit_code == 0, again.output
    assert not (out / "public" / "stale.txt").exists() and (out / "public" / "snapshot.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exchange", "snap"]


def test_build_out_inside_the_ledger_folder_is_refused(tmp_path: Path) -> None:
    exchange = _exchange(tmp_path / "exchange")
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "part-0.csv").write_text((exchange / "ledger.csv").read_text())
    result = _build(parts, exchange, parts / "snap")
    assert result.exit_code == 2 and "inside the input folder" in result.stderr
    assert sorted(p.name for p in parts.iterdir()) == ["part-0.csv"]


def test_a_glob_ledger_counts_as_its_folder() -> None:
    with pytest.raises(InputError, match="holds the input"):
        check_output(Path("export"), [Path("export/part-*.parquet")], replace=True, kind="snapshot", option="--out")
    with pytest.raises(InputError, match="holds the input"):
        check_output(Path("."), [Path("*.parquet")], replace=True, kind="snapshot", option="--out")


def test_paths_are_resolved_before_they_are_compared(tmp_path: Path) -> None:
    exchange = _exchange(tmp_path / "exchange")
    (tmp_path / "link").symlink_to(exchange)
    before = _tree(exchange)
    for out in (tmp_path / "link", tmp_path / "exchange" / ".." / "exchange"):
        result = _build(exchange / "ledger.csv", exchange, out, "--force")
        assert result.exit_code == 2 and "holds the input" in result.stderr, result.output
    assert _tree(exchange) == before


@pytest.fixture(scope="module")
def snaps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``snaps/X``: one snapshot built by ``solvent build``, in a folder of snapshots."""
    folder = tmp_path_factory.mktemp("force")
    exchange = _exchange(folder / "exchange")
    (folder / "snaps").mkdir()
    result = _build(exchange / "ledger.csv", exchange, folder / "snaps" / "X")
    assert result.exit_code == 0, result.output
    return folder / "snaps"


@pytest.mark.parametrize(
    ("given", "static"),
    [
        ("snaps/X", "snaps/X"),  # the site over its own snapshot
        ("snaps/X", "snaps"),  # ... over the folder of every snapshot
        ("snaps/X/public", "snaps/X"),  # given by its public/ folder
        ("snaps/X", "snaps/X/site"),  # written inside the snapshot it reads
    ],
)
def test_publish_force_never_touches_a_snapshot(snaps: Path, given: str, static: str) -> None:
    root = snaps.parent
    before = _tree(snaps)
    result = invoke(["publish", root / given, "--static", root / static, "--force"])
    assert result.exit_code == 2, result.output
    assert "the input" in result.stderr or "input folder" in result.stderr
    assert _tree(snaps) == before
    assert not [p for p in snaps.rglob(".*") if p.name != MARKER_FILE]


def test_publish_force_replaces_only_a_site_solvent_wrote(snaps: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    assert invoke(["publish", snaps / "X", "--static", site]).exit_code == 0
    assert (site / MARKER_FILE).read_text() == "solvent-output static-site\n"
    again = invoke(["publish", snaps / "X", "--static", site, "--force"])
    assert again.exit_code == 0, again.output
    plain = tmp_path / "www"
    plain.mkdir()
    (plain / "index.html").write_text("the operator's own page\n")
    refused = invoke(["publish", snaps / "X", "--static", plain, "--force"])
    assert refused.exit_code == 2 and "was not made by solvent" in refused.stderr
    assert (plain / "index.html").read_text() == "the operator's own page\n"
    # A snapshot folder is solvent's, but not a site: --force does not replace it with one.
    other = tmp_path / "copy"
    assert invoke(["publish", snaps / "X", "--static", other]).exit_code == 0
    over = invoke(["publish", snaps / "X" / "public", "--static", snaps / "X", "--force"])
    assert over.exit_code == 2 and "holds the input" in over.stderr
    beside = invoke(["publish", other / "data" / "s", "--static", snaps / "X", "--force"])
    assert beside.exit_code == 2, beside.output
    assert (snaps / "X" / "private" / "users.csv").is_file()
