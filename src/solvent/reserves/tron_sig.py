"""Tron message signatures (TIP-191) as ownership proofs of Tron addresses.

A Tron address is Ethereum's: the last 20 bytes of ``keccak256`` of the uncompressed
secp256k1 public key (without its ``04`` byte), written in base58check after the
version byte ``0x41``.  Tron wallets sign messages the Ethereum way with another
prefix, in two versions that TronWeb (the reference library, which TronLink injects
into web pages) keeps side by side (src/utils/message.ts and src/lib/trx.ts of
github.com/tronprotocol/tronweb at commit 2b8777566e494aa3bfcb95748ce7b3df8dd8b6c2,
release 6.3.0):

* **V2** (:data:`TIP191_V2`; ``tronWeb.trx.signMessageV2(message)``,
  ``verifyMessageV2``): ``keccak256("\\x19TRON Signed Message:\\n" || len || message)``,
  ``len`` the message's length in bytes, in decimal ASCII -- EIP-191 with Tron's name.
  A text message is signed as its UTF-8 bytes.
* **V1** (:data:`TIP191_V1`; the legacy ``tronWeb.trx.sign(hex)`` / ``signMessage``,
  ``verifyMessage``): the message must be given as *hex*; its bytes are hashed after a
  header that always says 32, whatever the length:
  ``keccak256("\\x19TRON Signed Message:\\n32" || bytes)``.  Here the bytes are the
  challenge's UTF-8 bytes, i.e. the signer calls ``tronWeb.trx.sign(TronWeb.fromUtf8(message))``.

Both produce 65 bytes ``r || s || v`` written ``0x`` + 130 lower-case hex digits
(ethers' ``Signature.serialized``; ``v`` is 27 or 28).  That spelling is the only one
accepted: no upper case, no missing ``0x`` (tronpy's ``Signature.hex()`` omits it: add
it), no base64.  ``v`` may be 0/1 (the raw recovery id) or 27/28, as for Ethereum
(threat R6); ``s`` must be low; the key is recovered and the address derived from it is
compared with the declared one, never a key the signer supplied (threat R1).

The version is stated with the signature, never guessed: the two digests differ for
every message that is not 32 bytes long, so a verifier that tried both would accept
whichever the signer's wallet happened to make, and a signature over one text could
be passed off under the other's rules.
"""

from __future__ import annotations

from solvent.protocol.errors import BadSignature
from solvent.reserves.chains import Address, keccak256, tron_address
from solvent.reserves.eth_sig import verify_rsv

__all__ = ["TIP191_V1", "TIP191_V2", "TIP191_VERSIONS", "tip191_digest", "verify_tip191"]

TIP191_V2 = "tip191-v2"
TIP191_V1 = "tip191-v1"
TIP191_VERSIONS = (TIP191_V2, TIP191_V1)

_PREFIX = b"\x19TRON Signed Message:\n"


def tip191_digest(message: str, version: str) -> bytes:
    """The 32-byte digest a Tron wallet signs for ``message`` (its UTF-8 bytes) under ``version``."""
    data = message.encode("utf-8")
    if version == TIP191_V2:
        return keccak256(_PREFIX + str(len(data)).encode("ascii") + data)
    if version == TIP191_V1:
        return keccak256(_PREFIX + b"32" + data)
    raise BadSignature(
        f"tron: unknown message signature version {str(version)[:40]!r}; expected {' or '.join(TIP191_VERSIONS)}",
        code="signature-version",
        evidence={"version": str(version)[:40]},
    )


def verify_tip191(address: Address, message: str, signature: str, version: str) -> None:
    """Raise BadSignature unless ``signature`` is the owner of the Tron ``address``'s over ``message``."""
    scheme = version if version in TIP191_VERSIONS else "tip191"
    if address.kind != "tron" or len(address.key) != 20:
        raise BadSignature(
            f"{scheme}: {address.text} is not a Tron address", code="address", evidence={"address": address.text}
        )
    if not isinstance(message, str):
        raise BadSignature(f"{scheme}: the signed message must be text", evidence={"address": address.text})
    verify_rsv(
        address,
        tip191_digest(message, version),
        signature,
        scheme=scheme,
        spell=tron_address,
        where_from=", as TronWeb returns it",
    )
