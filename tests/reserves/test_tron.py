"""Tron: addresses, TIP-191 ownership signatures (V1 and V2) and the node's HTTP API at its latest block.

Signatures are made with real random keys by our signer and by two independent
libraries used as oracles: tronpy (which implements TIP-191 V2 itself: ``hash_message``,
``sign_msg``) and eth-account (EIP-191 with Tron's prefix put in, for V1 and V2), plus
TronWeb's own published test vector.  The node is solvent/demo/simnodes/tron.py, a
loopback server speaking java-tron's request and answer shapes; no Tron node can be
installed here.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from eth_account import Account
from eth_account.messages import SignableMessage
from tronpy.keys import PrivateKey as TronpyKey
from tronpy.keys import Signature as TronpySignature
from tronpy.keys import hash_message as tronpy_hash_message
from tronpy.keys import to_base58check_address

from solvent.demo.signers_tron import sign_tip191, tron_address_of
from solvent.demo.simnodes.tron import NILE_GENESIS, Token, TronState, reply
from solvent.demo.simnodes.tron import tron_node as simulated_tron_node
from solvent.protocol.errors import BadSignature, FetchError, FormatError, VerificationError
from solvent.reserves.chains import CHAINS, Address, normalize_address, tron_address
from solvent.reserves.ecdsa import SECP256K1_N
from solvent.reserves.pinned_block import BlockPin, ObservedBlock
from solvent.reserves.sources.base import open_source
from solvent.reserves.sources.http import MAX_RESPONSE_BYTES, HttpClient
from solvent.reserves.sources.tron import TRON_MAINNET_GENESIS, TronHttpSource
from solvent.reserves.tron_sig import TIP191_V1, TIP191_V2, tip191_digest, verify_tip191
from tests.reserves.hostile_server import MIB, Node, NodeHandler, node_server
from tests.reserves.test_hostile_nodes import DEADLINE, SLACK, assert_redacted, secret_url

TRON = CHAINS["tron"]
MESSAGE = "solvent reserves challenge\nexchange: Example\nsnapshot: 2026-12-04\nnonce: 5f2a"
#: Tether's USDT contract on Tron's mainnet, and an impostor with the same symbol and decimals.
USDT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"
NOW = 1_800_000_000


@contextmanager
def tron_node(state: TronState) -> Iterator[Node]:
    """The simulated Tron node, its handler able to answer hostilely (``override`` behaviours stream or trickle)."""
    with simulated_tron_node(state, NodeHandler) as node:
        yield node


def addr(text: str) -> Address:
    return normalize_address(TRON, text)


def random_address() -> Address:
    return addr(tron_address(secrets.token_bytes(20)))


# --- addresses --------------------------------------------------------------------------------


def test_the_address_of_a_key_is_tronpys() -> None:
    secret = secrets.token_bytes(32)
    ours = tron_address_of(secret)
    assert ours.text == TronpyKey(secret).public_key.to_base58check_address()
    assert ours.text.startswith("T") and len(ours.text) == 34 and ours.kind == "tron"
    assert to_base58check_address(ours.text) == ours.text


def test_the_real_usdt_contract_address_is_valid() -> None:
    assert addr(USDT).key.hex() == "a614f803b6fd780986a42c78ec9c7f77e6ded13c"


@pytest.mark.parametrize(
    "bad",
    [
        USDT[:-1] + ("u" if USDT[-1] != "u" else "v"),  # checksum
        "41a614f803b6fd780986a42c78ec9c7f77e6ded13c",  # hex form
        "0xa614f803b6fd780986a42c78ec9c7f77e6ded13c",  # EVM form
        " " + USDT,
        USDT + "\n",
        USDT.lower(),
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2",  # a Bitcoin address: valid base58check, version 0x00
        "",
    ],
)
def test_a_malformed_tron_address_is_refused(bad: str) -> None:
    with pytest.raises(FormatError):
        addr(bad)


def test_a_non_canonical_base58_spelling_is_refused() -> None:
    # A leading "1" is one more zero byte: the checksum then covers other bytes, so the
    # decoder refuses it; the canonical re-encoding check stands behind that.
    with pytest.raises(FormatError):
        addr("1" + USDT)


# --- signatures: oracles ----------------------------------------------------------------------


def eth_account_sign(secret: bytes, header: bytes, body: bytes) -> str:
    """eth-account's EIP-191 version-0x45 signer with Tron's name: version byte 'T', header 'RON ...'."""
    signed = Account.sign_message(SignableMessage(b"T", header, body), secret)
    return "0x" + bytes(signed.signature).hex()


def eth_account_recover(header: bytes, body: bytes, signature: str) -> str:
    recovered = Account.recover_message(SignableMessage(b"T", header, body), signature=bytes.fromhex(signature[2:]))
    return tron_address(bytes.fromhex(recovered[2:]))


def test_tronwebs_own_v2_vector() -> None:
    # test/testcases/src/sign-message.ts of TronWeb 6.3.0: private key 1, "hello world".
    address = addr("TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC")
    assert tip191_digest("hello world", TIP191_V2).hex() == (
        "cf02daeb2bea196ed5692322a66ed50080ce74ff8cb711199f1b04f3c13bc10d"
    )
    signature = (
        "0x0dc0b53d525e0103a6013061cf18e60cf158809149f2b8994a545af65a7004cb"
        "1eeaff560e801ab51b28df5d42549aa024c2aa7e9d34de1e01294b9afb5e6c7e1c"
    )
    verify_tip191(address, "hello world", signature, TIP191_V2)
    assert sign_tip191((1).to_bytes(32, "big"), "hello world", TIP191_V2) == signature  # RFC 6979, as ethers
    with pytest.raises(BadSignature):
        verify_tip191(address, "hello world", signature, TIP191_V1)


@pytest.mark.parametrize("message", [MESSAGE, "", "x" * 32, "naïve ünïcode ✓ " * 20])
def test_v2_agrees_with_tronpy(message: str) -> None:
    secret = secrets.token_bytes(32)
    address = tron_address_of(secret)
    assert tip191_digest(message, TIP191_V2) == tronpy_hash_message(message.encode())
    # tronpy's signature (v = 0/1, no 0x) verifies once written as TronWeb writes it
    theirs = TronpyKey(secret).sign_msg(message.encode()).hex()
    verify_tip191(address, message, "0x" + theirs, TIP191_V2)
    # and ours recovers to the same address in tronpy
    ours = sign_tip191(secret, message, TIP191_V2)
    recovered = TronpySignature(bytes.fromhex(ours[2:])).recover_public_key_from_msg(message.encode())
    assert recovered.to_base58check_address() == address.text
    verify_tip191(address, message, ours, TIP191_V2)


def test_v2_agrees_with_eth_account_under_tron_prefix() -> None:
    secret = secrets.token_bytes(32)
    address = tron_address_of(secret)
    body = MESSAGE.encode()
    header = b"RON Signed Message:\n" + str(len(body)).encode()
    verify_tip191(address, MESSAGE, eth_account_sign(secret, header, body), TIP191_V2)
    assert eth_account_recover(header, body, sign_tip191(secret, MESSAGE, TIP191_V2)) == address.text


def test_v1_agrees_with_eth_account_under_the_fixed_32_header() -> None:
    # TronWeb's trx.sign(hex): keccak256("\x19TRON Signed Message:\n32" || bytes of the hex), any length.
    secret = secrets.token_bytes(32)
    address = tron_address_of(secret)
    body = MESSAGE.encode()
    header = b"RON Signed Message:\n32"
    theirs = eth_account_sign(secret, header, body)
    verify_tip191(address, MESSAGE, theirs, TIP191_V1)
    ours = sign_tip191(secret, MESSAGE, TIP191_V1)
    assert eth_account_recover(header, body, ours) == address.text
    verify_tip191(address, MESSAGE, ours, TIP191_V1)


def test_one_version_does_not_verify_as_the_other() -> None:
    secret = secrets.token_bytes(32)
    address = tron_address_of(secret)
    for signed, other in ((TIP191_V1, TIP191_V2), (TIP191_V2, TIP191_V1)):
        with pytest.raises(BadSignature):
            verify_tip191(address, MESSAGE, sign_tip191(secret, MESSAGE, signed), other)


def test_a_message_that_is_not_text_is_refused() -> None:
    secret = secrets.token_bytes(32)
    with pytest.raises(BadSignature):
        verify_tip191(tron_address_of(secret), MESSAGE.encode(), sign_tip191(secret, MESSAGE, TIP191_V2), TIP191_V2)  # type: ignore[arg-type]


def test_an_unknown_version_is_refused() -> None:
    secret = secrets.token_bytes(32)
    with pytest.raises(BadSignature) as e:
        verify_tip191(tron_address_of(secret), MESSAGE, sign_tip191(secret, MESSAGE, TIP191_V2), "eip191")
    assert e.value.code == "signature-version"


# --- signatures: attacks ----------------------------------------------------------------------


@pytest.mark.parametrize("version", [TIP191_V1, TIP191_V2])
def test_another_key_or_message_fails(version: str) -> None:
    secret, other = secrets.token_bytes(32), secrets.token_bytes(32)
    address = tron_address_of(secret)
    with pytest.raises(BadSignature) as e:
        verify_tip191(address, MESSAGE, sign_tip191(other, MESSAGE, version), version)
    assert tron_address_of(other).text in json.dumps(e.value.evidence)
    with pytest.raises(BadSignature):
        verify_tip191(address, MESSAGE + " ", sign_tip191(secret, MESSAGE, version), version)


def test_a_non_tron_address_is_refused() -> None:
    secret = secrets.token_bytes(32)
    evm = normalize_address(CHAINS["ethereum"], "0x" + tron_address_of(secret).key.hex())
    with pytest.raises(BadSignature):
        verify_tip191(evm, MESSAGE, sign_tip191(secret, MESSAGE, TIP191_V2), TIP191_V2)


def split(signature: str) -> tuple[int, int, int]:
    raw = bytes.fromhex(signature[2:])
    return int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), raw[64]


def join(r: int, s: int, v: int) -> str:
    return "0x" + (r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])).hex()


@pytest.mark.parametrize("version", [TIP191_V1, TIP191_V2])
def test_every_v_form_is_the_same_signature(version: str) -> None:
    secret = secrets.token_bytes(32)
    address = tron_address_of(secret)
    r, s, v = split(sign_tip191(secret, MESSAGE, version))
    assert v in (27, 28)
    verify_tip191(address, MESSAGE, join(r, s, v), version)
    verify_tip191(address, MESSAGE, join(r, s, v - 27), version)  # 0/1, as tronpy writes it
    with pytest.raises(BadSignature):  # the other recovery id is another key
        verify_tip191(address, MESSAGE, join(r, s, 55 - v), version)


@pytest.mark.parametrize("version", [TIP191_V1, TIP191_V2])
def test_a_high_s_signature_is_refused(version: str) -> None:
    secret = secrets.token_bytes(32)
    address = tron_address_of(secret)
    r, s, v = split(sign_tip191(secret, MESSAGE, version))
    malleated = join(r, SECP256K1_N - s, 55 - v)  # the same key's other valid signature
    with pytest.raises(BadSignature) as e:
        verify_tip191(address, MESSAGE, malleated, version)
    assert e.value.code == "high-s"


@pytest.mark.parametrize("v", [2, 3, 26, 29, 35, 37, 255])
def test_a_bad_v_is_refused(v: int) -> None:
    secret = secrets.token_bytes(32)
    r, s, _ = split(sign_tip191(secret, MESSAGE, TIP191_V2))
    with pytest.raises(BadSignature) as e:
        verify_tip191(tron_address_of(secret), MESSAGE, join(r, s, v), TIP191_V2)
    assert e.value.code == "signature-v"


def other_encodings(signature: str) -> list[object]:
    raw = bytes.fromhex(signature[2:])
    return [
        signature[2:],  # no 0x (tronpy's hex())
        "0x" + signature[2:].upper(),
        "0X" + signature[2:],
        base64.b64encode(raw).decode(),
        signature + "00",
        signature[:-2],
        " " + signature,
        signature + "\n",
        raw,
        None,
    ]


@pytest.mark.parametrize("index", range(10))
def test_other_encodings_of_a_good_signature_are_refused(index: int) -> None:
    secret = secrets.token_bytes(32)
    good = sign_tip191(secret, MESSAGE, TIP191_V2)
    verify_tip191(tron_address_of(secret), MESSAGE, good, TIP191_V2)
    with pytest.raises(BadSignature) as e:
        verify_tip191(tron_address_of(secret), MESSAGE, other_encodings(good)[index], TIP191_V2)  # type: ignore[arg-type]
    assert e.value.code == "signature-encoding"


def test_r_or_s_out_of_range_is_refused() -> None:
    secret = secrets.token_bytes(32)
    r, s, v = split(sign_tip191(secret, MESSAGE, TIP191_V2))
    for bad in (join(0, s, v), join(r, 0, v), join(SECP256K1_N, s, v)):
        with pytest.raises(BadSignature):
            verify_tip191(tron_address_of(secret), MESSAGE, bad, TIP191_V2)


# --- the node ---------------------------------------------------------------------------------


def chain_state(now: int = NOW, lag: int = 60) -> TronState:
    """Mainnet's genesis, a pinned block and a latest solidified block ``lag`` seconds before ``now``."""
    state = TronState()
    state.add_block(0, 0)
    state.add_block(70_000_000, now - 3600)
    state.add_block(70_001_000, now - lag)
    return state


