"""Look-alike tokens against the registry, and a Solana node lying about token accounts."""

from __future__ import annotations

import secrets
import time

import pytest
from embit import base58

from solvent.demo.simnodes.solana import TOKEN_2022_PROGRAM, Block, SolanaState, TokenAccount, solana_node
from solvent.protocol.errors import VerificationError
from solvent.reserves.chains import CHAINS, normalize_address, tron_address
from solvent.reserves.sources.solana import SPL_TOKEN_PROGRAM, SolanaRpcSource
from solvent.reserves.tokens import BUILTIN_TOKENS, default_registry

TRON_USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
SOLANA_USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"


def test_control_a_look_alike_usdt_on_tron_is_not_recognised() -> None:
    registry = default_registry()
    assert registry.recognises("tron", "USDT", normalize_address(CHAINS["tron"], TRON_USDT))
    look_alike = normalize_address(CHAINS["tron"], tron_address(secrets.token_bytes(20)))
    assert not registry.recognises("tron", "USDT", look_alike)
    # the right contract under another symbol is not that symbol either
    assert not registry.recognises("tron", "USDC", normalize_address(CHAINS["tron"], TRON_USDT))


def test_control_an_ethereum_usdt_address_claimed_on_another_chain_is_not_recognised() -> None:
    registry = default_registry()
    usdt = next(t for t in BUILTIN_TOKENS if t.chain == "ethereum" and t.symbol == "USDT")
    for chain in ("bsc", "base", "avalanche"):
        same_bytes = normalize_address(CHAINS[chain], usdt.contract.text)
        known = [t for t in BUILTIN_TOKENS if t.chain == chain and t.contract.key == same_bytes.key]
        assert registry.recognises(chain, "USDT", same_bytes) == any(t.symbol == "USDT" for t in known)


def test_control_no_bridged_leaves_every_bridged_token_unrecognised() -> None:
    bridged = [t for t in BUILTIN_TOKENS if t.variant == "bridged"]
    assert bridged, "the registry names its bridged variants"
    strict = default_registry(bridged=False)
    for t in bridged:
        assert default_registry().recognises(t.chain, t.symbol, t.contract)
        assert not strict.recognises(t.chain, t.symbol, t.contract)


def _solana(accounts: list[TokenAccount]) -> tuple[SolanaState, str]:
    seed_owner = base58.encode(secrets.token_bytes(32))
    state = SolanaState(finalized_slot=2000)
    state.blocks[2000] = Block(base58.encode(secrets.token_bytes(32)), int(time.time()) - 5)
    state.mints[SOLANA_USDC] = (6, SPL_TOKEN_PROGRAM)
    for a in accounts:
        a.owner = a.owner or seed_owner
    state.token_accounts.extend(accounts)
    return state, seed_owner


@pytest.mark.parametrize(
    ("lie", "code"),
    [
        ("someone else's account", "token-owner"),
        ("a Token-2022 account", "token-program"),
        ("another mint's account", "token-mint"),
    ],
)
def test_control_a_solana_node_adding_accounts_fails_the_balance(lie: str, code: str) -> None:
    wallet = base58.encode(secrets.token_bytes(32))
    state, _ = _solana([TokenAccount(base58.encode(secrets.token_bytes(32)), wallet, SOLANA_USDC, 1_000_000)])
    forged = TokenAccount(base58.encode(secrets.token_bytes(32)), wallet, SOLANA_USDC, 10**12)
    if lie == "someone else's account":
        forged.owner = base58.encode(secrets.token_bytes(32))
    elif lie == "a Token-2022 account":
        forged.program = TOKEN_2022_PROGRAM
    else:
        forged.mint = base58.encode(secrets.token_bytes(32))

    from solvent.demo.simnodes.solana import _token_account_json

    def lying(method: str, params: list[object]) -> object:
        if method != "getTokenAccountsByOwner":
            return None
        honest = [a for a in state.token_accounts if a.owner == wallet]
        return {"context": {"slot": 2000}, "value": [_token_account_json(a) for a in [*honest, forged]]}

    state.override = lying
    with solana_node(state) as node:
        src = SolanaRpcSource("solana", node.url)
        try:
            src.latest_block(max_lag=300)
            owner = normalize_address(CHAINS["solana"], wallet)
            mint = normalize_address(CHAINS["solana"], SOLANA_USDC)
            with pytest.raises(VerificationError) as e:
                src.token_balance_latest(mint, owner)
            assert e.value.code == code
        finally:
            src.close()
