"""The browser's signature module (protocol/js/signature.js) against Python's ed25519.py, under node.

Its small-order test is a set of y values (SMALL_ORDER_Y) where Python computes [8]P: the set
must be exactly the y of the eight points of order dividing 8, and every canonical point with
one of those y must be of small order to Python (``_is_small_order``). Then seeded random
keys and R values (most of them not points, some of them y >= p or with the sign bit set, and
every small-order encoding) must be refused by the same first rule of steps 1-4 on both
sides. The conformance vectors (``signature`` kind) cover the whole check, equation included.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from solvent.protocol import ed25519
from solvent.protocol.ed25519 import L, P
from solvent.protocol.errors import BadSignature
from tests.conformance.signature_vectors import SMALL_ORDER_POINTS

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed (make install needs it)"),
]

MODULES = Path(__file__).parents[2] / "src" / "solvent" / "protocol" / "js"

SCRIPT = """
import { readFileSync } from "node:fs";
import { L, P, SMALL_ORDER_Y, checkStrict } from "./signature.js";
const { cases } = JSON.parse(readFileSync(0, "utf8"));
const fromHex = (h) => Uint8Array.from(h.match(/../g), (b) => parseInt(b, 16));
const rules = cases.map(([key, sig]) => {
  try {
    checkStrict(fromHex(key), fromHex(sig));
    return null;
  } catch (e) {
    return e.code === "bad-signature" ? e.evidence.rule : `${e.name}: ${e.message}`;
  }
});
const smallOrderY = SMALL_ORDER_Y.map(String);
process.stdout.write(JSON.stringify({ P: P.toString(), L: L.toString(), smallOrderY, rules }));
"""


def run_node(tmp_path: Path, cases: list[tuple[str, str]]) -> dict[str, Any]:
    for module in ("signature.js", "errors.js"):
        shutil.copy(MODULES / module, tmp_path / module)
    (tmp_path / "package.json").write_text('{"type": "module"}\n')
    (tmp_path / "check.js").write_text(SCRIPT)
    done = subprocess.run(
        ["node", str(tmp_path / "check.js")],
        input=json.dumps({"cases": cases}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def python_rule(key: bytes, signature: bytes) -> str | None:
    """The rule of steps 1-4 Python refuses by (None when it reaches the equation)."""
    try:
        ed25519.verify(key, b"m", signature)
    except BadSignature as e:
        rule = e.evidence["rule"]
        return None if rule == "equation" else rule
    raise AssertionError("a random key verified")


def y_of(encoded: bytes) -> int:
    return int.from_bytes(encoded, "little") & ((1 << 255) - 1)


def test_small_order_y_is_exactly_the_eight_small_order_points(tmp_path: Path) -> None:
    out = run_node(tmp_path, [])
    assert (int(out["P"]), int(out["L"])) == (P, L)
    small_y = {int(y) for y in out["smallOrderY"]}
    assert len(SMALL_ORDER_POINTS) == 8
    points = [ed25519._decode(encoded, "p") for encoded in SMALL_ORDER_POINTS]
    assert all(ed25519._is_small_order(p) for p in points)
    # Eight distinct points (the whole 8-torsion), and their y are exactly the set.
    assert len({(x * pow(z, P - 2, P) % P, y * pow(z, P - 2, P) % P) for x, y, z, _ in points}) == 8
    assert {y_of(e) for e in SMALL_ORDER_POINTS} == small_y
    # Every canonical point with one of these y (either sign) is of small order to Python.
    for y in small_y:
        for sign in (0, 1):
            encoded = (y | sign << 255).to_bytes(32, "little")
            try:
                point = ed25519._decode(encoded, "p")
            except BadSignature as e:
                assert y in (1, P - 1) and sign == 1, e  # x = 0 with the sign bit: not canonical
                continue
            assert ed25519._is_small_order(point), (y, sign)
    # And a point with another y is not: the base point's first multiples.
    point = ed25519.B
    for _ in range(64):
        assert not ed25519._is_small_order(point)
        point = ed25519._add(point, ed25519.B)


def test_steps_one_to_four_refuse_by_the_same_rule_as_python(tmp_path: Path) -> None:
    rng = random.Random(25519)
    real_key = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    s_ok = (12345).to_bytes(32, "little")
    encodings = [rng.randbytes(32) for _ in range(150)]
    edges = (0, 1, P - 1, P, P + 1, P + 3, 2**255 - 1)
    encodings += [(y | s << 255).to_bytes(32, "little") for y in edges for s in (0, 1)]
    encodings += SMALL_ORDER_POINTS
    cases: list[tuple[bytes, bytes]] = []
    for encoded in encodings:
        cases.append((encoded, real_key + s_ok))  # as the key (R a real point)
        cases.append((real_key, encoded + s_ok))  # as R
    for s in (L - 1, L, L + 1, 2**256 - 1):  # S around the group order
        cases.append((real_key, real_key + s.to_bytes(32, "little")))
    cases += [(real_key[:31], real_key + s_ok), (real_key, (real_key + s_ok)[:63])]
    out = run_node(tmp_path, [(k.hex(), s.hex()) for k, s in cases])
    expected = [python_rule(k, s) for k, s in cases]
    assert out["rules"] == expected
    # The cases reach every rule of steps 1-4, and the equation.
    assert set(expected) == {None, "length", "s-not-below-l", "key-not-canonical", "key-not-on-curve",
                             "r-not-canonical", "r-not-on-curve", "key-small-order", "r-small-order"}
