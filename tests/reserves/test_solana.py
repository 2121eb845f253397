"""Solana: off-chain message signatures (solders as the oracle) and the JSON-RPC source on a loopback node."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from embit import base58
from solders import token as solders_token
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.rpc import responses
from solders.signature import Signature

from solvent.demo.signers_solana import sign_solana_offchain, solana_keypair
from solvent.demo.simnodes.solana import (
    NULL,
    TOKEN_2022_PROGRAM,
    Block,
    SolanaState,
    TokenAccount,
    answer,
    solana_node,
)
from solvent.protocol.errors import BadSignature, FetchError, FormatError, VerificationError
from solvent.reserves.chains import CHAINS, normalize_address, solana_address
from solvent.reserves.pinned_block import BlockPin
from solvent.reserves.solana_sig import (
    MAX_LEN,
    MAX_LEN_LEDGER,
    SIGNING_DOMAIN,
    is_strong_key,
    offchain_message_bytes,
    verify_solana_offchain,
)
from solvent.reserves.sources.base import open_source
from solvent.reserves.sources.http import READ_METHODS
from solvent.reserves.sources.solana import SOLANA_MAINNET_GENESIS, SPL_TOKEN_PROGRAM, SolanaRpcSource
from tests.reserves.hostile_server import MIB, NodeHandler, node_server

SOL = CHAINS["solana"]
CHALLENGE = "solvent reserves challenge\nexchange: Example\nchain: solana\nblock: 1000\n"
SEED = hashlib.sha256(b"solana test wallet 1").digest()
OTHER_SEED = hashlib.sha256(b"solana test wallet 2").digest()
# USDC's and USDT's mints on mainnet-beta (classic SPL tokens).
USDC = normalize_address(SOL, "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")
USDT = normalize_address(SOL, "Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB")
DEVNET_GENESIS = "EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG"
NOW = 1_800_000_000


def _key(n: int) -> str:
    return solana_address(hashlib.sha256(b"account %d" % n).digest())


def _hash58(n: int) -> str:
    return solana_address(hashlib.sha256(b"block %d" % n).digest())


# --- addresses --------------------------------------------------------------------------------


def test_addresses_are_canonical_base58_of_32_bytes() -> None:
    address, public = solana_keypair(SEED)
    assert address.text == str(Keypair.from_seed(SEED).pubkey())  # the oracle derives the same key
    assert address.key == public == bytes(Keypair.from_seed(SEED).pubkey())
    for bad in ["1" + address.text, address.text[:20], address.text.replace(address.text[3], "0"), "0x" + "11" * 32]:
        with pytest.raises(FormatError):
            normalize_address(SOL, bad)


# --- off-chain message bytes ----------------------------------------------------------------


def test_offchain_bytes_match_the_crates_vectors() -> None:
    # solana-offchain-message's own test vectors (ASCII and UTF-8 messages) and their SHA-256.
    ascii_bytes = offchain_message_bytes("Test Message")
    assert ascii_bytes == b"\xffsolana offchain\x00\x00\x0c\x00Test Message"
    assert base58.encode(hashlib.sha256(ascii_bytes).digest()) == "HG5JydBGjtjTfD3sSn21ys5NTWPpXzmqifiGC2BVUjkD"
    utf8 = offchain_message_bytes("Тестовое сообщение")
    assert utf8[16:20] == b"\x00\x01\x23\x00"
    assert base58.encode(hashlib.sha256(utf8).digest()) == "6GXTveatZQLexkX4WeTpJ3E7uk1UojRXpKp43c4ArSun"


def test_a_challenge_with_line_feeds_is_limited_utf8_and_a_long_one_extended() -> None:
    data = offchain_message_bytes(CHALLENGE)
    assert data[:17] == SIGNING_DOMAIN + b"\x00"
    assert data[17] == 1  # LF is not printable ASCII
    assert int.from_bytes(data[18:20], "little") == len(CHALLENGE.encode())
    assert data[20:] == CHALLENGE.encode()
    assert offchain_message_bytes("a" * MAX_LEN_LEDGER)[17] == 0
    assert offchain_message_bytes("a" * (MAX_LEN_LEDGER + 1))[17] == 2
    assert offchain_message_bytes("a" * MAX_LEN)[17] == 2
    for bad in ["", "a" * (MAX_LEN + 1), "\ud800"]:
        with pytest.raises(ValueError):
            offchain_message_bytes(bad)


# --- signatures ---------------------------------------------------------------------------------


def test_a_real_keys_signature_verifies_and_equals_the_oracles() -> None:
    address, _ = solana_keypair(SEED)
    signature = sign_solana_offchain(SEED, CHALLENGE)
    oracle = Keypair.from_seed(SEED).sign_message(offchain_message_bytes(CHALLENGE))
    assert signature == str(oracle)  # Ed25519 is deterministic: same key, same bytes, same signature
    assert oracle.verify(Keypair.from_seed(SEED).pubkey(), offchain_message_bytes(CHALLENGE))
    verify_solana_offchain(address, CHALLENGE, signature)


def test_a_signature_made_by_the_oracle_verifies() -> None:
    keypair = Keypair()
    address = normalize_address(SOL, str(keypair.pubkey()))
    verify_solana_offchain(address, CHALLENGE, str(keypair.sign_message(offchain_message_bytes(CHALLENGE))))


def test_another_key_or_another_message_is_refused() -> None:
    address, _ = solana_keypair(SEED)
    with pytest.raises(BadSignature) as info:
        verify_solana_offchain(address, CHALLENGE, sign_solana_offchain(OTHER_SEED, CHALLENGE))
    assert info.value.evidence["address"] == address.text
    with pytest.raises(BadSignature):
        verify_solana_offchain(address, CHALLENGE, sign_solana_offchain(SEED, CHALLENGE + "x"))


def _sign_raw(data: bytes) -> str:
    return str(Keypair.from_seed(SEED).sign_message(data))


@pytest.mark.parametrize(
    "data",
    [
        CHALLENGE.encode(),  # a wallet's signMessage over the raw text: no off-chain envelope
        SIGNING_DOMAIN + b"\x00\x00" + len(CHALLENGE).to_bytes(2, "little") + CHALLENGE.encode(),  # format 0
        SIGNING_DOMAIN + b"\x00\x02" + len(CHALLENGE).to_bytes(2, "little") + CHALLENGE.encode(),  # format 2
        SIGNING_DOMAIN + b"\x00\x01" + (len(CHALLENGE) + 1).to_bytes(2, "little") + CHALLENGE.encode(),  # length
        SIGNING_DOMAIN + b"\x01\x01" + len(CHALLENGE).to_bytes(2, "little") + CHALLENGE.encode(),  # version 1
        # the newer header: application domain and one signer before the format
        SIGNING_DOMAIN
        + b"\x00"
        + bytes(32)
        + b"\x01\x01"
        + bytes(Keypair.from_seed(SEED).pubkey())
        + len(CHALLENGE).to_bytes(2, "little")
        + CHALLENGE.encode(),
    ],
)
def test_other_encodings_of_the_challenge_are_refused(data: bytes) -> None:
    address, _ = solana_keypair(SEED)
    assert data != offchain_message_bytes(CHALLENGE)
    with pytest.raises(BadSignature):
        verify_solana_offchain(address, CHALLENGE, _sign_raw(data))


def test_the_signature_has_one_spelling() -> None:
    address, _ = solana_keypair(SEED)
    signature = sign_solana_offchain(SEED, CHALLENGE)
    raw = bytes(base58.decode(signature))
    for bad in [
        "1" + signature,  # a leading zero byte: 65 bytes
        signature + " ",
        raw.hex(),
        "0x" + raw.hex(),
        base58.encode(raw[:63]),
        "",
    ]:
        with pytest.raises(BadSignature) as info:
            verify_solana_offchain(address, CHALLENGE, bad)
        assert info.value.code == "signature-encoding"


def test_a_malleated_s_is_refused_even_where_it_would_verify_mod_l() -> None:
    address, _ = solana_keypair(SEED)
    order = 2**252 + 27742317777372353535851937790883648493
    raw = bytes(base58.decode(sign_solana_offchain(SEED, CHALLENGE)))
    s = int.from_bytes(raw[32:], "little") + order
    assert s < 2**256
    malleated = base58.encode(raw[:32] + s.to_bytes(32, "little"))
    with pytest.raises(BadSignature):
        verify_solana_offchain(address, CHALLENGE, malleated)
    # OpenSSL refuses it too, without our check
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    with pytest.raises(InvalidSignature):
        Ed25519PublicKey.from_public_bytes(address.key).verify(
            bytes(base58.decode(malleated)), offchain_message_bytes(CHALLENGE)
        )


# The eight points of small order, as libsodium's blocklist writes them.
SMALL_ORDER = [
    "0100000000000000000000000000000000000000000000000000000000000000",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
]


@pytest.mark.parametrize("key_hex", SMALL_ORDER)
def test_a_small_order_key_proves_nothing(key_hex: str) -> None:
    """With a small-order key A, R = identity and S = 0 satisfy [S]B = R + [k]A for 1/8 of messages
    or more (OpenSSL does not refuse such keys); such an address is refused whatever is signed."""
    key = bytes.fromhex(key_hex)
    assert not is_strong_key(key)
    address = normalize_address(SOL, solana_address(key))
    forged = base58.encode(bytes.fromhex(SMALL_ORDER[0]) + bytes(32))
    with pytest.raises(BadSignature) as info:
        verify_solana_offchain(address, CHALLENGE, forged)
    assert info.value.code == "weak-key"


def test_openssl_alone_accepts_a_forgery_for_the_identity_key() -> None:
    """Why the key check exists: R = identity, S = 0 verifies for the identity key over any message."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    identity = bytes.fromhex(SMALL_ORDER[0])
    Ed25519PublicKey.from_public_bytes(identity).verify(identity + bytes(32), offchain_message_bytes(CHALLENGE))


