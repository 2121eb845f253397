"""secp256k1 public-key recovery with the checks every scheme shares (threat R6).

A signature ``(r, s)`` and its negation ``(r, n - s)`` are both valid ECDSA
signatures of one message: a verifier that accepted both would let anybody change a
published signature without the key (malleability).  So ``r`` and ``s`` must lie in
``[1, n)`` and ``s`` in the lower half (``s <= n/2``), as Bitcoin (BIP-62/BIP-146) and
Ethereum (EIP-2) require; the key is then recovered and the *address* derived from it
is compared, never a key the signer supplied.
"""

from __future__ import annotations

from solvent.protocol.errors import BadSignature

__all__ = ["SECP256K1_N", "check_low_s", "recover_public_key"]

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def check_low_s(r: int, s: int, scheme: str) -> None:
    if not 1 <= r < SECP256K1_N:
        raise BadSignature(f"{scheme}: r is out of range", code="signature-range", evidence={"r": hex(r)})
    if not 1 <= s < SECP256K1_N:
        raise BadSignature(f"{scheme}: s is out of range", code="signature-range", evidence={"s": hex(s)})
    if s > SECP256K1_N // 2:
        raise BadSignature(
            f"{scheme}: s is in the upper half of the curve order (a malleated, high-s signature)",
            code="high-s",
            evidence={"s": hex(s), "limit": hex(SECP256K1_N // 2)},
        )


def recover_public_key(digest: bytes, r: int, s: int, recovery_id: int, *, compressed: bool, scheme: str) -> bytes:
    """The SEC-encoded public key that made ``(r, s)`` over the 32-byte ``digest``."""
    import coincurve

    if len(digest) != 32 or recovery_id not in (0, 1, 2, 3):
        raise BadSignature(f"{scheme}: bad recovery input", evidence={"recovery_id": recovery_id})
    check_low_s(r, s, scheme)
    sig = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([recovery_id])
    try:
        key = coincurve.PublicKey.from_signature_and_message(sig, digest, hasher=None)
    except Exception as e:  # coincurve raises ValueError/Exception from libsecp256k1
        raise BadSignature(
            f"{scheme}: no public key can be recovered from this signature", evidence={"reason": str(e)[:200]}
        ) from e
    return bytes(key.format(compressed=compressed))
