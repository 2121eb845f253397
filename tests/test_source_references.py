"""Every module and file that the source's docstrings and comments name exists.

A docstring that says "see output.py" or ``:mod:`.fastpath``` when there is no such
file sends a reader looking for nothing.  This reads every comment and docstring under
src/solvent and resolves, in each:

* dotted names ``solvent.x.y`` (also inside ``:func:``/``:class:`` roles): a module,
  or an attribute of one;
* ``:mod:`` targets, relative ones (``:mod:`.load```) against the module's package;
* file names ending in ``.py`` or ``.md``: a path with a folder must be a file of the
  repository (relative to its root, ``src/solvent`` or the citing file's folder); a bare
  name must be some file of the repository.

Folders being rewritten on other branches wait in ``tests.source_scope.NOT_YET_CHECKED``.
"""

from __future__ import annotations

import ast
import importlib
import io
import re
import tokenize
from functools import cache
from pathlib import Path

import pytest

from tests.source_scope import ROOT, SOURCE, checked_sources

_DOTTED = re.compile(r"(?<![\w.-])(solvent(?:\.\w+)+)")
_MOD_ROLE = re.compile(r":mod:`~?(\.*[\w.]+)`")
_FILE = re.compile(r"(?<![\w/.:*-])((?:\.\./|[\w-]+/)*[\w.-]*\w\.(?:py|md))\b")
_REPO_DIRS = ("src", "tests", "docs", "benchmarks", "tools", "contracts", "requirements")
#: Files of other projects, named where their rules are followed (formats/bitmex.py).
OTHER_PROJECTS_FILES = frozenset({"generate_liabilities.py", "validate_liabilities.py"})
#: Files solvent writes, never in the repository: the offline kit's verifier (solvent.web.kit).
GENERATED_FILES = frozenset({"solvent_verify.py"})


def prose(source: str) -> list[tuple[int, str]]:
    """(line, text) of every comment and docstring of a Python module."""
    found = [
        (tok.start[0], tok.string)
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type == tokenize.COMMENT
    ]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=False)
            if doc is not None:
                found.append((node.body[0].lineno, doc))
    return sorted(found)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package(path: Path) -> str:
    name = module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


@cache
def _resolves(dotted: str) -> bool:
    """A module, or an attribute (of an attribute ...) of the longest importable prefix."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attr in parts[cut:]:
            if not hasattr(obj, attr):
                return False
            obj = getattr(obj, attr)
        return True
    return False


@cache
def _repo_files() -> frozenset[str]:
    files = {p.name for p in ROOT.iterdir() if p.is_file()}
    for top in _REPO_DIRS:
        files |= {
            p.relative_to(ROOT).as_posix()
            for p in (ROOT / top).rglob("*")
            if p.is_file() and "node_modules" not in p.parts and "__pycache__" not in p.parts
        }
    return frozenset(files)


def _file_exists(name: str, citing: Path) -> bool:
    if name in OTHER_PROJECTS_FILES or name.rpartition("/")[2] in GENERATED_FILES:
        return True
    if "/" not in name:
        return any(f == name or f.endswith("/" + name) for f in _repo_files())
    return any((base / name).resolve().is_file() for base in (ROOT, SOURCE, citing.parent))


def reference_problems(path: Path, source: str) -> list[str]:
    problems = []
    package = _package(path)
    for line, text in prose(source):
        for m in _DOTTED.finditer(text):
            if not _resolves(m.group(1)):
                problems.append(f"line {line}: {m.group(1)} does not exist")
        for m in _MOD_ROLE.finditer(text):
            target = m.group(1)
            if target.startswith("."):
                dots = len(target) - len(target.lstrip("."))
                base = package.split(".")[: len(package.split(".")) - dots + 1]
                target = ".".join([*base, target.lstrip(".")])
            if not _resolves(target):
                problems.append(f"line {line}: :mod:`{m.group(1)}` ({target}) does not exist")
        for m in _FILE.finditer(text):
            if not _file_exists(m.group(1), path):
                problems.append(f"line {line}: no file {m.group(1)}")
    return problems


def test_every_named_module_and_file_exists() -> None:
    problems = [
        f"{path.relative_to(ROOT)}: {problem}"
        for path in checked_sources({".py"})
        for problem in reference_problems(path, path.read_text(encoding="utf-8"))
    ]
    assert problems == [], "\n".join(problems)


HERE = SOURCE / "report" / "solvency.py"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"""Rendered by :mod:`.render_text` and :mod:`solvent.report.render_json`."""', []),
        ('"""From :func:`~solvent.pipeline.report.assess_snapshot` (docs/spec.md, spec.md)."""', []),
        ("# the layout of src/solvent/tree/store.py, see store.py and README.md", []),
        ('"""See output.py."""', ["line 1: no file output.py"]),
        ('"""See :mod:`.fastpath`."""', ["line 1: :mod:`.fastpath` (solvent.report.fastpath) does not exist"]),
        ("x = 1  # docs/architecture-old.md", ["line 1: no file docs/architecture-old.md"]),
        ('"""Uses solvent.report.check_everything."""', ["line 1: solvent.report.check_everything does not exist"]),
        (
            '"""See :class:`~solvent.report.solvency.NoSuchReport`."""',
            ["line 1: solvent.report.solvency.NoSuchReport does not exist"],
        ),
    ],
)
def test_the_check_catches_a_reference_to_nothing(text: str, expected: list[str]) -> None:
    assert reference_problems(HERE, text) == expected
