"""Where commands write: an output path that is one of the command's own inputs, and a static
site whose files are the snapshot's own (hard links), so that it changes when they do.

The issue's rule for ``--force`` ("never when --out holds the ledger, a key or another input")
is about folders; ``report --html FILE`` and ``prove --out FILE`` take a file and replace
whatever is there without a word, the signed manifest they have just read included.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.attack_issue11b.conftest import SID, build_v2, solvent


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_report_html_never_writes_over_the_snapshot_it_reads(tmp_path: Path) -> None:
    built = build_v2(tmp_path)
    manifest = built.public / "snapshot.json"
    before = manifest.read_bytes()
    done = solvent("report", built.directory, "--html", manifest)
    assert done.returncode == 2, (done.returncode, done.stderr[-400:])
    assert manifest.read_bytes() == before
    assert solvent("audit", built.directory).returncode == 0


def test_prove_out_never_writes_over_the_snapshot_it_reads(tmp_path: Path) -> None:
    built = build_v2(tmp_path)
    manifest = built.public / "snapshot.json"
    before = manifest.read_bytes()
    done = solvent("prove", built.directory, built.hashed_id, "--out", manifest)
    assert done.returncode == 2, (done.returncode, done.stderr[-400:])
    assert manifest.read_bytes() == before


def test_prove_out_still_writes_a_new_file_and_replaces_an_old_proof(tmp_path: Path) -> None:
    """The ordinary use the fixes above must keep: a new file, and a proof written again."""
    built = build_v2(tmp_path)
    out = tmp_path / "proof.json"
    for _ in range(2):
        done = solvent("prove", built.directory, built.hashed_id, "--out", out)
        assert done.returncode == 0, done.stderr
        assert json.loads(out.read_bytes())["format"].startswith("solvent-proof/")


def test_a_static_site_keeps_the_bytes_it_published(tmp_path: Path) -> None:
    built = build_v2(tmp_path)
    site = tmp_path / "site"
    done = solvent("publish", built.directory, "--static", site)
    assert done.returncode == 0, done.stderr
    bound = json.loads((built.public / "snapshot.json").read_bytes())["files"]
    name = "liabilities/BTC.csv"
    published = site / "data" / "s" / SID / name
    assert _sha256(published) == bound[name]
    source = built.public / name
    data = source.read_bytes()
    with source.open("r+b") as f:  # the same file, the same size, one amount changed
        f.write(data.replace(b"1", b"9", 1))
    assert _sha256(published) == bound[name], "the published site changed with the snapshot"
