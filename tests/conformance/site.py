"""The conformance site: the page's assets as shipped, the runners and every vector's exact bytes.

Chromium is served this folder over HTTP (``serve_site``, under the page's
Content-Security-Policy: test_browser.py, test_kat_v2_js.py); node reads it from disk
(test_node.py, test_differential.py). Both run the same ``runner.js`` and ``kat_v2.js``.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from solvent.web.page import IMPORT_MAP, render_page, static_assets
from tests.conformance.vectors import DIR, Vector, materialise

__all__ = ["HTML", "TIME_LIMIT_MS", "serve_site", "write_site"]

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
    for runner in ("runner.js", "kat_v2.js"):
        shutil.copy(Path(__file__).parent / runner, root / runner)
    shutil.copytree(DIR / "manifests", root / "vectors" / "manifests")
    for vector in vectors:
        path = root / "vectors" / f"{vector.name}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(materialised[vector.name])
        if vector.signature is not None:  # a signature vector: its snapshot.json.sig beside its signing.pub
            path.with_suffix(".sig").write_bytes(materialise(vector.signature))


class _Handler(SimpleHTTPRequestHandler):
    csp = ""

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve_site(root: Path) -> Iterator[str]:
    """An HTTP origin for ``root`` (a written site) under the page's Content-Security-Policy."""
    handler = type("Handler", (_Handler,), {"csp": render_page("static").csp})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
