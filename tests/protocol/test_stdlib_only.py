"""The protocol core imports nothing outside the standard library and itself.

Checked hermetically: a fresh ``python -I -S`` (no site-packages, no environment, no
current directory on the path) whose only path entry besides the standard library is a
temporary folder holding ``solvent/__init__.py`` and a copy of ``solvent/protocol/``.
Every core module is imported there, so a third-party import or an import of another
part of solvent fails with ModuleNotFoundError, whatever is installed; and every module
loaded must be the standard library's or the core's.  The controls plant such imports
in the copy and show the check failing.

The proof fast path (``solvent prove``: the tree reader and the look-up on top of the
core) must load only the standard library too, for a fast cold start: checked in a fresh
interpreter with the installed package.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import solvent

PACKAGE = Path(solvent.__file__).parent
CORE = PACKAGE / "protocol"

def core_modules() -> list[str]:
    return sorted(
        ".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        for p in CORE.rglob("*.py")
        if "__pycache__" not in p.parts
    )


def _hermetic_copy(tmp_path: Path) -> Path:
    root = tmp_path / "path"
    (root / "solvent").mkdir(parents=True)
    shutil.copy2(PACKAGE / "__init__.py", root / "solvent" / "__init__.py")
    shutil.copytree(CORE, root / "solvent" / "protocol", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return root


def _import_hermetically(root: Path, modules: list[str]) -> subprocess.CompletedProcess[str]:
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(root)!r})\n"
        f"for m in {modules!r}: __import__(m)\n"
        "print(json.dumps({'loaded': sorted(sys.modules), 'solvent': __import__('solvent').__file__}))"
    )
    return subprocess.run(
        [sys.executable, "-I", "-S", "-c", code], capture_output=True, text=True, check=False, cwd=root, timeout=60
    )


def _foreign(loaded: list[str]) -> list[str]:
    """Loaded modules that are neither the standard library's nor the protocol core's."""
    return sorted(
        m
        for m in loaded
        if m.split(".")[0] not in sys.stdlib_module_names
        and m not in {"__main__", "solvent", "solvent.protocol"}
        and not m.startswith("solvent.protocol.")
    )


def test_the_core_imports_only_the_standard_library_and_itself(tmp_path: Path) -> None:
    root = _hermetic_copy(tmp_path)
    modules = core_modules()
    assert "solvent.protocol.inclusion" in modules
    result = _import_hermetically(root, modules)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["solvent"].startswith(str(root)), out["solvent"]  # the copy, not the installed package
    assert _foreign(out["loaded"]) == []
    assert set(modules) <= set(out["loaded"])


@pytest.mark.parametrize(
    ("planted", "missing"),
    [
        ("import numpy\n", "numpy"),  # a third-party package, installed in the test environment
        ("def later() -> None:\n    import polars\n\n\nlater()\n", "polars"),
        ("from solvent.tree import store\n", "solvent.tree"),  # another part of solvent
    ],
)
def test_the_check_catches_a_foreign_import(tmp_path: Path, planted: str, missing: str) -> None:
    """Control: the same import in the copy of a core module fails the hermetic import."""
    __import__(missing)  # it is importable here: only the isolation makes it fail
    root = _hermetic_copy(tmp_path)
    target = root / "solvent" / "protocol" / "text.py"
    target.write_text(target.read_text(encoding="utf-8") + "\n" + planted, encoding="utf-8")
    result = _import_hermetically(root, ["solvent.protocol.text"])
    assert result.returncode != 0
    assert f"No module named '{missing}'" in result.stderr


FAST_PATH = [
    "solvent.protocol.inclusion",
    "solvent.tree.store",
    "solvent.pipeline.lookup",
    "solvent.pipeline.audit_stdlib",
]


def _loaded_after_import(modules: list[str]) -> list[str]:
    code = f"import json, sys\nfor m in {modules!r}: __import__(m)\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True, check=True, cwd="/")
    return json.loads(out.stdout)


def test_the_proof_fast_path_loads_only_the_standard_library() -> None:
    loaded = _loaded_after_import(FAST_PATH)
    foreign = sorted(
        m
        for m in loaded
        if m.split(".")[0] not in sys.stdlib_module_names
        and m.split(".")[0] not in {"solvent", "__main__", "_distutils_hack"}  # the interpreter and setuptools
    )
    assert foreign == []


def test_the_fast_path_check_would_catch_a_third_party_import() -> None:
    """Control: importing a module that needs NumPy is reported."""
    loaded = _loaded_after_import(["solvent.columnar.u128"])
    assert "numpy" in {m.split(".")[0] for m in loaded}
