"""Token contracts are bound to assets (review finding 1).

The attack: reserves.json chooses the contract of each token balance, so one token the
exchange minted itself could count as USDT, as USDC and even as ETH.  Three defenses:
(a) the file's parser binds contracts to assets, (b) the verifier recognises contracts
from its own list and never counts another as observed, (c) every report shows the
contract (tests/report/test_render.py; on a real node: test_evm_anvil.py).
"""

from __future__ import annotations

import json
import secrets

import pytest

from solvent.pipeline.report import assess
from solvent.protocol.assets import parse_asset_list
from solvent.protocol.errors import FormatError, InputError
from solvent.protocol.manifest import Manifest
from solvent.protocol.proof import Root
from solvent.reserves.attest import attest
from solvent.reserves.chains import CHAINS, eip55, normalize_address
from solvent.reserves.declaration import parse_declaration
from solvent.reserves.recheck import check_attestation
from solvent.reserves.reserves_json import parse_attestation
from solvent.reserves.tokens import BUILTIN_TOKENS, UNRECOGNISED, default_registry, parse_token_option
from tests.reserves.fakes import node_for
from tests.reserves.scenario import SIGNING_KEY, USDT, make_scenario

ETH = CHAINS["ethereum"]
TAKEN_AT = "2026-11-23T00:00:00Z"  # the fake node's pinned block is an hour older
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def fresh_contract() -> str:
    return eip55(secrets.token_bytes(20))


def observed(keys, contract: str = USDT):
    """An attestation whose ETH and USDT (in ``contract``) were read from a (test-double) node."""
    sc = make_scenario(keys, usdt=contract)
    node = node_for(sc, contract=normalize_address(ETH, contract).key)
    return sc, attest(sc.declaration(), sc.signatures(), {"ethereum": node}, signing_key=SIGNING_KEY), node


def doc_of(att) -> dict:
    return json.loads(att.to_json())


def reparse(doc: dict) -> None:
    parse_attestation(json.dumps(doc).encode(), "reserves.json")


def balance(doc: dict, wallet: int, asset: str) -> dict:
    return next(b for b in doc["wallets"][wallet]["balances"] if b["asset"] == asset)


def with_usdc(doc: dict) -> dict:
    doc["assets"].append({"symbol": "USDC", "decimals": 8})
    return doc


# --- (a) the file binds contracts to assets --------------------------------------------------------


def test_the_reviewers_attack_one_contract_as_usdt_and_usdc_is_refused(keys) -> None:
    _, att, _ = observed(keys, fresh_contract())
    doc = with_usdc(doc_of(att))
    reparse(doc)  # control: the attestation as made parses
    usdt = balance(doc, 0, "USDT")
    doc["wallets"][0]["balances"].append({**usdt, "asset": "USDC"})  # the same tokens again, as USDC
    with pytest.raises(FormatError) as e:
        reparse(doc)
    assert e.value.code == "contract"
    assert "one token contract is one asset" in e.value.message
    assert e.value.evidence["field"] == "wallets[0].balances[2].contract"


def test_a_token_cannot_count_as_the_native_coin(keys) -> None:
    _, att, _ = observed(keys, fresh_contract())
    doc = doc_of(att)
    eth = balance(doc, 0, "ETH")
    eth["contract"] = balance(doc, 0, "USDT")["contract"]  # "ETH", held in the self-minted token
    with pytest.raises(FormatError) as e:
        reparse(doc)
    assert e.value.code == "contract"
    assert e.value.evidence["field"] == "wallets[0].balances[0].contract"


def test_one_asset_cannot_sit_in_two_contracts_across_the_file(keys) -> None:
    _, att, _ = observed(keys)
    doc = doc_of(att)
    usdt = balance(doc, 0, "USDT")
    doc["wallets"][1]["balances"].append({**usdt, "contract": fresh_contract()})
    with pytest.raises(FormatError) as e:
        reparse(doc)
    assert e.value.code == "contract"
    assert "one asset has one contract per chain" in e.value.message


