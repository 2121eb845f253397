"""Signing challenges with Solana keys held in memory: for the demo and the tests only.

A real exchange signs on the wallet itself (``solana sign-offchain-message`` with the
key file or a hardware wallet); docs/reserves.md says how.  These signers produce the
bytes that command does, from a raw 32-byte Ed25519 seed, with ``cryptography``:

* :func:`solana_keypair` -- the wallet's address and its public key bytes;
* :func:`sign_solana_offchain` -- the base58 signature over the challenge as an
  off-chain message (:func:`solvent.reserves.solana_sig.offchain_message_bytes`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from solvent.reserves.chains import CHAINS, Address, normalize_address, solana_address
from solvent.reserves.solana_sig import offchain_message_bytes

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = ["sign_solana_offchain", "solana_keypair"]


def _private_key(seed: bytes) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if len(seed) != 32:
        raise ValueError("an Ed25519 seed is 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(seed)


def solana_keypair(seed: bytes) -> tuple[Address, bytes]:
    """The Solana address of the Ed25519 key with this 32-byte seed, and the key's 32 bytes."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = _private_key(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return normalize_address(CHAINS["solana"], solana_address(public)), public


def sign_solana_offchain(seed: bytes, message: str) -> str:
    """The signature ``solana sign-offchain-message`` prints for ``message``: base58 of 64 bytes."""
    from embit import base58

    signature = _private_key(seed).sign(offchain_message_bytes(message))
    text: str = base58.encode(signature)
    return text
