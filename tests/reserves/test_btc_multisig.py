"""Bitcoin multisig ownership proofs (threat R8): scripts, per-key signatures, BIP-322 full spends.

Keys are real secp256k1 keys (coincurve/embit); addresses are checked against embit's own
script builders and the published BIP-322 2.0 multisig vectors.  Every attack is built
from a valid proof changed in one way, so it passes if its defence is removed.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from embit import ec
from embit import script as escript
from embit.networks import NETWORKS
from embit.script import Script, Witness
from embit.transaction import SIGHASH, Transaction, TransactionInput, TransactionOutput

from solvent.demo.signers import (
    bip322_to_sign,
    bip322_to_spend,
    multisig_address,
    multisig_script,
    sign_bip137,
    sign_bip322_full_multisig,
    sign_multisig_per_key,
)
from solvent.protocol.errors import BadSignature, FormatError
from solvent.reserves.btc_multisig import (
    BIP322_FULL,
    PER_KEY,
    SCRIPT_TYPES,
    KeySignature,
    check_script,
    parse_multisig_script,
    script_address,
    verify_bip322_full,
    verify_bip322_simple_multisig,
    verify_multisig_per_key,
)
from solvent.reserves.chains import CHAINS, normalize_address
from solvent.reserves.ecdsa import SECP256K1_N

BTC = CHAINS["bitcoin"]
VECTORS = json.loads((Path(__file__).parent / "vectors" / "bip322-multisig.json").read_text())
SECRETS = [hashlib.sha256(b"cosigner %d" % i).digest() for i in range(5)]
OUTSIDER = hashlib.sha256(b"not a cosigner").digest()
MSG = "solvent reserves challenge: block 900000"


def pub(secret: bytes) -> bytes:
    return ec.PrivateKey(secret).sec()


def setup(script_type: str, k: int, n: int, sort: bool = True) -> tuple:
    script = multisig_script([pub(s) for s in SECRETS[:n]], k, sort=sort)
    return script, multisig_address(BTC, script_type, script)


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def tx_of(proof: str) -> Transaction:
    return Transaction.parse(base64.b64decode(proof))


SHAPES = [(2, 3), (3, 4)]


# --- scripts and addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize("sort", [True, False])
@pytest.mark.parametrize(("k", "n"), SHAPES)
def test_parse_round_trip_and_sortedness(k: int, n: int, sort: bool) -> None:
    keys = [pub(s) for s in SECRETS[:n]]
    assert keys != sorted(keys), "the fixture keys must not already be sorted"
    ms = parse_multisig_script(multisig_script(keys, k, sort=sort), "script")
    assert (ms.k, ms.n, ms.is_sorted) == (k, n, sort)
    assert ms.keys == (tuple(sorted(keys)) if sort else tuple(keys))


@pytest.mark.parametrize("script_type", SCRIPT_TYPES)
@pytest.mark.parametrize("sort", [True, False])
def test_script_address_matches_embit(script_type: str, sort: bool) -> None:
    script = multisig_script([pub(s) for s in SECRETS[:3]], 2, sort=sort)
    s = Script(script)
    oracle = {
        "p2sh": escript.p2sh(s),
        "p2wsh": escript.p2wsh(s),
        "p2sh-p2wsh": escript.p2sh(escript.p2wsh(s)),
    }[script_type]
    a = script_address(BTC, script_type, script)
    assert a.text == oracle.address(NETWORKS["main"])
    assert a.key == oracle.data
    assert check_script(a, script_type, script.hex()).n == 3


def test_the_published_vector_addresses_are_the_scripts_addresses() -> None:
    """An independent oracle: BIP-322 2.0's multisig vectors name the address of each script."""
    cases = VECTORS["simple_multisig"] + VECTORS["full_multisig"]
    assert len(cases) == 7
    for case in cases:
        script_type = _vector_type(case)
        script = bytes.fromhex(case["witness_script"] or case["sig_script"])
        assert script_address(BTC, script_type, script).text == case["address"]


def test_up_to_20_keys_in_segwit_15_in_p2sh() -> None:
    keys = [pub(hashlib.sha256(b"k%d" % i).digest()) for i in range(21)]
    for n in (16, 17, 20):
        script = multisig_script(keys[:n], n)
        assert script[0] == (0x50 + n if n <= 16 else 0x01)  # 17..20 are a one-byte push, as Core writes them
        assert parse_multisig_script(script, "s", "p2wsh").n == n
        with pytest.raises(FormatError):
            parse_multisig_script(script, "s", "p2sh")
    assert parse_multisig_script(multisig_script(keys[:15], 15), "s", "p2sh").n == 15
    with pytest.raises(FormatError):
        parse_multisig_script(multisig_script(keys[:21], 1), "s", "p2wsh")


