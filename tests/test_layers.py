"""The layers of docs/architecture.md hold, and the check that says so can fail.

``lint-imports`` (import-linter, the contracts in ``.importlinter``) runs on the real
package, then on copies of it in a temporary directory, each with one import that breaks
a rule (a lazy, function-level import among them: those count too).  A copy is the
real package plus the one bad import, so a broken contract can only be that import.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".importlinter"
PACKAGE = ROOT / "src" / "solvent"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(cwd: Path, package_parent: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(CONFIG)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_real_package_keeps_every_contract() -> None:
    result = _lint(ROOT, ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _copy_with(tmp_path: Path, module: str, code: str) -> Path:
    """A copy of the package's Python files with ``code`` appended to ``module`` (a path under solvent/)."""
    copy = tmp_path / "src" / "solvent"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "*.so"))
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + "\n" + code, encoding="utf-8")
    return tmp_path / "src"


BREAKS = {
    "a stage imports another stage, lazily": (
        "report/solvency.py",
        "def _sneaky() -> None:\n    from solvent.reserves import recheck  # noqa\n",
        "solvent.report.solvency -> solvent.reserves.recheck",
        1,
    ),
    "a stage imports the pipeline above it": (
        "tree/builder.py",
        "import solvent.pipeline.build  # noqa\n",
        "solvent.tree.builder -> solvent.pipeline.build",
        1,
    ),
    "the demo imports the CLI": (
        "demo/run.py",
        "from solvent.cli import app  # noqa\n",
        "solvent.demo.run -> solvent.cli.app",
        1,
    ),
    "the web edge imports the demo": (
        "web/page.py",
        "def _sneaky() -> None:\n    import solvent.demo.synthetic  # noqa\n",
        "solvent.web.page -> solvent.demo.synthetic",
        1,
    ),
    "the core imports a stage": (
        "protocol/proof.py",
        "from solvent.columnar import u128  # noqa\n",
        "solvent.protocol.proof -> solvent.columnar.u128",
        2,  # and, through columnar, NumPy: both contracts
    ),
    "the core imports a third-party package": (
        "protocol/amounts.py",
        "def _sneaky() -> None:\n    import numpy  # noqa\n",
        "solvent.protocol.amounts -> numpy",
        1,
    ),
    "the core imports an unlisted standard-library module": (
        "protocol/text.py",
        "import sqlite3  # noqa\n",
        "solvent.protocol.text -> sqlite3",
        1,
    ),
}


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_a_broken_layer_fails_the_check(tmp_path: Path, case: str) -> None:
    module, code, expected, broken = BREAKS[case]
    src = _copy_with(tmp_path, module, code)
    result = _lint(tmp_path, src)
    assert result.returncode != 0, result.stdout
    assert f"{broken} broken" in result.stdout, result.stdout
    assert expected in result.stdout, result.stdout


def test_make_lint_runs_the_contracts() -> None:
    """CI calls `make test`, whose lint step must run lint-imports (with the root .importlinter)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^lint:.*\n((?:\t.*\n)+)", makefile, flags=re.MULTILINE)
    assert match is not None
    assert re.search(r"^\t\$\(BIN\)/lint-imports\s*$", match.group(1), flags=re.MULTILINE), match.group(1)
    assert re.search(r"^test:.*\blint\b", makefile, flags=re.MULTILINE)
