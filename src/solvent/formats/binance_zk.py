"""Binance's zk proof of solvency: verify one customer's inclusion proof (``user_config.json``).

The rules (docs/formats/binance-zk.md, where each was learned from) are those of
``binance/zkmerkle-proof-of-solvency`` at commit 5d26d4fc (2024-09-29), the 2024
"collateral" design, reproduced bit for bit against the sample proof published with
that commit:

* asset commitment: the account's five amounts per asset (Equity, Debt, Loan,
  Margin, PortfolioMargin) laid out densely over the 350 asset slots (zeros where the
  account holds nothing), packed three u64 per field element as
  ``a * 2^128 + b * 2^64 + c`` (584 elements, the last one zero-filled) and hashed
  with Poseidon (:func:`solvent.formats.poseidon_bn254.hash_elements`);
* leaf: ``Poseidon(AccountIdHash, TotalEquity, TotalDebt, TotalCollateral, commitment)``;
* node: ``Poseidon(left, right)``; bit ``i`` of AccountIndex (least significant first)
  set means the running node is the right child at level ``i``; 28 levels;
* an empty slot is ``Poseidon(0, 0, 0, 0, 0)``, which gives the empty-tree root
  ``08696bfc...`` that Binance's verifier of that commit hard-codes.

Later versions of Binance's code changed the asset commitment (asset-count tiers,
the asset index inside the packing); their proofs do not verify here and the
mismatch says so rather than accusing the exchange.

The numbered comments are the steps of docs/formats/binance-zk.md.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from solvent.errors import FormatError, InputError, RootMismatch
from solvent.formats.base import Finding, ForeignFormat, ForeignResult
from solvent.formats.poseidon_bn254 import MODULUS, hash_elements
from solvent.spec.jsonio import check_fields, check_int, hex_bytes

__all__ = [
    "ASSET_FIELDS",
    "ASSET_SLOTS",
    "FORMAT",
    "RULES",
    "TREE_DEPTH",
    "AccountAsset",
    "UserProof",
    "asset_commitment",
    "empty_subtree_hashes",
    "leaf_hash",
    "parse_user_config",
    "root_from_proof",
    "sniff",
    "verify",
    "verify_inclusion",
    "verify_user_config",
]

TREE_DEPTH = 28
ASSET_SLOTS = 350
ASSET_FIELDS = ("Equity", "Debt", "Loan", "Margin", "PortfolioMargin")
RULES = (
    "binance/zkmerkle-proof-of-solvency 5d26d4fc (2024 collateral design): "
    "350 asset slots x 5 amounts, Poseidon/BN254 (bnb-chain gnark-crypto fork, output element 1), depth 28"
)
MAX_FILE_BYTES = 1 << 20
U64_MAX = (1 << 64) - 1
#: TotalEquity etc. are USD values in units of 10^-16 (10^-8 amounts x 10^-8 prices).
USD_DECIMALS = 16

_TOP_FIELDS = {
    "AccountIndex",
    "AccountIdHash",
    "TotalEquity",
    "TotalDebt",
    "TotalCollateral",
    "Assets",
    "Root",
    "Proof",
}
_ASSET_KEYS = {"Index", *ASSET_FIELDS}


@dataclass(frozen=True)
class AccountAsset:
    """One asset slot of the account: amounts in the asset's base units (u64)."""

    index: int
    equity: int
    debt: int
    loan: int
    margin: int
    portfolio_margin: int

    @classmethod
    def from_dict(cls, obj: object, where: str) -> AccountAsset:
        d = check_fields(obj, _ASSET_KEYS, where)
        # An Index beyond the 350 slots would never reach the commitment (Binance's
        # packing walks the slots in order): reject it rather than show an amount
        # the root does not cover.
        index = check_int(d["Index"], f"{where}.Index", 0, ASSET_SLOTS - 1)
        amounts = [check_int(d[f], f"{where}.{f}", 0, U64_MAX) for f in ASSET_FIELDS]
        return cls(index, *amounts)

    def to_dict(self) -> dict[str, int]:
        return {"Index": self.index, **dict(zip(ASSET_FIELDS, self.amounts(), strict=True))}

    def amounts(self) -> tuple[int, int, int, int, int]:
        return (self.equity, self.debt, self.loan, self.margin, self.portfolio_margin)


