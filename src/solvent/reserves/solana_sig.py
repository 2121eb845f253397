"""Solana ownership signatures: Ed25519 over the challenge as a Solana off-chain message.

A Solana wallet is an Ed25519 key; its address is the key's 32 bytes.  A signature
over the bare challenge text would also be a valid signature over anything else that
happens to be those bytes, so the wallet signs the challenge wrapped in Solana's
off-chain message envelope (version 0), which no transaction can start with:

``"\\xffsolana offchain" || 0x00 (header version) || format || len (u16 LE) || message``

* ``format`` is chosen by the message, never by the signer: 0 (restricted ASCII) when
  every byte is printable ASCII (0x20-0x7e) and it is at most
  :data:`MAX_LEN_LEDGER` bytes, 1 (limited UTF-8) for other UTF-8 of at most that
  length, 2 (extended UTF-8) up to :data:`MAX_LEN` bytes.  A challenge has line
  feeds, which are not printable ASCII, so it is format 1 (or 2 if very long);
* the message is the challenge's UTF-8 bytes, non-empty.

This is the encoding of the ``solana-offchain-message`` crate (anza-xyz/solana-sdk,
``offchain-message/src/lib.rs`` at commit 122f32e571ce39face4beffaccea733e37c207fd,
published as version 3.0.0), which ``solana sign-offchain-message`` and
``solana verify-offchain-signature`` use.  A later revision of the specification adds
a 32-byte application domain and a list of signers to the header; the Ledger Solana
app (LedgerHQ/app-solana at commit cae91765469b68461a6224f7566506a2b9445d19) signs
only that header.  It is a different byte string, and is refused here, as are
wallets' ``signMessage`` signatures over the raw text (Phantom and the wallet
standard): exactly one encoding is accepted, and the verifier builds it itself and
checks the signature over it and over nothing else.

The signature is written as the Solana CLI prints it: base58 of the 64 bytes
``R || S``, in canonical spelling (re-encoding it gives the same text).  Ed25519 is
checked by ``cryptography`` (OpenSSL), which refuses ``S >= L``; that is also checked
here first, and so is the key: a key that does not decode to a curve point of large
order (small-order keys accept forged signatures) can prove nothing.
"""

from __future__ import annotations

from solvent.protocol.errors import BadSignature
from solvent.reserves.chains import Address

__all__ = [
    "MAX_LEN",
    "MAX_LEN_LEDGER",
    "SIGNING_DOMAIN",
    "SOLANA_OFFCHAIN",
    "offchain_message_bytes",
    "verify_solana_offchain",
]

SOLANA_OFFCHAIN = "solana-offchain"
#: The first 16 bytes of every off-chain message: 0xff can start no transaction message.
SIGNING_DOMAIN = b"\xffsolana offchain"
_HEADER_VERSION = 0
_RESTRICTED_ASCII, _LIMITED_UTF8, _EXTENDED_UTF8 = 0, 1, 2
#: Longest message of formats 0 and 1: a packet (1232 bytes) less the 17 + 3 header bytes.
MAX_LEN_LEDGER = 1232 - len(SIGNING_DOMAIN) - 1 - 3
#: Longest message of format 2: the u16 length's range less the header bytes.
MAX_LEN = 0xFFFF - len(SIGNING_DOMAIN) - 1 - 3

# Ed25519: the field prime, the group order and the curve constant d.
_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = (-121665 * pow(121666, -1, _P)) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)


def offchain_message_bytes(message: str) -> bytes:
    """The exact bytes a Solana off-chain message signature (version 0) signs for ``message``.

    ValueError if the message is empty, longer than :data:`MAX_LEN` bytes, or not
    encodable as UTF-8 (a lone surrogate).
    """
    data = message.encode("utf-8")  # raises UnicodeEncodeError (a ValueError) on surrogates
    if not data:
        raise ValueError("an off-chain message cannot be empty")
    if len(data) <= MAX_LEN_LEDGER:
        fmt = _RESTRICTED_ASCII if all(0x20 <= b <= 0x7E for b in data) else _LIMITED_UTF8
    elif len(data) <= MAX_LEN:
        fmt = _EXTENDED_UTF8
    else:
        raise ValueError(f"an off-chain message has at most {MAX_LEN} bytes, this one {len(data)}")
    return SIGNING_DOMAIN + bytes([_HEADER_VERSION, fmt]) + len(data).to_bytes(2, "little") + data