def _valid() -> bytes:
    return multisig_script([pub(s) for s in SECRETS[:3]], 2)


KEY_A, KEY_B = pub(SECRETS[0]), pub(SECRETS[1])


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"\x52\x21" + KEY_A + b"\x21" + KEY_A + b"\x21" + KEY_B + b"\x53\xae", "duplicate-key"),
        (b"\x51\x41" + ec.PrivateKey(SECRETS[0]).get_public_key().serialize()[:1] + bytes(64) + b"\x51\xae",
         "uncompressed-key"),
        (b"\x51\x21" + b"\x02" + b"\xff" * 32 + b"\x51\xae", "multisig-script"),  # not a point
        (b"\x51\x21" + b"\x04" + KEY_A[1:] + b"\x51\xae", "multisig-script"),  # wrong prefix
        (b"\x50\x21" + KEY_A + b"\x51\xae", "multisig-script"),  # k = 0 (OP_RESERVED / no OP_0 either)
        (b"\x00\x21" + KEY_A + b"\x51\xae", "multisig-script"),  # k = OP_0
        (b"\x53\x21" + KEY_A + b"\x21" + KEY_B + b"\x52\xae", "multisig-script"),  # k > n
        (b"\x51\x21" + KEY_A + b"\x21" + KEY_B + b"\x53\xae", "multisig-script"),  # n != number of keys
        (b"\x01\x02\x21" + KEY_A + b"\x21" + KEY_B + b"\x52\xae", "multisig-script"),  # non-minimal k
        (b"\x51\x21" + KEY_A + b"\x51\xaf", "multisig-script"),  # CHECKMULTISIGVERIFY
        (b"\x51\x21" + KEY_A + b"\x51\xae\x75", "multisig-script"),  # trailing opcode
        (b"\x51\x21" + KEY_A + b"\x51", "multisig-script"),  # no CHECKMULTISIG
        (b"\x51\x21" + KEY_A[:20], "multisig-script"),  # truncated key
        (b"", "multisig-script"),
    ],
    ids=["duplicate key", "uncompressed", "off curve", "bad prefix", "k OP_RESERVED", "k zero", "k>n",
         "n mismatch", "non-minimal k", "checkmultisigverify", "trailing", "no opcode", "truncated", "empty"],
)  # fmt: skip
def test_bad_scripts_are_refused(raw: bytes, code: str) -> None:
    with pytest.raises(FormatError) as e:
        parse_multisig_script(raw, "script")
    assert e.value.code == code


def test_a_script_that_does_not_hash_to_the_address_is_refused() -> None:
    script, a = setup("p2wsh", 2, 3)
    other = multisig_script([pub(s) for s in SECRETS[1:4]], 2)
    assert check_script(a, "p2wsh", script.hex()).k == 2  # control
    with pytest.raises(BadSignature) as e:
        check_script(a, "p2wsh", other.hex())
    assert e.value.code == "script-mismatch"
    assert e.value.evidence["address"] == a.text and e.value.evidence["script_gives"]
    # the right script under another type: another address
    for script_type in ("p2sh", "p2sh-p2wsh"):
        with pytest.raises(BadSignature) as e:
            check_script(a, script_type, script.hex())
        assert e.value.code == "script-mismatch"


@pytest.mark.parametrize("bad", ["", "0", "AB" * 10, "zz", 5, None])
def test_script_hex_must_be_lower_case_hex(bad: object) -> None:
    _, a = setup("p2wsh", 2, 3)
    with pytest.raises(FormatError):
        check_script(a, "p2wsh", bad)  # type: ignore[arg-type]


def test_unknown_script_type() -> None:
    script, a = setup("p2wsh", 2, 3)
    with pytest.raises(FormatError) as e:
        check_script(a, "p2tr", script.hex())
    assert e.value.code == "script-type"
    with pytest.raises(FormatError) as e:
        parse_multisig_script(script, "script", "p2tr")
    assert e.value.code == "script-type"


# --- per-key signatures ---------------------------------------------------------------------------------


@pytest.mark.parametrize("script_type", SCRIPT_TYPES)
@pytest.mark.parametrize(("k", "n"), SHAPES)
@pytest.mark.parametrize("sort", [True, False])
def test_per_key_proofs_verify(script_type: str, k: int, n: int, sort: bool) -> None:
    script, a = setup(script_type, k, n, sort)
    signing = SECRETS[n - k : n]  # the last k cosigners, listed in reverse to show order does not matter
    sigs = [sign_multisig_per_key(s, MSG, ("bip137", "bip322-simple")[i % 2]) for i, s in enumerate(signing)]
    result = verify_multisig_per_key(a, script_type, script.hex(), MSG, sigs[::-1])
    assert (result.k, result.n, result.script_type, result.method) == (k, n, script_type, PER_KEY)
    ms = parse_multisig_script(script, "s")
    assert result.signers == tuple(key for key in ms.keys if key in {pub(s) for s in signing})


