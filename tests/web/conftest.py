"""Fixtures for the web tests: demo snapshots from the real pipeline, a real server, a static site, Chromium.

Servers run as real processes on a free loopback port, are polled for readiness with a
bounded deadline and are always stopped.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from solvent.pipeline.report import VerifierSettings
from solvent.reserves.tokens import default_registry
from tests.web.snapshots import ASSETS, EXCHANGE, DemoSnapshot, ledger_rows, liabilities, make_snapshot

NEWEST = "2026-11-23"


def pytest_configure(config: pytest.Config) -> None:
    # Fault injection (docs/threat-model.md): hostile clients against a real server, here.
    config.addinivalue_line("markers", "faults: fault injection against a real process (runs in CI)")


OLDER = "2026-10-31"


@dataclass(frozen=True)
class Demo:
    newest: DemoSnapshot  # 40 accounts, reserves on the demo's nodes (anvil, simulated Tron)
    older: DemoSnapshot  # 5 accounts, no reserves
    #: ``--node ethereum=URL --node tron=URL --token ...``: the server re-reads the reserves from
    #: the still running nodes, and recognises the demo's own token contracts (it deployed them).
    node_options: tuple[str, ...]

    @property
    def dirs(self) -> list[Path]:
        return [self.older.directory, self.newest.directory]

    @property
    def settings(self) -> VerifierSettings:
        nodes = tuple(v for k, v in zip(self.node_options[::2], self.node_options[1::2]) if k == "--node")
        tokens = [v for k, v in zip(self.node_options[::2], self.node_options[1::2]) if k == "--token"]
        return VerifierSettings(nodes, default_registry(tokens))


def signing_key_of(work: Path) -> str:
    """The public key (hex) of ``work/keys``, made now if missing: the snapshot builders of
    these tests sign with those keys, and an attestation must name the key (spec §12.3)."""
    from solvent.publish.keys import generate_keys

    keys = work / "keys"
    if not (keys / "signing.pub").exists():
        generate_keys(keys)
    return (keys / "signing.pub").read_text().strip()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    from solvent.demo.reserves import prepare_demo_reserves
    from solvent.pipeline.build import utc_now

    work = tmp_path_factory.mktemp("web-demo")
    reserves = prepare_demo_reserves(
        work / "reserves",
        exchange=EXCHANGE,
        snapshot_id=NEWEST,
        assets=ASSETS,
        liabilities=liabilities(ledger_rows(40, 7)),
        signing_key=signing_key_of(work),  # the key make_snapshot signs with: the challenges name it
    )
    try:
        # Taken now: the pinned block was mined seconds ago (the block-time window, spec §12.2).
        newest = make_snapshot(work, snapshot_id=NEWEST, taken_at=utc_now(), reserves=reserves.reserves_json)
        older = make_snapshot(work, snapshot_id=OLDER, taken_at="2026-10-31T00:00:00Z", accounts=5, seed=3)
        tokens = (x for t in reserves.token_options for x in ("--token", t))
        nodes = (x for n in reserves.node_options for x in ("--node", n))
        options = (*nodes, *tokens)
        yield Demo(newest, older, options)
    finally:
        reserves.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_serving(host: str, port: int, path: str, deadline_s: float = 20.0) -> None:
    """Poll until ``GET path`` answers, up to a deadline (the server process is already started)."""
    deadline = time.monotonic() + deadline_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(host, port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError as e:
            last = e
            time.sleep(0.05)  # polling interval of a bounded readiness wait, not a timing assumption
    raise RuntimeError(f"server on {host}:{port} did not answer {path} within {deadline_s} s: {last}")


@dataclass
class Server:
    process: subprocess.Popen[str]
    url: str
    host: str
    port: int
    banner: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_serve(dirs: list[Path], *extra: str, python: tuple[str, ...] = ("-m", "solvent")) -> Server:
    """`solvent serve DIR... --port 0`: read the printed URL, then wait until it answers.

    ``python``: how Python runs solvent (``-c CODE`` to change a setting before it starts).
    """
    process = subprocess.Popen(
        [sys.executable, *python, "serve", *map(str, dirs), "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        banner = ""
        assert process.stdout is not None
        for _ in range(3):
            banner += process.stdout.readline()
        url = next(word for word in banner.split() if word.startswith("http://"))
        host, port = url.removeprefix("http://").rstrip("/").rsplit(":", 1)
        wait_until_serving(host, int(port), "/api/snapshots")
        return Server(process, url, host, int(port), banner)
    except BaseException:
        process.kill()
        process.wait()
        raise


@pytest.fixture(scope="session")
def server(demo: Demo) -> Iterator[Server]:
    s = start_serve(demo.dirs, *demo.node_options)
    try:
        yield s
    finally:
        s.stop()


@dataclass
class StaticServer:
    process: subprocess.Popen[bytes]
    root: Path
    url: str
    port: int


@contextmanager
def serve_static(site: Path) -> Iterator[StaticServer]:
    """A published static site served by Python's plain static file server (no solvent code)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_serving("127.0.0.1", port, "/index.html")
        yield StaticServer(process, site, f"http://127.0.0.1:{port}/", port)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def static_site(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticServer]:
    """`solvent publish --static`, served by Python's plain static file server (no solvent code)."""
    from solvent.web.static_site import publish_static

    out = tmp_path_factory.mktemp("static") / "site"
    publish_static(demo.dirs, out, settings=demo.settings)
    with serve_static(out) as site:
        yield site


