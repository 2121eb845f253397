"""strictjson.js against protocol/strictjson.py on thousands of mutated documents (node, no browser).

The vectors pin the cases someone thought of; this finds the ones nobody did: documents
built from the vectors' own JSON by random edits with the characters that matter to a JSON
parser. Python's ``loads_strict`` is the oracle: the browser's parser must give the same
error code (or none) on every one.
"""

from __future__ import annotations

import base64
import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from solvent.protocol.errors import FormatError
from solvent.protocol.strictjson import loads_strict
from tests.conformance.site import write_site
from tests.conformance.vectors import load_all, materialise

pytestmark = pytest.mark.integration

ALPHABET = [*'"\\[]{}:,.-+0123456789eEtrufalsnNIy \t\n\r/ubfx', "\u00e9", "\ud83d", "\u2028", "\x00"]
SEEDS = [materialise(v.input) for v in load_all() if v.kind in ("json", "proof") and "generate" not in v.input]


def mutants(count: int, seed: int = 20261204) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        doc = rng.choice(SEEDS).decode("utf-8", "replace")
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(doc) + 1)
            what = rng.random()
            if what < 0.4:
                doc = doc[:at] + rng.choice(ALPHABET) + doc[at:]
            elif what < 0.7:
                doc = doc[:at] + doc[at + rng.randint(1, 3) :]
            else:
                doc = doc[:at] + rng.choice(ALPHABET) + doc[at + 1 :]
        out.append(doc.encode("utf-8", "surrogatepass"))
    return out


def python_code(doc: bytes) -> str | None:
    try:
        loads_strict(doc)
    except FormatError as e:
        return e.code
    return None


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed (make install needs it)")
def test_the_browser_parser_agrees_with_python(tmp_path: Path) -> None:
    write_site(tmp_path, [], {})
    (tmp_path / "package.json").write_text('{"type": "module"}\n')
    shutil.copy(Path(__file__).parent / "strict.js", tmp_path / "strict.js")
    docs = mutants(4000)
    done = subprocess.run(
        ["node", str(tmp_path / "strict.js")],
        input=json.dumps([base64.b64encode(d).decode() for d in docs]),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    codes = json.loads(done.stdout)
    expected = [python_code(d) for d in docs]
    wrong = [(d[:200], js, py) for d, js, py in zip(docs, codes, expected, strict=True) if js != py]
    assert not wrong, wrong[:5]
    assert len({c for c in expected}) > 5  # the mutants reach many different rejections
