"""From a published snapshot directory to its solvency report, with every check wired in.

``solvent report``, the demo and the web page all need the same sequence, done here once:

* :func:`load_snapshot` reads the directory (``DIR/public/snapshot.json`` or the
  ``public/`` folder itself), a manifest of protocol v1 or v2 (told apart by
  :func:`solvent.protocol.versions.parse_any_manifest`; nothing below depends on which),
  and checks what binds it, step (V2) of docs/spec.md §12.8
  (Verifying reserves.json (anyone)): (1) the manifest's Ed25519 signature (with ``signing.pub``
  beside it, or a key pinned by the caller); (2) ``reserves.json``, when published,
  must be bound in the manifest's ``files`` with its exact SHA-256 (and a reserves file
  named there must exist); (3) it parses strictly and belongs to this snapshot (same
  exchange, snapshot id and asset decimals, and in ``solvent-reserves/3`` the key that
  signed the manifest).
* :func:`assess_snapshot` re-checks the attestation with the verifier's nodes
  (:mod:`solvent.reserves.recheck`), against *this* manifest's ``taken_at`` (the
  block-time window, (V5)) and the verifier's recognised token contracts (V7), then
  applies the counting rule (:mod:`solvent.report.solvency`).  Doing it here keeps a
  caller from forgetting the snapshot time (which would make every on-chain amount count
  as declared) or from checking against another snapshot's.
* :func:`assess` turns a re-check's result into the report's own plain input
  (:class:`~solvent.report.inputs.ReservesFacts`): the report package never imports a
  reserves type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from solvent.protocol.errors import ManifestMismatch
from solvent.protocol.layout import MANIFEST_FILE, RESERVES_FILE, public_dir, read_small_file
from solvent.protocol.signed_manifest import AnyManifestCheck, load_signed_any_manifest
from solvent.protocol.versions import AnyManifest
from solvent.report import solvency
from solvent.report.inputs import BalanceLine, OffchainLine, PinnedBlock, ReservesFacts, WalletLine
from solvent.report.render_json import report_to_dict
from solvent.report.solvency import SolvencyReport
from solvent.reserves.block_window import DEFAULT_WINDOW, BlockTimeWindow, format_block_time, format_duration
from solvent.reserves.chains import get_chain
from solvent.reserves.recheck import (
    BalanceCheck,
    ReservesCheck,
    WalletCheck,
    bound_attestation,
    check_attestation,
    counting_notes,
)
from solvent.reserves.reserves_json import NOT_KEY_BOUND, Attestation, observed_to_dict
from solvent.reserves.sources.base import AnySource, BalanceSource, opened_sources
from solvent.reserves.sources.http import redact_urls
from solvent.reserves.tokens import UNRECOGNISED, TokenRegistry, default_registry

__all__ = [
    "AnySource",
    "BalanceSource",
    "LoadedSnapshot",
    "VerifierSettings",
    "assess",
    "assess_snapshot",
    "load_snapshot",
    "opened_sources",
    "report_to_dict",
    "reserves_facts",
]


@dataclass(frozen=True)
class VerifierSettings:
    """What a verifier brings of its own: nodes to re-read balances (``CHAIN=URL``), the
    token contracts it recognises, and how far the pinned block may be from the snapshot."""

    nodes: Sequence[str] = ()
    tokens: TokenRegistry = field(default_factory=default_registry)
    window: BlockTimeWindow = DEFAULT_WINDOW


@dataclass(frozen=True)
class LoadedSnapshot:
    directory: Path
    #: The manifest as its signature was checked (its exact bytes and the key used).
    check: AnyManifestCheck
    attestation: Attestation | None

    @property
    def manifest(self) -> AnyManifest:
        return self.check.manifest

    @property
    def signature_note(self) -> str:
        return self.check.note


def load_snapshot(directory: Path, *, public_key: str | bytes | None = None) -> LoadedSnapshot:
    """``public_key`` pins the exchange's key (raw bytes, hex, or a file of hex)."""
    public = public_dir(directory)
    # (1) the manifest signature (a manifest of either version)
    check = load_signed_any_manifest(public / MANIFEST_FILE, public_key=public_key)
    manifest = check.manifest
    # (2) a reserves file the manifest names must be there
    path = public / RESERVES_FILE
    bound = manifest.files.get(RESERVES_FILE)
    if not path.exists():
        if bound is not None:
            raise ManifestMismatch(
                f"{path}: the manifest binds {RESERVES_FILE} but the file is missing",
                evidence={"file": RESERVES_FILE, "expected_sha256": bound},
            )
        return LoadedSnapshot(directory, check, None)
    # (2) bound by its digest, (3) parsed strictly and for this snapshot
    # (3) a key-bound attestation must name the key that signed this manifest
    attestation = bound_attestation(
        read_small_file(path, "reserves attestation"), manifest, str(path), signing_key=check.public_key
    )
    return LoadedSnapshot(directory, check, attestation)


