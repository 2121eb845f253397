"""A naive reference of the spec, written straight from docs/spec.md.

Deliberately shares no code with solvent: its own HMAC ids, its own leaf and node
hashing, a recursive tree over an explicit padded leaf list, proofs by recursion.
Slow and obviously right; differential tests compare solvent against it.
"""

from __future__ import annotations

import hashlib
import hmac
import struct


def lp(b: bytes) -> bytes:
    return struct.pack(">I", len(b)) + b


def user_secret(master_key: bytes, uid: str) -> bytes:
    return hmac.new(master_key, lp(b"solvent/user-secret/v1") + lp(uid.encode()), hashlib.sha256).digest()


def hashed_id(secret: bytes, snapshot_id: str, uid: str) -> bytes:
    msg = lp(b"solvent/hcid/v1") + lp(snapshot_id.encode()) + lp(uid.encode())
    return hmac.new(secret, msg, hashlib.sha256).digest()


def u128(x: int) -> bytes:
    assert 0 <= x < 2**128
    return x.to_bytes(16, "big")


def leaf(hid: bytes, amounts: list[int]) -> tuple[bytes, list[int]]:
    return hashlib.sha256(b"\x00" + hid + b"".join(map(u128, amounts))).digest(), list(amounts)


def node(left: tuple[bytes, list[int]], right: tuple[bytes, list[int]]) -> tuple[bytes, list[int]]:
    sums = [a + b for a, b in zip(left[1], right[1])]
    assert all(s < 2**128 for s in sums)
    pre = b"\x01" + left[0] + b"".join(map(u128, left[1])) + right[0] + b"".join(map(u128, right[1]))
    return hashlib.sha256(pre).digest(), sums


def height(n: int) -> int:
    h = 0
    while 2**h < n:
        h += 1
    return h


def padded_leaves(accounts: list[tuple[bytes, list[int]]], n_assets: int) -> list[tuple[bytes, list[int]]]:
    """accounts: (hashed_id, amounts); sorted by id, then padded to 2^height."""
    ordered = sorted(accounts, key=lambda a: a[0])
    leaves = [leaf(h, a) for h, a in ordered]
    pad = leaf(bytes(32), [0] * n_assets)
    return leaves + [pad] * (2 ** height(len(leaves)) - len(leaves))


def levels(leaves: list[tuple[bytes, list[int]]]) -> list[list[tuple[bytes, list[int]]]]:
    out = [leaves]
    while len(out[-1]) > 1:
        prev = out[-1]
        out.append([node(prev[i], prev[i + 1]) for i in range(0, len(prev), 2)])
    return out


def root(accounts: list[tuple[bytes, list[int]]], n_assets: int) -> tuple[bytes, list[int]]:
    return levels(padded_leaves(accounts, n_assets))[-1][0]


def siblings(lv: list[list[tuple[bytes, list[int]]]], index: int) -> list[tuple[bytes, list[int]]]:
    return [lv[k][(index >> k) ^ 1] for k in range(len(lv) - 1)]
