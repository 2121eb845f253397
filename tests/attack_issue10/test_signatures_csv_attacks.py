"""signatures.csv as a hostile (or merely broken) file: every bad input is a clear error, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from solvent.protocol.errors import InputError
from solvent.reserves.attest import parse_signatures
from tests.attack_issue10.test_latest_state_attacks import _cli_files
from tests.attack_issue10.tron_kit import tron_chain
from tests.cli_invoke import invoke
from tests.reserves.scenario import SIGNING_KEY
from tests.reserves.test_wallet_kinds_e2e import Multisig


@pytest.mark.xfail(
    strict=True,
    reason="a signatures.csv field longer than Python's csv field limit (128 KiB) raises _csv.Error, which is no "
    "SolventError: `solvent reserves attest` crashes with a traceback instead of exiting 2",
)
def test_a_huge_signature_field_is_a_usage_error_not_a_traceback(tmp_path: Path) -> None:
    with tron_chain() as chain:
        decl, sigs = _cli_files(chain, tmp_path)
    address = sigs.read_text().splitlines()[1].split(",")[1]
    sigs.write_text(f"chain,address,signature\ntron,{address},0x{'ab' * 70_000}\n")
    result = invoke(
        ["reserves", "attest", decl, "--signatures", sigs, "--out", tmp_path / "r.json", "--public-key", SIGNING_KEY]
    )
    assert result.exit_code == 2, result.output


def test_control_single_and_signer_rows_for_one_address_are_refused() -> None:
    ms = Multisig("p2wsh")
    per_key = ms.per_key([0]).decode().splitlines()
    mixed = "\n".join([per_key[0], per_key[1], f"bitcoin,{ms.address.text},,AAAA"]) + "\n"
    with pytest.raises(InputError) as e:
        parse_signatures(mixed.encode())
    assert e.value.code == "duplicate-address"
    mixed = "\n".join([per_key[0], f"bitcoin,{ms.address.text},,AAAA", per_key[1]]) + "\n"
    with pytest.raises(InputError):
        parse_signatures(mixed.encode())


def test_control_a_safe_owner_in_lower_case_and_in_eip55_is_one_owner() -> None:
    owner = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    safe = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
    rows = (
        "chain,address,signer,signature\n"
        f"polygon,{safe},{owner},0x{'11' * 65}\n"
        f"polygon,{safe},{owner.lower()},0x{'22' * 65}\n"
    )
    with pytest.raises(InputError) as e:
        parse_signatures(rows.encode())
    assert e.value.code == "duplicate-key"


def test_control_a_signer_that_is_neither_a_key_nor_an_owner_is_refused() -> None:
    ms = Multisig("p2wsh")
    rows = f'chain,address,signer,signature\nbitcoin,{ms.address.text},=HYPERLINK("x"),AAAA\n'
    with pytest.raises(InputError):
        parse_signatures(rows.encode())
