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

Parsing lives in :mod:`solvent.formats.binance_zk_file`; this module recomputes,
compares and reports.  The numbered comments are the steps of docs/formats/binance-zk.md.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from solvent.formats.base import Finding, ForeignFormat, ForeignResult
from solvent.formats.binance_zk_file import (
    ASSET_FIELDS,
    ASSET_SLOTS,
    MAX_FILE_BYTES,
    TREE_DEPTH,
    AccountAsset,
    UserProof,
    parse_user_config,
)
from solvent.formats.poseidon_bn254 import hash_elements
from solvent.protocol.errors import InputError, RootMismatch
from solvent.protocol.layout import read_small_file
from solvent.protocol.strictjson import hex_bytes

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

RULES = (
    "binance/zkmerkle-proof-of-solvency 5d26d4fc (2024 collateral design): "
    "350 asset slots x 5 amounts, Poseidon/BN254 (bnb-chain gnark-crypto fork, output element 1), depth 28"
)
#: TotalEquity etc. are USD values in units of 10^-16 (10^-8 amounts x 10^-8 prices).
USD_DECIMALS = 16


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


@cache
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


_ONLY_INCLUSION = Finding(
    "limitation",
    "This checks only that this account's leaf is in the tree under Root. Solvency (every account's "
    "collateral covers its debt, per-asset totals, no negative or dummy accounts) is claimed by Binance's "
    "zk-SNARK batch proofs and CexAssetsInfo, which this inclusion check does not verify.",
)
_ANCHORED = Finding(
    "limitation",
    _ONLY_INCLUSION.text + " Root matched the root you obtained independently, so this is the published tree.",
)
_STANDING_FINDINGS = (
    _ONLY_INCLUSION,
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


def _check_anchor(proof: UserProof, published_root: str, name: str) -> None:
    """(6) The file's Root must be the root Binance published for the snapshot (L12)."""
    if not hmac.compare_digest(published_root.encode(), proof.root.hex().encode()):
        raise RootMismatch(
            f"{name}: Root is not the account tree root you obtained independently: the exchange may be "
            "showing you a tree of your own",
            evidence={"file": name, "expected_root": published_root, "file_root": proof.root.hex()},
        )


def verify_user_config(
    data: bytes, *, name: str = "user_config.json", published_root: str | None = None
) -> ForeignResult:
    """Parse, recompute, compare; return what was established and what was not.

    ``published_root`` (64 lower-case hex digits) is the account tree root obtained
    independently of this file, e.g. from the zk proof table Binance publishes for
    the snapshot; without it the proof is only checked against its own Root.
    """
    proof = parse_user_config(data, name=name)
    if published_root is not None:
        hex_bytes(published_root, "published_root", 32)
    leaf = verify_inclusion(proof, name=name)
    if published_root is not None:
        _check_anchor(proof, published_root, name)
    shape_findings, shape_details = _tree_shape_findings(proof)
    standing = _STANDING_FINDINGS if published_root is None else (_ANCHORED, *_STANDING_FINDINGS[2:])
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
        findings=(*standing, *shape_findings, *_consistency_findings(proof)),
        checked=(
            "parsed every field strictly (types, ranges, hex and base64 lengths, field elements below r)",
            f"recomputed the asset commitment over {ASSET_SLOTS} slots and the account leaf with Poseidon/BN254",
            f"folded the {TREE_DEPTH} siblings by the bits of AccountIndex and matched Root",
        ),
        details=details,
    )


def verify(paths: Sequence[Path]) -> ForeignResult:
    """The registry entry point: exactly one file, Binance's ``user_config.json``."""
    if len(paths) != 1:
        raise InputError(f"binance-zk takes exactly one file (user_config.json), got {len(paths)}")
    data = read_small_file(paths[0], "Binance user_config.json", MAX_FILE_BYTES)
    return verify_user_config(data, name=str(paths[0]))


def sniff(obj: object) -> bool:
    """Binance's user proof shape (either generation; the old one is then refused by name)."""
    return isinstance(obj, dict) and {"AccountIndex", "AccountIdHash", "Root", "Proof", "Assets"} <= obj.keys()


FORMAT = ForeignFormat(
    name="binance-zk",
    title="Binance zk proof of solvency: user inclusion proof (user_config.json, 2024 collateral design)",
    sniff=sniff,
    verify=verify,
)