def source(url: str, **kw: object) -> TronHttpSource:
    kw.setdefault("clock", lambda: float(NOW))
    kw.setdefault("timeout", 5.0)
    return TronHttpSource("tron", secret_url(url), **kw)  # type: ignore[arg-type]


def paths(seen: list[dict[str, object]]) -> list[object]:
    return [r["path"] for r in seen]


def test_balances_decimals_and_the_latest_block_are_read() -> None:
    state = chain_state()
    holder, empty, never = random_address(), random_address(), random_address()
    state.accounts[holder.text] = 12_345_678_901
    state.accounts[empty.text] = 0  # exists: java-tron leaves balance out
    state.tokens[USDT] = Token(6, {holder.text: 5_000_000_000_000})
    with tron_node(state) as node:
        s = source(node.url)
        latest = s.latest_block(max_lag=300)
        assert latest == ObservedBlock("tron", 70_001_000, state.blocks[70_001_000].id, NOW - 60)
        assert s.native_balance_latest(holder) == 12_345_678_901
        assert s.native_balance_latest(empty) == 0
        assert s.native_balance_latest(never) == 0
        assert s.token_decimals_latest(addr(USDT)) == 6
        assert s.token_decimals_latest(addr(USDT)) == 6  # asked once
        assert s.token_balance_latest(addr(USDT), holder) == 5_000_000_000_000
        assert s.token_balance_latest(addr(USDT), empty) == 0
        s.close()
    seen = node.seen.requests
    assert paths(seen).count("/v3/PATHKEY123/walletsolidity/getblockbynum?apikey=QUERYKEY456") == 1  # genesis, once
    assert sum("triggerconstantcontract" in str(p) for p in paths(seen)) == 3
    assert all(r["method"] == "POST" for r in seen)
    balance_of = [r["json"] for r in seen if r["json"] and r["json"].get("function_selector") == "balanceOf(address)"]
    assert balance_of[0] == {
        "owner_address": holder.text,
        "contract_address": USDT,
        "function_selector": "balanceOf(address)",
        "parameter": "00" * 12 + holder.key.hex(),
        "visible": True,
    }


