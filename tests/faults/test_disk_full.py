"""A full disk in the middle of a build or a publish (threat O5): the command fails with a
plain error (exit 2, "No space left on device"), the previous snapshot or site is
untouched, nothing is left beside it, and once space is freed the same command succeeds.

Two ways: a write that fails with ENOSPC at a chosen point (always runs), and a real
small tmpfs filled to the brim (needs root to mount; skipped otherwise).
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.conftest import ACCOUNTS, build_args, leftovers, rerun, tree, whole_snapshot

pytestmark = [pytest.mark.faults, pytest.mark.integration]


def _no_space(*args: Any, **kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


#: Where the injected write fails: the spill, users.csv, the per-asset trees, the marker.
BUILD_WRITES = (
    "solvent.pipeline.build_v2._UidWriter.add",
    "solvent.pipeline.build_v2.shutil.copyfileobj",
    "solvent.pipeline.build_v2._asset_tree",
    "solvent.publish.snapshot.write_marker",
)


@pytest.mark.parametrize("target", BUILD_WRITES)
def test_build_with_a_write_failing_for_space(workdir: Path, target: str, monkeypatch: pytest.MonkeyPatch) -> None:
    snap = workdir / "snap"
    before = tree(snap)
    args = build_args("next.csv", "snap", "--force")
    with monkeypatch.context() as patch:
        patch.setattr(target, _no_space)
        failed = rerun(args, workdir)
    assert failed.exit_code == 2, failed.output
    assert "No space left on device" in failed.stderr and "Traceback" not in failed.output
    assert tree(snap) == before and leftovers(workdir) == []
    again = rerun(args, workdir)
    assert again.exit_code == 0, again.output
    assert whole_snapshot(snap) == ACCOUNTS + 1


def test_publish_with_a_write_failing_for_space(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert rerun(["publish", "snap", "--static", "site"], workdir).exit_code == 0
    before = tree(workdir / "site")
    writes = 0

    from solvent.web import static_site

    real = static_site._Writer.write

    def fail_later(self: Any, name: str, data: bytes | memoryview) -> None:
        nonlocal writes
        writes += 1
        if writes > 20:
            _no_space()
        real(self, name, data)

    with monkeypatch.context() as patch:
        patch.setattr(static_site._Writer, "write", fail_later)
        failed = rerun(["publish", "snap", "--static", "site", "--force"], workdir)
    assert writes > 20
    assert failed.exit_code == 2 and "No space left on device" in failed.stderr, failed.output
    assert tree(workdir / "site") == before and leftovers(workdir) == []


@contextlib.contextmanager
def _tmpfs(mount: Path, size: str) -> Iterator[Path]:
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (not root); the injected ENOSPC tests above stand in")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path, leave: int) -> Path:
    """A file taking all the free space of ``disk`` but ``leave`` bytes."""
    st = os.statvfs(disk)
    filler = disk / "filler"
    with filler.open("wb") as f, contextlib.suppress(OSError):
        f.write(bytes(max(0, st.f_bavail * st.f_frsize - leave)))
    return filler


def test_a_real_full_disk(workdir: Path, tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "disk", "16m") as disk:
        keys = workdir / "keys"
        args = [str(a) for a in build_args(str(workdir / "ledger.csv"), str(disk / "snap"))]
        args = [str(keys / a[5:]) if a.startswith("keys/") else a for a in args]
        assert rerun(args, workdir).exit_code == 0
        before = tree(disk / "snap")
        filler = _fill(disk, 256 * 1024)
        forced = [a.replace("ledger.csv", "next.csv") for a in args] + ["--force"]
        failed = rerun(forced, workdir)
        assert failed.exit_code == 2, failed.output
        assert "No space left on device" in failed.stderr and "Traceback" not in failed.output
        assert tree(disk / "snap") == before and leftovers(disk) == []
        site = rerun(["publish", str(disk / "snap"), "--static", str(disk / "site")], workdir)
        assert site.exit_code == 2 and "No space left on device" in site.stderr, site.output
        assert sorted(p.name for p in disk.iterdir()) == ["filler", "snap"]
        filler.unlink()
        again = rerun(forced, workdir)
        assert again.exit_code == 0, again.output
        assert whole_snapshot(disk / "snap") == ACCOUNTS + 1 and leftovers(disk) == []
