"""Batched SHA-256 and HMAC-SHA256 for the tree builder's hot path.

Two backends compute the same bytes:

* ``hashlib`` — the standard library in a Python loop; always available, the
  reference the native backend is tested against;
* ``native`` — a small C extension over OpenSSL's low-level SHA-256 that hashes a
  whole batch per call with the GIL released, so that two threads use both cores.

The builder only ever calls the two methods of :class:`Hasher`.  Rows are fixed-size
messages laid out contiguously; HMAC messages are ``prefix || u32be(len) || data[i]``,
the length-prefixed shape of spec §3 (Hashed client ids), so no per-row message is built in Python.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Protocol

import numpy as np
import numpy.typing as npt

from solvent.protocol.errors import InputError
from solvent.tree.environment import HASHER_VARIABLE, hasher_name

__all__ = ["HashlibHasher", "Hasher", "available_backends", "get_hasher"]

U8 = npt.NDArray[np.uint8]
I64 = npt.NDArray[np.int64]


class Hasher(Protocol):
    name: str

    def sha256_rows(self, rows: U8) -> U8:
        """SHA-256 of each row of a C-contiguous ``(m, L)`` uint8 array -> ``(m, 32)``."""
        ...

    def hmac_lp(self, keys: bytes | U8, prefix: bytes, data: U8, offsets: I64) -> U8:
        """``HMAC-SHA256(key_i, prefix || u32be(len_i) || data[offsets[i]:offsets[i+1]])``.

        ``keys`` is one 32-byte key for every row, or a ``(m, 32)`` uint8 array of
        per-row keys; ``offsets`` has ``m + 1`` entries.  Returns ``(m, 32)`` uint8.
        """
        ...


class HashlibHasher:
    """The reference backend: hashlib and hmac in a loop."""

    name = "hashlib"

    def sha256_rows(self, rows: U8) -> U8:
        m = rows.shape[0]
        out = np.empty((m, 32), dtype=np.uint8)
        if m == 0:
            return out
        flat = np.ascontiguousarray(rows).tobytes()
        width = rows.shape[1]
        sha = hashlib.sha256
        buf = bytearray(32 * m)
        for i in range(m):
            buf[32 * i : 32 * i + 32] = sha(flat[i * width : (i + 1) * width]).digest()
        out[:] = np.frombuffer(bytes(buf), dtype=np.uint8).reshape(m, 32)
        return out

    def hmac_lp(self, keys: bytes | U8, prefix: bytes, data: U8, offsets: I64) -> U8:
        m = len(offsets) - 1
        out = np.empty((m, 32), dtype=np.uint8)
        raw = data.tobytes()
        bounds = offsets.tolist()
        digest = hmac.digest
        buf = bytearray(32 * m)
        if isinstance(keys, bytes):
            for i in range(m):
                piece = raw[bounds[i] : bounds[i + 1]]
                msg = prefix + len(piece).to_bytes(4, "big") + piece
                buf[32 * i : 32 * i + 32] = digest(keys, msg, "sha256")
        else:
            key_rows = np.ascontiguousarray(keys).tobytes()
            for i in range(m):
                piece = raw[bounds[i] : bounds[i + 1]]
                msg = prefix + len(piece).to_bytes(4, "big") + piece
                buf[32 * i : 32 * i + 32] = digest(key_rows[32 * i : 32 * i + 32], msg, "sha256")
        if m:
            out[:] = np.frombuffer(bytes(buf), dtype=np.uint8).reshape(m, 32)
        return out


def available_backends() -> list[str]:
    names = ["hashlib"]
    try:
        from solvent.tree import native  # noqa: F401
    except ImportError:
        return names
    return ["native", *names]




def get_hasher(name: str | None = None) -> Hasher:
    """The named backend, else ``SOLVENT_HASHER``'s, else the fastest available.

    A name that is not an available backend is the operator's input error, naming where
    it came from (``--hasher`` or ``SOLVENT_HASHER``) and the accepted values.
    """
    source = "--hasher"
    if not name:
        name = hasher_name() or ""
        source = HASHER_VARIABLE
    if not name:
        name = available_backends()[0]
    accepted = ", ".join(available_backends())
    evidence = {"source": source, "value": name, "accepted": accepted}
    if name == "hashlib":
        return HashlibHasher()
    if name == "native":
        try:
            from solvent.tree import native
        except ImportError as e:
            raise InputError(
                f"{source}={name}: the native hash backend is not built here; accepted: {accepted}", evidence=evidence
            ) from e
        hasher: Hasher = native.NativeHasher()
        return hasher
    raise InputError(f"{source}: unknown hash backend {name!r}; accepted: {accepted}", evidence=evidence)
