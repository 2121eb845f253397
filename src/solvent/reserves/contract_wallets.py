"""Ownership of contract wallets on EVM chains: Safe multisigs and ERC-1271 wallets (threat R9).

A contract wallet has no key of its own, so "the exchange controls it" means "the keys the
contract obeys signed the challenge".  Whom the contract obeys is contract *state*, and state
changes: owners are swapped, thresholds raised.  Everything here is therefore read **at the
pinned block** (by its hash, EIP-1898, through :class:`~solvent.reserves.sources.evm.EvmRpcSource`),
the block whose balances are counted.  Owners added after it cannot rescue a proof, and owners
removed after it cannot break one: the question is who controlled the funds when they were
counted, not who controls them now.

**Safe** (formerly Gnosis Safe; any contract answering ``getOwners()`` and ``getThreshold()``):
:func:`read_safe_state` reads the owner list and threshold at the pinned block, and
:func:`verify_safe_signatures` checks that at least ``threshold`` distinct owners each signed
the challenge with ``personal_sign`` (EIP-191, :mod:`solvent.reserves.eth_sig`).  Why one
EIP-191 signature per owner, and not a Safe signature (EIP-712 ``SafeMessage`` through the
Safe's own ``isValidSignature``)?

* each owner signs with any Ethereum wallet, hardware or software, without the Safe's app,
  and no Safe transaction or on-chain message is made: nothing is paid, nothing is published
  on the chain, and the proof stays checkable offline from the recorded owners and threshold;
* each signature is checked by one rule, already used for plain Ethereum addresses: low ``s``,
  ``v`` in 0/1/27/28, the recovered *address* compared (threats R1, R6);
* **nested Safes are not supported**: a signature must recover to an EOA owner.  An owner that
  is itself a contract cannot make an EIP-191 signature, so a Safe owned by another Safe cannot
  be proven this way (its owners would have to be read and checked in turn, which solvent does
  not do: one level, strictly).

The answers are decoded strictly (the one canonical ABI encoding of ``address[]`` and
``uint256``: offset 32, a length of 1..:data:`MAX_SAFE_OWNERS`, zero-padded words, nothing
after them); owners must be distinct, neither the zero address nor Safe's sentinel ``0x…01``,
and the threshold must lie in 1..len(owners).  An address without code, a revert or any other
answer is an error naming the wallet: a state that cannot be read is never taken as "no owners".

**ERC-1271** (any contract wallet): :func:`verify_erc1271` asks the wallet itself,
``isValidSignature(bytes32 hash, bytes signature)`` at the pinned block, with ``hash`` the
EIP-191 personal-message hash of the challenge.  Only the exact magic value ``0x1626ba7e``
(the ``bytes4`` ABI-encoded: left-aligned in one 32-byte word, the other 28 bytes zero) passes;
a revert, an empty, shorter, longer or any other answer fails (``code="erc1271"``).

What this does not prove (docs/spec.md §12.4.2 (EVM contract wallets: Safe and ERC-1271)):
that the contract's code obeys the owners it reports (a contract of the exchange's own
making could report owners that cannot move its funds; solvent does not check that the
code is a genuine Safe), nor that an ERC-1271 wallet's ``isValidSignature`` is not a
function that accepts anything.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from solvent.protocol.errors import BadSignature, FetchError, FormatError, VerificationError
from solvent.reserves.chains import Address, eip55, get_chain, normalize_address
from solvent.reserves.eth_sig import eip191_digest, verify_eip191
from solvent.reserves.pinned_block import BlockPin
from solvent.reserves.sources.evm import selector

__all__ = [
    "ERC1271_MAGIC",
    "MAX_ERC1271_SIGNATURE_BYTES",
    "MAX_SAFE_OWNERS",
    "ContractSource",
    "OwnerSignature",
    "SafeState",
    "decode_address_array",
    "decode_uint256",
    "read_safe_state",
    "verify_erc1271",
    "verify_safe_signatures",
]

#: The most owners a Safe may report (real Safes have a handful; the bound keeps a hostile
#: contract's or node's answer small).
MAX_SAFE_OWNERS = 100
#: ``bytes4(keccak256("isValidSignature(bytes32,bytes)"))``: the value ERC-1271 returns for a valid signature.
ERC1271_MAGIC = bytes.fromhex("1626ba7e")
#: The longest ERC-1271 signature sent to a wallet (a multisig's concatenated signatures fit easily).
MAX_ERC1271_SIGNATURE_BYTES = 8192
#: Safe's owner list is a linked list that starts and ends at address 0x1: never an owner.
_SENTINEL = b"\0" * 19 + b"\x01"
_HEX = re.compile(r"0x(?:[0-9a-f]{2})+\Z")


class ContractSource(Protocol):
    """What the readers need of a node: :class:`~solvent.reserves.sources.evm.EvmRpcSource` has it."""

    def call(self, contract: Address, data: bytes, pin: BlockPin, what: str) -> bytes: ...

    def code_at(self, address: Address, pin: BlockPin) -> bytes: ...


@dataclass(frozen=True)
class SafeState:
    """A Safe's owners (in the order ``getOwners()`` returns them) and threshold at one block."""

    owners: tuple[Address, ...]
    threshold: int