@pytest.mark.parametrize("scheme", ["bip137", "bip322-simple"])
def test_per_key_k_minus_one_signatures_fail(scheme: str) -> None:
    script, a = setup("p2wsh", 3, 4)
    sigs = [sign_multisig_per_key(s, MSG, scheme) for s in SECRETS[:3]]
    verify_multisig_per_key(a, "p2wsh", script.hex(), MSG, sigs)  # control
    for fewer in (sigs[:2], sigs[1:], []):
        with pytest.raises(BadSignature) as e:
            verify_multisig_per_key(a, "p2wsh", script.hex(), MSG, fewer)
        assert e.value.code == "threshold"


def test_per_key_same_key_listed_twice_never_counts_twice() -> None:
    script, a = setup("p2wsh", 2, 3)
    one = sign_multisig_per_key(SECRETS[0], MSG, "bip137")
    again = sign_multisig_per_key(SECRETS[0], MSG, "bip322-simple")  # a second, valid signature by the same key
    for sigs in ([one, one], [one, again]):
        with pytest.raises(BadSignature) as e:
            verify_multisig_per_key(a, "p2wsh", script.hex(), MSG, sigs)
        assert e.value.code == "duplicate-key"
    # the key spelled in upper case is not a way around it either: one spelling only
    upper = KeySignature(one.key.upper(), one.scheme, one.signature)
    with pytest.raises(BadSignature) as e:
        verify_multisig_per_key(a, "p2wsh", script.hex(), MSG, [one, upper])
    assert e.value.code == "signature-encoding"


def test_per_key_a_script_naming_one_key_twice_is_refused() -> None:
    """2-of-3 over A, A, B: A alone would satisfy it if each key position counted."""
    keys = [pub(SECRETS[0]), pub(SECRETS[0]), pub(SECRETS[1])]
    script = b"\x52" + b"".join(b"\x21" + key for key in keys) + b"\x53\xae"
    a = multisig_address(BTC, "p2wsh", script)
    sigs = [sign_multisig_per_key(SECRETS[0], MSG, "bip137")]
    with pytest.raises(FormatError) as e:
        verify_multisig_per_key(a, "p2wsh", script.hex(), MSG, sigs)
    assert e.value.code == "duplicate-key"


def test_per_key_signature_by_a_key_outside_the_script_fails() -> None:
    script, a = setup("p2sh", 2, 3)
    sigs = [sign_multisig_per_key(s, MSG, "bip137") for s in (SECRETS[0], OUTSIDER)]
    with pytest.raises(BadSignature) as e:
        verify_multisig_per_key(a, "p2sh", script.hex(), MSG, sigs)
    assert e.value.code == "foreign-key"
    # the outsider's signature claimed for a cosigner's key: the recovered key differs
    forged = KeySignature(pub(SECRETS[1]).hex(), "bip137", sigs[1].signature)
    with pytest.raises(BadSignature):
        verify_multisig_per_key(a, "p2sh", script.hex(), MSG, [sigs[0], forged])


@pytest.mark.parametrize("scheme", ["bip137", "bip322-simple"])
def test_per_key_signature_over_another_message_fails(scheme: str) -> None:
    script, a = setup("p2sh-p2wsh", 2, 3)
    sigs = [sign_multisig_per_key(SECRETS[0], MSG, scheme), sign_multisig_per_key(SECRETS[1], MSG + "!", scheme)]
    with pytest.raises(BadSignature):
        verify_multisig_per_key(a, "p2sh-p2wsh", script.hex(), MSG, sigs)


def test_per_key_one_bad_signature_fails_the_proof_even_with_k_good_ones() -> None:
    script, a = setup("p2wsh", 2, 3)
    good = [sign_multisig_per_key(s, MSG, "bip137") for s in SECRETS[:2]]
    garbage = KeySignature(pub(SECRETS[2]).hex(), "bip137", sign_bip137(SECRETS[2], "something else"))
    verify_multisig_per_key(a, "p2wsh", script.hex(), MSG, good)  # control
    with pytest.raises(BadSignature):
        verify_multisig_per_key(a, "p2wsh", script.hex(), MSG, [*good, garbage])


