"""Bitcoin k-of-n multisig ownership proofs (threat R8).

An exchange's cold Bitcoin sits mostly behind ``OP_CHECKMULTISIG`` scripts, paid to by
P2SH, P2SH-P2WSH or P2WSH addresses.  The address is a hash of the script, so a proof
first *reveals* the script (:func:`check_script`): it must parse as exactly
``OP_k <key>... OP_n OP_CHECKMULTISIG`` (:func:`parse_multisig_script`) and hash to the
address.  Only then do its keys mean anything, and ownership is shown by at least ``k``
of them, in one of two ways:

* **per key** (:func:`verify_multisig_per_key`): each cosigner signs the challenge with
  its own single-key tooling, BIP-137 (for the key's compressed P2PKH address) or
  BIP-322 simple (for the key's P2WPKH address).  Every listed signature must verify,
  each for a distinct key of the script, and at least ``k`` of them;
* **BIP-322 full** (:func:`verify_bip322_full`): the whole signed ``to_sign``
  transaction, spending the address's ``to_spend`` exactly as the chain would: the
  multisig scriptSig/witness with ``k`` ECDSA signatures checked with
  ``OP_CHECKMULTISIG`` semantics over the BIP-143 (segwit) or legacy (P2SH) sighash.
  :func:`verify_bip322_simple_multisig` is the same for a P2WSH witness alone (BIP-322
  "simple").

Strict readings (docs/reserves.md): a script naming one key twice is refused outright,
so one key can never count twice (a 2-of-3 over ``A, A, B`` would otherwise be
satisfiable by ``A`` alone); keys are 33-byte compressed points (segwit requires it and
no current multisig wallet writes uncompressed keys); ``n`` is at most 15 for P2SH (the
520-byte push limit on a redeem script of compressed keys) and 20 for the segwit types
(``MAX_PUBKEYS_PER_MULTISIG``, a consensus rule), with ``k`` and ``n`` minimally encoded
as Bitcoin Core writes them (``OP_1``..``OP_16``, then a one-byte push for 17..20).
The ``to_sign`` of a full proof keeps every optional BIP-322 field at its default
(version 0, sequence 0, locktime 0): those fields only matter for time-locked scripts,
which a plain multisig is not, and a second value would be a second spelling.
"""

from __future__ import annotations

import hashlib
import hmac
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from solvent.protocol.errors import BadSignature, FormatError
from solvent.reserves.btc_sig import (
    BIP137,
    BIP322_SIMPLE,
    bip322_to_sign,
    bip322_to_spend,
    decode_canonical_base64,
    parse_witness,
    verify_bip137,
    verify_bip322_simple,
)
from solvent.reserves.chains import Address, ChainSpec, get_chain, normalize_address
from solvent.reserves.ecdsa import check_low_s

__all__ = [
    "BIP322_FULL",
    "PER_KEY",
    "SCRIPT_TYPES",
    "KeySignature",
    "MultisigResult",
    "MultisigScript",
    "check_script",
    "parse_multisig_script",
    "script_address",
    "script_pubkey",
    "verify_bip322_full",
    "verify_bip322_simple_multisig",
    "verify_multisig_per_key",
]

SCRIPT_TYPES = ("p2sh", "p2sh-p2wsh", "p2wsh")
PER_KEY = "per-key"
BIP322_FULL = "bip322-full"
#: consensus: OP_CHECKMULTISIG takes at most 20 keys (MAX_PUBKEYS_PER_MULTISIG)
MAX_KEYS = 20
#: P2SH: a redeem script is one push, at most 520 bytes: 15 compressed keys
MAX_P2SH_KEYS = 15
#: the largest script each type can spend: the push limit for P2SH, the standard
#: witness script size for the segwit types (MAX_STANDARD_P2WSH_SCRIPT_SIZE)
MAX_SCRIPT_SIZE = {"p2sh": 520, "p2sh-p2wsh": 3600, "p2wsh": 3600}
_OP_0 = 0x00
_OP_PUSHDATA1 = 0x4C
_OP_PUSHDATA2 = 0x4D
_OP_1 = 0x51
_OP_16 = 0x60
_OP_CHECKMULTISIG = 0xAE
_SIGHASH_ALL = 0x01


