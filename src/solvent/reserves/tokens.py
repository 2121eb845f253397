"""The token contracts a verifier recognises as a snapshot asset (threat: self-minted tokens).

An ERC-20 balance is only worth something if the contract is the asset it claims to
be.  ``reserves.json`` names a contract per token balance, and nothing in the file can
prove that contract is *the* USDT: anybody can deploy a token called "Tether USD" and
mint themselves a billion.  So the verifier brings its own list: a balance counts as
observed only when its contract is recognised for that (chain, asset), either here
(:data:`BUILTIN_TOKENS`, the ``[[tokens]]`` of the packaged ``registry.toml``, each
checked against its issuer's published addresses) or because the verifier said so with
``--token CHAIN:SYMBOL=CONTRACT`` (an ERC-20 contract, a TRC-20 ``T...`` address or a
Solana SPL mint).  Anything else is shown,
flagged "unrecognised token contract", and counted at most like a declared amount
(docs/spec.md §12.8 (Verifying reserves.json (anyone)), "recognised token contracts";
§12.9 (Counting rule and the solvency verdict)).

One contract stands for one asset per chain: a ``--token`` that would give a
recognised contract a second symbol is refused, so a registry can never be ambiguous.

Bridged tokens (USDC.e, USDbC, Binance-Peg, USDT0...) are claims on tokens locked on
another chain, not tokens their issuer issued there.  They count toward their asset like
the issuer's own (variant ``native``), but every :class:`KnownToken` carries its
``variant`` and ``name`` so that every output can say which one was counted, and a
verifier who takes only issuer-issued tokens builds its registry with
``default_registry(..., bridged=False)`` (``--no-bridged``).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from solvent.protocol.assets import Asset
from solvent.protocol.errors import FormatError, InputError
from solvent.reserves.chains import (
    Address,
    ChainSpec,
    get_chain,
    load_chains,
    normalize_address,
    registry_error,
    registry_int,
    registry_keys,
    registry_str,
    registry_text,
)

__all__ = [
    "BUILTIN_TOKENS",
    "UNRECOGNISED",
    "VARIANTS",
    "KnownToken",
    "Registry",
    "TokenRegistry",
    "default_registry",
    "dump_registry",
    "load_registry",
    "parse_token_option",
]

#: The flag shown next to a balance whose contract the verifier does not recognise.
UNRECOGNISED = "unrecognised token contract"
#: ``native``: issued on its chain by the asset's issuer; ``bridged``: a claim on tokens
#: locked elsewhere; ``verifier``: vouched for by the verifier with ``--token``.
VARIANTS = ("native", "bridged")


@dataclass(frozen=True)
class KnownToken:
    """A contract recognised as ``symbol`` on ``chain``.

    ``decimals`` is known for the built-in tokens (a file claiming other decimals for
    them is lying); for a verifier's ``--token`` it is None and the contract's own
    ``decimals()`` is what the node re-check compares with.  ``variant`` and ``name``
    tell the issuer's own token from a bridged one ("USDC.e (bridged from Ethereum by
    the Arbitrum bridge)"); ``source`` is the page the built-in entry was checked against.
    """

    chain: str
    symbol: str
    contract: Address
    decimals: int | None
    origin: str
    variant: str = "verifier"
    name: str = ""
    source: str = ""


@dataclass(frozen=True)
class Registry:
    """A whole registry file: its chains by name and its recognised tokens, in file order."""

    chains: dict[str, ChainSpec]
    tokens: tuple[KnownToken, ...]


_TOKEN_KEYS = {"chain", "asset", "contract", "decimals", "variant", "name", "source"}


def _token_entry(entry: object, where: str, chains: Mapping[str, ChainSpec]) -> KnownToken:
    if not isinstance(entry, Mapping):
        raise registry_error(where, "expected a table")
    registry_keys(entry, _TOKEN_KEYS, where)
    chain_name = registry_str(entry, "chain", where)
    symbol = registry_str(entry, "asset", where)
    where = f"{where} ({chain_name} {symbol})"
    chain = chains.get(chain_name)
    if chain is None:
        raise registry_error(where, f"unknown chain {chain_name!r}", field="chain")
    if not chain.has_tokens:
        raise registry_error(where, f"{chain_name} ({chain.family}) has no tokens", field="chain")
    try:
        Asset(symbol, 0)  # the snapshot's own rule for a symbol
    except FormatError as e:
        raise registry_error(where, e.message, field="asset") from e
    if symbol == chain.native_symbol:
        raise registry_error(where, f"{symbol} is {chain_name}'s native coin, not a token", field="asset")
    text = registry_str(entry, "contract", where)
    try:
        contract = normalize_address(chain, text, "contract")
    except FormatError as e:
        raise registry_error(where, e.message, field="contract", reason=e.code) from e
    if contract.text != text:
        raise registry_error(
            where, f"write the contract in its canonical form {contract.text}", field="contract", got=text
        )
    variant = registry_str(entry, "variant", where)
    if variant not in VARIANTS:
        raise registry_error(where, f"variant must be one of {', '.join(VARIANTS)}, not {variant!r}", field="variant")
    source = registry_str(entry, "source", where)
    if not source.startswith("https://"):
        raise registry_error(where, "source must be the https:// page the entry was checked against", field="source")
    return KnownToken(
        chain_name,
        symbol,
        contract,
        registry_int(entry, "decimals", where, 0, 36),
        "built-in",
        variant,
        registry_str(entry, "name", where),
        source,
    )


def load_registry(text: str) -> Registry:
    """Parse and check a registry (the text of a ``registry.toml``).

    Every problem is a FormatError (code ``registry``) naming the entry: an unknown
    family, a chain listed twice, an address not in its canonical spelling (a bad
    EIP-55 checksum included), one contract listed for two assets, a token carrying
    its chain's native symbol.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise FormatError(f"registry: not valid TOML ({e})", code="registry", evidence={"entry": "file"}) from e
    unknown = set(doc) - {"chains", "tokens"}
    if unknown:
        raise registry_error("file", f"unknown table(s) {', '.join(sorted(unknown))}", unknown=sorted(unknown))
    chains = load_chains(doc)
    entries = doc.get("tokens", [])
    if not isinstance(entries, list):
        raise registry_error("tokens", "expected a [[tokens]] array")
    tokens: list[KnownToken] = []
    seen: dict[tuple[str, bytes], KnownToken] = {}
    for i, entry in enumerate(entries):
        token = _token_entry(entry, f"tokens[{i}]", chains)
        first = seen.setdefault((token.chain, token.contract.key), token)
        if first is not token:
            raise registry_error(
                f"tokens[{i}] ({token.chain} {token.symbol})",
                f"contract {token.contract.text} is already listed as {first.symbol}"
                + ("" if first.symbol == token.symbol else ": one contract cannot stand for two assets"),
                field="contract",
            )
        tokens.append(token)
    return Registry(chains, tuple(tokens))