def test_per_key_high_s_bip137_is_refused() -> None:
    script, a = setup("p2wsh", 1, 3)
    sig = sign_multisig_per_key(SECRETS[0], MSG, "bip137")
    raw = base64.b64decode(sig.signature)
    s = int.from_bytes(raw[33:], "big")
    flipped = bytes([31 + ((raw[0] - 31) ^ 1)]) + raw[1:33] + (SECP256K1_N - s).to_bytes(32, "big")
    malleated = KeySignature(sig.key, "bip137", b64(flipped))
    verify_multisig_per_key(a, "p2wsh", script.hex(), MSG, [sig])  # control
    with pytest.raises(BadSignature) as e:
        verify_multisig_per_key(a, "p2wsh", script.hex(), MSG, [malleated])
    assert e.value.code == "high-s"


def test_per_key_bip137_only_in_the_compressed_p2pkh_header() -> None:
    """The same signature with a P2WPKH header (39-42) recovers the same key: a second spelling, refused."""
    script, a = setup("p2wsh", 1, 3)
    sig = sign_multisig_per_key(SECRETS[0], MSG, "bip137")
    raw = base64.b64decode(sig.signature)
    for offset in (4, 8):
        other = KeySignature(sig.key, "bip137", b64(bytes([raw[0] + offset]) + raw[1:]))
        with pytest.raises(BadSignature):
            verify_multisig_per_key(a, "p2wsh", script.hex(), MSG, [other])


def test_per_key_unknown_scheme() -> None:
    script, a = setup("p2wsh", 1, 3)
    sig = sign_multisig_per_key(SECRETS[0], MSG, "bip137")
    with pytest.raises(BadSignature) as e:
        verify_multisig_per_key(a, "p2wsh", script.hex(), MSG, [KeySignature(sig.key, "eip191", sig.signature)])
    assert e.value.code == "unsupported-scheme"


# --- BIP-322 full ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("script_type", SCRIPT_TYPES)
@pytest.mark.parametrize(("k", "n"), SHAPES)
@pytest.mark.parametrize("sort", [True, False])
def test_full_proofs_verify(script_type: str, k: int, n: int, sort: bool) -> None:
    script, a = setup(script_type, k, n, sort)
    signing = [SECRETS[0], *SECRETS[n - k + 1 : n]]  # not a prefix of the keys
    proof = sign_bip322_full_multisig(signing, script_type, script, a, MSG)
    result = verify_bip322_full(a, script_type, script.hex(), MSG, proof)
    assert (result.k, result.n, result.method) == (k, n, BIP322_FULL)
    ms = parse_multisig_script(script, "s")
    assert result.signers == tuple(key for key in ms.keys if key in {pub(s) for s in signing})
    with pytest.raises(BadSignature):
        verify_bip322_full(a, script_type, script.hex(), MSG + "!", proof)


def _rebuild(proof: str, script_type: str, change) -> str:  # type: ignore[no-untyped-def]
    """Apply ``change(stack) -> stack`` to the proof's [dummy, sigs..., script] and re-encode it."""
    tx = tx_of(proof)
    vin = tx.vin[0]
    if script_type == "p2sh":
        from solvent.reserves.btc_multisig import _parse_pushes, _push

        stack = change(_parse_pushes(vin.script_sig.data, None))  # type: ignore[arg-type]
        vin.script_sig = Script(b"".join(b"\x00" if not item else _push(item) for item in stack))
    else:
        vin.witness = Witness(change([bytes(i) for i in vin.witness.items]))
    return b64(tx.serialize())


def _full(script_type: str = "p2wsh", k: int = 2, n: int = 3, signers: list | None = None) -> tuple:
    script, a = setup(script_type, k, n)
    proof = sign_bip322_full_multisig(signers or SECRETS[:k], script_type, script, a, MSG)
    verify_bip322_full(a, script_type, script.hex(), MSG, proof)  # control: the unchanged proof passes
    return script, a, proof


@pytest.mark.parametrize("script_type", SCRIPT_TYPES)
def test_full_k_minus_one_signatures_fail(script_type: str) -> None:
    script, a, proof = _full(script_type, 3, 4)
    for drop in (1, 2, 3):
        fewer = _rebuild(proof, script_type, lambda st, d=drop: st[:d] + st[d + 1 :])
        with pytest.raises(BadSignature) as e:
            verify_bip322_full(a, script_type, script.hex(), MSG, fewer)
        assert e.value.code == "threshold"
    # a missing signature spelled as an empty item (what CHECKMULTISIG with NULLFAIL would allow to fail)
    blank = _rebuild(proof, script_type, lambda st: [st[0], b"", *st[2:]])
    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, script_type, script.hex(), MSG, blank)
    assert e.value.code == "threshold"


