"""Signing challenges with keys held in memory: for the demo and the tests only.

A real exchange signs its challenges on the cold wallets themselves (hardware wallet,
Bitcoin Core ``signmessage``, an air-gapped signer); docs/reserves.md says how.  These
signers produce the same bytes those tools do, from a raw 32-byte secret:

* :func:`sign_eip191` -- Ethereum ``personal_sign``, ``v`` in {27, 28}, low ``s``;
* :func:`sign_bip137` -- legacy Bitcoin message signature (compressed key);
* :func:`sign_bip322_simple` -- BIP-322 simple for P2WPKH and P2TR (key path), built
  from the BIP's ``to_spend``/``to_sign`` virtual transactions with embit;
* :func:`multisig_script`, :func:`sign_multisig_per_key` and
  :func:`sign_bip322_full_multisig` -- k-of-n multisig: each cosigner's own signature,
  or the whole signed ``to_sign`` (BIP-322 full) as a multisig wallet finalises it.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from io import BytesIO

from solvent.protocol.errors import InputError
from solvent.reserves.btc_multisig import KeySignature, script_address
from solvent.reserves.btc_sig import bip137_digest, bip322_message_hash, bip322_to_sign, bip322_to_spend
from solvent.reserves.chains import CHAINS, Address, ChainSpec, eip55, keccak256, normalize_address
from solvent.reserves.eth_sig import eip191_digest

__all__ = [
    "bip322_message_hash",
    "bip322_to_sign",
    "bip322_to_spend",
    "bitcoin_address",
    "ethereum_address",
    "multisig_address",
    "multisig_script",
    "sign_bip137",
    "sign_bip322_full_multisig",
    "sign_bip322_simple",
    "sign_multisig_per_key",
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


def multisig_script(keys: Sequence[bytes], k: int, sort: bool = True) -> bytes:
    """``OP_k <key>... OP_n OP_CHECKMULTISIG`` over compressed keys; ``sort``: BIP-67 (sortedmulti)."""
    ordered = sorted(keys) if sort else list(keys)

    def number(v: int) -> bytes:
        return bytes([0x50 + v]) if v <= 16 else bytes([1, v])

    body = b"".join(bytes([len(key)]) + key for key in ordered)
    return number(k) + body + number(len(ordered)) + b"\xae"


def multisig_address(chain: ChainSpec, script_type: str, script: bytes) -> Address:
    return script_address(chain, script_type, script)


def sign_multisig_per_key(secret: bytes, message: str, scheme: str) -> KeySignature:
    """One cosigner's own signature: BIP-137 for its compressed P2PKH address or BIP-322 simple for its P2WPKH."""
    import coincurve

    key = coincurve.PrivateKey(secret).public_key.format(compressed=True)
    if scheme == "bip137":
        signature = sign_bip137(secret, message, "p2pkh")
    elif scheme == "bip322-simple":
        signature = sign_bip322_simple(secret, bitcoin_address(secret, "p2wpkh"), message)
    else:
        raise InputError(f"no per-key multisig scheme {scheme!r}")
    return KeySignature(key.hex(), scheme, signature)


def _push(data: bytes) -> bytes:
    if len(data) <= 75:
        return bytes([len(data)]) + data
    if len(data) <= 255:
        return b"\x4c" + bytes([len(data)]) + data
    return b"\x4d" + len(data).to_bytes(2, "little") + data


def sign_bip322_full_multisig(
    secrets: Sequence[bytes], script_type: str, script: bytes, address: Address, message: str
) -> str:
    """The base64 signed ``to_sign`` spending a multisig address, signatures in script key order.

    ``secrets`` are the signing cosigners (any order); their signatures are placed in the
    order of their keys in the script, as OP_CHECKMULTISIG requires.
    """
    import hashlib

    from embit import ec
    from embit.script import Script, Witness
    from embit.transaction import SIGHASH

    to_sign = bip322_to_sign(bip322_to_spend(address.key, message).txid())
    if script_type == "p2sh":
        digest = to_sign.sighash_legacy(0, Script(script), SIGHASH.ALL)
    else:
        digest = to_sign.sighash_segwit(0, Script(script), 0, SIGHASH.ALL)
    keyed = [(ec.PrivateKey(s).sec(), ec.PrivateKey(s)) for s in secrets]
    keyed.sort(key=lambda pair: script.find(pair[0]))
    sigs = [key.sign(digest).serialize() + bytes([SIGHASH.ALL]) for _, key in keyed]
    if script_type == "p2sh":
        to_sign.vin[0].script_sig = Script(b"\x00" + b"".join(_push(s) for s in sigs) + _push(script))
    else:
        to_sign.vin[0].witness = Witness([b"", *sigs, script])
        if script_type == "p2sh-p2wsh":
            to_sign.vin[0].script_sig = Script(_push(b"\x00\x20" + hashlib.sha256(script).digest()))
    return base64.b64encode(to_sign.serialize()).decode("ascii")