def test_real_keys_are_strong() -> None:
    for n in range(20):
        assert is_strong_key(bytes(Keypair.from_seed(hashlib.sha256(b"%d" % n).digest()).pubkey()))


def test_the_system_program_address_cannot_be_claimed() -> None:
    # "111...1" (32 zero bytes) is the system program's id and a small-order point
    assert not is_strong_key(bytes(Pubkey.from_string("11111111111111111111111111111111")))


# --- the source ---------------------------------------------------------------------------------

WALLET, _ = solana_keypair(SEED)
STRANGER = _key(99)


def _state() -> SolanaState:
    state = SolanaState(finalized_slot=1000)
    state.blocks[900] = Block(_hash58(900), NOW - 400, 899)
    state.blocks[1000] = Block(_hash58(1000), NOW - 10, 999)
    state.lamports[WALLET.text] = 5_000_000_000
    state.mints[USDC.text] = (6, SPL_TOKEN_PROGRAM)
    state.mints[USDT.text] = (6, SPL_TOKEN_PROGRAM)
    state.token_accounts += [
        TokenAccount(_key(1), WALLET.text, USDC.text, 1_500_000),
        TokenAccount(_key(2), WALLET.text, USDC.text, 250_000),
        TokenAccount(_key(3), WALLET.text, USDT.text, 7_000_000),
        TokenAccount(_key(4), STRANGER, USDC.text, 999_000_000),
    ]
    return state