@pytest.mark.parametrize("script_type", SCRIPT_TYPES)
def test_full_same_signature_twice_never_counts_twice(script_type: str) -> None:
    script, a, proof = _full(script_type)
    twice = _rebuild(proof, script_type, lambda st: [st[0], st[1], st[1], st[-1]])
    with pytest.raises(BadSignature):
        verify_bip322_full(a, script_type, script.hex(), MSG, twice)


def test_full_script_with_a_duplicated_key_is_refused() -> None:
    keys = [pub(SECRETS[0]), pub(SECRETS[0]), pub(SECRETS[1])]
    script = b"\x52" + b"".join(b"\x21" + key for key in keys) + b"\x53\xae"
    a = multisig_address(BTC, "p2wsh", script)
    proof = sign_bip322_full_multisig([SECRETS[0]], "p2wsh", script, a, MSG)
    # A's signature twice would satisfy OP_CHECKMULTISIG on chain (positions 1 and 2)
    twice = _rebuild(proof, "p2wsh", lambda st: [st[0], st[1], st[1], st[-1]])
    with pytest.raises(FormatError) as e:
        verify_bip322_full(a, "p2wsh", script.hex(), MSG, twice)
    assert e.value.code == "duplicate-key"


@pytest.mark.parametrize("script_type", SCRIPT_TYPES)
def test_full_signature_by_a_key_outside_the_script_fails(script_type: str) -> None:
    script, a = setup(script_type, 2, 3)
    proof = sign_bip322_full_multisig([SECRETS[0], OUTSIDER], script_type, script, a, MSG)
    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, script_type, script.hex(), MSG, proof)
    assert e.value.code == "bad-signature"


@pytest.mark.parametrize("script_type", SCRIPT_TYPES)
def test_full_signatures_out_of_key_order_fail(script_type: str) -> None:
    script, a, proof = _full(script_type)
    swapped = _rebuild(proof, script_type, lambda st: [st[0], st[2], st[1], st[-1]])
    with pytest.raises(BadSignature):
        verify_bip322_full(a, script_type, script.hex(), MSG, swapped)


@pytest.mark.parametrize("script_type", SCRIPT_TYPES)
def test_full_signatures_over_another_message_fail(script_type: str) -> None:
    script, a, proof = _full(script_type)
    other = sign_bip322_full_multisig(SECRETS[:2], script_type, script, a, MSG + "!")
    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, script_type, script.hex(), MSG, other)
    assert e.value.code == "not-to-sign"  # it spends another to_spend
    # the other message's signatures moved into this message's to_sign
    sigs = tx_of(other)
    moved = _rebuild(
        proof,
        script_type,
        lambda st: (
            [b"", *[bytes(i) for i in sigs.vin[0].witness.items[1:-1]], st[-1]]
            if script_type != "p2sh"
            else [b"", *_sig_pushes(sigs), st[-1]]
        ),
    )
    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, script_type, script.hex(), MSG, moved)
    assert e.value.code == "bad-signature"


def _sig_pushes(tx: Transaction) -> list:
    from solvent.reserves.btc_multisig import _parse_pushes

    return _parse_pushes(tx.vin[0].script_sig.data, None)[1:-1]  # type: ignore[arg-type]


def _der(r: int, s: int) -> bytes:
    def part(v: int) -> bytes:
        b = v.to_bytes(32, "big").lstrip(b"\x00")
        return b"\x00" + b if b[0] & 0x80 else b

    body = b"\x02" + bytes([len(part(r))]) + part(r) + b"\x02" + bytes([len(part(s))]) + part(s)
    return b"\x30" + bytes([len(body)]) + body


def _rs(item: bytes) -> tuple[int, int]:
    der = item[:-1]
    lr = der[3]
    return int.from_bytes(der[4 : 4 + lr], "big"), int.from_bytes(der[6 + lr :], "big")


@pytest.mark.parametrize("script_type", SCRIPT_TYPES)
def test_full_high_s_signature_is_refused(script_type: str) -> None:
    script, a, proof = _full(script_type)

    def malleate(st: list) -> list:
        r, s = _rs(st[1])
        assert _der(r, s) + b"\x01" == st[1]  # our DER encoder reproduces the signer's
        return [st[0], _der(r, SECP256K1_N - s) + b"\x01", *st[2:]]

    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, script_type, script.hex(), MSG, _rebuild(proof, script_type, malleate))
    assert e.value.code == "high-s"