def _toml(value: object) -> str:
    # JSON strings and integers are TOML basic strings and integers.
    return json.dumps(value)


def dump_registry(registry: Registry) -> str:
    """A registry as TOML text that :func:`load_registry` reads back to an equal registry."""
    lines: list[str] = []
    for c in registry.chains.values():
        lines += ["[[chains]]", f"name = {_toml(c.name)}", f"display_name = {_toml(c.display_name)}"]
        lines += [f"family = {_toml(c.family)}", f"native_symbol = {_toml(c.native_symbol)}"]
        lines.append(f"native_decimals = {c.native_decimals}")
        for key in ("evm_chain_id", "p2pkh_version", "p2sh_version", "bech32_hrp", "genesis_hash"):
            value = getattr(c, key)
            if value is not None:
                lines.append(f"{key} = {_toml(value)}")
        lines.append("")
    for t in registry.tokens:
        lines += ["[[tokens]]", f"chain = {_toml(t.chain)}", f"asset = {_toml(t.symbol)}"]
        lines += [f"contract = {_toml(t.contract.text)}", f"decimals = {t.decimals}"]
        lines += [f"variant = {_toml(t.variant)}", f"name = {_toml(t.name)}", f"source = {_toml(t.source)}", ""]
    return "\n".join(lines)


