"""Every command, fed hostile text in every argument: a clean error (or a clean result), never a traceback.

The text a command receives can be anything: bytes that are not UTF-8 (they reach Python
as lone surrogates, ``os.fsdecode``), a lone surrogate, bidi overrides, terminal escapes,
line separators, a NUL, megabytes of one character, a malformed node URL.  For each
command (``solvent --help`` lists them), each of its options that takes a value, and its
positional arguments, every hostile value is given in turn; the command must exit with one
of its documented codes, print no traceback, and write no raw control or bidi character to
the terminal.  The commands run in this process (``tests.cli_invoke``) in a fresh folder;
real subprocesses with raw ``\\xff`` bytes in argv check the same for a few of them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from solvent.cli.app import COMMAND_MODULES, build_parser
from tests.cli_invoke import invoke

pytestmark = pytest.mark.integration

HOSTILE = {
    "not-utf8": os.fsdecode(b"ex\xffchange"),
    "lone-surrogate": "ex\ud800",
    "bidi": "Good\u202eliveD",
    "escape": "\x1b[31mred\x1b]0;title\x07",
    "line-separator": "a\u2028b\u0085c",
    "nul": "a\x00b",
    "byte-order-mark": "\ufeff",
    "node-url": "ethereum=http://[::1",
    "huge": "x" * 300_000,
}
#: The exit codes solvent documents (README, ``solvent --help``).
CODES = {0, 1, 2, 3}
#: Characters that must never reach the terminal raw.
RAW = ("\x1b", "\u202e", "\u2028", "\x00", "\x07", "\u0085")


def _commands() -> list[tuple[str, ...]]:
    """Every command and sub-command path (``("reserves", "attest")``)."""
    out: list[tuple[str, ...]] = []

    def walk(parser: argparse.ArgumentParser, prefix: tuple[str, ...]) -> None:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs and prefix:
            out.append(prefix)
        for sub in subs:
            for name, child in sub.choices.items():
                walk(child, (*prefix, name))

    walk(build_parser(), ())
    return out


def _parser(command: tuple[str, ...]) -> argparse.ArgumentParser:
    parser = build_parser()
    for word in command:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[word]
    return parser


def _cases() -> list[tuple[tuple[str, ...], str | None]]:
    """(command, option) for every option that takes a value, and (command, None) for the positionals."""
    cases: list[tuple[tuple[str, ...], str | None]] = []
    for command in _commands():
        cases.append((command, None))
        for action in _parser(command)._actions:
            if action.option_strings and action.nargs != 0 and action.dest != "help":
                cases.append((command, action.option_strings[-1]))
    return cases


def _positionals(command: tuple[str, ...], value: str) -> list[str]:
    """The command's positional arguments, each ``value`` (one for ``nargs='+'``)."""
    words: list[str] = []
    for action in _parser(command)._actions:
        if not action.option_strings and not isinstance(action, argparse._SubParsersAction):
            words.append(value)
    return words


def _safe(command: tuple[str, ...]) -> list[str]:
    """Options that keep a command from doing long work if the hostile value were accepted."""
    if command == ("demo",):
        return ["--accounts", "10", "--no-reserves", "--no-serve"]
    return []


def test_the_cases_cover_every_command() -> None:
    commands = {c for c, _ in _cases()}
    assert {c[0] for c in commands} == set(COMMAND_MODULES)
    assert ("reserves", "attest") in commands and len(_cases()) > 60


@pytest.mark.parametrize(("command", "option"), _cases(), ids=lambda v: " ".join(v) if isinstance(v, tuple) else v)
def test_hostile_text_gives_a_clean_exit(
    command: tuple[str, ...], option: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for label, value in HOSTILE.items():
        positional = _positionals(command, value if option is None else "missing-file")
        args = [*command, *positional, *_safe(command)]
        if option is not None:
            args += [option, value]
        result = invoke(args)
        where = f"{' '.join(command)} {option or '(positionals)'} = {label}"
        assert result.exit_code in CODES, f"{where}: exit {result.exit_code}\n{result.stderr[-2000:]}"
        assert "Traceback" not in result.output, f"{where}:\n{result.output[-3000:]}"
        if label != "huge":
            shown = [c for c in RAW if c in result.output]
            assert not shown, f"{where}: raw {shown!r} printed:\n{result.output[-2000:]}"


@pytest.mark.parametrize(
    "argv",
    [
        [b"build", b"ledger.csv", b"--assets", b"BTC:8", b"--snapshot-id", b"s", b"--exchange", b"\xff"],
        [b"verify", b"p\xff.json"],
        [b"serve", b".", b"--host", b"\xff"],
        [b"audit", b"\xff\xfe"],
        [b"reserves", b"attest", b"r.toml", b"--public-key", b"\xff", b"--node", b"ethereum=http://[::1"],
    ],
    ids=lambda a: b" ".join(a[:2]).decode(errors="backslashreplace"),
)
def test_raw_bytes_in_argv_from_a_real_process(argv: list[bytes], tmp_path: Path) -> None:
    done = subprocess.run(
        [os.fsencode(sys.executable), b"-m", b"solvent", *argv],
        capture_output=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode in CODES, done.stderr
    assert b"Traceback" not in done.stderr + done.stdout
