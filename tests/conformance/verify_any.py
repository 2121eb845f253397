"""The Python side of the browser's ``verifyAnyProofBytes`` (protocol/js/versions.js), for the runners.

The verifier of the manifest's version; without a manifest, of the proof's own format (v1
when it names none); a proof whose format names the other version than the manifest's is a
``version`` error. The result is in the shape of a vector's ``expect``: a v2 proof also
shows its balances, every asset of the manifest with the held ones first.
"""

from __future__ import annotations

from solvent.protocol import inclusion as inclusion_v1
from solvent.protocol.errors import FormatError, IdMismatch
from solvent.protocol.proof import MAX_PROOF_BYTES
from solvent.protocol.strictjson import loads_strict
from solvent.protocol.v2 import inclusion as inclusion_v2
from solvent.protocol.v2.manifest import Manifest as ManifestV2
from solvent.protocol.versions import AnyManifest, proof_version

__all__ = ["verify_any"]


def verify_any(data: bytes, manifest: AnyManifest | None, asked_for: bytes | None = None) -> dict[str, object]:
    """Verify ``data`` as the browser's runner does; SolventError if it does not verify."""
    obj = loads_strict(data, name="proof", max_bytes=MAX_PROOF_BYTES)
    try:
        named: int | None = proof_version(obj)
    except FormatError:
        named = None
    version = (2 if isinstance(manifest, ManifestV2) else 1) if manifest is not None else (named or 1)
    if named is not None and named != version:
        raise FormatError(f"a v{named} proof against a v{version} manifest", code="version")
    if version == 1:
        result = inclusion_v1.verify_proof_bytes(data, manifest, asked_for=asked_for)  # type: ignore[arg-type]
        return {"valid": True, "anchored": result.anchored}
    v2 = inclusion_v2.verify_proof_bytes(data, manifest)  # type: ignore[arg-type]
    # (5) the proof is the id it was looked up by: protocol.v2.inclusion takes no asked_for
    # (yet), so the comparison v1's verifier makes is made here on the parsed proof.
    if asked_for is not None and v2.proof.hashed_id != asked_for:
        raise IdMismatch("the proof is for another hashed id than the one it was looked up by")
    if isinstance(manifest, ManifestV2):
        shown = [(a.symbol, amount) for a, amount in inclusion_v2.balances(v2.proof, manifest)]
    else:
        shown = [(e.symbol, e.amount) for e in v2.proof.entries]
    return {
        "valid": True,
        "anchored": v2.anchored,
        "balances": [{"symbol": s, "amount": str(amount)} for s, amount in shown],
    }
