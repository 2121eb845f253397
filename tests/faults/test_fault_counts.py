"""The counts of docs/threat-model.md ("Operator faults") are the suite's own: a fault
added to or removed from the suite without the table (or the other way round) fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.faults import test_disk_full, test_kill_points

pytestmark = pytest.mark.faults

TABLE = (Path(__file__).parents[2] / "docs" / "threat-model.md").read_text(encoding="utf-8")

#: Each row's label, and how many faults the suite injects for it.
EXPECTED = {
    "kill -9, `build` of a new snapshot": len(test_kill_points.BUILD_NEW),
    "kill -9, `build --force` over a snapshot": len(test_kill_points.BUILD_REPLACE),
    "kill -9, `publish --static` of a new site": len(test_kill_points.PUBLISH_NEW),
    "kill -9, `publish --static --force` over a site": len(test_kill_points.PUBLISH_REPLACE),
    "ENOSPC, injected": len(test_disk_full.BUILD_WRITES) + 1,  # + the publish
    "ENOSPC, a full tmpfs": 2,  # the build, then the publish, in test_a_real_full_disk
    "interrupts": 4,  # the four interrupt tests of cli/test_build_signals.py the O2 row names
}


def _row(label: str) -> tuple[int, int, int]:
    m = re.search(rf"^\| {re.escape(label)} \| [^|]* \| (\d+) \| (\d+) \| (\d+) \|$", TABLE, flags=re.M)
    assert m, label
    injected, survived, lost = (int(x) for x in m.groups())
    return injected, survived, lost


def test_the_threat_model_counts_are_the_suites() -> None:
    total = [0, 0, 0]
    for label, count in EXPECTED.items():
        injected, survived, lost = _row(label)
        assert (injected, survived, lost) == (count, count, 0), label
        total = [total[0] + injected, total[1] + survived, total[2] + lost]
    m = re.search(r"^\| \*\*total\*\* \| \| \*\*(\d+)\*\* \| \*\*(\d+)\*\* \| \*\*(\d+)\*\* \|$", TABLE, flags=re.M)
    assert m and [int(x) for x in m.groups()] == total


def test_the_interrupt_tests_the_table_counts_exist() -> None:
    row = re.search(r"^\| O2 \|.*$", TABLE, flags=re.M)
    assert row
    assert len(re.findall(r"::test_[a-z0-9_]+", row.group(0))) == EXPECTED["interrupts"]
