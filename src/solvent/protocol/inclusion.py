"""Inclusion-proof verification, standard library only (docs/spec.md, "Verifying a proof").

Readable in one sitting on purpose: an auditor should be able to check this file
against the spec.  Computing is apart from comparing: ``root_from_proof`` folds a
path into a root; ``verify_inclusion`` compares it with the proof's own root and,
when given, with a manifest obtained independently.  Every failure raises an error
with evidence; nothing returns ``False``.

The numbered comments are the verification steps of docs/spec.md §6 (Inclusion proofs).
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from solvent.protocol.errors import FormatError, IdMismatch, ManifestMismatch, RootMismatch, VerificationError
from solvent.protocol.hashing import MAX_HEIGHT, PAD_ID, Node, height_for, leaf_node, pad_node, parent
from solvent.protocol.ids import verify_hashed_id
from solvent.protocol.manifest import Manifest
from solvent.protocol.proof import Leaf, Proof, Root, parse_proof

__all__ = [
    "InclusionResult",
    "check_against_manifest",
    "check_preconditions",
    "root_from_proof",
    "verify_inclusion",
    "verify_proof_bytes",
]


@dataclass(frozen=True)
class InclusionResult:
    """What a successful verification established.

    ``anchored`` is False when the proof was only compared with the root written
    inside the proof itself: then the exchange could show this customer a tree of
    their own (root equivocation, threat L12) and the result must be reported so.
    """

    proof: Proof
    anchored: bool
    owner_checked: bool

    @property
    def leaf(self) -> Leaf:
        return self.proof.leaf

    @property
    def root(self) -> Root:
        return self.proof.root


def check_preconditions(index: int, leaf_count: int, height: int, n_siblings: int) -> None:
    """(2) ``0 <= index < leaf_count <= 2^height``, ``height <= 40`` and the smallest such
    height, one sibling per level."""
    if not 0 <= height <= MAX_HEIGHT:
        raise FormatError(f"height {height} is outside [0, {MAX_HEIGHT}]", code="height", evidence={"height": height})
    if not 1 <= leaf_count <= (1 << height):
        raise FormatError(
            f"leaf_count {leaf_count} does not fit a tree of height {height}",
            code="leaf-count",
            evidence={"leaf_count": leaf_count, "height": height},
        )
    if height != height_for(leaf_count):
        raise FormatError(
            f"height {height} is not the smallest height for {leaf_count} leaves",
            code="height",
            evidence={"leaf_count": leaf_count, "height": height},
        )
    if not 0 <= index < leaf_count:
        # Positions >= leaf_count are padding: nobody's balance can be proven there (L7).
        raise FormatError(
            f"leaf index {index} is not below leaf_count {leaf_count}",
            code="index",
            evidence={"index": index, "leaf_count": leaf_count},
        )
    if n_siblings != height:
        raise FormatError(
            f"the proof has {n_siblings} siblings, a tree of height {height} needs exactly {height}",
            code="length",
            evidence={"siblings": n_siblings, "height": height},
        )


def root_from_proof(
    index: int,
    hashed_id: bytes,
    amounts: Sequence[int],
    siblings: Sequence[Node],
    *,
    height: int,
    leaf_count: int,
) -> Node:
    """Steps (2) and (3): check the preconditions, then fold the path up to a root."""
    check_preconditions(index, leaf_count, height, len(siblings))
    if hashed_id == PAD_ID:
        raise FormatError("the leaf has the padding id (32 zero bytes)", code="padding")
    n_assets = len(amounts)
    # (3) fold: the leaf hash, then one parent per level; the side is bit k of index.
    node = leaf_node(hashed_id, amounts)
    for level, sibling in enumerate(siblings):
        if len(sibling.sums) != n_assets:
            raise FormatError(f"sibling at level {level} has the wrong number of sums", code="length")
        sibling_first_leaf = ((index >> level) ^ 1) << level
        if sibling_first_leaf >= leaf_count and sibling != pad_node(level, n_assets):
            # (3a) a sibling wholly beyond leaf_count is padding by definition (spec §4 (The liabilities tree)).
            raise VerificationError(
                f"sibling at level {level} lies in the padding region but is not the padding subtree",
                code="padding-mismatch",
                evidence={"level": level, "index": index, "sibling_hash": sibling.hash.hex()},
            )
        if (index >> level) & 1:
            node = parent(sibling, node, level=level + 1)
        else:
            node = parent(node, sibling, level=level + 1)
    return node


def verify_inclusion(proof: Proof, manifest: Manifest | None = None) -> InclusionResult:
    """Steps (2)-(4) on a parsed proof; compare with ``manifest`` when one is given."""
    computed = root_from_proof(
        proof.leaf.index,
        proof.leaf.hashed_id,
        proof.leaf.amounts,
        proof.siblings,
        height=proof.root.height,
        leaf_count=proof.root.leaf_count,
    )
    # (4a) the computed root must be the root the proof claims.
    _compare_root(computed, proof.root, proof.leaf.index, "the proof's root")
    # (4b) and that root must be the one in the independently obtained manifest.
    if manifest is not None:
        check_against_manifest(proof, manifest)
    return InclusionResult(proof, anchored=manifest is not None, owner_checked=False)


def check_against_manifest(proof: Proof, manifest: Manifest) -> None:
    """(4b) snapshot id, asset list (decimals included) and tree head must all agree."""
    if proof.snapshot_id != manifest.snapshot_id:
        raise ManifestMismatch(
            f"the proof is for snapshot {proof.snapshot_id!r}, the manifest is {manifest.snapshot_id!r}",
            evidence={"proof": proof.snapshot_id, "manifest": manifest.snapshot_id},
        )
    if proof.assets != manifest.assets:
        raise ManifestMismatch(
            "the proof's asset list (symbols, order or decimals) differs from the manifest's",
            evidence={
                "proof": ",".join(f"{a.symbol}:{a.decimals}" for a in proof.assets),
                "manifest": ",".join(f"{a.symbol}:{a.decimals}" for a in manifest.assets),
            },
        )
    _compare_root(proof.root.node, manifest.root, proof.leaf.index, "the manifest's root")
    if (proof.root.height, proof.root.leaf_count) != (manifest.root.height, manifest.root.leaf_count):
        raise ManifestMismatch(
            "the proof's tree height or leaf count differs from the manifest's",
            evidence={
                "proof": f"height={proof.root.height} leaf_count={proof.root.leaf_count}",
                "manifest": f"height={manifest.root.height} leaf_count={manifest.root.leaf_count}",
            },
        )


def _compare_root(computed: Node, expected: Root, index: int, against: str) -> None:
    if not hmac.compare_digest(computed.hash, expected.hash) or computed.sums != expected.sums:
        raise RootMismatch(
            f"the computed root does not match {against}",
            evidence={
                "index": index,
                "expected_hash": expected.hash.hex(),
                "computed_hash": computed.hash.hex(),
                "expected_sums": ",".join(map(str, expected.sums)),
                "computed_sums": ",".join(map(str, computed.sums)),
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

    (5) with ``uid`` and ``user_secret`` also checks the leaf is this customer's (L8);
    with ``asked_for`` (the hashed id a proof was looked up by), that the proof is that
    id's: a server answering with another account's valid proof is caught here.
    """
    proof = parse_proof(data, name)  # (1)
    result = verify_inclusion(proof, manifest)  # (2)-(4)
    if asked_for is not None and not hmac.compare_digest(proof.leaf.hashed_id, asked_for):
        # (5) the leaf is the one that was asked for
        raise IdMismatch(
            "the proof is for another hashed id than the one it was looked up by",
            evidence={"asked_for": asked_for.hex(), "proof": proof.leaf.hashed_id.hex()},
        )
    if (uid is None) != (user_secret is None):
        raise ValueError("uid and user_secret go together")
    if uid is not None and user_secret is not None:
        verify_hashed_id(proof.leaf.hashed_id, user_secret, proof.snapshot_id, uid)  # (5)
        return InclusionResult(proof, result.anchored, owner_checked=True)
    return result