@dataclass(frozen=True)
class UserProof:
    """A parsed ``user_config.json``: every value range-checked, nothing computed yet."""

    account_index: int
    account_id_hash: bytes
    total_equity: int
    total_debt: int
    total_collateral: int
    assets: tuple[AccountAsset, ...]
    root: bytes
    proof: tuple[bytes, ...]

    @classmethod
    def from_dict(cls, obj: object, name: str) -> UserProof:
        if isinstance(obj, dict) and "TotalCollateral" not in obj and {"TotalEquity", "Assets"} <= obj.keys():
            raise FormatError(
                f"{name}: no TotalCollateral: this looks like Binance's pre-2024 proof format, "
                "which this verifier does not implement",
                code="version",
                evidence={"file": name},
            )
        d = check_fields(obj, _TOP_FIELDS, name)
        index = check_int(d["AccountIndex"], f"{name}: AccountIndex", 0, (1 << TREE_DEPTH) - 1)
        id_hash = _field_bytes(hex_bytes(d["AccountIdHash"], f"{name}: AccountIdHash", 32), f"{name}: AccountIdHash")
        equity, debt, collateral = (
            check_int(d[k], f"{name}: {k}", 0, MODULUS - 1) for k in ("TotalEquity", "TotalDebt", "TotalCollateral")
        )
        root = _field_bytes(hex_bytes(d["Root"], f"{name}: Root", 32), f"{name}: Root")
        assets = _parse_assets(d["Assets"], name)
        raw_proof = d["Proof"]
        if not isinstance(raw_proof, list) or len(raw_proof) != TREE_DEPTH:
            shown = len(raw_proof) if isinstance(raw_proof, list) else type(raw_proof).__name__
            raise FormatError(
                f"{name}: Proof must be a list of exactly {TREE_DEPTH} siblings, got {shown}",
                code="length",
                evidence={"field": "Proof", "expected": TREE_DEPTH, "got": shown},
            )
        siblings = tuple(_base64_field(v, f"{name}: Proof[{i}]") for i, v in enumerate(raw_proof))
        return cls(index, id_hash, equity, debt, collateral, assets, root, siblings)

    def to_dict(self) -> dict[str, Any]:
        """The file's fields in Binance's order (numbers as JSON integers)."""
        return {
            "AccountIndex": self.account_index,
            "AccountIdHash": self.account_id_hash.hex(),
            "TotalEquity": self.total_equity,
            "TotalDebt": self.total_debt,
            "TotalCollateral": self.total_collateral,
            "Assets": [a.to_dict() for a in self.assets],
            "Root": self.root.hex(),
            "Proof": [base64.b64encode(s).decode("ascii") for s in self.proof],
        }


def _field_bytes(raw: bytes, where: str) -> bytes:
    """32 big-endian bytes that must encode an element of the BN254 scalar field."""
    if int.from_bytes(raw, "big") >= MODULUS:
        # Binance's own tool panics on such input; it cannot be a hash output.
        raise FormatError(
            f"{where}: is not below the BN254 field order", code="field-element", evidence={"field": where}
        )
    return raw


def _base64_field(value: object, where: str) -> bytes:
    """Canonical standard base64 (with padding) of 32 bytes below the field order."""
    if not isinstance(value, str) or len(value) != 44:
        shown = value[:60] if isinstance(value, str) else type(value).__name__
        raise FormatError(
            f"{where}: expected 44 base64 characters, got {shown!r}", code="base64", evidence={"field": where}
        )
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as e:
        raise FormatError(f"{where}: not valid base64: {value!r}", code="base64", evidence={"field": where}) from e
    if len(raw) != 32 or base64.b64encode(raw).decode("ascii") != value:
        # Non-zero unused bits would let two spellings name the same node.
        raise FormatError(f"{where}: not the canonical base64 of 32 bytes", code="base64", evidence={"field": where})
    return _field_bytes(raw, where)