@pytest.mark.parametrize("script_type", SCRIPT_TYPES)
def test_full_non_strict_der_is_refused(script_type: str) -> None:
    script, a, proof = _full(script_type)

    def pad(st: list) -> list:  # r with a needless leading zero byte
        der = st[1][:-1]
        lr = der[3]
        r = b"\x00" + der[4 : 4 + lr]
        body = b"\x02" + bytes([len(r)]) + r + der[4 + lr :]
        return [st[0], b"\x30" + bytes([len(body)]) + body + b"\x01", *st[2:]]

    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, script_type, script.hex(), MSG, _rebuild(proof, script_type, pad))
    assert e.value.code == "signature-encoding"


@pytest.mark.parametrize("script_type", ["p2wsh", "p2sh"])
def test_full_wrong_sighash_type_is_refused(script_type: str) -> None:
    """Properly made SIGHASH_NONE / ALL|ANYONECANPAY signatures: valid on chain, not BIP-322."""
    script, a = setup(script_type, 2, 3)
    for flag in (SIGHASH.NONE, SIGHASH.ALL | SIGHASH.ANYONECANPAY):
        to_sign = bip322_to_sign(bip322_to_spend(a.key, MSG).txid())
        if script_type == "p2sh":
            digest = to_sign.sighash_legacy(0, Script(script), flag)
        else:
            digest = to_sign.sighash_segwit(0, Script(script), 0, flag)
        ordered = sorted(SECRETS[:2], key=lambda s: script.find(pub(s)))
        sigs = [ec.PrivateKey(s).sign(digest).serialize() + bytes([flag]) for s in ordered]
        proof = sign_bip322_full_multisig(SECRETS[:2], script_type, script, a, MSG)
        bad = _rebuild(proof, script_type, lambda st, sigs=sigs: [st[0], *sigs, st[-1]])
        with pytest.raises(BadSignature) as e:
            verify_bip322_full(a, script_type, script.hex(), MSG, bad)
        assert e.value.code == "sighash-type"


@pytest.mark.parametrize("script_type", SCRIPT_TYPES)
def test_full_extra_witness_item_is_refused(script_type: str) -> None:
    script, a, proof = _full(script_type)
    extra_sig = _rebuild(proof, script_type, lambda st: [st[0], *st[1:-1], st[1], st[-1]])
    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, script_type, script.hex(), MSG, extra_sig)
    assert e.value.code == "witness"
    for bad in ([b"\x01", *_mid(proof, script_type)], [b"", b"", *_mid(proof, script_type)]):
        changed = _rebuild(proof, script_type, lambda st, bad=bad: [*bad, st[-1]])
        with pytest.raises(BadSignature):
            verify_bip322_full(a, script_type, script.hex(), MSG, changed)


def _mid(proof: str, script_type: str) -> list:
    tx = tx_of(proof)
    return [bytes(i) for i in tx.vin[0].witness.items[1:-1]] if script_type != "p2sh" else _sig_pushes(tx)


@pytest.mark.parametrize("script_type", SCRIPT_TYPES)
def test_full_extra_input_or_output_is_refused(script_type: str) -> None:
    script, a, proof = _full(script_type)
    for change in ("input", "output"):
        tx = tx_of(proof)
        if change == "input":
            tx.vin.append(TransactionInput(b"\x11" * 32, 0, sequence=0))
        else:
            tx.vout.append(TransactionOutput(0, Script(b"\x6a")))
        with pytest.raises(BadSignature) as e:
            verify_bip322_full(a, script_type, script.hex(), MSG, b64(tx.serialize()))
        assert e.value.code == "not-to-sign"


@pytest.mark.parametrize("field", ["version", "locktime", "sequence", "vout", "value", "script"])
def test_full_to_sign_fields_are_the_defaults(field: str) -> None:
    script, a, proof = _full("p2wsh")
    tx = tx_of(proof)
    if field == "version":
        tx.version = 2
    elif field == "locktime":
        tx.locktime = 1
    elif field == "sequence":
        tx.vin[0].sequence = 1
    elif field == "vout":
        tx.vin[0].vout = 1
    elif field == "value":
        tx.vout[0].value = 1
    else:
        tx.vout[0].script_pubkey = Script(b"\x6a\x00")
    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, "p2wsh", script.hex(), MSG, b64(tx.serialize()))
    assert e.value.code == "not-to-sign"


def test_full_re_signed_with_a_non_default_version_is_refused() -> None:
    """Validly signed over version 2: consensus-valid, but a second spelling of a plain multisig proof."""
    script, a = setup("p2wsh", 2, 3)
    to_sign = bip322_to_sign(bip322_to_spend(a.key, MSG).txid())
    to_sign.version = 2
    digest = to_sign.sighash_segwit(0, Script(script), 0, SIGHASH.ALL)
    ordered = sorted(SECRETS[:2], key=lambda s: script.find(pub(s)))
    to_sign.vin[0].witness = Witness(
        [b"", *[ec.PrivateKey(s).sign(digest).serialize() + b"\x01" for s in ordered], script]
    )
    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, "p2wsh", script.hex(), MSG, b64(to_sign.serialize()))
    assert e.value.code == "not-to-sign"