@dataclass(frozen=True)
class MultisigScript:
    """A parsed ``OP_k <key>... OP_n OP_CHECKMULTISIG`` script: distinct compressed keys in script order."""

    k: int
    keys: tuple[bytes, ...]

    @property
    def n(self) -> int:
        return len(self.keys)

    @property
    def is_sorted(self) -> bool:
        """True for BIP-67 order (the keys sorted by their bytes): a ``sortedmulti`` descriptor."""
        return list(self.keys) == sorted(self.keys)


@dataclass(frozen=True)
class KeySignature:
    """One cosigner's own signature of the challenge, for a per-key proof."""

    #: the cosigner's compressed public key, 66 lower-case hex digits
    key: str
    #: ``bip137`` (for the key's compressed P2PKH address) or ``bip322-simple`` (its P2WPKH address)
    scheme: str
    signature: str


@dataclass(frozen=True)
class MultisigResult:
    """What a verified multisig proof showed: ``signers`` (distinct keys, script order) of a k-of-n script."""

    k: int
    n: int
    signers: tuple[bytes, ...]
    script_type: str
    method: str


def _is_point(key: bytes) -> bool:
    import coincurve

    try:
        coincurve.PublicKey(key)
    except Exception:  # coincurve raises ValueError on a point off the curve
        return False
    return True


def parse_multisig_script(raw: bytes, where: str, script_type: str | None = None) -> MultisigScript:
    """Parse exactly ``OP_k <33-byte key>... OP_n OP_CHECKMULTISIG``; anything else is a FormatError.

    ``script_type`` (one of :data:`SCRIPT_TYPES`) applies that type's limits on ``n`` and size.
    """

    def bad(reason: str, code: str = "multisig-script", **evidence: object) -> FormatError:
        return FormatError(
            f"{where}: not a standard multisig script ({reason})",
            code=code,
            evidence={"field": where, "script": raw.hex()[:200], **evidence},
        )

    if script_type is not None and script_type not in SCRIPT_TYPES:
        raise bad(f"unknown script type {str(script_type)[:40]!r}", code="script-type")
    limit = MAX_P2SH_KEYS if script_type == "p2sh" else MAX_KEYS
    if script_type is not None and len(raw) > MAX_SCRIPT_SIZE[script_type]:
        raise bad(f"{len(raw)} bytes, more than {script_type} allows ({MAX_SCRIPT_SIZE[script_type]})")
    pos = 0

    def number(what: str) -> int:
        nonlocal pos
        if pos >= len(raw):
            raise bad(f"ends before {what}")
        op = raw[pos]
        if _OP_1 <= op <= _OP_16:
            pos += 1
            return op - _OP_1 + 1
        if op == 0x01 and pos + 1 < len(raw) and 17 <= raw[pos + 1] <= MAX_KEYS:
            pos += 2  # 17..20 have no small-integer opcode: a one-byte push, as Core writes it
            return raw[pos - 1]
        raise bad(f"{what} is not OP_1..OP_16 or a minimal push of 17..20 (byte {op:#04x} at {pos})")

    k = number("k")
    keys: list[bytes] = []
    while pos < len(raw) and raw[pos] in (0x21, 0x41):
        if raw[pos] == 0x41:
            raise bad("an uncompressed (65-byte) key; only compressed keys are accepted", code="uncompressed-key")
        key = raw[pos + 1 : pos + 34]
        if len(key) != 33:
            raise bad("a key push runs past the end")
        if key[0] not in (2, 3) or not _is_point(key):
            raise bad(f"key {len(keys) + 1} is not a valid compressed secp256k1 point", key=key.hex())
        if key in keys:
            raise bad(
                f"key {len(keys) + 1} repeats key {keys.index(key) + 1}; one key must never count twice",
                code="duplicate-key",
                key=key.hex(),
            )
        keys.append(key)
        pos += 34
    n = number("n")
    if raw[pos:] != bytes([_OP_CHECKMULTISIG]):
        raise bad("expected OP_CHECKMULTISIG as the last and only byte after n")
    if n != len(keys):
        raise bad(f"n is {n} but the script has {len(keys)} keys")
    if not 1 <= k <= n:
        raise bad(f"k = {k} is not between 1 and n = {n}")
    if n > limit:
        raise bad(f"{n} keys; {script_type or 'a multisig script'} takes at most {limit}")
    return MultisigScript(k, tuple(keys))


