"""--force against the inputs: symbolic links, ``..``, globs, links to keys, publish over snapshots.

A forged ``.solvent-output`` marker is allowed (a third party who can write the folder can
delete it anyway); what must never happen is that --force deletes one of the command's inputs.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from solvent.publish.snapshot import MARKER_FILE, SNAPSHOT_KIND
from solvent.web.static_site import SITE_KIND
from tests.attack_issue11.conftest import Kit
from tests.cli_invoke import invoke


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _exchange(kit: Kit, tmp_path: Path, kind: str = SNAPSHOT_KIND) -> Path:
    """A folder with the ledger and both keys, and a marker forged to look like solvent's output."""
    ex = tmp_path / "exchange"
    ex.mkdir()
    shutil.copy(kit.work / "ledger-2026-11-01.csv", ex / "ledger.csv")
    for name in ("master.key", "signing.key", "signing.pub"):
        shutil.copy2(kit.keys / name, ex / name)
    (ex / MARKER_FILE).write_text(f"solvent-output {kind}\n")
    return ex


def _build(ledger: object, master: object, signing: object, out: object) -> int:
    return invoke(
        [
            "build",
            ledger,
            "--master-key-file",
            master,
            "--signing-key-file",
            signing,
            "--out",
            out,
            "--assets",
            "BTC:8,ETH:8,USDT:8,USD:2",
            "--snapshot-id",
            "x",
            "--exchange",
            "Ex",
            "--workers",
            "1",
            "--force",
        ]
    ).exit_code


@pytest.mark.parametrize("spelling", ["symlink", "dotdot", "relative", "trailing-slash"])
def test_force_never_deletes_the_inputs_however_out_is_spelled(
    kit: Kit, tmp_path: Path, spelling: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ex = _exchange(kit, tmp_path)
    before = _digests(ex)
    monkeypatch.chdir(tmp_path)
    if spelling == "symlink":
        (tmp_path / "out").symlink_to(ex)
        out: object = tmp_path / "out"
    elif spelling == "dotdot":
        (tmp_path / "other").mkdir()
        out = "other/../exchange"
    elif spelling == "relative":
        out = "exchange"
    else:
        out = str(ex) + "/"
    assert _build(ex / "ledger.csv", ex / "master.key", ex / "signing.key", out) == 2
    assert _digests(ex) == before


def test_force_never_deletes_a_globbed_ledger(kit: Kit, tmp_path: Path) -> None:
    ex = _exchange(kit, tmp_path)
    before = _digests(ex)
    assert _build(f"{ex}/ledger*.csv", ex / "master.key", ex / "signing.key", ex) == 2
    assert _digests(ex) == before


def test_force_never_deletes_a_key_reached_through_a_link(kit: Kit, tmp_path: Path) -> None:
    """The key lives in the marked folder; the command names it through a symlink elsewhere."""
    ex = _exchange(kit, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(ex / "ledger.csv", elsewhere / "ledger.csv")
    (elsewhere / "mk").symlink_to(ex / "master.key")
    before = _digests(ex)
    assert _build(elsewhere / "ledger.csv", elsewhere / "mk", ex / "signing.key", ex) == 2
    assert _digests(ex) == before


def test_force_never_deletes_a_key_through_a_hard_link_only_copy(kit: Kit, tmp_path: Path) -> None:
    """A hard link: deleting the marked folder removes one name of the key, never its last one."""
    ex = _exchange(kit, tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(ex / "ledger.csv", elsewhere / "ledger.csv")
    os.link(ex / "master.key", elsewhere / "master.key")
    code = _build(elsewhere / "ledger.csv", elsewhere / "master.key", ex / "signing.key", ex)
    # refused (the signing key is inside), and even otherwise the master key would survive
    assert code == 2 and (elsewhere / "master.key").read_text().startswith("solvent master key v1")


def test_publish_static_never_replaces_a_snapshot_or_its_parent(kit: Kit, tmp_path: Path) -> None:
    snaps = tmp_path / "snaps"
    snaps.mkdir()
    snap = snaps / "2026-11-01"
    shutil.copytree(kit.snapshot, snap)
    (snaps / MARKER_FILE).write_text(f"solvent-output {SITE_KIND}\n")  # forged, as a third party could
    before = _digests(snaps)
    for target in (snaps, snap, snap / "public", Path(f"{snap}/../2026-11-01")):
        r = invoke(["publish", snap, "--static", target, "--force"])
        assert r.exit_code == 2, (target, r.output)
        assert _digests(snaps) == before
