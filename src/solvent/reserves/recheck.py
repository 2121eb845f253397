"""Re-checking a published attestation: anyone, offline or with their own nodes.

docs/spec.md §12.8 (Verifying reserves.json (anyone)), steps (V1)-(V7):

(V1) parse strictly (:func:`~solvent.reserves.reserves_json.parse_attestation`);
(V2) against the signed manifest: the file is bound by its SHA-256, same exchange and
     snapshot id, every asset in the manifest with the same decimals, and a
     ``solvent-reserves/3`` file names the key that signed the manifest;
(V3) every wallet's signature over the challenge rebuilt from (exchange, manifest
     signing key, snapshot id, chain, pinned block, address) -- offline.  The key is
     the one that signed *this* manifest, never the file's: an attestation made for
     another key fails even when the exchange name and snapshot id are copied.  An
     attestation of the older format ``solvent-reserves/2`` names no key; its v1
     challenges are checked as before and every wallet is marked not key-bound;
(V4) with a node for a chain: it serves that chain, its block at the pinned height has
     the pinned hash, and the block's time it reports equals the time in the file;
(V5) the block's time (the node's, else the file's) lies within the window around the
     manifest's ``taken_at`` (:mod:`~solvent.reserves.block_window`);
(V6) with a node: every *observed* balance is read again at the pinned block and must
     be equal (token decimals included);
(V7) every token balance's contract is looked up in the verifier's list
     (:mod:`~solvent.reserves.tokens`): a built-in token with other decimals fails the
     wallet, an unrecognised contract is flagged.

Chains without history (Tron, Solana) are read at their latest block, never at the
pinned one (docs/spec.md §12.2 (The pinned block), "Chains without history"): (V4)
checks the pinned block *and* the recorded observed block on the verifier's node (hash
and time), (V5) puts both in the window, and (V6) re-reads each balance at the
verifier's node's latest block: equal, and read within :data:`LATEST_REREAD_WINDOW` of
the observed block, it counts as observed, always labelled "observed at block N
(latest), not at the pinned block"; otherwise it counts as declared with a note (a later
balance proves nothing about an earlier one).

A wallet that fails (V3)-(V7) is kept in the result with its error and is **not
counted**; the caller decides the exit code.  An unreachable node raises FetchError:
a balance that could not be re-read is never reported as re-read.

Each balance of a wallet that passed gets a verdict (:class:`BalanceCheck`): it counts
as **observed** only when this verifier re-read it with its own node (V6), at a block
whose time was checked against the snapshot (V5), in the native coin or a recognised
contract (V7).  Everything else -- amounts the exchange calls observed but nobody
re-read, unrecognised contracts, declared amounts -- counts at most as declared
(docs/spec.md §12.9 (Counting rule and the solvency verdict)), with a note saying why.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from solvent.protocol.errors import FetchError, FileDigestMismatch, ManifestMismatch, VerificationError
from solvent.protocol.layout import RESERVES_FILE
from solvent.protocol.manifest import Manifest
from solvent.protocol.v2.manifest import Manifest as ManifestV2
from solvent.reserves.attest import MAX_NODE_LAG
from solvent.reserves.block_window import (
    DEFAULT_WINDOW,
    BlockTimeWindow,
    check_block_time,
    format_block_time,
    format_duration,
)
from solvent.reserves.chains import get_chain
from solvent.reserves.challenge import challenge_message, check_signing_key
from solvent.reserves.ownership import OwnershipResult, describe_scheme, verify_wallet_ownership
from solvent.reserves.pinned_block import BlockPin, ObservedBlock
from solvent.reserves.reserves_json import (
    LEGACY_ATTESTATION_FORMAT,
    NOT_KEY_BOUND,
    Attestation,
    Balance,
    Source,
    WalletEntry,
    parse_attestation,
)
from solvent.reserves.sources.base import BalanceSource, LatestStateSource, read_token_balance
from solvent.reserves.tokens import UNRECOGNISED, TokenRegistry, default_registry

__all__ = [
    "LATEST_REREAD_WINDOW",
    "TIME_NOT_CHECKED",
    "BalanceCheck",
    "ReservesCheck",
    "WalletCheck",
    "bound_attestation",
    "check_against_manifest",
    "check_attestation",
    "check_bound",
    "check_signing_key_bound",
    "counting_notes",
    "latest_note",
    "not_reread_note",
]

TIME_NOT_CHECKED = "block time not checked against a snapshot time (no signed manifest)"


#: A chain without history: a balance re-read at the verifier's latest block counts as
#: observed only if that block is at most this many seconds after the observed block.
LATEST_REREAD_WINDOW = 24 * 3600


def latest_note(observed: ObservedBlock) -> str:
    """The words every output uses for a balance of a chain without history."""
    return f"observed at block {observed.height} (latest), not at the pinned block"


def not_reread_note(chain: str) -> str:
    return f"not re-read: run with --node {chain}=URL of your own node to re-read"


@dataclass(frozen=True)
class BalanceCheck:
    """How one balance counts (docs/spec.md §12.9 (Counting rule and the solvency verdict)), and why not
    as observed."""

    balance: Balance
    counts_as: Source
    #: Token balances: whether the contract is recognised for this asset; None for the native coin.
    recognised: bool | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class WalletCheck:
    wallet: WalletEntry
    #: None when every check passed; otherwise the first failure.
    error: VerificationError | None
    #: The node the observed balances were re-read from, or None (not re-read).
    rechecked_by: str | None
    #: One verdict per balance (empty in a hand-made check: then nothing counts as observed).
    balances: tuple[BalanceCheck, ...] = ()
    #: The pinned block's time used for (V5): the verifier's node's, else the file's ...
    block_time: int | None = None
    #: ... and where it came from (the node's description or "reserves.json").
    block_time_from: str | None = None
    #: Whether the signature was checked over a challenge naming the manifest signing key
    #: (a ``solvent-reserves/3`` file); False for the older format: "not bound to a key".
    key_bound: bool = False
    #: How ownership was proven, in words ("2-of-3 P2WSH multisig, one signature per key").
    method: str = ""
    #: False when the proof lives on chain and no node was given (ERC-1271 offline).
    ownership_checked: bool = True
    ownership_note: str = ""

    @property
    def timing(self) -> str:
        """How the balances were read: at the pinned block, at the latest block, or not at all."""
        w = self.wallet
        if not any(b.source == "observed" for b in w.balances):
            return "declared"
        if w.observed is not None:
            return latest_note(w.observed)
        return f"at the pinned block {w.block.height}"

    @property
    def ok(self) -> bool:
        return self.error is None

    def balance_checks(self) -> tuple[BalanceCheck, ...]:
        if self.balances:
            return self.balances
        return tuple(BalanceCheck(b, "declared", None, ("not verified",)) for b in self.wallet.balances)


@dataclass(frozen=True)
class ReservesCheck:
    attestation: Attestation
    wallets: tuple[WalletCheck, ...]
    #: chain -> node description, for the chains whose balances were re-read.
    nodes: Mapping[str, str] = field(default_factory=dict)
    #: The manifest time the block times were checked against (V5); None: not checked.
    taken_at: str | None = None
    window: BlockTimeWindow = DEFAULT_WINDOW
    #: The signing key the challenges were rebuilt with: the manifest's when the caller gave
    #: it, else the file's own (then bound to nothing checked); None for the older format.
    signing_key: str | None = None
    #: Whether ``signing_key`` is the key that signed the manifest (the caller's), not only the file's.
    key_from_manifest: bool = False

    @property
    def failures(self) -> tuple[WalletCheck, ...]:
        return tuple(w for w in self.wallets if not w.ok)

    @property
    def key_bound(self) -> bool:
        return self.attestation.key_bound


def not_key_bound_note() -> str:
    """The report's note for a ``solvent-reserves/2`` attestation (spec §12.8 (Verifying reserves.json (anyone)))."""
    return (
        f"reserves.json is in the older format {LEGACY_ATTESTATION_FORMAT}: its ownership signatures are "
        f"{NOT_KEY_BOUND}. Their challenges name the exchange and snapshot but not the key that signed this "
        "manifest, so another exchange could have republished them: what they show counts as declared, never "
        "as observed."
    )


