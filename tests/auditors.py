"""Both auditors behind one fixture: every audit test runs against each of them.

``pipeline.audit`` (vectorised) and ``pipeline.audit_stdlib`` (standard library) must
reach the same verdict with the same error code and evidence; a test that takes the
``auditor`` fixture shows an attack caught by both.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from solvent.pipeline import audit, audit_stdlib
from solvent.pipeline.audit_common import AuditResult
from solvent.protocol.errors import InputError, SolventError
from solvent.protocol.layout import MANIFEST_FILE, public_dir
from solvent.protocol.signed_manifest import load_signed_manifest

Auditor = Callable[..., AuditResult]
AUDITORS: dict[str, Auditor] = {"vectorised": audit.audit_snapshot, "stdlib": audit_stdlib.audit_snapshot}


@pytest.fixture(params=list(AUDITORS))
def auditor(request: pytest.FixtureRequest) -> Auditor:
    return AUDITORS[request.param]


def run_audit(auditor: Auditor, folder: Path, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    """What ``solvent audit DIR --json`` reports: exit code and payload (or error and evidence)."""
    try:
        public = public_dir(folder)
        check = load_signed_manifest(public / MANIFEST_FILE)
        result = auditor(public, check.manifest, **kwargs)
    except InputError as e:
        return 2, {"error": e.code, "message": e.message, "evidence": e.evidence}
    except SolventError as e:
        return 1, {"error": e.code, "message": e.message, "evidence": e.evidence}
    return 0, {"valid": True, "totals": list(result.totals), "files_checked": list(result.files_checked)}
