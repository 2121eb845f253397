"""The conformance site: the page's assets as shipped, the runner and every vector's exact bytes.

Chromium is served this folder over HTTP (test_browser.py); node reads it from disk
(test_node.py). Both run the same ``runner.js``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from solvent.web.page import IMPORT_MAP, static_assets
from tests.conformance.vectors import DIR, Vector

__all__ = ["HTML", "TIME_LIMIT_MS", "write_site"]

#: A denial-of-service bound, not a speed benchmark: a customer's tab must answer any input
#: up to the 4 MiB proof limit within a second (the worst vector takes a fraction of that on
#: an idle laptop); a parser that is quadratic in its input takes minutes on the same vectors.
TIME_LIMIT_MS = 1000

HTML = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>conformance</title>
<script type="importmap">{IMPORT_MAP}</script></head><body></body></html>
"""


def write_site(root: Path, vectors: list[Vector], materialised: dict[str, bytes]) -> None:
    (root / "index.html").write_text(HTML, encoding="utf-8")
    for name, (data, _) in static_assets().items():
        path = root / "static" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    shutil.copy(Path(__file__).parent / "runner.js", root / "runner.js")
    shutil.copytree(DIR / "manifests", root / "vectors" / "manifests")
    for vector in vectors:
        path = root / "vectors" / f"{vector.name}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(materialised[vector.name])
