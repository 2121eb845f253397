"""The runners' view of :func:`solvent.protocol.versions.verify_any_proof_bytes`, the Python side of
the browser's ``verifyAnyProofBytes`` (protocol/js/versions.js).

The result is in the shape of a vector's ``expect``: a v2 proof also
shows its balances, every asset of the manifest with the held ones first.
"""

from __future__ import annotations

from solvent.protocol import inclusion as inclusion_v1
from solvent.protocol.v2 import inclusion as inclusion_v2
from solvent.protocol.v2.manifest import Manifest as ManifestV2
from solvent.protocol.versions import AnyManifest, verify_any_proof_bytes

__all__ = ["verify_any"]


def verify_any(data: bytes, manifest: AnyManifest | None, asked_for: bytes | None = None) -> dict[str, object]:
    """Verify ``data`` as the browser's runner does; SolventError if it does not verify."""
    result = verify_any_proof_bytes(data, manifest, asked_for=asked_for)
    if isinstance(result, inclusion_v1.InclusionResult):
        return {"valid": True, "anchored": result.anchored}
    v2 = result
    if isinstance(manifest, ManifestV2):
        shown = [(a.symbol, amount) for a, amount in inclusion_v2.balances(v2.proof, manifest)]
    else:
        shown = [(e.symbol, e.amount) for e in v2.proof.entries]
    return {
        "valid": True,
        "anchored": v2.anchored,
        "balances": [{"symbol": s, "amount": str(amount)} for s, amount in shown],
    }