def test_a_token_at_another_contract_reads_its_own_balance() -> None:
    # Same symbol, same decimals, another contract: the source asks the contract it is given
    # (which one is USDT is decided by (chain, contract) elsewhere) and never mixes them up.
    state = chain_state()
    holder = random_address()
    impostor = random_address()
    state.tokens[USDT] = Token(6, {holder.text: 1_000})
    state.tokens[impostor.text] = Token(6, {holder.text: 999_000_000})
    with tron_node(state) as node:
        s = source(node.url)
        assert s.token_balance_latest(addr(USDT), holder) == 1_000
        assert s.token_balance_latest(impostor, holder) == 999_000_000
    asked = [r["json"]["contract_address"] for r in node.seen.requests if "trigger" in str(r["path"])]
    assert asked == [USDT, impostor.text]


def test_a_missing_or_reverting_contract_is_not_a_token() -> None:
    state = chain_state()
    holder = random_address()
    with tron_node(state) as node:
        s = source(node.url)
        with pytest.raises(VerificationError) as e:
            s.token_decimals_latest(random_address())
        assert e.value.code == "token-contract" and "no contract" in e.value.message
        state.override["/walletsolidity/triggerconstantcontract"] = lambda h: reply(
            h,
            {
                "result": {"result": True, "message": b"REVERT opcode executed".hex()},
                "constant_result": [""],
                "transaction": {"ret": [{"ret": "FAILED"}]},
            },
        )
        with pytest.raises(VerificationError) as e:
            s.token_balance_latest(addr(USDT), holder)
        assert e.value.code == "token-contract" and "REVERT" in e.value.message
        state.override["/walletsolidity/triggerconstantcontract"] = lambda h: reply(
            h, {"result": {"result": True}, "constant_result": [""]}
        )
        with pytest.raises(VerificationError) as e:
            s.token_balance_latest(addr(USDT), holder)
        assert e.value.code == "token-contract"


