"""Attack: a liabilities/<S>.csv row whose hashed id is the padding id (32 zero bytes).

Both Python auditors refuse it (``padding_error``: "row N has the padding id"), and no
proof can ever show it (a proof's hashed_id may not be the padding id); the browser's
``treeFromCsv`` (View Full Tree) rebuilds it as an ordinary leaf.  The same CSV is read
two ways: the page shows a consistent tree that ``solvent audit`` fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.attack_v2.node_js import run_node

CSV = "hashed_id,amount\n" + "00" * 32 + ",5\n" + "11" * 32 + ",7\n"


@pytest.mark.xfail(strict=True, reason="parseLiabilitiesCsv has no padding-id check (the auditors do)")
def test_the_browser_refuses_a_padding_id_row(tmp_path: Path) -> None:
    body = (
        "try { const t = await v2.treeFromCsv(hasher, 'JPY', 0, new TextEncoder().encode(data.csv));"
        " return { ok: true, sum: t.root.sum, leaves: t.root.leafCount }; }"
        " catch (e) { return { ok: false, code: e.code }; }"
    )
    out = run_node(tmp_path, body, {"csv": CSV})
    assert out["ok"] is False, out
