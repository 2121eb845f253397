"""Ed25519 signature *verification* (RFC 8032 §5.1.7), standard library only.

Only public data goes in (a key, a message, a signature), so nothing here needs to be
constant-time.  The checks, in order, each one its own failure (docs/spec.md §5 (The snapshot manifest)):

1. the signature is 64 bytes and the key 32 bytes;
2. ``S`` (the last 32 bytes, little-endian) is below the group order ``L``: no ``S + L``
   second spelling of a signature (malleability);
3. ``A`` (the key) and ``R`` (the first 32 bytes) are *canonical* point encodings:
   ``y < p``, and not ``x = 0`` with the sign bit set; each decodes to a point of the
   curve (RFC 8032 §5.1.3);
4. neither ``A`` nor ``R`` has small order (``[8]P`` is the neutral point): a
   small-order key would let one signature verify for many messages;
5. with ``k = SHA-512(R || A || M) mod L``, the **cofactorless** equation
   ``[S]B == R + [k]A`` holds.

Each refusal names its rule in ``evidence["rule"]``: ``length``, ``s-not-below-l``,
``key-not-canonical``, ``key-not-on-curve``, ``r-not-canonical``, ``r-not-on-curve``,
``key-small-order``, ``r-small-order``, ``equation``. The browser's check
(``protocol/js/signature.js``) gives the same names; the ``signature`` conformance vectors
hold both to them.

This is the strictest reading RFC 8032 allows.  The cofactorless equation accepts a
subset of what the cofactored one (``[8][S]B == [8]R + [8][k]A``) accepts, and it is
the one OpenSSL (hence pyca/cryptography, which signs solvent's manifests) checks, so a
signature is never accepted here and refused there.  OpenSSL also refuses ``S >= L``
and, because it compares the re-encoded ``R``, a non-canonical ``R``.  What is refused
here and may be accepted by OpenSSL is a non-canonical or small-order key and a
small-order ``R``: none of them can come from an honest signer, whose key is ``[a]B``
(a point of order ``L``, the order of ``B``) encoded canonically and whose ``R`` is
``[r]B`` with ``r = 0 mod L`` only with probability ``2^-252``.  The tests hold
this module to OpenSSL's answers on hundreds of keys, messages and tampered signatures.
"""

from __future__ import annotations

import hashlib

from solvent.protocol.errors import BadSignature

__all__ = ["verify"]

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)

#: A point in extended coordinates (X, Y, Z, T) with x = X/Z, y = Y/Z, x*y = T/Z.
Point = tuple[int, int, int, int]
NEUTRAL: Point = (0, 1, 1, 0)


def _add(p: Point, q: Point) -> Point:
    """Complete addition on -x^2 + y^2 = 1 + d x^2 y^2 (RFC 8032 §5.1.4)."""
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * D % P
    dd = 2 * z1 * z2 % P
    e, f, g, h = b - a, dd - c, dd + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _double(p: Point) -> Point:
    x1, y1, z1, _ = p
    a = x1 * x1 % P
    b = y1 * y1 % P
    c = 2 * z1 * z1 % P
    h = a + b
    e = h - (x1 + y1) * (x1 + y1)
    g = a - b
    f = c + g
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _double_multiply(s: int, p: Point, k: int, q: Point) -> Point:
    """[s]P + [k]Q with one chain of doublings (Straus-Shamir; public scalars only)."""
    both = _add(p, q)
    out = NEUTRAL
    for bit in reversed(range(max(s.bit_length(), k.bit_length()))):
        out = _double(out)
        pick = (s >> bit) & 1, (k >> bit) & 1
        if pick == (1, 1):
            out = _add(out, both)
        elif pick == (1, 0):
            out = _add(out, p)
        elif pick == (0, 1):
            out = _add(out, q)
    return out


def _negate(p: Point) -> Point:
    x, y, z, t = p
    return (-x % P, y, z, -t % P)


def _equal(p: Point, q: Point) -> bool:
    x1, y1, z1, _ = p
    x2, y2, z2, _ = q
    return (x1 * z2 - x2 * z1) % P == 0 and (y1 * z2 - y2 * z1) % P == 0


def _is_small_order(p: Point) -> bool:
    return _equal(_double(_double(_double(p))), NEUTRAL)


def _decode(encoded: bytes, what: str, rule: str = "point") -> Point:
    """RFC 8032 §5.1.3, refusing every non-canonical encoding (``rule``: the name of the
    refusal, ``<rule>-not-canonical`` or ``<rule>-not-on-curve``)."""
    n = int.from_bytes(encoded, "little")
    sign, y = n >> 255, n & ((1 << 255) - 1)
    if y >= P:
        raise BadSignature(
            f"{what} is not a canonical point encoding (y >= p)", evidence={"rule": f"{rule}-not-canonical"}
        )
    u, v = (y * y - 1) % P, (D * y * y + 1) % P
    # x = sqrt(u / v), computed as u v^3 (u v^7)^((p-5)/8) since p = 5 mod 8.
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if (v * x * x - u) % P != 0:
        x = x * SQRT_M1 % P
    if (v * x * x - u) % P != 0:
        raise BadSignature(f"{what} is not a point of the curve", evidence={"rule": f"{rule}-not-on-curve"})
    if x == 0 and sign:
        raise BadSignature(
            f"{what} is not a canonical point encoding (x = 0 with the sign bit set)",
            evidence={"rule": f"{rule}-not-canonical"},
        )
    if x & 1 != sign:
        x = P - x
    return (x, y, 1, x * y % P)


def _base_point() -> Point:
    y = 4 * pow(5, P - 2, P) % P
    return _decode(y.to_bytes(32, "little"), "the base point")


B = _base_point()


def verify(public_key: bytes, message: bytes, signature: bytes) -> None:
    """Raise BadSignature unless ``signature`` is ``public_key``'s Ed25519 signature of ``message``."""
    # (1) lengths.
    if len(public_key) != 32 or len(signature) != 64:
        raise BadSignature(
            f"an Ed25519 key is 32 bytes and a signature 64, got {len(public_key)} and {len(signature)}",
            evidence={"rule": "length"},
        )
    r_bytes, s_bytes = signature[:32], signature[32:]
    # (2) S < L: otherwise S + L would be a second valid spelling of the same signature.
    s = int.from_bytes(s_bytes, "little")
    if s >= L:
        raise BadSignature(
            "the signature's S is not below the group order (non-canonical)", evidence={"rule": "s-not-below-l"}
        )
    # (3) canonical encodings that decode to points.
    a = _decode(public_key, "the public key", "key")
    r = _decode(r_bytes, "the signature's R", "r")
    # (4) no small-order key or R.
    if _is_small_order(a):
        raise BadSignature("the public key is a point of small order", evidence={"rule": "key-small-order"})
    if _is_small_order(r):
        raise BadSignature("the signature's R is a point of small order", evidence={"rule": "r-small-order"})
    # (5) [S]B == R + [k]A, cofactorless, checked as [S]B + [k](-A) == R.
    k = int.from_bytes(hashlib.sha512(r_bytes + public_key + message).digest(), "little") % L
    if not _equal(_double_multiply(s, B, k, _negate(a)), r):
        raise BadSignature("the signature does not verify with this public key", evidence={"rule": "equation"})
