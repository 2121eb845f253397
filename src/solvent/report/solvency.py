"""The counting rule: what may be set against the liabilities, and the verdict per asset.

docs/spec.md §12, "counting rule":

* only wallets whose ownership signature verified (and whose pinned block's time is
  within the window of the snapshot time, and, when a node was given, whose block and
  balances re-checked) count; a wallet that failed counts for nothing and fails the
  report;
* **observed** reserves -- re-read by the verifier's own node at a pinned block whose
  time was checked, in the native coin or a recognised token contract -- and
  **declared** ones (everything else on chain: amounts nobody re-read, balances in
  unrecognised contracts; and off-chain holdings such as fiat) are summed separately;
* ``PASS``  -- observed reserves alone cover the liabilities;
  ``DECLARED`` -- they do only when the declared amounts are added: a distinct
  outcome, never shown as a pass;
  ``FAIL`` -- even observed + declared do not cover them.

Ratios are exact fractions shown rounded down; the surplus is ``observed - liabilities``
(negative when short).  Nothing here reads a file or the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from solvent.protocol.errors import ManifestMismatch
from solvent.protocol.manifest import Manifest
from solvent.reserves.recheck import ReservesCheck, WalletCheck, not_reread_note
from solvent.reserves.tokens import UNRECOGNISED

__all__ = ["LIMITATIONS", "AssetLine", "SolvencyReport", "Status", "assess", "format_ratio"]

Status = Literal["PASS", "DECLARED", "FAIL"]

LIMITATIONS = (
    "What a proof of reserves cannot show:",
    "- borrowed funds: assets lent to the exchange for the snapshot and returned afterwards look like reserves;",
    "- off-chain liabilities: debts not in the published liabilities tree (loans, other creditors) are not counted;",
    "- encumbered assets: coins pledged as collateral, lent out or frozen still sign and still show a balance;",
    "- exclusive control: a signature shows a key signed, not that nobody else (another exchange) claims the wallet;",
    "- declared amounts are the exchange's word only: nothing checks them.",
)


@dataclass(frozen=True)
class AssetLine:
    symbol: str
    decimals: int
    liabilities: int
    observed: int
    declared_onchain: int
    declared_offchain: int
    #: (wallet index, amount, "observed" or "declared") for the wallets that count towards this asset.
    contributors: tuple[tuple[int, int, str], ...]

    @property
    def declared(self) -> int:
        return self.declared_onchain + self.declared_offchain

    @property
    def surplus(self) -> int:
        return self.observed - self.liabilities

    @property
    def ratio(self) -> Fraction | None:
        """observed / liabilities; None when nothing is owed."""
        return Fraction(self.observed, self.liabilities) if self.liabilities else None

    @property
    def ratio_with_declared(self) -> Fraction | None:
        return Fraction(self.observed + self.declared, self.liabilities) if self.liabilities else None

    @property
    def status(self) -> Status:
        if self.observed >= self.liabilities:
            return "PASS"
        if self.observed + self.declared >= self.liabilities:
            return "DECLARED"
        return "FAIL"


@dataclass(frozen=True)
class SolvencyReport:
    manifest: Manifest
    check: ReservesCheck | None
    lines: tuple[AssetLine, ...]
    #: How the manifest signature was checked (key and where it came from).
    signature_note: str
    #: Why amounts the attestation calls observed count only as declared (for every renderer).
    notes: tuple[str, ...] = ()

    @property
    def wallet_failures(self) -> tuple[WalletCheck, ...]:
        return self.check.failures if self.check else ()

    def passed(self, *, allow_declared: bool = False) -> bool:
        accepted = {"PASS", "DECLARED"} if allow_declared else {"PASS"}
        return not self.wallet_failures and all(line.status in accepted for line in self.lines)


def format_ratio(ratio: Fraction | None) -> str:
    """A percentage with two decimals, rounded down (never flattering); "-" if nothing is owed."""
    if ratio is None:
        return "-"
    hundredths = ratio.numerator * 10000 // ratio.denominator
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def _notes(check: ReservesCheck) -> tuple[str, ...]:
    notes = []
    if check.taken_at is None:
        notes.append(
            "Block times were not checked against this snapshot's time: no on-chain amount counts as observed."
        )
    counted = [(wc, bc) for wc in check.wallets if wc.ok for bc in wc.balance_checks()]
    unread = sorted({wc.wallet.chain for wc, bc in counted if bc.balance.source == "observed" and not wc.rechecked_by})
    for chain in unread:
        notes.append(
            f"Balances on {chain} that the exchange calls observed were not re-read by this verifier and count as "
            f"declared ({not_reread_note(chain)})."
        )
    unrecognised = [bc for _, bc in counted if bc.recognised is False]
    if unrecognised:
        shown = ", ".join(
            sorted({f"{bc.balance.asset} {bc.balance.contract.text}" for bc in unrecognised if bc.balance.contract})
        )
        notes.append(
            f"{len(unrecognised)} token balance(s) in an {UNRECOGNISED} ({shown}) count at most as declared; "
            "pass --token CHAIN:SYMBOL=CONTRACT for a contract you have checked yourself."
        )
    return tuple(notes)


def assess(manifest: Manifest, check: ReservesCheck | None, signature_note: str = "") -> SolvencyReport:
    """Apply the counting rule to a verified manifest and a re-checked attestation.

    ``check`` should come from ``check_attestation(..., taken_at=manifest.taken_at)``:
    made without the snapshot time, nothing in it counts as observed (fail closed).
    """
    if check is not None and check.taken_at is not None and check.taken_at != manifest.taken_at:
        raise ManifestMismatch(
            "the reserves were checked against the time of another snapshot",
            evidence={"manifest_taken_at": manifest.taken_at, "checked_against": check.taken_at},
        )
    lines = []
    for i, asset in enumerate(manifest.assets):
        observed = declared_onchain = declared_offchain = 0
        contributors: list[tuple[int, int, str]] = []
        if check is not None:
            for w_index, wc in enumerate(check.wallets):
                if not wc.ok:
                    continue  # a wallet that failed counts for nothing
                for bc in wc.balance_checks():
                    b = bc.balance
                    if b.asset != asset.symbol:
                        continue
                    if bc.counts_as == "observed":
                        observed += b.amount
                    else:
                        declared_onchain += b.amount
                    contributors.append((w_index, b.amount, bc.counts_as))
            declared_offchain = sum(o.amount for o in check.attestation.offchain if o.asset == asset.symbol)
        lines.append(
            AssetLine(
                asset.symbol,
                asset.decimals,
                manifest.root.sums[i],
                observed,
                declared_onchain,
                declared_offchain,
                tuple(contributors),
            )
        )
    return SolvencyReport(manifest, check, tuple(lines), signature_note, _notes(check) if check else ())
