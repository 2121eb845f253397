"""Bitcoin ownership signatures against published vectors (BIP-322, bitcoinjs-message for BIP-137)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from embit import ec

from solvent.demo.signers import (
    bip322_message_hash,
    bip322_to_sign,
    bip322_to_spend,
    bitcoin_address,
    sign_bip137,
    sign_bip322_simple,
)
from solvent.protocol.errors import BadSignature
from solvent.reserves.btc_sig import BIP137, BIP322_SIMPLE, bip137_digest, detect_scheme
from solvent.reserves.chains import CHAINS, normalize_address
from solvent.reserves.ecdsa import SECP256K1_N
from solvent.reserves.ownership import verify_ownership

VECTORS = Path(__file__).parent / "vectors"
BIP322 = json.loads((VECTORS / "bip322.json").read_text())
BIP137_FIXTURES = json.loads((VECTORS / "bip137-bitcoinjs-message.json").read_text())
BTC = CHAINS["bitcoin"]
SECRET = ec.PrivateKey.from_wif(BIP322["private_key_wif"]).secret


def addr(text: str):
    return normalize_address(BTC, text)


def test_the_bip_key_gives_the_bip_addresses() -> None:
    assert bitcoin_address(SECRET, "p2wpkh").text == BIP322["p2wpkh_address"]
    assert bitcoin_address(SECRET, "p2tr").text == BIP322["p2tr_address"]


@pytest.mark.parametrize("case", BIP322["message_hashes"], ids=lambda c: repr(c["message"]))
def test_bip322_message_hash(case: dict) -> None:
    assert bip322_message_hash(case["message"]).hex() == case["hash"]


@pytest.mark.parametrize("case", BIP322["transaction_hashes"], ids=lambda c: repr(c["message"]))
def test_bip322_virtual_transactions(case: dict) -> None:
    to_spend = bip322_to_spend(addr(BIP322["p2wpkh_address"]).key, case["message"])
    assert to_spend.txid().hex() == case["to_spend"]
    assert bip322_to_sign(to_spend.txid()).txid().hex() == case["to_sign"]


@pytest.mark.parametrize(
    "case", [c for c in BIP322["p2wpkh_signatures"] if c["deterministic"]], ids=lambda c: repr(c["message"])
)
def test_signer_reproduces_the_bip_signatures_byte_for_byte(case: dict) -> None:
    assert sign_bip322_simple(SECRET, addr(BIP322["p2wpkh_address"]), case["message"]) == case["signature"]


@pytest.mark.parametrize("case", BIP322["p2wpkh_signatures"], ids=lambda c: c["signature"][:12])
def test_published_p2wpkh_signatures_verify(case: dict) -> None:
    a = addr(BIP322["p2wpkh_address"])
    assert detect_scheme(case["signature"]) == BIP322_SIMPLE
    verify_ownership(a, case["message"], case["signature"], BIP322_SIMPLE)
    other = "Hello World" if case["message"] == "" else ""
    with pytest.raises(BadSignature):
        verify_ownership(a, other, case["signature"], BIP322_SIMPLE)


MULTISIG_VECTORS = json.loads((VECTORS / "bip322-multisig.json").read_text())


@pytest.mark.parametrize("case", MULTISIG_VECTORS["simple_p2tr"], ids=lambda c: repr(c["message"]))
def test_published_p2tr_signatures_verify_and_fail_for_a_changed_message(case: dict) -> None:
    """BIP-322 2.0's own 64-byte P2TR vectors (their 'smp' variant prefix removed)."""
    a = addr(case["address"])
    signature = case["bip322_signatures"][0].removeprefix("smp")
    verify_ownership(a, case["message"], signature, BIP322_SIMPLE)
    with pytest.raises(BadSignature):
        verify_ownership(a, case["message"] + "!", signature, BIP322_SIMPLE)


