"""Generate the BitMEX test vectors from BitMEX's written rules (docs/formats/bitmex.md).

There is no real BitMEX liabilities file to test with, so this builds one the way
BitMEX's README describes: per-account sub-nonces, balances split into random parts
until the leaf row is a power of two, leaves shuffled, HMAC leaves, nodes that hash
both children's values.  It shares no code with ``solvent.formats.bitmex``.

Deterministic (a seeded ``random.Random``, nonces derived from fixed labels), so
``test_bitmex.py`` regenerates the files into a temporary directory and requires
them to be byte-identical to the committed ones.  Writes into ``vectors/bitmex/``:

- ``tree.csv``: the liabilities tree file;
- ``account-<n>.proof.csv``: each account's proof, one line per leaf, in the form
  of BitMEX's ``validate_liabilities.py --print-proof-csv``;
- ``accounts.json``: account numbers, nonces, balances and leaf indices (what each
  customer would be told), and the total;
- ``mutations.json``: one tampered input per entry, with a description and the
  error a verifier must raise.

Run: ``python -m tests.formats.gen_bitmex_vectors [OUT_DIR]``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import struct
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "vectors" / "bitmex"
BLOCK_HEIGHT = 840_000
SEED = 20210812
#: account number -> balance in satoshis: a whale, small accounts, 1 sat (cannot be split), a zero balance
BALANCES = {7: 4_611_686_018_427_387_904, 12: 150_000_000, 31: 2_500, 44: 1, 58: 0, 90: 99_999}


def le64(x: int) -> bytes:
    return struct.pack("<Q", x)


def account_nonce(account: int) -> bytes:
    return hashlib.sha256(f"solvent test vector: BitMEX account nonce {account}".encode()).digest()


def sub_nonce(account: int) -> bytes:
    return hashlib.sha256(account_nonce(account) + le64(BLOCK_HEIGHT) + le64(account)).digest()


def split(balances: dict[int, int], rng: random.Random) -> list[tuple[int, int]]:
    """Split balances, largest first, pass after pass, until the leaf row is a power of two.

    As BitMEX's generator: the target is the power of two at or above twice the number
    of accounts, so every balance above 1 sat is split at least once; zero balances get
    no leaf; the parts are shuffled at the end.
    """
    parts = [(a, v) for a, v in balances.items() if v > 0]
    target = 1
    while target < 2 * len(parts):
        target *= 2
    while len(parts) < target:
        parts.sort(key=lambda p: (p[1], p[0]))
        count, out = len(parts), []
        for account, value in reversed(parts):
            if count < target and value > 1:
                cut = rng.randint(1, value - 1)
                out += [(account, cut), (account, value - cut)]
                count += 1
            else:
                out.append((account, value))
        assert len(out) > len(parts), "nothing left to split"
        parts = out
    rng.shuffle(parts)
    return parts


def build() -> dict[str, Any]:
    rng = random.Random(SEED)
    leaves_of = split(BALANCES, rng)
    leaves = [
        (hmac.new(sub_nonce(a), le64(v) + le64(i), hashlib.sha256).digest(), v) for i, (a, v) in enumerate(leaves_of)
    ]
    levels = [leaves]
    while len(levels[-1]) > 1:
        row = levels[-1]
        levels.append(
            [
                (hashlib.sha256(left[0] + le64(left[1]) + right[0] + le64(right[1])).digest(), left[1] + right[1])
                for left, right in zip(row[0::2], row[1::2], strict=True)
            ]
        )
    tree = [f"block_height:{BLOCK_HEIGHT}"] + [f"{h.hex()},{v}" for row in reversed(levels) for h, v in row]
    proofs = {}
    for account in BALANCES:
        lines = []
        for index, (owner, value) in enumerate(leaves_of):
            if owner != account:
                continue
            siblings, i = [], index
            for row in levels[:-1]:
                siblings.append(row[i ^ 1])
                i //= 2
            lines.append(f"{index},{BLOCK_HEIGHT},{value}," + ",".join(f"{h.hex()},{v}" for h, v in siblings))
        if lines:
            proofs[account] = "\n".join(lines) + "\n"
    accounts = [
        {
            "account": a,
            "account_nonce": account_nonce(a).hex(),
            "nonce": sub_nonce(a).hex(),
            "balance": v,
            "leaves": [i for i, (owner, _) in enumerate(leaves_of) if owner == a],
        }
        for a, v in BALANCES.items()
    ]
    return {
        "tree": "\n".join(tree) + "\n",
        "proofs": proofs,
        "accounts": {"block_height": BLOCK_HEIGHT, "total": sum(BALANCES.values()), "accounts": accounts},
        "levels": levels,
    }


def _replace_line(text: str, number: int, new: str) -> str:
    lines = text.split("\n")
    lines[number - 1] = new
    return "\n".join(lines)


def mutations(built: dict[str, Any]) -> list[dict[str, Any]]:
    """One tampered input per entry; ``expected`` is the error class and code a verifier must raise."""
    tree, levels = built["tree"], built["levels"]
    whale = 7
    proof = built["proofs"][whale]
    nonce = {"secret": sub_nonce(whale).hex()}
    first = proof.split("\n")[0].split(",")
    leaf_line = 2 + sum(len(r) for r in levels[1:])  # the first leaf's line in tree.csv
    h, v = levels[0][0]
    overflow = "\n".join(
        [
            f"block_height:{BLOCK_HEIGHT}",
            f"{'00' * 32},0",
            f"{'11' * 32},{1 << 63}",
            f"{'22' * 32},{1 << 63}",
        ]
    )
    return [
        {
            "name": "leaf-value",
            "description": "a leaf's value in the tree file is one satoshi higher",
            "tree": _replace_line(tree, leaf_line, f"{h.hex()},{v + 1}"),
            "proof": None,
            "params": {},
            "expected": {"error": "VerificationError", "code": "node-hash"},
        },
        {
            "name": "root-value",
            "description": "the root's value is one satoshi lower than the sum of its children",
            "tree": _replace_line(tree, 2, f"{levels[-1][0][0].hex()},{levels[-1][0][1] - 1}"),
            "proof": None,
            "params": {},
            "expected": {"error": "VerificationError", "code": "node-hash"},
        },
        {
            "name": "node-hash",
            "description": "an inner node's hash has one changed digit",
            "tree": _replace_line(tree, 3, "0" + tree.split("\n")[2][1:]),
            "proof": None,
            "params": {},
            "expected": {"error": "VerificationError", "code": "node-hash"},
        },
        {
            "name": "missing-leaf",
            "description": "the last leaf line is missing: the leaf row is not a power of two",
            "tree": "\n".join(tree.rstrip("\n").split("\n")[:-1]) + "\n",
            "proof": None,
            "params": {},
            "expected": {"error": "FormatError", "code": "node-count"},
        },
        {
            "name": "sibling-hash",
            "description": "the account proof's first sibling hash has one changed digit",
            "tree": tree,
            "proof": ",".join([*first[:3], "0" + first[3][1:], *first[4:]]) + "\n",
            "params": nonce,
            "expected": {"error": "RootMismatch", "code": "root-mismatch"},
        },
        {
            "name": "sibling-value",
            "description": "the account proof's first sibling value is one satoshi higher",
            "tree": tree,
            "proof": ",".join([*first[:4], str(int(first[4]) + 1), *first[5:]]) + "\n",
            "params": nonce,
            "expected": {"error": "RootMismatch", "code": "root-mismatch"},
        },
        {
            "name": "leaf-index",
            "description": "the leaf index has its lowest bit flipped",
            "tree": tree,
            "proof": ",".join([str(int(first[0]) ^ 1), *first[1:]]) + "\n",
            "params": nonce,
            "expected": {"error": "RootMismatch", "code": "root-mismatch"},
        },
        {
            "name": "block-height",
            "description": "the account proof names another block height than the tree file",
            "tree": tree,
            "proof": ",".join([first[0], str(BLOCK_HEIGHT + 1), *first[2:]]) + "\n",
            "params": nonce,
            "expected": {"error": "VerificationError", "code": "block-height"},
        },
        {
            "name": "wrong-nonce",
            "description": "the whale's proof checked with another account's nonce",
            "tree": tree,
            "proof": proof,
            "params": {"secret": sub_nonce(12).hex()},
            "expected": {"error": "RootMismatch", "code": "root-mismatch"},
        },
        {
            "name": "zero-balance-account",
            "description": "an account with a zero balance has no leaf: scanning finds nothing",
            "tree": tree,
            "proof": None,
            "params": {"secret": sub_nonce(58).hex()},
            "expected": {"error": "VerificationError", "code": "leaf-not-found"},
        },
        {
            "name": "overflow",
            "description": "two leaves of 2^63 satoshis: their sum does not fit 64 bits (L3)",
            "tree": overflow + "\n",
            "proof": None,
            "params": {},
            "expected": {"error": "SumOverflow", "code": "sum-overflow"},
        },
    ]


def write(out: Path) -> list[Path]:
    built = build()
    out.mkdir(parents=True, exist_ok=True)
    files = {"tree.csv": built["tree"]}
    files |= {f"account-{a}.proof.csv": text for a, text in built["proofs"].items()}
    files["accounts.json"] = json.dumps(built["accounts"], indent=2) + "\n"
    files["mutations.json"] = json.dumps(mutations(built), indent=2) + "\n"
    written = []
    for name, text in sorted(files.items()):
        (out / name).write_text(text, encoding="ascii", newline="\n")
        written.append(out / name)
    return written


if __name__ == "__main__":
    for path in write(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(path)
