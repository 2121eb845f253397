"""OKX zk-STARK user inclusion proofs (2023-24): the Merkle part only.

``{"batch_inclusion_proof": {...}, "trunk_inclusion_proof": {...}[, "config": {...}]}``.
Rules (docs/formats/okx-zkstark.md, learned from okx/proof-of-reserves, the Python
modules ``mk_and_verify_proofs``, ``permuted_tree``, ``keccak_merkle_tree`` and ``constants``
of its ``zk_STARK`` folder):

- an entry is ``total_value`` (32 bytes, big-endian) + Keccak-256 of every coin's value
  modulo the STARK field prime (32 bytes each, in the coin list's order) + the user id (or
  the batch id) + the random number; the leaf is Keccak-256 of the entry;
- the leaf of user ``i`` with ``uts`` trace steps per user sits at position
  ``(uts (i + 1) + uts - 2) * 16`` of the batch's trace tree, the leaf of batch ``b`` at
  ``(32 (b + 1) + 30) * 16`` of the trunk's; the tree's leaves are permuted in fours
  (position ``x`` is stored at ``x // (L/4) + 4 (x % (L/4))``);
- ``merkle_path[0]`` is the leaf itself, the rest the siblings from the bottom up
  (Keccak-256 of left + right);
- the trunk entry's batch id is the batch tree's root.

The zk-STARK proofs of the sums (non-negativity, totals) are not checked here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solvent.formats.base import Finding, ForeignFormat, ForeignResult
from solvent.formats.common import check_recomputed, load_json, read_bytes, root_unanchored, same_digest, single_file
from solvent.formats.keccak import keccak256
from solvent.protocol.errors import FormatError, RootMismatch, VerificationError
from solvent.protocol.strictjson import NumberText, field_names

__all__ = ["FORMAT", "MODULUS", "Part", "Proof", "entry_leaf", "sniff", "verify", "verify_parsed", "verify_proof"]

#: The STARK field prime of OKX's tool (its ``constants`` module): 2^251 + 17 * 2^192 + 1.
MODULUS = 2**251 + 17 * 2**192 + 1
EXTENSION_FACTOR = 16
UTS_FOR_TRUNK = 32
UTS_CHOICES = (16, 32, 64)
MAX_PATH = 40
MAX_COINS = 1024

V2023_04 = "2023-04 (integer values, coin order of the file)"
V2023_05 = "2023-05 (decimal-string values, coin list in the file)"

_BATCH_FIXED = (
    "batch_mtree_root",
    "user_id",
    "total_value",
    "random_number",
    "user_index",
    "batch_index",
    "uts",
    "merkle_path",
)
_TRUNK_FIXED = ("trunk_mtree_root", "batch_id", "total_value", "random_number", "merkle_path")
_HEX32 = re.compile(r"[0-9a-f]{64}\Z")
_COIN = re.compile(r"[A-Za-z0-9._-]{1,32}\Z")
_INTEGER = re.compile(r"-?[0-9]{1,80}")


def _unsupported(message: str) -> FormatError:
    return FormatError(f"OKX zk-STARK inclusion proof: {message}", code="version")


def _hex32(d: Mapping[str, Any], key: str, where: str) -> bytes:
    value = d[key]
    if not isinstance(value, str) or isinstance(value, NumberText) or not _HEX32.match(value):
        raise FormatError(
            f"{where}.{key}: expected 64 lower-case hex digits", code="value", evidence={"field": f"{where}.{key}"}
        )
    return bytes.fromhex(value)


def _looks_like_value(value: object, strings: bool) -> bool:
    """Whether ``value`` is written as this version writes a number: a JSON integer (2023-04)
    or a decimal integer string (2023-05)."""
    written_as = isinstance(value, str) and (isinstance(value, NumberText) != strings)
    return written_as and _INTEGER.fullmatch(str(value)) is not None


def _number(value: object, where: str, strings: bool, low: int) -> int:
    """A value as this version writes it: a JSON integer (2023-04) or a decimal string (2023-05)."""
    if not _looks_like_value(value, strings):
        kind = "a decimal integer string" if strings else "a JSON integer"
        raise FormatError(f"{where}: expected {kind}", code="value", evidence={"field": where})
    number = int(str(value))
    if not low <= number < MODULUS:
        raise FormatError(f"{where}: {number} is outside [{low}, field prime)", code="range", evidence={"field": where})
    return number


@dataclass(frozen=True)
class Part:
    """One of the two inclusion proofs: the user in its batch, or the batch in the trunk."""

    root: bytes
    ident: bytes
    total: int
    values: tuple[int, ...]
    random: bytes
    path: tuple[bytes, ...]

    @classmethod
    def read(cls, obj: object, where: str, fixed: Sequence[str], coins: Sequence[str], strings: bool) -> Part:
        if not isinstance(obj, dict):
            raise FormatError(f"{where}: expected an object", code="type")
        keys = [k for k in obj if k not in fixed]
        missing = [k for k in fixed if k not in obj]
        if missing:
            raise FormatError(f"{where}: missing {', '.join(missing)}", code="fields", evidence={"field": where})
        if unknown := set(keys) - set(coins):
            if all(_looks_like_value(obj[k], strings) for k in unknown):
                # A coin value under a name the coin list lacks: a coin deleted from the
                # list (or from the other part), so the file is malformed, not newer.
                raise FormatError(
                    f"{where}: coins that are not in the coin list ({field_names(unknown)})",
                    code="fields",
                    evidence={"field": where},
                )
            # Neither a coin of the list nor a field of the format: a version not known here.
            raise _unsupported(f"{where}: fields that are not coins of the list ({field_names(unknown)})")
        if keys != list(coins):
            raise FormatError(
                f"{where}: its coins are not the coin list, in order", code="fields", evidence={"field": where}
            )
        path = obj["merkle_path"]
        if not isinstance(path, list) or not 3 <= len(path) <= MAX_PATH:
            raise FormatError(f"{where}.merkle_path: expected a list of 3 to {MAX_PATH} hashes", code="length")
        return cls(
            root=_hex32(obj, fixed[0], where),
            ident=_hex32(obj, fixed[1], where),
            total=_number(obj["total_value"], f"{where}.total_value", strings, 0),
            values=tuple(_number(obj[c], f"{where}.{c}", strings, -MODULUS + 1 if strings else 0) for c in coins),
            random=_hex32(obj, "random_number", where),
            path=tuple(_hex32({"h": h}, "h", f"{where}.merkle_path[{k}]") for k, h in enumerate(path)),
        )


@dataclass(frozen=True)
class Proof:
    version: str
    coins: tuple[str, ...]
    user: Part
    batch: Part
    user_index: int
    batch_index: int
    uts: int

    @classmethod
    def from_dict(cls, obj: object) -> Proof:
        if not isinstance(obj, dict) or not {"batch_inclusion_proof", "trunk_inclusion_proof"} <= obj.keys():
            raise FormatError(
                "not an OKX zk-STARK inclusion proof (batch_inclusion_proof, trunk_inclusion_proof)", code="fields"
            )
        extra = set(obj) - {"batch_inclusion_proof", "trunk_inclusion_proof", "config"}
        if extra:
            raise _unsupported(f"unknown top-level fields {field_names(extra)}")
        batch = obj["batch_inclusion_proof"]
        if not isinstance(batch, dict):
            raise FormatError("batch_inclusion_proof: expected an object", code="type")
        if "config" in obj:
            version, strings = V2023_05, True
            config = obj["config"]
            if not isinstance(config, dict) or set(config) != {"main_coins_num", "coins"}:
                raise _unsupported("config is not {main_coins_num, coins}")
            coins = config["coins"]
            if not isinstance(coins, list) or not all(isinstance(c, str) and _COIN.match(c) for c in coins):
                raise FormatError("config.coins: expected a list of coin names", code="value")
        else:
            version, strings = V2023_04, False
            coins = [k for k in batch if k not in _BATCH_FIXED]
        if not 1 <= len(coins) <= MAX_COINS or len(set(coins)) != len(coins):
            raise FormatError(f"the coin list must name 1 to {MAX_COINS} distinct coins", code="value")
        probe = batch.get("total_value")
        if strings != (isinstance(probe, str) and not isinstance(probe, NumberText)):
            raise _unsupported(
                "values are written neither as the 2023-04 tool (integers, no config) "
                "nor as the 2023-05 tool (strings, with config)"
            )
        user = Part.read(batch, "batch_inclusion_proof", _BATCH_FIXED, coins, strings)
        trunk = Part.read(obj["trunk_inclusion_proof"], "trunk_inclusion_proof", _TRUNK_FIXED, coins, strings)

        def index(key: str, hi: int) -> int:
            value = batch[key]
            if not isinstance(value, NumberText) or not re.fullmatch(r"[0-9]{1,12}", value) or int(value) > hi:
                raise FormatError(f"batch_inclusion_proof.{key}: expected an integer in [0, {hi}]", code="value")
            return int(value)

        uts = index("uts", 64)
        if uts not in UTS_CHOICES:
            raise FormatError(f"batch_inclusion_proof.uts: {uts} is not one of {UTS_CHOICES}", code="value")
        return cls(version, tuple(coins), user, trunk, index("user_index", 1 << 32), index("batch_index", 1 << 32), uts)


def entry_leaf(total: int, values: Sequence[int], ident: bytes, random: bytes) -> bytes:
    """Keccak-256 of total + Keccak-256(values mod p) + id + random number, 32 bytes each."""
    coins = b"".join((v % MODULUS).to_bytes(32, "big") for v in values)
    return keccak256(total.to_bytes(32, "big") + keccak256(coins) + ident + random)


def _fold(part: Part, position: int, where: str) -> bytes:
    """The root from the leaf (path[0]) and its siblings; the position is checked and permuted."""
    leaves = 1 << (len(part.path) - 1)
    if position >= leaves:
        raise VerificationError(
            f"{where}: position {position} is beyond the {leaves} leaves this path's length allows",
            code="level",
            evidence={"position": position, "leaves": leaves},
        )
    quarter = leaves // 4
    index = position // quarter + 4 * (position % quarter)
    node = part.path[0]
    for sibling in part.path[1:]:
        node = keccak256(sibling + node) if index % 2 else keccak256(node + sibling)
        index //= 2
    return node


def _check_total(part: Part, where: str) -> None:
    if sum(part.values) % MODULUS != part.total:
        raise VerificationError(
            f"{where}: total_value is not the sum of the coin values (modulo the field prime)",
            code="total",
            evidence={"total_value": str(part.total)},
        )


def verify_parsed(proof: Proof) -> ForeignResult:
    user, batch = proof.user, proof.batch
    _check_total(user, "batch_inclusion_proof")
    _check_total(batch, "trunk_inclusion_proof")
    check_recomputed(
        entry_leaf(user.total, user.values, user.ident, user.random).hex(),
        user.path[0].hex(),
        "batch_inclusion_proof: your leaf does not re-compute from total_value, the coin values, user_id "
        "and random_number",
    )
    check_recomputed(
        entry_leaf(batch.total, batch.values, batch.ident, batch.random).hex(),
        batch.path[0].hex(),
        "trunk_inclusion_proof: the batch's leaf does not re-compute from its totals, batch_id and random_number",
    )
    user_position = (proof.uts * (proof.user_index + 1) + proof.uts - 2) * EXTENSION_FACTOR
    computed = _fold(user, user_position, "batch_inclusion_proof")
    if not same_digest(computed.hex(), user.root.hex()):
        raise RootMismatch(
            "batch_inclusion_proof: the computed batch root does not match batch_mtree_root",
            evidence={"expected_hash": user.root.hex(), "computed_hash": computed.hex()},
        )
    if not same_digest(batch.ident.hex(), user.root.hex()):
        raise VerificationError(
            "trunk_inclusion_proof.batch_id is not your batch's root (batch_mtree_root)",
            code="batch-link",
            evidence={"batch_id": batch.ident.hex(), "batch_mtree_root": user.root.hex()},
        )
    batch_position = (UTS_FOR_TRUNK * (proof.batch_index + 1) + UTS_FOR_TRUNK - 2) * EXTENSION_FACTOR
    computed = _fold(batch, batch_position, "trunk_inclusion_proof")
    if not same_digest(computed.hex(), batch.root.hex()):
        raise RootMismatch(
            "trunk_inclusion_proof: the computed trunk root does not match trunk_mtree_root",
            evidence={"expected_hash": batch.root.hex(), "computed_hash": computed.hex()},
        )
    root = batch.root.hex()

    def signed(values: Sequence[int]) -> dict[str, str]:
        return {c: str(v) for c, v in zip(proof.coins, values, strict=True) if v}

    findings = [
        Finding(
            "limitation",
            "The zk-STARK itself is NOT checked: solvent verifies only the Merkle part (your entry in your "
            "batch's tree, your batch in the trunk's tree). The STARK proofs that every account is "
            "non-negative and that the batch and trunk totals add up are in OKX's separate proof data "
            "and need OKX's own validator; without them nothing here shows the totals are sound.",
            "stark-not-checked",
        ),
        root_unanchored(root),
        Finding(
            "info",
            "Values are the integers OKX's tool hashed; the file does not state their unit. Negative "
            "values are hashed modulo the field prime, as OKX's tool does.",
            "integer-units",
        ),
        Finding(
            "leak",
            "The file gives your batch's per-coin totals (the trunk entry): the summed balances of the "
            "other accounts in your batch.",
            "batch-totals",
        ),
        Finding(
            "limitation",
            "The leaf holds a hashed user id, not your account: check that user_id and your values match "
            "what your OKX account page shows for this audit.",
            "no-owner-binding",
        ),
    ]
    negatives = [c for c, v in zip(proof.coins, user.values, strict=True) if v < 0]
    if negatives:
        findings.append(
            Finding(
                "info",
                f"Your entry has negative values ({', '.join(negatives[:8])}): the STARK is meant to allow "
                "them only where OKX's rules net them against other coins; solvent does not check that.",
                "negative-values",
            )
        )
    return ForeignResult(
        format="okx-zkstark",
        root=root,
        totals={**signed(batch.values), "total_value": str(batch.total)},
        balances={**signed(user.values), "total_value": str(user.total)},
        findings=tuple(findings),
        checked=(
            "your leaf re-computed from total_value, the coin values, user_id and random_number (Keccak-256)",
            "total_value is the sum of the coin values (modulo the field prime), for you and for your batch",
            f"{len(user.path) - 1} batch-tree hashes up to batch_mtree_root, at your position",
            "the trunk entry names your batch root; its leaf re-computed from the batch totals",
            f"{len(batch.path) - 1} trunk-tree hashes up to trunk_mtree_root, at your batch's position",
            "NOT checked: the zk-STARK sum and non-negativity proofs",
        ),
        details={
            "user_id": user.ident.hex(),
            "batch": str(proof.batch_index),
            "user_index": str(proof.user_index),
            "coins": str(len(proof.coins)),
            "totals": "of your batch, not of the exchange",
        },
        version=proof.version,
    )


def verify_proof(data: bytes, name: str = "proof") -> ForeignResult:
    """Verify the bytes of an OKX zk-STARK user inclusion proof."""
    return verify_parsed(Proof.from_dict(load_json(data, name, numbers_as_text=True)))


def sniff(obj: object) -> bool:
    if not isinstance(obj, dict) or not {"batch_inclusion_proof", "trunk_inclusion_proof"} <= obj.keys():
        return False
    batch, trunk = obj["batch_inclusion_proof"], obj["trunk_inclusion_proof"]
    return (
        isinstance(batch, dict)
        and isinstance(trunk, dict)
        and set(_BATCH_FIXED) <= batch.keys()
        and set(_TRUNK_FIXED) <= trunk.keys()
    )


def verify(paths: Sequence[Path]) -> ForeignResult:
    single_file("okx-zkstark", paths)
    return verify_proof(read_bytes(paths[0], "OKX zk-STARK inclusion proof"), str(paths[0]))


FORMAT = ForeignFormat(
    "okx-zkstark",
    "OKX zk-STARK user inclusion proof (2023-24, Merkle part only)",
    sniff,
    verify,
    versions=(V2023_04, V2023_05),
)
