"""The command line's surface: every command and option kept, help without Python types, bad values exit 2.

The option inventory below is the one the Typer command line had (``solvent COMMAND
--help`` before the move to argparse): a command or option that goes missing fails here.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from solvent.cli import extras
from solvent.cli.app import build_parser, run_command
from solvent.cli.verify import FORMAT_NAMES
from solvent.formats import registry
from tests.cli.conftest import solvent
from tests.cli_invoke import invoke

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parents[2]

OPTIONS: dict[str, list[str]] = {
    "keygen": ["--kind", "--out", "--upgrade"],
    "build": ["--assets", "--config", "--exchange", "--force", "--hasher", "--layout", "--master-key-file", "--out",
              "--reserves", "--round-up", "--signing-key-file", "--snapshot-id", "--taken-at",
              "--memory", "--workers", "--quiet"],
    "prove": ["--out", "-o"],
    "verify": ["--format", "--json", "--no-signature", "--param", "--public-key", "--secret", "--signature",
               "--snapshot", "--uid", "--with", "--hashed-id", "--manifest"],
    "audit": ["--asset", "--csv", "--hasher", "--json", "--no-signature", "--public-key", "--snapshot", "--stdlib"],
    "reserves": [],
    "reserves challenge": ["--json"],
    "reserves attest": ["--node", "--out", "--signatures"],
    "reserves verify": ["--json", "--max-block-age", "--node", "--snapshot", "--token"],
    "report": ["--allow-declared", "--html", "--json", "--max-block-age", "--node", "--public-key", "--token"],
    "serve": ["--host", "--log", "--max-block-age", "--node", "--port", "--token", "--workers"],
    "publish": ["--force", "--max-block-age", "--node", "--static", "--token"],
    "demo": ["--accounts", "--host", "--insolvent", "--no-reserves", "--no-serve", "--out", "--port"],
}
EXTRA_OF = {
    "keygen": "operator", "build": "operator", "reserves challenge": "reserves", "reserves attest": "reserves",
    "reserves verify": "reserves", "report": "report", "serve": "web", "publish": "web", "demo": "all",
}
# What Typer printed and argparse must not: <path>, <list[Path]>, <int range>, <bool> ...
PYTHON_TYPES = re.compile(r"<\w+|\b(?:list|dict|tuple|Optional)\[|\bPath\b|\bNoneType\b|\b(?:str|int|bool)\b")


def _commands(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((*prefix, name))
                found += _commands(sub, (*prefix, name))
    return found


def test_every_command_of_the_old_command_line_is_here() -> None:
    assert {" ".join(c) for c in _commands(build_parser())} == set(OPTIONS)


@pytest.mark.parametrize("command", ["", *OPTIONS])
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_works_lists_every_option_and_shows_no_python_type(command: str, flag: str) -> None:
    result = invoke([*command.split(), flag])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"usage: solvent {command}".rstrip())
    for option in OPTIONS.get(command, []):
        assert re.search(rf"(?<![\w-]){option}\b", result.stdout), f"solvent {command} lost {option}"
    assert not PYTHON_TYPES.search(result.stdout), PYTHON_TYPES.search(result.stdout)


def test_top_level_help_lists_the_commands_and_exit_codes() -> None:
    shown = solvent("--help")
    assert shown.returncode == 0
    for command in (c for c in OPTIONS if " " not in c):
        assert re.search(rf"^\s+{command}\s", shown.stdout, flags=re.M), command
    assert "exit codes" in shown.stdout


def test_the_control_would_catch_a_python_type() -> None:
    assert PYTHON_TYPES.search("--with <list[Path]>  A companion file")
    assert PYTHON_TYPES.search("--port <int range> [0<=x<=65535]")


def test_no_command_or_no_subcommand_is_a_usage_error() -> None:
    for argv in ([], ["reserves"]):
        result = invoke(argv)
        assert result.exit_code == 2 and "usage: solvent" in result.stderr


def test_the_format_names_in_help_are_the_registry_s() -> None:
    assert registry.names() == FORMAT_NAMES


BAD_VALUES = [
    (["frobnicate"], "invalid choice"),
    (["keygen"], "--out"),
    (["keygen", "--out", ""], "empty path"),
    (["verify", "p.json", "--snap", "m.json"], "unrecognized arguments: --snap"),  # no abbreviated options
    (["build", "l.csv", "--snapshot-id", "s", "--master-key-file", "m", "--signing-key-file", "s", "--out", "o",
      "--layout", "diagonal"], "invalid choice"),
    (["build", "l.csv", "--snapshot-id", "s", "--master-key-file", "m", "--signing-key-file", "s", "--out", "o",
      "--hasher", "md5"], "unknown hash backend"),
    (["build", "l.csv", "--snapshot-id", "s", "--master-key-file", "m", "--signing-key-file", "s", "--out", "o",
      "--memory", "2 gigs"], "not a size"),
    (["build", "l.csv", "--snapshot-id", "s", "--master-key-file", "m", "--signing-key-file", "s", "--out", "o",
      "--memory", "16M"], "too small"),
    (["build", "l.csv", "--snapshot-id", "s", "--master-key-file", "m", "--signing-key-file", "s", "--out", "o",
      "--workers", "0"], "from 1 to 256"),
    (["prove"], "required"),
    (["prove", "DIR", "ab" * 32, "--out", ""], "empty path"),
    (["verify", "p.json", "--public-key", "ab" * 32], "give it with --snapshot"),
    (["verify", "p.json", "--no-signature"], "give it with --snapshot"),
    (["audit", "--hasher", "md5"], "unknown hash backend"),
    (["audit"], "give the published folder"),
    (["reserves", "attest", "r.toml", "--signatures", "s.csv"], "--out"),
    (["reserves", "frobnicate"], "invalid choice"),
    (["report"], "required"),
    (["serve", "DIR", "--port", "99999"], "from 0 to 65535"),
    (["serve", "DIR", "--port", "-1"], "--port"),
    (["serve", "DIR", "--port", "eighty"], "not a whole number"),
    (["serve", "DIR", "--workers", "0"], "from 1 to 256"),
    (["publish", "DIR"], "--static"),
    (["demo", "--accounts", "0"], "1 or more"),
    (["demo", "--accounts", "1e3"], "not a whole number"),
    (["demo", "--port", "70000"], "from 0 to 65535"),
]


@pytest.mark.parametrize(("argv", "fragment"), BAD_VALUES, ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_a_bad_option_value_is_a_usage_error_never_a_traceback(tmp_path: Path, argv: list[str], fragment: str) -> None:
    result = solvent(*argv, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert fragment in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing was written


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [("SOLVENT_THREADS", "many", "SOLVENT_THREADS"), ("SOLVENT_THREADS", "0", "SOLVENT_THREADS"),
     ("SOLVENT_THREADS", "9" * 5000, "SOLVENT_THREADS"),  # beyond int()'s digit limit: no ValueError either
     ("SOLVENT_HASHER", "md5", "SOLVENT_HASHER")],
    ids=["threads-word", "threads-zero", "threads-5000-digits", "hasher-unknown"],
)
def test_a_bad_environment_variable_is_a_usage_error(
    kat_snapshot: Path, variable: str, value: str, fragment: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "solvent", "audit", kat_snapshot / "public"],
        capture_output=True, text=True, check=False, env={**_clean_env(), variable: value},
    )
    assert result.returncode == 2 and fragment in result.stderr and "Traceback" not in result.stderr
    fine = subprocess.run(
        [sys.executable, "-m", "solvent", "audit", kat_snapshot / "public"],
        capture_output=True, text=True, check=False, env={**_clean_env(), "SOLVENT_THREADS": "1"},
    )
    assert fine.returncode == 0, fine.stderr  # control: a good value passes


def _clean_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k not in {"SOLVENT_THREADS", "SOLVENT_HASHER"}}


# -- extras --------------------------------------------------------------------------------------

_BLOCKED_RUN = (
    "import sys\n"
    "for m in {modules!r}: sys.modules[m] = None\n"  # None in sys.modules: find_spec finds nothing, import fails
    "from solvent.cli import main\n"
    "raise SystemExit(main(sys.argv[1:]))\n"
)


def _without(modules: list[str], *argv: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``solvent ARGV`` in an interpreter where ``modules`` cannot be imported (as if not installed)."""
    code = _BLOCKED_RUN.format(modules=modules)
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, argv)], capture_output=True, text=True, check=False, cwd=cwd
    )