def test_one_contract_has_one_number_of_decimals_across_the_file(keys) -> None:
    _, att, _ = observed(keys)
    doc = doc_of(att)
    usdt = balance(doc, 0, "USDT")
    # 18 decimals for the same contract in another wallet, amounts converted consistently
    doc["wallets"][1]["balances"].append(
        {**usdt, "chain_decimals": 18, "chain_amount": "10000000000000000000", "amount": "1000000000"}
    )
    with pytest.raises(FormatError) as e:
        reparse(doc)
    assert e.value.code == "contract"
    assert e.value.evidence["field"] == "wallets[1].balances[1].chain_decimals"


def test_another_chains_coin_needs_a_contract_and_is_then_just_a_token(keys) -> None:
    _, att, node = observed(keys)
    doc = doc_of(att)
    wbtc = {**balance(doc, 0, "USDT"), "asset": "BTC", "contract": None, "chain_decimals": 8}
    wbtc["chain_amount"] = wbtc["amount"] = "100000000"
    doc["wallets"][0]["balances"].append(wbtc)
    with pytest.raises(FormatError) as e:  # BTC on ethereum without a contract: no such thing
        reparse(doc)
    assert e.value.code == "contract"
    wbtc["contract"] = fresh_contract()  # declared as a token with its contract: parses...
    att2 = parse_attestation(json.dumps(doc).encode())
    node.tokens[(normalize_address(ETH, wbtc["contract"]).key, att2.wallets[0].address.key)] = 10**8
    node.decimals[normalize_address(ETH, wbtc["contract"]).key] = 8
    check2 = check_attestation(att2, {"ethereum": node}, taken_at=TAKEN_AT, signing_key=SIGNING_KEY)
    verdicts = check2.wallets[0].balances
    btc = next(v for v in verdicts if v.balance.asset == "BTC")
    assert (btc.recognised, btc.counts_as) == (False, "declared")  # ...but never counts as observed BTC


def test_a_native_coin_on_a_utxo_chain_has_no_contract(keys) -> None:
    _, att, _ = observed(keys)
    doc = doc_of(att)
    btc_wallet = next(w for w in doc["wallets"] if w["chain"] == "bitcoin")
    btc_wallet["balances"][0]["contract"] = USDT
    with pytest.raises(FormatError) as e:
        reparse(doc)
    assert e.value.code == "contract"


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (  # ETH as a token of ethereum: a token posing as the coin
            lambda t: t.replace('asset = "USDT"\ncontract', 'asset = "ETH"\ncontract'),
            "not a token asset",
        ),
        (  # BTC held on ethereum without a [[tokens]] entry
            lambda t: t.replace('assets = ["ETH", "USDT"]', 'assets = ["ETH", "USDT", "BTC"]'),
            "no native coin or [[tokens]] entry for BTC",
        ),
        (  # a second contract for USDT
            lambda t: t + f'\n[[tokens]]\nchain = "ethereum"\nasset = "USDT"\ncontract = "{USDC}"\ndecimals = 6\n',
            "listed twice",
        ),
        (  # the same contract for another asset
            lambda t: (
                t.replace('assets = "BTC:8,ETH:8,USDT:8,USD:2"', 'assets = "BTC:8,ETH:8,USDT:8,USDC:8,USD:2"')
                + f'\n[[tokens]]\nchain = "ethereum"\nasset = "USDC"\ncontract = "{USDT}"\ndecimals = 6\n'
            ),
            "listed twice",
        ),
    ],
    ids=["native coin as a token", "foreign coin without a token", "two contracts", "one contract twice"],
)
def test_the_declaration_binds_contracts_to_assets(keys, edit, needle: str) -> None:
    toml = make_scenario(keys).toml
    parse_declaration(toml.encode())  # control
    with pytest.raises(InputError) as e:
        parse_declaration(edit(toml).encode())
    assert needle in e.value.message


