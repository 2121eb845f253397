"""Run the ``solvent`` command line in this process, its output captured: ``invoke(["verify", ...])``.

For tests that check many invocations quickly; tests of the command line as a user
runs it (cold start, environment, installed extras) use a subprocess instead
(``tests.cli.conftest.solvent``).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from dataclasses import dataclass

from solvent.cli import main

__all__ = ["Result", "invoke"]


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@contextmanager
def _environment(changes: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in changes}
    os.environ.update(changes)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def invoke(args: Sequence[object], *, columns: int = 200, env: dict[str, str] | None = None) -> Result:
    """``solvent ARGS...`` through :func:`solvent.cli.main`; never raises on a non-zero exit."""
    out, err = io.BytesIO(), io.BytesIO()
    out_text = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    err_text = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
    with _environment({"COLUMNS": str(columns), **(env or {})}), redirect_stdout(out_text), redirect_stderr(err_text):
        code = main([str(a) for a in args])
    out_text.flush()
    err_text.flush()
    return Result(code, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8"))
