"""Ingest: the exchange's ledger export -> validated uids and 128-bit amount columns.

Every parse problem is an InputError naming the file, row and field (docs/ingest.md).
"""

from solvent.ingest.ledger import Ledger, read_ledger

__all__ = ["Ledger", "read_ledger"]
