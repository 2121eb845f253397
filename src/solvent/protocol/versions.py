"""Which protocol version a snapshot manifest or a proof speaks: the one rule every reader uses.

A solvent document names its version in its ``format`` field (``solvent-snapshot/1`` or
``/2``, ``solvent-proof/1`` or ``/2``).  The document is parsed once (strict JSON) and then
handed to that version's parser.  A ``format`` naming no version this release reads is a
FormatError with code ``version``, which the CLI reports as "unsupported version" (exit 2).

Standard library only.
"""

from __future__ import annotations

from solvent.protocol import inclusion as inclusion_v1
from solvent.protocol import manifest as manifest_v1
from solvent.protocol import proof as proof_v1
from solvent.protocol.errors import FormatError
from solvent.protocol.strictjson import loads_strict
from solvent.protocol.v2 import inclusion as inclusion_v2
from solvent.protocol.v2 import manifest as manifest_v2
from solvent.protocol.v2 import proof as proof_v2

__all__ = [
    "AnyInclusion",
    "AnyManifest",
    "AnyProof",
    "manifest_version",
    "parse_any_manifest",
    "parse_any_proof",
    "proof_version",
    "verify_any_proof_bytes",
    "verifier_version",
]

AnyManifest = manifest_v1.Manifest | manifest_v2.Manifest
AnyProof = proof_v1.Proof | proof_v2.Proof
AnyInclusion = inclusion_v1.InclusionResult | inclusion_v2.InclusionResult

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


def _named_version(obj: object) -> int | None:
    fmt = obj.get("format") if isinstance(obj, dict) else None
    return _PROOFS.get(fmt) if isinstance(fmt, str) else None


def verifier_version(obj: object, manifest: AnyManifest | None, name: str = "proof") -> int:
    """Which verifier checks the parsed proof ``obj``: the manifest's version when there is one
    (a v2 snapshot takes only v2 proofs, a v1 snapshot only v1 proofs; a proof whose format
    names the other version is a ``version`` error); without a manifest, the version the
    proof's format names (v1 when it has none, whose parser then says what is wrong).  A
    format string naming no version this release reads is a ``version`` error either way.

    The browser's ``verifyAnyProofBytes`` (protocol/js/versions.js) follows the same rule,
    and the conformance vectors pin both.
    """
    fmt = obj.get("format") if isinstance(obj, dict) else None
    if isinstance(fmt, str) and fmt not in _PROOFS:
        proof_version(obj)  # a format naming a version this release does not read: "version"
    named = _named_version(obj)
    if manifest is None:
        return named or 1
    wanted = 2 if isinstance(manifest, manifest_v2.Manifest) else 1
    if named is not None and named != wanted:
        raise FormatError(
            f"{name}: a protocol v{named} proof (solvent-proof/{named}) cannot be checked against a "
            f"protocol v{wanted} snapshot manifest (solvent-snapshot/{wanted}); "
            "use the snapshot.json of the snapshot this proof came from",
            code="version",
            evidence={"proof": f"solvent-proof/{named}", "manifest": f"solvent-snapshot/{wanted}"},
        )
    return wanted


def verify_any_proof_bytes(
    data: bytes,
    manifest: AnyManifest | None = None,
    *,
    uid: str | None = None,
    user_secret: bytes | None = None,
    asked_for: bytes | None = None,
    name: str = "proof",
) -> AnyInclusion:
    """Verify the bytes of a proof of either version with the verifier :func:`verifier_version` picks."""
    obj = loads_strict(data, name=name, max_bytes=_MAX_PROOF_BYTES)
    if verifier_version(obj, manifest, name) == 2:
        assert manifest is None or isinstance(manifest, manifest_v2.Manifest)
        return inclusion_v2.verify_proof_bytes(
            data, manifest, uid=uid, user_secret=user_secret, asked_for=asked_for, name=name
        )
    assert manifest is None or isinstance(manifest, manifest_v1.Manifest)
    return inclusion_v1.verify_proof_bytes(
        data, manifest, uid=uid, user_secret=user_secret, asked_for=asked_for, name=name
    )
