"""The offline kit's verifier: one standard-library Python file, generated from solvent's own modules.

The page's "offline kit" (docs/web.md) is a zip the browser writes: the snapshot's public
files in the layout ``solvent audit`` reads, the customer's proof, ``README.txt`` and
``solvent_verify.py``, the file :func:`verifier_source` makes here. That file runs with a
plain ``python3`` (3.11 or later) and no solvent installed; its commands ``verify`` and
``audit`` are ``solvent verify`` and ``solvent audit`` (:mod:`solvent.cli.offline`).

It is generated, never hand-copied: the modules the kit's command reaches (every
``solvent`` import of every bundled module, function-level ones included, found by reading
their source) are embedded as text, each with its SHA-256, and a meta-path finder at the top
of the file imports them from there; so the kit runs exactly the code ``solvent`` runs.
Imports that lead outside the kit's two commands (the NumPy auditor, other exchanges'
formats) are listed in :data:`LEFT_OUT` and never reached by them; any other import outside
the standard library stops the build. The server and the static site build it once, from
the installed package (``solvent serve``: ``GET /api/kit/solvent_verify.py``; the static
site: ``data/solvent_verify.py``).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from solvent.protocol.errors import InputError

__all__ = ["ENTRY", "FILE_NAME", "LEFT_OUT", "ROOTS", "BundledModule", "bundled_modules", "verifier_source"]

FILE_NAME = "solvent_verify.py"
#: The kit's command line.
ENTRY = "solvent.cli.offline"
#: What the bundle starts from: the entry, and the standard-library auditor that
#: ``solvent audit`` imports by name (``solvent.cli.audit.STDLIB_AUDITOR``).
ROOTS = (ENTRY, "solvent.pipeline.audit_stdlib")
#: Modules some bundled function imports that the kit's commands never reach, and why.
LEFT_OUT = {
    "solvent.pipeline.audit": "the fast auditor (NumPy): the kit audits with the standard library",
    "solvent.pipeline.audit_v2": "the fast auditor (NumPy, Polars): the kit audits with the standard library",
    "solvent.formats": "other exchanges' proof formats: the kit checks solvent proofs only",
}


@dataclass(frozen=True)
class BundledModule:
    name: str
    #: The file it was read from, relative to the folder holding the ``solvent`` package.
    path: str
    is_package: bool
    source: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.source.encode("utf-8")).hexdigest()


def _left_out(name: str) -> bool:
    return any(name == x or name.startswith(x + ".") for x in LEFT_OUT)


def _imported(node: ast.Import | ast.ImportFrom, package: str) -> list[str]:
    """The module names an import statement may load (``from P import m`` loads ``P.m`` if it is a module)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level:
        base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
        module = f"{base}.{node.module}" if node.module else base
    else:
        module = node.module or ""
    names = [module]
    if module.split(".")[0] == "solvent" and not _left_out(module):
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.submodule_search_locations is not None:
            names += [f"{module}.{a.name}" for a in node.names if importlib.util.find_spec(f"{module}.{a.name}")]
    return names


@cache
def bundled_modules() -> tuple[BundledModule, ...]:
    """Every module the kit embeds, sorted by name (InputError if one imports a third-party package)."""
    found: dict[str, BundledModule] = {}
    todo = list(ROOTS)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            raise InputError(f"the offline kit needs {name}, which is not a Python source file here")
        origin = Path(spec.origin)
        is_package = spec.submodule_search_locations is not None
        root = origin.parents[name.count(".") + (1 if is_package else 0)]
        source = origin.read_text(encoding="utf-8")
        found[name] = BundledModule(name, origin.relative_to(root).as_posix(), is_package, source)
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]
        package = name if is_package else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(source, filename=str(origin))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for imported in _imported(node, package):
                top = imported.split(".")[0]
                if top == "solvent":
                    if not _left_out(imported):
                        todo.append(imported)
                elif top != "__future__" and top not in sys.stdlib_module_names:
                    raise InputError(f"{name} imports {imported}: the offline kit is standard library only")
    return tuple(found[n] for n in sorted(found))


def _literal(text: str) -> str:
    """``text`` as a Python string literal: a readable raw triple-quoted one when exact, else repr."""
    raw = f"r'''{text}'''"
    if "'''" not in text and not text.endswith("\\"):
        try:
            if ast.literal_eval(raw) == text:
                return raw
        except (SyntaxError, ValueError):
            pass
    return repr(text)


_HEAD = '''\
#!/usr/bin/env python3
"""solvent's offline verifier: your inclusion proof and the whole snapshot, on Python's standard library alone.

    python3 {file} verify PROOF.json --snapshot public/snapshot.json --public-key KEY
    python3 {file} audit public --public-key KEY
    python3 {file} --help

The same commands, output and exit codes as `solvent verify` and `solvent audit` (solvent {version}).

GENERATED by solvent.web.kit from solvent's own source; do not edit. Below are the {count}
modules it runs, each as the text of its file, with that text's SHA-256: compare them with
solvent's source (https://pypi.org/project/solvent/ {version}). A finder placed first on
sys.meta_path imports `solvent` from here, never from an installed package.
"""

import sys

if sys.version_info < (3, 11):
    sys.exit("{file} needs Python 3.11 or later")

import hashlib
import importlib.abc
import importlib.util

# name: (file, is a package, SHA-256 of the source, source)
MODULES = {{
'''

_TAIL = '''\
}


class _Bundled(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports solvent's modules from MODULES (each checked against its SHA-256 first)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "solvent" and not fullname.startswith("solvent."):
            return None
        entry = MODULES.get(fullname)
        if entry is None:
            return None  # not bundled: ModuleNotFoundError, never an installed solvent's module
        spec = importlib.util.spec_from_loader(fullname, self, origin=f"{__file__}/{entry[0]}", is_package=entry[1])
        spec.has_location = False
        return spec

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        file, is_package, digest, source = MODULES[module.__spec__.name]
        if hashlib.sha256(source.encode("utf-8")).hexdigest() != digest:
            raise ImportError(f"{file}: its text does not match its SHA-256 in this file")
        if is_package:
            module.__path__ = []
        exec(compile(source, f"{__file__}/{file}", "exec", dont_inherit=True), module.__dict__)


sys.meta_path.insert(0, _Bundled())  # at import: multiprocessing's spawned workers run this too

if __name__ == "__main__":
    from {entry} import main

    sys.exit(main())
'''


@cache
def verifier_source() -> str:
    """The text of ``solvent_verify.py``, made from the modules installed with this solvent."""
    from solvent import __version__

    modules = bundled_modules()
    parts = [_HEAD.format(file=FILE_NAME, version=__version__, count=len(modules))]
    for m in modules:
        parts.append(f"{m.name!r}: ({m.path!r}, {m.is_package!r}, {m.sha256!r}, {_literal(m.source)}),\n")
    parts.append(_TAIL.replace("{entry}", ENTRY))
    return "".join(parts)
