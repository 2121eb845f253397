"""A hostile Tron node and a node URL carrying credentials, through the command line.

The node URL's user, password and path (API keys) must never be printed or written
(docs/spec.md §12.4.3 "Transport (R12)": the node is shown by scheme and host only); a
node's own words must not reach the terminal as control sequences.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from solvent.demo.signers_tron import tron_address_of
from solvent.demo.simnodes.tron import reply
from solvent.protocol.errors import FetchError
from solvent.reserves.chains import CHAINS, normalize_address
from tests.attack_issue10.test_latest_state_attacks import _cli_files
from tests.attack_issue10.tron_kit import tron_chain
from tests.cli_invoke import invoke
from tests.reserves.scenario import SIGNING_KEY

SECRET_USER = "alice-user"
SECRET_PASS = "s3cr3t-pass"
SECRET_KEY = "apikey-0123456789abcdef"


def _with_credentials(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{SECRET_USER}:{SECRET_PASS}@{rest.rstrip('/')}/{SECRET_KEY}"


def _leaks(text: str) -> list[str]:
    return [s for s in (SECRET_USER, SECRET_PASS, SECRET_KEY) if s in text]


def test_control_node_credentials_are_never_printed_or_written(tmp_path: Path) -> None:
    with tron_chain() as chain:
        decl, sigs = _cli_files(chain, tmp_path)
        out = tmp_path / "reserves.json"
        node = f"tron={_with_credentials(chain.url)}"
        made = invoke(
            [
                "reserves",
                "attest",
                decl,
                "--signatures",
                sigs,
                "--out",
                out,
                "--public-key",
                SIGNING_KEY,
                "--node",
                node,
            ]
        )
        assert made.exit_code == 0, made.output
        assert not _leaks(made.output) and not _leaks(out.read_text())
        for extra in ([], ["--json"]):
            checked = invoke(["reserves", "verify", out, "--node", node, *extra])
            assert checked.exit_code == 0, checked.output
            assert not _leaks(checked.output)


def test_control_a_node_that_fails_is_an_error_without_credentials(tmp_path: Path) -> None:
    """Exit 2 (node error), the node named by scheme and host only, its control characters not printed."""
    with tron_chain() as chain:
        decl, sigs = _cli_files(chain, tmp_path)
        out = tmp_path / "reserves.json"
        ok = invoke(
            [
                "reserves",
                "attest",
                decl,
                "--signatures",
                sigs,
                "--out",
                out,
                "--public-key",
                SIGNING_KEY,
                "--node",
                f"tron={chain.url}",
            ]
        )
        assert ok.exit_code == 0, ok.output
        chain.state.override["/walletsolidity/getaccount"] = lambda h: reply(
            h, {"Error": "class java.lang.Exception : \x1b[2J\x1b]0;owned\x07 all balances verified OK"}
        )
        result = invoke(["reserves", "verify", out, "--node", f"tron={_with_credentials(chain.url)}"])
        assert result.exit_code == 2, result.output
        assert not _leaks(result.output)
        assert "\x1b" not in result.output and "\x07" not in result.output


# ---- a Tron node that lies about an account (the verifier's or the operator's) ----


def _raw(body: bytes) -> object:
    return lambda h: h.send_body(200, body)


@pytest.mark.parametrize(
    "answer",
    [
        b'{"address": "OTHER", "balance": 5000000}',  # another account's answer
        b'{"address": "SELF", "balance": 5000000.0}',  # a float
        b'{"address": "SELF", "balance": -5}',  # a negative amount
        b'{"address": "SELF", "balance": 1e30}',  # an exponent
        b'{"address": "SELF", "balance": "5000000"}',  # a string
        b'{"address": "SELF", "balance": 99999999999999999999999}',  # beyond int64
    ],
)
def test_control_a_tron_node_lying_about_an_account_is_a_node_error(answer: bytes) -> None:

    me = tron_address_of(secrets.token_bytes(32)).text
    other = tron_address_of(secrets.token_bytes(32)).text
    with tron_chain() as chain:
        body = answer.replace(b"OTHER", other.encode()).replace(b"SELF", me.encode())
        chain.state.override["/walletsolidity/getaccount"] = _raw(body)  # type: ignore[assignment]
        src = chain.source()
        try:
            with pytest.raises(FetchError):
                src.native_balance_latest(normalize_address(CHAINS["tron"], me))
        finally:
            src.close()
