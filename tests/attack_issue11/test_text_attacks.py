"""Untrusted text: the CLI's and the browser's name rule, invisible names, terminal escapes, tracebacks."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from solvent.protocol.errors import FormatError
from solvent.protocol.manifest import check_exchange_name
from tests.attack_issue11.conftest import Kit, build_argv
from tests.cli_invoke import invoke

PARSE_JS = Path(__file__).parents[2] / "src" / "solvent" / "protocol" / "js" / "parse.js"
#: What may never reach a terminal from untrusted text: ESC, CSI (C1), BEL, bidi override, line separator.
RAW = ("\x1b", "\x9b", "\x07", "\u202e", "\u2028", "\x85")
HOSTILE = "\x1b]0;owned\x07\x1b[2J\u202eevil\x9b31m\u2028\ud800"

_NODE_SCRIPT = """
const m = await import(process.argv[1]);
const out = [];
for (let cp = 0; cp <= 0x10ffff; cp++) {
  const c = String.fromCodePoint(cp);
  for (const [v, key] of [[c, cp], ["a" + c + "b", -cp - 1]]) {
    try { m.checkExchange(v); } catch { out.push(key); }
  }
}
process.stdout.write(JSON.stringify(out));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_the_cli_and_the_browser_judge_every_code_point_alike() -> None:
    """Every code point alone (blank, invisible) and inside a name: refused by both or by neither."""
    done = subprocess.run(
        ["node", "--input-type=module", "-e", _NODE_SCRIPT, PARSE_JS.as_uri()],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    js = set(json.loads(done.stdout))
    py: set[int] = set()
    for cp in range(0x110000):
        for value, key in ((chr(cp), cp), (f"a{chr(cp)}b", -cp - 1)):
            try:
                check_exchange_name(value)
            except FormatError:
                py.add(key)
    differ = sorted(js ^ py)
    assert not differ, [hex(k) if k >= 0 else f"inside {-k - 1:#x}" for k in differ[:20]]


@pytest.mark.parametrize(
    "name",
    [
        "\u3164",
        "\u115f",
        "\u2800",
        "\uffa0",
        "Binance\u034f",
        "Binance\ufe0f",
        "Binance\U000e0100",
        "Binance\U0001d173",
        "Binance\u17b4",
    ],
    ids=[
        "hangul-filler",
        "choseong-filler",
        "braille-blank",
        "halfwidth-filler",
        "cgj",
        "vs16",
        "vs17",
        "musical-format",
        "khmer-invisible",
    ],
)
def test_a_name_that_looks_empty_or_like_another_is_refused(name: str) -> None:
    with pytest.raises(FormatError):
        check_exchange_name(name)


def test_an_unknown_argument_with_escapes_is_not_echoed_raw() -> None:
    r = invoke(["audit", "x", "--node\x1b]0;owned\x07", "--bogus\x1b[2J"])
    assert r.exit_code == 2
    assert not any(c in r.output for c in RAW), repr(r.output)


@pytest.mark.parametrize(
    "argv",
    [
        ["keygen", "--upgrade", "f", "--kind", HOSTILE],
        [HOSTILE],
        ["verify", "x.json", "--format", HOSTILE],
        ["serve", "x", "--port", HOSTILE],
        ["serve", "x", "--host", HOSTILE],
        ["report", "x", "--node", f"ethereum=http://[::1{HOSTILE}"],
        ["build", "x.csv", "--exchange", HOSTILE],
        ["prove", "x", HOSTILE],
    ],
    ids=["kind", "command", "format", "port", "host", "node", "exchange", "hashed-id"],
)
def test_hostile_argv_is_escaped_and_never_a_traceback(argv: list[str]) -> None:
    r = invoke(argv)
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert not any(c in r.output for c in RAW), repr(r.output)


def _strings(doc: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _strings(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc[:3]):
            yield from _strings(v, (*path, i))
    elif isinstance(doc, str):
        yield path


def _set(doc: Any, path: tuple[Any, ...], value: str) -> Any:
    doc = json.loads(json.dumps(doc))
    node = doc
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return doc


def test_hostile_text_in_any_proof_or_manifest_field_never_reaches_the_terminal(kit: Kit, tmp_path: Path) -> None:
    proof_doc = json.loads(kit.proof.read_text())
    manifest_doc = json.loads(kit.manifest.read_text())
    cases = [("proof", p) for p in _strings(proof_doc)] + [("manifest", p) for p in _strings(manifest_doc)]
    assert len(cases) > 20
    for which, path in cases:
        proof, manifest = kit.proof, kit.manifest
        if which == "proof":
            proof = tmp_path / "p.json"
            proof.write_text(json.dumps(_set(proof_doc, path, HOSTILE)))
        else:
            manifest = tmp_path / "snapshot.json"
            manifest.write_text(json.dumps(_set(manifest_doc, path, HOSTILE)))
        for extra in ([], ["--json"]):
            r = invoke(["verify", proof, "--snapshot", manifest, "--uid", kit.uid, "--secret", kit.secret, *extra])
            assert r.exit_code in (1, 2), (which, path, r.output)
            assert "Traceback" not in r.output
            assert not any(c in r.output for c in RAW), (which, path, repr(r.output[:400]))


@pytest.mark.parametrize(
    "header",
    ["uid,BTC\x1b[31m", "uid,BTC\x9b31m", "uid\u202e,BTC", "\x1b]0;x\x07uid,BTC"],
    ids=["esc", "csi", "bidi", "osc"],
)
def test_a_hostile_csv_header_never_reaches_the_terminal(kit: Kit, tmp_path: Path, header: str) -> None:
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(f"{header}\nu1,1\n", encoding="utf-8")
    r = invoke(build_argv(kit, ledger, tmp_path / "o"))
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert not any(c in r.output for c in RAW), repr(r.output)


def test_a_decomposed_uid_is_refused_by_build_and_normalised_by_verify(kit: Kit, tmp_path: Path) -> None:
    import csv
    import unicodedata

    common = [
        "--master-key-file",
        kit.keys / "master.key",
        "--signing-key-file",
        kit.keys / "signing.key",
        "--assets",
        "BTC:8",
        "--snapshot-id",
        "x",
        "--exchange",
        "Ex",
        "--workers",
        "1",
    ]
    nfd = tmp_path / "nfd.csv"
    nfd.write_text("uid,BTC\nJose\u0301,1\n", encoding="utf-8")
    r = invoke(["build", nfd, "--out", tmp_path / "a", *common])
    assert r.exit_code == 2 and "NFC" in r.output
    nfc = tmp_path / "nfc.csv"
    nfc.write_text("uid,BTC\nRen\u00e9e,2\nbob,1\n", encoding="utf-8")
    assert invoke(["build", nfc, "--out", tmp_path / "b", *common]).exit_code == 0
    with (tmp_path / "b" / "private" / "users.csv").open(encoding="utf-8") as f:
        user = next(u for u in csv.DictReader(f) if u["uid"] != "bob")
    proof = tmp_path / "p.json"
    proof.write_text(invoke(["prove", tmp_path / "b", user["hashed_id"]]).stdout)
    manifest = tmp_path / "b" / "public" / "snapshot.json"
    typed = unicodedata.normalize("NFD", user["uid"])
    v = invoke(["verify", proof, "--snapshot", manifest, "--uid", typed, "--secret", user["user_secret"]])
    assert v.exit_code == 0, v.output