@pytest.mark.parametrize("command", sorted(EXTRA_OF))
def test_a_command_whose_extra_is_missing_exits_2_naming_it(tmp_path: Path, command: str) -> None:
    extra = EXTRA_OF[command]
    argv = {
        "keygen": ["--out", "k"], "build": ["l.csv", "--snapshot-id", "s", "--master-key-file", "m",
                                            "--signing-key-file", "s", "--out", "o"],
        "reserves challenge": ["r.toml"], "reserves attest": ["r.toml", "--signatures", "s", "--out", "o"],
        "reserves verify": ["r.json"], "report": ["DIR"], "serve": ["DIR"], "publish": ["DIR", "--static", "o"],
        "demo": ["--no-serve"],
    }[command]
    result = _without([extras.EXTRAS[extra][-1]], *command.split(), *argv, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"solvent {command} needs the '{extra}' extra: pip install 'solvent[{extra}]'" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_every_command_declares_the_extra_this_test_expects() -> None:
    parser = build_parser()
    for command in OPTIONS:
        sub = parser
        for word in command.split():
            sub = next(a for a in sub._actions if isinstance(a, argparse._SubParsersAction)).choices[word]
        if command != "reserves":
            assert sub.get_default("extra") == EXTRA_OF.get(command), command


def test_an_unforeseen_missing_module_still_names_its_extra(capsys: pytest.CaptureFixture[str]) -> None:
    def handler(_: argparse.Namespace) -> int:
        raise ModuleNotFoundError("No module named 'coincurve'", name="coincurve")

    args = argparse.Namespace(handler=handler, extra=None, command_name="reserves verify")
    assert run_command(args) == 2
    assert "pip install 'solvent[reserves]'" in capsys.readouterr().err


def test_a_missing_module_of_solvent_itself_is_a_bug_not_an_extra() -> None:
    def handler(_: argparse.Namespace) -> int:
        raise ModuleNotFoundError("No module named 'solvent.nothing'", name="solvent.nothing")

    with pytest.raises(ModuleNotFoundError):
        run_command(argparse.Namespace(handler=handler, extra=None, command_name="verify"))


def _import_name(requirement: str) -> str:
    name = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower()
    return {"pycryptodome": "Crypto"}.get(name, name.replace("-", "_"))


def test_the_extras_the_command_line_checks_are_the_ones_pyproject_installs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] == []
    declared = project["optional-dependencies"]

    def modules(extra: str) -> set[str]:
        found: set[str] = set()
        for requirement in declared[extra]:
            if requirement.startswith("solvent["):
                for inner in requirement[len("solvent["):-1].split(","):
                    found |= modules(inner)
            else:
                found.add(_import_name(requirement))
        return found

    for extra, names in extras.EXTRAS.items():
        assert modules(extra) == set(names), extra
    assert set(declared) - {"dev"} == set(extras.EXTRAS)


def test_an_interrupt_exits_130_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from solvent.cli import main, prove

    def interrupted(_: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(prove, "run", interrupted)
    assert main(["prove", "DIR", "ab" * 32]) == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_an_operating_system_failure_is_exit_2_with_the_file_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from solvent.cli import main, prove

    def disk_full(_: argparse.Namespace) -> int:
        raise OSError(28, "No space left on device", "proof.json")

    monkeypatch.setattr(prove, "run", disk_full)
    assert main(["prove", "DIR", "ab" * 32]) == 2
    assert capsys.readouterr().err == "ERROR: proof.json: No space left on device\n"