# --- (b) the verifier recognises contracts from its own list --------------------------------------


def _manifest(**liabilities: int) -> Manifest:
    assets = parse_asset_list("BTC:8,ETH:8,USDT:8,USD:2")
    sums = tuple(liabilities.get(a.symbol, 0) for a in assets)
    return Manifest("Test Exchange", "2026-11-23", TAKEN_AT, assets, Root(b"\x01" * 32, sums, 3, 6), {})


def test_self_minted_usdt_read_from_the_node_counts_only_as_declared(keys) -> None:
    fake = fresh_contract()
    _, att, node = observed(keys, fake)
    check = check_attestation(att, {"ethereum": node}, taken_at=TAKEN_AT, signing_key=SIGNING_KEY)
    assert all(w.ok for w in check.wallets)  # signatures, block and re-read balances all check out...
    usdt = next(v for v in check.wallets[0].balances if v.balance.asset == "USDT")
    assert (usdt.recognised, usdt.counts_as) == (False, "declared")  # ...but the contract is not USDT's
    assert usdt.notes == (UNRECOGNISED,)
    line = next(ln for ln in assess(_manifest(USDT=250_000_000), check).lines if ln.symbol == "USDT")
    assert (line.observed, line.declared_onchain, line.status) == (0, 250_000_000, "DECLARED")
    # control: the same balance in the real USDT contract is observed and passes
    _, real_att, real_node = observed(keys, USDT)
    real_check = check_attestation(real_att, {"ethereum": real_node}, taken_at=TAKEN_AT, signing_key=SIGNING_KEY)
    real = assess(_manifest(USDT=250_000_000), real_check)
    assert next(ln for ln in real.lines if ln.symbol == "USDT").status == "PASS"
    # and a verifier who vouches for the contract itself (--token) counts it
    mine = default_registry([f"ethereum:USDT={fake}"])
    vouched_check = check_attestation(att, {"ethereum": node}, taken_at=TAKEN_AT, tokens=mine, signing_key=SIGNING_KEY)
    vouched = assess(_manifest(USDT=250_000_000), vouched_check)
    assert next(ln for ln in vouched.lines if ln.symbol == "USDT").status == "PASS"


def test_the_real_usdt_contract_listed_as_usdc_is_not_usdc(keys) -> None:
    _, att, node = observed(keys, USDT)
    doc = with_usdc(doc_of(att))
    balance(doc, 0, "USDT")["asset"] = "USDC"
    relabelled = parse_attestation(json.dumps(doc).encode())
    check = check_attestation(relabelled, {"ethereum": node}, taken_at=TAKEN_AT, signing_key=SIGNING_KEY)
    usdc = next(v for v in check.wallets[0].balances if v.balance.asset == "USDC")
    assert (usdc.recognised, usdc.counts_as) == (False, "declared")
    assert usdc.notes == (f"{UNRECOGNISED} (it is USDT's)",)


def test_reports_say_whose_contract_a_relabelled_token_is(keys) -> None:
    """(c) the terminal and HTML reports name the asset the contract really is, as the JSON does."""
    import html
    from io import StringIO

    from rich.console import Console

    from solvent.report.render_html import render_html
    from solvent.report.render_json import report_to_dict
    from solvent.report.render_text import print_report

    _, att, node = observed(keys, USDT)
    doc = with_usdc(doc_of(att))
    balance(doc, 0, "USDT")["asset"] = "USDC"
    parsed = parse_attestation(json.dumps(doc).encode())
    check = check_attestation(parsed, {"ethereum": node}, taken_at=TAKEN_AT, signing_key=SIGNING_KEY)
    assets = parse_asset_list("BTC:8,ETH:8,USDT:8,USD:2,USDC:8")
    root = Root(b"\x01" * 32, (0,) * len(assets), 3, 6)
    report = assess(Manifest("Test Exchange", "2026-11-23", TAKEN_AT, assets, root, {}), check)
    said = f"{UNRECOGNISED} (it is USDT's)"
    notes = [n for w in report_to_dict(report)["wallets"] for b in w["balances"] for n in b["notes"]]
    assert said in notes
    out = StringIO()
    print_report(report, Console(file=out, width=400))
    assert f"{UNRECOGNISED.upper()} (it is USDT's)" in out.getvalue()
    page = html.unescape(render_html([report]))
    assert f'<span class="bad">{said}</span>' in page
    assert f"<small>{said}</small>" not in page  # shown once, as the flag


