"""The standard-library Ed25519 verifier (solvent.protocol.ed25519) against RFC 8032 and OpenSSL.

Every rule of the module docstring has a case here that fails without it; the
differential part holds the verifier to pyca/cryptography's answers on seeded keys,
messages and tampered signatures, generated inside the test.
"""

from __future__ import annotations

import random

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from solvent.protocol import ed25519
from solvent.protocol.ed25519 import L, P
from solvent.protocol.errors import BadSignature, FormatError
from solvent.protocol.signature import verify_manifest_signature

# RFC 8032 §7.1: (secret key, public key, message, signature), hex.  Each is also
# re-derived and re-signed with pyca/cryptography below, so a copying slip cannot pass.
RFC8032 = {
    "test 1": (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    "test 2": (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    "test 3": (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
        "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
    "test 1024": (
        "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
        "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
        "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1"
        "e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
        "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a"
        "7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
        "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc10"
        "3b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
        "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d"
        "502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
        "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089b"
        "eccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
        "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969b"
        "e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
        "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988d"
        "cda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
        "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7"
        "984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
        "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac09"
        "43bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
        "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f161"
        "0e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
        "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8ca"
        "c60c905c15fc910840b94c00a0b9d0",
        "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
        "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03",
    ),
    "test SHA(abc)": (
        "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
        "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
    ),
}


def openssl_accepts(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def ours_accepts(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        ed25519.verify(public_key, message, signature)
    except BadSignature:
        return False
    return True


def refusal(public_key: bytes, message: bytes, signature: bytes) -> str:
    with pytest.raises(BadSignature) as info:
        ed25519.verify(public_key, message, signature)
    assert info.value.code == "bad-signature"
    return info.value.message


def encode(point: ed25519.Point) -> bytes:
    """RFC 8032 §5.1.2 (the verifier never encodes; the tests build points with it)."""
    x_, y_, z, _ = point
    inverse = pow(z, P - 2, P)
    x, y = x_ * inverse % P, y_ * inverse % P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def signed(seed: bytes, message: bytes) -> tuple[bytes, bytes]:
    key = Ed25519PrivateKey.from_private_bytes(seed)
    return key.public_key().public_bytes_raw(), key.sign(message)


@pytest.mark.parametrize("name", RFC8032)
def test_rfc8032_vectors(name: str) -> None:
    secret, public, message, signature = (bytes.fromhex(x) for x in RFC8032[name])
    assert signed(secret, message) == (public, signature)  # the vector as copied is the RFC's
    ed25519.verify(public, message, signature)
    assert not ours_accepts(public, message + b"\x00", signature)


def test_differential_against_openssl() -> None:
    """A few hundred seeded keys and messages: every honest signature verifies, and every
    tampered one (a flipped bit in R, S, the message or the key) gets OpenSSL's answer."""
    rng = random.Random(8032)
    tampered = 0
    for i in range(240):
        seed = rng.randbytes(32)
        message = rng.randbytes(rng.choice([0, 1, 32, 64, 200, 1000]))
        public, signature = signed(seed, message)
        assert ours_accepts(public, message, signature), i
        key, msg, sig = bytearray(public), bytearray(message or b"\x00"), bytearray(signature)
        part = ("R", "S", "message", "key")[i % 4]
        target = {"R": (sig, 0, 32), "S": (sig, 32, 64), "message": (msg, 0, len(msg)), "key": (key, 0, 32)}[part]
        buffer, start, stop = target
        bit = rng.randrange(8 * start, 8 * stop)
        buffer[bit // 8] ^= 1 << (bit % 8)
        args = bytes(key), bytes(msg), bytes(sig)
        expected = openssl_accepts(*args)
        assert ours_accepts(*args) == expected, (i, part, bit)
        tampered += not expected
    assert tampered == 240  # no bit flip produced another valid signature


def test_s_plus_l_is_refused() -> None:
    public, signature = signed(b"\x07" * 32, b"manifest")
    s = int.from_bytes(signature[32:], "little")
    malleated = signature[:32] + (s + L).to_bytes(32, "little")
    assert not openssl_accepts(public, b"manifest", malleated)
    assert "not below the group order" in refusal(public, b"manifest", malleated)
    edge = signature[:32] + L.to_bytes(32, "little")  # S = L exactly is also out of range
    assert "not below the group order" in refusal(public, b"manifest", edge)


def _point(y: int, sign: int = 0) -> bytes:
    return (y | sign << 255).to_bytes(32, "little")


def test_non_canonical_key_and_r_are_refused() -> None:
    public, signature = signed(b"\x09" * 32, b"m")
    # y >= p: y = p + 3 is the same y as 3 once reduced (3 lies on the curve), spelled otherwise.
    ed25519._decode(_point(3), "y = 3")  # the reduced spelling decodes
    assert "y >= p" in refusal(_point(P + 3), b"m", signature)
    assert "y >= p" in refusal(public, b"m", _point(P + 3) + signature[32:])
    # x = 0 with the sign bit set: y = 1 (the neutral point) and y = p - 1 (order 2).
    for y in (1, P - 1):
        assert "x = 0" in refusal(_point(y, 1), b"m", signature)
        assert "x = 0" in refusal(public, b"m", _point(y, 1) + signature[32:])


def test_a_key_that_is_not_a_point_is_refused() -> None:
    public, signature = signed(b"\x0a" * 32, b"m")
    y = next(y for y in range(2, 100) if not _decodes(_point(y)))
    assert "not a point of the curve" in refusal(_point(y), b"m", signature)
    assert not openssl_accepts(_point(y), b"m", signature)
    assert "not a point of the curve" in refusal(public, b"m", _point(y) + signature[32:])


def _decodes(encoded: bytes) -> bool:
    try:
        ed25519._decode(encoded, "p")
    except BadSignature:
        return False
    return True


def test_small_order_key_is_refused_though_the_equation_holds() -> None:
    """With the neutral point as key, [k]A vanishes and R = [s]B "signs" every message; the
    equation alone accepts it.  OpenSSL accepts it too; this verifier does not."""
    neutral = _point(1)
    s = 12345
    forged = encode(ed25519._double_multiply(s, ed25519.B, 0, ed25519.NEUTRAL)) + s.to_bytes(32, "little")
    for message in (b"any", b"manifest"):
        assert openssl_accepts(neutral, message, forged)  # the equation holds
        assert "small order" in refusal(neutral, message, forged)
    # Every other small-order point, as key and as R.
    order_4 = _point(0)  # (sqrt(-1), 0)
    order_2 = _point(P - 1)  # (0, -1)
    public, signature = signed(b"\x0b" * 32, b"m")
    for point in (order_4, order_2, neutral):
        assert "public key is a point of small order" in refusal(point, b"m", signature)
        assert "R is a point of small order" in refusal(public, b"m", point + signature[32:])


def test_wrong_lengths_are_refused() -> None:
    public, signature = signed(b"\x0c" * 32, b"m")
    assert "64" in refusal(public, b"m", signature[:63])
    assert "32 bytes" in refusal(public[:31], b"m", signature)


def test_manifest_signature_api() -> None:
    public, signature = signed(b"\x0d" * 32, b"{}\n")
    verify_manifest_signature(b"{}\n", signature, public)
    with pytest.raises(BadSignature) as info:
        verify_manifest_signature(b"{} \n", signature, public)
    assert info.value.evidence == {"public_key": public.hex(), "signature": signature.hex()}
    with pytest.raises(FormatError, match=r"signing\.pub"):
        verify_manifest_signature(b"{}\n", signature, public[:31])
