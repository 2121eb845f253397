"""How fast ownership signatures verify, per scheme (an exchange may list thousands of wallets).

Run: .venv/bin/python benchmarks/bench_reserves.py [N]
Prints signatures verified per second for EIP-191, BIP-137 and BIP-322 (P2WPKH, P2TR).
"""

from __future__ import annotations

import secrets
import sys
import time

from solvent.demo.signers import (
    bitcoin_address,
    ethereum_address,
    sign_bip137,
    sign_bip322_simple,
    sign_eip191,
)
from solvent.reserves.challenge import challenge_message
from solvent.reserves.ownership import verify_ownership
from solvent.reserves.pinned_block import BlockPin

PIN = {"ethereum": BlockPin("ethereum", 1, "aa" * 32), "bitcoin": BlockPin("bitcoin", 1, "bb" * 32)}


def cases(n: int):
    for label, make in (
        ("eip191", lambda k: (ethereum_address(k), "eip191", sign_eip191)),
        ("bip137 p2pkh", lambda k: (bitcoin_address(k, "p2pkh"), "bip137", sign_bip137)),
        ("bip322 p2wpkh", lambda k: (bitcoin_address(k, "p2wpkh"), "bip322-simple", None)),
        ("bip322 p2tr", lambda k: (bitcoin_address(k, "p2tr"), "bip322-simple", None)),
    ):
        items = []
        for _ in range(n):
            key = secrets.token_bytes(32)
            address, scheme, sign = make(key)
            message = challenge_message("Bench Exchange", "bench", PIN[address.chain], address, signing_key="cc" * 32)
            sig = sign(key, message) if sign else sign_bip322_simple(key, address, message)
            items.append((address, message, sig, scheme))
        yield label, items


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    for label, items in cases(n):
        start = time.perf_counter()
        for address, message, sig, scheme in items:
            verify_ownership(address, message, sig, scheme)
        elapsed = time.perf_counter() - start
        print(f"{label:<14} {n / elapsed:10.0f} verifications/s  ({elapsed * 1e3 / n:.2f} ms each, n={n})")


if __name__ == "__main__":
    main()
