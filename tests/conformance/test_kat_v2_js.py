"""The known-answer vector v2 reproduced by the browser's protocol modules, in Chromium and under node.

``kat_v2.js`` runs the modules as the page imports them (user secrets and hashed ids, every
asset tree rebuilt from the KAT's CSV bytes, the manifest and its signature, every proof);
every value it returns is compared here with tests/vectors/kat-v2.json, which an
implementation independent of solvent computed. Chromium runs it with both hash backends
(WebCrypto and the vendored @noble/hashes), node with its WebCrypto. The uids as a customer
may type them are written here by hand. The CSV faults are conformance vectors
(tests/conformance/vectors/liabilities-v2/), run by every reader.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.proofs_v2 import KAT2
from tests.conformance.site import serve_site, write_site

pytestmark = pytest.mark.integration

#: The uid as a customer may type it, in another Unicode normal form: step (5) brings it to NFC.
TYPED = [("m\u00fcller@example.de", unicodedata.normalize("NFD", "m\u00fcller@example.de"))]


def expected_balances(uid: str) -> list[dict[str, object]]:
    account = next(a for a in KAT2["accounts"] if a["uid"] == uid)
    order = [a["symbol"] for a in KAT2["assets"]]
    held = [{"symbol": s, "amount": account["balances"][s], "held": True} for s in order if s in account["balances"]]
    return held + [{"symbol": s, "amount": "0", "held": False} for s in order if s not in account["balances"]]


def check(out: dict[str, Any]) -> None:
    """Every value the browser's modules computed against the KAT."""
    accounts = KAT2["accounts"]
    assert out["secrets"] == [a["user_secret"] for a in accounts]
    assert out["ids"] == [a["hashed_id"] for a in accounts]
    assert out["uidRule"] == [a["uid"] for a in accounts]
    assert out["manifest"] == KAT2["manifest"]
    assert out["manifestVersion"] == 2
    assert (out["signature"], out["tamperedSignature"]) == ("valid", "invalid")
    for asset in KAT2["assets"]:
        symbol = asset["symbol"]
        tree, want = out["trees"][symbol], KAT2["trees"][symbol]
        assert tree["leaf_order"] == want["leaf_order"], symbol
        assert tree["levels"] == want["levels"], symbol
        assert tree["pad_hashes_by_level"] == want["pad_hashes_by_level"], symbol
        manifest_root = next(a["root"] for a in KAT2["manifest"]["assets"] if a["symbol"] == symbol)
        assert tree["root"] == manifest_root, symbol
        assert tree["digest"] == "bound", symbol
    assert out["wrongRoot"] == {"error": "root-mismatch"}
    holders = [p["uid"] for p in KAT2["proofs"] if p["proof"] is not None]
    assert len(holders) == 5
    assert [p["uid"] for p in out["proofs"]] == holders
    for got in out["proofs"]:
        assert (got["ownerChecked"], got["anchored"]) == (True, True), got["uid"]
        assert got["balances"] == expected_balances(got["uid"]), got["uid"]
    assert out["others"] == ["id-mismatch"] * len(holders)
    assert out["asked"] == [[2, "id-mismatch"]] * len(holders)
    assert out["typed"] == [True] * len(TYPED)


def _arguments() -> dict[str, Any]:
    return {
        "kat": KAT2,
        "typed": [{"uid": u, "typed": t} for u, t in TYPED],
    }


def test_the_typed_uids_differ_from_the_kat_ones() -> None:
    # Otherwise the NFC step of (5) would be tested with nothing to do.
    assert all(u != t and unicodedata.normalize("NFC", t) == u for u, t in TYPED)


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("kat-v2")
    write_site(root, [], {})
    with serve_site(root) as url:
        yield url


RUN = """
async ({args, backend}) =>
  (await import("./kat_v2.js")).checkKatV2(args.kat, backend, args.typed)
"""


@pytest.mark.parametrize("backend", ["webcrypto", "noble"])
def test_known_answer_vector_v2_in_chromium(page: Any, origin: str, backend: str) -> None:
    page.goto(origin)
    out = page.evaluate(RUN, {"args": _arguments(), "backend": backend})
    assert out["hasher"] == ("WebCrypto" if backend == "webcrypto" else "@noble/hashes 2.4.0")
    check(out)
    assert not page.errors


NODE = """
import { checkKatV2 } from "./kat_v2.js";
let input = "";
for await (const chunk of process.stdin) input += chunk;
const args = JSON.parse(input);
process.stdout.write(JSON.stringify(await checkKatV2(args.kat, "webcrypto", args.typed)));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed (make install needs it)")
def test_known_answer_vector_v2_under_node(tmp_path: Path) -> None:
    write_site(tmp_path, [], {})
    (tmp_path / "package.json").write_text('{"type": "module"}\n')
    (tmp_path / "kat_node.js").write_text(NODE)
    done = subprocess.run(
        ["node", str(tmp_path / "kat_node.js")],
        input=json.dumps(_arguments()),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["hasher"] == "WebCrypto"
    check(out)