def _hash160(data: bytes) -> bytes:
    from embit.hashes import hash160

    return bytes(hash160(data))


def _witness_program(script: bytes) -> bytes:
    """The P2WSH output script of a witness script: ``OP_0 PUSH32[sha256(script)]``."""
    return b"\x00\x20" + hashlib.sha256(script).digest()


def script_pubkey(script_type: str, script: bytes) -> bytes:
    """The output script paying to ``script`` as ``script_type``."""
    if script_type == "p2wsh":
        return _witness_program(script)
    if script_type == "p2sh-p2wsh":
        return b"\xa9\x14" + _hash160(_witness_program(script)) + b"\x87"
    if script_type == "p2sh":
        return b"\xa9\x14" + _hash160(script) + b"\x87"
    raise FormatError(
        f"script type {str(script_type)[:40]!r} is not one of {', '.join(SCRIPT_TYPES)}",
        code="script-type",
        evidence={"script_type": str(script_type)[:40]},
    )


def script_address(chain: ChainSpec, script_type: str, script: bytes) -> Address:
    """The address of ``script`` on a UTXO chain, normalised like any declared address."""
    from embit import base58, bech32

    spk = script_pubkey(script_type, script)
    if chain.family != "utxo" or chain.p2sh_version is None or chain.bech32_hrp is None:
        raise FormatError(f"{chain.name} has no multisig script addresses", code="script-type")
    if script_type == "p2wsh":
        text = bech32.encode(chain.bech32_hrp, 0, spk[2:])
    else:
        text = base58.encode_check(bytes([chain.p2sh_version]) + spk[2:22])
    return normalize_address(chain, text)


def _script_bytes(script_hex: object, where: str) -> bytes:
    if (
        not isinstance(script_hex, str)
        or not script_hex
        or len(script_hex) % 2
        or len(script_hex) > 2 * max(MAX_SCRIPT_SIZE.values())
        or any(c not in "0123456789abcdef" for c in script_hex)
    ):
        raise FormatError(
            f"{where}: expected the script as lower-case hex",
            code="multisig-script",
            evidence={"field": where, "value": str(script_hex)[:120]},
        )
    return bytes.fromhex(script_hex)


def check_script(address: Address, script_type: str, script_hex: str) -> MultisigScript:
    """The revealed redeem/witness script, parsed, after checking it hashes to ``address``."""
    script = _script_bytes(script_hex, "script")
    expected = script_pubkey(script_type, script)
    ms = parse_multisig_script(script, "script", script_type)
    if not hmac.compare_digest(expected, address.key):
        raise BadSignature(
            f"the {script_type} script does not hash to {address.text}",
            code="script-mismatch",
            evidence={
                "address": address.text,
                "script_type": script_type,
                "address_script": address.key.hex(),
                "script_gives": expected.hex(),
            },
        )
    return ms


def _key_address(chain: str, key: bytes, kind: str) -> Address:
    """The cosigner key's own single-key address: compressed P2PKH (BIP-137) or P2WPKH (BIP-322)."""
    from embit import base58, bech32

    spec = get_chain(chain)
    h = _hash160(key)
    if kind == "p2pkh":
        text = base58.encode_check(bytes([spec.p2pkh_version or 0]) + h)
    else:
        text = bech32.encode(spec.bech32_hrp or "", 0, h)
    return normalize_address(spec, text)


def _listed_key(text: object, index: int, address: Address) -> bytes:
    if not isinstance(text, str) or len(text) != 66 or any(c not in "0123456789abcdef" for c in text):
        raise BadSignature(
            f"signature {index + 1}: the key is not 66 lower-case hex digits (a compressed public key)",
            code="signature-encoding",
            evidence={"address": address.text, "key": str(text)[:80]},
        )
    return bytes.fromhex(text)