@pytest.fixture
def node() -> Iterator[tuple[SolanaState, SolanaRpcSource]]:
    state = _state()
    with solana_node(state) as server:
        source = SolanaRpcSource("solana", server.url, timeout=5, clock=lambda: NOW)
        try:
            yield state, source
        finally:
            source.close()


def _pin(slot: int) -> BlockPin:
    return BlockPin("solana", slot, bytes(base58.decode(_hash58(slot))).hex())


def test_the_loopback_answers_have_the_shapes_solders_parses() -> None:
    state = _state()

    def wrap(result: Any) -> str:
        return json.dumps({"jsonrpc": "2.0", "id": 1, "result": result})

    tokens = answer(state, "getTokenAccountsByOwner", [WALLET.text, {"mint": USDC.text}])
    parsed = responses.GetTokenAccountsByOwnerJsonParsedResp.from_json(wrap(tokens))
    assert [str(a.pubkey) for a in parsed.value] == [_key(1), _key(2)]
    mint = responses.GetAccountInfoMaybeJsonParsedResp.from_json(wrap(answer(state, "getAccountInfo", [USDC.text])))
    assert str(mint.value.owner) == SPL_TOKEN_PROGRAM == str(solders_token.ID)  # the program id, as solders has it
    assert responses.GetBalanceResp.from_json(wrap(answer(state, "getBalance", [WALLET.text]))).value == 5_000_000_000
    block = responses.GetBlockResp.from_json(wrap(answer(state, "getBlock", [1000, {}])))
    assert block.value is not None and str(block.value.blockhash) == _hash58(1000)
    assert str(responses.GetGenesisHashResp.from_json(wrap(state.genesis)).value) == SOLANA_MAINNET_GENESIS


