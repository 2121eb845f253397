"""The published attestation ``reserves.json`` (format ``solvent-reserves/3``; ``/2`` still read).

docs/spec.md §12.7 (reserves.json (solvent-reserves/2)).  ``solvent-reserves/3`` adds one
field, ``signing_key``: the manifest signing key the wallets' challenges were built with
(v2 challenges, §12.3 (Challenge message)), so the signatures hold only for snapshots
signed by that key.  A ``solvent-reserves/2`` file has no such field; it is read as
before, its challenges are the v1 messages, and every verifier shows it as "not bound
to a key" (:attr:`Attestation.key_bound`).  One entry per cold wallet: chain, address (normalised),
signature scheme and signature over its challenge, the pinned block with its time
as the operator's node reported it, and per asset the on-chain amount (chain base
units and decimals), the amount in the snapshot's base units and whether it was
**observed** on chain at the pinned block or only **declared**.  Off-chain holdings
(fiat) are listed apart and are always declared.  Its SHA-256 is bound into the
signed snapshot manifest under ``files["reserves.json"]``.

The parser is strict like every published format (threat L18): exact field sets and
types (a wrong type is a FormatError naming the field, never a crash), canonical
integers, one pinned block per chain, amounts in range and consistent with the
conversion rule, no wallet twice under any spelling (threat R3), and token contracts
bound to assets: ``contract`` is null exactly for the chain's native coin, and across
the whole file one (chain, asset) has one contract and one (chain, contract) one asset
and one number of decimals -- so one token cannot be counted as several assets.
Whether a contract *is* the asset it claims is the verifier's call
(:mod:`solvent.reserves.tokens`), not the file's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from solvent.protocol.amounts import parse_canonical_int
from solvent.protocol.assets import Asset, assets_from_json, assets_to_json
from solvent.protocol.errors import FormatError
from solvent.protocol.ids import check_snapshot_id
from solvent.protocol.manifest import check_exchange_name, is_control
from solvent.protocol.strictjson import check_fields, check_int, dumps_canonical, loads_strict
from solvent.reserves.block_window import format_block_time, parse_block_time
from solvent.reserves.chains import Address, get_chain, normalize_address
from solvent.reserves.challenge import check_signing_key
from solvent.reserves.conversion import MAX_CHAIN_DECIMALS, to_snapshot_units
from solvent.reserves.ownership import (
    MULTI_SIGNER_SCHEMES,
    SCHEMES,
    SCRIPT_SCHEMES,
    SIGNER_SCHEMES,
    SafeSpec,
    ScriptSpec,
    Signer,
    parse_safe_spec,
    parse_script_spec,
    parse_signer,
)
from solvent.reserves.pinned_block import BlockPin, ObservedBlock, parse_block_hash, parse_height

__all__ = [
    "ATTESTATION_FORMAT",
    "LEGACY_ATTESTATION_FORMAT",
    "NOT_KEY_BOUND",
    "Attestation",
    "Balance",
    "Source",
    "OffchainEntry",
    "WalletEntry",
    "check_text",
    "parse_attestation",
]

ATTESTATION_FORMAT = "solvent-reserves/3"
#: The format before challenges bound the signing key: still read, never shown as bound.
LEGACY_ATTESTATION_FORMAT = "solvent-reserves/2"
#: The words every output uses for a wallet of a ``solvent-reserves/2`` file.
NOT_KEY_BOUND = "not bound to a key"
MAX_ATTESTATION_BYTES = 32 * 1024 * 1024
Source = Literal["observed", "declared"]
_U256 = 1 << 256


@dataclass(frozen=True)
class Balance:
    asset: str
    #: Token contract (EVM), or None for the chain's native coin.
    contract: Address | None
    chain_decimals: int
    chain_amount: int
    #: In the snapshot's base units: floor(chain_amount * 10^(decimals - chain_decimals)).
    amount: int
    source: Source

    def to_dict(self) -> dict[str, Any]:
        return {
            "asset": self.asset,
            "contract": self.contract.text if self.contract else None,
            "chain_decimals": self.chain_decimals,
            "chain_amount": str(self.chain_amount),
            "amount": str(self.amount),
            "source": self.source,
        }


@dataclass(frozen=True)
class WalletEntry:
    address: Address
    block: BlockPin
    scheme: str
    #: The one signature of a single-signature scheme (and of ``bip322-full``); None for the
    #: schemes with one signature per signer (``multisig``, ``safe``: see ``signers``).
    signature: str | None
    balances: tuple[Balance, ...]
    label: str = ""
    #: The pinned block's time (seconds since 1970, UTC) as the operator's node reported it;
    #: None when the chain was not read from a node (its balances are then all declared).
    block_time: int | None = None
    #: Bitcoin multisig: the revealed redeem or witness script (``multisig``, ``bip322-full``).
    script: ScriptSpec | None = None
    #: ``multisig`` and ``safe``: one signature per signing key or owner.
    signers: tuple[Signer, ...] = ()
    #: ``safe``: the owners and threshold read at the pinned block.
    safe: SafeSpec | None = None
    #: Chains without history (Tron, Solana): the latest block at which the balances were
    #: read (never the pinned block); None when nothing was read from a node.
    observed: ObservedBlock | None = None

    @property
    def chain(self) -> str:
        return self.address.chain

    def to_dict(self) -> dict[str, Any]:
        # key order: a single-key wallet is written exactly as before the other kinds existed
        d: dict[str, Any] = {
            "chain": self.address.chain,
            "address": self.address.text,
            "label": self.label,
            "block": {
                **self.block.to_dict(),
                "time": None if self.block_time is None else format_block_time(self.block_time),
            },
        }
        if not get_chain(self.address.chain).history:
            d["observed"] = None if self.observed is None else observed_to_dict(self.observed)
        d["scheme"] = self.scheme
        if self.scheme not in MULTI_SIGNER_SCHEMES:
            d["signature"] = self.signature
        if self.script is not None:
            d["script"] = self.script.to_dict()
        if self.safe is not None:
            d["safe"] = self.safe.to_dict()
        if self.scheme in MULTI_SIGNER_SCHEMES:
            d["signers"] = [x.to_dict(self.scheme) for x in self.signers]
        d["balances"] = [b.to_dict() for b in self.balances]
        return d


def observed_to_dict(block: ObservedBlock) -> dict[str, Any]:
    return {"height": block.height, "hash": block.hash, "time": format_block_time(block.time)}


@dataclass(frozen=True)
class OffchainEntry:
    asset: str
    amount: int
    custodian: str
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {"asset": self.asset, "amount": str(self.amount), "custodian": self.custodian, "note": self.note}


def check_text(value: object, where: str, limit: int = 200) -> str:
    """A single-line string of at most ``limit`` characters without control characters.

    Labels, custodians and notes are shown to people and signatures written on one line;
    the operator's declaration is held to the same rule, so what it declares publishes.
    """
    if not isinstance(value, str) or len(value) > limit or any(is_control(c) for c in value):
        raise FormatError(
            f"{where}: expected a single-line string of at most {limit} characters without control characters",
            evidence={"field": where},
        )
    return value


def _symbol(value: object, where: str, assets: Mapping[str, Asset]) -> str:
    if not isinstance(value, str) or value not in assets:
        shown = value[:20] if isinstance(value, str) else type(value).__name__
        raise FormatError(f"{where}: {shown!r} is not in the attestation's asset list", evidence={"field": where})
    return value


def _parse_balance(obj: object, where: str, chain_name: str, assets: Mapping[str, Asset]) -> Balance:
    d = check_fields(obj, {"asset", "contract", "chain_decimals", "chain_amount", "amount", "source"}, where)
    symbol = _symbol(d["asset"], f"{where}.asset", assets)
    chain = get_chain(chain_name)
    chain_decimals = check_int(d["chain_decimals"], f"{where}.chain_decimals", 0, MAX_CHAIN_DECIMALS)
    contract = None
    # (a) contract is null exactly for the chain's native coin: a native symbol with a
    # contract is a token posing as the coin; another symbol without one is unbacked
    if symbol == chain.native_symbol:
        if d["contract"] is not None:
            raise FormatError(
                f"{where}.contract: {symbol} is {chain_name}'s native coin and has no contract; "
                "a token with this symbol is not the coin",
                code="contract",
                evidence={"field": f"{where}.contract", "asset": symbol},
            )
        if chain_decimals != chain.native_decimals:
            raise FormatError(
                f"{where}.chain_decimals: {chain_name}'s native coin has {chain.native_decimals}",
                evidence={"field": f"{where}.chain_decimals"},
            )
    elif d["contract"] is None:
        raise FormatError(
            f"{where}.contract: {symbol} is not {chain_name}'s native coin, so it needs a token contract",
            code="contract",
            evidence={"field": f"{where}.contract", "asset": symbol},
        )
    else:
        if not chain.has_tokens:
            raise FormatError(f"{where}.contract: {chain_name} has no tokens", evidence={"field": f"{where}.contract"})
        contract = normalize_address(chain, d["contract"], f"{where}.contract")
        if contract.text != d["contract"]:
            raise FormatError(
                f"{where}.contract: not in canonical form ({contract.text})", evidence={"field": f"{where}.contract"}
            )
    chain_amount = _big_int(d["chain_amount"], f"{where}.chain_amount")
    amount = parse_canonical_int(d["amount"], f"{where}.amount")
    expected = to_snapshot_units(chain_amount, chain_decimals, assets[symbol].decimals, f"{where}.amount").amount
    if amount != expected:
        raise FormatError(
            f"{where}.amount: {amount} is not the chain amount converted to the snapshot's decimals ({expected})",
            code="conversion",
            evidence={"field": f"{where}.amount", "expected": expected, "got": amount},
        )
    if not isinstance(d["source"], str) or d["source"] not in ("observed", "declared"):
        raise FormatError(f'{where}.source: must be "observed" or "declared"', evidence={"field": f"{where}.source"})
    source: Source = "observed" if d["source"] == "observed" else "declared"
    return Balance(symbol, contract, chain_decimals, chain_amount, amount, source)


def _big_int(value: object, where: str) -> int:
    # On-chain amounts are uint256: canonical decimal strings below 2^256.
    if (
        not isinstance(value, str)
        or not value.isdigit()
        or not value.isascii()
        or len(value) > 78
        or (len(value) > 1 and value[0] == "0")
    ):
        raise FormatError(
            f"{where}: expected a canonical decimal string", code="non-canonical", evidence={"field": where}
        )
    n = int(value)
    if n >= _U256:
        raise FormatError(f"{where}: not below 2^256", code="range", evidence={"field": where})
    return n


def _wallet_fields(scheme: object, history: bool) -> set[str]:
    """The exact field set of a wallet entry, by its scheme (and chain kind): nothing more, nothing less."""
    fields = {"chain", "address", "label", "block", "scheme", "balances"}
    if scheme in MULTI_SIGNER_SCHEMES:
        fields.add("signers")
    else:
        fields.add("signature")
    if scheme in SCRIPT_SCHEMES:
        fields.add("script")
    if scheme == "safe":
        fields.add("safe")
    if not history:
        fields.add("observed")
    return fields


def _parse_observed(value: object, where: str, chain: str) -> ObservedBlock:
    d = check_fields(value, {"height", "hash", "time"}, where)
    observed = ObservedBlock(
        chain,
        parse_height(d["height"], f"{where}.height"),
        parse_block_hash(d["hash"], f"{where}.hash"),
        parse_block_time(d["time"], f"{where}.time"),
    )
    if observed.hash != d["hash"]:
        raise FormatError(f"{where}.hash: write 64 lower-case hex digits without 0x", evidence={"field": where})
    return observed


def _parse_wallet(obj: object, where: str, assets: Mapping[str, Asset]) -> WalletEntry:
    raw_chain = obj.get("chain") if isinstance(obj, dict) else None
    chain = get_chain(raw_chain, f"{where}.chain")
    scheme = obj.get("scheme") if isinstance(obj, dict) else None
    if not isinstance(scheme, str) or scheme not in SCHEMES[chain.family]:
        raise FormatError(
            f"{where}.scheme: {str(scheme)[:30]!r} is not a {chain.name} ownership scheme "
            f"({', '.join(SCHEMES[chain.family])})",
            evidence={"field": f"{where}.scheme"},
        )
    d = check_fields(obj, _wallet_fields(scheme, chain.history), where)
    address = normalize_address(chain, d["address"], f"{where}.address")
    if address.text != d["address"]:
        raise FormatError(f"{where}.address: not in canonical form ({address.text})", evidence={"field": where})
    b = check_fields(d["block"], {"height", "hash", "time"}, f"{where}.block")
    block = BlockPin(
        chain.name,
        parse_height(b["height"], f"{where}.block.height"),
        parse_block_hash(b["hash"], f"{where}.block.hash"),
    )
    if block.hash != b["hash"]:
        raise FormatError(f"{where}.block.hash: write 64 lower-case hex digits without 0x", evidence={"field": where})
    block_time = None if b["time"] is None else parse_block_time(b["time"], f"{where}.block.time")
    signature = None
    if scheme not in MULTI_SIGNER_SCHEMES:
        signature = check_text(d["signature"], f"{where}.signature", 10_000)
    script = parse_script_spec(d["script"], f"{where}.script") if scheme in SCRIPT_SCHEMES else None
    signers: tuple[Signer, ...] = ()
    if scheme in MULTI_SIGNER_SCHEMES:
        raw_signers = d["signers"]
        if not isinstance(raw_signers, list) or not raw_signers or len(raw_signers) > 100:
            raise FormatError(f"{where}.signers: expected a list of 1 to 100 signers", evidence={"field": where})
        signers = tuple(
            parse_signer(x, f"{where}.signers[{j}]", scheme, SIGNER_SCHEMES[scheme]) for j, x in enumerate(raw_signers)
        )
    safe = parse_safe_spec(d["safe"], f"{where}.safe") if scheme == "safe" else None
    raw_balances = d["balances"]
    if not isinstance(raw_balances, list) or not raw_balances:
        raise FormatError(f"{where}.balances: expected a non-empty list", evidence={"field": where})
    balances = tuple(
        _parse_balance(x, f"{where}.balances[{j}]", chain.name, assets) for j, x in enumerate(raw_balances)
    )
    if len({x.asset for x in balances}) != len(balances):
        raise FormatError(f"{where}.balances: an asset is listed twice", evidence={"field": where})
    if block_time is None and any(x.source == "observed" for x in balances):
        raise FormatError(
            f"{where}.block.time: observed balances were read from a node, which gives the block's time; it is missing",
            code="block-time",
            evidence={"field": f"{where}.block.time"},
        )
    observed = None
    if not chain.history:
        # (b) a chain without history: observed balances name the latest block they were read at,
        # which cannot precede the pinned block; declared-only wallets name none
        any_observed = any(x.source == "observed" for x in balances)
        if d["observed"] is None:
            if any_observed:
                raise FormatError(
                    f"{where}.observed: {chain.name} balances are read at the node's latest block, "
                    "which must be recorded; it is missing",
                    code="observed-block",
                    evidence={"field": f"{where}.observed"},
                )
        else:
            if not any_observed:
                raise FormatError(
                    f"{where}.observed: no balance of this wallet was observed", evidence={"field": f"{where}.observed"}
                )
            observed = _parse_observed(d["observed"], f"{where}.observed", chain.name)
            if observed.height < block.height:
                raise FormatError(
                    f"{where}.observed: block {observed.height} is before the pinned block {block.height}",
                    code="observed-block",
                    evidence={"field": f"{where}.observed.height"},
                )
    label = check_text(d["label"], f"{where}.label", 200)
    return WalletEntry(address, block, scheme, signature, balances, label, block_time, script, signers, safe, observed)


@dataclass(frozen=True)
class Attestation:
    exchange: str
    snapshot_id: str
    assets: tuple[Asset, ...]
    wallets: tuple[WalletEntry, ...]
    offchain: tuple[OffchainEntry, ...] = ()
    #: The manifest signing key (64 hex) the challenges were built with (``solvent-reserves/3``);
    #: None for a ``solvent-reserves/2`` file, whose challenges bind no key.
    signing_key: str | None = None

    @property
    def pins(self) -> dict[str, BlockPin]:
        return {w.chain: w.block for w in self.wallets}

    @property
    def key_bound(self) -> bool:
        """Whether the wallets' challenges name the manifest signing key (never for the older format)."""
        return self.signing_key is not None

    @property
    def format(self) -> str:
        return ATTESTATION_FORMAT if self.key_bound else LEGACY_ATTESTATION_FORMAT

    @classmethod
    def from_dict(cls, obj: object) -> Attestation:
        if not isinstance(obj, dict):
            check_fields(obj, (), "reserves")  # names the wrong type
        version = obj.get("format") if isinstance(obj, dict) else None
        if version not in (ATTESTATION_FORMAT, LEGACY_ATTESTATION_FORMAT):
            raise FormatError(
                f"reserves: format {str(version)[:40]!r} is not {ATTESTATION_FORMAT!r} "
                f"(nor the older {LEGACY_ATTESTATION_FORMAT!r})",
                code="version",
            )
        fields = {"format", "exchange", "snapshot_id", "assets", "wallets", "offchain"}
        if version == ATTESTATION_FORMAT:
            fields.add("signing_key")
        d = check_fields(obj, fields, "reserves")
        signing_key = (
            check_signing_key(d["signing_key"], "reserves.signing_key") if version == ATTESTATION_FORMAT else None
        )
        assets = assets_from_json(d["assets"], "reserves.assets")
        by_symbol = {a.symbol: a for a in assets}
        if not isinstance(d["wallets"], list) or not isinstance(d["offchain"], list):
            raise FormatError("reserves: wallets and offchain must be lists")
        wallets = tuple(_parse_wallet(w, f"wallets[{i}]", by_symbol) for i, w in enumerate(d["wallets"]))
        _check_unique_and_pinned(wallets)
        _check_contracts(wallets)
        offchain = []
        for i, o in enumerate(d["offchain"]):
            where = f"offchain[{i}]"
            od = check_fields(o, {"asset", "amount", "custodian", "note"}, where)
            offchain.append(
                OffchainEntry(
                    _symbol(od["asset"], f"{where}.asset", by_symbol),
                    parse_canonical_int(od["amount"], f"{where}.amount"),
                    check_text(od["custodian"], f"{where}.custodian", 200),
                    check_text(od["note"], f"{where}.note", 1000),
                )
            )
        return cls(
            exchange=_check(check_exchange_name, d["exchange"], "exchange"),
            snapshot_id=_check(check_snapshot_id, d["snapshot_id"], "snapshot_id"),
            assets=assets,
            wallets=wallets,
            offchain=tuple(offchain),
            signing_key=signing_key,
        )

    def to_dict(self) -> dict[str, Any]:
        key = {} if self.signing_key is None else {"signing_key": check_signing_key(self.signing_key)}
        return {
            "format": self.format,
            "exchange": self.exchange,
            **key,
            "snapshot_id": self.snapshot_id,
            "assets": assets_to_json(self.assets),
            "wallets": [w.to_dict() for w in self.wallets],
            "offchain": [o.to_dict() for o in self.offchain],
        }

    def to_json(self) -> bytes:
        """The exact bytes written to ``reserves.json`` (and hashed into the manifest)."""
        return dumps_canonical(self.to_dict())