#: Every recognised token of the packaged registry (``registry.toml``).
BUILTIN_TOKENS: tuple[KnownToken, ...] = load_registry(registry_text()).tokens


@dataclass(frozen=True)
class TokenRegistry:
    """Recognised contracts, looked up by (chain, contract identity)."""

    tokens: tuple[KnownToken, ...] = ()

    def __post_init__(self) -> None:
        seen: dict[tuple[str, bytes], KnownToken] = {}
        for t in self.tokens:
            key = (t.chain, t.contract.key)
            first = seen.setdefault(key, t)
            if first.symbol != t.symbol:
                raise InputError(
                    f"{t.chain} contract {t.contract.text} is recognised as {first.symbol} ({first.origin}); "
                    f"it cannot also stand for {t.symbol}",
                    code="token-conflict",
                    evidence={"contract": t.contract.text, "first": first.symbol, "second": t.symbol},
                )

    def lookup(self, chain: str, contract: Address) -> KnownToken | None:
        for t in self.tokens:
            if t.chain == chain and t.contract.key == contract.key:
                return t
        return None

    def recognises(self, chain: str, symbol: str, contract: Address) -> bool:
        """True when ``contract`` is a recognised contract of ``symbol`` on ``chain``."""
        known = self.lookup(chain, contract)
        return known is not None and known.symbol == symbol

    def extended(self, tokens: Iterable[KnownToken]) -> TokenRegistry:
        return TokenRegistry((*self.tokens, *tokens))


def parse_token_option(value: str) -> KnownToken:
    """``CHAIN:SYMBOL=CONTRACT`` (e.g. ``ethereum:EURC=0x1aBa...``) -> a recognised token."""
    head, sep, contract = value.partition("=")
    chain_name, colon, symbol = head.partition(":")
    chain_name, symbol, contract = chain_name.strip(), symbol.strip(), contract.strip()
    if not sep or not colon or not contract:
        raise InputError(f"--token {value[:100]!r}: expected CHAIN:SYMBOL=CONTRACT, e.g. ethereum:USDT=0x...")
    try:
        Asset(symbol, 0)  # the snapshot's own rule for a symbol
    except FormatError as e:
        raise InputError(f"--token {value[:100]!r}: {e.message}", evidence=e.evidence) from e
    try:
        chain = get_chain(chain_name, "--token")
        address = normalize_address(chain, contract, "--token")
    except FormatError as e:
        raise InputError(f"--token {value[:100]!r}: {e.message}", code=e.code, evidence=e.evidence) from e
    if not chain.has_tokens:
        raise InputError(
            f"--token {value[:100]!r}: {chain.name} has no tokens; tokens exist on EVM, Tron and Solana chains"
        )
    if symbol == chain.native_symbol:
        raise InputError(f"--token {value[:100]!r}: {symbol} is {chain.name}'s native coin, not a token")
    return KnownToken(chain.name, symbol, address, None, "--token", "verifier", f"{symbol} (vouched for with --token)")


def default_registry(options: Iterable[str] = (), *, bridged: bool = True) -> TokenRegistry:
    """The built-in tokens plus the verifier's ``--token`` options (InputError on a conflict).

    ``bridged=False`` (``--no-bridged``) leaves the bridged built-in tokens out, so their
    balances are unrecognised and count at most as declared; a verifier's own ``--token``
    is kept whatever its variant.
    """
    builtin = tuple(t for t in BUILTIN_TOKENS if bridged or t.variant != "bridged")
    return TokenRegistry(builtin).extended(parse_token_option(o) for o in options)
