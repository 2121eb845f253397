"""Vectors of the manifest signature: a ``signing.pub``, a ``snapshot.json.sig`` and the
manifest they sign (the KAT manifest, ``manifests/kat.json``), read and checked as
``solvent verify`` does (protocol/signature.py parse_public_key, parse_signature, then
protocol/ed25519.py verify) and as the page does (protocol/js/signature.js).

Each case breaks one rule (or none), so that both sides name the same first refusal:
``{"valid": true}``, ``{"error": "hex" | "format", "file": "signing.pub" | "snapshot.json.sig"}``
for a file that does not parse, or ``{"error": "bad-signature", "rule": ...}`` with the rule of
ed25519.py's ``evidence["rule"]``. The keys are made with pyca/cryptography, as ``solvent
keygen`` makes them (from a fixed seed); every small-order key comes with a signature that
OpenSSL (pyca/cryptography, and node's WebCrypto) accepts for the manifest, checked here when
the vectors are written, so that only the strict rules refuse it.
"""

from __future__ import annotations

import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from solvent.protocol import ed25519
from solvent.protocol.ed25519 import L, P
from tests.conformance.proofs import MANIFEST, dump, manifest
from tests.conformance.recipes import Spec, input_of, vector

__all__ = ["SMALL_ORDER_POINTS", "encode", "signature_vectors"]

KEY = "signing.pub"
SIG = "snapshot.json.sig"


def encode(point: ed25519.Point) -> bytes:
    """RFC 8032 §5.1.2 (the verifier never encodes; the vectors build points with it)."""
    x_, y_, z, _ = point
    inverse = pow(z, P - 2, P)
    x, y = x_ * inverse % P, y_ * inverse % P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def _torsion() -> list[bytes]:
    """The eight points of order dividing 8, encoded: the multiples of [L]Q for a point Q
    whose [L]Q has order 8 (the 8-torsion of edwards25519 is cyclic)."""
    y = 2
    while True:
        try:
            q = ed25519._decode(y.to_bytes(32, "little"), "Q")
        except ed25519.BadSignature:
            y += 1
            continue
        t = ed25519._double_multiply(L, q, 0, ed25519.NEUTRAL)
        points, current = [], ed25519.NEUTRAL
        for _ in range(8):
            points.append(encode(current))
            current = ed25519._add(current, t)
        if len(set(points)) == 8:
            return sorted(points)
        y += 1


#: Every small-order point, canonically encoded.
SMALL_ORDER_POINTS = _torsion()


