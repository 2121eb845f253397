"""Signing challenges with keys held in memory: for the demo and the tests only.

A real exchange signs its challenges on the cold wallets themselves (hardware wallet,
Bitcoin Core ``signmessage``, an air-gapped signer); docs/reserves.md says how.  These
signers produce the same bytes those tools do, from a raw 32-byte secret:

* :func:`sign_eip191` -- Ethereum ``personal_sign``, ``v`` in {27, 28}, low ``s``;
* :func:`sign_bip137` -- legacy Bitcoin message signature (compressed key);
* :func:`sign_bip322_simple` -- BIP-322 simple for P2WPKH and P2TR (key path), built
  from the BIP's ``to_spend``/``to_sign`` virtual transactions with embit.
"""

from __future__ import annotations

import base64
from io import BytesIO
from typing import Any

from solvent.protocol.errors import InputError
from solvent.reserves.btc_sig import bip137_digest
from solvent.reserves.chains import CHAINS, Address, eip55, keccak256, normalize_address
from solvent.reserves.eth_sig import eip191_digest

__all__ = [
    "bip322_message_hash",
    "bip322_to_sign",
    "bip322_to_spend",
    "bitcoin_address",
    "ethereum_address",
    "sign_bip137",
    "sign_bip322_simple",
    "sign_eip191",
]


def _sign_recoverable(secret: bytes, digest: bytes) -> tuple[bytes, int]:
    import coincurve

    sig = coincurve.PrivateKey(secret).sign_recoverable(digest, hasher=None)  # libsecp256k1: low s
    return sig[:64], sig[64]


def ethereum_address(secret: bytes) -> Address:
    import coincurve

    pub = coincurve.PrivateKey(secret).public_key.format(compressed=False)
    return normalize_address(CHAINS["ethereum"], eip55(keccak256(pub[1:])[-20:]))


def sign_eip191(secret: bytes, message: str) -> str:
    rs, recid = _sign_recoverable(secret, eip191_digest(message))
    return "0x" + (rs + bytes([27 + recid])).hex()


def bitcoin_address(secret: bytes, kind: str) -> Address:
    """The mainnet ``p2pkh``, ``p2wpkh`` or ``p2tr`` address of a secret (compressed key)."""
    from embit import ec, script
    from embit.networks import NETWORKS

    key = ec.PrivateKey(secret)
    pub = key.get_public_key()
    builders = {"p2pkh": script.p2pkh, "p2wpkh": script.p2wpkh, "p2tr": script.p2tr}
    if kind not in builders:
        raise InputError(f"cannot make a {kind} address")
    return normalize_address(CHAINS["bitcoin"], builders[kind](pub).address(NETWORKS["main"]))


def sign_bip137(secret: bytes, message: str, kind: str = "p2pkh") -> str:
    """Header 31-34 (compressed P2PKH), 35-38 (P2SH-P2WPKH) or 39-42 (P2WPKH)."""
    base = {"p2pkh": 31, "p2sh": 35, "p2wpkh": 39}[kind]
    rs, recid = _sign_recoverable(secret, bip137_digest(message))
    return base64.b64encode(bytes([base + recid]) + rs).decode("ascii")


def bip322_message_hash(message: str) -> bytes:
    from embit.hashes import tagged_hash

    return bytes(tagged_hash("BIP0322-signed-message", message.encode("utf-8")))


def bip322_to_spend(script_pubkey: bytes, message: str) -> Any:
    from embit.script import Script
    from embit.transaction import Transaction, TransactionInput, TransactionOutput

    script_sig = Script(b"\x00\x20" + bip322_message_hash(message))
    vin = TransactionInput(b"\x00" * 32, 0xFFFFFFFF, script_sig=script_sig, sequence=0)
    return Transaction(version=0, vin=[vin], vout=[TransactionOutput(0, Script(script_pubkey))], locktime=0)


def bip322_to_sign(to_spend_txid: bytes) -> Any:
    from embit.script import Script
    from embit.transaction import Transaction, TransactionInput, TransactionOutput

    vin = TransactionInput(to_spend_txid, 0, sequence=0)
    return Transaction(version=0, vin=[vin], vout=[TransactionOutput(0, Script(b"\x6a"))], locktime=0)


def sign_bip322_simple(secret: bytes, address: Address, message: str) -> str:
    """The base64 witness of ``to_sign`` (BIP-322 "simple"), P2WPKH or P2TR key path."""
    from embit import ec, script
    from embit.script import Witness
    from embit.transaction import SIGHASH

    key = ec.PrivateKey(secret)
    spk = address.key
    to_spend = bip322_to_spend(spk, message)
    to_sign = bip322_to_sign(to_spend.txid())
    if address.kind == "p2wpkh":
        script_code = script.p2pkh(key.get_public_key())
        digest = to_sign.sighash_segwit(0, script_code, 0, SIGHASH.ALL)
        der = key.sign(digest).serialize() + bytes([SIGHASH.ALL])
        witness = Witness([der, key.sec()])
    elif address.kind == "p2tr":
        digest = to_sign.sighash_taproot(0, [script.Script(spk)], [0], SIGHASH.DEFAULT)
        witness = Witness([key.taproot_tweak(b"").schnorr_sign(digest).serialize()])
    else:
        raise InputError(f"BIP-322 simple signing supports p2wpkh and p2tr, not {address.kind}")
    stream = BytesIO()
    witness.write_to(stream)
    return base64.b64encode(stream.getvalue()).decode("ascii")