def test_bitcoin_core_p2tr_vector_with_a_sighash_byte_is_refused() -> None:
    """Bitcoin Core's P2TR vector is a 65-byte SIGHASH_ALL signature: valid for the library, refused here."""
    import bip322

    case = BIP322["p2tr_signatures"][0]
    a = addr(BIP322["p2tr_address"])
    assert bip322.verify_simple_encoded(a.text, case["message"], case["signature"]) is None  # control
    with pytest.raises(BadSignature) as e:
        verify_ownership(a, case["message"], case["signature"], BIP322_SIMPLE)
    assert e.value.code == "signature-encoding" and "65-byte" in e.value.message


def test_p2tr_signer_round_trip() -> None:
    a = bitcoin_address(SECRET, "p2tr")
    verify_ownership(a, "héllo\nworld", sign_bip322_simple(SECRET, a, "héllo\nworld"), BIP322_SIMPLE)


def test_bip322_signature_for_one_address_fails_for_another() -> None:
    sig = BIP322["p2wpkh_signatures"][2]["signature"]
    other = bitcoin_address(bytes(31) + b"\x07", "p2wpkh")
    with pytest.raises(BadSignature):
        verify_ownership(other, "Hello World", sig, BIP322_SIMPLE)


@pytest.mark.parametrize("bad", ["", "not base64!", "AAAA", base64.b64encode(b"\x05" * 70).decode()])
def test_malformed_bip322_signatures_are_bad_signatures_not_crashes(bad: str) -> None:
    with pytest.raises(BadSignature):
        verify_ownership(addr(BIP322["p2wpkh_address"]), "Hello World", bad, BIP322_SIMPLE)


def test_bip322_refuses_address_types_it_does_not_cover() -> None:
    legacy = addr("1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAs")
    with pytest.raises(BadSignature) as e:
        verify_ownership(legacy, "x", BIP322["p2wpkh_signatures"][0]["signature"], BIP322_SIMPLE)
    assert e.value.code == "unsupported-scheme"


def test_bip137_magic_hash_matches_bitcoinjs() -> None:
    # bitcoinjs-message fixtures, valid.magicHash (bitcoin network)
    assert bip137_digest("").hex() == "80e795d4a4caadd7047af389d9f7f220562feb6196032e2131e10563352c4bcc"
    assert bip137_digest("Vires is Numeris").hex() == "f8a5affbef4a3241b19067aa694562f64f513310817297089a8929a930f4f933"


@pytest.mark.parametrize("case", BIP137_FIXTURES["valid"], ids=lambda c: c["kind"])
def test_bip137_published_signatures(case: dict) -> None:
    assert detect_scheme(case["signature"]) == BIP137
    verify_ownership(addr(case["address"]), BIP137_FIXTURES["message"], case["signature"], BIP137)


@pytest.mark.parametrize("case", BIP137_FIXTURES["invalid"], ids=lambda c: c["description"])
def test_bip137_published_invalid_cases(case: dict) -> None:
    with pytest.raises(BadSignature):
        verify_ownership(addr(case["address"]), case["message"], case["signature"], BIP137)


def test_bip137_header_must_match_the_address_type() -> None:
    # The P2SH-P2WPKH signature (header 36) for the bech32 address of the same key is refused:
    # headers 35-38 name P2SH-P2WPKH; the key's P2WPKH address needs 39-42 or 31-34.
    p2sh_sig = BIP137_FIXTURES["valid"][2]["signature"]
    with pytest.raises(BadSignature):
        verify_ownership(addr("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"), "vires is numeris", p2sh_sig, BIP137)


@pytest.mark.parametrize("kind", ["p2pkh", "p2wpkh"])
def test_bip137_compressed_header_covers_all_three_address_types(kind: str) -> None:
    # Electrum and Bitcoin Core write header 31-34 for any address of a compressed key.
    a = bitcoin_address(SECRET, kind)
    verify_ownership(a, "m", sign_bip137(SECRET, "m", "p2pkh"), BIP137)


