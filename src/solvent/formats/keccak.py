"""Keccak-256 (the original Keccak padding, as Ethereum and pycryptodome's ``keccak`` use it).

Standard library only: ``hashlib.sha3_256`` is FIPS 202 SHA-3, whose padding differs, so the
OKX zk-STARK inclusion proofs (which hash with Keccak-256) need this.  Written from the
Keccak reference description: the round constants and rotation offsets are derived here
from their defining rules, not copied as tables.  Slow (pure Python), which is fine for the
few dozen hashes of one inclusion proof.
"""

from __future__ import annotations

__all__ = ["keccak256"]

_MASK = (1 << 64) - 1
_RATE = 136  # bytes: 1600 - 2 * 256 bits


def _round_constants() -> tuple[int, ...]:
    """RC[i]: bit 2^j - 1 is rc(j + 7 i) of the degree-8 LFSR x^8 + x^6 + x^5 + x^4 + 1."""
    state = 1
    bits = []
    for _ in range(7 * 24):
        bits.append(state & 1)
        state <<= 1
        if state & 0x100:
            state ^= 0x171
    constants = []
    for i in range(24):
        value = 0
        for j in range(7):
            if bits[7 * i + j]:
                value |= 1 << ((1 << j) - 1)
        constants.append(value)
    return tuple(constants)


def _rotations() -> dict[tuple[int, int], int]:
    """rho offsets: (x, y) walks (1, 0) -> (y, 2x + 3y); step t rotates by (t + 1)(t + 2) / 2."""
    offsets = {(0, 0): 0}
    x, y = 1, 0
    for t in range(24):
        offsets[(x, y)] = ((t + 1) * (t + 2) // 2) % 64
        x, y = y, (2 * x + 3 * y) % 5
    return offsets


_RC = _round_constants()
_ROT = _rotations()


def _rotl(v: int, n: int) -> int:
    return ((v << n) | (v >> (64 - n))) & _MASK if n else v


def _permute(a: list[int]) -> None:
    """Keccak-f[1600] on 25 lanes, lane (x, y) at index x + 5 y."""
    for rc in _RC:
        c = [a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rotl(c[(x + 1) % 5], 1) for x in range(5)]
        for i in range(25):
            a[i] ^= d[i % 5]
        b = [0] * 25
        for x in range(5):
            for y in range(5):
                b[y + 5 * ((2 * x + 3 * y) % 5)] = _rotl(a[x + 5 * y], _ROT[(x, y)])
        for y in range(5):
            row = b[5 * y : 5 * y + 5]
            for x in range(5):
                a[x + 5 * y] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5])
        a[0] ^= rc


def keccak256(data: bytes) -> bytes:
    """Keccak-256 of ``data`` (padding 0x01 ... 0x80)."""
    padded = bytearray(data)
    padded.append(0x01)
    padded.extend(b"\x00" * (-len(padded) % _RATE))
    padded[-1] |= 0x80
    state = [0] * 25
    for start in range(0, len(padded), _RATE):
        block = padded[start : start + _RATE]
        for i in range(_RATE // 8):
            state[i] ^= int.from_bytes(block[8 * i : 8 * i + 8], "little")
        _permute(state)
    return b"".join(state[i].to_bytes(8, "little") for i in range(4))