@dataclass(frozen=True)
class OwnerSignature:
    """One owner's ``personal_sign`` over the challenge: the EIP-55 owner address and 0x + 65 bytes hex."""

    owner: str
    signature: str


def _bad_state(safe: Address, pin: BlockPin | None, reason: str, code: str = "safe-state") -> VerificationError:
    where = f" at block {pin.height}" if pin is not None else ""
    evidence: dict[str, object] = {"wallet": safe.text, "chain": safe.chain}
    if pin is not None:
        evidence["height"] = pin.height
    return VerificationError(f"Safe {safe.text} on {safe.chain}{where}: {reason}", code=code, evidence=evidence)


def decode_uint256(data: bytes) -> int:
    """The ABI ``uint256`` return: exactly one 32-byte word (ValueError otherwise)."""
    if len(data) != 32:
        raise ValueError(f"{len(data)} bytes, not one 32-byte word")
    return int.from_bytes(data, "big")


def decode_address_array(data: bytes, limit: int = MAX_SAFE_OWNERS) -> tuple[bytes, ...]:
    """The ABI ``address[]`` return, in its one canonical encoding (ValueError otherwise).

    Word 0 is the offset of the array, which for a lone return value is 32; word 1 the
    count (1..``limit``); then one word per address, its 12 leading bytes zero; nothing after.
    """
    if len(data) < 64 or len(data) % 32:
        raise ValueError(f"{len(data)} bytes: not whole 32-byte words holding an offset and a length")
    offset = int.from_bytes(data[:32], "big")
    if offset != 32:
        raise ValueError(f"the array's offset is {offset}, not 32")
    count = int.from_bytes(data[32:64], "big")
    if not 1 <= count <= limit:
        raise ValueError(f"{count} entries, not 1 to {limit}")
    if len(data) != 64 + 32 * count:
        raise ValueError(f"{len(data)} bytes for {count} addresses (expected {64 + 32 * count})")
    words = [data[64 + 32 * i : 96 + 32 * i] for i in range(count)]
    for i, word in enumerate(words):
        if any(word[:12]):
            raise ValueError(f"entry {i} is not an address (its 12 leading bytes are not zero)")
    return tuple(word[12:] for word in words)


def _check_state(safe: Address, state: SafeState, pin: BlockPin | None) -> None:
    keys = [owner.key for owner in state.owners]
    if not 1 <= len(keys) <= MAX_SAFE_OWNERS:
        raise _bad_state(safe, pin, f"{len(keys)} owners, not 1 to {MAX_SAFE_OWNERS}")
    if any(owner.chain != safe.chain or owner.kind != "evm" for owner in state.owners):
        raise _bad_state(safe, pin, "an owner is not an address of the Safe's chain")
    if len(set(keys)) != len(keys):
        raise _bad_state(safe, pin, "an owner is listed twice")
    if any(key in (b"\0" * 20, _SENTINEL) for key in keys):
        raise _bad_state(safe, pin, "the zero address or the sentinel 0x…01 is listed as an owner")
    if type(state.threshold) is not int or not 1 <= state.threshold <= len(keys):
        raise _bad_state(safe, pin, f"threshold {state.threshold!r} is not between 1 and {len(keys)} (the owners)")


def read_safe_state(source: ContractSource, safe: Address, pin: BlockPin) -> SafeState:
    """``getOwners()`` and ``getThreshold()`` of the Safe at the pinned block, strictly decoded.

    No code at the address (at that block), a revert, or an answer that is not the canonical
    encoding is a VerificationError naming the wallet (a node failure stays a FetchError).
    """
    if not source.code_at(safe, pin):
        raise _bad_state(safe, pin, "no contract at this address (was it deployed by then?)", code="no-contract")
    chain = get_chain(safe.chain)
    try:
        raw_owners = source.call(safe, selector("getOwners()"), pin, "getOwners()")
        raw_threshold = source.call(safe, selector("getThreshold()"), pin, "getThreshold()")
    except VerificationError as e:
        raise _bad_state(safe, pin, f"{e.message} (is it a Safe?)", code=e.code) from e
    try:
        owners = decode_address_array(raw_owners)
    except ValueError as e:
        raise _bad_state(safe, pin, f"getOwners() returned a malformed address[]: {e}") from e
    try:
        threshold = decode_uint256(raw_threshold)
    except ValueError as e:
        raise _bad_state(safe, pin, f"getThreshold() returned a malformed uint256: {e}") from e
    state = SafeState(tuple(normalize_address(chain, eip55(key), "Safe owner") for key in owners), threshold)
    _check_state(safe, state, pin)
    return state


