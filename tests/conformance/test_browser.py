"""The conformance vectors against the browser verifier, in Debian's Chromium, with both hash backends.

The protocol's browser modules are served exactly as the page ships them (``static_assets``),
under the page's Content-Security-Policy, beside ``runner.js`` and the materialised bytes of
every vector; the page fetches each vector, runs it and times it with ``performance.now``
(within ``TIME_LIMIT_MS``, see tests/conformance/site.py).
Each outcome must be the vector file's ``expect``, as it is for the Python verifier
(tests/conformance/test_python.py). The known-answer vector (tests/vectors/kat-v1.json) is
reproduced too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conformance.site import TIME_LIMIT_MS, serve_site, write_site
from tests.conformance.vectors import load_all, materialise, wanted_of

pytestmark = pytest.mark.integration

VECTORS = load_all()
KAT = json.loads((Path(__file__).parents[1] / "vectors" / "kat-v1.json").read_text())


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An HTTP origin with the page's assets, the runner and every vector's exact bytes."""
    root = tmp_path_factory.mktemp("conformance")
    write_site(root, VECTORS, {v.name: materialise(v.input) for v in VECTORS})
    with serve_site(root) as url:
        yield url


RUN = """
async ({vectors, backend, limit}) => (await import("./runner.js")).run(vectors, backend, limit)
"""


@pytest.mark.parametrize("backend", ["webcrypto", "noble"])
def test_every_vector_gives_the_expected_result(page: Any, origin: str, backend: str) -> None:
    page.goto(origin)
    wanted = [wanted_of(v) for v in VECTORS]
    results = page.evaluate(RUN, {"vectors": wanted, "backend": backend, "limit": TIME_LIMIT_MS})
    assert len(results) == len(VECTORS) > 150
    for vector in VECTORS:
        got = results[vector.name]
        assert got["result"] == vector.expect, f"{vector.name}: {vector.description}"
        assert got["ms"] <= TIME_LIMIT_MS, f"{vector.name} ({got['bytes']} bytes): {got['ms']:.0f} ms"
    expected = "WebCrypto" if backend == "webcrypto" else "@noble/hashes 2.4.0"
    assert {(r["hasher"], r["gc"]) for r in results.values()} == {(expected, True)}
    assert not page.errors


KAT_CHECK = """
async ({kat, backend}) => {
  const v = await import("./static/js/protocol/verify.js");
  const { fromHex, toHex } = await import("./static/js/protocol/parse.js");
  const { getHasher, nobleHasher } = await import("./static/js/protocol/hash.js");
  const h = backend === "noble" ? await nobleHasher() : await getHasher("webcrypto");
  const out = { secrets: [], ids: [], leaves: [], pads: [], owners: [], others: [] };
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
def test_known_answer_vector_in_the_browser(page: Any, origin: str, backend: str) -> None:
    page.goto(origin)
    out = page.evaluate(KAT_CHECK, {"kat": KAT, "backend": backend})
    assert out["secrets"] == [a["user_secret"] for a in KAT["accounts"]]
    assert out["ids"] == [a["hashed_id"] for a in KAT["accounts"]]
    assert out["leaves"] == KAT["leaf_hashes"]
    assert out["pads"] == KAT["pad_hashes_by_level"]
    assert out["owners"] == [True] * len(KAT["proofs"])
    assert out["others"] == ["id-mismatch"] * len(KAT["proofs"])