def _check(fn: Any, value: object, where: str) -> str:
    try:
        result: str = fn(value)
    except FormatError as e:
        raise FormatError(f"reserves.{where}: {e.message}", evidence={"field": where}) from e
    return result


def _check_unique_and_pinned(wallets: Sequence[WalletEntry]) -> None:
    """One wallet once (by normalised identity, threat R3); one pinned block per chain (threat R4)."""
    seen: dict[tuple[str, bytes], int] = {}
    firsts: dict[str, int] = {}
    observed: dict[str, tuple[ObservedBlock, int]] = {}
    for i, w in enumerate(wallets):
        key = (w.chain, w.address.key)
        if key in seen:
            raise FormatError(
                f"wallets[{i}]: address {w.address.text} is listed twice (first at wallets[{seen[key]}])",
                code="duplicate-address",
                evidence={"field": f"wallets[{i}].address", "address": w.address.text, "first": seen[key]},
            )
        seen[key] = i
        first_index = firsts.setdefault(w.chain, i)
        first = wallets[first_index].block
        if w.observed is not None:
            # (b) every wallet of a chain without history that names an observed block names the
            # same one: the chain's first such wallet's, whatever wallets without one come first
            seen_block, seen_at = observed.setdefault(w.chain, (w.observed, i))
            if seen_block != w.observed:
                raise FormatError(
                    f"wallets[{i}]: {w.chain} balances were observed at one latest block; this wallet names "
                    f"block {w.observed.height}, wallets[{seen_at}] block {seen_block.height}",
                    code="block-mismatch",
                    evidence={
                        "field": f"wallets[{i}].observed",
                        "first": f"{seen_block.height} {seen_block.hash} {seen_block.time}",
                        "got": f"{w.observed.height} {w.observed.hash} {w.observed.time}",
                    },
                )
        if first != w.block or wallets[first_index].block_time != w.block_time:
            raise FormatError(
                f"wallets[{i}]: {w.chain} balances must all be read at one pinned block",
                code="block-mismatch",
                evidence={
                    "field": f"wallets[{i}].block",
                    "first": f"{first.height} {first.hash} {wallets[first_index].block_time}",
                    "got": f"{w.block.height} {w.block.hash} {w.block_time}",
                },
            )