def verify_multisig_per_key(
    address: Address, script_type: str, script_hex: str, message: str, signatures: Sequence[KeySignature]
) -> MultisigResult:
    """At least ``k`` distinct keys of the revealed script each signed ``message`` on their own.

    Every listed signature must verify (one bad signature fails the proof: a list padded
    with garbage is a broken proof, not a smaller one), each key is listed once and must
    be a key of the script.
    """
    ms = check_script(address, script_type, script_hex)
    seen: set[bytes] = set()
    for i, entry in enumerate(signatures):
        key = _listed_key(entry.key, i, address)
        evidence = {"address": address.text, "key": entry.key, "index": i}
        if key in seen:
            raise BadSignature(
                f"signature {i + 1}: key {entry.key} is listed twice; one key counts once",
                code="duplicate-key",
                evidence=evidence,
            )
        if key not in ms.keys:
            raise BadSignature(
                f"signature {i + 1}: key {entry.key} is not one of the script's {ms.n} keys",
                code="foreign-key",
                evidence=evidence,
            )
        seen.add(key)
        if entry.scheme == BIP137:
            verify_bip137(_key_address(address.chain, key, "p2pkh"), message, entry.signature)
        elif entry.scheme == BIP322_SIMPLE:
            verify_bip322_simple(_key_address(address.chain, key, "p2wpkh"), message, entry.signature)
        else:
            raise BadSignature(
                f"signature {i + 1}: scheme {str(entry.scheme)[:40]!r} is not bip137 or bip322-simple",
                code="unsupported-scheme",
                evidence=evidence,
            )
    signers = tuple(key for key in ms.keys if key in seen)
    _threshold(ms, signers, address)
    return MultisigResult(ms.k, ms.n, signers, script_type, PER_KEY)


def _threshold(ms: MultisigScript, signers: Sequence[bytes], address: Address) -> None:
    if len(signers) < ms.k:
        raise BadSignature(
            f"{len(signers)} of the {ms.k} signatures a {ms.k}-of-{ms.n} multisig needs",
            code="threshold",
            evidence={"address": address.text, "k": ms.k, "n": ms.n, "signers": len(signers)},
        )


# --- BIP-322 full: the signed to_sign transaction ----------------------------------------------------


def _push(data: bytes) -> bytes:
    """The minimal push of ``data`` (what MINIMALDATA requires), for data of 1..520 bytes."""
    if len(data) <= 75:
        return bytes([len(data)]) + data
    if len(data) <= 255:
        return bytes([_OP_PUSHDATA1, len(data)]) + data
    return bytes([_OP_PUSHDATA2]) + len(data).to_bytes(2, "little") + data


def _parse_pushes(script_sig: bytes, address: Address) -> list[bytes]:
    """A scriptSig of pushes only, each minimal, ``OP_0`` for the empty item."""
    items: list[bytes] = []
    pos = 0
    while pos < len(script_sig):
        op = script_sig[pos]
        if op == _OP_0:
            items.append(b"")
            pos += 1
            continue
        if 1 <= op <= 75:
            start, size = pos + 1, op
        elif op == _OP_PUSHDATA1 and pos + 1 < len(script_sig):
            start, size = pos + 2, script_sig[pos + 1]
        elif op == _OP_PUSHDATA2 and pos + 2 < len(script_sig):
            start, size = pos + 3, int.from_bytes(script_sig[pos + 1 : pos + 3], "little")
        else:
            raise _shape(address, f"the scriptSig has a non-push opcode {op:#04x} at byte {pos}")
        item = script_sig[start : start + size]
        if len(item) != size or size == 0 or _push(item) != script_sig[pos : start + size]:
            raise _shape(address, f"the scriptSig push at byte {pos} is truncated or not minimal")
        items.append(item)
        pos = start + size
    return items


def _shape(address: Address, reason: str, code: str = "witness") -> BadSignature:
    return BadSignature(f"bip322-full: {reason}", code=code, evidence={"address": address.text})


def _strict_der(sig: bytes) -> tuple[int, int] | None:
    """(r, s) of a strictly DER-encoded signature (BIP-66), or None."""
    if len(sig) < 8 or len(sig) > 72 or sig[0] != 0x30 or sig[1] != len(sig) - 2 or sig[2] != 0x02:
        return None
    len_r = sig[3]
    if len_r == 0 or 5 + len_r >= len(sig) or sig[4 + len_r] != 0x02:
        return None
    len_s = sig[5 + len_r]
    if len_s == 0 or 6 + len_r + len_s != len(sig):
        return None
    r, s = sig[4 : 4 + len_r], sig[6 + len_r :]
    for part in (r, s):
        if part[0] & 0x80 or (len(part) > 1 and part[0] == 0 and not part[1] & 0x80):
            return None  # negative, or padded with a zero byte it does not need
    return int.from_bytes(r, "big"), int.from_bytes(s, "big")