def test_a_node_of_another_tron_chain_is_refused() -> None:
    state = TronState(genesis=NILE_GENESIS)
    state.add_block(1000, NOW - 3)
    holder = random_address()
    state.accounts[holder.text] = 10**12
    with tron_node(state) as node:
        s = source(node.url)
        for call in (
            lambda: s.latest_block(max_lag=300),
            lambda: s.native_balance_latest(holder),
            lambda: s.token_decimals_latest(addr(USDT)),
            lambda: s.check_block(BlockPin("tron", 1000, state.blocks[1000].id)),
        ):
            with pytest.raises(FetchError) as e:
                call()
            assert e.value.code == "wrong-chain"
            assert NILE_GENESIS in e.value.message and TRON_MAINNET_GENESIS in e.value.message
            assert_redacted(e.value, node.url)
        assert not any("getaccount" in str(p) for p in paths(node.seen.requests))  # nothing else was asked
        # The same node is right for a source that expects that chain.
        assert source(node.url, expected_genesis=NILE_GENESIS).native_balance_latest(holder) == 10**12


def test_a_node_without_the_genesis_block_cannot_be_identified() -> None:
    state = chain_state()
    state.override["/walletsolidity/getblockbynum"] = lambda h: reply(h, {})
    with tron_node(state) as node, pytest.raises(FetchError) as e:
        source(node.url).latest_block(max_lag=300)
    assert e.value.code == "wrong-chain" and "block 0" in e.value.message


