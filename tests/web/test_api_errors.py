"""The API answers every failure from the one error tree, mapped in one place (solvent.web.errors).

Client errors (InputError 400, NotFound 404) keep their code, message and evidence;
anything that fails on the server is a 500 that says nothing of the server (no path, no
exception text), with the security headers like every other answer.
"""

from __future__ import annotations

import ast
import inspect
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import solvent.protocol.errors as tree
from solvent.protocol.errors import (
    FetchError,
    FormatError,
    InputError,
    NotFound,
    RootMismatch,
    SolventError,
)
from solvent.web.api import create_app
from solvent.web.catalog import Catalog, load_catalog
from solvent.web.errors import error_body, to_http
from tests.web.conftest import OLDER, Demo

pytestmark = pytest.mark.integration

WEB = Path(__file__).parents[2] / "src" / "solvent" / "web"
SECRET = "/srv/exchange/private/level-03.bin"  # what a server-side message could hold


def test_client_errors_keep_their_code_message_and_evidence() -> None:
    status, body = to_http(InputError("bad level", code="level", evidence={"field": "level"}))
    assert (status, body) == (400, error_body("level", "bad level", {"field": "level"}))
    status, body = to_http(NotFound("not here", evidence={"hashed_id": "ab"}))
    assert (status, body) == (404, error_body("not-found", "not here", {"hashed_id": "ab"}))


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (FormatError(f"{SECRET}: 12 bytes, expected 96", evidence={"file": SECRET}), "format"),
        (RootMismatch(f"root differs in {SECRET}", evidence={"file": SECRET}), "root-mismatch"),
        (FetchError(f"cannot read {SECRET}"), "fetch"),
        (RuntimeError(SECRET), "internal"),
        (KeyError(SECRET), "internal"),
    ],
)
def test_server_failures_are_500_without_detail(error: Exception, code: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="solvent.web"):
        status, body = to_http(error)
    assert status == 500 and SECRET.encode() not in body
    assert body == error_body(code, "the server could not answer this request; its log says why")
    assert SECRET in caplog.text  # the operator still learns what failed


def test_every_class_of_the_tree_has_a_status() -> None:
    classes = [c for _, c in inspect.getmembers(tree, inspect.isclass) if issubclass(c, SolventError)]
    assert len(classes) >= 14
    for cls in classes:
        status, _ = to_http(cls("x"))
        assert status == (400 if issubclass(cls, InputError) else 404 if issubclass(cls, NotFound) else 500), cls


def test_the_web_package_raises_only_the_error_tree() -> None:
    """No second exception tree: every ``raise X(...)`` under web/ raises a class of solvent.protocol.errors."""
    raised = set()
    for path in WEB.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                assert not bases & {"Exception", "BaseException", "ValueError"}, f"{path.name}: class {node.name}"
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                func = node.exc.func
                raised.add(getattr(func, "id", getattr(func, "attr", "")))
    assert raised, "the scan found no raise at all"
    for name in raised:
        assert issubclass(getattr(tree, name), SolventError), name


@pytest.fixture(scope="module")
def catalog(demo: Demo) -> Iterator[Catalog]:
    c = load_catalog([demo.older.directory])
    try:
        yield c
    finally:
        c.close()


@pytest.mark.parametrize("fast", [True, False], ids=["fast-proofs", "routes-only"])
@pytest.mark.parametrize(
    "error",
    [RuntimeError(SECRET), FormatError(f"{SECRET}: truncated", evidence={"file": SECRET})],
    ids=["bug", "format"],
)
def test_a_failing_look_up_is_a_500_with_headers_and_no_detail(
    catalog: Catalog, demo: Demo, monkeypatch: pytest.MonkeyPatch, fast: bool, error: Exception
) -> None:
    snap = catalog.get(OLDER)
    assert snap is not None

    def fail(*_: object) -> bytes:
        raise error

    monkeypatch.setattr(snap.proofs, "proof", fail)
    monkeypatch.setattr(snap.proofs.reader, "node", fail)
    with TestClient(create_app(catalog, fast_proofs=fast), raise_server_exceptions=True) as client:
        for path in (
            f"/api/snapshots/{OLDER}/proofs/{demo.older.accounts[0].hashed_id}",
            f"/api/snapshots/{OLDER}/tree/0/0",
        ):
            for method in ("GET", "HEAD"):
                r = client.request(method, path)
                assert r.status_code == 500, (path, method)
                assert r.headers["content-security-policy"].startswith("default-src 'none'")
                assert r.headers["x-content-type-options"] == "nosniff"
                assert SECRET.encode() not in r.content
                if method == "GET":
                    expected = "internal" if isinstance(error, RuntimeError) else "format"
                    assert r.json()["error"] == expected and r.json()["evidence"] == {}
                else:
                    assert r.content == b""
