"""The read-only JSON API behind the page, and the page itself (FastAPI).

::

    GET /                                              the page
    GET /static/{file}                                 its scripts, styles and vendored code
    GET /api/snapshots                                 every snapshot, newest first
    GET /api/snapshots/{id}                            summary: time, root, accounts, totals, reserves
    GET /api/snapshots/{id}/proofs/{hashed_id}         the solvent-proof/1 JSON of one customer
    GET /api/snapshots/{id}/tree/{level}/{index}       one node and its two children (v1)
    GET /api/snapshots/{id}/trees/{S}/{level}/{index}  the same in asset S's tree (v2)
    GET /api/snapshots/{id}/reserves                   the solvency report (404 when none is published)
    GET /api/history                                   the reserve ratio per asset across the snapshots
                                                       (solvent-history/1, as a static site's data/history.json)
    GET /api/kit/solvent_verify.py                     the offline kit's standard-library verifier
                                                       (:mod:`.kit`; a static site's data/solvent_verify.py)
    GET /api/snapshots/{id}/files/{name}               snapshot.json (+ .sig), signing.pub, and
                                                       the files the manifest binds: liabilities.csv
                                                       (v1) or liabilities/<S>.csv (v2), streamed;
                                                       reserves.json, tree files
    GET /api/openapi.json                              this API, described

Every route answers GET and HEAD alike (same status and headers, no body on HEAD).
Every bad input is a 4xx with ``{"error": code, "message": ..., "evidence": {...}}``:
wrong length or non-hex ids, levels and indexes out of range, unknown snapshots and
files, over-long paths and queries (414, :mod:`.security`), any method but GET and HEAD
(405). Failures are raised from the one error tree (:mod:`solvent.protocol.errors`) and
answered by :func:`solvent.web.errors.to_http`, the one mapping to HTTP.

Proof bytes come from :func:`solvent.pipeline.lookup.open_proofs` (``solvent-proof/1`` for
a v1 snapshot, ``solvent-proof/2`` for a v2 one), the look-up ``solvent prove`` uses, and
the page re-verifies them: nothing here says "valid".
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from solvent.pipeline.lookup import SnapshotProofsV2
from solvent.protocol.errors import InputError, NotFound, SolventError
from solvent.protocol.manifest import Manifest
from solvent.protocol.v2.manifest import AssetTree
from solvent.tree.store import level_count
from solvent.tree.store_v2 import asset_dir
from solvent.web.catalog import PUBLIC_FILES, Catalog, Snapshot, content_type
from solvent.web.errors import SERVER_MESSAGE, error_body, log, to_http
from solvent.web.history import catalog_history
from solvent.web.kit import FILE_NAME as VERIFIER_FILE
from solvent.web.kit import verifier_source
from solvent.web.page import render_page, static_assets
from solvent.web.security import SecurityMiddleware, base_headers

__all__ = ["create_app", "find_snapshot", "proof_for"]

_DIGITS = re.compile(r"[0-9]{1,20}\Z")
_PROOF_PATH = re.compile(r"/api/snapshots/([^/]+)/proofs/([^/]+)\Z")
JSON = "application/json"


class ErrorModel(BaseModel):
    error: str
    message: str
    evidence: dict[str, str]


class SnapshotModel(BaseModel):
    snapshot_id: str
    exchange: str
    taken_at: str
    version: int
    accounts: int
    root_hash: str | None
    reserves: bool


class NodeModel(BaseModel):
    level: int
    index: int
    hash: str
    sums: list[str]
    padding: bool
    hashed_id: str | None = None
    children: list[NodeModel] | None = None


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorModel, "description": "A malformed id, level or index"},
    404: {"model": ErrorModel, "description": "Unknown snapshot, id, file, or no reserves"},
}


def _json(payload: object, status: int = 200) -> JSONResponse:
    return JSONResponse(payload, status_code=status)


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _integer(text: str, what: str, limit: int) -> int:
    """A decimal integer in ``[0, limit)``; leading zeros and signs are refused."""
    if not _DIGITS.match(text) or (len(text) > 1 and text[0] == "0"):
        raise InputError(
            f"{what} must be a non-negative integer, got {_shorten(text)!r}", code=what, evidence={"field": what}
        )
    value = int(text)
    if value >= limit:
        raise InputError(
            f"{what} {value} is out of range (0 to {limit - 1})",
            code=what,
            evidence={"field": what, "limit": str(limit)},
        )
    return value


def find_snapshot(catalog: Catalog, snapshot_id: str) -> Snapshot:
    """The served snapshot ``snapshot_id``, or NotFound (``unknown-snapshot``) naming the ones served."""
    snap = catalog.get(snapshot_id)
    if snap is None:
        raise NotFound(
            f"no snapshot {_shorten(snapshot_id)!r} here; GET /api/snapshots lists them",
            code="unknown-snapshot",
            evidence={"snapshot_id": _shorten(snapshot_id), "served": ", ".join(s.snapshot_id for s in catalog)},
        )
    return snap


def proof_for(catalog: Catalog, snapshot_id: str, hashed_id: str) -> bytes:
    """The proof look-up of the route and of :class:`ProofFastPath`: the snapshot's :class:`SnapshotProofs`."""
    return find_snapshot(catalog, snapshot_id).proofs.proof(hashed_id)