def counting_notes(check: ReservesCheck) -> tuple[str, ...]:
    """Why amounts the attestation calls observed count only as declared, once per cause
    (the report prints them below its table; the per-balance notes say the same for each)."""
    notes = []
    if not check.key_bound:
        notes.append(not_key_bound_note())
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


def check_bound(raw: bytes, manifest: Manifest | ManifestV2, name: str = RESERVES_FILE) -> None:
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


def check_against_manifest(att: Attestation, manifest: Manifest | ManifestV2) -> None:
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


def check_signing_key_bound(att: Attestation, signing_key: str | None) -> None:
    """(V2): a key-bound attestation names the key that signed the manifest (``signing_key``,
    64 hex digits; None when no manifest signature was checked: nothing to compare)."""
    if att.signing_key is None or signing_key is None:
        return
    if not hmac.compare_digest(att.signing_key, check_signing_key(signing_key, "manifest signing key")):
        raise ManifestMismatch(
            "reserves.json was made for another signing key than the one that signed this manifest: "
            "its ownership signatures are another exchange's (or another key's) and prove nothing here",
            code="signing-key-mismatch",
            evidence={"reserves_signing_key": att.signing_key, "manifest_signing_key": signing_key},
        )


def bound_attestation(
    raw: bytes, manifest: Manifest | ManifestV2, name: str = RESERVES_FILE, *, signing_key: str | None
) -> Attestation:
    """(V1) and (V2) against a signed manifest: ``raw`` is bound by its digest, parses strictly,
    belongs to this snapshot and, in ``solvent-reserves/3``, names ``signing_key``: the key that
    signed the manifest (hex; None only for a manifest whose signature was not checked).  The
    digest comes first, so a file the manifest does not bind is refused as unbound, whatever
    it holds."""
    check_bound(raw, manifest, name)
    attestation = parse_attestation(raw, name)
    check_against_manifest(attestation, manifest)
    check_signing_key_bound(attestation, signing_key)
    return attestation


