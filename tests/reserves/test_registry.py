"""One registry of chains and tokens (threat R10): adding a chain is a registry entry, not code.

The packaged ``registry.toml`` is the only place chains and recognised tokens are
listed.  These tests pin every entry, check that a token is recognised on its own chain
and contract only, that a malformed registry is refused naming the entry, and, on real
local nodes (anvil), that every EVM chain's node is accepted as itself and refused as
any other chain.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest

from solvent.protocol.errors import FetchError, FormatError
from solvent.reserves.chains import CHAINS, eip55, get_chain, normalize_address, registry_text, solana_address
from solvent.reserves.chains import tron_address as tron_text
from solvent.reserves.tokens import (
    BUILTIN_TOKENS,
    default_registry,
    dump_registry,
    load_registry,
    parse_token_option,
)

TEXT = registry_text()

# name: (display name, family, native symbol, decimals, EVM chain id, genesis hash)
EXPECTED_CHAINS = {
    "bitcoin": ("Bitcoin", "utxo", "BTC", 8, None, None),
    "ethereum": ("Ethereum", "evm", "ETH", 18, 1, None),
    "bsc": ("BNB Smart Chain", "evm", "BNB", 18, 56, None),
    "arbitrum": ("Arbitrum One", "evm", "ETH", 18, 42161, None),
    "base": ("Base", "evm", "ETH", 18, 8453, None),
    "optimism": ("OP Mainnet (Optimism)", "evm", "ETH", 18, 10, None),
    "polygon": ("Polygon PoS", "evm", "POL", 18, 137, None),
    "avalanche": ("Avalanche C-Chain", "evm", "AVAX", 18, 43114, None),
    "tron": ("Tron", "tron", "TRX", 6, None, "00000000000000001ebf88508a03865c71d452e25f4d51194196a1d22b6653dc"),
    "solana": ("Solana", "solana", "SOL", 9, None, "5eykt4UsFv8P8NJdTREpY1vzqKqZKvdpKuc147dw2N9d"),
}

# (chain, asset, contract, decimals, variant), as the issuers and explorers publish them
EXPECTED_TOKENS = {
    ("ethereum", "USDT", "0xdAC17F958D2ee523a2206206994597C13D831ec7", 6, "native"),
    ("ethereum", "USDC", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", 6, "native"),
    ("bsc", "USDT", "0x55d398326f99059fF775485246999027B3197955", 18, "bridged"),
    ("bsc", "USDC", "0x8AC76a51cc950d9822D68b83fE1Ad97B32Cd580d", 18, "bridged"),
    ("arbitrum", "USDC", "0xaf88d065e77c8cC2239327C5EDb3A432268e5831", 6, "native"),
    ("arbitrum", "USDC", "0xFF970A61A04b1cA14834A43f5dE4533eBDDB5CC8", 6, "bridged"),
    ("arbitrum", "USDT", "0xFd086bC7CD5C481DCC9C85ebE478A1C0b69FCbb9", 6, "bridged"),
    ("base", "USDC", "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", 6, "native"),
    ("base", "USDC", "0xd9aAEc86B65D86f6A7B5B1b0c42FFA531710b6CA", 6, "bridged"),
    ("optimism", "USDC", "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85", 6, "native"),
    ("optimism", "USDC", "0x7F5c764cBc14f9669B88837ca1490cCa17c31607", 6, "bridged"),
    ("optimism", "USDT", "0x94b008aA00579c1307B0EF2c499aD98a8ce58e58", 6, "bridged"),
    ("polygon", "USDC", "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359", 6, "native"),
    ("polygon", "USDC", "0x2791Bca1f2de4661ED88A30C99A7a9449Aa84174", 6, "bridged"),
    ("polygon", "USDT", "0xc2132D05D31c914a87C6611C10748AEb04B58e8F", 6, "bridged"),
    ("avalanche", "USDC", "0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E", 6, "native"),
    ("avalanche", "USDC", "0xA7D7079b0FEaD91F3e65f86E8915Cb59c1a4C664", 6, "bridged"),
    ("avalanche", "USDT", "0x9702230A8Ea53601f5cD2dc00fDBc13d4dF4A8c7", 6, "native"),
    ("avalanche", "USDT", "0xc7198437980c041c805A1EDcbA50c1Ce5db95118", 6, "bridged"),
    ("tron", "USDT", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", 6, "native"),
    ("solana", "USDT", "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB", 6, "native"),
    ("solana", "USDC", "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", 6, "native"),
}

EVM = [name for name, spec in CHAINS.items() if spec.family == "evm"]


# --- the entries --------------------------------------------------------------------------------------


def test_the_registry_lists_exactly_these_chains() -> None:
    assert list(CHAINS) == list(EXPECTED_CHAINS)


@pytest.mark.parametrize("name", list(EXPECTED_CHAINS))
def test_chain_entry(name: str) -> None:
    spec = get_chain(name)
    got = (spec.display_name, spec.family, spec.native_symbol, spec.native_decimals, spec.evm_chain_id)
    assert (*got, spec.genesis_hash) == EXPECTED_CHAINS[name]
    assert spec.has_tokens == (spec.family != "utxo")
    assert spec.history == (spec.family not in ("tron", "solana"))


def test_bitcoin_keeps_its_address_parameters() -> None:
    btc = CHAINS["bitcoin"]
    assert (btc.p2pkh_version, btc.p2sh_version, btc.bech32_hrp) == (0, 5, "bc")
    assert normalize_address(btc, "1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAs").kind == "p2pkh"


def test_the_registry_lists_exactly_these_tokens() -> None:
    got = {(t.chain, t.symbol, t.contract.text, t.decimals, t.variant) for t in BUILTIN_TOKENS}
    assert got == EXPECTED_TOKENS
    assert len(BUILTIN_TOKENS) == len(EXPECTED_TOKENS)


@pytest.mark.parametrize("token", BUILTIN_TOKENS, ids=lambda t: f"{t.chain}-{t.contract.text[:10]}")
def test_every_token_names_its_variant_and_source(token) -> None:
    assert token.origin == "built-in"
    assert token.variant in ("native", "bridged")
    assert token.source.startswith("https://")
    if token.variant == "bridged":  # a bridged token's name says it is not the issuer's own
        assert any(word in token.name for word in ("bridged", "Binance-Peg", "locked"))
    else:
        assert "issued by" in token.name
    # two variants of one asset on one chain never share a name
    siblings = [t.name for t in BUILTIN_TOKENS if (t.chain, t.symbol) == (token.chain, token.symbol)]
    assert siblings.count(token.name) == 1


def test_evm_token_contracts_are_written_in_eip55() -> None:
    for token in BUILTIN_TOKENS:
        if CHAINS[token.chain].family == "evm":
            assert token.contract.text == eip55(token.contract.key)


# --- recognition: (chain, contract) only --------------------------------------------------------------


@pytest.mark.parametrize("token", BUILTIN_TOKENS, ids=lambda t: f"{t.chain}-{t.contract.text[:10]}")
def test_a_token_is_recognised_on_its_own_chain_only(token) -> None:
    registry = default_registry()
    assert registry.recognises(token.chain, token.symbol, token.contract)
    family = CHAINS[token.chain].family
    for other in CHAINS.values():
        if other.name == token.chain or other.family != family:
            continue
        # the same contract bytes on another chain of the family: some other contract, or none
        same_address = normalize_address(other, token.contract.text)
        found = registry.lookup(other.name, same_address)
        assert found is None, f"{token.chain} {token.symbol} recognised on {other.name}"


def test_ethereum_usdt_is_not_recognised_on_arbitrum() -> None:
    usdt = normalize_address(CHAINS["ethereum"], "0xdAC17F958D2ee523a2206206994597C13D831ec7")
    registry = default_registry()
    assert registry.recognises("ethereum", "USDT", usdt)  # control
    assert not registry.recognises("arbitrum", "USDT", usdt)


def _random_address(family: str) -> str:
    if family == "evm":
        return eip55(secrets.token_bytes(20))
    if family == "tron":
        return tron_text(secrets.token_bytes(20))
    return solana_address(secrets.token_bytes(32))


@pytest.mark.parametrize("token", BUILTIN_TOKENS, ids=lambda t: f"{t.chain}-{t.contract.text[:10]}")
def test_the_right_symbol_on_the_wrong_contract_is_not_recognised(token) -> None:
    chain = CHAINS[token.chain]
    impostor = normalize_address(chain, _random_address(chain.family))
    registry = default_registry()
    assert registry.recognises(token.chain, token.symbol, token.contract)  # control
    assert not registry.recognises(token.chain, token.symbol, impostor)
    assert registry.lookup(token.chain, impostor) is None


# --- bridged variants ---------------------------------------------------------------------------------


def test_no_bridged_leaves_bridged_tokens_unrecognised() -> None:
    arbitrum = CHAINS["arbitrum"]
    native = normalize_address(arbitrum, "0xaf88d065e77c8cC2239327C5EDb3A432268e5831")
    usdc_e = normalize_address(arbitrum, "0xFF970A61A04b1cA14834A43f5dE4533eBDDB5CC8")
    every = default_registry()
    assert every.recognises("arbitrum", "USDC", native)
    assert every.recognises("arbitrum", "USDC", usdc_e)
    known = every.lookup("arbitrum", usdc_e)
    assert known is not None and (known.variant, known.name) == (
        "bridged",
        "USDC.e (bridged from Ethereum by the Arbitrum bridge)",
    )
    strict = default_registry(bridged=False)
    assert strict.recognises("arbitrum", "USDC", native)
    assert not strict.recognises("arbitrum", "USDC", usdc_e)
    assert {t.variant for t in strict.tokens} == {"native"}
    # the verifier's own --token stays, whatever the option
    vouched = default_registry(["arbitrum:USDC=0xFF970A61A04b1cA14834A43f5dE4533eBDDB5CC8"], bridged=False)
    assert vouched.recognises("arbitrum", "USDC", usdc_e)


# --- --token on every token-bearing family ------------------------------------------------------------


@pytest.mark.parametrize("chain", ["ethereum", "bsc", "avalanche", "tron", "solana"])
def test_token_option_on_every_token_family(chain: str) -> None:
    spec = CHAINS[chain]
    contract = _random_address(spec.family)
    token = parse_token_option(f"{chain}:EURC={contract}")
    assert (token.chain, token.symbol, token.contract.text, token.variant) == (chain, "EURC", contract, "verifier")
    assert default_registry([f"{chain}:EURC={contract}"]).recognises(chain, "EURC", token.contract)


# --- the file: round trip and broken copies -----------------------------------------------------------


def test_the_registry_round_trips() -> None:
    registry = load_registry(TEXT)
    again = load_registry(dump_registry(registry))
    assert again == registry
    assert dump_registry(again) == dump_registry(registry)
    assert again.tokens == BUILTIN_TOKENS
    assert again.chains == CHAINS


def _edit(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert text.count(old) >= 1, old
        return text.replace(old, new, 1)

    return edit


def _append(extra: str) -> Callable[[str], str]:
    return lambda text: text + extra


EVM_CHAIN = '\n[[chains]]\nname = "{name}"\ndisplay_name = "X"\nfamily = "evm"\nnative_symbol = "ETH"\n'
EVM_CHAIN += "native_decimals = 18\nevm_chain_id = {id}\n"
TOKEN = '\n[[tokens]]\nchain = "{chain}"\nasset = "{asset}"\ncontract = "{contract}"\ndecimals = 6\n'
TOKEN += 'variant = "native"\nname = "X"\nsource = "https://example.com/"\n'
USDT = "0xdAC17F958D2ee523a2206206994597C13D831ec7"


@pytest.mark.parametrize(
    ("edit", "entry", "needle"),
    [
        (_edit('family = "evm"', 'family = "cosmos"'), "chains[1]", "unknown family 'cosmos'"),
        (_append(EVM_CHAIN.format(name="bsc", id=999)), "chains[10] (bsc)", "listed twice"),
        (_append(EVM_CHAIN.format(name="bsc2", id=56)), "chains[10] (bsc2)", "also bsc's"),
        (_edit("evm_chain_id = 56", 'evm_chain_id = "56"'), "chains[2] (bsc)", "evm_chain_id must be an integer"),
        (_edit("evm_chain_id = 56\n", ""), "chains[2]", "missing evm_chain_id"),
        (_edit('genesis_hash = "5eykt4', 'genesis_hash = "0eykt4'), "chains[9] (solana)", "32 bytes in base58"),
        (_edit('genesis_hash = "0000', 'genesis_hash = "0X00'), "chains[8] (tron)", "64 lower-case hex"),
        (_edit('bech32_hrp = "bc"', 'bech32_hrp = "bc"\nchain_id = 0'), "chains[0]", "unknown field(s) chain_id"),
        (_edit(USDT, USDT[:-1] + "C"), "tokens[0] (ethereum USDT)", "wrong EIP-55 checksum"),
        (_edit(USDT, USDT.lower()), "tokens[0] (ethereum USDT)", "canonical form"),
        (
            _append(TOKEN.format(chain="ethereum", asset="EURC", contract=USDT)),
            "tokens[22] (ethereum EURC)",
            "one contract cannot stand for two assets",
        ),
        (
            _append(TOKEN.format(chain="ethereum", asset="USDT", contract=USDT)),
            "tokens[22] (ethereum USDT)",
            "already listed as USDT",
        ),
        (
            _append(TOKEN.format(chain="avalanche", asset="AVAX", contract=eip55(b"\x11" * 20))),
            "tokens[22] (avalanche AVAX)",
            "native coin, not a token",
        ),
        (
            _append(TOKEN.format(chain="bitcoin", asset="USDT", contract="bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")),
            "tokens[22] (bitcoin USDT)",
            "has no tokens",
        ),
        (
            _append(TOKEN.format(chain="cardano", asset="USDT", contract=USDT)),
            "tokens[22] (cardano USDT)",
            "unknown chain",
        ),
        (
            _append(TOKEN.format(chain="tron", asset="USDC", contract=USDT)),
            "tokens[22] (tron USDC)",
            "not a tron address",
        ),
        (_edit('variant = "native"', 'variant = "wrapped"'), "tokens[0] (ethereum USDT)", "variant must be one of"),
        (_edit('asset = "USDT"', 'asset = "usdt"'), "tokens[0] (ethereum usdt)", "symbol"),
        (
            _edit('source = "https://tether.to/en/supported-protocols/"', 'source = "tether.to"'),
            "tokens[0] (ethereum USDT)",
            "https://",
        ),
        (_edit("\ndecimals = 18\n", "\ndecimals = -1\n"), "tokens[2] (bsc USDT)", "decimals must be an integer"),
    ],
    ids=[
        "unknown family",
        "duplicate chain",
        "duplicate chain id",
        "chain id as text",
        "missing chain id",
        "bad solana genesis",
        "bad tron genesis",
        "unknown chain field",
        "bad checksum",
        "lower-case address",
        "contract for two assets",
        "contract listed twice",
        "native symbol token",
        "token on bitcoin",
        "unknown chain",
        "evm address on tron",
        "unknown variant",
        "bad symbol",
        "source not a page",
        "negative decimals",
    ],
)
def test_a_broken_registry_is_refused_naming_the_entry(edit, entry: str, needle: str) -> None:
    load_registry(TEXT)  # control: the packaged registry loads
    with pytest.raises(FormatError) as e:
        load_registry(edit(TEXT))
    assert e.value.code == "registry"
    assert e.value.message.startswith(f"registry {entry}")
    assert needle in e.value.message


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[[chains]\n", "not valid TOML"),
        ("", "non-empty [[chains]]"),
        (TEXT + "\n[extra]\nx = 1\n", "unknown table(s) extra"),
    ],
)
def test_a_malformed_registry_file(text: str, needle: str) -> None:
    with pytest.raises(FormatError) as e:
        load_registry(text)
    assert needle in e.value.message


# --- real nodes: each EVM chain's node is itself and no other chain -----------------------------------


@pytest.fixture(scope="module")
def nodes() -> Iterator[dict[str, str]]:
    """One anvil per EVM chain of the registry, with that chain's id; all stopped at the end."""
    from solvent.demo.devchain import Anvil

    started: list[Anvil] = []
    try:
        urls = {}
        for name in EVM:
            node = Anvil(accounts=1, chain_id=CHAINS[name].evm_chain_id or 0)
            started.append(node)
            urls[name] = node.url
        yield urls
    finally:
        for node in started:
            node.stop()


@pytest.mark.integration
@pytest.mark.parametrize("name", EVM)
def test_an_evm_node_is_accepted_as_its_own_chain_and_refused_as_another(nodes, name: str) -> None:
    from solvent.reserves.sources.evm import EvmRpcSource

    own = EvmRpcSource(name, nodes[name])
    try:
        own.check_chain_id()  # accepted: no error
    finally:
        own.close()
    for other in EVM:
        if other == name:
            continue
        posing = EvmRpcSource(other, nodes[name])  # e.g. a bsc node declared as polygon
        try:
            with pytest.raises(FetchError) as e:
                posing.check_chain_id()
        finally:
            posing.close()
        assert e.value.code == "wrong-chain"
        assert e.value.evidence["node_chain_id"] == str(CHAINS[name].evm_chain_id)
        assert e.value.evidence["expected_chain_id"] == str(CHAINS[other].evm_chain_id)
