"""Contract-wallet ownership without a node: hostile ABI answers, real signatures (threat R9).

The node is a test double behind the real :class:`EvmRpcSource` (so the hex checks run too);
the answers a real Safe gives are made with eth-abi and the signatures with eth-account,
both test oracles.  The real contracts on a real node: test_safe_anvil.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_defunct

from solvent.protocol.errors import BadSignature, FetchError, FormatError, VerificationError
from solvent.reserves.chains import CHAINS, eip55, normalize_address
from solvent.reserves.contract_wallets import (
    MAX_SAFE_OWNERS,
    OwnerSignature,
    SafeState,
    read_safe_state,
    verify_erc1271,
    verify_safe_signatures,
)
from solvent.reserves.ecdsa import SECP256K1_N
from solvent.reserves.pinned_block import BlockPin
from solvent.reserves.sources.evm import EvmRpcSource, selector

ETH = CHAINS["ethereum"]
PIN = BlockPin("ethereum", 500, "cd" * 32)
SAFE = normalize_address(ETH, "0x" + "5a" * 20)
MESSAGE = "solvent proof of reserves: ownership challenge v1\nexchange: Example\nblock: 500"
GET_OWNERS = "0x" + selector("getOwners()").hex()
GET_THRESHOLD = "0x" + selector("getThreshold()").hex()
IS_VALID = "0x" + selector("isValidSignature(bytes32,bytes)").hex()
MAGIC_WORD = bytes.fromhex("1626ba7e") + b"\0" * 28
REVERT = object()  # an answer that is a revert


def _hex(raw: bytes) -> str:
    return "0x" + raw.hex()


class ContractNode:
    """Answers eth_getCode and eth_call with the bytes a test sets; records the calls."""

    name = "contract node"

    def __init__(self) -> None:
        self.code: str = "0x6080"
        self.answers: dict[str, object] = {}
        self.calls: list[tuple[str, Any]] = []

    def rpc(self, method: str, params: list[Any]) -> Any:
        self.calls.append((method, params))
        if method == "eth_chainId":
            return hex(1)
        assert params[-1] == {"blockHash": "0x" + PIN.hash}  # every read names the pinned block by hash
        if method == "eth_getCode":
            return self.code
        assert method == "eth_call", method
        answer = self.answers[params[0]["data"][:10]]
        if answer is REVERT:
            raise FetchError(
                "contract node: eth_call failed: execution reverted",
                code="rpc-error",
                evidence={"error": str({"code": 3, "message": "execution reverted", "data": "0x"})},
            )
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def node() -> Iterator[tuple[EvmRpcSource, ContractNode]]:
    source = EvmRpcSource("ethereum", "http://127.0.0.1:9")  # nothing listens: every call goes to the double
    real, double = source._http, ContractNode()
    source._http = double  # type: ignore[assignment]
    try:
        yield source, double
    finally:
        real.close()


@pytest.fixture(scope="module")
def owners() -> list[Any]:
    return [Account.create() for _ in range(3)]


def _owners_answer(addresses: list[str]) -> str:
    return _hex(abi_encode(["address[]"], [addresses]))


def _safe(node: ContractNode, addresses: list[str], threshold: int) -> None:
    node.answers = {GET_OWNERS: _owners_answer(addresses), GET_THRESHOLD: _hex(abi_encode(["uint256"], [threshold]))}


def _sign(account: Any, message: str = MESSAGE) -> str:
    return _hex(bytes(Account.sign_message(encode_defunct(text=message), account.key).signature))


def _state(accounts: list[Any], threshold: int) -> SafeState:
    return SafeState(tuple(normalize_address(ETH, a.address) for a in accounts), threshold)


# -- reading a Safe's owners and threshold ------------------------------------------------------------


def test_a_safes_state_is_read_at_the_pinned_block(node, owners) -> None:
    source, double = node
    _safe(double, [a.address for a in owners], 2)
    state = read_safe_state(source, SAFE, PIN)
    assert [o.text for o in state.owners] == [a.address for a in owners]
    assert state.threshold == 2
    assert [c[1][0]["data"] for c in double.calls if c[0] == "eth_call"] == [GET_OWNERS, GET_THRESHOLD]


def test_no_code_at_the_safe_is_refused_before_any_call(node, owners) -> None:
    source, double = node
    _safe(double, [a.address for a in owners], 2)
    double.code = "0x"
    with pytest.raises(VerificationError) as e:
        read_safe_state(source, SAFE, PIN)
    assert e.value.code == "no-contract"
    assert e.value.evidence["wallet"] == SAFE.text
    assert not [c for c in double.calls if c[0] == "eth_call"]


@pytest.mark.parametrize("which", [GET_OWNERS, GET_THRESHOLD])
def test_a_revert_names_the_wallet(node, owners, which) -> None:
    source, double = node
    _safe(double, [a.address for a in owners], 2)
    double.answers[which] = REVERT
    with pytest.raises(VerificationError) as e:
        read_safe_state(source, SAFE, PIN)
    assert e.value.code == "call-reverted"
    assert SAFE.text in e.value.message and e.value.evidence["wallet"] == SAFE.text


def _words(*values: int) -> str:
    return _hex(b"".join(v.to_bytes(32, "big") for v in values))


A1, A2 = 0x1111111111111111111111111111111111111111, 0x2222222222222222222222222222222222222222
HOSTILE_OWNERS = {
    "empty": "0x",
    "offset 64 (a non-canonical encoding)": _words(64, 0, 2, A1, A2),
    "offset beyond the data": _words(2**255, 2, A1, A2),
    "no owners": _words(32, 0),
    "more entries than data": _words(32, 3, A1, A2),
    "a trailing word": _words(32, 2, A1, A2, 0),
    "a trailing byte": _words(32, 2, A1, A2) + "00",
    "a dirty high byte": _words(32, 2, A1, A2 | (1 << 200)),
    "a count of 2^256 - 1": _words(32, 2**256 - 1, A1),
    "101 owners": _words(32, 101, *range(2, 103)),
    "a duplicate owner": _words(32, 2, A1, A1),
    "the zero address": _words(32, 2, A1, 0),
    "the sentinel": _words(32, 2, A1, 1),
    "not a multiple of 32 bytes": _words(32, 1) + "11" * 20,
}


@pytest.mark.parametrize("answer", list(HOSTILE_OWNERS.values()), ids=list(HOSTILE_OWNERS))
def test_hostile_owner_lists_are_refused(node, answer) -> None:
    source, double = node
    double.answers = {GET_OWNERS: answer, GET_THRESHOLD: _words(1)}
    with pytest.raises(VerificationError) as e:
        read_safe_state(source, SAFE, PIN)
    assert e.value.code == "safe-state"
    assert e.value.evidence["wallet"] == SAFE.text


def test_the_largest_owner_list_is_read(node) -> None:
    source, double = node
    addresses = [eip55(i.to_bytes(20, "big")) for i in range(2, 2 + MAX_SAFE_OWNERS)]
    _safe(double, addresses, MAX_SAFE_OWNERS)
    assert len(read_safe_state(source, SAFE, PIN).owners) == MAX_SAFE_OWNERS  # the bound is not off by one


HOSTILE_THRESHOLDS = {
    "zero": _words(0),
    "more than the owners": _words(3),
    "2^256 - 1": _words(2**256 - 1),
    "empty": "0x",
    "two words": _words(1, 0),
    "31 bytes": "0x" + "00" * 30 + "01",
}


@pytest.mark.parametrize("answer", list(HOSTILE_THRESHOLDS.values()), ids=list(HOSTILE_THRESHOLDS))
def test_hostile_thresholds_are_refused(node, answer) -> None:
    source, double = node
    double.answers = {GET_OWNERS: _words(32, 2, A1, A2), GET_THRESHOLD: answer}
    with pytest.raises(VerificationError) as e:
        read_safe_state(source, SAFE, PIN)
    assert e.value.code == "safe-state"


@pytest.mark.parametrize(
    "answer",
    ["0x0", "0xzz", "00" * 32, 32, None, "0x" + "00" * 70_000],
    ids=["odd digits", "not hex", "no 0x", "a number", "null", "over 64 KiB"],
)
def test_a_node_answer_that_is_not_hex_bytes_is_a_fetch_error(node, answer) -> None:
    source, double = node
    double.answers = {GET_OWNERS: answer, GET_THRESHOLD: _words(1)}
    with pytest.raises(FetchError) as e:
        read_safe_state(source, SAFE, PIN)
    assert e.value.code == "bad-response"


# -- per-owner EIP-191 signatures ---------------------------------------------------------------------


def test_two_of_three_owners_pass_and_are_returned(owners) -> None:
    signatures = [OwnerSignature(a.address, _sign(a)) for a in (owners[2], owners[0])]
    signers = verify_safe_signatures(SAFE, _state(owners, 2), MESSAGE, signatures)
    assert [s.text for s in signers] == [owners[2].address, owners[0].address]


def test_every_owner_may_sign(owners) -> None:
    signatures = [OwnerSignature(a.address, _sign(a)) for a in owners]
    assert len(verify_safe_signatures(SAFE, _state(owners, 2), MESSAGE, signatures)) == 3


def test_fewer_owners_than_the_threshold_fail(owners) -> None:
    signatures = [OwnerSignature(owners[0].address, _sign(owners[0]))]
    verify_safe_signatures(SAFE, _state(owners, 1), MESSAGE, signatures)  # control: enough for a 1-of-3
    with pytest.raises(BadSignature) as e:
        verify_safe_signatures(SAFE, _state(owners, 2), MESSAGE, signatures)
    assert e.value.code == "threshold"
    with pytest.raises(BadSignature) as e:
        verify_safe_signatures(SAFE, _state(owners, 1), MESSAGE, [])
    assert e.value.code == "threshold"


def test_one_owner_listed_twice_counts_once(owners) -> None:
    sig = OwnerSignature(owners[0].address, _sign(owners[0]))
    with pytest.raises(BadSignature) as e:
        verify_safe_signatures(SAFE, _state(owners, 2), MESSAGE, [sig, sig])
    assert e.value.code == "duplicate-key"


def test_one_owner_with_two_signature_encodings_counts_once(owners) -> None:
    legacy = _sign(owners[0])
    raw = legacy[:-2] + f"{int(legacy[-2:], 16) - 27:02x}"  # v 0/1 instead of 27/28: the same key
    signatures = [OwnerSignature(owners[0].address, legacy), OwnerSignature(owners[0].address, raw)]
    with pytest.raises(BadSignature) as e:
        verify_safe_signatures(SAFE, _state(owners, 2), MESSAGE, signatures)
    assert e.value.code == "duplicate-key"


def test_a_non_owner_fails_even_with_enough_owners(owners) -> None:
    stranger = Account.create()
    signatures = [OwnerSignature(a.address, _sign(a)) for a in (owners[0], stranger, owners[1])]
    with pytest.raises(BadSignature) as e:
        verify_safe_signatures(SAFE, _state(owners, 2), MESSAGE, signatures)
    assert e.value.code == "not-owner"
    assert e.value.evidence["owner"] == stranger.address


def test_a_signature_by_another_key_than_its_owner_fails(owners) -> None:
    signatures = [
        OwnerSignature(owners[0].address, _sign(owners[0])),
        OwnerSignature(owners[1].address, _sign(owners[2])),
    ]
    with pytest.raises(BadSignature) as e:
        verify_safe_signatures(SAFE, _state(owners, 2), MESSAGE, signatures)
    assert e.value.code == "bad-signature"


def test_one_bad_signature_fails_the_proof_even_above_the_threshold(owners) -> None:
    signatures = [OwnerSignature(a.address, _sign(a)) for a in owners[:2]]
    signatures.append(OwnerSignature(owners[2].address, _sign(owners[2], MESSAGE + " (another message)")))
    with pytest.raises(BadSignature) as e:
        verify_safe_signatures(SAFE, _state(owners, 2), MESSAGE, signatures)
    assert e.value.code == "bad-signature"


def test_a_high_s_owner_signature_fails(owners) -> None:
    good = bytes.fromhex(_sign(owners[1])[2:])
    s = int.from_bytes(good[32:64], "big")
    high = good[:32] + (SECP256K1_N - s).to_bytes(32, "big") + bytes([27 + ((good[64] - 27) ^ 1)])
    assert (
        Account.recover_message(encode_defunct(text=MESSAGE), signature=high) == owners[1].address
    )  # still valid ECDSA
    signatures = [OwnerSignature(owners[0].address, _sign(owners[0])), OwnerSignature(owners[1].address, _hex(high))]
    with pytest.raises(BadSignature) as e:
        verify_safe_signatures(SAFE, _state(owners, 2), MESSAGE, signatures)
    assert e.value.code == "high-s"


def test_an_owner_must_be_written_in_its_eip55_spelling(owners) -> None:
    signatures = [OwnerSignature(a.address, _sign(a)) for a in owners[:2]]
    signatures[1] = OwnerSignature(owners[1].address.lower(), signatures[1].signature)
    with pytest.raises(FormatError) as e:
        verify_safe_signatures(SAFE, _state(owners, 2), MESSAGE, signatures)
    assert e.value.code == "address-spelling"


@pytest.mark.parametrize("threshold", [0, 4, -1])
def test_a_recorded_state_with_an_impossible_threshold_is_refused(owners, threshold) -> None:
    signatures = [OwnerSignature(a.address, _sign(a)) for a in owners]
    with pytest.raises(VerificationError) as e:
        verify_safe_signatures(SAFE, _state(owners, threshold), MESSAGE, signatures)
    assert e.value.code == "safe-state"


def test_a_recorded_state_with_a_duplicate_owner_is_refused(owners) -> None:
    state = _state([owners[0], owners[0], owners[1]], 2)
    signatures = [OwnerSignature(a.address, _sign(a)) for a in owners[:2]]
    with pytest.raises(VerificationError) as e:
        verify_safe_signatures(SAFE, state, MESSAGE, signatures)
    assert e.value.code == "safe-state"


# -- ERC-1271 -------------------------------------------------------------------------------------------


def _erc1271(double: ContractNode, answer: object) -> None:
    double.answers = {IS_VALID: answer}


def test_erc1271_asks_the_wallet_with_the_personal_message_hash(node, owners) -> None:
    source, double = node
    signature = _sign(owners[0])
    _erc1271(double, _hex(MAGIC_WORD))
    verify_erc1271(source, SAFE, PIN, MESSAGE, signature)
    (data,) = [c[1][0]["data"] for c in double.calls if c[0] == "eth_call"]
    assert data[:10] == IS_VALID
    digest, sent = abi_decode(["bytes32", "bytes"], bytes.fromhex(data[10:]))
    assert digest == bytes(_hash_eip191_message(encode_defunct(text=MESSAGE)))
    assert sent == bytes.fromhex(signature[2:])
    # the canonical encoding, byte for byte (eth-abi as the oracle)
    assert bytes.fromhex(data[10:]) == abi_encode(["bytes32", "bytes"], [digest, sent])


HOSTILE_ERC1271 = {
    "the magic right-aligned": _hex(b"\0" * 28 + MAGIC_WORD[:4]),
    "the magic alone (4 bytes)": _hex(MAGIC_WORD[:4]),
    "the magic and a trailing word": _hex(MAGIC_WORD + b"\0" * 32),
    "the magic with dirty padding": _hex(MAGIC_WORD[:31] + b"\x01"),
    "another value": _hex(bytes.fromhex("ffffffff") + b"\0" * 28),
    "a true bool": _hex((1).to_bytes(32, "big")),
    "empty": "0x",
    "a revert": REVERT,
}


@pytest.mark.parametrize("answer", list(HOSTILE_ERC1271.values()), ids=list(HOSTILE_ERC1271))
def test_erc1271_passes_only_on_the_exact_magic_word(node, owners, answer) -> None:
    source, double = node
    _erc1271(double, answer)
    with pytest.raises(BadSignature) as e:
        verify_erc1271(source, SAFE, PIN, MESSAGE, _sign(owners[0]))
    assert e.value.code == "erc1271"
    assert e.value.evidence["wallet"] == SAFE.text


def test_erc1271_without_code_fails(node, owners) -> None:
    source, double = node
    _erc1271(double, _hex(MAGIC_WORD))
    double.code = "0x"
    with pytest.raises(BadSignature) as e:
        verify_erc1271(source, SAFE, PIN, MESSAGE, _sign(owners[0]))
    assert e.value.code == "erc1271"


def test_erc1271_node_failure_is_not_a_verdict(node, owners) -> None:
    source, double = node
    _erc1271(double, FetchError("contract node: timed out", code="timeout"))
    with pytest.raises(FetchError) as e:
        verify_erc1271(source, SAFE, PIN, MESSAGE, _sign(owners[0]))
    assert e.value.code == "timeout"


@pytest.mark.parametrize("signature", ["", "0x", "0x1", "12ab", "0xzz", "0x" + "ab" * 8193, None])
def test_erc1271_signature_encoding(node, signature) -> None:
    source, double = node
    _erc1271(double, _hex(MAGIC_WORD))
    with pytest.raises(BadSignature) as e:
        verify_erc1271(source, SAFE, PIN, MESSAGE, signature)
    assert e.value.code == "signature-encoding"
    assert not double.calls
