"""The counting rule: what may be set against the liabilities, and the verdict per asset.

docs/spec.md §12.9 (Counting rule and the solvency verdict):

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

The liabilities come from a signed manifest of either protocol version
(:func:`liabilities_by_asset`): a v1 manifest's root sums (§5 (The snapshot manifest)),
or the root sum of each asset tree of a v2 manifest (§13.3 (The manifest
`solvent-snapshot/2`)); everything after that is one code path.

Each asset's on-chain reserves are also summed per chain (:class:`ChainReserves`), so a
reader sees which chain holds what and how each part counts.

Ratios are exact fractions shown rounded down; the surplus is ``observed - liabilities``
(negative when short).  Nothing here reads a file or the network: the reserves come in
re-checked, as :class:`~solvent.report.inputs.ReservesFacts`
(:func:`solvent.pipeline.report.assess` does the re-checking).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from solvent.protocol.amounts import AMOUNT_LIMIT
from solvent.protocol.errors import ManifestMismatch, SumOverflow
from solvent.protocol.manifest import Manifest
from solvent.protocol.v2.manifest import Manifest as ManifestV2
from solvent.protocol.versions import AnyManifest
from solvent.report.inputs import ReservesFacts, WalletLine

__all__ = [
    "LIMITATIONS",
    "AssetLine",
    "ChainReserves",
    "SolvencyReport",
    "Status",
    "assess",
    "format_ratio",
    "liabilities_by_asset",
    "protocol_version",
    "ratio_hundredths",
]

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
class ChainReserves:
    """One asset's on-chain reserves on one chain, from the wallets that count (off-chain
    holdings are the asset line's ``declared_offchain``, on no chain)."""

    chain: str
    #: The chain's display name ("BNB Smart Chain"), or its id when none was given.
    name: str
    observed: int
    declared: int


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
    #: The on-chain reserves per chain, in the order the chains first appear in reserves.json:
    #: their observed amounts add up to ``observed``, their declared ones to ``declared_onchain``.
    by_chain: tuple[ChainReserves, ...] = ()

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


def protocol_version(manifest: AnyManifest) -> int:
    """1 or 2: the protocol of a manifest parsed by :func:`solvent.protocol.versions.parse_any_manifest`."""
    return 2 if isinstance(manifest, ManifestV2) else 1


def liabilities_by_asset(manifest: AnyManifest) -> tuple[int, ...]:
    """Each asset's total liabilities in base units, in the manifest's asset order: the root
    sums of a v1 manifest, the root sum of each asset tree of a v2 one."""
    if isinstance(manifest, Manifest):
        return manifest.root.sums
    return tuple(t.root.sum for t in manifest.trees)


@dataclass(frozen=True)
class SolvencyReport:
    manifest: AnyManifest
    #: The re-checked reserves, or None when no reserves.json was published.
    reserves: ReservesFacts | None
    lines: tuple[AssetLine, ...]
    #: How the manifest signature was checked (key and where it came from).
    signature_note: str

    @property
    def protocol(self) -> int:
        """The manifest's protocol version (1 or 2)."""
        return protocol_version(self.manifest)

    @property
    def notes(self) -> tuple[str, ...]:
        """Why amounts the attestation calls observed count only as declared (for every renderer)."""
        return self.reserves.notes if self.reserves else ()

    @property
    def wallet_failures(self) -> tuple[WalletLine, ...]:
        return self.reserves.failures if self.reserves else ()

    def passed(self, *, allow_declared: bool = False) -> bool:
        accepted = {"PASS", "DECLARED"} if allow_declared else {"PASS"}
        return not self.wallet_failures and all(line.status in accepted for line in self.lines)


def ratio_hundredths(ratio: Fraction | None) -> int | None:
    """The ratio in hundredths of a percent, rounded down (never flattering); None if nothing is owed."""
    if ratio is None:
        return None
    return ratio.numerator * 10000 // ratio.denominator


def format_ratio(ratio: Fraction | None) -> str:
    """A percentage with two decimals, rounded down (never flattering); "-" if nothing is owed."""
    hundredths = ratio_hundredths(ratio)
    if hundredths is None:
        return "-"
    return f"{hundredths // 100}.{hundredths % 100:02d}%"


def _by_chain(reserves: ReservesFacts, contributors: list[tuple[int, int, str]]) -> tuple[ChainReserves, ...]:
    """Sum the counted amounts per chain (the contributors already follow the counting rule)."""
    sums: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for w_index, amount, counts_as in contributors:
        wc = reserves.wallets[w_index]
        names.setdefault(wc.chain, wc.chain_name or wc.chain)
        pair = sums.setdefault(wc.chain, [0, 0])
        pair[0 if counts_as == "observed" else 1] += amount
    return tuple(ChainReserves(chain, names[chain], o, d) for chain, (o, d) in sums.items())


def assess(manifest: AnyManifest, reserves: ReservesFacts | None, signature_note: str = "") -> SolvencyReport:
    """Apply the counting rule to a verified manifest and its re-checked reserves.

    ``reserves`` should be checked against ``manifest.taken_at``: checked without the
    snapshot time, nothing in it counts as observed (fail closed); checked against another
    snapshot's time, it is refused.
    """
    if reserves is not None and reserves.taken_at is not None and reserves.taken_at != manifest.taken_at:
        raise ManifestMismatch(
            "the reserves were checked against the time of another snapshot",
            evidence={"manifest_taken_at": manifest.taken_at, "checked_against": reserves.taken_at},
        )
    lines = []
    for asset, liabilities in zip(manifest.assets, liabilities_by_asset(manifest), strict=True):
        observed = declared_onchain = declared_offchain = 0
        contributors: list[tuple[int, int, str]] = []
        if reserves is not None:
            for w_index, wc in enumerate(reserves.wallets):
                if not wc.ok:
                    continue  # a wallet that failed counts for nothing
                for b in wc.balances:
                    if b.asset != asset.symbol:
                        continue
                    # A signature not bound to the manifest key (an older attestation) could be
                    # another exchange's, republished: what it shows counts as declared at most.
                    counts_as = b.counts_as if wc.key_bound else "declared"
                    if counts_as == "observed":
                        observed += b.amount
                    else:
                        declared_onchain += b.amount
                    contributors.append((w_index, b.amount, counts_as))
            declared_offchain = sum(o.amount for o in reserves.offchain if o.asset == asset.symbol)
        if (total := observed + declared_onchain + declared_offchain) >= AMOUNT_LIMIT:
            # Each amount is below 2^128 but their sum is not: no renderer, and no amount of
            # the protocol, can hold it. Refused (fail closed), naming the asset and the parts.
            raise SumOverflow(
                f"the reserves of {asset.symbol} add up to {total} base units, not below 2^128 as every "
                "amount of the protocol must be: the reserves file is refused",
                evidence={
                    "asset": asset.symbol,
                    "observed": observed,
                    "declared_onchain": declared_onchain,
                    "declared_offchain": declared_offchain,
                },
            )
        lines.append(
            AssetLine(
                asset.symbol,
                asset.decimals,
                liabilities,
                observed,
                declared_onchain,
                declared_offchain,
                tuple(contributors),
                _by_chain(reserves, contributors) if reserves is not None else (),
            )
        )
    return SolvencyReport(manifest, reserves, tuple(lines), signature_note)