def test_builtin_token_with_other_decimals_fails_the_wallet_even_offline(keys) -> None:
    _, att, _ = observed(keys, USDT)
    doc = doc_of(att)
    usdt = balance(doc, 0, "USDT")
    # USDT "with 18 decimals": amounts converted consistently, so only the known decimals catch it
    usdt.update(chain_decimals=18, chain_amount="2500000000000000000000", amount="250000000000")
    lying = parse_attestation(json.dumps(doc).encode())
    result = check_attestation(lying, taken_at=TAKEN_AT, signing_key=SIGNING_KEY)
    assert result.wallets[0].error is not None
    assert result.wallets[0].error.code == "decimals-mismatch"
    assert result.wallets[0].error.evidence["known"] == "6"
    assert all(w.ok for w in result.wallets[1:])


def test_builtin_list_is_the_issuers_mainnet_contracts() -> None:
    on_ethereum = {t.symbol: t for t in BUILTIN_TOKENS if t.chain == "ethereum"}
    assert on_ethereum["USDT"].contract.text == "0xdAC17F958D2ee523a2206206994597C13D831ec7"
    assert on_ethereum["USDC"].contract.text == "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
    assert {t.decimals for t in on_ethereum.values()} == {6}
    assert {t.variant for t in on_ethereum.values()} == {"native"}
    assert {t.origin for t in BUILTIN_TOKENS} == {"built-in"}


def test_token_option() -> None:
    fake = fresh_contract()
    token = parse_token_option(f"ethereum:EURC={fake.lower()}")
    assert (token.chain, token.symbol, token.contract.text, token.decimals) == ("ethereum", "EURC", fake, None)
    assert (token.origin, token.variant) == ("--token", "verifier")
    registry = default_registry([f"ethereum:EURC={fake}", f"ethereum:USDT={USDT}"])  # a repeat is harmless
    assert registry.recognises("ethereum", "EURC", token.contract)
    assert not registry.recognises("ethereum", "USDT", token.contract)


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("ethereum:USDT", "CHAIN:SYMBOL=CONTRACT"),
        ("USDT=0xdAC17F958D2ee523a2206206994597C13D831ec7", "CHAIN:SYMBOL=CONTRACT"),
        ("ethereum:usdt=0xdAC17F958D2ee523a2206206994597C13D831ec7", "symbol"),
        ("cardano:USDT=0xdAC17F958D2ee523a2206206994597C13D831ec7", "unknown chain"),
        ("bitcoin:USDT=bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "bitcoin has no tokens"),
        ("tron:USDT=0xdAC17F958D2ee523a2206206994597C13D831ec7", "not a tron address"),
        ("solana:USDC=TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "not a solana address"),
        ("tron:TRX=TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "native coin"),
        ("tron:USDC=TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "recognised as USDT"),
        ("ethereum:ETH=0xdAC17F958D2ee523a2206206994597C13D831ec7", "native coin"),
        ("ethereum:USDT=0xdAC17F958D2ee523a2206206994597C13D831eC7", "checksum"),
        ("ethereum:USDC=0xdAC17F958D2ee523a2206206994597C13D831ec7", "recognised as USDT"),
    ],
)
def test_bad_token_options(value: str, needle: str) -> None:
    with pytest.raises(InputError) as e:
        default_registry([value])
    assert needle in e.value.message
