"""Ownership proofs: check one address's signature over its challenge (threats R1, R2, R6).

One entry point, :func:`verify_ownership`, chooses the scheme by chain family and the
recorded scheme name.  Every failure is a :class:`~solvent.protocol.errors.BadSignature` whose
evidence names the address (and the recovered key or script where there is one), so a
failed wallet can be reported precisely and is never counted.
"""

from __future__ import annotations

from solvent.protocol.errors import BadSignature
from solvent.reserves.btc_sig import BIP137, BIP322_SIMPLE, detect_scheme, verify_bip137, verify_bip322_simple
from solvent.reserves.chains import Address, get_chain
from solvent.reserves.eth_sig import verify_eip191

__all__ = ["EIP191", "SCHEMES", "default_scheme", "verify_ownership"]

EIP191 = "eip191"
SCHEMES: dict[str, tuple[str, ...]] = {"evm": (EIP191,), "utxo": (BIP322_SIMPLE, BIP137), "tron": (), "solana": ()}


def default_scheme(address: Address, signature: str) -> str:
    """The scheme of a signature as an operator hands it in (recorded in reserves.json)."""
    if get_chain(address.chain).family == "evm":
        return EIP191
    return detect_scheme(signature)


def verify_ownership(address: Address, message: str, signature: str, scheme: str) -> None:
    """Raise BadSignature unless ``signature`` (of ``scheme``) over ``message`` is the address owner's."""
    family = get_chain(address.chain).family
    if scheme not in SCHEMES[family]:
        raise BadSignature(
            f"signature scheme {scheme!r} is not used on {address.chain}",
            code="unsupported-scheme",
            evidence={"address": address.text, "scheme": scheme},
        )
    if scheme == EIP191:
        verify_eip191(address, message, signature)
    elif scheme == BIP137:
        verify_bip137(address, message, signature)
    else:
        verify_bip322_simple(address, message, signature)
