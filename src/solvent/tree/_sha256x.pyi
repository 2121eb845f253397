"""Type stub of the C extension built from _sha256x.c (see solvent.tree.native)."""

from typing import Any, TypeAlias

import numpy as np

# Anything with the buffer protocol; numpy's stubs only declare __buffer__ from Python 3.12.
_Buffer: TypeAlias = bytes | bytearray | memoryview | np.ndarray[Any, Any]

def sha256_rows(src: _Buffer, width: int, dst: _Buffer, /) -> None: ...
def hmac_lp(
    keys: _Buffer, prefix: _Buffer, data: _Buffer, offsets: _Buffer, dst: _Buffer, base: int = 0, /
) -> None: ...
def openssl_version() -> str: ...