def _ecdsa_signature(item: bytes, index: int, address: Address) -> bytes:
    """The DER part of one multisig signature item after the encoding checks (SIGHASH_ALL, DER, low s)."""
    if not item:
        raise _shape(address, f"signature {index + 1} is empty: fewer signers than the threshold", "threshold")
    if item[-1] != _SIGHASH_ALL:
        raise BadSignature(
            f"bip322-full: signature {index + 1} has sighash type {item[-1]:#04x}; BIP-322 requires SIGHASH_ALL",
            code="sighash-type",
            evidence={"address": address.text, "sighash": item[-1]},
        )
    der = item[:-1]
    rs = _strict_der(der)
    if rs is None:
        raise BadSignature(
            f"bip322-full: signature {index + 1} is not strict DER",
            code="signature-encoding",
            evidence={"address": address.text, "signature": item.hex()[:160]},
        )
    check_low_s(rs[0], rs[1], BIP322_FULL)
    return der


def _ecdsa_verifies(der: bytes, digest: bytes, key: bytes) -> bool:
    import coincurve

    try:
        return bool(coincurve.PublicKey(key).verify(der, digest, hasher=None))
    except Exception:  # an unparsable signature verifies nothing
        return False


def _check_multisig(
    ms: MultisigScript, sig_items: Sequence[bytes], digest: bytes, address: Address
) -> tuple[bytes, ...]:
    """OP_CHECKMULTISIG: each signature matches a key after the previous signature's key."""
    if len(sig_items) < ms.k:
        raise _shape(address, f"{len(sig_items)} signatures, a {ms.k}-of-{ms.n} spend needs {ms.k}", "threshold")
    ders = [_ecdsa_signature(item, i, address) for i, item in enumerate(sig_items)]
    signers: list[bytes] = []
    j = 0
    for i, der in enumerate(ders):
        while j < ms.n and not _ecdsa_verifies(der, digest, ms.keys[j]):
            j += 1
        if j == ms.n:
            raise BadSignature(
                f"bip322-full: signature {i + 1} is not by a key of the script after the previous signer "
                "(a wrong message, another key, or keys out of script order)",
                evidence={"address": address.text, "signature": sig_items[i].hex()[:160]},
            )
        signers.append(ms.keys[j])
        j += 1
    return tuple(signers)


def _parse_tx(raw: bytes, address: Address) -> Any:
    from embit.transaction import Transaction

    stream = io.BytesIO(raw)
    try:
        tx = Transaction.read_from(stream)
    except Exception as e:  # embit raises several kinds on a short or garbled stream
        raise _shape(address, "the proof is not a transaction", "signature-encoding") from e
    if stream.read(1) or tx.serialize() != raw:
        raise _shape(
            address, "the proof has bytes after the transaction or a non-canonical encoding", "signature-encoding"
        )
    return tx


def _check_to_sign(tx: Any, address: Address, message: str, *, default_fields: bool) -> None:
    """``tx`` is BIP-322's ``to_sign`` for this address and message, with nothing added."""
    to_spend = bip322_to_spend(address.key, message)
    template = bip322_to_sign(to_spend.txid())
    problems = []
    if len(tx.vin) != 1:
        problems.append(f"{len(tx.vin)} inputs, not 1")
    elif tx.vin[0].txid != to_spend.txid() or tx.vin[0].vout != 0:
        problems.append("the input does not spend to_spend:0 of this address and message")
    if len(tx.vout) != 1 or tx.vout[0].serialize() != template.vout[0].serialize():
        problems.append("the outputs are not exactly one OP_RETURN of value 0")
    if default_fields:
        if tx.version != 0:
            problems.append(f"version {tx.version}, not 0")
        if tx.locktime != 0:
            problems.append(f"locktime {tx.locktime}, not 0")
        if len(tx.vin) == 1 and tx.vin[0].sequence != 0:
            problems.append(f"sequence {tx.vin[0].sequence}, not 0")
    if problems:
        raise BadSignature(
            "bip322-full: not the to_sign transaction of this message and address: " + "; ".join(problems),
            code="not-to-sign",
            evidence={"address": address.text, "problems": "; ".join(problems)},
        )


