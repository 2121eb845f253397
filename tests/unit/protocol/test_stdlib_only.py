"""The customer-facing verifier core imports nothing outside the standard library.

Checked in a fresh interpreter, so nothing another test imported can hide a dependency:
every module loaded by importing the core must be in ``sys.stdlib_module_names`` or be
solvent's own -- and solvent's own modules loaded must be the core ones only.
"""

from __future__ import annotations

import json
import subprocess
import sys

CORE = [
    "solvent.protocol.inclusion",
    "solvent.protocol.amounts",
    "solvent.protocol.assets",
    "solvent.protocol.hashing",
    "solvent.protocol.ids",
    "solvent.protocol.strictjson",
    "solvent.protocol.manifest",
    "solvent.protocol.proof",
    "solvent.tree.store",
    "solvent.protocol.layout",
    "solvent.protocol.text",
    "solvent.pipeline.lookup",
]
ALLOWED_OWN = {"solvent", "solvent.protocol.errors", "solvent.protocol", "solvent.tree", "solvent.cli",
               "solvent.cli.common", "solvent.pipeline", "solvent.pipeline.lookup", *CORE}


def _loaded_after_import(modules: list[str]) -> list[str]:
    code = (
        "import json, sys\n"
        f"for m in {modules!r}: __import__(m)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True, cwd="/")
    return json.loads(out.stdout)


def test_verifier_core_imports_only_the_standard_library() -> None:
    loaded = _loaded_after_import(CORE)
    foreign = sorted(
        m
        for m in loaded
        if m.split(".")[0] not in sys.stdlib_module_names
        and m.split(".")[0] not in {"solvent", "__main__", "_distutils_hack"}  # the interpreter and setuptools
    )
    assert foreign == []
    own = sorted(m for m in loaded if m.split(".")[0] == "solvent")
    assert set(own) <= ALLOWED_OWN, sorted(set(own) - ALLOWED_OWN)


def test_the_check_would_catch_a_third_party_import() -> None:
    """Control: importing a module that needs NumPy is reported."""
    loaded = _loaded_after_import(["solvent.columnar.u128"])
    assert "numpy" in {m.split(".")[0] for m in loaded}
