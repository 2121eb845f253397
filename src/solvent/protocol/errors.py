"""One exception tree for the whole project, split by who is at fault.

::

    SolventError
    ├── InputError            the operator's own input: ledger, keys, options, config
    ├── FormatError           a published file (proof, manifest, CSV, ...) does not parse
    ├── VerificationError     data parses but does not check out (a cheat or a bug)
    │   ├── RootMismatch          computed root differs from the expected one
    │   ├── SumOverflow           a sum leaves [0, 2^128)
    │   ├── NegativeBalance       a balance below zero
    │   ├── OrderViolation        hashed ids not strictly ascending (duplicates)
    │   ├── IdMismatch            hashed id is not this customer's
    │   ├── ManifestMismatch      proof / file disagrees with the manifest
    │   ├── FileDigestMismatch    a published file's SHA-256 differs from the manifest
    │   └── BadSignature          a signature does not verify
    ├── NotFound              a looked-up id is not in the snapshot
    └── FetchError            transport: a file, a URL or a chain node cannot be reached

Every error has a stable ``code`` (shared with the browser verifier and the test
vectors) and an ``evidence`` mapping of strings: what was expected, what was
computed, the index, the level, the file and row.  A user who catches an exchange
cheating must be able to publish exactly what failed.

This module is part of the standard-library-only verifier core.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "BadSignature",
    "FetchError",
    "FileDigestMismatch",
    "FormatError",
    "IdMismatch",
    "InputError",
    "ManifestMismatch",
    "NegativeBalance",
    "NotFound",
    "OrderViolation",
    "RootMismatch",
    "SolventError",
    "SumOverflow",
    "VerificationError",
]


class SolventError(Exception):
    """Base of every error solvent raises on purpose."""

    code = "error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        evidence: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.evidence: dict[str, str] = {k: str(v) for k, v in (evidence or {}).items()}

    def __str__(self) -> str:
        return self.message


class InputError(SolventError):
    """The operator's input is unusable (ledger export, key file, option, config)."""

    code = "input"


class FormatError(SolventError):
    """A published file (proof, manifest, CSV, signature, ...) is not in its format."""

    code = "format"


class VerificationError(SolventError):
    """Well-formed data that does not check out."""

    code = "verification"


class RootMismatch(VerificationError):
    code = "root-mismatch"


class SumOverflow(VerificationError):
    code = "sum-overflow"


class NegativeBalance(VerificationError):
    code = "negative-balance"


class OrderViolation(VerificationError):
    code = "order"


class IdMismatch(VerificationError):
    code = "id-mismatch"


class ManifestMismatch(VerificationError):
    code = "manifest-mismatch"


class FileDigestMismatch(VerificationError):
    code = "file-digest"


class BadSignature(VerificationError):
    code = "bad-signature"


class NotFound(SolventError):
    """A hashed id (or other looked-up key) is not in this snapshot."""

    code = "not-found"


class FetchError(SolventError):
    """A file, URL or chain node could not be reached or read."""

    code = "fetch"