def _verify_spend(
    tx: Any, address: Address, script_type: str, script_hex: str, message: str, *, default_fields: bool
) -> MultisigResult:
    from embit.script import Script
    from embit.transaction import SIGHASH

    ms = check_script(address, script_type, script_hex)
    script = bytes.fromhex(script_hex)
    _check_to_sign(tx, address, message, default_fields=default_fields)
    vin = tx.vin[0]
    script_sig = bytes(vin.script_sig.data)
    witness = [bytes(item) for item in vin.witness.items]
    if script_type == "p2sh":
        if witness:
            raise _shape(address, "a P2SH spend carries no witness")
        stack = _parse_pushes(script_sig, address)
    else:
        expected_sig = b"" if script_type == "p2wsh" else _push(_witness_program(script))
        if script_sig != expected_sig:
            raise _shape(address, f"the scriptSig of a {script_type} spend must be {expected_sig.hex() or 'empty'}")
        stack = witness
    # [dummy, sig_1 .. sig_k, script]: CHECKMULTISIG's dummy must be empty (NULLDUMMY)
    if len(stack) < 2 or stack[0] != b"":
        raise _shape(address, "the spend does not start with the empty CHECKMULTISIG dummy")
    if not hmac.compare_digest(stack[-1], script):
        raise BadSignature(
            "bip322-full: the spend reveals another script than the one given",
            code="script-mismatch",
            evidence={"address": address.text, "revealed": stack[-1].hex()[:200]},
        )
    sig_items = stack[1:-1]
    if len(sig_items) > ms.k:
        raise _shape(address, f"{len(sig_items)} signatures for a {ms.k}-of-{ms.n} spend (CLEANSTACK)")
    if script_type == "p2sh":
        digest = tx.sighash_legacy(0, Script(script), SIGHASH.ALL)
    else:
        digest = tx.sighash_segwit(0, Script(script), 0, SIGHASH.ALL)
    signers = _check_multisig(ms, sig_items, bytes(digest), address)
    return MultisigResult(ms.k, ms.n, signers, script_type, BIP322_FULL)


def verify_bip322_full(
    address: Address, script_type: str, script_hex: str, message: str, proof_b64: str
) -> MultisigResult:
    """A BIP-322 "full" proof: the base64 of the signed ``to_sign`` spending the multisig address.

    BIP-322 2.0 signers prefix the text with its variant (``ful``); the proof is taken
    without it (the scheme is recorded beside it), so the prefix is refused with a hint
    rather than read as a second spelling.
    """
    if isinstance(proof_b64, str) and proof_b64.startswith(("ful", "smp", "pof")):
        raise _shape(
            address,
            f"drop the BIP-322 variant prefix {proof_b64[:3]!r}: the proof is the bare base64 transaction",
            "signature-encoding",
        )
    tx = _parse_tx(decode_canonical_base64(proof_b64, address, BIP322_FULL), address)
    return _verify_spend(tx, address, script_type, script_hex, message, default_fields=True)


def verify_bip322_simple_multisig(address: Address, script_hex: str, message: str, witness_b64: str) -> MultisigResult:
    """BIP-322 "simple" for a P2WSH multisig: the witness of ``to_sign`` alone, base64.

    Only native P2WSH has a simple form (BIP-322); it is the full proof with every
    field at its default, so it is checked as one.
    """
    if isinstance(witness_b64, str) and witness_b64.startswith("smp"):
        raise _shape(address, "drop the BIP-322 variant prefix 'smp'", "signature-encoding")
    items = parse_witness(decode_canonical_base64(witness_b64, address, BIP322_SIMPLE), address)
    from embit.script import Witness

    tx = bip322_to_sign(bip322_to_spend(address.key, message).txid())
    tx.vin[0].witness = Witness(items)
    return _verify_spend(tx, address, "p2wsh", script_hex, message, default_fields=True)
