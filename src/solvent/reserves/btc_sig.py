"""Bitcoin ownership signatures: BIP-322 "simple" and legacy BIP-137 message signatures.

* **BIP-322 simple** (P2WPKH, P2TR): the signature is the base64 witness of a virtual
  transaction spending the address's script with the message's tagged hash.  The
  witness is parsed here first, strictly (:func:`parse_witness`): every byte belongs to
  the stack and it re-encodes to exactly the same bytes, because the ``bip322``
  package ignores anything after the stack, so without this check one signature had
  any number of published spellings.  The script interpreter work is then done by
  ``bip322`` (rust-bitcoin); this module wraps its None-or-raise API so that only an
  explicit success passes and every other outcome (a raise, an unexpected return
  value) is a :class:`BadSignature`.
* **BIP-137** (P2PKH, P2SH-P2WPKH, P2WPKH): 65 bytes ``header || r || s`` in base64,
  over ``sha256d("\\x18Bitcoin Signed Message:\\n" || varint(len) || message)``.  The
  header says the recovery id and the key's encoding: 27-30 uncompressed P2PKH, 31-34
  compressed (any of the three address types, as Electrum and Bitcoin Core write it),
  35-38 P2SH-P2WPKH, 39-42 P2WPKH.  The key is recovered (low ``s`` enforced), the
  address of the declared type is derived from it and compared by output script.

Both are base64 in canonical form (what an encoder writes: padded, zero padding bits).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
from typing import Any

from solvent.protocol.errors import BadSignature
from solvent.reserves.chains import Address
from solvent.reserves.ecdsa import recover_public_key

__all__ = [
    "BIP137",
    "BIP322_SIMPLE",
    "bip137_digest",
    "bip322_message_hash",
    "bip322_to_sign",
    "bip322_to_spend",
    "decode_canonical_base64",
    "detect_scheme",
    "parse_witness",
    "verify_bip137",
    "verify_bip322_simple",
]

BIP137 = "bip137"
BIP322_SIMPLE = "bip322-simple"
_BIP322_KINDS = {"p2wpkh", "p2tr"}
_BIP137_KINDS = {"p2pkh", "p2sh", "p2wpkh"}


def decode_canonical_base64(signature: object, address: Address, scheme: str) -> bytes:
    """The bytes of a base64 signature written the one way an encoder writes it."""
    if not isinstance(signature, str) or not signature or len(signature) > 10_000:
        raise BadSignature(
            f"{scheme}: expected a base64 signature", code="signature-encoding", evidence={"address": address.text}
        )
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError) as e:
        raise BadSignature(
            f"{scheme}: the signature is not valid base64",
            code="signature-encoding",
            evidence={"address": address.text, "signature": signature[:120]},
        ) from e
    if base64.b64encode(raw).decode("ascii") != signature:
        # non-zero padding bits decode to the same bytes: another spelling of one signature
        raise BadSignature(
            f"{scheme}: the signature is not in canonical base64",
            code="signature-encoding",
            evidence={"address": address.text, "signature": signature[:120]},
        )
    return raw


def parse_witness(raw: bytes, address: Address) -> list[bytes]:
    """A BIP-322 "simple" signature: one serialized witness stack, nothing before or after it.

    ``count ‖ (len ‖ item)*`` with Bitcoin compact sizes; the whole input must be the
    stack and re-encode byte for byte (minimal compact sizes, no short item).
    """
    from embit.script import Witness

    def bad(reason: str) -> BadSignature:
        return BadSignature(
            f"bip322-simple: the signature is not one witness stack ({reason})",
            code="signature-encoding",
            evidence={"address": address.text, "length": len(raw)},
        )

    stream = io.BytesIO(raw)
    try:
        witness = Witness.read_from(stream)
    except Exception as e:  # embit raises RuntimeError / ValueError on a short stream
        raise bad("truncated") from e
    trailing = len(stream.read())
    if trailing:
        raise bad(f"{trailing} bytes after the stack")
    if witness.serialize() != raw:
        raise bad("truncated item or non-minimal length encoding")
    if not witness.items:
        raise bad("empty stack")
    return [bytes(item) for item in witness.items]


def _check_p2tr_witness(items: list[bytes], address: Address) -> None:
    """A P2TR key-path signature is accepted in one encoding only: one 64-byte item.

    Consensus (BIP-341) also allows a 65-byte signature whose last byte names the sighash
    type, and an annex (a last item starting 0x50) that the signature commits to; the
    ``bip322`` package accepts both, and extra witness items after the signature too.
    Each is another published spelling of a proof from the same key, so each is refused:
    the 64-byte form is what every BIP-322 signer writes (SIGHASH_DEFAULT, no annex).
    """

    def bad(reason: str) -> BadSignature:
        return BadSignature(
            f"bip322-simple: a P2TR signature is one 64-byte Schnorr signature ({reason})",
            code="signature-encoding",
            evidence={"address": address.text, "items": len(items), "lengths": ",".join(str(len(i)) for i in items)},
        )

    if len(items) != 1:
        has_annex = len(items) >= 2 and items[-1][:1] == b"\x50"
        raise bad("an annex is not accepted" if has_annex else f"{len(items)} witness items, not 1")
    if len(items[0]) == 65:
        raise bad(f"a 65-byte signature with sighash byte {items[0][64]:#04x}; SIGHASH_DEFAULT only")
    if len(items[0]) != 64:
        raise bad(f"{len(items[0])} bytes")


def detect_scheme(signature: str) -> str:
    """BIP-137 signatures are 65 bytes starting with a header in 27..42; a BIP-322 simple
    witness starts with its item count (1 or 2), so the two cannot be confused."""
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return BIP322_SIMPLE  # verification will report the bad encoding
    return BIP137 if len(raw) == 65 and 27 <= raw[0] <= 42 else BIP322_SIMPLE


def _varint(n: int) -> bytes:
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + n.to_bytes(2, "little")
    if n <= 0xFFFFFFFF:
        return b"\xfe" + n.to_bytes(4, "little")
    return b"\xff" + n.to_bytes(8, "little")


def bip137_digest(message: str) -> bytes:
    data = message.encode("utf-8")
    payload = b"\x18Bitcoin Signed Message:\n" + _varint(len(data)) + data
    return hashlib.sha256(hashlib.sha256(payload).digest()).digest()


def _hash160(data: bytes) -> bytes:
    from embit.hashes import hash160

    return bytes(hash160(data))


def _script_for(kind: str, pubkey: bytes) -> bytes:
    h = _hash160(pubkey)
    if kind == "p2pkh":
        return b"\x76\xa9\x14" + h + b"\x88\xac"
    if kind == "p2wpkh":
        return b"\x00\x14" + h
    # p2sh-p2wpkh: the redeem script is the P2WPKH program
    return b"\xa9\x14" + _hash160(b"\x00\x14" + h) + b"\x87"


def verify_bip137(address: Address, message: str, signature: str) -> None:
    if address.kind not in _BIP137_KINDS:
        raise BadSignature(
            f"bip137: {address.kind} addresses cannot sign BIP-137 messages; use BIP-322",
            code="unsupported-scheme",
            evidence={"address": address.text},
        )
    raw = decode_canonical_base64(signature, address, BIP137)
    if len(raw) != 65:
        raise BadSignature(
            f"bip137: a signature is 65 bytes, this one is {len(raw)}",
            code="signature-encoding",
            evidence={"address": address.text},
        )
    header = raw[0]
    if not 27 <= header <= 42:
        raise BadSignature(
            f"bip137: header byte {header} is not in 27..42",
            code="signature-encoding",
            evidence={"address": address.text, "header": header},
        )
    recid = (header - 27) & 3
    if header <= 30:
        allowed, compressed = {"p2pkh"}, False
    elif header <= 34:
        allowed, compressed = _BIP137_KINDS, True
    elif header <= 38:
        allowed, compressed = {"p2sh"}, True
    else:
        allowed, compressed = {"p2wpkh"}, True
    if address.kind not in allowed:
        raise BadSignature(
            f"bip137: header {header} is for {'/'.join(sorted(allowed))} addresses, not {address.kind}",
            evidence={"address": address.text, "header": header},
        )
    r, s = int.from_bytes(raw[1:33], "big"), int.from_bytes(raw[33:65], "big")
    pub = recover_public_key(bip137_digest(message), r, s, recid, compressed=compressed, scheme=BIP137)
    derived = _script_for(address.kind, pub)
    if not hmac.compare_digest(derived, address.key):
        raise BadSignature(
            "bip137: the signature was made by another key than the address's",
            evidence={"address": address.text, "expected_script": address.key.hex(), "recovered_script": derived.hex()},
        )


def verify_bip322_simple(address: Address, message: str, signature: str) -> None:
    if address.kind not in _BIP322_KINDS:
        raise BadSignature(
            f"bip322-simple: {address.kind} addresses are not supported (P2WPKH and P2TR are); "
            "legacy addresses sign with BIP-137",
            code="unsupported-scheme",
            evidence={"address": address.text},
        )
    items = parse_witness(decode_canonical_base64(signature, address, BIP322_SIMPLE), address)
    if address.kind == "p2tr":
        _check_p2tr_witness(items, address)
    import bip322

    try:
        result = bip322.verify_simple_encoded(address.text, message, signature)
    except Exception as e:  # bip322.VerificationError, and anything else from the extension
        raise BadSignature(
            f"bip322-simple: the signature does not verify ({str(e)[:200]})",
            evidence={"address": address.text, "reason": str(e)[:200]},
        ) from e
    # The library signals success by returning None; fail closed on anything else.
    if result is not None and result is not True:
        raise BadSignature(
            "bip322-simple: the verifier did not report success",
            evidence={"address": address.text, "result": repr(result)[:80]},
        )


def bip322_message_hash(message: str) -> bytes:
    """``sha256_tag("BIP0322-signed-message", message)``: what ``to_spend`` commits to."""
    from embit.hashes import tagged_hash

    return bytes(tagged_hash("BIP0322-signed-message", message.encode("utf-8")))


def bip322_to_spend(script_pubkey: bytes, message: str) -> Any:
    """BIP-322's virtual ``to_spend``: version 0, one input spending ``000...000:FFFFFFFF``
    with scriptSig ``OP_0 PUSH32[message_hash]``, one output of value 0 paying ``script_pubkey``."""
    from embit.script import Script
    from embit.transaction import Transaction, TransactionInput, TransactionOutput

    script_sig = Script(b"\x00\x20" + bip322_message_hash(message))
    vin = TransactionInput(b"\x00" * 32, 0xFFFFFFFF, script_sig=script_sig, sequence=0)
    return Transaction(version=0, vin=[vin], vout=[TransactionOutput(0, Script(script_pubkey))], locktime=0)


def bip322_to_sign(to_spend_txid: bytes) -> Any:
    """BIP-322's unsigned ``to_sign`` with every optional field at its default: version 0,
    one input ``to_spend:0`` with sequence 0, locktime 0, one output of value 0 paying OP_RETURN."""
    from embit.script import Script
    from embit.transaction import Transaction, TransactionInput, TransactionOutput

    vin = TransactionInput(to_spend_txid, 0, sequence=0)
    return Transaction(version=0, vin=[vin], vout=[TransactionOutput(0, Script(b"\x6a"))], locktime=0)