def test_open_source_gives_a_solana_source() -> None:
    source = open_source("solana", "http://127.0.0.1:1", timeout=1)
    try:
        assert isinstance(source, SolanaRpcSource)
    finally:
        source.close()


def test_balances_decimals_and_the_observed_block(node: tuple[SolanaState, SolanaRpcSource]) -> None:
    state, source = node
    assert source.check_block(_pin(900)) == NOW - 400
    observed = source.latest_block(max_lag=60)
    assert (observed.chain, observed.height, observed.time) == ("solana", 1000, NOW - 10)
    assert observed.hash == bytes(base58.decode(_hash58(1000))).hex()
    assert source.native_balance_latest(WALLET) == 5_000_000_000
    assert source.token_balance_latest(USDC, WALLET) == 1_750_000
    assert source.token_balance_latest(USDT, WALLET) == 7_000_000
    assert source.token_decimals_latest(USDC) == 6
    assert source.last_context_slot == 1000
    # every read asked for finalized state no older than the observed slot
    reads = [r for r in state.requests if r["method"] in ("getBalance", "getTokenAccountsByOwner", "getAccountInfo")]
    assert reads and all(r["params"][-1]["commitment"] == "finalized" for r in reads)
    assert all(r["params"][-1]["minContextSlot"] == 1000 for r in reads)
    assert [r["method"] for r in state.requests].count("getGenesisHash") == 1


def test_a_node_of_another_cluster_is_refused() -> None:
    state = _state()
    state.genesis = DEVNET_GENESIS
    with solana_node(state) as server, SolanaRpcSourceCtx(server.url) as source:
        for call in (lambda: source.latest_block(max_lag=60), lambda: source.native_balance_latest(WALLET)):
            with pytest.raises(FetchError) as info:
                call()
            assert info.value.code == "wrong-chain"
        assert {r["method"] for r in state.requests} == {"getGenesisHash"}


class SolanaRpcSourceCtx:
    def __init__(self, url: str, clock: float = NOW) -> None:
        self.source = SolanaRpcSource("solana", url, timeout=5, clock=lambda: clock)

    def __enter__(self) -> SolanaRpcSource:
        return self.source

    def __exit__(self, *exc: object) -> None:
        self.source.close()


def test_a_stale_latest_slot_is_refused(node: tuple[SolanaState, SolanaRpcSource]) -> None:
    state, source = node
    state.finalized_slot = 900  # its block is 400 s old
    with pytest.raises(VerificationError) as info:
        source.latest_block(max_lag=300)
    assert info.value.code == "stale-node"
    assert source.latest_block(max_lag=600).height == 900


def test_a_block_from_the_future_is_refused(node: tuple[SolanaState, SolanaRpcSource]) -> None:
    state, source = node
    state.blocks[1000] = Block(_hash58(1000), NOW + 3600, 999)
    with pytest.raises(VerificationError) as info:
        source.latest_block(max_lag=60)
    assert info.value.code == "future-block"