@pytest.mark.parametrize("script_type", SCRIPT_TYPES)
def test_full_revealed_script_must_be_the_given_one(script_type: str) -> None:
    script, a, proof = _full(script_type)
    other = multisig_script([pub(s) for s in SECRETS[:3]], 1)
    changed = _rebuild(proof, script_type, lambda st: [*st[:-1], other])
    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, script_type, script.hex(), MSG, changed)
    assert e.value.code == "script-mismatch"
    # and the given script must hash to the address
    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, script_type, other.hex(), MSG, proof)
    assert e.value.code == "script-mismatch"


def test_full_proof_for_another_script_type_is_refused() -> None:
    script, a = setup("p2wsh", 2, 3)
    for script_type in ("p2sh", "p2sh-p2wsh"):
        b = multisig_address(BTC, script_type, script)
        proof = sign_bip322_full_multisig(SECRETS[:2], script_type, script, b, MSG)
        with pytest.raises(BadSignature):
            verify_bip322_full(a, "p2wsh", script.hex(), MSG, proof)
        with pytest.raises(BadSignature) as e:
            verify_bip322_full(a, script_type, script.hex(), MSG, proof)
        assert e.value.code == "script-mismatch"


def test_full_nonempty_dummy_is_refused() -> None:
    script, a, proof = _full("p2wsh")
    changed = _rebuild(proof, "p2wsh", lambda st: [b"\x01", *st[1:]])
    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, "p2wsh", script.hex(), MSG, changed)
    assert e.value.code == "witness"


def test_full_p2sh_p2wsh_script_sig_must_be_the_witness_program() -> None:
    script, a, proof = _full("p2sh-p2wsh")
    tx = tx_of(proof)
    for script_sig in (b"", tx.vin[0].script_sig.data + b"\x51", b"\x4c" + tx.vin[0].script_sig.data):
        tx.vin[0].script_sig = Script(script_sig)
        with pytest.raises(BadSignature) as e:
            verify_bip322_full(a, "p2sh-p2wsh", script.hex(), MSG, b64(tx.serialize()))
        assert e.value.code in ("witness", "signature-encoding")


def test_full_p2wsh_script_sig_must_be_empty() -> None:
    script, a, proof = _full("p2wsh")
    tx = tx_of(proof)
    tx.vin[0].script_sig = Script(b"\x00")
    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, "p2wsh", script.hex(), MSG, b64(tx.serialize()))
    assert e.value.code == "witness"


def test_full_p2sh_non_minimal_push_is_refused() -> None:
    script, a, proof = _full("p2sh")
    tx = tx_of(proof)
    raw = tx.vin[0].script_sig.data
    first = raw[1]  # OP_0, then the first signature's direct push
    assert first <= 75
    tx.vin[0].script_sig = Script(raw[:1] + b"\x4c" + raw[1:])  # the same push as OP_PUSHDATA1
    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, "p2sh", script.hex(), MSG, b64(tx.serialize()))
    assert e.value.code == "witness"
    tx.vin[0].script_sig = Script(raw + b"\x61")  # OP_NOP after the pushes
    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, "p2sh", script.hex(), MSG, b64(tx.serialize()))
    assert e.value.code == "witness"


def test_full_p2sh_spend_with_a_witness_is_refused() -> None:
    script, a, proof = _full("p2sh")
    tx = tx_of(proof)
    tx.vin[0].witness = Witness([b"\x01"])
    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, "p2sh", script.hex(), MSG, b64(tx.serialize()))
    assert e.value.code == "witness"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda p: b64(base64.b64decode(p) + b"\x00"),
        lambda p: b64(base64.b64decode(p)[:-1]),
        lambda p: "ful" + p,
        lambda p: p.rstrip("=") if p.endswith("=") else p + "==",
        lambda p: "",
        lambda p: "AAAA",
    ],
    ids=["trailing byte", "truncated", "variant prefix", "padding", "empty", "four zero bytes"],
)
def test_full_encoding_errors(mangle) -> None:  # type: ignore[no-untyped-def]
    script, a, proof = _full("p2wsh")
    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, "p2wsh", script.hex(), MSG, mangle(proof))
    assert e.value.code == "signature-encoding"


def test_full_variant_prefix_gets_a_hint() -> None:
    script, a, proof = _full("p2wsh")
    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, "p2wsh", script.hex(), MSG, "ful" + proof)
    assert "drop the BIP-322 variant prefix 'ful'" in e.value.message