def _v1(snap: Snapshot, what: str) -> Manifest:
    if not isinstance(snap.manifest, Manifest):
        raise NotFound(
            f"snapshot {snap.snapshot_id} is a v2 snapshot: one tree per asset, at /trees/SYMBOL/{what}",
            code="version",
            evidence={"snapshot_id": snap.snapshot_id, "version": "2"},
        )
    return snap.manifest


def _asset_tree(snap: Snapshot, symbol: str) -> AssetTree:
    """The tree of asset ``symbol`` in a v2 snapshot, or NotFound (``unknown-asset``, ``version``)."""
    m = snap.manifest
    if isinstance(m, Manifest):
        raise NotFound(
            f"snapshot {snap.snapshot_id} is a v1 snapshot: one tree for every asset, at /tree/LEVEL/INDEX",
            code="version",
            evidence={"snapshot_id": snap.snapshot_id, "version": "1"},
        )
    tree = m.tree(symbol)
    if tree is None:
        raise NotFound(
            f"snapshot {snap.snapshot_id} has no asset {_shorten(symbol)!r}",
            code="unknown-asset",
            evidence={"assets": ", ".join(t.symbol for t in m.trees[:50])},
        )
    return tree


def _asset_node_json(snap: Snapshot, tree: AssetTree, level: int, index: int) -> dict[str, Any]:
    """A node of one asset's tree, in the shape of a v1 node (``sums`` holds its one sum)."""
    proofs = snap.proofs
    assert isinstance(proofs, SnapshotProofsV2)  # _asset_tree let only a v2 snapshot through
    node = proofs.reader.node(tree, level, index)
    padding = index >= level_count(level, tree.root.leaf_count)
    out: dict[str, Any] = {
        "level": level,
        "index": index,
        "hash": node.hash.hex(),
        "sums": [str(node.sum)],
        "padding": padding,
    }
    if level == 0 and not padding:
        ids = proofs.reader.map(f"{asset_dir(tree.symbol)}/ids.bin", 32 * tree.root.leaf_count)
        out["hashed_id"] = bytes(ids[32 * index : 32 * index + 32]).hex()
    return out


def _node_json(snap: Snapshot, level: int, index: int) -> dict[str, Any]:
    node = snap.reader.node(level, index)
    padding = index >= level_count(level, _v1(snap, f"{level}/{index}").root.leaf_count)
    out: dict[str, Any] = {
        "level": level,
        "index": index,
        "hash": node.hash.hex(),
        "sums": [str(s) for s in node.sums],
        "padding": padding,
    }
    if level == 0 and not padding:
        out["hashed_id"] = snap.reader.hashed_id(index).hex()
    return out


