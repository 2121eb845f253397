"""Ethereum ``personal_sign`` (EIP-191 version 0x45) ownership signatures.

``digest = keccak256("\\x19Ethereum Signed Message:\\n" || len(message) || message)``
with the length in decimal ASCII; the signature is 65 bytes ``r || s || v`` as hex.
``v`` may be written 0/1 (raw recovery id) or 27/28 (the legacy offset); both mean
the same key and are accepted, anything else is rejected, as is a high ``s``.  The
key is recovered and its address compared with the declared one (threats R1, R6).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable

from solvent.protocol.errors import BadSignature
from solvent.reserves.chains import Address, eip55, keccak256
from solvent.reserves.ecdsa import recover_public_key

__all__ = ["eip191_digest", "verify_eip191", "verify_rsv"]

_SIG = re.compile(r"0x[0-9a-f]{130}\Z")


def eip191_digest(message: str) -> bytes:
    data = message.encode("utf-8")
    return keccak256(b"\x19Ethereum Signed Message:\n" + str(len(data)).encode("ascii") + data)


def verify_rsv(
    address: Address,
    digest: bytes,
    signature: object,
    *,
    scheme: str,
    spell: Callable[[bytes], str] = eip55,
    where_from: str = "",
) -> None:
    """Raise BadSignature unless ``signature`` (``0x`` + 130 lower-case hex digits, ``r || s || v``)
    over ``digest`` was made by the key whose keccak address is ``address.key``.

    The one rule for every keccak-addressed chain (EIP-191 on EVM chains, TIP-191 on Tron):
    one spelling, ``v`` in {0, 1, 27, 28}, low ``s`` (in the recovery), and the recovered
    key's last 20 keccak bytes equal to the address's.  ``spell`` writes a recovered
    address for the evidence; ``where_from`` says which tool writes that spelling.
    """
    if not isinstance(signature, str) or not _SIG.match(signature):
        raise BadSignature(
            f"{scheme}: the signature must be 0x followed by 130 lower-case hex digits (r, s, v){where_from}",
            code="signature-encoding",
            evidence={"address": address.text, "signature": str(signature)[:140]},
        )
    raw = bytes.fromhex(signature[2:])
    r, s, v = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), raw[64]
    if v not in (0, 1, 27, 28):
        raise BadSignature(
            f"{scheme}: v = {v} is not one of 0, 1, 27, 28",
            code="signature-v",
            evidence={"address": address.text, "v": v},
        )
    pub = recover_public_key(digest, r, s, v % 27, compressed=False, scheme=scheme)
    recovered = keccak256(pub[1:])[-20:]
    if not hmac.compare_digest(recovered, address.key):
        raise BadSignature(
            f"{scheme}: the signature was made by another key than the address's",
            evidence={"expected": address.text, "recovered": spell(recovered)},
        )


def verify_eip191(address: Address, message: str, signature: str) -> None:
    """Raise BadSignature unless ``signature`` is the address owner's over ``message``."""
    verify_rsv(address, eip191_digest(message), signature, scheme="eip191")