def _decode_point(key: bytes) -> tuple[int, int] | None:
    """The affine point an Ed25519 public key encodes (RFC 8032 §5.1.3), None if it encodes none
    or is written non-canonically (y >= p, or x = 0 with the sign bit set)."""
    y = int.from_bytes(key, "little") & ((1 << 255) - 1)
    sign = key[31] >> 7
    if y >= _P:
        return None
    u, v = (y * y - 1) % _P, (_D * y * y + 1) % _P
    x = (u * pow(v, 3, _P) * pow(u * pow(v, 7, _P), (_P - 5) // 8, _P)) % _P
    if (v * x * x - u) % _P != 0:
        x = (x * _SQRT_M1) % _P
        if (v * x * x - u) % _P != 0:
            return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = _P - x
    return x, y


def _double(pt: tuple[int, int]) -> tuple[int, int]:
    x, y = pt
    dxy = _D * x * x * y * y % _P
    return (2 * x * y * pow(1 + dxy, -1, _P) % _P, (y * y + x * x) * pow(1 - dxy, -1, _P) % _P)


def is_strong_key(key: bytes) -> bool:
    """True when ``key`` canonically encodes a curve point whose order is not small (not 1, 2, 4 or 8).

    Multiplying by the cofactor 8 sends exactly the small-order points to the identity
    (0, 1); for those keys anyone can make signatures that verify.
    """
    point = _decode_point(key)
    if point is None:
        return False
    for _ in range(3):
        point = _double(point)
    return point != (0, 1)


def _bad(address: Address, message: str, code: str = "bad-signature", **evidence: object) -> BadSignature:
    return BadSignature(f"{SOLANA_OFFCHAIN}: {message}", code=code, evidence={"address": address.text, **evidence})


def _decode_signature(signature: object, address: Address) -> bytes:
    from embit import base58

    if not isinstance(signature, str) or not 1 <= len(signature) <= 100:
        raise _bad(address, "expected the signature in base58, as the Solana CLI prints it", "signature-encoding")
    try:
        raw = bytes(base58.decode(signature))
    except Exception as e:  # embit raises bare ValueErrors on a character outside the alphabet
        raise _bad(address, "the signature is not base58", "signature-encoding", signature=signature[:100]) from e
    if len(raw) != 64:
        raise _bad(
            address, f"the signature is {len(raw)} bytes, not 64", "signature-encoding", signature=signature[:100]
        )
    if base58.encode(raw) != signature:
        raise _bad(address, "the signature is not in canonical base58", "signature-encoding", signature=signature[:100])
    return raw


def verify_solana_offchain(address: Address, message: str, signature: str) -> None:
    """Raise BadSignature unless ``signature`` is ``address``'s key's over ``message`` as an off-chain message."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if address.kind != "solana" or len(address.key) != 32:
        raise _bad(address, "not a Solana address", "unsupported-scheme")
    raw = _decode_signature(signature, address)
    if int.from_bytes(raw[32:], "little") >= _L:
        raise _bad(address, "the signature's S is not below the group order (a malleated signature)")
    if not is_strong_key(address.key):
        raise _bad(
            address,
            "the address is not an Ed25519 key of large order, so no signature can prove it is controlled",
            "weak-key",
        )
    try:
        data = offchain_message_bytes(message)
    except ValueError as e:
        raise _bad(address, f"the challenge cannot be an off-chain message ({e})", "message") from e
    try:
        Ed25519PublicKey.from_public_bytes(address.key).verify(raw, data)
    except (InvalidSignature, ValueError) as e:
        raise _bad(
            address,
            "the signature does not verify for this address's key over the challenge as a Solana off-chain message",
        ) from e