@pytest.fixture(scope="session")
def browser(playwright: Any) -> Iterator[Any]:
    from tests.web.browser import launch

    with launch(playwright) as context:
        yield context


@pytest.fixture(scope="session")
def browser_for(playwright: Any) -> Iterator[Callable[[str], Any]]:
    """A Chromium context per locale ("zh-CN", "es-ES"...), launched on first use, for the session."""
    from tests.web.browser import launch

    with ExitStack() as stack:
        made: dict[str, Any] = {}

        def get(locale: str) -> Any:
            if locale not in made:
                made[locale] = stack.enter_context(launch(playwright, locale=locale))
            return made[locale]

        yield get


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    p = browser.new_page()
    errors: list[str] = []
    console: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))  # uncaught exceptions in the page
    p.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    p.errors = errors
    p.console_errors = console
    try:
        yield p
    finally:
        p.close()


V2_ID = "2026-12-v2"
V1_BESIDE_V2 = "2026-09-v1"


@dataclass(frozen=True)
class Mixed:
    """A v2 snapshot (newest) served beside a v1 one: the page and API speak both."""

    v2: Any  # tests.web.snapshots_v2.SnapshotV2
    v1: DemoSnapshot

    @property
    def dirs(self) -> list[Path]:
        return [self.v1.directory, self.v2.directory]


@pytest.fixture(scope="session")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Mixed:
    from tests.web.snapshots_v2 import make_snapshot_v2

    work = tmp_path_factory.mktemp("web-mixed")
    v2 = make_snapshot_v2(work, snapshot_id=V2_ID, taken_at="2026-12-01T00:00:00Z")
    v1 = make_snapshot(work, snapshot_id=V1_BESIDE_V2, taken_at="2026-09-30T00:00:00Z", accounts=5, seed=3)
    return Mixed(v2, v1)


@pytest.fixture(scope="session")
def server_v2(mixed: Mixed) -> Iterator[Server]:
    s = start_serve(mixed.dirs)
    try:
        yield s
    finally:
        s.stop()


@pytest.fixture(scope="session")
def static_site_v2(mixed: Mixed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StaticServer]:
    from solvent.web.static_site import publish_static

    out = tmp_path_factory.mktemp("static-v2") / "site"
    publish_static(mixed.dirs, out)
    with serve_static(out) as site:
        yield site


@pytest.fixture(params=["serve", "static"])
def v2_site(request: pytest.FixtureRequest) -> str:
    """The v2 page's URL: the server's, or the static site's (same page, plain files)."""
    if request.param == "serve":
        server: Server = request.getfixturevalue("server_v2")
        return server.url
    static: StaticServer = request.getfixturevalue("static_site_v2")
    return static.url


V2_RESERVES_ID = "2026-12-v2-reserves"


@dataclass(frozen=True)
class ReservedV2:
    """A v2 snapshot with reserves.json bound, on its own anvil chain (still running)."""

    snapshot: Any  # tests.web.snapshots_v2.SnapshotV2
    #: ``--node ethereum=URL --token ...``, as for :class:`Demo`.
    node_options: tuple[str, ...]

    @property
    def settings(self) -> VerifierSettings:
        nodes = tuple(v for k, v in zip(self.node_options[::2], self.node_options[1::2]) if k == "--node")
        tokens = [v for k, v in zip(self.node_options[::2], self.node_options[1::2]) if k == "--token"]
        return VerifierSettings(nodes, default_registry(tokens))