def test_full_random_mutations_never_pass() -> None:
    import random

    from solvent.protocol.errors import SolventError

    rng = random.Random(7)
    for script_type in SCRIPT_TYPES:
        script, a, proof = _full(script_type)
        raw = base64.b64decode(proof)
        for _ in range(300):
            b = bytearray(raw)
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
            with pytest.raises(SolventError):
                verify_bip322_full(a, script_type, script.hex(), MSG, b64(bytes(b)))


# --- the published BIP-322 2.0 vectors (an independent implementation) ----------------------------------


def _vector_type(case: dict) -> str:
    kind = case["type"].rsplit("-multisig", 1)[0]
    assert kind in SCRIPT_TYPES
    return kind


def _strip(signature: str, prefix: str) -> str:
    assert signature.startswith(prefix) or prefix == "smp"
    return signature.removeprefix(prefix)


@pytest.mark.parametrize("case", VECTORS["simple_multisig"], ids=lambda c: c["type"] + " " + c["message"][:12])
def test_published_simple_p2wsh_multisig_vectors_verify(case: dict) -> None:
    a = normalize_address(BTC, case["address"])
    signature = _strip(case["bip322_signatures"][0], "smp")
    result = verify_bip322_simple_multisig(a, case["witness_script"], case["message"], signature)
    assert result.k == result.n == len(case["private_keys"])
    with pytest.raises(BadSignature):
        verify_bip322_simple_multisig(a, case["witness_script"], case["message"] + "!", signature)


@pytest.mark.parametrize("case", VECTORS["full_multisig"], ids=lambda c: c["type"])
def test_published_full_multisig_vectors(case: dict) -> None:
    """The four published full multisig vectors sign a to_sign with version 2, locktime and sequence 2016.

    Their signatures and spends check out (sighash, script, OP_CHECKMULTISIG) when those
    fields are allowed; the strict API refuses them for the fields alone (docs: a plain
    multisig proof keeps every field at its default).  The vector's own keys then sign
    the default to_sign, which the strict API accepts.
    """
    from solvent.reserves.btc_multisig import _parse_tx, _verify_spend

    a = normalize_address(BTC, case["address"])
    script_type = _vector_type(case)
    script_hex = case["witness_script"] or case["sig_script"]
    proof = _strip(case["bip322_signatures"][0], "ful")
    assert (case["tx_version"], case["lock_time"], case["sequence"]) == (2, 2016, 2016)
    tx = _parse_tx(base64.b64decode(proof), a)
    result = _verify_spend(tx, a, script_type, script_hex, case["message"], default_fields=False)
    assert result.k == result.n == len(case["private_keys"])
    with pytest.raises(BadSignature) as e:
        verify_bip322_full(a, script_type, script_hex, case["message"], proof)
    assert e.value.code == "not-to-sign"
    secrets = [ec.PrivateKey.from_wif(w).secret for w in case["private_keys"]]
    script = bytes.fromhex(script_hex)
    ours = sign_bip322_full_multisig(secrets, script_type, script, a, case["message"])
    assert verify_bip322_full(a, script_type, script_hex, case["message"], ours).signers == result.signers


@pytest.mark.parametrize("case", VECTORS["error_multisig"], ids=lambda c: c["description"])
def test_published_multisig_error_vectors_fail(case: dict) -> None:
    """Wrong message / wrong signer: each vector names an address and a signature that must not verify."""
    from solvent.reserves.btc_multisig import _parse_tx, _verify_spend

    a = normalize_address(BTC, case["address"])
    sig = case["signature"]
    # the error vectors do not carry the script: take the one the signature reveals
    if sig.startswith("smp"):
        items = Witness.parse(base64.b64decode(sig[3:])).items
        with pytest.raises(BadSignature):
            verify_bip322_simple_multisig(a, bytes(items[-1]).hex(), case["message"], sig[3:])
        return
    tx = Transaction.parse(base64.b64decode(sig[3:]))
    script_type = next(t for t in SCRIPT_TYPES if case["description"].split()[3].startswith(t + "-multisig"))
    if script_type == "p2sh":
        from solvent.reserves.btc_multisig import _parse_pushes

        revealed = _parse_pushes(tx.vin[0].script_sig.data, a)[-1]
    else:
        revealed = bytes(tx.vin[0].witness.items[-1])
    with pytest.raises(BadSignature):
        _verify_spend(_parse_tx(base64.b64decode(sig[3:]), a), a, script_type, revealed.hex(), case["message"],
                      default_fields=False)  # fmt: skip