def test_bip137_high_s_is_rejected() -> None:
    a = bitcoin_address(SECRET, "p2pkh")
    raw = base64.b64decode(sign_bip137(SECRET, "m"))
    s = int.from_bytes(raw[33:], "big")
    recid = (raw[0] - 27) & 3
    flipped = bytes([31 + (recid ^ 1)]) + raw[1:33] + (SECP256K1_N - s).to_bytes(32, "big")
    # the malleated signature still recovers the same key: only the low-s rule stops it
    with pytest.raises(BadSignature) as e:
        verify_ownership(a, "m", base64.b64encode(flipped).decode(), BIP137)
    assert e.value.code == "high-s"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "AAAA",
        base64.b64encode(bytes([50]) + bytes(64)).decode(),
        base64.b64encode(bytes([31]) + bytes(64)).decode(),
    ],
)
def test_malformed_bip137_signatures(bad: str) -> None:
    with pytest.raises(BadSignature):
        verify_ownership(addr("1PMycacnJaSqwwJqjawXBErnLsZ7RkXUAs"), "m", bad, BIP137)


def test_bip137_cannot_sign_for_taproot() -> None:
    with pytest.raises(BadSignature) as e:
        verify_ownership(addr(BIP322["p2tr_address"]), "m", sign_bip137(SECRET, "m"), BIP137)
    assert e.value.code == "unsupported-scheme"


# --- BIP-322 witnesses are parsed strictly (review finding 6) ---------------------------------------


def _signed(kind: str) -> tuple:
    a = bitcoin_address(SECRET, kind)
    return a, base64.b64decode(sign_bip322_simple(SECRET, a, "m"))


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.mark.parametrize("kind", ["p2wpkh", "p2tr"])
@pytest.mark.parametrize("extra", [b"\x00", b"\xff\xff\xff", b"\x01\x00"])
def test_bytes_after_the_witness_are_refused(kind: str, extra: bytes) -> None:
    import bip322

    a, raw = _signed(kind)
    padded = _b64(raw + extra)
    assert bip322.verify_simple_encoded(a.text, "m", padded) is None  # control: the library accepts it
    verify_ownership(a, "m", _b64(raw), BIP322_SIMPLE)  # and the exact witness passes here
    with pytest.raises(BadSignature) as e:
        verify_ownership(a, "m", padded, BIP322_SIMPLE)
    assert e.value.code == "signature-encoding"
    assert "after the stack" in e.value.message


@pytest.mark.parametrize(
    "mangle",
    [
        lambda raw: b"\xfd" + raw[:1] + b"\x00" + raw[1:],  # the item count as a 3-byte compact size
        lambda raw: raw[:-1],  # the last item one byte short
        lambda raw: raw[:1] + b"\xff" + raw[2:],  # an item length beyond the end
        lambda raw: b"\x00",  # no items
        lambda raw: b"",
    ],
    ids=["non-minimal count", "truncated item", "length beyond the end", "empty stack", "nothing"],
)
@pytest.mark.parametrize("kind", ["p2wpkh", "p2tr"])
def test_malformed_witnesses_are_encoding_errors(kind: str, mangle) -> None:
    a, raw = _signed(kind)
    with pytest.raises(BadSignature) as e:
        verify_ownership(a, "m", _b64(mangle(raw)), BIP322_SIMPLE)
    assert e.value.code == "signature-encoding"


def test_parse_witness_items() -> None:
    from solvent.reserves.btc_sig import parse_witness

    a, raw = _signed("p2wpkh")
    items = parse_witness(raw, a)
    assert len(items) == 2 and len(items[1]) == 33  # signature and compressed public key


@pytest.mark.parametrize("scheme", [BIP322_SIMPLE, BIP137])
def test_non_canonical_base64_is_refused(scheme: str) -> None:
    kind = "p2wpkh"
    a = bitcoin_address(SECRET, kind)
    good = sign_bip322_simple(SECRET, a, "m") if scheme == BIP322_SIMPLE else sign_bip137(SECRET, "m", kind)
    stripped = good.rstrip("=")
    assert len(stripped) < len(good), "needs a padded encoding to set padding bits"
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = alphabet[alphabet.index(stripped[-1]) | 1]  # set an unused low bit of the last character
    spelled = stripped[:-1] + last + good[len(stripped) :]
    assert spelled != good and base64.b64decode(spelled) == base64.b64decode(good)  # control: same bytes
    verify_ownership(a, "m", good, scheme)
    with pytest.raises(BadSignature) as e:
        verify_ownership(a, "m", spelled, scheme)
    assert e.value.code == "signature-encoding"


