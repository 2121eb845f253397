"""Which protocol version a snapshot manifest or a proof speaks: the one rule every reader uses.

A solvent document names its version in its ``format`` field (``solvent-snapshot/1`` or
``/2``, ``solvent-proof/1`` or ``/2``).  The document is parsed once (strict JSON) and then
handed to that version's parser.  A ``format`` naming no version this release reads is a
FormatError with code ``version``, which the CLI reports as "unsupported version" (exit 2).

Standard library only.
"""

from __future__ import annotations

from solvent.protocol import manifest as manifest_v1
from solvent.protocol import proof as proof_v1
from solvent.protocol.errors import FormatError
from solvent.protocol.strictjson import loads_strict
from solvent.protocol.v2 import manifest as manifest_v2
from solvent.protocol.v2 import proof as proof_v2

__all__ = ["AnyManifest", "AnyProof", "manifest_version", "parse_any_manifest", "parse_any_proof", "proof_version"]

AnyManifest = manifest_v1.Manifest | manifest_v2.Manifest
AnyProof = proof_v1.Proof | proof_v2.Proof

_MANIFESTS = {manifest_v1.MANIFEST_FORMAT: 1, manifest_v2.MANIFEST_FORMAT: 2}
# Both versions bound a proof file alike (4 MiB), so one strict parse serves both.
_MAX_PROOF_BYTES = proof_v1.MAX_PROOF_BYTES
assert proof_v2.MAX_PROOF_BYTES == _MAX_PROOF_BYTES
_PROOFS = {proof_v1.PROOF_FORMAT: 1, proof_v2.PROOF_FORMAT: 2}


def _version(obj: object, known: dict[str, int], what: str) -> int:
    fmt = obj.get("format") if isinstance(obj, dict) else None
    if isinstance(fmt, str) and fmt in known:
        return known[fmt]
    shown = repr(fmt[:40]) if isinstance(fmt, str) else "missing"
    raise FormatError(
        f"{what}: format {shown} is none of {', '.join(sorted(known))}",
        code="version",
        evidence={"field": "format"},
    )


def manifest_version(obj: object) -> int:
    """1 or 2 for a parsed (strict JSON) manifest object; FormatError ``version`` otherwise."""
    return _version(obj, _MANIFESTS, "snapshot")


def proof_version(obj: object) -> int:
    """1 or 2 for a parsed (strict JSON) proof object; FormatError ``version`` otherwise."""
    return _version(obj, _PROOFS, "proof")


def parse_any_manifest(data: bytes, name: str = "snapshot.json") -> AnyManifest:
    """The bytes of a ``snapshot.json`` of either version -> that version's Manifest."""
    obj = loads_strict(data, name=name)
    if manifest_version(obj) == 2:
        return manifest_v2.Manifest.from_dict(obj)
    return manifest_v1.Manifest.from_dict(obj)


def parse_any_proof(data: bytes, name: str = "proof") -> AnyProof:
    """The bytes of a proof of either version -> that version's Proof (step 1 of verifying it)."""
    obj = loads_strict(data, name=name, max_bytes=_MAX_PROOF_BYTES)
    if proof_version(obj) == 2:
        return proof_v2.Proof.from_dict(obj)
    return proof_v1.Proof.from_dict(obj)
