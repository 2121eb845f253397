"""Contract wallets on a real node: the published Safe contracts and an ERC-1271 wallet on anvil (threat R9).

The node runs with Polygon's chain id (137) and the Safe is the L2 singleton (``SafeL2``)
from the pinned ``@safe-global/safe-smart-account`` package, so the EVM source's chain-id
check and every read are those of a non-Ethereum chain.  Owners and thresholds are changed
after the pinned block by the real contract (the Safe calling itself); each test that says
"at the pinned block" also reads the latest block as a control, to show the change happened
and that the pinned read is what decided.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from solvent.demo.devchain import Anvil, DevChain
from solvent.demo.safe import (
    SafeFactory,
    change_threshold,
    deploy_erc1271_wallet,
    deploy_safe,
    deploy_safe_factory,
    safe_artifact,
    set_erc1271_owner,
    swap_owner,
)
from solvent.protocol.errors import BadSignature, VerificationError
from solvent.reserves.chains import CHAINS, ChainSpec, eip55, normalize_address
from solvent.reserves.contract_wallets import (
    OwnerSignature,
    read_safe_state,
    verify_erc1271,
    verify_safe_signatures,
)
from solvent.reserves.pinned_block import BlockPin
from solvent.reserves.sources.evm import EvmRpcSource, selector

pytestmark = pytest.mark.integration
CHAIN_ID = 137
MESSAGE = "solvent proof of reserves: ownership challenge v1\nexchange: Example\nchain: polygon"


@pytest.fixture(scope="module")
def chain() -> Iterator[ChainSpec]:
    # The polygon entry of chains.py may not exist yet on this branch: a stand-in with its chain id.
    spec = CHAINS.get("polygon") or ChainSpec("polygon", "evm", "POL", 18, evm_chain_id=CHAIN_ID)
    assert spec.evm_chain_id == CHAIN_ID
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(CHAINS, "polygon", spec)
        yield spec


@pytest.fixture(scope="module")
def node(chain: ChainSpec) -> Iterator[Anvil]:
    anvil = Anvil(chain_id=CHAIN_ID)
    try:
        yield anvil
    finally:
        anvil.stop()


@pytest.fixture(scope="module")
def factory(node: Anvil) -> SafeFactory:
    return deploy_safe_factory(node.url, l2=True)


@pytest.fixture
def source(node: Anvil) -> Iterator[EvmRpcSource]:
    src = EvmRpcSource("polygon", node.url)
    try:
        yield src
    finally:
        src.close()


def _pin(node: Anvil) -> BlockPin:
    dev = DevChain(node.url)
    try:
        return BlockPin("polygon", *dev.head())
    finally:
        dev.close()


def _key(account: Any) -> bytes:
    return bytes.fromhex(account.address[2:])


def _sign(account: Any) -> OwnerSignature:
    signature = Account.sign_message(encode_defunct(text=MESSAGE), account.key).signature
    return OwnerSignature(account.address, "0x" + bytes(signature).hex())


class Safe:
    def __init__(self, node: Anvil, factory: SafeFactory, chain: ChainSpec, owners: int, threshold: int) -> None:
        self.owners = [Account.create() for _ in range(owners)]
        raw = deploy_safe(
            node.url, [_key(a) for a in self.owners], threshold, factory=factory, salt=secrets.randbits(64)
        )
        self.address = normalize_address(chain, eip55(raw))
        self.raw = raw


def _verify(source: EvmRpcSource, safe: Safe, pin: BlockPin, signers: list[Any]) -> tuple[str, ...]:
    source.check_block(pin)
    state = read_safe_state(source, safe.address, pin)
    return tuple(a.text for a in verify_safe_signatures(safe.address, state, MESSAGE, [_sign(s) for s in signers]))


def test_the_safe_contracts_come_from_the_pinned_package() -> None:
    artifact = safe_artifact("SafeL2")
    assert artifact.compiler == "@safe-global/safe-smart-account@1.5.0"
    assert len(artifact.bytecode) > 10_000


def test_a_two_of_three_safe_passes_with_two_owners(node, factory, chain, source) -> None:
    safe = Safe(node, factory, chain, 3, 2)
    pin = _pin(node)
    state = read_safe_state(source, safe.address, pin)
    assert [o.text for o in state.owners] == [a.address for a in safe.owners]
    assert state.threshold == 2
    assert _verify(source, safe, pin, [safe.owners[0], safe.owners[2]]) == (
        safe.owners[0].address,
        safe.owners[2].address,
    )


def test_one_signature_of_a_two_of_three_safe_fails(node, factory, chain, source) -> None:
    safe = Safe(node, factory, chain, 3, 2)
    pin = _pin(node)
    with pytest.raises(BadSignature) as e:
        _verify(source, safe, pin, [safe.owners[1]])
    assert e.value.code == "threshold"


def test_the_same_owner_twice_fails(node, factory, chain, source) -> None:
    safe = Safe(node, factory, chain, 3, 2)
    pin = _pin(node)
    with pytest.raises(BadSignature) as e:
        _verify(source, safe, pin, [safe.owners[1], safe.owners[1]])
    assert e.value.code == "duplicate-key"


def test_a_non_owner_signature_fails(node, factory, chain, source) -> None:
    safe = Safe(node, factory, chain, 3, 2)
    pin = _pin(node)
    with pytest.raises(BadSignature) as e:
        _verify(source, safe, pin, [safe.owners[0], Account.create()])
    assert e.value.code == "not-owner"


def test_owners_swapped_after_the_pinned_block_neither_rescue_nor_break(node, factory, chain, source) -> None:
    safe = Safe(node, factory, chain, 3, 2)
    pin = _pin(node)
    newcomer = Account.create()
    swap_owner(node.url, safe.raw, _key(safe.owners[1]), _key(newcomer))  # the Safe's own swapOwner
    latest = _pin(node)
    # control: the swap happened (at the latest block the old owner is out, the newcomer in)
    assert _verify(source, safe, latest, [safe.owners[0], newcomer]) == (safe.owners[0].address, newcomer.address)
    with pytest.raises(BadSignature) as e:
        _verify(source, safe, latest, [safe.owners[0], safe.owners[1]])
    assert e.value.code == "not-owner"
    # at the pinned block: the old owners still prove it, the newcomer does not
    assert _verify(source, safe, pin, [safe.owners[0], safe.owners[1]]) == (
        safe.owners[0].address,
        safe.owners[1].address,
    )
    with pytest.raises(BadSignature) as e:
        _verify(source, safe, pin, [safe.owners[0], newcomer])
    assert e.value.code == "not-owner"


def test_a_threshold_raised_after_the_pinned_block_does_not_break_the_proof(node, factory, chain, source) -> None:
    safe = Safe(node, factory, chain, 3, 2)
    pin = _pin(node)
    change_threshold(node.url, safe.raw, 3)
    latest = _pin(node)
    with pytest.raises(BadSignature) as e:  # control: two owners are no longer enough now
        _verify(source, safe, latest, safe.owners[:2])
    assert e.value.code == "threshold"
    assert _verify(source, safe, pin, safe.owners[:2]) == tuple(a.address for a in safe.owners[:2])


def test_a_threshold_lowered_after_the_pinned_block_does_not_rescue_the_proof(node, factory, chain, source) -> None:
    safe = Safe(node, factory, chain, 3, 3)
    pin = _pin(node)
    change_threshold(node.url, safe.raw, 1)
    assert _verify(source, safe, _pin(node), safe.owners[:1])  # control: one is enough now
    with pytest.raises(BadSignature) as e:
        _verify(source, safe, pin, safe.owners[:1])
    assert e.value.code == "threshold"


def test_a_safe_created_after_the_pinned_block_has_no_owners_then(node, factory, chain, source) -> None:
    pin = _pin(node)
    safe = Safe(node, factory, chain, 1, 1)
    assert _verify(source, safe, _pin(node), safe.owners)  # control: it exists now
    with pytest.raises(VerificationError) as e:
        _verify(source, safe, pin, safe.owners)
    assert e.value.code == "no-contract"


def test_a_contract_that_is_not_a_safe_is_refused(node, chain, source, factory) -> None:
    # The proxy factory has code but no getOwners(): its revert (or empty answer) names the wallet.
    not_a_safe = normalize_address(chain, eip55(factory.proxy_factory))
    with pytest.raises(VerificationError) as e:
        read_safe_state(source, not_a_safe, _pin(node))
    assert e.value.code in ("call-reverted", "safe-state")
    assert e.value.evidence["wallet"] == not_a_safe.text


def test_a_revert_on_a_real_node_is_a_verification_error(node, chain, source, factory) -> None:
    safe = Safe(node, factory, chain, 1, 1)
    with pytest.raises(VerificationError) as e:  # changeThreshold from outside the Safe: GS031
        source.call(safe.address, selector("changeThreshold(uint256)") + (1).to_bytes(32, "big"), _pin(node), "x")
    assert e.value.code == "call-reverted"


# -- ERC-1271 ---------------------------------------------------------------------------------------


def _erc1271(source: EvmRpcSource, wallet: Any, pin: BlockPin, signer: Any) -> None:
    verify_erc1271(source, wallet, pin, MESSAGE, _sign(signer).signature)


def test_an_erc1271_wallet_passes_for_its_owner_only(node, chain, source) -> None:
    owner, other = Account.create(), Account.create()
    wallet = normalize_address(chain, eip55(deploy_erc1271_wallet(node.url, _key(owner))))
    pin = _pin(node)
    _erc1271(source, wallet, pin, owner)
    with pytest.raises(BadSignature) as e:
        _erc1271(source, wallet, pin, other)
    assert e.value.code == "erc1271"


def test_an_erc1271_owner_change_after_the_pinned_block_neither_rescues_nor_breaks(node, chain, source) -> None:
    owner, newcomer = Account.create(), Account.create()
    raw = deploy_erc1271_wallet(node.url, _key(owner))
    wallet = normalize_address(chain, eip55(raw))
    pin = _pin(node)
    set_erc1271_owner(node.url, raw, _key(owner), _key(newcomer))
    latest = _pin(node)
    _erc1271(source, wallet, latest, newcomer)  # control: the wallet is the newcomer's now
    with pytest.raises(BadSignature):
        _erc1271(source, wallet, latest, owner)
    _erc1271(source, wallet, pin, owner)  # at the pinned block it was the old owner's
    with pytest.raises(BadSignature) as e:
        _erc1271(source, wallet, pin, newcomer)
    assert e.value.code == "erc1271"


def test_erc1271_of_an_address_without_code_fails(node, chain, source) -> None:
    holder = Account.create()
    with pytest.raises(BadSignature) as e:
        _erc1271(source, normalize_address(chain, holder.address), _pin(node), holder)
    assert e.value.code == "erc1271"


# -- a real Safe answering ERC-1271 itself (its CompatibilityFallbackHandler) -----------------------------


def _safe_erc1271_signature(source: EvmRpcSource, safe: Safe, pin: BlockPin, signers: list[Any]) -> str:
    """Safe's own ERC-1271 signature: each owner's ECDSA over the Safe's SafeMessage hash, by owner address."""
    from eth_abi import decode as abi_decode
    from eth_abi import encode as abi_encode

    from solvent.reserves.eth_sig import eip191_digest

    message = abi_encode(["bytes32"], [eip191_digest(MESSAGE)])  # what isValidSignature(bytes32,...) wraps
    answer = source.call(safe.address, selector("getMessageHash(bytes)") + abi_encode(["bytes"], [message]), pin, "h")
    (safe_hash,) = abi_decode(["bytes32"], answer)
    parts = []
    for signer in sorted(signers, key=lambda a: int(a.address, 16)):
        signed = Account.unsafe_sign_hash(safe_hash, signer.key)
        parts.append(signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big") + bytes([signed.v]))
    return "0x" + b"".join(parts).hex()


def test_a_safe_answers_erc1271_for_its_owners_at_the_pinned_block(node, factory, chain, source) -> None:
    safe = Safe(node, factory, chain, 3, 2)
    pin = _pin(node)
    good = _safe_erc1271_signature(source, safe, pin, safe.owners[:2])
    verify_erc1271(source, safe.address, pin, MESSAGE, good)
    with pytest.raises(BadSignature) as e:  # one owner of a 2-of-3: the Safe reverts (GS020)
        verify_erc1271(source, safe.address, pin, MESSAGE, _safe_erc1271_signature(source, safe, pin, safe.owners[:1]))
    assert e.value.code == "erc1271"
    newcomer = Account.create()
    swap_owner(node.url, safe.raw, _key(safe.owners[1]), _key(newcomer))
    latest = _pin(node)
    with_newcomer = _safe_erc1271_signature(source, safe, pin, [safe.owners[0], newcomer])
    verify_erc1271(source, safe.address, latest, MESSAGE, with_newcomer)  # control: valid now
    with pytest.raises(BadSignature):
        verify_erc1271(source, safe.address, latest, MESSAGE, good)
    verify_erc1271(source, safe.address, pin, MESSAGE, good)  # at the pinned block: the old owners
    with pytest.raises(BadSignature) as e:
        verify_erc1271(source, safe.address, pin, MESSAGE, with_newcomer)
    assert e.value.code == "erc1271"