def _parse_assets(value: object, name: str) -> tuple[AccountAsset, ...]:
    if not isinstance(value, list):
        raise FormatError(f"{name}: Assets must be a list", evidence={"field": "Assets"})
    if len(value) > ASSET_SLOTS:
        raise FormatError(
            f"{name}: {len(value)} assets, at most {ASSET_SLOTS}", code="range", evidence={"field": "Assets"}
        )
    assets = tuple(AccountAsset.from_dict(a, f"{name}: Assets[{i}]") for i, a in enumerate(value))
    for i in range(1, len(assets)):
        # Binance's packing assumes ascending slots; out of order or twice, an amount
        # would be committed under another asset's slot.
        if assets[i].index <= assets[i - 1].index:
            raise FormatError(
                f"{name}: Assets[{i}].Index {assets[i].index} is not above the previous {assets[i - 1].index}",
                code="order",
                evidence={"field": f"Assets[{i}].Index"},
            )
    return assets


class _Reject(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Reject(f"duplicate key {key!r}")
        out[key] = value
    return out


def _reject_float(text: str) -> Any:
    raise _Reject(f"number {text[:40]} is not an integer")


def _reject_constant(text: str) -> Any:
    raise _Reject(f"{text} is not allowed")


def _field_sized_int(text: str) -> int:
    # Totals are field elements (up to 77 digits), so solvent.spec.jsonio's 20-digit
    # cap does not fit this format; nothing in it may be negative.
    if text.startswith("-"):
        raise _Reject(f"negative number {text[:40]}")
    if len(text) > 78:
        raise _Reject(f"integer {text[:40]}... is too long")
    return int(text)


def _load_json(data: bytes, name: str) -> Any:
    """Strict JSON: no duplicate keys, floats, NaN, negatives, BOM, or oversized input (L18)."""
    if len(data) > MAX_FILE_BYTES:
        raise FormatError(f"{name}: {len(data)} bytes is larger than the limit of {MAX_FILE_BYTES}")
    if data.startswith(b"\xef\xbb\xbf"):
        raise FormatError(f"{name}: starts with a byte-order mark")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise FormatError(f"{name}: not UTF-8 (byte {e.start})") from e
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_float=_reject_float,
            parse_constant=_reject_constant,
            parse_int=_field_sized_int,
        )
    except _Reject as e:
        raise FormatError(f"{name}: {e}") from e
    except json.JSONDecodeError as e:
        raise FormatError(f"{name}: not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})") from e
    except RecursionError as e:
        raise FormatError(f"{name}: nested too deeply") from e


def parse_user_config(data: bytes, *, name: str = "user_config.json") -> UserProof:
    """(1) Parse and range-check every field; FormatError naming the field otherwise."""
    return UserProof.from_dict(_load_json(data, name), name)


def asset_commitment(assets: Sequence[AccountAsset]) -> int:
    """(2) Poseidon over the 350 slots x 5 amounts, three u64 per field element."""
    flat = [0] * (ASSET_SLOTS * len(ASSET_FIELDS))
    for asset in assets:
        if not 0 <= asset.index < ASSET_SLOTS:
            raise ValueError(f"asset index {asset.index} is outside the {ASSET_SLOTS} slots")
        base = asset.index * len(ASSET_FIELDS)
        flat[base : base + len(ASSET_FIELDS)] = asset.amounts()
    flat += [0] * (-len(flat) % 3)
    packed = [(flat[k] << 128) | (flat[k + 1] << 64) | flat[k + 2] for k in range(0, len(flat), 3)]
    return hash_elements(packed)


def leaf_hash(proof: UserProof, commitment: int | None = None) -> int:
    """(3) The account's leaf: Poseidon(AccountIdHash, TotalEquity, TotalDebt, TotalCollateral, commitment)."""
    if commitment is None:
        commitment = asset_commitment(proof.assets)
    id_hash = int.from_bytes(proof.account_id_hash, "big")
    return hash_elements([id_hash, proof.total_equity, proof.total_debt, proof.total_collateral, commitment])


def root_from_proof(leaf: int, account_index: int, siblings: Sequence[int]) -> int:
    """(4) Fold the siblings from the leaf up; bit i of the index says which side we are on."""
    if len(siblings) != TREE_DEPTH or not 0 <= account_index < (1 << TREE_DEPTH):
        raise ValueError("a Binance proof has 28 siblings and an index below 2^28")
    node = leaf
    for level, sibling in enumerate(siblings):
        if (account_index >> level) & 1:
            node = hash_elements([sibling, node])
        else:
            node = hash_elements([node, sibling])
    return node