def test_random_mutations_of_a_witness_never_pass() -> None:
    """The reviewer's fuzzing, bounded and seeded: only the exact signature verifies."""
    import random

    rng = random.Random(1)
    for kind in ("p2wpkh", "p2tr"):
        a, raw = _signed(kind)
        for _ in range(1000):
            b = bytearray(raw)
            for _ in range(rng.randint(1, 3)):
                op = rng.random()
                if op < 0.5:
                    b[rng.randrange(len(b))] = rng.randrange(256)
                elif op < 0.75 and len(b) > 1:
                    del b[rng.randrange(len(b))]
                else:
                    b.insert(rng.randrange(len(b) + 1), rng.randrange(256))
            if bytes(b) == raw:
                continue
            with pytest.raises(BadSignature):
                verify_ownership(a, "m", _b64(bytes(b)), BIP322_SIMPLE)


# --- P2TR: one encoding only (one 64-byte Schnorr signature) ----------------------------------------


def _p2tr_sighash_all_witness(message: str) -> tuple:
    """A real 65-byte SIGHASH_ALL key-path signature: consensus-valid, another spelling of a P2TR proof."""
    from embit import script
    from embit.transaction import SIGHASH

    a = bitcoin_address(SECRET, "p2tr")
    to_sign = bip322_to_sign(bip322_to_spend(a.key, message).txid())
    digest = to_sign.sighash_taproot(0, [script.Script(a.key)], [0], SIGHASH.ALL)
    sig = ec.PrivateKey(SECRET).taproot_tweak(b"").schnorr_sign(digest).serialize() + bytes([SIGHASH.ALL])
    return a, sig


def _witness_b64(items: list) -> str:
    from embit.script import Witness

    return _b64(Witness(items).serialize())


@pytest.mark.parametrize(
    "variant",
    ["sighash-all byte", "annex", "extra item", "extra empty item"],
)
def test_p2tr_other_encodings_of_a_valid_signature_are_refused(variant: str) -> None:
    import bip322

    a, raw = _signed("p2tr")
    from solvent.reserves.btc_sig import parse_witness

    (sig64,) = parse_witness(raw, a)
    if variant == "sighash-all byte":
        a, sig65 = _p2tr_sighash_all_witness("m")
        items = [sig65]
    elif variant == "annex":
        items = [sig64, b"\x50"]
    elif variant == "extra item":
        items = [sig64, b"\x01"]
    else:
        items = [sig64, b""]
    other = _witness_b64(items)
    # control: the library (consensus rules) accepts this spelling, so only our check refuses it
    assert bip322.verify_simple_encoded(a.text, "m", other) is None
    verify_ownership(a, "m", _witness_b64([sig64]), BIP322_SIMPLE)
    with pytest.raises(BadSignature) as e:
        verify_ownership(a, "m", other, BIP322_SIMPLE)
    assert e.value.code == "signature-encoding"


def test_p2tr_sighash_default_byte_is_refused() -> None:
    """A 65th byte 0x00 (SIGHASH_DEFAULT spelled out) is invalid under BIP-341 yet accepted by the library."""
    import bip322

    a, raw = _signed("p2tr")
    sig64 = raw[2:]
    assert raw[:2] == b"\x01\x40" and len(sig64) == 64
    other = _witness_b64([sig64 + b"\x00"])
    assert bip322.verify_simple_encoded(a.text, "m", other) is None  # control
    with pytest.raises(BadSignature) as e:
        verify_ownership(a, "m", other, BIP322_SIMPLE)
    assert e.value.code == "signature-encoding"
