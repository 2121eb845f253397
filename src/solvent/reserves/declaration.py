"""The operator's ``reserves.toml``: which cold wallets hold what, at which block.

docs/reserves.md shows a complete file; docs/spec.md §12.5 (The operator's declaration reserves.toml)
specifies it.  In short::

    format = "solvent-reserves-declaration/1"
    exchange = "Demo Exchange"
    snapshot_id = "2026-11-23"
    assets = "BTC:8,ETH:8,USDT:8,USDC:8,USD:2"      # the snapshot's assets and decimals

    [chains.ethereum]                                 # one pinned block per chain
    block_height = 19000000
    block_hash = "0x8f0c..."

    [[tokens]]                                        # token contracts, per chain
    chain = "ethereum"
    asset = "USDT"
    contract = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
    decimals = 6                                      # checked against the contract

    [[wallets]]
    chain = "ethereum"
    address = "0x..."
    assets = ["ETH", "USDT"]                          # native coin or tokens above
    declared = { ETH = "10.5" }                       # optional, for chains read without a node

    [[wallets]]                                       # a Bitcoin multisig: reveal its script
    chain = "bitcoin"
    address = "bc1q..."
    kind = "multisig"
    script_type = "p2wsh"                             # p2sh, p2sh-p2wsh or p2wsh
    script = "5221...53ae"                            # the redeem or witness script, hex
    assets = ["BTC"]

    [[wallets]]                                       # an EVM contract wallet
    chain = "polygon"
    address = "0x..."
    kind = "safe"                                     # or "erc1271"; default "key"
    assets = ["USDC"]

    [[offchain]]                                      # fiat and other off-chain holdings
    asset = "USD"
    amount = "1500000.00"
    custodian = "Example Bank"

Everything is checked here, before any signature or node is looked at: unknown keys,
unknown chains or assets, malformed or duplicate addresses (by normalised identity,
threat R3), an asset listed on a chain with no native coin or token for it, amounts
that are not exact decimals.  Every error is an InputError naming the entry.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from solvent.protocol.amounts import parse_units
from solvent.protocol.assets import Asset, parse_asset_list
from solvent.protocol.errors import FormatError, InputError, SolventError
from solvent.protocol.ids import check_snapshot_id
from solvent.protocol.manifest import check_exchange_name
from solvent.protocol.strictjson import check_fields, check_int
from solvent.reserves.chains import Address, get_chain, normalize_address
from solvent.reserves.conversion import MAX_CHAIN_DECIMALS
from solvent.reserves.ownership import SCRIPT_TYPES, ScriptSpec, parse_script_spec
from solvent.reserves.pinned_block import BlockPin, parse_block_hash, parse_height
from solvent.reserves.reserves_json import check_text

__all__ = [
    "DECLARATION_FORMAT",
    "WALLET_KINDS",
    "Declaration",
    "Holding",
    "OffchainReserve",
    "Token",
    "WalletDecl",
    "parse_declaration",
]

DECLARATION_FORMAT = "solvent-reserves-declaration/1"
#: How a wallet's ownership is proven, by chain family: one key (the default), a Bitcoin
#: multisig script, or an EVM contract wallet (a Safe, or any ERC-1271 contract).
WALLET_KINDS: dict[str, tuple[str, ...]] = {
    "utxo": ("key", "multisig"),
    "evm": ("key", "safe", "erc1271"),
    "tron": ("key",),
    "solana": ("key",),
}


@dataclass(frozen=True)
class Token:
    """A token contract on an EVM chain that holds one snapshot asset."""

    chain: str
    asset: str
    contract: Address
    decimals: int


@dataclass(frozen=True)
class Holding:
    """One asset of one wallet: the native coin (``token`` None) or a token."""

    asset: str
    token: Token | None
    chain_decimals: int
    #: Declared amount in chain base units, or None when it is to be observed on chain.
    declared: int | None


@dataclass(frozen=True)
class WalletDecl:
    address: Address
    holdings: tuple[Holding, ...]
    label: str
    #: ``key``, ``multisig``, ``safe`` or ``erc1271`` (:data:`WALLET_KINDS`).
    kind: str = "key"
    #: ``multisig``: the revealed script (checked against the address when attesting).
    script: ScriptSpec | None = None


@dataclass(frozen=True)
class OffchainReserve:
    """A holding no signature or chain can prove (a bank balance): declared, never verified."""

    asset: str
    amount: int  # snapshot base units
    custodian: str
    note: str


@dataclass(frozen=True)
class Declaration:
    exchange: str
    snapshot_id: str
    assets: tuple[Asset, ...]
    pins: Mapping[str, BlockPin]
    wallets: tuple[WalletDecl, ...]
    offchain: tuple[OffchainReserve, ...]

    def asset(self, symbol: str) -> Asset:
        for a in self.assets:
            if a.symbol == symbol:
                return a
        raise InputError(f"asset {symbol} is not in the snapshot's asset list")


def _own(e: FormatError) -> InputError:
    """A shared format check's failure, as the operator's error: the file is theirs (exit 2)."""
    return InputError(e.message, code=e.code, evidence=e.evidence)


def _fields(obj: object, required: set[str], where: str, optional: Collection[str] = ()) -> dict[str, Any]:
    try:
        return check_fields(obj, required, where, optional)
    except FormatError as e:
        raise _own(e) from e


def _text(value: object, where: str, limit: int = 200) -> str:
    try:
        return check_text(value, where, limit)
    except FormatError as e:
        raise _own(e) from e


def _decimal(value: object, decimals: int, where: str) -> int:
    # Amounts are strings: a TOML float would already have lost exactness.
    if not isinstance(value, str):
        raise InputError(
            f'{where}: write amounts as decimal strings, e.g. "12.5" (got {type(value).__name__})',
            evidence={"field": where},
        )
    return parse_units(value, decimals, what=where)


def _as_input(e: SolventError, where: str) -> InputError:
    return InputError(f"{where}: {e.message}", code=e.code, evidence={"field": where, **e.evidence})


def _parse_pins(value: object) -> dict[str, BlockPin]:
    if not isinstance(value, dict) or not value:
        raise InputError("chains: expected at least one [chains.NAME] table with block_height and block_hash")
    pins = {}
    for name, table in value.items():
        where = f"chains.{name}"
        try:
            get_chain(name, where)
            d = _fields(table, {"block_height", "block_hash"}, where)
            pins[name] = BlockPin(
                name,
                parse_height(d["block_height"], f"{where}.block_height"),
                parse_block_hash(d["block_hash"], f"{where}.block_hash"),
            )
        except FormatError as e:
            raise _as_input(e, where) from e
    return pins


def _parse_tokens(value: object, pins: Mapping[str, BlockPin], symbols: set[str]) -> dict[tuple[str, str], Token]:
    if not isinstance(value, list):
        raise InputError("tokens: expected an array of [[tokens]] tables")
    tokens: dict[tuple[str, str], Token] = {}
    contracts: set[tuple[str, bytes]] = set()
    for i, table in enumerate(value):
        where = f"tokens[{i}]"
        d = _fields(table, {"chain", "asset", "contract", "decimals"}, where)
        try:
            chain = get_chain(d["chain"], f"{where}.chain")
            contract = normalize_address(chain, d["contract"], f"{where}.contract")
        except FormatError as e:
            raise _as_input(e, where) from e
        if not chain.has_tokens:
            raise InputError(f"{where}: {chain.name} has no tokens", evidence={"field": where})
        if chain.name not in pins:
            raise InputError(
                f"{where}: chain {chain.name} has no [chains.{chain.name}] block", evidence={"field": where}
            )
        if not isinstance(d["asset"], str) or d["asset"] not in symbols or d["asset"] == chain.native_symbol:
            raise InputError(
                f"{where}.asset: {str(d['asset'])[:20]!r} is not a token asset of the snapshot "
                f"(a snapshot asset other than {chain.name}'s native coin {chain.native_symbol})",
                evidence={"field": f"{where}.asset"},
            )
        try:
            decimals = check_int(d["decimals"], f"{where}.decimals", 0, MAX_CHAIN_DECIMALS)
        except FormatError as e:
            raise _own(e) from e
        key = (chain.name, d["asset"])
        if key in tokens or (chain.name, contract.key) in contracts:
            raise InputError(
                f"{where}: {d['asset']} on {chain.name} (or its contract) is listed twice", evidence={"field": where}
            )
        contracts.add((chain.name, contract.key))
        tokens[key] = Token(chain.name, d["asset"], contract, decimals)
    return tokens


def _parse_wallet(
    table: object,
    where: str,
    decl_assets: dict[str, Asset],
    pins: Mapping[str, BlockPin],
    tokens: Mapping[tuple[str, str], Token],
) -> WalletDecl:
    d = _fields(table, {"chain", "address", "assets"}, where, {"declared", "label", "kind", "script", "script_type"})
    try:
        chain = get_chain(d["chain"], f"{where}.chain")
        address = normalize_address(chain, d["address"], f"{where}.address")
    except FormatError as e:
        raise _as_input(e, where) from e
    kind = d.get("kind", "key")
    kinds = WALLET_KINDS[chain.family]
    if kind not in kinds:
        raise InputError(
            f"{where}.kind: {str(kind)[:20]!r} is not a kind of {chain.name} wallet ({', '.join(kinds)})",
            evidence={"field": f"{where}.kind"},
        )
    script = None
    if kind == "multisig":
        if "script" not in d or "script_type" not in d:
            raise InputError(
                f"{where}: a multisig wallet needs script (hex) and script_type ({', '.join(SCRIPT_TYPES)})",
                evidence={"field": where},
            )
        try:
            text = d["script"].lower() if isinstance(d["script"], str) else d["script"]
            script = parse_script_spec({"type": d["script_type"], "hex": text}, where)
        except FormatError as e:
            raise _own(e) from e
    elif "script" in d or "script_type" in d:
        raise InputError(
            f'{where}: script and script_type belong to kind = "multisig" wallets', evidence={"field": where}
        )
    if chain.name not in pins:
        raise InputError(f"{where}: chain {chain.name} has no [chains.{chain.name}] block", evidence={"field": where})
    symbols = d["assets"]
    if not isinstance(symbols, list) or not symbols or not all(isinstance(s, str) for s in symbols):
        raise InputError(f"{where}.assets: expected a non-empty list of asset symbols", evidence={"field": where})
    if len(set(symbols)) != len(symbols):
        raise InputError(f"{where}.assets: an asset is listed twice", evidence={"field": where})
    declared_raw = d.get("declared", {})
    if not isinstance(declared_raw, dict) or not set(declared_raw) <= set(symbols):
        raise InputError(
            f"{where}.declared: expected a table of amounts for assets of this wallet", evidence={"field": where}
        )
    holdings = []
    for symbol in symbols:
        if symbol not in decl_assets:
            raise InputError(
                f"{where}: asset {symbol[:20]!r} is not in the snapshot's asset list", evidence={"field": where}
            )
        if symbol == chain.native_symbol:
            token, chain_decimals = None, chain.native_decimals
        elif (chain.name, symbol) in tokens:
            token = tokens[(chain.name, symbol)]
            chain_decimals = token.decimals
        else:
            raise InputError(
                f"{where}: {chain.name} has no native coin or [[tokens]] entry for {symbol}", evidence={"field": where}
            )
        declared = None
        if symbol in declared_raw:
            declared = _decimal(declared_raw[symbol], chain_decimals, f"{where}.declared.{symbol}")
        holdings.append(Holding(symbol, token, chain_decimals, declared))
    label = _text(d.get("label", ""), f"{where}.label")
    return WalletDecl(address, tuple(holdings), label, kind, script)


def parse_declaration(data: bytes, name: str = "reserves.toml") -> Declaration:
    """Parse and check the operator's reserves declaration (InputError naming the entry)."""
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise InputError(f"{name}: not UTF-8 (byte {e.start})") from e
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{name}: not valid TOML: {e}") from e
    try:
        d = _fields(
            doc, {"format", "exchange", "snapshot_id", "assets", "chains", "wallets"}, name, {"tokens", "offchain"}
        )
        if d["format"] != DECLARATION_FORMAT:
            raise InputError(f"{name}: format must be {DECLARATION_FORMAT!r}", code="version")
        try:
            exchange = check_exchange_name(d["exchange"])
        except FormatError as e:
            raise _as_input(e, name) from e  # its message names the exchange field
        try:
            snapshot_id = check_snapshot_id(d["snapshot_id"])
        except FormatError as e:
            raise _as_input(e, "snapshot_id") from e
        if not isinstance(d["assets"], str):
            raise InputError(f'{name}: assets must be a string like "BTC:8,ETH:8"')
        assets = parse_asset_list(d["assets"])
        by_symbol = {a.symbol: a for a in assets}
        pins = _parse_pins(d["chains"])
        tokens = _parse_tokens(d.get("tokens", []), pins, set(by_symbol))
        if not isinstance(d["wallets"], list) or not d["wallets"]:
            raise InputError(f"{name}: expected at least one [[wallets]] entry")
        wallets = []
        seen: dict[tuple[str, bytes], int] = {}
        for i, table in enumerate(d["wallets"]):
            wallet = _parse_wallet(table, f"wallets[{i}]", by_symbol, pins, tokens)
            key = (wallet.address.chain, wallet.address.key)
            if key in seen:
                raise InputError(
                    f"wallets[{i}]: address {wallet.address.text} is the same wallet as wallets[{seen[key]}]",
                    code="duplicate-address",
                    evidence={"field": f"wallets[{i}].address", "first": f"wallets[{seen[key]}]"},
                )
            seen[key] = i
            wallets.append(wallet)
        offchain = []
        raw_offchain = d.get("offchain", [])
        if not isinstance(raw_offchain, list):
            raise InputError(f"{name}: offchain must be an array of [[offchain]] tables")
        for i, table in enumerate(raw_offchain):
            where = f"offchain[{i}]"
            o = _fields(table, {"asset", "amount", "custodian"}, where, {"note"})
            if not isinstance(o["asset"], str) or o["asset"] not in by_symbol:
                raise InputError(
                    f"{where}.asset: {str(o['asset'])[:20]!r} is not in the snapshot's asset list",
                    evidence={"field": f"{where}.asset"},
                )
            amount = _decimal(o["amount"], by_symbol[o["asset"]].decimals, f"{where}.amount")
            offchain.append(
                OffchainReserve(
                    o["asset"],
                    amount,
                    _text(o["custodian"], f"{where}.custodian"),
                    _text(o.get("note", ""), f"{where}.note", 1000),
                )
            )
    except InputError as e:
        if e.message.startswith(name):
            raise
        raise InputError(f"{name}: {e.message}", code=e.code, evidence=e.evidence) from e
    return Declaration(exchange, snapshot_id, assets, pins, tuple(wallets), tuple(offchain))
