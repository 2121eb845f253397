"""The conformance vectors against the browser verifier's modules under node, with a hard deadline.

The same ``runner.js`` as in Chromium (tests/conformance/test_browser.py), with node's
WebCrypto. A page that hangs cannot be interrupted from outside in Chromium; a node process
can: if the parser ever turns quadratic again, this test fails at its deadline instead of
hanging the suite, and names no vector only because none finished.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.site import TIME_LIMIT_MS, write_site
from tests.conformance.vectors import load_all, materialise, wanted_of

pytestmark = pytest.mark.integration

VECTORS = load_all()
#: For the whole run (about ten seconds on a busy machine).
DEADLINE_S = 180


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed (make install needs it)")
def test_every_vector_gives_the_expected_result_under_node(tmp_path: Path) -> None:
    write_site(tmp_path, VECTORS, {v.name: materialise(v.input) for v in VECTORS})
    (tmp_path / "package.json").write_text('{"type": "module"}\n')
    shutil.copy(Path(__file__).parent / "node.js", tmp_path / "node.js")
    wanted = [wanted_of(v) for v in VECTORS]
    done = subprocess.run(
        ["node", "--expose-gc", str(tmp_path / "node.js")],
        input=json.dumps({"vectors": wanted, "limit": TIME_LIMIT_MS}),
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results: dict[str, Any] = json.loads(done.stdout)
    assert len(results) == len(VECTORS)
    for vector in VECTORS:
        got = results[vector.name]
        assert got["result"] == vector.expect, f"{vector.name}: {vector.description}"
        assert got["ms"] <= TIME_LIMIT_MS, f"{vector.name} ({got['bytes']} bytes): {got['ms']:.0f} ms"
    assert {(r["hasher"], r["gc"]) for r in results.values()} == {("WebCrypto", True)}