def create_app(catalog: Catalog, *, fast_proofs: bool = True) -> FastAPI:
    """The application serving ``catalog``; the caller closes the catalog after the server stops.

    ``fast_proofs`` answers proof look-ups before FastAPI's routing (:class:`ProofFastPath`),
    with the same function and the same bytes as the documented route.
    """
    # Every failure is a SolventError (or a bug) and goes up to SecurityMiddleware, which
    # answers it through solvent.web.errors.to_http; the two handlers below only turn
    # the framework's own errors into the error tree.
    page = render_page("api")
    assets = static_assets()
    app = FastAPI(
        title="solvent Proof-of-Reserves API",
        version="1",
        description=(
            "Read-only. Proofs are solvent-proof/1 JSON (docs/spec.md §6 (Inclusion proofs)) for a v1 snapshot, "
            "solvent-proof/2 for a v2 one: verify them yourself, against the signed snapshot.json."
        ),
        openapi_url="/api/openapi.json",
        docs_url=None,  # the interactive docs load scripts from a CDN: not on this origin
        redoc_url=None,
        # No "add or drop the trailing slash" redirect: Starlette builds its Location from the
        # request's Host header, which the client chooses (a 307 to any site it names).
        redirect_slashes=False,
    )

    def snapshot(snapshot_id: str) -> Snapshot:
        return find_snapshot(catalog, snapshot_id)

    def answer(e: SolventError) -> Response:
        status, body = to_http(e)
        return Response(body, status_code=status, media_type=JSON)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, e: StarletteHTTPException) -> Response:
        # The router's own errors: no route (404), and a method a route lacks (405), which
        # the GET/HEAD rule below and SecurityMiddleware leave unreachable: a bug, a 500.
        if e.status_code == 404:
            return answer(NotFound("no such page or API endpoint"))
        return answer(SolventError(f"the router answered HTTP {e.status_code}: {e.detail}", code="http"))

    # The last resort: a failure that escapes SecurityMiddleware itself (a bug in it, or in the
    # error mapping) reaches Starlette's outermost layer, whose plain 500 would carry no header.
    last_resort_headers = {k.decode(): v.decode() for k, v in base_headers(page.csp)}

    async def last_resort(_: Request, e: Exception) -> Response:
        log.error("request failed outside the error mapping, or after its answer had started", exc_info=e)
        return Response(
            error_body("internal", SERVER_MESSAGE), status_code=500, media_type=JSON, headers=last_resort_headers
        )

    app.add_exception_handler(Exception, last_resort)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, e: RequestValidationError) -> Response:
        return answer(InputError("the request is malformed", code="bad-request"))

    @app.get("/", include_in_schema=False)
    async def index() -> Response:
        return Response(
            page.html,
            media_type="text/html; charset=utf-8",
            headers={"cache-control": "no-cache", "content-security-policy": page.csp},
        )

    @app.get("/static/{path:path}", include_in_schema=False)
    async def static(path: str) -> Response:
        # A dictionary look-up of files read at start-up: no path ever reaches the file system.
        found = assets.get(path)
        if found is None:
            raise NotFound(f"no static file {_shorten(path)!r}")
        return Response(found[0], media_type=found[1], headers={"cache-control": "no-cache"})

    @app.get("/api/snapshots", response_model=list[SnapshotModel], summary="Every snapshot, newest first")
    async def snapshots() -> JSONResponse:
        return _json([s.listing() for s in catalog])

    history = catalog_history(catalog)  # the catalog is fixed once loaded: made once

    @app.get("/api/history", summary="The reserve ratio per asset across the snapshots, oldest first")
    async def history_route() -> JSONResponse:
        """Per snapshot: id, time, and per asset the liabilities, reserves, ratio and PASS / DECLARED / FAIL
        (solvent-history/1, the same document as a static site's data/history.json)."""
        return _json(history)

    verifier = verifier_source().encode("utf-8")  # made once, from the installed modules

    @app.get(f"/api/kit/{VERIFIER_FILE}", summary="The offline kit's verifier (Python, standard library only)")
    async def verifier_route() -> Response:
        """``python3 solvent_verify.py verify|audit ...``: ``solvent verify`` and ``solvent audit`` in one
        file that needs no solvent installed (the page puts it in its offline kit)."""
        return Response(verifier, media_type="text/x-python; charset=utf-8", headers={"cache-control": "no-cache"})

    @app.get("/api/snapshots/{snapshot_id}", responses=ERRORS, summary="One snapshot's summary")
    async def summary(snapshot_id: str) -> JSONResponse:
        """Time, Merkle root, accounts, per-asset liabilities, reserves and ratio, cold wallets, file digests."""
        return _json(snapshot(snapshot_id).summary())

    @app.get(
        "/api/snapshots/{snapshot_id}/proofs/{hashed_id}",
        responses=ERRORS,
        summary="One customer's inclusion proof (solvent-proof/1)",
    )
    async def proof(snapshot_id: str, hashed_id: str) -> Response:
        """The exact bytes `solvent prove` prints; 404 `not-found` when the id is not in the snapshot."""
        return Response(proof_for(catalog, snapshot_id, hashed_id), media_type=JSON)

    @app.get(
        "/api/snapshots/{snapshot_id}/tree/{level}/{index}",
        response_model=NodeModel,
        responses=ERRORS,
        summary="One tree node and its two children",
    )
    async def tree_node(snapshot_id: str, level: str, index: str) -> JSONResponse:
        """Level 0 is the leaves, level `height` the root; positions beyond the accounts are padding."""
        snap = snapshot(snapshot_id)
        height = _v1(snap, f"{_shorten(level, 8)}/{_shorten(index, 8)}").root.height
        lvl = _integer(level, "level", height + 1)
        idx = _integer(index, "index", 1 << (height - lvl))
        out = _node_json(snap, lvl, idx)
        if lvl > 0:
            out["children"] = [_node_json(snap, lvl - 1, 2 * idx + k) for k in (0, 1)]
        return _json(out)

    @app.get(
        "/api/snapshots/{snapshot_id}/trees/{symbol}/{level}/{index}",
        response_model=NodeModel,
        responses=ERRORS,
        summary="One node of one asset's tree and its two children (v2)",
    )
    async def asset_tree_node(snapshot_id: str, symbol: str, level: str, index: str) -> JSONResponse:
        """Level 0 is the asset's leaves (its holders), level `height` its root; `sums` holds the node's one sum."""
        snap = snapshot(snapshot_id)
        tree = _asset_tree(snap, symbol)
        height = tree.root.height
        lvl = _integer(level, "level", height + 1)
        idx = _integer(index, "index", 1 << (height - lvl))
        out = _asset_node_json(snap, tree, lvl, idx)
        if lvl > 0:
            out["children"] = [_asset_node_json(snap, tree, lvl - 1, 2 * idx + k) for k in (0, 1)]
        return _json(out)

    @app.get("/api/snapshots/{snapshot_id}/reserves", responses=ERRORS, summary="The solvency report")
    async def reserves(snapshot_id: str) -> JSONResponse:
        """Per asset: liabilities, reserves, ratio and PASS / DECLARED / FAIL; every cold wallet and its check."""
        snap = snapshot(snapshot_id)
        if snap.reserves is None:
            raise NotFound(
                f"snapshot {snap.snapshot_id} has no reserves.json",
                code="no-reserves",
                evidence={"snapshot_id": snap.snapshot_id},
            )
        return _json(snap.reserves)

    @app.get(
        "/api/snapshots/{snapshot_id}/files/{name:path}",
        responses=ERRORS,
        summary="A published file: " + ", ".join(PUBLIC_FILES) + ", liabilities/<S>.csv, or a file the manifest binds",
    )
    async def published_file(snapshot_id: str, name: str, request: Request) -> Response:
        """Served from a fixed list of names, streamed; every bound file's SHA-256 is in the manifest,
        was checked when the server started, and is checked again while the file is sent."""
        snap = snapshot(snapshot_id)
        if snap.file_path(name) is None:
            raise NotFound(
                f"{_shorten(name)!r} is not a published file of this snapshot",
                code="unknown-file",
                evidence={"files": ", ".join(snap.files())},
            )
        head = request.method == "HEAD"
        # FileDigestMismatch (a 500) if it changed size; HEAD checks the same and reads nothing
        checked, chunks = snap.open_file(name, read=not head)
        headers = {
            "content-length": str(checked.size),
            # the names the offline commands expect side by side
            "content-disposition": f'attachment; filename="{name.rsplit("/", 1)[-1]}"',
            "cache-control": "no-cache",
            "etag": f'"{checked.sha256}"',
        }
        if head:  # the GET answer's headers; the file is not read
            return Response(b"", media_type=content_type(name), headers=headers)
        return StreamingResponse(chunks, media_type=content_type(name), headers=headers)

    # The OpenAPI description is made now, of the GET operations; then every GET route
    # answers HEAD too (docs/web.md), a route added later included. SecurityMiddleware
    # drops the body of a HEAD answer; FileResponse does not even read the file.
    app.openapi()
    for route in app.routes:
        if isinstance(route, APIRoute) and route.methods is not None and "GET" in route.methods:
            route.methods.add("HEAD")

    if fast_proofs:
        app.add_middleware(ProofFastPath, catalog=catalog)
    app.add_middleware(SecurityMiddleware, csp=page.csp)  # added last: the outermost layer
    return app


class ProofFastPath:
    """Answers ``GET /api/snapshots/{id}/proofs/{hashed_id}`` without FastAPI's per-request machinery.

    FastAPI's routing, parameter handling and response classes cost several times the
    look-up itself (about 100 µs); this is the one endpoint a crowd of customers hits.
    It calls :func:`proof_for`, as the route does; every other request goes on to FastAPI.
    Its errors go up to SecurityMiddleware, as the route's do, and so does a HEAD request's
    body.
    """

    def __init__(self, app: Any, catalog: Catalog) -> None:
        self.app = app
        self.catalog = catalog

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        match = _PROOF_PATH.match(scope["path"]) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        body = proof_for(self.catalog, match[1], match[2])
        headers = [(b"content-type", JSON.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
