"""Which other parts of the v2 switch-over this tree already has (to be deleted once all have landed).

The demo runs every surface: ``solvent verify`` and the page's server learn v2 on their
own branches.  These look at the code, never at whether a run succeeds, so once a part
has landed its tests run (and fail if it is broken) instead of being skipped.
"""

from __future__ import annotations

import inspect


def verify_reads_v2() -> bool:
    """``solvent verify`` checks a ``solvent-proof/2`` against a v2 manifest."""
    from solvent.cli import verify

    return "load_signed_any_manifest" in inspect.getsource(verify)


VERIFY_PENDING = "solvent verify does not read v2 yet (its branch has not landed here)"


def serve_reads_v2() -> bool:
    """The page's server opens a v2 snapshot's proofs (``SnapshotProofsV2``)."""
    from solvent.web import catalog

    return "SnapshotProofsV2" in inspect.getsource(catalog)
