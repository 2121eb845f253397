"""Every audit in these tests runs with both auditors (tests/auditors.py)."""

from tests.auditors import auditor

__all__ = ["auditor"]