def test_a_stale_latest_block_is_refused() -> None:
    state = chain_state(lag=301)
    with tron_node(state) as node:
        s = source(node.url)
        with pytest.raises(VerificationError) as e:
            s.latest_block(max_lag=300)
        assert e.value.code == "stale-node" and "301 s old" in e.value.message
        assert_redacted(e.value, node.url)  # type: ignore[arg-type]
        assert s.latest_block(max_lag=301).time == NOW - 301  # the limit itself is allowed


def test_a_latest_block_from_the_future_is_refused() -> None:
    state = chain_state(lag=-301)
    with tron_node(state) as node, pytest.raises(VerificationError) as e:
        source(node.url).latest_block(max_lag=300)
    assert e.value.code == "clock-skew"


def test_the_clock_is_the_real_one_by_default() -> None:
    state = chain_state(now=int(time.time()), lag=9)
    with tron_node(state) as node:
        s = TronHttpSource("tron", node.url, timeout=5.0)
        assert s.latest_block(max_lag=300).height == 70_001_000


def test_the_pinned_block_is_checked_by_number_and_id() -> None:
    state = chain_state()
    pinned = state.blocks[70_000_000]
    with tron_node(state) as node:
        s = source(node.url)
        assert s.check_block(BlockPin("tron", pinned.number, pinned.id)) == NOW - 3600
        other = BlockPin("tron", pinned.number, pinned.id[:16] + "0" * 48)
        with pytest.raises(VerificationError) as e:
            s.check_block(other)
        assert e.value.code == "block-mismatch"
        with pytest.raises(VerificationError) as e:
            s.check_block(BlockPin("tron", 80_000_000, "00" * 32))
        assert e.value.code == "block-missing"