def _time(seconds: int | None) -> str | None:
    return None if seconds is None else format_block_time(seconds)


def _balance(bc: BalanceCheck) -> BalanceLine:
    b = bc.balance
    return BalanceLine(
        asset=b.asset,
        amount=b.amount,
        claimed=b.source,
        counts_as=bc.counts_as,
        contract=b.contract.text if b.contract is not None else None,
        recognised=bc.recognised,
        notes=bc.notes,
        published=b.to_dict(),
    )


def _wallet(wc: WalletCheck) -> WalletLine:
    w = wc.wallet
    return WalletLine(
        chain=w.chain,
        address=w.address.text,
        label=w.label,
        scheme=w.scheme,
        error=wc.error,
        rechecked_by=None if wc.rechecked_by is None else redact_urls(wc.rechecked_by),
        # a hand-made check without verdicts: every balance counts as declared at most
        balances=tuple(_balance(bc) for bc in wc.balance_checks()),
        block=w.block.to_dict(),
        block_time=_time(wc.block_time),
        block_time_from=None if wc.block_time_from is None else redact_urls(wc.block_time_from),
        block_time_published=_time(w.block_time),
        key_bound=wc.key_bound,
        method=wc.method,
        ownership_checked=wc.ownership_checked,
        ownership_note=wc.ownership_note,
        timing=wc.timing,
        observed=None if w.observed is None else observed_to_dict(w.observed),
        chain_name=get_chain(w.chain).display_name or w.chain,
    )


def reserves_facts(check: ReservesCheck) -> ReservesFacts:
    """The report's plain input from a re-checked attestation."""
    att = check.attestation
    return ReservesFacts(
        wallets=tuple(_wallet(wc) for wc in check.wallets),
        offchain=tuple(OffchainLine(o.asset, o.amount, o.custodian, o.note, o.to_dict()) for o in att.offchain),
        pins=tuple(PinnedBlock(chain, pin.height, pin.hash) for chain, pin in att.pins.items()),
        nodes={chain: redact_urls(node) for chain, node in check.nodes.items()},
        taken_at=check.taken_at,
        max_age=check.window.max_age,
        max_lead=check.window.max_lead,
        max_age_text=format_duration(check.window.max_age),
        max_lead_text=format_duration(check.window.max_lead),
        notes=counting_notes(check),
        unrecognised_label=UNRECOGNISED,
        attestation_format=att.format,
        signing_key=check.signing_key,
        not_key_bound_label=NOT_KEY_BOUND,
    )


def assess(manifest: AnyManifest, check: ReservesCheck | None, signature_note: str = "") -> SolvencyReport:
    """The counting rule applied to a verified manifest and a re-checked attestation.

    ``check`` should come from ``check_attestation(..., taken_at=manifest.taken_at)``:
    made without the snapshot time, nothing in it counts as observed (fail closed).
    """
    return solvency.assess(manifest, reserves_facts(check) if check is not None else None, signature_note)


def assess_snapshot(
    loaded: LoadedSnapshot,
    sources: Mapping[str, AnySource] | None = None,
    *,
    tokens: TokenRegistry | None = None,
    window: BlockTimeWindow = DEFAULT_WINDOW,
) -> SolvencyReport:
    """The solvency report of a loaded snapshot; FetchError if a node cannot be read."""
    check = None
    if loaded.attestation is not None:
        # every challenge rebuilt with the key that signed this manifest
        check = check_attestation(
            loaded.attestation,
            sources,
            taken_at=loaded.manifest.taken_at,
            window=window,
            tokens=tokens,
            signing_key=loaded.check.public_key,
        )
    return assess(loaded.manifest, check, loaded.signature_note)