def verify_safe_signatures(
    safe: Address, state: SafeState, message: str, signatures: Sequence[OwnerSignature]
) -> tuple[Address, ...]:
    """The owners who signed ``message``: at least ``state.threshold`` distinct ones, or BadSignature.

    A pure function: offline it is given the owners and threshold recorded in reserves.json,
    with a node those read again at the pinned block (:func:`read_safe_state`).  Every
    signature must be a valid ``personal_sign`` by its stated owner, an owner at that block;
    any one failing fails the proof (a bad signature is never just skipped), an owner listed
    twice fails it (``duplicate-key``), and fewer distinct owners than the threshold fail it
    (``threshold``).  The owner must be written in its EIP-55 spelling: one spelling per owner.
    """
    _check_state(safe, state, None)
    chain = get_chain(safe.chain)
    owners = {owner.key for owner in state.owners}
    if len(signatures) > MAX_SAFE_OWNERS:
        raise FormatError(
            f"Safe {safe.text}: {len(signatures)} signatures, more than the {MAX_SAFE_OWNERS} owners a Safe may have",
            code="too-many",
            evidence={"wallet": safe.text, "signatures": len(signatures)},
        )
    signers: list[Address] = []
    for i, item in enumerate(signatures):
        where = f"Safe {safe.text} signature {i + 1}"
        if not isinstance(item, OwnerSignature) or not isinstance(item.owner, str):
            raise FormatError(f"{where}: not an owner and a signature", evidence={"wallet": safe.text})
        owner = normalize_address(chain, item.owner, f"{where} owner")
        if owner.text != item.owner:
            raise FormatError(
                f"{where}: owner {item.owner[:60]!r} must be written in its EIP-55 spelling {owner.text}",
                code="address-spelling",
                evidence={"wallet": safe.text, "owner": item.owner[:60], "expected": owner.text},
            )
        if owner.key not in owners:
            raise BadSignature(
                f"{where}: {owner.text} is not an owner of the Safe at the pinned block",
                code="not-owner",
                evidence={"wallet": safe.text, "owner": owner.text},
            )
        if any(hmac.compare_digest(owner.key, seen.key) for seen in signers):
            raise BadSignature(
                f"{where}: owner {owner.text} is listed twice (each owner counts once)",
                code="duplicate-key",
                evidence={"wallet": safe.text, "owner": owner.text},
            )
        try:
            verify_eip191(owner, message, item.signature)
        except BadSignature as e:
            raise BadSignature(f"{where} by {owner.text}: {e.message}", code=e.code, evidence=e.evidence) from e
        signers.append(owner)
    if len(signers) < state.threshold:
        raise BadSignature(
            f"Safe {safe.text}: {len(signers)} owner signature(s), the Safe needs {state.threshold} "
            f"of its {len(owners)} owners",
            code="threshold",
            evidence={"wallet": safe.text, "signers": len(signers), "threshold": state.threshold},
        )
    return tuple(signers)


def _abi_is_valid_signature(digest: bytes, signature: bytes) -> bytes:
    padded = signature.ljust((len(signature) + 31) // 32 * 32, b"\0")
    return (
        selector("isValidSignature(bytes32,bytes)")
        + digest
        + (64).to_bytes(32, "big")
        + len(signature).to_bytes(32, "big")
        + padded
    )


def verify_erc1271(source: ContractSource, wallet: Address, pin: BlockPin, message: str, signature: str) -> None:
    """Raise BadSignature unless ``wallet`` accepted ``signature`` over ``message`` at the pinned block.

    The wallet is asked ``isValidSignature(eip191_digest(message), signature)`` in the pinned
    block's state, so an owner change after it neither rescues nor breaks the proof.  Only the
    exact magic word passes; a node that cannot be asked is a FetchError (nothing passes then either).
    """
    evidence: dict[str, object] = {"wallet": wallet.text, "chain": wallet.chain, "height": pin.height}
    if (
        not isinstance(signature, str)
        or len(signature) > 2 + 2 * MAX_ERC1271_SIGNATURE_BYTES
        or not _HEX.match(signature)
    ):
        raise BadSignature(
            f"erc1271 {wallet.text}: the signature must be 0x followed by hex bytes "
            f"(1 to {MAX_ERC1271_SIGNATURE_BYTES})",
            code="signature-encoding",
            evidence={**evidence, "signature": str(signature)[:140]},
        )
    if not source.code_at(wallet, pin):
        raise BadSignature(
            f"erc1271 {wallet.text}: no contract at this address at block {pin.height}",
            code="erc1271",
            evidence=evidence,
        )
    data = _abi_is_valid_signature(eip191_digest(message), bytes.fromhex(signature[2:]))
    try:
        answer = source.call(wallet, data, pin, "isValidSignature(bytes32,bytes)")
    except FetchError:
        raise
    except VerificationError as e:  # the wallet reverted: it does not accept the signature
        raise BadSignature(
            f"erc1271 {wallet.text}: isValidSignature reverted at block {pin.height}",
            code="erc1271",
            evidence={**evidence, "reason": e.code},
        ) from e
    expected = ERC1271_MAGIC + b"\0" * 28
    if not hmac.compare_digest(answer, expected):
        raise BadSignature(
            f"erc1271 {wallet.text}: isValidSignature did not return the magic value 0x1626ba7e at block "
            f"{pin.height} (it returned {len(answer)} bytes: 0x{answer[:36].hex()})",
            code="erc1271",
            evidence={**evidence, "returned": "0x" + answer[:64].hex()},
        )