@lru_cache(maxsize=1)
def empty_subtree_hashes() -> tuple[int, ...]:
    """Hash of an all-empty subtree by level: [0] the empty slot, [28] the empty tree."""
    hashes = [hash_elements([0, 0, 0, 0, 0])]
    for _ in range(TREE_DEPTH):
        hashes.append(hash_elements([hashes[-1], hashes[-1]]))
    return tuple(hashes)


def _b32(value: int) -> bytes:
    return value.to_bytes(32, "big")


def verify_inclusion(proof: UserProof, *, name: str = "user_config.json") -> int:
    """(2)-(5) Recompute the leaf and the root; raise RootMismatch unless it is ``Root``. Returns the leaf."""
    commitment = asset_commitment(proof.assets)
    leaf = leaf_hash(proof, commitment)
    siblings = [int.from_bytes(s, "big") for s in proof.proof]
    computed = root_from_proof(leaf, proof.account_index, siblings)
    # (5) compare in constant time, on the 32-byte encodings the file uses
    if not hmac.compare_digest(_b32(computed), proof.root):
        raise RootMismatch(
            f"{name}: the recomputed root differs from Root: this account's data is not in that tree, "
            f"or the proof was made by another version of Binance's software than the one implemented ({RULES})",
            evidence={
                "file": name,
                "expected_root": proof.root.hex(),
                "computed_root": _b32(computed).hex(),
                "computed_leaf": _b32(leaf).hex(),
                "asset_commitment": _b32(commitment).hex(),
                "account_index": proof.account_index,
                "rules": RULES,
            },
        )
    return leaf


def _usd(value: int) -> str:
    """An exact decimal rendering of a 10^-16 USD integer (no floats)."""
    whole, frac = divmod(value, 10**USD_DECIMALS)
    return f"{whole}.{frac:0{USD_DECIMALS}d}"


def _tree_shape_findings(proof: UserProof) -> tuple[list[Finding], dict[str, str]]:
    """What the index and empty sibling subtrees reveal about the number of accounts (L17)."""
    empty = empty_subtree_hashes()
    empty_levels = [lvl for lvl, s in enumerate(proof.proof) if int.from_bytes(s, "big") == empty[lvl]]
    # An empty sibling on the right at level l means slots from ((index >> l) + 1) << l
    # onwards (for 2^l slots) hold nobody; the lowest such level bounds the count.
    right_empty = [lvl for lvl in empty_levels if not (proof.account_index >> lvl) & 1]
    text = (
        f"The proof reveals the account's position {proof.account_index} in the tree; Binance's tool numbers "
        f"accounts in the order of its balance files, so the tree holds at least {proof.account_index + 1} accounts"
    )
    details = {"empty_sibling_levels": ",".join(map(str, empty_levels)) or "none"}
    if right_empty:
        bound = ((proof.account_index >> right_empty[0]) + 1) << right_empty[0]
        text += f", and the empty sibling subtrees show at most {bound} when they are numbered consecutively"
        details["max_accounts_if_consecutive"] = str(bound)
    return [Finding("leak", text + ".")], details


def _consistency_findings(proof: UserProof) -> list[Finding]:
    """Rules Binance's own tools enforce on every account; a proof breaking them is suspect."""
    out = []
    if proof.total_collateral < proof.total_debt:
        out.append(
            Finding(
                "weakness",
                "TotalCollateral is below TotalDebt: Binance's tools reject such accounts, so this leaf "
                "should not be in a tree covered by valid zk batch proofs.",
            )
        )
    for a in proof.assets:
        if a.loan + a.margin + a.portfolio_margin > a.equity:
            out.append(
                Finding(
                    "weakness",
                    f"Asset {a.index}: Loan + Margin + PortfolioMargin exceeds Equity, which Binance's tools reject.",
                )
            )
    return out


