"""reserves.toml: every key given a value of the wrong TOML type is an InputError naming it (review finding 5).

The declaration is the operator's own input, so its errors are InputErrors (exit 2)
like every other declaration error; before the fix a list or table where a string was
expected (``asset = []``) crashed with a TypeError.
"""

from __future__ import annotations

import hashlib
import re
import tomllib

import pytest

from solvent.protocol.errors import InputError
from solvent.reserves.declaration import parse_declaration
from tests.reserves.scenario import make_scenario

# Fixed keys (no randomness at collection time): the parametrization is built from them.
KEYS = {
    n: hashlib.sha256(f"declaration test key {n}".encode()).digest()
    for n in ("eth1", "eth2", "btc_wpkh", "btc_tr", "btc_pkh", "other")
}
TOML = make_scenario(KEYS, eth_declared=True).toml
WRONG = ("[]", "{}", "7", "true", "1.5", "1979-05-27T07:32:00Z", '"x"', '["x"]')
_LINE = re.compile(r"(\w+) = (.+)\Z")


def _cases() -> list[tuple[int, str, str]]:
    cases = []
    for number, line in enumerate(TOML.splitlines()):
        match = _LINE.match(line)
        if not match:
            continue
        key, value = match.groups()
        original = tomllib.loads(f"v = {value}")["v"]
        for wrong in WRONG:
            if type(tomllib.loads(f"v = {wrong}")["v"]) is not type(original):
                cases.append((number, key, wrong))
    return cases


CASES = _cases()


def test_the_cases_cover_every_kind_of_entry() -> None:
    keys = {key for _, key, _ in CASES}
    assert {"format", "exchange", "assets", "block_hash", "asset", "contract", "decimals", "address"} <= keys
    assert {"declared", "label", "amount", "custodian", "note", "chain", "block_height"} <= keys


@pytest.mark.parametrize(("number", "key", "wrong"), CASES, ids=[f"line{n}:{k}={w}" for n, k, w in CASES])
def test_wrong_type_is_an_input_error_naming_the_key(number: int, key: str, wrong: str) -> None:
    lines = TOML.splitlines()
    lines[number] = f"{key} = {wrong}"
    with pytest.raises(InputError) as e:  # never a TypeError
        parse_declaration(("\n".join(lines) + "\n").encode())
    assert key in str(e.value)


@pytest.mark.parametrize(
    ("table", "line"),
    [("tokens", 'asset = "USDT"'), ("offchain", 'asset = "USD"')],
)
@pytest.mark.parametrize("wrong", ["[]", "{}"])
def test_the_reviewers_unhashable_assets(table: str, line: str, wrong: str) -> None:
    with pytest.raises(InputError, match=rf"{table}\[0\]\.asset"):
        parse_declaration(TOML.replace(line, f"asset = {wrong}").encode())


@pytest.mark.parametrize("text", ["a\u2028b", "a\x9bb", "a\x85b"])
def test_labels_that_could_not_be_published_are_refused_here(text: str) -> None:
    toml = TOML.replace('label = "eth cold 1"', f'label = "{text}"')
    with pytest.raises(InputError, match="control characters"):
        parse_declaration(toml.encode())


def test_token_decimals_are_bounded_by_the_widest_chain_amount() -> None:
    from solvent.reserves.conversion import MAX_CHAIN_DECIMALS

    assert 10**MAX_CHAIN_DECIMALS < 2**256 < 10 ** (MAX_CHAIN_DECIMALS + 1)  # uint256
    widest = make_scenario(KEYS, usdt_decimals=MAX_CHAIN_DECIMALS).declaration()
    assert {t.decimals for w in widest.wallets for h in w.holdings if (t := h.token)} == {MAX_CHAIN_DECIMALS}
    for wrong in (MAX_CHAIN_DECIMALS + 1, -1):
        with pytest.raises(InputError, match=r"tokens\[0\]\.decimals"):
            make_scenario(KEYS, usdt_decimals=wrong).declaration()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda t: t + "\nsurprise = 1\n", "offchain[0]: unknown surprise"),
        (lambda t: t.replace('custodian = "Example Bank"\n', ""), "offchain[0]: missing custodian"),
        (lambda t: t.replace('asset = "USDT"\ncontract', 'asset = "USDT"\nnote = "x"\ncontract'), "unknown note"),
    ],
)
def test_missing_and_unknown_keys_are_the_operators_errors(mutate, message: str) -> None:
    with pytest.raises(InputError) as e:
        parse_declaration(mutate(TOML).encode())
    assert message in str(e.value)
