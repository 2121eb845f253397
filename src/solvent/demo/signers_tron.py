"""Signing challenges as a Tron wallet does, with keys held in memory: for the demo and the tests only.

A real exchange signs on the wallet itself (TronLink or TronWeb's ``signMessageV2``, a
hardware wallet); these functions produce the bytes TronWeb produces from a raw 32-byte
secret: 65 bytes ``r || s || v`` written ``0x`` + 130 lower-case hex digits, ``v`` in
{27, 28}, low ``s`` (libsecp256k1 signs with low ``s`` only).
"""

from __future__ import annotations

from solvent.reserves.chains import CHAINS, Address, keccak256, normalize_address, tron_address
from solvent.reserves.tron_sig import tip191_digest

__all__ = ["sign_tip191", "tron_address_of"]


def tron_address_of(secret: bytes) -> Address:
    """The Tron address of a secret: keccak256 of the uncompressed key, last 20 bytes, base58check."""
    import coincurve

    pub = coincurve.PrivateKey(secret).public_key.format(compressed=False)
    return normalize_address(CHAINS["tron"], tron_address(keccak256(pub[1:])[-20:]))


def sign_tip191(secret: bytes, message: str, version: str) -> str:
    """``message`` signed under TIP-191 ``version`` (:data:`~solvent.reserves.tron_sig.TIP191_V2` or V1)."""
    import coincurve

    sig = coincurve.PrivateKey(secret).sign_recoverable(tip191_digest(message, version), hasher=None)
    return "0x" + (sig[:64] + bytes([27 + sig[64]])).hex()