_STANDING_FINDINGS = (
    Finding(
        "limitation",
        "This checks only that this account's leaf is in the tree under Root. Solvency (every account's "
        "collateral covers its debt, per-asset totals, no negative or dummy accounts) is claimed by Binance's "
        "zk-SNARK batch proofs and CexAssetsInfo, which this inclusion check does not verify.",
    ),
    Finding(
        "limitation",
        "Root is only compared with the root written in this file. Compare it with the account tree root "
        "Binance publishes with its zk proofs for the same snapshot; otherwise the exchange could show you a "
        "tree of your own.",
    ),
    Finding(
        "limitation",
        "TotalEquity, TotalDebt and TotalCollateral are USD values (units of 10^-16 USD) that the exchange "
        "computed with its own prices and collateral haircut tiers; the file carries neither, so they cannot be "
        "recomputed from the asset amounts here, only checked to be committed in the leaf.",
    ),
    Finding(
        "limitation",
        "Assets are identified only by an index into the exchange's asset list for that snapshot, published "
        "separately; the file does not name them or give their decimals (10^-8 units for most coins, 10^-2 for a "
        "few low-priced ones in Binance's code).",
    ),
    Finding(
        "limitation",
        "AccountIdHash is taken from the file: Binance's code does not define how it is derived from your "
        "account, so this check cannot confirm the leaf is yours rather than another account's with the same "
        "balances.",
    ),
    Finding(
        "weakness",
        "The tree uses Poseidon over BN254 (x^5, 8 full rounds, 56-68 partial rounds), a SNARK-friendly hash "
        "with far less public cryptanalysis than SHA-256, in a non-standard chaining (12 inputs per permutation, "
        "one carried state element, output element 1) that has no published security analysis of its own.",
    ),
    Finding("info", "Siblings are hashes only: the proof reveals no neighbour's balances."),
)


def verify_user_config(data: bytes, *, name: str = "user_config.json") -> ForeignResult:
    """Parse, recompute, compare; return what was established and what was not."""
    proof = parse_user_config(data, name=name)
    leaf = verify_inclusion(proof, name=name)
    shape_findings, shape_details = _tree_shape_findings(proof)
    balances = {
        f"asset {a.index} {f}": str(v) for a in proof.assets for f, v in zip(ASSET_FIELDS, a.amounts(), strict=True)
    }
    totals = {
        "TotalEquity": str(proof.total_equity),
        "TotalDebt": str(proof.total_debt),
        "TotalCollateral": str(proof.total_collateral),
    }
    details = {
        "rules": RULES,
        "account_index": str(proof.account_index),
        "account_id_hash": proof.account_id_hash.hex(),
        "leaf": _b32(leaf).hex(),
        "tree_depth": str(TREE_DEPTH),
        "balances_unit": (
            "integers in each asset's base units (10^-8 of a coin for most assets); asset names are not in the file"
        ),
        "totals_unit": (
            "this account's own totals, integers in 10^-16 USD at the exchange's prices (not the exchange's totals)"
        ),
        "TotalEquity_usd": _usd(proof.total_equity),
        "TotalDebt_usd": _usd(proof.total_debt),
        "TotalCollateral_usd": _usd(proof.total_collateral),
        **shape_details,
    }
    return ForeignResult(
        format=FORMAT.name,
        root=proof.root.hex(),
        totals=totals,
        balances=balances,
        findings=(*_STANDING_FINDINGS, *shape_findings, *_consistency_findings(proof)),
        checked=(
            "parsed every field strictly (types, ranges, hex and base64 lengths, field elements below r)",
            f"recomputed the asset commitment over {ASSET_SLOTS} slots and the account leaf with Poseidon/BN254",
            f"folded the {TREE_DEPTH} siblings by the bits of AccountIndex and matched Root",
        ),
        details=details,
    )


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError as e:
        raise InputError(f"{path}: file not found") from e
    except IsADirectoryError as e:
        raise InputError(f"{path}: is a directory, expected Binance's user_config.json") from e
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from e
    return data


def verify(paths: Sequence[Path]) -> ForeignResult:
    """The registry entry point: exactly one file, Binance's ``user_config.json``."""
    if len(paths) != 1:
        raise InputError(f"binance-zk takes exactly one file (user_config.json), got {len(paths)}")
    return verify_user_config(_read(paths[0]), name=str(paths[0]))


def sniff(obj: object) -> bool:
    """Binance's user proof shape (either generation; the old one is then refused by name)."""
    return isinstance(obj, dict) and {"AccountIndex", "AccountIdHash", "Root", "Proof", "Assets"} <= obj.keys()


FORMAT = ForeignFormat(
    name="binance-zk",
    title="Binance zk proof of solvency: user inclusion proof (user_config.json, 2024 collateral design)",
    sniff=sniff,
    verify=verify,
)
