"""v2 inclusion-proof verification, standard library only.

The same shape as v1's verifier (:mod:`solvent.protocol.inclusion`), once per entry:
(1) parse strictly; (2) ``0 <= index < leaf_count <= 2^height``, the smallest height,
one sibling per level; (3) fold from the leaf of ``(symbol, hashed_id, amount)`` with a
range check at every level, a sibling wholly in the padding region equal to that level's
padding subtree; (4) the computed root equals the entry's root, and that root, the
decimals and the snapshot id equal the independently obtained manifest, entries in the
manifest's asset order; (5) with the customer's uid (NFC-normalised) and secret, the
hashed id is theirs.  Every failure raises an error with evidence.
"""

from __future__ import annotations

import hmac
import unicodedata
from dataclasses import dataclass

from solvent.protocol.assets import Asset
from solvent.protocol.errors import FormatError, IdMismatch, ManifestMismatch, RootMismatch, VerificationError
from solvent.protocol.ids import verify_hashed_id
from solvent.protocol.inclusion import check_preconditions
from solvent.protocol.v2.hashing import SumNode, leaf_node, pad_node, parent
from solvent.protocol.v2.manifest import AssetRoot, Manifest
from solvent.protocol.v2.proof import Entry, Proof, parse_proof

__all__ = [
    "InclusionResult",
    "balances",
    "check_against_manifest",
    "root_from_entry",
    "verify_inclusion",
    "verify_proof_bytes",
]


@dataclass(frozen=True)
class InclusionResult:
    """What a successful verification established (``anchored``: compared with a manifest)."""

    proof: Proof
    anchored: bool
    owner_checked: bool


def root_from_entry(hashed_id: bytes, entry: Entry) -> SumNode:
    """Steps (2) and (3) for one entry: check the preconditions, then fold the path to a root."""
    symbol, index, leaf_count = entry.symbol, entry.index, entry.root.leaf_count
    try:
        check_preconditions(index, leaf_count, entry.root.height, len(entry.siblings))
    except FormatError as e:
        raise FormatError(f"{symbol}: {e.message}", code=e.code, evidence={"asset": symbol, **e.evidence}) from e
    # (3) fold: the side at level k is bit k of index (0: the current node is the left child).
    node = leaf_node(symbol, hashed_id, entry.amount)
    for level, sibling in enumerate(entry.siblings):
        sibling_first_leaf = ((index >> level) ^ 1) << level
        if sibling_first_leaf >= leaf_count and sibling != pad_node(level, symbol):
            raise VerificationError(
                f"{symbol}: sibling at level {level} lies in the padding region but is not the padding subtree",
                code="padding-mismatch",
                evidence={"asset": symbol, "level": level, "index": index, "sibling_hash": sibling.hash.hex()},
            )
        if (index >> level) & 1:
            node = parent(sibling, node, level=level + 1, symbol=symbol)
        else:
            node = parent(node, sibling, level=level + 1, symbol=symbol)
    return node


def verify_inclusion(proof: Proof, manifest: Manifest | None = None) -> InclusionResult:
    """Steps (2)-(4) on a parsed proof; compare with ``manifest`` when one is given."""
    for entry in proof.entries:
        computed = root_from_entry(proof.hashed_id, entry)
        # (4a) the computed root must be the root the entry claims.
        _compare_root(computed, entry.root, entry, "the entry's root")
    if manifest is not None:
        check_against_manifest(proof, manifest)  # (4b)
    return InclusionResult(proof, anchored=manifest is not None, owner_checked=False)