def _check_contracts(wallets: Sequence[WalletEntry]) -> None:
    """(a) across the file: one contract per (chain, asset), one asset and one decimals per (chain, contract)."""
    by_asset: dict[tuple[str, str], tuple[Address, str]] = {}
    by_contract: dict[tuple[str, bytes], tuple[str, int, str]] = {}
    for i, w in enumerate(wallets):
        for j, b in enumerate(w.balances):
            if b.contract is None:
                continue
            where = f"wallets[{i}].balances[{j}]"
            contract, first_where = by_asset.setdefault((w.chain, b.asset), (b.contract, where))
            if contract.key != b.contract.key:
                raise FormatError(
                    f"{where}.contract: {b.asset} on {w.chain} is held in {b.contract.text} here and in "
                    f"{contract.text} at {first_where}; one asset has one contract per chain",
                    code="contract",
                    evidence={"field": f"{where}.contract", "first": first_where, "asset": b.asset},
                )
            asset, decimals, first_where = by_contract.setdefault(
                (w.chain, b.contract.key), (b.asset, b.chain_decimals, where)
            )
            if asset != b.asset:
                raise FormatError(
                    f"{where}.contract: {b.contract.text} is listed as {b.asset} here and as {asset} at "
                    f"{first_where}; one token contract is one asset",
                    code="contract",
                    evidence={"field": f"{where}.contract", "first": first_where, "contract": b.contract.text},
                )
            if decimals != b.chain_decimals:
                raise FormatError(
                    f"{where}.chain_decimals: {b.contract.text} has {b.chain_decimals} decimals here and "
                    f"{decimals} at {first_where}",
                    code="contract",
                    evidence={"field": f"{where}.chain_decimals", "first": first_where},
                )


def parse_attestation(data: bytes, name: str = "reserves.json") -> Attestation:
    """Parse ``reserves.json`` strictly; FormatError naming the file and field."""
    obj = loads_strict(data, name=name, max_bytes=MAX_ATTESTATION_BYTES)
    try:
        return Attestation.from_dict(obj)
    except FormatError as e:
        raise FormatError(f"{name}: {e.message}", code=e.code, evidence=e.evidence) from e
