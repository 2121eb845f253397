"""The page itself: ``index.html`` for the server or a static site, and its static assets.

The page is plain HTML, CSS and ES modules shipped in the package (``static/``); no
bundler, no third-party origin. Its only inline element is the import map that lets the
verifier load the vendored ``@noble/hashes`` by its package name; a Content-Security-Policy
allows exactly that map by its SHA-256 and no other inline script. The policy is sent as a
header by the server and repeated in a ``<meta>`` element, so a static copy on a CDN that
sets no headers is held to it too.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from solvent.web.kit import FILE_NAME as VERIFIER_FILE
from solvent.web.kit import verifier_source
from solvent.web.security import content_security_policy

__all__ = [
    "IMPORT_MAP",
    "KIT_ASSET",
    "PROTOCOL_JS_PREFIX",
    "STATIC_TYPES",
    "Page",
    "kit_asset",
    "render_page",
    "static_assets",
]

IMPORT_MAP = json.dumps({"imports": {"@noble/hashes/": "./static/vendor/noble-hashes-2.4.0/"}})
STATIC_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    "": "text/plain; charset=utf-8",
}
Mode = Literal["api", "static"]


@dataclass(frozen=True)
class Page:
    html: bytes
    #: The policy for the Content-Security-Policy header (the meta element holds the same, minus framing).
    csp: str


def _template() -> str:
    return resources.files("solvent.web").joinpath("templates/index.html").read_text(encoding="utf-8")


def render_page(mode: Mode) -> Page:
    """index.html for ``mode`` ("api": served by ``solvent serve``; "static": plain files)."""
    digest = base64.b64encode(hashlib.sha256(IMPORT_MAP.encode("utf-8")).digest()).decode("ascii")
    header = content_security_policy((digest,))
    meta = content_security_policy((digest,), for_meta=True)
    html = (
        _template()
        .replace("{{csp}}", meta)
        .replace("{{mode}}", mode)
        .replace("{{importmap}}", IMPORT_MAP)
    )
    return Page(html.encode("utf-8"), header)


#: Where the protocol's browser modules (``solvent/protocol/js/``, beside the Python core they
#: mirror) are served under ``static/``: the page imports them as ``./protocol/verify.js``.
PROTOCOL_JS_PREFIX = "js/protocol/"


#: The asset under ``static/`` that tells the page which verifier its offline kit may carry.
KIT_ASSET = "kit.json"


def kit_asset() -> bytes:
    """``static/kit.json``: the SHA-256 of the ``solvent_verify.py`` this solvent makes
    (:func:`solvent.web.kit.verifier_source`), shipped with the page's own code. The page
    refuses to zip a served ``solvent_verify.py`` whose bytes hash to anything else: the
    verifier file sits in ``data/`` beside the snapshots, the digest beside the page."""
    from solvent import __version__

    digest = hashlib.sha256(verifier_source().encode("utf-8")).hexdigest()
    doc = {"file": VERIFIER_FILE, "sha256": digest, "solvent": __version__}
    return json.dumps(doc, indent=2).encode("utf-8") + b"\n"


def static_assets() -> dict[str, tuple[bytes, str]]:
    """Every static asset of the page by its path under ``static/``, with its content type (read once).

    The one list the server and the static site ship: the files under ``web/static/``, the
    protocol's browser modules (``protocol/js/*.js``) under ``js/protocol/``, and the
    generated :data:`KIT_ASSET`.
    """
    out: dict[str, tuple[bytes, str]] = {}

    def walk(node: object, prefix: str) -> None:
        for child in node.iterdir():  # type: ignore[attr-defined]
            name = f"{prefix}{child.name}"
            if child.is_dir():
                walk(child, name + "/")
            elif not child.name.startswith("."):
                suffix = "." + child.name.rsplit(".", 1)[1] if "." in child.name else ""
                out[name] = (child.read_bytes(), STATIC_TYPES.get(suffix, "application/octet-stream"))

    walk(resources.files("solvent.web").joinpath("static"), "")
    walk(resources.files("solvent.protocol").joinpath("js"), PROTOCOL_JS_PREFIX)
    out[KIT_ASSET] = (kit_asset(), STATIC_TYPES[".json"])
    return out
