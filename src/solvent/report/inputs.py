"""What the report is given about the reserves: plain values, no checking left to do.

The report computes (the counting rule, :mod:`.solvency`) and renders; it does not
re-check anything.  :mod:`solvent.pipeline.report` re-checks a published attestation
with :mod:`solvent.reserves` and fills these in from the result, so that this package
depends on the protocol core only, never on another stage.

Times are RFC 3339 UTC text (``YYYY-MM-DDTHH:MM:SSZ``), as in the manifest; amounts are
``int`` base units of the snapshot's asset.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from solvent.protocol.errors import SolventError

__all__ = ["BalanceLine", "Counted", "OffchainLine", "PinnedBlock", "ReservesFacts", "WalletLine"]

Counted = Literal["observed", "declared"]


@dataclass(frozen=True)
class BalanceLine:
    """One balance of a wallet and how it counts (docs/spec.md §12.9 (Counting rule and the solvency verdict))."""

    asset: str
    amount: int
    #: What the exchange calls it in reserves.json.
    claimed: Counted
    #: What this verifier counts it as.
    counts_as: Counted
    #: The full token contract (a shortened one could be spoofed), or None for the native coin.
    contract: str | None
    #: Token balances: whether the verifier recognises the contract; None for the native coin.
    recognised: bool | None
    notes: tuple[str, ...]
    #: The balance as published, for the JSON report.
    published: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WalletLine:
    chain: str
    address: str
    label: str
    scheme: str
    #: None when every check passed; otherwise the first failure (it then counts for nothing).
    error: SolventError | None
    #: The node the observed balances were re-read from, or None.
    rechecked_by: str | None
    balances: tuple[BalanceLine, ...]
    #: The pinned block as published (height, hash).
    block: Mapping[str, Any] = field(default_factory=dict)
    #: The pinned block's time that was checked, and where it came from ...
    block_time: str | None = None
    block_time_from: str | None = None
    #: ... and the time reserves.json states.
    block_time_published: str | None = None
    #: Whether the ownership signature was checked over a challenge naming the manifest
    #: signing key; False for an older attestation ("not bound to a key").
    key_bound: bool = False
    #: How ownership was proven, in words ("2-of-3 P2WSH multisig, one signature per key",
    #: "2-of-3 Safe, one EIP-191 signature per owner", "TIP-191 v2 signature" ...).
    method: str = ""
    #: False when the proof lives on chain and was not checked (ERC-1271 without a node).
    ownership_checked: bool = True
    #: A remark on the ownership check (e.g. a Safe's owners not re-read without a node).
    ownership_note: str = ""
    #: How the balances were read: "at the pinned block N", "observed at block N (latest),
    #: not at the pinned block" (chains without history) or "declared".
    timing: str = ""
    #: Chains without history: the latest block the balances were read at (height, hash, time).
    observed: Mapping[str, Any] | None = None
    #: The chain's display name ("BNB Smart Chain").
    chain_name: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class OffchainLine:
    asset: str
    amount: int
    custodian: str
    note: str
    published: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PinnedBlock:
    chain: str
    height: int
    hash: str


@dataclass(frozen=True)
class ReservesFacts:
    """A re-checked attestation, as the report needs it."""

    wallets: tuple[WalletLine, ...]
    #: The words a note starts with when it flags an unrecognised token contract.
    unrecognised_label: str
    offchain: tuple[OffchainLine, ...] = ()
    pins: tuple[PinnedBlock, ...] = ()
    #: chain -> node description, for the chains whose balances were re-read.
    nodes: Mapping[str, str] = field(default_factory=dict)
    #: The manifest time the block times were checked against; None: not checked.
    taken_at: str | None = None
    #: The block-time window, in seconds and as text.
    max_age: int = 0
    max_lead: int = 0
    max_age_text: str = ""
    max_lead_text: str = ""
    #: Why amounts the attestation calls observed count only as declared (for every renderer).
    notes: tuple[str, ...] = ()
    #: The attestation's format, and the signing key its challenges were checked with
    #: (None: an older attestation, bound to no key).
    attestation_format: str = ""
    signing_key: str | None = None
    #: The words shown for a wallet whose signature is not bound to a key.
    not_key_bound_label: str = "not bound to a key"

    @property
    def key_bound(self) -> bool:
        return self.signing_key is not None

    @property
    def failures(self) -> tuple[WalletLine, ...]:
        return tuple(w for w in self.wallets if not w.ok)