def _recheck_balance(source: BalanceSource, w: WalletEntry, b: Balance) -> None:
    if b.contract is None:
        got = source.native_balance(w.address, w.block)
    else:
        got = read_token_balance(
            source,
            b.contract,
            w.address,
            w.block,
            asset=b.asset,
            decimals=b.chain_decimals,
            stated_in="reserves.json",
            evidence_key="attested",
        )
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


def _reread_latest(source: LatestStateSource, w: WalletEntry, b: Balance) -> int:
    if b.contract is None:
        return source.native_balance_latest(w.address)
    decimals = source.token_decimals_latest(b.contract)
    if decimals != b.chain_decimals:
        raise VerificationError(
            f"{b.asset} token {b.contract.text} has {decimals} decimals on chain, reserves.json says "
            f"{b.chain_decimals}",
            code="decimals-mismatch",
            evidence={"contract": b.contract.text, "attested": b.chain_decimals, "on_chain": decimals},
        )
    return source.token_balance_latest(b.contract, w.address)


@dataclass(frozen=True)
class _Chain:
    """What (V4) and (V5) found for one chain."""

    error: VerificationError | None
    block_time: int | None
    block_time_from: str | None


def _check_observed(
    chain: str, observed: ObservedBlock, source: Any, taken_at: str | None, window: BlockTimeWindow
) -> None:
    """(V4), (V5) for the latest block a chain without history was read at."""
    if source is not None:
        node_time = source.check_block(BlockPin(chain, observed.height, observed.hash))
        if node_time != observed.time:
            raise VerificationError(
                f"{chain} block {observed.height}: reserves.json gives its time as "
                f"{format_block_time(observed.time)}, the node {format_block_time(node_time)}",
                code="block-time-mismatch",
                evidence={"chain": chain, "height": observed.height, "read_from": source.description},
            )
    if taken_at is not None:
        check_block_time(
            chain,
            observed.height,
            observed.time,
            taken_at,
            window=window,
            read_from=RESERVES_FILE if source is None else source.description,
        )