def check_against_manifest(proof: Proof, manifest: Manifest) -> None:
    """(4b) snapshot id; each entry's asset, decimals and tree head; entries in manifest order."""
    if proof.snapshot_id != manifest.snapshot_id:
        raise ManifestMismatch(
            f"the proof is for snapshot {proof.snapshot_id!r}, the manifest is {manifest.snapshot_id!r}",
            evidence={"proof": proof.snapshot_id, "manifest": manifest.snapshot_id},
        )
    position = {t.symbol: i for i, t in enumerate(manifest.trees)}
    last = -1
    for entry in proof.entries:
        at = position.get(entry.symbol)
        if at is None:
            raise ManifestMismatch(
                f"the proof has an entry for {entry.symbol}, which the manifest does not list",
                evidence={"asset": entry.symbol},
            )
        if at <= last:
            raise FormatError(
                f"proof.entries: {entry.symbol} is out of the manifest's asset order",
                code="order",
                evidence={"asset": entry.symbol},
            )
        last = at
        tree = manifest.trees[at]
        if entry.asset != tree.asset:
            raise ManifestMismatch(
                f"{entry.symbol}: the proof says {entry.asset.decimals} decimals, the manifest {tree.asset.decimals}",
                evidence={"asset": entry.symbol, "proof": entry.asset.decimals, "manifest": tree.asset.decimals},
            )
        _compare_root(entry.root.node, tree.root, entry, "the manifest's root")
        if (entry.root.height, entry.root.leaf_count) != (tree.root.height, tree.root.leaf_count):
            raise ManifestMismatch(
                f"{entry.symbol}: the proof's tree height or leaf count differs from the manifest's",
                evidence={
                    "asset": entry.symbol,
                    "proof": f"height={entry.root.height} leaf_count={entry.root.leaf_count}",
                    "manifest": f"height={tree.root.height} leaf_count={tree.root.leaf_count}",
                },
            )


def _compare_root(computed: SumNode, expected: AssetRoot, entry: Entry, against: str) -> None:
    if not hmac.compare_digest(computed.hash, expected.hash) or computed.sum != expected.sum:
        raise RootMismatch(
            f"{entry.symbol}: the computed root does not match {against}",
            evidence={
                "asset": entry.symbol,
                "index": entry.index,
                "expected_hash": expected.hash.hex(),
                "computed_hash": computed.hash.hex(),
                "expected_sum": expected.sum,
                "computed_sum": computed.sum,
            },
        )


def verify_proof_bytes(
    data: bytes,
    manifest: Manifest | None = None,
    *,
    uid: str | None = None,
    user_secret: bytes | None = None,
    asked_for: bytes | None = None,
    name: str = "proof",
) -> InclusionResult:
    """Steps (1)-(5) from the bytes of a proof file.

    (5) with ``uid`` and ``user_secret``, checks the id is this customer's; the uid as
    typed is brought to Unicode NFC first, as builders require of every uid.  With
    ``asked_for`` (the hashed id a proof was looked up by), that the proof is that id's,
    as v1's verifier does.
    """
    if (uid is None) != (user_secret is None):
        raise ValueError("uid and user_secret go together")
    proof = parse_proof(data, name)  # (1)
    result = verify_inclusion(proof, manifest)  # (2)-(4)
    if asked_for is not None and not hmac.compare_digest(proof.hashed_id, asked_for):
        # (5) the proof is the one that was asked for
        raise IdMismatch(
            "the proof is for another hashed id than the one it was looked up by",
            evidence={"asked_for": asked_for.hex(), "proof": proof.hashed_id.hex()},
        )
    if uid is not None and user_secret is not None:
        verify_hashed_id(proof.hashed_id, user_secret, proof.snapshot_id, unicodedata.normalize("NFC", uid))  # (5)
        return InclusionResult(proof, result.anchored, owner_checked=True)
    return result


def balances(proof: Proof, manifest: Manifest) -> list[tuple[Asset, int]]:
    """Every asset of the manifest with this account's amount: held ones first (manifest
    order), then the rest at zero (an asset without an entry is a zero balance)."""
    held = {e.symbol: e.amount for e in proof.entries}
    first = [(t.asset, held[t.symbol]) for t in manifest.trees if t.symbol in held]
    return first + [(t.asset, 0) for t in manifest.trees if t.symbol not in held]