def test_open_source_opens_a_tron_source() -> None:
    with tron_node(chain_state()) as node:
        s = open_source("tron", node.url, timeout=5.0)
        assert isinstance(s, TronHttpSource)
        assert s.description == f"tron HTTP API {node.url}"
        s.close()


# --- hostile and broken nodes -----------------------------------------------------------------


def lying_account(value: object) -> Callable[[NodeHandler], None]:
    def behaviour(h: NodeHandler) -> None:
        body = h.request_json or {}
        h.send_body(200, b'{"address": "%s", "balance": %s}' % (str(body.get("address")).encode(), value))

    return behaviour


@pytest.mark.parametrize(
    "value",
    [b"1.5", b"1e6", b"100.0", b"-1", b'"1000"', b"9223372036854775808", b"true", b"null", b"[1]"],
)
def test_a_balance_that_is_not_a_json_integer_in_range_is_refused(value: bytes) -> None:
    state = chain_state()
    holder = random_address()
    state.override["/walletsolidity/getaccount"] = lying_account(value)
    with tron_node(state) as node, pytest.raises(FetchError) as e:
        source(node.url).native_balance_latest(holder)
    assert e.value.code == "bad-response", e.value.message
    assert_redacted(e.value, node.url)


def test_an_account_answer_for_another_address_is_refused() -> None:
    state = chain_state()
    other = random_address()
    state.override["/walletsolidity/getaccount"] = lambda h: reply(h, {"address": other.text, "balance": 10**15})
    with tron_node(state) as node, pytest.raises(FetchError) as e:
        source(node.url).native_balance_latest(random_address())
    assert e.value.code == "bad-response"


def test_a_java_exception_is_a_fetch_error() -> None:
    state = chain_state()
    state.override["/walletsolidity/getaccount"] = lambda h: reply(
        h, {"Error": "class java.lang.NullPointerException : null"}
    )
    with tron_node(state) as node, pytest.raises(FetchError) as e:
        source(node.url).native_balance_latest(random_address())
    assert e.value.code == "rpc-error" and "NullPointerException" in e.value.message


def constant(answer: object) -> Callable[[NodeHandler], None]:
    return lambda h: reply(h, answer)


WORD = (10**6).to_bytes(32, "big").hex()


@pytest.mark.parametrize(
    "answer",
    [
        {"result": {"result": True}, "constant_result": [WORD, WORD]},
        {"result": {"result": True}, "constant_result": [WORD.upper()]},
        {"result": {"result": True}, "constant_result": ["0x" + WORD]},
        {"result": {"result": True}, "constant_result": [WORD[:-2]]},
        {"result": {"result": True}, "constant_result": WORD},
        {"result": {"result": True}, "constant_result": [1000000]},
        {"result": {"result": True}},
        {"result": {"result": "true"}, "constant_result": [WORD]},
        {"result": {"result": 1}, "constant_result": [WORD]},
        {"result": {}, "constant_result": [WORD]},
        {"result": {"code": "OTHER_ERROR"}, "constant_result": [WORD]},
        {"constant_result": [WORD]},
        [WORD],
    ],
)
def test_a_malformed_constant_call_answer_is_refused(answer: object) -> None:
    state = chain_state()
    state.override["/walletsolidity/triggerconstantcontract"] = constant(answer)
    with tron_node(state) as node, pytest.raises(FetchError) as e:
        source(node.url).token_balance_latest(addr(USDT), random_address())
    assert e.value.code == "bad-response", e.value.message
    assert_redacted(e.value, node.url)


def test_a_decimals_above_255_is_refused() -> None:
    state = chain_state()
    state.tokens[USDT] = Token(256)
    with tron_node(state) as node, pytest.raises(VerificationError) as e:
        source(node.url).token_decimals_latest(addr(USDT))
    assert e.value.code == "token-contract"


