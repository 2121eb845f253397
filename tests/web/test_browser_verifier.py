"""The browser verifier in Chromium: every proof vector, the KAT, both hash backends, the strict parser.

The page's own modules are imported in the page (same origin, under its CSP) and given
the exact bytes of each vector file; the result must be what tests/vectors/proofs/index.json
says (valid, or exactly its error code), as it is for the Python verifier.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import Server

pytestmark = pytest.mark.integration

VECTORS = Path(__file__).parents[1] / "vectors"
INDEX = json.loads((VECTORS / "proofs" / "index.json").read_text())
KAT = json.loads((VECTORS / "kat-v1.json").read_text())

RUN_CASES = """
async ({cases, backend}) => {
  const { verifyProofBytes } = await import("./static/js/verify.js");
  const { parseManifest } = await import("./static/js/spec.js");
  const { getHasher, nobleHasher } = await import("./static/js/hash.js");
  const hasher = backend === "noble" ? await nobleHasher() : await getHasher("webcrypto");
  const bytes = (b64) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const out = {};
  for (const c of cases) {
    const manifest = c.manifest ? parseManifest(bytes(c.manifest)) : null;
    try {
      const r = await verifyProofBytes(hasher, bytes(c.data), manifest);
      out[c.file] = { error: null, anchored: r.anchored, hasher: r.hasher };
    } catch (e) {
      out[c.file] = { error: e.code ?? ("exception: " + e.message), hasher: hasher.name };
    }
  }
  return out;
}
"""


def b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def open_page(page: Any, server: Server) -> None:
    page.goto(server.url)
    page.wait_for_selector("body[data-ready]")


@pytest.mark.parametrize("backend", ["webcrypto", "noble"])
def test_every_proof_vector_gives_the_python_result(page: Any, server: Server, backend: str) -> None:
    open_page(page, server)
    cases = [
        {
            "file": c["file"],
            "data": b64(VECTORS / "proofs" / c["file"]),
            "manifest": b64(VECTORS / "proofs" / c["manifest"]) if c["manifest"] else None,
        }
        for c in INDEX["cases"]
    ]
    results = page.evaluate(RUN_CASES, {"cases": cases, "backend": backend})
    assert len(results) == len(INDEX["cases"]) > 50
    for case in INDEX["cases"]:
        got = results[case["file"]]
        assert got["error"] == case["error"], f"{case['file']}: {case['description']}"
        if case["valid"]:
            assert got["anchored"] == (case["manifest"] is not None)
    expected = "WebCrypto" if backend == "webcrypto" else "@noble/hashes 2.4.0"
    assert {r["hasher"] for r in results.values()} == {expected}


KAT_CHECK = """
async ({kat, backend}) => {
  const v = await import("./static/js/verify.js");
  const { fromHex, toHex, proofToJson, parseProof } = await import("./static/js/spec.js");
  const { getHasher, nobleHasher } = await import("./static/js/hash.js");
  const h = backend === "noble" ? await nobleHasher() : await getHasher("webcrypto");
  const out = { secrets: [], ids: [], leaves: [], pads: [], owners: [], others: [], roundtrip: [] };
  const master = fromHex(kat.master_key);
  for (const a of kat.accounts) {
    const secret = await v.userSecret(h, master, a.uid);
    out.secrets.push(toHex(secret));
    out.ids.push(toHex(await v.hashedId(h, secret, kat.snapshot_id, a.uid)));
  }
  for (const [i, id] of kat.leaf_order.entries()) {
    const a = kat.accounts.find((x) => x.hashed_id === id);
    out.leaves.push(toHex((await v.leafNode(h, fromHex(id), a.amounts.map(BigInt))).hash));
  }
  for (let k = 0; k < kat.pad_hashes_by_level.length; k += 1) out.pads.push(toHex((await v.padNode(h, k, 3)).hash));
  for (const proof of kat.proofs) {
    const bytes = new TextEncoder().encode(JSON.stringify(proof));
    const a = kat.accounts.find((x) => x.hashed_id === proof.leaf.hashed_id);
    const r = await v.verifyProofBytes(h, bytes, null, { uid: a.uid, secret: fromHex(a.user_secret) });
    out.owners.push(r.ownerChecked);
    out.roundtrip.push(new TextDecoder().decode(proofToJson(parseProof(bytes))));
    // Threat L8: the same proof checked with another customer's uid and secret must fail.
    const b = kat.accounts.find((x) => x.hashed_id !== proof.leaf.hashed_id);
    try {
      await v.verifyProofBytes(h, bytes, null, { uid: b.uid, secret: fromHex(b.user_secret) });
      out.others.push("accepted");
    } catch (e) {
      out.others.push(e.code);
    }
  }
  return out;
}
"""


@pytest.mark.parametrize("backend", ["webcrypto", "noble"])
def test_known_answer_vector_in_the_browser(page: Any, server: Server, backend: str) -> None:
    open_page(page, server)
    out = page.evaluate(KAT_CHECK, {"kat": KAT, "backend": backend})
    assert out["secrets"] == [a["user_secret"] for a in KAT["accounts"]]
    assert out["ids"] == [a["hashed_id"] for a in KAT["accounts"]]
    assert out["leaves"] == KAT["leaf_hashes"]
    assert out["pads"] == KAT["pad_hashes_by_level"]
    assert out["owners"] == [True] * len(KAT["proofs"])
    assert out["others"] == ["id-mismatch"] * len(KAT["proofs"])
    # The browser writes a proof as the same canonical bytes as Python (docs/spec.md §6).
    from solvent.protocol.proof import Proof

    assert out["roundtrip"] == [Proof.from_dict(p).to_json().decode() for p in KAT["proofs"]]


STRICT = """
async (docs) => {
  const { loadsStrict } = await import("./static/js/strictjson.js");
  const out = [];
  for (const d of docs) {
    try { loadsStrict(new TextEncoder().encode(d)); out.push(null); } catch (e) { out.push(e.code); }
  }
  return out;
}
"""


def test_strict_json_agrees_with_python_on_tricky_documents(page: Any, server: Server) -> None:
    from solvent.protocol.errors import FormatError
    from solvent.protocol.strictjson import loads_strict

    docs = [
        '{"a": 1, "a": 1.5}',  # a float inside an object with a duplicate: the float is seen first
        '{"a": {"b": 1, "b": 2}}',
        "[1, 2,]",
        "[01]",
        '"\\ud800"',
        '"tab\there"',
        "-Infinity",
        "-0",
        "1E5",
        "123456789012345678901",
        "-12345678901234567890",
        "[" * 65 + "]" * 65,
        "[" * 64 + "]" * 64,
        '"[[[[" ',
        "{} {}",
        '{"x": [true, false, null]}',
        " \n\t\r {}",
        "\u00a0{}",
    ]
    open_page(page, server)
    browser = page.evaluate(STRICT, docs)
    for doc, got in zip(docs, browser, strict=True):
        try:
            loads_strict(doc.encode())
            expected = None
        except FormatError as e:
            expected = e.code
        assert got == expected, doc[:40]