def test_a_read_from_before_the_observed_slot_is_refused(node: tuple[SolanaState, SolanaRpcSource]) -> None:
    state, source = node
    source.latest_block(max_lag=60)
    state.context_slot = 999  # a node behind (another backend of a load balancer), ignoring minContextSlot
    for call in (
        lambda: source.native_balance_latest(WALLET),
        lambda: source.token_balance_latest(USDC, WALLET),
        lambda: source.token_decimals_latest(USDC),
    ):
        with pytest.raises(VerificationError) as info:
            call()
        assert info.value.code == "stale-read"


def test_the_pinned_block_is_checked(node: tuple[SolanaState, SolanaRpcSource]) -> None:
    _, source = node
    with pytest.raises(VerificationError) as info:
        source.check_block(BlockPin("solana", 900, "ab" * 32))
    assert info.value.code == "block-mismatch"
    with pytest.raises(VerificationError) as info:
        source.check_block(_pin(950))  # a skipped slot: the node answers -32007
    assert info.value.code == "block-missing"


def _tamper(state: SolanaState, change: Any) -> None:
    """Answer getTokenAccountsByOwner honestly, then let ``change`` alter the list (a lying node)."""

    def override(method: str, params: list[Any]) -> Any:
        if method != "getTokenAccountsByOwner":
            return None
        state.override = None
        try:
            honest = answer(state, method, params)
        finally:
            state.override = override
        change(honest["value"])
        return honest

    state.override = override


def test_a_token_account_of_someone_else_is_not_counted(node: tuple[SolanaState, SolanaRpcSource]) -> None:
    state, source = node
    stranger = answer(state, "getTokenAccountsByOwner", [STRANGER, {"mint": USDC.text}])["value"]
    _tamper(state, lambda accounts: accounts.extend(stranger))
    with pytest.raises(VerificationError) as info:
        source.token_balance_latest(USDC, WALLET)
    assert info.value.code == "token-owner"
    assert info.value.evidence["owner"] == STRANGER


def test_a_token_account_of_another_mint_is_not_counted(node: tuple[SolanaState, SolanaRpcSource]) -> None:
    state, source = node
    usdt = answer(state, "getTokenAccountsByOwner", [WALLET.text, {"mint": USDT.text}])["value"]
    _tamper(state, lambda accounts: accounts.extend(usdt))
    with pytest.raises(VerificationError) as info:
        source.token_balance_latest(USDC, WALLET)
    assert info.value.code == "token-mint"


def test_a_token_account_under_another_program_is_not_counted(node: tuple[SolanaState, SolanaRpcSource]) -> None:
    state, source = node
    state.token_accounts.append(TokenAccount(_key(5), WALLET.text, USDC.text, 10**12, program=TOKEN_2022_PROGRAM))
    with pytest.raises(VerificationError) as info:
        source.token_balance_latest(USDC, WALLET)
    assert info.value.code == "token-program"


def test_a_token_account_listed_twice_is_not_counted_twice(node: tuple[SolanaState, SolanaRpcSource]) -> None:
    state, source = node
    _tamper(state, lambda accounts: accounts.append(accounts[0]))
    with pytest.raises(VerificationError) as info:
        source.token_balance_latest(USDC, WALLET)
    assert info.value.code == "token-account"


def test_a_frozen_token_account_is_not_counted(node: tuple[SolanaState, SolanaRpcSource]) -> None:
    state, source = node
    state.token_accounts[0].state = "frozen"
    assert source.token_balance_latest(USDC, WALLET) == 250_000


@pytest.mark.parametrize(
    "amount",
    ["01", "-1", "1.0", "1e6", " 1", "18446744073709551616", 1_500_000, None],
)
def test_a_token_amount_that_is_not_a_canonical_u64_string_is_refused(
    node: tuple[SolanaState, SolanaRpcSource], amount: object
) -> None:
    state, source = node

    def change(accounts: list[Any]) -> None:
        accounts[0]["account"]["data"]["parsed"]["info"]["tokenAmount"]["amount"] = amount

    _tamper(state, change)
    with pytest.raises(FetchError) as info:
        source.token_balance_latest(USDC, WALLET)
    assert info.value.code == "bad-response"