def _check_chain(
    att: Attestation,
    chain: str,
    pin: BlockPin,
    source: Any,
    *,
    taken_at: str | None,
    window: BlockTimeWindow,
) -> _Chain:
    attested = next(w.block_time for w in att.wallets if w.chain == chain)
    # one observed block per chain (the parser refuses two); each distinct one is checked regardless
    observed_blocks = list(dict.fromkeys(w.observed for w in att.wallets if w.chain == chain and w.observed))
    # the block's time and where it came from: the verifier's node when there is one, else the file
    found = None if attested is None else (attested, RESERVES_FILE)
    error = None
    try:
        if source is not None:
            # (V4) the node serves this chain and has the pinned block; its time is the one that counts
            node_time = source.check_block(pin)
            found = (node_time, source.description)
            if attested is not None and attested != node_time:
                raise VerificationError(
                    f"{chain} block {pin.height}: reserves.json gives its time as {format_block_time(attested)}, "
                    f"the node {format_block_time(node_time)}",
                    code="block-time-mismatch",
                    evidence={
                        "chain": chain,
                        "height": pin.height,
                        "attested": format_block_time(attested),
                        "node": format_block_time(node_time),
                        "read_from": source.description,
                    },
                )
        if taken_at is not None and found is not None:
            # (V5) the block is the snapshot's, not one from before the coins left
            check_block_time(chain, pin.height, found[0], taken_at, window=window, read_from=found[1])
        for observed in observed_blocks:
            _check_observed(chain, observed, source, taken_at, window)
    except VerificationError as e:
        error = e
    block_time, origin = found if found is not None else (None, None)
    return _Chain(error, block_time, origin)


def _check_known_decimals(w: WalletEntry, tokens: TokenRegistry) -> None:
    """(V7) a recognised token with known decimals: the file must not restate them."""
    for b in w.balances:
        known = tokens.lookup(w.chain, b.contract) if b.contract is not None else None
        if known is not None and known.symbol == b.asset and known.decimals not in (None, b.chain_decimals):
            assert b.contract is not None
            raise VerificationError(
                f"{b.asset} token {b.contract.text} has {known.decimals} decimals, reserves.json says "
                f"{b.chain_decimals}",
                code="decimals-mismatch",
                evidence={"contract": b.contract.text, "attested": b.chain_decimals, "known": known.decimals},
            )


def _verdict(
    w: WalletEntry,
    b: Balance,
    *,
    rechecked_by: str | None,
    taken_at: str | None,
    tokens: TokenRegistry,
    latest_miss: str | None = None,
) -> BalanceCheck:
    """``rechecked_by`` is None unless the wallet passed every check and its balances were re-read;
    ``latest_miss`` says why a balance of a chain without history did not re-read equal."""
    notes: list[str] = []
    if b.source == "observed" and w.observed is not None:
        notes.append(latest_note(w.observed))
        if latest_miss is not None:
            notes.append(latest_miss)
            rechecked_by = None
    recognised = None
    if b.contract is not None:
        recognised = tokens.recognises(w.chain, b.asset, b.contract)
        if not recognised:
            known = tokens.lookup(w.chain, b.contract)
            notes.append(UNRECOGNISED + (f" (it is {known.symbol}'s)" if known else ""))
    if b.source == "observed":
        if rechecked_by is None and latest_miss is None:
            notes.append(not_reread_note(w.chain))
        if taken_at is None:
            notes.append(TIME_NOT_CHECKED)
    observed = b.source == "observed" and rechecked_by is not None and taken_at is not None
    return BalanceCheck(b, "observed" if observed and recognised is not False else "declared", recognised, tuple(notes))


def _reread_all_latest(source: LatestStateSource, w: WalletEntry, window: int) -> dict[str, str]:
    """(V6) on a chain without history: asset -> why its balance does not count as observed."""
    assert w.observed is not None
    try:
        now = source.latest_block(max_lag=MAX_NODE_LAG)
    except VerificationError as e:
        if e.code not in ("stale-node", "clock-skew", "future-block"):
            raise
        # the verifier's own node is behind (or ahead): nothing it says now is about now, and
        # that is no fault of the exchange's -- the node cannot be used (exit 2), never a failed wallet
        raise FetchError(
            f"{source.description}: {e.message}; use a node that is in sync to re-read {w.chain}",
            code=e.code,
            evidence=e.evidence,
        ) from e
    misses = {}
    late = now.time - w.observed.time > window
    for b in w.balances:
        if b.source != "observed":
            continue
        got = _reread_latest(source, w, b)
        if late:
            misses[b.asset] = (
                f"re-read at block {now.height}, more than {format_duration(window)} after block "
                f"{w.observed.height}: a later balance does not show the earlier one"
            )
        elif got != b.chain_amount:
            misses[b.asset] = (
                f"the node reports {got} at block {now.height} (latest), reserves.json says {b.chain_amount} at "
                f"block {w.observed.height}: the balance at that block cannot be re-read"
            )
    return misses


