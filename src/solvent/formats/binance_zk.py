"""Binance's zk proof of solvency: verify one customer's inclusion proof (``user_config.json``), every version.

Binance's design (and its forks, :mod:`solvent.formats.gate_zk` and
:mod:`solvent.formats.htx_zk`) puts each account in a depth-28 Poseidon Merkle tree;
zk-SNARK batch proofs claim the solvency of the whole tree, and each customer gets a
file that shows their leaf is in it.  Every version
recomputes the leaf the same way, with three knobs (docs/formats/binance-zk.md, where
each was learned from, with its commit):

* asset commitment: either *dense* (every one of the version's slots, zeros where the
  account holds nothing, the amounts of each slot in a row) or *tiered* (since
  August 2024: the asset's index followed by its five amounts, for the account's assets
  padded with empty entries to 50 or 500); the u64 values packed three per field element
  as ``a * 2^128 + b * 2^64 + c`` and hashed with Poseidon;
* leaf: ``Poseidon(AccountIdHash, *totals, commitment)`` (two totals before 2024,
  three since collateral was added);
* Poseidon chaining: blocks of 12 inputs, or of 16 in the version Binance built with
  from October 2023 to July 2024 (:func:`solvent.formats.poseidon_bn254.hash_elements`);
* node: ``Poseidon(left, right)``; bit ``i`` of the index set means the running node is
  the right child at level ``i``.

A file is parsed under the one layout (field names) it fits, then every version with
that layout is tried; the one whose root matches is named in ``ForeignResult.version``.
A file that fits no layout is an unsupported version (exit 2); a file that fits one but
whose root no version reproduces is a ``RootMismatch`` naming every version tried.
The zk batch proofs (SNARKs) are not checked, and the findings say so.

Parsing lives in :mod:`solvent.formats.binance_zk_file`; this module recomputes,
compares and reports.  The numbered comments are the steps of docs/formats/binance-zk.md.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from solvent.formats.base import Finding, ForeignFormat, ForeignResult
from solvent.formats.binance_zk_file import (
    BINANCE_LAYOUTS,
    LOAN,
    MAX_FILE_BYTES,
    PRE_2024,
    TREE_DEPTH,
    VIPLOAN,
    Layout,
    UserProof,
    ZkAsset,
    first_asset_keys,
    parse_user_config,
)
from solvent.formats.poseidon_bn254 import hash_elements
from solvent.protocol.errors import InputError, RootMismatch
from solvent.protocol.layout import read_small_file
from solvent.protocol.strictjson import hex_bytes

__all__ = [
    "CURRENT",
    "FORMAT",
    "RULES",
    "SAMPLE_2024",
    "TREE_DEPTH",
    "Rule",
    "UserProof",
    "ZkAsset",
    "asset_commitment",
    "empty_subtree_hashes",
    "leaf_hash",
    "match_rule",
    "parse_user_config",
    "prototype_hash_levels",
    "root_from_proof",
    "sniff",
    "verify",
    "verify_inclusion",
    "verify_user_config",
]

#: The asset-count tiers of the tiered commitment (``AssetCountsTiers``: the keys of
#: ``BatchCreateUserOpsCountsTiers``, 50 and 500, in src/utils/constants.go since 2cee166).
TIERS = (50, 500)
#: TotalEquity etc. are USD values in units of 10^-16 (10^-8 amounts x 10^-8 prices).
USD_DECIMALS = 16


@dataclass(frozen=True)
class Rule:
    """One published version: which layout it reads and how it hashes.

    ``slots`` is the dense slot count, or the largest asset index + 1 for a tiered rule
    (``tiered`` true).  ``block`` is the Poseidon chaining block.  ``empty_leaf`` says how
    the version's tree fills an empty position (``"zero"``: Poseidon of zeros;
    ``"commitment"``: Poseidon of zero totals and the commitment of no assets), used only
    to read the tree's shape off the siblings.  ``source`` is where it was learned.
    ``packed`` false hashes one amount per field element instead of three (HTX's fork).
    """

    version: str
    layout: Layout
    slots: int
    block: int
    source: str
    tiered: bool = False
    empty_leaf: tuple[str, ...] = ("commitment",)
    packed: bool = True

    @property
    def description(self) -> str:
        kind = f"tiered {'/'.join(map(str, TIERS))} slots" if self.tiered else f"{self.slots} dense slots"
        fields = len(self.layout.asset_fields)
        amounts = f"{fields} amounts" if fields != 1 else "1 amount"
        per = "" if self.packed else ", one per field element"
        return f"{self.version}: {kind} x {amounts}{per}, Poseidon blocks of {self.block} ({self.source})"


_BINANCE = "binance/zkmerkle-proof-of-solvency"
FEB_2023 = Rule("2023-02 (no collateral)", PRE_2024, 350, 12, f"{_BINANCE} c1884aa")
OCT_2023 = Rule("2023-10 (no collateral, Poseidon blocks of 16)", PRE_2024, 350, 16, f"{_BINANCE} 2d35593")
PRE_RELEASE_2024 = Rule(
    "2024-07 pre-release (VipLoan)", VIPLOAN, 350, 12, f"{_BINANCE} cf2a676", empty_leaf=("commitment", "zero")
)
PRE_RELEASE_2024_TIERED = Rule(
    "2024-08 pre-release (VipLoan, tiered)", VIPLOAN, 500, 12, f"{_BINANCE} 2cee166", tiered=True, empty_leaf=("zero",)
)
#: The rule of the sample Binance publishes with its verifier since September 2024
#: (the July 2024 data with ``VipLoan`` renamed ``Loan``).
SAMPLE_2024 = Rule(
    "2024-09 sample (Loan, dense)", LOAN, 350, 12, f"{_BINANCE} 49843ea", empty_leaf=("zero", "commitment")
)
#: What Binance's verifier computes since September 2024 (49843ea, 5d26d4f and later).
CURRENT = Rule("2024-09 (Loan, tiered)", LOAN, 500, 12, f"{_BINANCE} 5d26d4f", tiered=True, empty_leaf=("zero",))
RULES = (FEB_2023, OCT_2023, PRE_RELEASE_2024, PRE_RELEASE_2024_TIERED, SAMPLE_2024, CURRENT)


def _pack(flat: Sequence[int]) -> list[int]:
    """Three u64 per field element, ``a * 2^128 + b * 2^64 + c``, the last one zero-filled."""
    values = [*flat, *[0] * (-len(flat) % 3)]
    return [(values[k] << 128) | (values[k + 1] << 64) | values[k + 2] for k in range(0, len(values), 3)]


def _tiered_entries(assets: Sequence[ZkAsset]) -> list[tuple[int, ...]]:
    """The account's assets padded to its tier, as Binance's ``PaddingAccountAssets`` lays them out:
    empty entries fill the gaps below each asset (lowest first) until the padding is used up,
    the rest follow the last asset with consecutive indices."""
    target = next((t for t in TIERS if len(assets) <= t), None)
    if target is None:
        raise ValueError(f"{len(assets)} assets is more than the largest tier {TIERS[-1]}")
    width = len(assets[0].amounts) if assets else 5
    padding = target - len(assets)
    used = 0
    next_index = 0
    entries: list[tuple[int, ...]] = []
    for asset in assets:
        for j in range(next_index, asset.index):
            if used >= padding:
                break
            entries.append((j, *[0] * width))
            used += 1
        entries.append((asset.index, *asset.amounts))
        next_index = asset.index + 1
    while len(entries) < target:
        entries.append((next_index, *[0] * width))
        next_index += 1
    return entries


def asset_commitment(assets: Sequence[ZkAsset], rule: Rule = SAMPLE_2024) -> int:
    """(2) Poseidon over the account's amounts (packed three per element, or one), dense or tiered."""
    if any(not 0 <= a.index < rule.slots for a in assets):
        raise ValueError(f"an asset index is outside the {rule.slots} slots of {rule.version}")
    if rule.tiered:
        flat = [v for entry in _tiered_entries(assets) for v in entry]
    else:
        width = len(rule.layout.asset_fields)
        flat = [0] * (rule.slots * width)
        for a in assets:
            flat[a.index * width : (a.index + 1) * width] = a.amounts
    return hash_elements(_pack(flat) if rule.packed else flat, block=rule.block)


def leaf_hash(proof: UserProof, commitment: int | None = None, rule: Rule = SAMPLE_2024) -> int:
    """(3) The account's leaf: Poseidon(AccountIdHash, *totals, commitment)."""
    if commitment is None:
        commitment = asset_commitment(proof.assets, rule)
    id_hash = int.from_bytes(proof.account_id_hash, "big")
    return hash_elements([id_hash, *proof.totals, commitment], block=rule.block)


def root_from_proof(leaf: int, account_index: int, siblings: Sequence[int], block: int = 12) -> int:
    """(4) Fold the siblings from the leaf up; bit i of the index says which side we are on."""
    if len(siblings) != TREE_DEPTH or not 0 <= account_index < (1 << TREE_DEPTH):
        raise ValueError("a proof has 28 siblings and an index below 2^28")
    node = leaf
    for level, sibling in enumerate(siblings):
        pair = [sibling, node] if (account_index >> level) & 1 else [node, sibling]
        node = hash_elements(pair, block=block)
    return node


@cache
def _empty_leaf(rule: Rule, kind: str) -> int:
    n_totals = len(rule.layout.totals)
    if kind == "zero":
        return hash_elements([0] * (n_totals + 2), block=rule.block)
    return hash_elements([0, *[0] * n_totals, asset_commitment((), rule)], block=rule.block)


@cache
def empty_subtree_hashes(rule: Rule = SAMPLE_2024, kind: str = "") -> tuple[int, ...]:
    """Hash of an all-empty subtree by level: [0] the empty leaf, [28] the empty tree."""
    hashes = [_empty_leaf(rule, kind or rule.empty_leaf[0])]
    for _ in range(TREE_DEPTH):
        hashes.append(hash_elements([hashes[-1], hashes[-1]], block=rule.block))
    return tuple(hashes)


def _b32(value: int) -> bytes:
    return value.to_bytes(32, "big")


@dataclass(frozen=True)
class Match:
    """The version whose root matched; ``also``: other versions the file cannot be told from.

    A file whose asset list is empty carries no asset field names, so versions that
    differ only in those names (``VipLoan`` or ``Loan``) hash it alike: all are named.
    """

    rule: Rule
    leaf: int
    commitment: int
    also: tuple[Rule, ...] = ()

    @property
    def version(self) -> str:
        return " or ".join(r.version for r in (self.rule, *self.also))


def prototype_hash_levels(siblings: Sequence[bytes]) -> list[int]:
    """The levels ``i`` whose sibling ``i + 1`` is the node of two copies of sibling ``i`` under
    the Poseidon that bnb-chain/gnark-crypto returned before commit 7c643ad1 (2 February 2023:
    state element 0, not 1): the empty subtrees of a tree built with that hash.

    No published version uses that hash, so such siblings explain a failed root check:
    Binance's own February 2023 sample (commit c1884aa) is such a file (docs/formats/binance-zk.md).
    Two random siblings pass with probability about 2^-254.
    """
    values = [int.from_bytes(s, "big") for s in siblings]
    return [
        i for i in range(len(values) - 1) if hash_elements([values[i], values[i]], output_index=0) == values[i + 1]
    ]


def _runs(levels: Sequence[int]) -> str:
    """Ascending levels as runs: ``[2, 14, 15, 16]`` is ``2, 14-16``."""
    runs: list[list[int]] = []
    for level in levels:
        if runs and level == runs[-1][-1] + 1:
            runs[-1].append(level)
        else:
            runs.append([level])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def _reads(rule: Rule, proof: UserProof) -> bool:
    """Whether ``rule`` can have made ``proof``: its layout (or, with no asset entries to
    name the asset fields, any layout with the same top-level fields) and its bounds."""
    if rule.layout != proof.layout and (proof.assets or rule.layout.top_fields != proof.layout.top_fields):
        return False
    if any(a.index >= rule.slots for a in proof.assets):
        return False
    return not (rule.tiered and len(proof.assets) > TIERS[-1])


def match_rule(proof: UserProof, rules: Sequence[Rule], *, name: str, family: str) -> Match:
    """(2)-(5) Try every version that reads this layout; the one whose root is ``Root`` matches.

    A RootMismatch names every version tried, with the roots each computed.
    """
    tried = []
    matched: list[tuple[Rule, int, int]] = []
    for rule in rules:
        if not _reads(rule, proof):
            continue
        commitment = asset_commitment(proof.assets, rule)
        leaf = leaf_hash(proof, commitment, rule)
        computed = root_from_proof(
            leaf, proof.account_index, [int.from_bytes(s, "big") for s in proof.proof], rule.block
        )
        # (5) compare in constant time, on the 32-byte encodings the file uses
        if hmac.compare_digest(_b32(computed), proof.root):
            if proof.assets:
                return Match(rule, leaf, commitment)
            matched.append((rule, leaf, commitment))
        else:
            tried.append((rule, computed, leaf, commitment))
    if matched:
        first_rule, leaf, commitment = matched[0]
        return Match(first_rule, leaf, commitment, tuple(r for r, *_ in matched[1:]))
    lay = proof.layout
    versions = "; ".join(r.description for r, *_ in tried) or "none applies to these asset indices"
    first = tried[0] if tried else None
    prototype = prototype_hash_levels(proof.proof)
    why = (
        f"this account's data is not in that tree, or the proof comes from a version of {family}'s software "
        "that is not known here"
    )
    if len(prototype) >= 2:
        # Added to the warning, never instead of it: the file's author chooses its siblings.
        why += (
            f"; at levels {_runs(prototype)} the sibling one level up is the node of two copies of this "
            "level's sibling under the Poseidon of bnb-chain/gnark-crypto before its 2 February 2023 fix "
            "(output element 0): empty subtrees of a tree hashed that way, which no published version of "
            f"{family}'s verifier computes, so {family}'s own verifier rejects such a file too"
        )
    raise RootMismatch(
        f"{name}: root check failed: the root recomputed from this account's leaf and its {TREE_DEPTH} siblings "
        f"differs from {lay.root} under every version of {family}'s rules for this file's fields "
        f"({versions}): {why}",
        evidence={
            **({"prototype_hash_levels": ",".join(map(str, prototype))} if len(prototype) >= 2 else {}),
            "file": name,
            "check": "root",
            "expected_root": proof.root.hex(),
            "computed_root": _b32(first[1]).hex() if first else "",
            "computed_leaf": _b32(first[2]).hex() if first else "",
            "asset_commitment": _b32(first[3]).hex() if first else "",
            "computed_roots": ",".join(f"{r.version}={_b32(c).hex()}" for r, c, *_ in tried),
            "account_index": proof.account_index,
            "rules": "; ".join(r.description for r, *_ in tried),
        },
    )


def verify_inclusion(proof: UserProof, *, name: str = "user_config.json") -> int:
    """Recompute the leaf and the root under Binance's rules; RootMismatch unless one gives ``Root``."""
    return match_rule(proof, RULES, name=name, family="Binance").leaf


def _usd(value: int, decimals: int = USD_DECIMALS) -> str:
    """An exact decimal rendering of an integer in 10^-decimals USD (no floats)."""
    whole, frac = divmod(value, 10**decimals)
    return f"{whole}.{frac:0{decimals}d}"


def tree_shape_findings(proof: UserProof, rule: Rule, family: str) -> tuple[list[Finding], dict[str, str]]:
    """What the index and empty sibling subtrees reveal about the number of accounts (L17)."""
    tables = [empty_subtree_hashes(rule, kind) for kind in rule.empty_leaf]
    empty_levels = [lvl for lvl, s in enumerate(proof.proof) if any(int.from_bytes(s, "big") == t[lvl] for t in tables)]
    # An empty sibling on the right at level l means slots from ((index >> l) + 1) << l
    # onwards (for 2^l slots) hold nobody; the lowest such level bounds the count.
    right_empty = [lvl for lvl in empty_levels if not (proof.account_index >> lvl) & 1]
    text = (
        f"The proof reveals the account's position {proof.account_index} in the tree; {family}'s tool numbers "
        f"accounts in the order of its balance files, so the tree holds at least {proof.account_index + 1} accounts"
    )
    details = {"empty_sibling_levels": ",".join(map(str, empty_levels)) or "none"}
    if right_empty:
        bound = ((proof.account_index >> right_empty[0]) + 1) << right_empty[0]
        text += f", and the empty sibling subtrees show at most {bound} when they are numbered consecutively"
        details["max_accounts_if_consecutive"] = str(bound)
    return [Finding("leak", text + ".")], details


def consistency_findings(proof: UserProof, family: str) -> list[Finding]:
    """Rules the exchange's own tools enforce on every account; a proof breaking them is suspect."""
    out = []
    collateral = proof.total_collateral
    if collateral is None:
        if proof.total_debt > proof.total_equity:
            out.append(
                Finding(
                    "weakness",
                    f"TotalDebt exceeds TotalEquity: {family}'s tools reject such accounts, so this leaf should not "
                    "be in a tree covered by valid zk batch proofs.",
                )
            )
        return out
    if collateral < proof.total_debt:
        out.append(
            Finding(
                "weakness",
                f"TotalCollateral is below TotalDebt: {family}'s tools reject such accounts, so this leaf "
                "should not be in a tree covered by valid zk batch proofs.",
            )
        )
    for a in proof.assets:
        equity, _debt, loan, margin, portfolio = a.amounts
        if loan + margin + portfolio > equity:
            out.append(
                Finding(
                    "weakness",
                    f"Asset {a.index}: Loan + Margin + PortfolioMargin exceeds Equity, which {family}'s tools reject.",
                )
            )
    return out


def standing_findings(proof: UserProof, family: str, anchored: bool, id_hash_rule: str | None = None) -> list[Finding]:
    """What every valid proof of this design leaves unproven, leaks or rests on.

    ``id_hash_rule`` says how the family derives the id hash when its code does (HTX).
    """
    lay = proof.layout
    totals = ", ".join(lay.totals[:-1]) + " and " + lay.totals[-1]
    solvency = (
        "every account's collateral covers its debt"
        if proof.total_collateral is not None
        else "every account's equity covers its debt"
    )
    only = (
        f"This checks only that this account's leaf is in the tree under {lay.root}. Solvency ({solvency}, "
        f"per-asset totals, no negative or dummy accounts) is claimed by {family}'s zk-SNARK batch proofs and its "
        "published asset totals, which this inclusion check does not verify: the SNARKs are not checked."
    )
    out = []
    if anchored:
        out.append(Finding("limitation", only + f" {lay.root} matched the root you obtained independently."))
    else:
        out.append(Finding("limitation", only))
        out.append(
            Finding(
                "limitation",
                f"{lay.root} is only compared with the root written in this file. Compare it with the account tree "
                f"root {family} publishes with its zk proofs for the same snapshot; otherwise the exchange could "
                "show you a tree of your own.",
            )
        )
    out += [
        Finding(
            "limitation",
            f"{totals} are USD values (units of 10^-{lay.usd_decimals} USD) that the exchange computed with its "
            "own prices"
            + (" and collateral haircut tiers" if proof.total_collateral is not None else "")
            + "; the file does not carry them, so the totals cannot be recomputed from the asset amounts here, "
            "only checked to be committed in the leaf.",
        ),
        Finding(
            "limitation",
            "Assets are identified only by an index into the exchange's asset list for that snapshot, published "
            "separately; the file does not name them or give their decimals (10^-8 units for most coins, 10^-2 for "
            "a few low-priced ones in the exchange's code).",
        ),
        Finding(
            "limitation",
            id_hash_rule
            or f"{lay.id_hash} is taken from the file: the published code does not define how it is derived from your "
            "account, so this check cannot confirm the leaf is yours rather than another account's with the same "
            "balances.",
        ),
        Finding(
            "weakness",
            "The tree uses Poseidon over BN254 (x^5, 8 full rounds, 56-68 partial rounds), a SNARK-friendly hash "
            "with far less public cryptanalysis than SHA-256, in a non-standard chaining (12 or 16 inputs per "
            "permutation, one carried state element, output element 1) that has no published security analysis.",
        ),
        Finding("info", "Siblings are hashes only: the proof reveals no neighbour's balances."),
    ]
    return out


def _check_anchor(proof: UserProof, published_root: str, name: str) -> None:
    """(6) The file's root must be the root the exchange published for the snapshot (L12)."""
    if not hmac.compare_digest(published_root.encode(), proof.root.hex().encode()):
        raise RootMismatch(
            f"{name}: anchor check failed: {proof.layout.root} is not the account tree root you obtained "
            "independently: the exchange may be showing you a tree of your own",
            evidence={"file": name, "check": "anchor", "expected_root": published_root, "file_root": proof.root.hex()},
        )


def build_result(
    proof: UserProof,
    match: Match,
    *,
    format_name: str,
    family: str,
    anchored: bool,
    id_hash_rule: str | None = None,
) -> ForeignResult:
    """The ForeignResult of a proof whose root ``match.rule`` reproduced."""
    lay, rule = proof.layout, match.rule
    shape_findings, shape_details = tree_shape_findings(proof, rule, family)
    balances = {
        f"asset {a.index} {f}": str(v) for a in proof.assets for f, v in zip(lay.asset_fields, a.amounts, strict=True)
    }
    totals = {k: str(v) for k, v in zip(lay.totals, proof.totals, strict=True)}
    commitment_text = (
        f"the tiered asset commitment (index and {len(lay.asset_fields)} amounts, padded to 50 or 500 entries)"
        if rule.tiered
        else f"the asset commitment over {rule.slots} slots"
        + ("" if rule.packed else " (one amount per field element)")
    )
    details = {
        "rules": "; ".join(r.description for r in (rule, *match.also)),
        "version": match.version,
        "account_index": str(proof.account_index),
        "account_id_hash": proof.account_id_hash.hex(),
        "leaf": _b32(match.leaf).hex(),
        "tree_depth": str(TREE_DEPTH),
        "balances_unit": (
            "integers in each asset's base units (10^-8 of a coin for most assets); asset names are not in the file"
        ),
        "totals_unit": (
            f"this account's own totals, integers in 10^-{lay.usd_decimals} USD at the exchange's prices "
            "(not the exchange's totals)"
        ),
        **{f"{k}_usd": _usd(v, lay.usd_decimals) for k, v in zip(lay.totals, proof.totals, strict=True)},
        **shape_details,
    }
    return ForeignResult(
        format=format_name,
        root=proof.root.hex(),
        totals=totals,
        balances=balances,
        findings=(
            *standing_findings(proof, family, anchored, id_hash_rule),
            *shape_findings,
            *consistency_findings(proof, family),
        ),
        checked=(
            "parsed every field strictly (types, ranges, hex and base64 lengths, field elements below r)",
            f"recomputed {commitment_text} and the account leaf with Poseidon/BN254 (blocks of {rule.block})",
            f"folded the {TREE_DEPTH} siblings by the bits of {lay.index} and matched {lay.root} "
            f"(version {match.version})",
            "did not check the zk-SNARK batch proofs",
        ),
        details=details,
        version=match.version,
    )


def verify_user_config(
    data: bytes, *, name: str = "user_config.json", published_root: str | None = None
) -> ForeignResult:
    """Parse, recompute under each version, compare; return what was established and what was not.

    ``published_root`` (64 lower-case hex digits) is the account tree root obtained
    independently of this file, e.g. from the zk proof table Binance publishes for
    the snapshot; without it the proof is only checked against its own Root.
    """
    proof = parse_user_config(data, name=name, layouts=BINANCE_LAYOUTS, family="Binance")
    if published_root is not None:
        hex_bytes(published_root, "published_root", 32)
    match = match_rule(proof, RULES, name=name, family="Binance")
    if published_root is not None:
        _check_anchor(proof, published_root, name)
    return build_result(proof, match, format_name=FORMAT.name, family="Binance", anchored=published_root is not None)


def verify(paths: Sequence[Path]) -> ForeignResult:
    """The registry entry point: exactly one file, Binance's ``user_config.json``."""
    if len(paths) != 1:
        raise InputError(f"binance-zk takes exactly one file (user_config.json), got {len(paths)}")
    data = read_small_file(paths[0], "Binance user_config.json", MAX_FILE_BYTES)
    return verify_user_config(data, name=str(paths[0]))


def sniff(obj: object) -> bool:
    """Binance's user proof shape, any version: the fields every version has, and not the
    ``{Index, Balance}`` asset entries of HTX's fork (which kept Binance's other names)."""
    if not (isinstance(obj, dict) and PRE_2024.core_fields <= obj.keys()):
        return False
    keys = first_asset_keys(obj, PRE_2024)
    return keys is None or "Balance" not in keys


FORMAT = ForeignFormat(
    name="binance-zk",
    title="Binance zk proof of solvency: user inclusion proof (user_config.json, every version since 2023)",
    sniff=sniff,
    verify=verify,
    versions=tuple(r.version for r in RULES),
)