def lying_now_block(mutate: Callable[[dict[str, object]], None]) -> Callable[[TronState], None]:
    def install(state: TronState) -> None:
        answer = state.blocks[state.now].to_json()
        mutate(answer)
        state.override["/walletsolidity/getnowblock"] = constant(answer)

    return install


def raw(answer: dict[str, object]) -> dict[str, object]:
    return answer["block_header"]["raw_data"]  # type: ignore[index,no-any-return]


BLOCK_LIES: dict[str, Callable[[dict[str, object]], None]] = {
    "id upper case": lambda a: a.update(blockID=str(a["blockID"]).upper()),
    "id with 0x": lambda a: a.update(blockID="0x" + str(a["blockID"])[2:]),
    "id short": lambda a: a.update(blockID=str(a["blockID"])[:-2]),
    "id of another number": lambda a: a.update(blockID="0" * 16 + str(a["blockID"])[16:]),
    "number as a string": lambda a: raw(a).update(number=str(raw(a)["number"])),
    "number as a float": lambda a: raw(a).update(number=float(raw(a)["number"])),  # type: ignore[arg-type]
    "negative time": lambda a: raw(a).update(timestamp=-1000),
    "time as a float": lambda a: raw(a).update(timestamp=float(raw(a)["timestamp"])),  # type: ignore[arg-type]
    "time with milliseconds": lambda a: raw(a).update(timestamp=int(raw(a)["timestamp"]) + 1),  # type: ignore[call-overload]
    "time null": lambda a: raw(a).update(timestamp=None),
    "time past year 9999": lambda a: raw(a).update(timestamp=253402300800 * 1000),
    "no header": lambda a: a.pop("block_header"),
}


@pytest.mark.parametrize("lie", sorted(BLOCK_LIES))
def test_a_malformed_latest_block_is_refused(lie: str) -> None:
    state = chain_state()
    lying_now_block(BLOCK_LIES[lie])(state)
    with tron_node(state) as node, pytest.raises(FetchError) as e:
        source(node.url).latest_block(max_lag=10**9)
    assert e.value.code == "bad-response", e.value.message


def test_no_latest_block_is_refused() -> None:
    state = chain_state()
    state.override["/walletsolidity/getnowblock"] = constant({})
    with tron_node(state) as node, pytest.raises(FetchError) as e:
        source(node.url).latest_block(max_lag=300)
    assert e.value.code == "bad-response"