def _openssl_accepts(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def _forged(small: bytes, message: bytes) -> bytes:
    """A signature OpenSSL accepts for ``message`` under the small-order key ``small``:
    R = neutral, S = 0 for the neutral key ([0]B == R + [k]A for every k); otherwise R = [r]B,
    S = r for the first r with [k]A neutral (k a multiple of the key's order)."""
    if small == encode(ed25519.NEUTRAL):
        return small + bytes(32)
    for r in range(1, 1000):
        forged = encode(ed25519._double_multiply(r, ed25519.B, 0, ed25519.NEUTRAL)) + r.to_bytes(32, "little")
        if _openssl_accepts(small, message, forged):
            return forged
    raise AssertionError("no forgery found")


def ed25519_y8() -> int:
    """The y of two of the four points of order 8 (the other two have p - y8)."""
    return 0x7A03AC9277FDC74EC6CC392CFA53202A0F67100D760B3CBA4FD84D3D706A17C7


def _point(y: int, sign: int = 0) -> bytes:
    return (y | sign << 255).to_bytes(32, "little")


def _off_curve() -> bytes:
    y = 2
    while True:
        try:
            ed25519._decode(_point(y), "y")
        except ed25519.BadSignature:
            return _point(y)
        y += 1


def _line(data: bytes) -> bytes:
    return data.hex().encode() + b"\n"


def signature_vectors() -> dict[str, Spec]:
    message = dump(manifest())
    secret = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"solvent conformance signing key").digest())
    public = secret.public_key().public_bytes_raw()
    signature = secret.sign(message)
    other = secret.sign(message + b" ")  # a signature of other bytes
    assert _openssl_accepts(public, message, signature) and not _openssl_accepts(public, message, other)
    key, sig = _line(public), _line(signature)
    s = int.from_bytes(signature[32:], "little")
    r_bytes = signature[:32]

    def valid(description: str, key_data: bytes = key, sig_data: bytes = sig) -> tuple[str, bytes, bytes, Spec]:
        return description, key_data, sig_data, {"valid": True}

    def bad(file: str, code: str, description: str, data: bytes) -> tuple[str, bytes, bytes, Spec]:
        key_data, sig_data = (data, sig) if file == KEY else (key, data)
        return description, key_data, sig_data, {"error": code, "file": file}

    def refused(rule: str, description: str, key_data: bytes, sig_data: bytes) -> tuple[str, bytes, bytes, Spec]:
        return description, key_data, sig_data, {"error": "bad-signature", "rule": rule}

    hex_key, hex_sig = public.hex(), signature.hex()
    cases: dict[str, tuple[str, bytes, bytes, Spec]] = {
        "valid": valid("signing.pub and snapshot.json.sig as solvent writes them: one line each"),
        "valid-no-newline": valid("both files without their final line feed", hex_key.encode(), hex_sig.encode()),
        "valid-crlf": valid("both lines ended by CR LF", hex_key.encode() + b"\r\n", hex_sig.encode() + b"\r\n"),
        "valid-ascii-spaces-around": valid(
            "tab, vertical tab, form feed and spaces around (Python's str.strip())",
            b" \t\x0b" + hex_key.encode() + b"\x0c \n",
            b"\t" + hex_sig.encode() + b" \n\n",
        ),
        "valid-separator-controls-around": valid(
            "U+001C..U+001F around: white space to Python's str.strip(), not to JavaScript's trim()",
            b"\x1c\x1d" + hex_key.encode() + b"\x1e\x1f",
            b"\x1f" + hex_sig.encode() + b"\x1c",
        ),
        # signing.pub that does not parse
        "key-upper-case": bad(KEY, "hex", "the key in upper-case hex", hex_key.upper().encode() + b"\n"),
        "key-mixed-case": bad(KEY, "hex", "one upper-case digit", (hex_key[:-1] + "F").encode() + b"\n"),
        "key-not-hex": bad(KEY, "hex", "'0g' pairs: parseInt reads them as 0, the neutral key",
                           ("01" + "0g" * 31).encode() + b"\n"),
        "key-no-break-space-around": bad(KEY, "hex", "U+00A0 around: not ASCII (JavaScript's trim() removes it)",
                                         "\u00a0".encode() + hex_key.encode() + "\u00a0\n".encode()),
        "key-ideographic-space-after": bad(KEY, "hex", "U+3000 after the key: not ASCII",
                                           hex_key.encode() + "\u3000\n".encode()),
        "key-line-separator-after": bad(KEY, "hex", "U+2028 after the key: not ASCII",
                                        hex_key.encode() + "\u2028".encode()),
        "key-next-line-after": bad(KEY, "hex", "U+0085 after the key: not ASCII", hex_key.encode() + "\u0085".encode()),
        "key-byte-order-mark": bad(KEY, "hex", "a UTF-8 byte-order mark before the key: not ASCII",
                                   b"\xef\xbb\xbf" + key),
        "key-latin-1-byte": bad(KEY, "hex", "a byte 0xa0 (Latin-1 no-break space) after the key", key[:-1] + b"\xa0"),
        "key-second-line": bad(KEY, "hex", "a second line after the key", key + b"# comment\n"),
        "key-twice": bad(KEY, "hex", "the key on two lines", key + key),
        "key-space-inside": bad(KEY, "hex", "a space in the middle",
                                (hex_key[:32] + " " + hex_key[32:]).encode() + b"\n"),
        "key-63-digits": bad(KEY, "hex", "one digit short", hex_key[:63].encode() + b"\n"),
        "key-65-digits": bad(KEY, "hex", "one digit over", hex_key.encode() + b"0\n"),
        "key-0x-prefix": bad(KEY, "hex", "0x before the 64 digits", b"0x" + key),
        "key-empty": bad(KEY, "hex", "an empty file", b""),
        "key-only-spaces": bad(KEY, "hex", "only white space", b" \n\t\n"),
        "key-private-key-file": bad(KEY, "format", "a signing.key (solvent signing key v1) given as the public key",
                                    b"solvent signing key v1\n" + b"ab" * 32 + b"\n"),
        "key-private-key-file-indented": bad(KEY, "format", "the same after spaces and a blank line",
                                             b" \n solvent master key v1\n" + b"cd" * 32 + b"\n"),
        # snapshot.json.sig that does not parse
        "sig-upper-case": bad(SIG, "hex", "the signature in upper-case hex", hex_sig.upper().encode() + b"\n"),
        "sig-not-hex": bad(SIG, "hex", "a 'g' in the signature", ("0g" + hex_sig[2:]).encode() + b"\n"),
        "sig-no-break-space-around": bad(SIG, "format", "U+00A0 around: not ASCII (Python: format, not hex)",
                                         "\u00a0".encode() + hex_sig.encode() + "\u00a0".encode()),
        "sig-second-line": bad(SIG, "hex", "a second line after the signature", sig + b"x\n"),
        "sig-127-digits": bad(SIG, "hex", "one digit short", hex_sig[:127].encode() + b"\n"),
        "sig-empty": bad(SIG, "hex", "an empty file", b""),
        # steps 1-5 of ed25519.verify
        "s-plus-l": refused("s-not-below-l", "S + L: the same signature spelt again (malleability)",
                            key, _line(r_bytes + (s + L).to_bytes(32, "little"))),
        "s-equals-l": refused("s-not-below-l", "S = L exactly", key, _line(r_bytes + L.to_bytes(32, "little"))),
        "key-y-not-below-p": refused("key-not-canonical", "the key y + p for y = 3, a point: y >= p",
                                     _line(_point(P + 3)), sig),
        "key-x-zero-sign-bit": refused("key-not-canonical", "the neutral point with the sign bit set (x = 0)",
                                       _line(_point(1, 1)), sig),
        "r-y-not-below-p": refused("r-not-canonical", "R spelt with y >= p", key,
                                   _line(_point(P + 3) + signature[32:])),
        "r-x-zero-sign-bit": refused("r-not-canonical", "R = (0, -1) with the sign bit set", key,
                                     _line(_point(P - 1, 1) + signature[32:])),
        "key-off-curve": refused("key-not-on-curve", "a key whose y has no point on the curve",
                                 _line(_off_curve()), sig),
        "r-off-curve": refused("r-not-on-curve", "an R whose y has no point on the curve", key,
                               _line(_off_curve() + signature[32:])),
        "r-neutral": refused("r-small-order", "R = the neutral point with the real key", key,
                             _line(_point(1) + signature[32:])),
        "r-order-4": refused("r-small-order", "R of order 4 (y = 0) with the real key", key,
                             _line(_point(0) + signature[32:])),
        "other-message": refused("equation", "the key's signature of other bytes than the manifest", key, _line(other)),
        "s-changed": refused("equation", "S one more (still below L)", key,
                             _line(r_bytes + (s + 1).to_bytes(32, "little"))),
        "other-key": refused("equation", "another honest key", _line(bytes.fromhex(
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")), sig),
    }
    for small in SMALL_ORDER_POINTS:
        forged = _forged(small, message)
        assert _openssl_accepts(small, message, forged), small.hex()
        n = int.from_bytes(small, "little")
        y, sign = n & ((1 << 255) - 1), n >> 255
        name = {1: "neutral", P - 1: "order-2", 0: "order-4", ed25519_y8(): "order-8-y8"}.get(y, "order-8-minus-y8")
        if y not in (1, P - 1):
            name += f"-sign-{sign}"
        cases[f"small-order-key-{name}"] = refused(
            "key-small-order",
            f"the small-order key {small.hex()} with a signature OpenSSL accepts for the manifest",
            _line(small), _line(forged))
    return {name: signature_vector(description, k, sg, expect) for name, (description, k, sg, expect) in cases.items()}


def signature_vector(description: str, key_data: bytes, sig_data: bytes, expect: Spec) -> Spec:
    out = vector("signature", description, input_of(key_data), expect)
    out["message"] = MANIFEST
    out["signature"] = input_of(sig_data)
    return out
