"""kill -9 at named points of ``solvent build`` and ``solvent publish --static``, then the
same command again (threat O3): the rerun succeeds, cleans up or restores what the killed
run left, and at no moment is anything public half-written: the output is absent, the
previous one whole, or the new one whole.

The kill is deterministic: ``SOLVENT_CRASH_AT=STAGE`` makes the process SIGKILL itself
there (:func:`solvent.publish.snapshot.crash_point`), so no test races a timer.  The
counts of these cases are the "Operator faults" rows of docs/threat-model.md.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.faults.conftest import ACCOUNTS, build_args, killed, leftovers, rerun, tree, whole_snapshot

pytestmark = [pytest.mark.faults, pytest.mark.integration]

#: Stages of a build of a new --out (no previous snapshot), with the files holding uids or
#: user secrets that exist when the build dies there.
BUILD_NEW = {
    "build:spilled": ("keys-", "uids-"),
    "build:sorted": ("users-",),
    "build:users": ("users.csv",),
    "build:trees": ("users.csv",),
    "build:signed": ("users.csv",),
}
#: Stages of a build --force over the previous snapshot.
BUILD_REPLACE = ("build:users", "replace:between-renames", "replace:renamed")
#: Stages of a static publish, new and --force over the previous site.
PUBLISH_NEW = ("publish:half-written", "publish:written")
PUBLISH_REPLACE = ("publish:half-written", "replace:between-renames", "replace:renamed")


@pytest.mark.parametrize("stage", BUILD_NEW)
def test_build_killed_then_rerun(workdir: Path, stage: str) -> None:
    """Also: the secrets are 0600 from their first byte.  The run is killed right after they
    were written, under umask 0 (a careless shell), before anything could narrow them."""
    args = build_args("ledger.csv", "fresh")
    killed(args, workdir, stage, umask=0)
    assert not (workdir / "fresh").exists(), "nothing is published before the build is whole"
    (tmp,) = workdir.glob(".fresh.tmp-*")  # a SIGKILL cannot clean up: the next run must
    for secret in BUILD_NEW[stage]:
        found = [p for p in tmp.rglob(f"{secret}*") if p.is_file()]
        assert found, secret
        assert {p.stat().st_mode & 0o777 for p in found} == {0o600}, secret
    assert {(tmp / d).stat().st_mode & 0o777 for d in (".", "private")} == {0o700}
    again = rerun(args, workdir)
    assert again.exit_code == 0, again.output
    assert "left by an interrupted run" in again.stderr  # named, not silently dropped
    assert leftovers(workdir) == []
    assert whole_snapshot(workdir / "fresh") == ACCOUNTS


@pytest.mark.parametrize("stage", BUILD_REPLACE)
def test_build_force_killed_then_rerun(workdir: Path, stage: str) -> None:
    snap = workdir / "snap"
    before = tree(snap)
    args = build_args("next.csv", "snap", "--force")
    killed(args, workdir, stage)
    if stage == "replace:between-renames":
        assert not snap.exists()  # the one moment without a snapshot: the set-aside copy is whole
        (kept,) = [p for p in workdir.iterdir() if p.name.startswith(".snap.old-")]
        assert tree(kept / "snapshot") == before
    elif stage == "replace:renamed":
        assert whole_snapshot(snap) == ACCOUNTS + 1
    else:
        assert tree(snap) == before
    again = rerun(args, workdir)
    assert again.exit_code == 0, again.output
    if stage == "replace:between-renames":
        assert "restored" in again.stderr
    assert leftovers(workdir) == []
    assert whole_snapshot(snap) == ACCOUNTS + 1


def _site(workdir: Path, snapshot: str, out: str, *extra: str) -> list[str]:
    return ["publish", snapshot, "--static", out, *extra]


@pytest.mark.parametrize("stage", PUBLISH_NEW)
def test_publish_killed_then_rerun(workdir: Path, stage: str) -> None:
    args = _site(workdir, "snap", "site")
    killed(args, workdir, stage)
    assert not (workdir / "site").exists()
    again = rerun(args, workdir)
    assert again.exit_code == 0, again.output
    assert "left by an interrupted run" in again.stderr
    assert leftovers(workdir) == [] and (workdir / "site" / "index.html").is_file()


@pytest.mark.parametrize("stage", PUBLISH_REPLACE)
def test_publish_force_killed_then_rerun(workdir: Path, stage: str, tmp_path: Path) -> None:
    # The previous site is of `snap`; the new one of `next`, a snapshot with one account more.
    assert rerun(build_args("next.csv", "next"), workdir).exit_code == 0
    assert rerun(_site(workdir, "snap", "site"), workdir).exit_code == 0
    expected = tmp_path / "expected"
    expected.mkdir()
    assert rerun(_site(workdir, "next", str(expected / "site")), workdir).exit_code == 0
    old, new = tree(workdir / "site"), tree(expected / "site")
    shutil.rmtree(expected)
    args = _site(workdir, "next", "site", "--force")
    killed(args, workdir, stage)
    site = workdir / "site"
    if stage == "replace:between-renames":
        assert not site.exists()
        (kept,) = [p for p in workdir.iterdir() if p.name.startswith(".site.old-")]
        assert tree(kept / "site") == old
    else:
        assert tree(site) == (new if stage == "replace:renamed" else old)
    again = rerun(args, workdir)
    assert again.exit_code == 0, again.output
    assert leftovers(workdir) == []
    assert tree(site) == new