@pytest.fixture(scope="session")
def reserved_v2(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReservedV2]:
    from solvent.demo.reserves import prepare_demo_reserves
    from solvent.pipeline.build import utc_now
    from tests.web.snapshots_v2 import ASSETS_V2, EXCHANGE_V2, ledger_v2, liabilities_v2, make_snapshot_v2

    work = tmp_path_factory.mktemp("web-v2-reserves")
    reserves = prepare_demo_reserves(
        work / "reserves",
        exchange=EXCHANGE_V2,
        snapshot_id=V2_RESERVES_ID,
        assets=ASSETS_V2,
        liabilities=liabilities_v2(ledger_v2(40, 5)),  # make_snapshot_v2's default ledger
        signing_key=signing_key_of(work),  # the key make_snapshot_v2 signs with
    )
    try:
        snapshot = make_snapshot_v2(
            work, snapshot_id=V2_RESERVES_ID, taken_at=utc_now(), reserves=reserves.reserves_json
        )
        tokens = (x for t in reserves.token_options for x in ("--token", t))
        nodes = (x for n in reserves.node_options for x in ("--node", n))
        yield ReservedV2(snapshot, (*nodes, *tokens))
    finally:
        reserves.stop()


@pytest.fixture(scope="session")
def server_v2_reserves(reserved_v2: ReservedV2) -> Iterator[Server]:
    s = start_serve([reserved_v2.snapshot.directory], *reserved_v2.node_options)
    try:
        yield s
    finally:
        s.stop()


def listed_reserves(report: dict[str, Any], signing_key: str, onchain: dict[str, int] | None = None) -> bytes:
    """A reserves.json listing exactly the wallets and off-chain entries of ``report``
    (``report_to_dict``'s), with their blocks and each balance's source, plus, per asset of
    ``onchain``, that amount read on chain (source "observed") in one wallet on each of the two
    chains the hand-made reserves lines split by: what the page matches a summary's wallet rows,
    amounts and per-chain split against. Only the fields the page reads; not an attestation
    ``solvent verify`` would accept (these page tests inject hand-made summaries)."""
    wallets = [
        {
            "chain": w["chain"],
            "address": w["address"],
            "block": w["block"],
            "balances": [{"asset": b["asset"], "amount": b["amount"], "source": b["source"]} for b in w["balances"]],
        }
        for w in report["wallets"]
    ]
    for chain in ("ethereum", "bnb-smart-chain"):
        held = [{"asset": a, "amount": str(n), "source": "observed"} for a, n in (onchain or {}).items() if n]
        if held:
            wallets.append({"chain": chain, "address": f"0x{'e' * 40}", "block": {"height": 1}, "balances": held})
    offchain = [{k: o[k] for k in ("asset", "amount", "custodian", "note")} for o in report["offchain"]]
    doc = {"format": "solvent-reserves/3", "signing_key": signing_key, "wallets": wallets, "offchain": offchain}
    return (json.dumps(doc, indent=2) + "\n").encode()


def bind_reserves(page: Any, snapshot: Any, reserves: bytes, api: bool = True) -> None:
    """Serve the snapshot's manifest as the exchange would have signed it with reserves: its
    files bind ``reserves`` as reserves.json, signed with the exchange's own key (the page shows
    reserves verdicts only for a manifest that binds them and whose signature checks)."""
    import hashlib

    from solvent.publish.keys import load_signing_key, sign

    manifest = json.loads((snapshot.public / "snapshot.json").read_text())
    manifest["files"]["reserves.json"] = hashlib.sha256(reserves).hexdigest()
    body = (json.dumps(manifest, indent=2) + "\n").encode()
    signature = sign(load_signing_key(snapshot.directory.parent / "keys" / "signing.key"), body)
    files = {"snapshot.json": body, "snapshot.json.sig": (signature.strip() + "\n").encode(), "reserves.json": reserves}

    def answer(data: bytes) -> Any:
        return lambda route: route.fulfill(status=200, body=data, content_type="application/octet-stream")

    for name, data in files.items():
        page.route(f"**/api/snapshots/{snapshot.snapshot_id}/files/{name}", answer(data))
