"""Re-checking a published attestation: anyone, offline or with their own nodes.

docs/spec.md §12, "verifying reserves.json", steps (V1)-(V5):

(V1) parse strictly (:func:`~solvent.reserves.attestation.parse_attestation`);
(V2) against the signed manifest: same exchange and snapshot id, every asset in the
     manifest with the same decimals;
(V3) every wallet's signature over the challenge rebuilt from (exchange, snapshot id,
     chain, pinned block, address) -- offline;
(V4) with a node for a chain: its block at the pinned height has the pinned hash;
(V5) with a node: every *observed* balance is read again at the pinned block and must
     be equal (token decimals included).

A wallet that fails (V3)-(V5) is kept in the result with its error and is **not
counted**; the caller decides the exit code.  An unreachable node raises FetchError:
a balance that could not be re-read is never reported as re-read.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field

from solvent.errors import FileDigestMismatch, ManifestMismatch, VerificationError
from solvent.layout import RESERVES_FILE
from solvent.reserves.attestation import Attestation, Balance, WalletEntry
from solvent.reserves.challenge import challenge_message
from solvent.reserves.ownership import verify_ownership
from solvent.reserves.sources.base import BalanceSource
from solvent.spec.manifest import Manifest

__all__ = [
    "ReservesCheck",
    "WalletCheck",
    "check_against_manifest",
    "check_attestation",
    "check_bound",
]


@dataclass(frozen=True)
class WalletCheck:
    wallet: WalletEntry
    #: None when every check passed; otherwise the first failure.
    error: VerificationError | None
    #: The node the observed balances were re-read from, or None (not re-read).
    rechecked_by: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ReservesCheck:
    attestation: Attestation
    wallets: tuple[WalletCheck, ...]
    #: chain -> node description, for the chains whose balances were re-read.
    nodes: Mapping[str, str] = field(default_factory=dict)

    @property
    def failures(self) -> tuple[WalletCheck, ...]:
        return tuple(w for w in self.wallets if not w.ok)


def check_bound(raw: bytes, manifest: Manifest, name: str = RESERVES_FILE) -> None:
    """(V2): the exact bytes of reserves.json are bound in the signed manifest's ``files``."""
    bound = manifest.files.get(RESERVES_FILE)
    if bound is None:
        raise ManifestMismatch(
            f"{name}: not bound in the signed manifest's files; it could have been added by anybody",
            evidence={"file": RESERVES_FILE},
        )
    computed = hashlib.sha256(raw).digest()
    if not hmac.compare_digest(computed, bytes.fromhex(bound)):
        raise FileDigestMismatch(
            f"{name}: SHA-256 differs from the manifest's",
            evidence={"file": RESERVES_FILE, "expected": bound, "computed": computed.hex()},
        )


def check_against_manifest(att: Attestation, manifest: Manifest) -> None:
    """(V2): the attestation belongs to this snapshot and uses its asset decimals."""
    if att.snapshot_id != manifest.snapshot_id or att.exchange != manifest.exchange:
        raise ManifestMismatch(
            "reserves.json is for another snapshot or exchange than the manifest",
            evidence={
                "manifest_snapshot": manifest.snapshot_id,
                "reserves_snapshot": att.snapshot_id,
                "manifest_exchange": manifest.exchange,
                "reserves_exchange": att.exchange,
            },
        )
    decimals = {a.symbol: a.decimals for a in manifest.assets}
    for a in att.assets:
        if a.symbol not in decimals:
            raise ManifestMismatch(
                f"reserves.json lists {a.symbol}, which the snapshot does not have", evidence={"asset": a.symbol}
            )
        if decimals[a.symbol] != a.decimals:
            raise ManifestMismatch(
                f"{a.symbol}: reserves.json uses {a.decimals} decimals, the snapshot {decimals[a.symbol]}",
                evidence={"asset": a.symbol, "manifest": decimals[a.symbol], "reserves": a.decimals},
            )


def _recheck_balance(source: BalanceSource, w: WalletEntry, b: Balance) -> None:
    if b.contract is None:
        got = source.native_balance(w.address, w.block)
    else:
        decimals = source.token_decimals(b.contract, w.block)
        if decimals != b.chain_decimals:
            raise VerificationError(
                f"{b.asset} token {b.contract.text} has {decimals} decimals on chain, reserves.json says "
                f"{b.chain_decimals}",
                code="decimals-mismatch",
                evidence={"contract": b.contract.text, "attested": b.chain_decimals, "on_chain": decimals},
            )
        got = source.token_balance(b.contract, w.address, w.block)
    if got != b.chain_amount:
        raise VerificationError(
            f"{w.address.text} {b.asset}: the node reports {got} at block {w.block.height}, "
            f"reserves.json says {b.chain_amount}",
            code="balance-mismatch",
            evidence={
                "address": w.address.text,
                "asset": b.asset,
                "attested": b.chain_amount,
                "node": got,
                "height": w.block.height,
            },
        )


def _check_wallet(
    att: Attestation, w: WalletEntry, source: BalanceSource | None, block_error: VerificationError | None
) -> WalletCheck:
    try:
        # (V3) the challenge is rebuilt here, never read from the file
        message = challenge_message(att.exchange, att.snapshot_id, w.block, w.address)
        verify_ownership(w.address, message, w.signature, w.scheme)
        if source is None:
            return WalletCheck(w, None, None)
        if block_error is not None:
            raise block_error
        for b in w.balances:
            if b.source == "observed":
                _recheck_balance(source, w, b)  # (V5)
        return WalletCheck(w, None, source.description)
    except VerificationError as e:
        return WalletCheck(w, e, None)


def check_attestation(att: Attestation, sources: Mapping[str, BalanceSource] | None = None) -> ReservesCheck:
    """Run (V3)-(V5) on every wallet; FetchError propagates (never counted as checked)."""
    sources = sources or {}
    block_errors: dict[str, VerificationError | None] = {}
    for chain, source in sources.items():
        pin = att.pins.get(chain)
        if pin is None:
            continue
        try:
            source.check_block(pin)  # (V4)
            block_errors[chain] = None
        except VerificationError as e:
            block_errors[chain] = e
    results = tuple(_check_wallet(att, w, sources.get(w.chain), block_errors.get(w.chain)) for w in att.wallets)
    nodes = {c: s.description for c, s in sources.items() if c in att.pins}
    return ReservesCheck(att, results, nodes)