def test_the_float_ui_amount_is_never_read(node: tuple[SolanaState, SolanaRpcSource]) -> None:
    state, source = node

    def change(accounts: list[Any]) -> None:
        for account in accounts:
            account["account"]["data"]["parsed"]["info"]["tokenAmount"]["uiAmount"] = 1e300

    _tamper(state, change)
    assert source.token_balance_latest(USDC, WALLET) == 1_750_000


def test_a_token_2022_mint_or_a_missing_mint_has_no_decimals(node: tuple[SolanaState, SolanaRpcSource]) -> None:
    state, source = node
    state.mints[USDC.text] = (6, TOKEN_2022_PROGRAM)
    with pytest.raises(VerificationError) as info:
        source.token_decimals_latest(USDC)
    assert info.value.code == "token-program"
    with pytest.raises(VerificationError) as info:
        source.token_decimals_latest(normalize_address(SOL, _key(77)))
    assert info.value.code == "token-contract"


@pytest.mark.parametrize(
    ("method", "result"),
    [
        ("getBalance", {"context": {"slot": 1000}, "value": "5000000000"}),
        ("getBalance", {"context": {"slot": 1000}, "value": -1}),
        ("getBalance", {"context": {"slot": 1000}, "value": 5e9}),
        ("getBalance", {"value": 5}),
        ("getBalance", 5),
        ("getSlot", "1000"),
        ("getSlot", -5),
        ("getBlock", {"blockhash": "0" * 44, "blockTime": NOW}),
        ("getBlock", {"blockhash": _hash58(1000), "blockTime": None}),
        ("getBlock", {"blockhash": _hash58(1000), "blockTime": "1"}),
        ("getBlock", ["not", "a", "block"]),
        ("getGenesisHash", 42),
    ],
)
def test_malformed_answers_fail_cleanly(method: str, result: Any) -> None:
    state = _state()
    state.override = lambda m, params: result if m == method else None
    with solana_node(state) as server, SolanaRpcSourceCtx(server.url) as source:
        with pytest.raises(FetchError) as info:
            source.latest_block(max_lag=60)
            source.native_balance_latest(WALLET)
        assert info.value.code == "bad-response"


