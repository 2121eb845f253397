"""Which other parts of the v2 switch-over this tree already has (to be deleted once all have landed).

The demo runs every surface: the auditor (:func:`solvent.pipeline.audit.audit_snapshot`)
and ``solvent verify`` learn v2 on their own branches.  These look at the code's
signatures, never at whether a run succeeds, so once a part has landed its tests run
(and fail if it is broken) instead of being skipped.
"""

from __future__ import annotations

import inspect
import typing

from solvent.protocol.v2.manifest import Manifest as ManifestV2


def audit_reads_v2() -> bool:
    """``audit_snapshot`` takes a v2 manifest (it dispatches on the version)."""
    from solvent.pipeline.audit import audit_snapshot

    hint = typing.get_type_hints(audit_snapshot)["manifest"]
    return hint is ManifestV2 or ManifestV2 in typing.get_args(hint)


def verify_reads_v2() -> bool:
    """``solvent verify`` checks a ``solvent-proof/2`` against a v2 manifest."""
    from solvent.cli import verify

    return "load_signed_any_manifest" in inspect.getsource(verify)


AUDIT_PENDING = "pipeline.audit does not read v2 yet (its branch has not landed here)"
VERIFY_PENDING = "solvent verify does not read v2 yet (its branch has not landed here)"


def serve_reads_v2() -> bool:
    """The page's server opens a v2 snapshot's proofs (``SnapshotProofsV2``)."""
    from solvent.web import catalog

    return "SnapshotProofsV2" in inspect.getsource(catalog)
