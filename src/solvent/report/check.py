"""One call from a loaded snapshot to its solvency report, with every check wired in.

``solvent report``, the demo and the web page all need the same sequence: re-check the
attestation with the verifier's nodes, against *this* manifest's ``taken_at`` (the
block-time window, docs/spec.md §12.8 (V5)) and the verifier's recognised token
contracts (V7), then apply the counting rule.  Doing it here once keeps a caller from
forgetting the snapshot time (which would make every on-chain amount count as
declared) or from checking against another snapshot's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from solvent.report.load import LoadedSnapshot
from solvent.report.solvency import SolvencyReport, assess
from solvent.reserves.block_window import DEFAULT_WINDOW, BlockTimeWindow
from solvent.reserves.recheck import check_attestation
from solvent.reserves.sources.base import BalanceSource
from solvent.reserves.tokens import TokenRegistry, default_registry

__all__ = ["VerifierSettings", "assess_snapshot"]


@dataclass(frozen=True)
class VerifierSettings:
    """What a verifier brings of its own: nodes to re-read balances (``CHAIN=URL``), the
    token contracts it recognises, and how far the pinned block may be from the snapshot."""

    nodes: Sequence[str] = ()
    tokens: TokenRegistry = field(default_factory=default_registry)
    window: BlockTimeWindow = DEFAULT_WINDOW


def assess_snapshot(
    loaded: LoadedSnapshot,
    sources: Mapping[str, BalanceSource] | None = None,
    *,
    tokens: TokenRegistry | None = None,
    window: BlockTimeWindow = DEFAULT_WINDOW,
) -> SolvencyReport:
    """The solvency report of a loaded snapshot; FetchError if a node cannot be read."""
    check = None
    if loaded.attestation is not None:
        check = check_attestation(
            loaded.attestation, sources, taken_at=loaded.manifest.taken_at, window=window, tokens=tokens
        )
    return assess(loaded.manifest, check, loaded.signature_note)