def test_a_huge_answer_is_cut_off() -> None:
    def huge(handler: NodeHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.end_headers()
        handler.raw(b'{"jsonrpc":"2.0","id":1,"result":"')
        handler.stream(300 * MIB, b"a" * 65536)

    with node_server(huge) as server, SolanaRpcSourceCtx(server.url) as source:
        with pytest.raises(FetchError) as info:
            source.latest_block(max_lag=60)
        assert info.value.code == "too-large"
        assert server.seen.bytes_sent < 300 * MIB


def test_a_slow_answer_is_cut_off_at_the_deadline() -> None:
    def slow(handler: NodeHandler) -> None:
        handler.trickle(b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"jsonrpc":"2.0"', every=0.05)

    with node_server(slow) as server:
        source = SolanaRpcSource("solana", server.url, timeout=0.5, clock=lambda: NOW)
        started = time.monotonic()
        try:
            with pytest.raises(FetchError) as info:
                source.latest_block(max_lag=60)
        finally:
            source.close()
        assert info.value.code == "timeout"
        assert time.monotonic() - started < 5


def test_the_wallet_s_reads_name_the_node_by_host_only() -> None:
    state = _state()
    with solana_node(state) as server:
        url = server.url.replace("http://", "http://user:secret@") + "/?api-key=hidden"
        source = SolanaRpcSource("solana", url, timeout=5, clock=lambda: NOW)
        try:
            assert "secret" not in source.description and "hidden" not in source.description
            state.genesis = DEVNET_GENESIS
            with pytest.raises(FetchError) as info:
                source.latest_block(max_lag=60)
            assert "secret" not in str(info.value) and "hidden" not in json.dumps(info.value.evidence)
        finally:
            source.close()


def test_signature_from_the_oracle_key_matches_its_signature_type() -> None:
    sig = Signature.from_string(sign_solana_offchain(SEED, CHALLENGE))
    assert sig.verify(Keypair.from_seed(SEED).pubkey(), offchain_message_bytes(CHALLENGE))


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def test_the_requests_are_the_ones_solders_builds(node: tuple[SolanaState, SolanaRpcSource]) -> None:
    """The oracle (solders' request types, the Rust client's shapes) builds the same params we send."""
    from solders.account_decoder import UiAccountEncoding
    from solders.commitment_config import CommitmentLevel
    from solders.rpc import requests
    from solders.rpc.config import RpcAccountInfoConfig, RpcBlockConfig, RpcContextConfig, RpcTokenAccountsFilterMint
    from solders.transaction_status import TransactionDetails, UiTransactionEncoding

    state, source = node
    source.latest_block(max_lag=60)
    source.native_balance_latest(WALLET)
    source.token_balance_latest(USDC, WALLET)
    source.token_decimals_latest(USDC)
    finalized = CommitmentLevel.Finalized
    wallet, mint = Pubkey.from_string(WALLET.text), Pubkey.from_string(USDC.text)
    parsed = RpcAccountInfoConfig(encoding=UiAccountEncoding.JsonParsed, commitment=finalized, min_context_slot=1000)
    block = RpcBlockConfig(
        encoding=UiTransactionEncoding.Json,
        transaction_details=TransactionDetails.None_,
        rewards=False,
        max_supported_transaction_version=0,
        commitment=finalized,
    )
    expected = [
        requests.GetGenesisHash(),
        requests.GetSlot(RpcContextConfig(commitment=finalized)),
        requests.GetBlock(1000, block),
        requests.GetBalance(wallet, RpcContextConfig(commitment=finalized, min_context_slot=1000)),
        requests.GetTokenAccountsByOwner(wallet, RpcTokenAccountsFilterMint(mint), parsed),
        requests.GetAccountInfo(mint, parsed),
    ]
    assert len(state.requests) == len(expected)
    assert {r["method"] for r in state.requests} <= READ_METHODS  # each is retried as a read
    for sent, oracle in zip(state.requests, expected, strict=True):
        built = json.loads(oracle.to_json())
        assert sent["method"] == built["method"]
        assert sent["params"] == _without_nulls(built.get("params", []))


def test_a_null_block_is_missing(node: tuple[SolanaState, SolanaRpcSource]) -> None:
    state, source = node
    state.override = lambda method, params: NULL if method == "getBlock" else None
    with pytest.raises(VerificationError) as info:
        source.check_block(_pin(900))
    assert info.value.code == "block-missing"
    with pytest.raises(VerificationError) as info:
        source.latest_block(max_lag=60)
    assert info.value.code == "block-missing"


def test_token_account_decimals_must_be_the_mints(node: tuple[SolanaState, SolanaRpcSource]) -> None:
    state, source = node
    assert source.token_decimals_latest(USDC) == 6
    state.token_accounts[0].decimals = 9
    with pytest.raises(VerificationError) as info:
        source.token_balance_latest(USDC, WALLET)
    assert info.value.code == "token-account"


def test_the_real_challenge_is_limited_utf8_and_round_trips() -> None:
    from solvent.reserves.challenge import challenge_message

    address, _ = solana_keypair(SEED)
    message = challenge_message("Demo Exchange", "2026-11-23", _pin(1000), address, signing_key="ab" * 32)
    data = offchain_message_bytes(message)
    assert "\n" in message and len(message.encode()) <= MAX_LEN_LEDGER
    assert data[17] == 1  # its line feeds make it limited UTF-8, as the CLI encodes it
    signature = str(Keypair.from_seed(SEED).sign_message(data))
    verify_solana_offchain(address, message, signature)
    with pytest.raises(BadSignature):  # a copy with a trailing newline is another message
        verify_solana_offchain(address, message + "\n", signature)
