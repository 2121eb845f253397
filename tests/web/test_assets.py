"""The page's own files: vendored code unchanged and pinned, no third-party origin, no HTML from strings."""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from pathlib import Path

from solvent.web.page import IMPORT_MAP, render_page, static_assets

STATIC = Path(__file__).parents[2] / "src" / "solvent" / "web" / "static"
PROTOCOL_JS = Path(__file__).parents[2] / "src" / "solvent" / "protocol" / "js"
OURS = [
    *STATIC.glob("js/*.js"),
    *PROTOCOL_JS.glob("*.js"),
    STATIC / "app.css",
    STATIC / "history.css",
    STATIC.parent / "templates" / "index.html",
]


def test_vendored_files_match_their_recorded_digests() -> None:
    record = json.loads((STATIC / "vendor" / "VENDORED.json").read_text())
    for package in record["packages"]:
        folder = STATIC / "vendor" / package["directory"]
        assert sorted(p.name for p in folder.iterdir()) == sorted(package["files"])
        for name, digest in package["files"].items():
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    assert "@noble/hashes" in {p["name"] for p in record["packages"]}


def test_import_map_points_at_the_vendored_package() -> None:
    target = json.loads(IMPORT_MAP)["imports"]["@noble/hashes/"]
    assert target == "./static/vendor/noble-hashes-2.4.0/"
    assert (STATIC / "vendor" / "noble-hashes-2.4.0" / "sha2.js").is_file()


def test_no_third_party_origin_and_no_html_from_strings() -> None:
    for path in OURS:
        # the SVG namespace is a name, never fetched (history.js draws its chart with it)
        text = path.read_text().replace('"http://www.w3.org/2000/svg"', '""')
        assert not re.search(r"https?://", text), path
        assert "innerHTML" not in text and "outerHTML" not in text and "eval(" not in text, path
        assert "new Function" not in text and "document.write" not in text, path


def test_csp_allows_exactly_the_import_map() -> None:
    import base64

    page = render_page("api")
    digest = base64.b64encode(hashlib.sha256(IMPORT_MAP.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in page.csp
    html = page.html.decode()
    assert f'<script type="importmap">{IMPORT_MAP}</script>' in html
    assert html.count("<script") == 2  # the import map and the one external module
    assert '<script type="module" src="static/js/app.js"></script>' in html


def test_every_static_file_is_served_with_a_type() -> None:
    assets = static_assets()
    assert "js/app.js" in assets and "vendor/noble-hashes-2.4.0/sha2.js" in assets
    assert assets["js/app.js"][1].startswith("text/javascript")
    assert assets["app.css"][1].startswith("text/css")


def test_the_protocol_modules_are_shipped_and_every_import_resolves() -> None:
    """The page's modules import the protocol's (src/solvent/protocol/js/) as ./protocol/*.js."""
    assets = static_assets()
    modules = sorted(p.name for p in PROTOCOL_JS.glob("*.js"))
    assert {"strictjson.js", "errors.js", "hash.js", "verify.js", "parse.js"} <= set(modules)
    for name in modules:
        assert assets[f"js/protocol/{name}"] == ((PROTOCOL_JS / name).read_bytes(), "text/javascript; charset=utf-8")
    imports = 0
    for name, (data, _) in assets.items():
        if name.startswith("js/"):
            for target in re.findall(r'^import .* from "(\.[^"]+)";$', data.decode(), flags=re.M):
                assert posixpath.normpath(posixpath.join(posixpath.dirname(name), target)) in assets, (name, target)
                imports += 1
    assert imports > 20
