"""The read-only JSON API behind the page, and the page itself (FastAPI).

::

    GET /                                              the page
    GET /static/{file}                                 its scripts, styles and vendored code
    GET /api/snapshots                                 every snapshot, newest first
    GET /api/snapshots/{id}                            summary: time, root, accounts, totals, reserves
    GET /api/snapshots/{id}/proofs/{hashed_id}         the solvent-proof/1 JSON of one customer
    GET /api/snapshots/{id}/tree/{level}/{index}       one node and its two children
    GET /api/snapshots/{id}/reserves                   the solvency report (404 when none is published)
    GET /api/snapshots/{id}/files/{name}               snapshot.json (+ .sig), signing.pub,
                                                       liabilities.csv (streamed), reserves.json
    GET /api/openapi.json                              this API, described

Every bad input is a 4xx with ``{"error": code, "message": ..., "evidence": {...}}``:
wrong length or non-hex ids, levels and indexes out of range, unknown snapshots and
files, over-long paths and queries (414, :mod:`.security`), any method but GET (405).
Proof bytes are exactly what ``solvent prove`` prints, and the page re-verifies them:
nothing here says "valid".
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from solvent.tree.store import level_count
from solvent.web.catalog import PUBLIC_FILES, Catalog, Snapshot
from solvent.web.page import render_page, static_assets
from solvent.web.security import SecurityMiddleware, error_body

__all__ = ["ApiError", "create_app"]

_HEX64 = re.compile(r"[0-9a-fA-F]{64}\Z")
_DIGITS = re.compile(r"[0-9]{1,20}\Z")
_PROOF_PATH = re.compile(r"/api/snapshots/([^/]+)/proofs/([^/]+)\Z")
JSON = "application/json"


class ApiError(Exception):
    """A client error with its HTTP status and stable code."""

    def __init__(self, status: int, code: str, message: str, evidence: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.evidence = evidence or {}


class ErrorModel(BaseModel):
    error: str
    message: str
    evidence: dict[str, str]


class SnapshotModel(BaseModel):
    snapshot_id: str
    exchange: str
    taken_at: str
    accounts: int
    root_hash: str
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


def parse_hashed_id(text: str) -> bytes:
    """64 hex digits (either case); anything else is a 400 that says what is wrong."""
    if not _HEX64.match(text):
        if len(text) != 64:
            raise ApiError(
                400,
                "hex",
                f"a hashed client id is 64 hex digits; this one has {len(text)} characters",
                {"field": "hashed_id", "length": str(len(text))},
            )
        bad = next(c for c in text if c not in "0123456789abcdefABCDEF")
        raise ApiError(
            400,
            "hex",
            f"a hashed client id is 64 hex digits; {bad!r} is not a hex digit",
            {"field": "hashed_id"},
        )
    return bytes.fromhex(text)


def _integer(text: str, what: str, limit: int) -> int:
    """A decimal integer in ``[0, limit)``; leading zeros and signs are refused."""
    if not _DIGITS.match(text) or (len(text) > 1 and text[0] == "0"):
        raise ApiError(400, what, f"{what} must be a non-negative integer, got {_shorten(text)!r}", {"field": what})
    value = int(text)
    if value >= limit:
        raise ApiError(
            400, what, f"{what} {value} is out of range (0 to {limit - 1})", {"field": what, "limit": str(limit)}
        )
    return value


def find_snapshot(catalog: Catalog, snapshot_id: str) -> Snapshot:
    snap = catalog.get(snapshot_id)
    if snap is None:
        raise ApiError(
            404,
            "unknown-snapshot",
            f"no snapshot {_shorten(snapshot_id)!r} here; GET /api/snapshots lists them",
            {"snapshot_id": _shorten(snapshot_id)},
        )
    return snap


def proof_bytes(catalog: Catalog, snapshot_id: str, hashed_id: str) -> bytes:
    """The proof look-up, shared by the FastAPI route and the fast path of :mod:`.fastpath`."""
    snap = find_snapshot(catalog, snapshot_id)
    target = parse_hashed_id(hashed_id)
    index = snap.reader.find(target)
    if index is None:
        raise ApiError(
            404,
            "not-found",
            f"hashed id {target.hex()} is not in snapshot {snap.snapshot_id}",
            {"hashed_id": target.hex(), "snapshot_id": snap.snapshot_id},
        )
    return snap.proofs.proof(index)


def _node_json(snap: Snapshot, level: int, index: int) -> dict[str, Any]:
    node = snap.reader.node(level, index)
    padding = index >= level_count(level, snap.manifest.root.leaf_count)
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
    page = render_page("api")
    assets = static_assets()
    app = FastAPI(
        title="solvent Proof-of-Reserves API",
        version="1",
        description=(
            "Read-only. Proofs are solvent-proof/1 JSON (docs/spec.md §6): verify them yourself, "
            "against the signed snapshot.json."
        ),
        openapi_url="/api/openapi.json",
        docs_url=None,  # the interactive docs load scripts from a CDN: not on this origin
        redoc_url=None,
    )

    def snapshot(snapshot_id: str) -> Snapshot:
        return find_snapshot(catalog, snapshot_id)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, e: ApiError) -> Response:
        return Response(error_body(e.code, e.message, e.evidence), status_code=e.status, media_type=JSON)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, e: StarletteHTTPException) -> Response:
        code = "not-found" if e.status_code == 404 else "http"
        message = "no such page or API endpoint" if e.status_code == 404 else str(e.detail)
        return Response(error_body(code, message), status_code=e.status_code, media_type=JSON)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, e: RequestValidationError) -> Response:
        return Response(error_body("bad-request", "the request is malformed"), status_code=400, media_type=JSON)

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
            raise ApiError(404, "not-found", f"no static file {_shorten(path)!r}")
        return Response(found[0], media_type=found[1], headers={"cache-control": "no-cache"})

    @app.get("/api/snapshots", response_model=list[SnapshotModel], summary="Every snapshot, newest first")
    async def snapshots() -> JSONResponse:
        return _json([s.listing() for s in catalog])

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
        return Response(proof_bytes(catalog, snapshot_id, hashed_id), media_type=JSON)

    @app.get(
        "/api/snapshots/{snapshot_id}/tree/{level}/{index}",
        response_model=NodeModel,
        responses=ERRORS,
        summary="One tree node and its two children",
    )
    async def tree_node(snapshot_id: str, level: str, index: str) -> JSONResponse:
        """Level 0 is the leaves, level `height` the root; positions beyond the accounts are padding."""
        snap = snapshot(snapshot_id)
        height = snap.manifest.root.height
        lvl = _integer(level, "level", height + 1)
        idx = _integer(index, "index", 1 << (height - lvl))
        out = _node_json(snap, lvl, idx)
        if lvl > 0:
            out["children"] = [_node_json(snap, lvl - 1, 2 * idx + k) for k in (0, 1)]
        return _json(out)

    @app.get("/api/snapshots/{snapshot_id}/reserves", responses=ERRORS, summary="The solvency report")
    async def reserves(snapshot_id: str) -> JSONResponse:
        """Per asset: liabilities, reserves, ratio and PASS / DECLARED / FAIL; every cold wallet and its check."""
        snap = snapshot(snapshot_id)
        if snap.reserves is None:
            raise ApiError(404, "no-reserves", f"snapshot {snap.snapshot_id} has no reserves.json")
        return _json(snap.reserves)

    @app.get(
        "/api/snapshots/{snapshot_id}/files/{name:path}",
        responses=ERRORS,
        summary="A published file: " + ", ".join(PUBLIC_FILES) + ", or a file the manifest binds",
    )
    async def published_file(snapshot_id: str, name: str) -> Response:
        """Served from a fixed list of names, streamed; liabilities.csv's SHA-256 is in the manifest."""
        snap = snapshot(snapshot_id)
        path = snap.file_path(name)
        if path is None:
            raise ApiError(
                404,
                "unknown-file",
                f"{_shorten(name)!r} is not a published file of this snapshot",
                {"files": ", ".join(snap.files())},
            )
        return FileResponse(
            path,
            media_type=PUBLIC_FILES.get(name, "application/octet-stream"),
            filename=name.rsplit("/", 1)[-1],  # the names the offline commands expect side by side
            headers={"cache-control": "no-cache"},
        )

    if fast_proofs:
        app.add_middleware(ProofFastPath, catalog=catalog)
    app.add_middleware(SecurityMiddleware, csp=page.csp)  # added last: the outermost layer
    return app


class ProofFastPath:
    """Answers ``GET /api/snapshots/{id}/proofs/{hashed_id}`` without FastAPI's per-request machinery.

    FastAPI's routing, parameter handling and response classes cost several times the
    look-up itself (about 100 µs); this is the one endpoint a crowd of customers hits.
    It calls :func:`proof_bytes`, as the route does; every other request goes on to FastAPI.
    """

    def __init__(self, app: Any, catalog: Catalog) -> None:
        self.app = app
        self.catalog = catalog

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        match = _PROOF_PATH.match(scope["path"]) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        try:
            status, body = 200, proof_bytes(self.catalog, match[1], match[2])
        except ApiError as e:
            status, body = e.status, error_body(e.code, e.message, e.evidence)
        headers = [(b"content-type", JSON.encode()), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