def huge_with_length(h: NodeHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", str(300 * MIB))
    h.end_headers()
    h.stream(300 * MIB, b"0" * MIB)


def huge_close_delimited(h: NodeHandler) -> None:
    h.raw(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n")
    h.stream(300 * MIB, b" " * MIB)
    h.close_connection = True


@pytest.mark.parametrize("behaviour", [huge_with_length, huge_close_delimited])
def test_a_huge_answer_is_cut_off(behaviour: Callable[[NodeHandler], None]) -> None:
    state = chain_state()
    state.override["/walletsolidity/getaccount"] = behaviour
    with tron_node(state) as node, pytest.raises(FetchError) as e:
        source(node.url, timeout=30.0).native_balance_latest(random_address())
    assert e.value.code == "too-large"
    assert_redacted(e.value, node.url)
    assert node.seen.bytes_sent < MAX_RESPONSE_BYTES + 100 * MIB


def trickle(h: NodeHandler) -> None:
    h.raw(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n")
    h.trickle(b'{"address": "T", "balance": 1')


def test_a_trickling_node_is_cut_off_at_the_deadline() -> None:
    state = chain_state()
    state.override["/walletsolidity/getaccount"] = trickle
    with tron_node(state) as node:
        s = source(node.url, timeout=DEADLINE)
        s.check_genesis()  # a call of its own, with its own deadline
        start = time.monotonic()
        with pytest.raises(FetchError) as e:
            s.native_balance_latest(random_address())
        elapsed = time.monotonic() - start
    assert e.value.code == "timeout"
    assert DEADLINE * 0.9 <= elapsed < DEADLINE + SLACK, elapsed
    assert_redacted(e.value, node.url)


# --- post_json: retries for the read paths only -----------------------------------------------


def busy_then(state: TronState, path: str, times: int) -> None:
    left = [times]

    def behaviour(h: NodeHandler) -> None:
        if left[0]:
            left[0] -= 1
            h.send_body(503, b"busy")
        else:
            del state.override[path]
            reply(h, {})

    state.override[path] = behaviour


def test_a_read_path_is_retried_when_the_node_is_busy() -> None:
    state = chain_state()
    busy_then(state, "/walletsolidity/getaccount", 2)
    with tron_node(state) as node:
        assert source(node.url).native_balance_latest(random_address()) == 0
    assert sum("getaccount" in str(p) for p in paths(node.seen.requests)) == 3


def test_a_path_that_is_not_a_read_is_sent_once() -> None:
    with node_server(lambda h: h.send_body(503, b"busy")) as node, HttpClient(node.url, timeout=5.0) as c:
        with pytest.raises(FetchError) as e:
            c.post_json("/wallet/broadcasttransaction", {"raw_data_hex": "00"}, "broadcasttransaction")
        assert e.value.code == "http-status"
    assert len(node.seen.requests) == 1


# --- control: the account's owner permission ----------------------------------------------------


def permission(threshold: object, *keys: tuple[str, object]) -> dict[str, object]:
    return {"permission_name": "owner", "threshold": threshold, "keys": [{"address": a, "weight": w} for a, w in keys]}


def test_the_addresss_own_key_controls_its_account() -> None:
    state = chain_state()
    default, solo, heavy, never = random_address(), random_address(), random_address(), random_address()
    for a in (default, solo, heavy):
        state.accounts[a.text] = 10**9
    state.owner_permission[solo.text] = permission(1, (solo.text, 1))  # what java-tron gives a new account
    state.owner_permission[heavy.text] = permission(2, (heavy.text, 2), (random_address().text, 1))
    with tron_node(state) as node:
        s = source(node.url)
        for a in (default, solo, heavy, never):
            s.check_key_control(a)


def test_an_account_controlled_by_other_keys_is_refused() -> None:
    # The key that derived the address signs, but another party's keys own the account: it
    # could lend that key to an exchange and keep the funds.
    state = chain_state()
    moved, multisig = random_address(), random_address()
    lender = random_address()
    state.accounts[moved.text] = state.accounts[multisig.text] = 10**12
    state.owner_permission[moved.text] = permission(1, (lender.text, 1))
    state.owner_permission[multisig.text] = permission(2, (multisig.text, 1), (lender.text, 1))
    with tron_node(state) as node:
        s = source(node.url)
        for a, own in ((moved, 0), (multisig, 1)):
            with pytest.raises(VerificationError) as e:
                s.check_key_control(a)
            assert e.value.code == "permission-moved"
            assert str(e.value.evidence["own_weight"]) == str(own) and lender.text in e.value.evidence["owner_keys"]
            assert_redacted(e.value, node.url)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "owner",
    [
        "owner",
        {"threshold": 1},
        {"threshold": 1, "keys": []},
        {"threshold": 1.0, "keys": [{"address": "A", "weight": 1}]},
        {"threshold": "1", "keys": [{"address": "A", "weight": 1}]},
        {"keys": [{"address": "A", "weight": 1}]},
        {"threshold": 1, "keys": [{"address": "A", "weight": -1}]},
        {"threshold": 1, "keys": [{"address": "A"}]},
        {"threshold": 1, "keys": [{"weight": 1}]},
        {"threshold": 1, "keys": ["A"]},
    ],
)
def test_a_malformed_owner_permission_is_refused(owner: object) -> None:
    state = chain_state()
    holder = random_address()
    state.accounts[holder.text] = 1

    def behaviour(h: NodeHandler) -> None:
        text = json.dumps(owner).replace('"A"', json.dumps(holder.text))
        h.send_body(200, b'{"address": "%s", "owner_permission": %s}' % (holder.text.encode(), text.encode()))

    state.override["/walletsolidity/getaccount"] = behaviour
    with tron_node(state) as node, pytest.raises(FetchError) as e:
        source(node.url).check_key_control(holder)
    assert e.value.code == "bad-response", e.value.message