def _check_wallet(
    att: Attestation,
    w: WalletEntry,
    source: Any,
    chain: _Chain,
    *,
    signing_key: str | None,
    taken_at: str | None,
    tokens: TokenRegistry,
) -> WalletCheck:
    error: VerificationError | None = None
    ownership = OwnershipResult(describe_scheme(w.scheme))
    misses: dict[str, str] = {}
    history = get_chain(w.chain).history
    try:
        # (V3) the challenge is rebuilt here, never read from the file, with the key that
        # signed the manifest (``signing_key``); the older format's v1 challenge names none
        if att.signing_key is not None and signing_key != att.signing_key:
            raise VerificationError(
                f"{w.address.text}: signed for signing key {att.signing_key}, but this manifest is signed by "
                f"{signing_key}: the signature is not this exchange's proof",
                code="signing-key-mismatch",
                evidence={"address": w.address.text, "signed_for": att.signing_key, "manifest_key": str(signing_key)},
            )
        message = challenge_message(att.exchange, att.snapshot_id, w.block, w.address, signing_key=signing_key)
        ownership = verify_wallet_ownership(
            w.address,
            message,
            w.scheme,
            w.signature,
            script=w.script,
            signers=w.signers,
            safe=w.safe,
            source=source,
            pin=w.block,
        )
        if chain.error is not None:
            raise chain.error  # (V4), (V5)
        _check_known_decimals(w, tokens)  # (V7)
        if source is not None:
            if history:
                for b in w.balances:
                    if b.source == "observed":
                        _recheck_balance(cast(BalanceSource, source), w, b)  # (V6)
            elif w.observed is not None:
                misses = _reread_all_latest(cast(LatestStateSource, source), w, LATEST_REREAD_WINDOW)
    except VerificationError as e:
        error = e
    rechecked_by = source.description if source is not None and error is None and ownership.checked else None
    verdicts = tuple(
        _verdict(w, b, rechecked_by=rechecked_by, taken_at=taken_at, tokens=tokens, latest_miss=misses.get(b.asset))
        for b in w.balances
    )
    return WalletCheck(
        w,
        error,
        rechecked_by,
        verdicts,
        chain.block_time,
        chain.block_time_from,
        key_bound=signing_key is not None,
        method=ownership.method,
        ownership_checked=ownership.checked,
        ownership_note=ownership.note,
    )


def check_attestation(
    att: Attestation,
    sources: Mapping[str, Any] | None = None,
    *,
    taken_at: str | None = None,
    window: BlockTimeWindow = DEFAULT_WINDOW,
    tokens: TokenRegistry | None = None,
    signing_key: str | None,
) -> ReservesCheck:
    """Run (V3)-(V7) on every wallet; FetchError propagates (never counted as checked).

    ``signing_key`` is the key that signed the manifest (64 hex digits, as
    :class:`~solvent.protocol.signed_manifest.SignedManifest` gives it): every challenge
    of a ``solvent-reserves/3`` file is rebuilt with it, so signatures made for another
    key fail.  None only without a signed manifest: the file's own key is used, bound to
    nothing checked.  ``taken_at`` is the signed manifest's snapshot time: without it no
    block time is checked (V5) and nothing counts as observed.  ``tokens`` defaults to
    the built-in list (:func:`~solvent.reserves.tokens.default_registry`).
    """
    sources = sources or {}
    if signing_key is not None:
        check_signing_key(signing_key, "manifest signing key")
    # the older format's challenges name no key (v1): checked as before, shown as not key-bound
    challenge_key = None if att.signing_key is None else (signing_key or att.signing_key)
    registry = tokens if tokens is not None else default_registry()
    chains = {
        c: _check_chain(att, c, pin, sources.get(c), taken_at=taken_at, window=window) for c, pin in att.pins.items()
    }
    results = tuple(
        _check_wallet(
            att,
            w,
            sources.get(w.chain),
            chains[w.chain],
            signing_key=challenge_key,
            taken_at=taken_at,
            tokens=registry,
        )
        for w in att.wallets
    )
    nodes = {c: s.description for c, s in sources.items() if c in att.pins}
    return ReservesCheck(
        att,
        results,
        nodes,
        taken_at,
        window,
        signing_key=challenge_key,
        key_from_manifest=challenge_key is not None and signing_key is not None,
    )
