"""The exchange-name rule after white space was tightened: two names that are canonically
equivalent Unicode (they draw the same everywhere) are still both accepted, in Python and in
the browser's twin."""

from __future__ import annotations

import json
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from solvent.protocol.errors import FormatError
from solvent.protocol.manifest import check_exchange_name

PARSE_JS = Path(__file__).parents[2] / "src" / "solvent" / "protocol" / "js" / "parse.js"
_NODE = """
const { checkExchange } = await import(process.argv[1]);
const names = JSON.parse(process.argv[2]);
console.log(JSON.stringify(names.map((n) => { try { checkExchange(n); return true; } catch { return false; } })));
"""

COMPOSED = "Caf\u00e9 Exchange"  # é as one code point (NFC)
DECOMPOSED = "Cafe\u0301 Exchange"  # e + combining acute (NFD): drawn the same


def _python_accepts(name: str) -> bool:
    try:
        check_exchange_name(name)
    except FormatError:
        return False
    return True


def test_the_two_names_are_canonically_equivalent() -> None:
    assert COMPOSED != DECOMPOSED and unicodedata.normalize("NFC", DECOMPOSED) == COMPOSED


def test_python_accepts_at_most_one_spelling_of_a_name() -> None:
    assert not (_python_accepts(COMPOSED) and _python_accepts(DECOMPOSED))


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node")
def test_the_browser_accepts_at_most_one_spelling_of_a_name() -> None:
    done = subprocess.run(
        ["node", "--input-type=module", "-e", _NODE, PARSE_JS.as_uri(), json.dumps([COMPOSED, DECOMPOSED])],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert json.loads(done.stdout) != [True, True]
